"""``gongjian suitability show|export|import`` on an embedded store in tmp_path (GONGJIAN_DB)."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from gongjian.cli.main import app
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import quarter_dates
from gongjian.matching.from_graph import compile_snapshot, planning_snapshot
from gongjian.seeds.network import load_network
from gongjian.seeds.xingcheng import load_xingcheng

runner = CliRunner()


def _invoke(db: Path, *args: str) -> object:
    env = {"GONGJIAN_DB": str(db), "GONGJIAN_STORE": "embedded", "COLUMNS": "200"}
    return runner.invoke(app, ["suitability", *args], env=env)


def seeded_xingcheng(path: Path) -> Path:
    """An embedded store at ``path`` loaded with the 星城 network (closed again)."""
    store = EmbeddedStore(path)
    store.migrate()
    load_network(store, load_xingcheng())
    store.close()
    return path


def _elevator_candidates(db: Path) -> set[str]:
    store = EmbeddedStore(db)
    try:
        snap = planning_snapshot(store, "2026Q4")
    finally:
        store.close()
    problem = compile_snapshot(snap, today=quarter_dates("2026Q4")[0])
    (need,) = [n for n in problem.needs if n.id == "n135"]  # 7号楼电梯困人
    return {c.unit for c in need.candidates}


def test_show_on_a_fresh_store_is_the_shipped_default(tmp_path: Path) -> None:
    result = _invoke(tmp_path / "fresh.sqlite", "show", "--category", "elevator_fault")
    assert result.exit_code == 0, result.output
    assert "默认表" in result.stdout and "电梯维保" in result.stdout
    assert "heating_fault" not in result.stdout  # only the category asked for
    bad = _invoke(tmp_path / "fresh.sqlite", "show", "--category", "moon")
    assert bad.exit_code == 2 and "没有需求类别 'moon'" in bad.output


def test_export_edit_import_changes_planning(tmp_path: Path) -> None:
    db = seeded_xingcheng(tmp_path / "graph.sqlite")
    assert "u11" not in _elevator_candidates(db)  # the heating station does not fix lifts
    out = tmp_path / "s.csv"
    result = _invoke(db, "export", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert any("电梯故障" in r["说明 note"] for r in rows)
    rows = [r for r in rows if r["need_category"] != "elevator_fault"]
    rows.append(
        {
            "need_category": "elevator_fault",
            "resource_kind": "repair",
            "unit_type": "utility",
            "suitability": "100",
            "说明 note": "",
        }
    )
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    out.write_text(buf.getvalue(), encoding="utf-8")
    result = _invoke(db, "import", str(out))
    assert result.exit_code == 0, result.output
    assert "已导入" in result.stdout and "版本 2" in result.stdout  # seeding stored version 1
    assert _elevator_candidates(db) == {"u11"}
    shown = _invoke(db, "show", "--category", "elevator_fault")
    assert "版本 2" in shown.stdout and "utility" in shown.stdout
    # re-seeding keeps the committee's table
    seeded_xingcheng(db)
    assert _elevator_candidates(db) == {"u11"}


def test_bad_files_are_refused_with_the_row_and_nothing_changes(tmp_path: Path) -> None:
    db = seeded_xingcheng(tmp_path / "graph.sqlite")
    before = _invoke(db, "show").stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "need_category,resource_kind,unit_type,suitability\n"
        "fire_hazard,fire_safety,school,20\n"
        "fire_hazard,teleport,*,50\n",
        encoding="utf-8",
    )
    result = _invoke(db, "import", str(bad))
    assert result.exit_code == 2
    assert "第 3 行" in result.output and "资源类别" in result.output
    assert "消防安全" in result.output  # the allowed values, with their Chinese labels
    assert "Traceback" not in result.output
    missing = _invoke(db, "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "找不到文件" in missing.output
    header = tmp_path / "header.csv"
    header.write_text("need_category,kind\nfire_hazard,x\n", encoding="utf-8")
    result = _invoke(db, "import", str(header))
    assert result.exit_code == 2 and "缺少列" in result.output
    assert _invoke(db, "show").stdout == before


def test_a_store_from_before_the_table_opens_with_the_default(tmp_path: Path) -> None:
    # a database written before the table was stored: no ``documents`` table at all
    db = seeded_xingcheng(tmp_path / "old.sqlite")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE documents")
    result = _invoke(db, "show", "--category", "fire_hazard")
    assert result.exit_code == 0, result.output
    assert "默认表" in result.stdout  # opening migrated it; nothing stored yet
    assert "u11" not in _elevator_candidates(db)
