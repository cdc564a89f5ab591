"""``gongjian import needs FILE`` on an embedded store in tmp_path (GONGJIAN_DB)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from gongjian.cli.main import app
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need
from tests.api.test_needs_import import HEADER
from tests.test_cli_suitability import seeded_xingcheng

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield seeded_xingcheng(tmp_path / "graph.sqlite")


def _needs(db: Path) -> list[Need]:
    store = EmbeddedStore(db)
    try:
        return store.list(Need, limit=None)
    finally:
        store.close()


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _id() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def _invoke(db: Path, *args: str) -> object:
    env = {"GONGJIAN_DB": str(db), "GONGJIAN_STORE": "embedded", "COLUMNS": "200"}
    return runner.invoke(app, ["import", "needs", *args], env=env)


def test_import_needs_xlsx(db: Path, tmp_path: Path) -> None:
    a, b = _id(), _id()
    file = _xlsx(
        tmp_path / "ok.xlsx",
        [
            [a, "路灯不亮", "设施维修", "c01", "c01-g1", "2026Q4"],
            [b, "义诊", "medical", "c02", None, "2026Q4"],
        ],
    )
    before = len(_needs(db))
    result = _invoke(db, str(file))
    assert result.exit_code == 0, result.output
    assert "导入完成" in result.stdout and "导入 2 件交办单" in result.stdout
    needs = {n.id: n for n in _needs(db)}
    assert len(needs) == before + 2
    assert needs[a].grid_id == "c01-g1" and needs[a].status == "open" and needs[a].created_at
    assert needs[b].community_id == "c02"


def test_bad_rows_refuse_the_whole_file(db: Path, tmp_path: Path) -> None:
    good = _id()
    file = _xlsx(
        tmp_path / "bad.xlsx",
        [
            [good, "好的一行", "repair", "c01", None, "2026Q4"],
            [_id(), "", "repair", "c01", None, "2026Q4"],
            [_id(), "坏类别", "castle", "c01", None, "2026Q4"],
            [_id(), "坏社区", "repair", "c404", None, "2026Q4"],
        ],
    )
    before = _needs(db)
    result = _invoke(db, str(file))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = result.stderr
    assert "未导入任何交办单" in err and "3 行有误" in err
    for row, field in (("3", "title"), ("4", "category"), ("5", "community_id")):
        assert any(
            line.split("│")[1:3] and row in line and field in line for line in err.splitlines()
        )
    assert "Traceback" not in result.output
    assert _needs(db) == before
    # --dry-run with --skip-errors: reports, writes nothing, still exit 2 (rows refused)
    dry = _invoke(db, str(file), "--dry-run", "--skip-errors")
    assert dry.exit_code == 2 and "试运行" in dry.stdout and "可导入 1 行" in dry.stdout
    assert _needs(db) == before
    # --skip-errors imports the good row, exit 2 because rows were refused
    skip = _invoke(db, str(file), "--skip-errors")
    assert skip.exit_code == 2, skip.output
    assert "导入 1 件交办单" in skip.stdout and "跳过 3 行" in skip.stdout
    assert {n.id for n in _needs(db)} == {n.id for n in before} | {good}


def test_dry_run_of_a_good_file(db: Path, tmp_path: Path) -> None:
    file = tmp_path / "ok.csv"
    file.write_text(f"id,title,category,community_id,quarter\n{_id()},试运行,repair,c01,2026Q4\n")
    before = _needs(db)
    result = _invoke(db, str(file), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "试运行" in result.stdout and "可导入 1 行" in result.stdout
    assert _needs(db) == before


@pytest.mark.parametrize(
    ("name", "data", "word"),
    [
        (
            "gbk.csv",
            "标题,类别,社区,季度\n暖气不热,设施维修,c01,2026Q4\n".encode("gbk"),
            "CSV UTF-8",
        ),
        ("garbage.xlsx", os.urandom(2048), "xlsx"),
        ("empty.csv", b"", "空"),
    ],
)
def test_bad_files_exit_2_without_traceback(
    db: Path, tmp_path: Path, name: str, data: bytes, word: str
) -> None:
    file = tmp_path / name
    file.write_bytes(data)
    before = _needs(db)
    result = _invoke(db, str(file))
    assert result.exit_code == 2, result.output
    assert word in result.stderr and "错误" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _needs(db) == before


def test_missing_file(db: Path, tmp_path: Path) -> None:
    result = _invoke(db, str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 2 and "找不到文件" in result.stderr


def test_subprocess_no_traceback(db: Path, tmp_path: Path) -> None:
    """As a user runs it: a bad file, a real process, exit 2 and no traceback."""
    file = tmp_path / "bad.csv"
    file.write_text("id,title,category,community_id,quarter\nx1,,repair,c01,2026Q9\n")
    env = {**os.environ, "GONGJIAN_DB": str(db), "GONGJIAN_STORE": "embedded", "COLUMNS": "200"}
    env.pop("GONGJIAN_NEO4J_URI", None)
    out = subprocess.run(
        [sys.executable, "-m", "gongjian.cli.main", "import", "needs", str(file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert "title" in out.stderr and "quarter" in out.stderr and "未导入任何交办单" in out.stderr
