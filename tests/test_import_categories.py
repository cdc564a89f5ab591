"""Importing needs names *need categories* (需求类别), not resource kinds: codes and Chinese
labels are accepted, an unknown one is a row error naming the allowed values, and the
template's options sheet lists the need categories."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from gongjian.cli.main import app
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import Need, NeedCategory
from gongjian.service.needs.import_write import build_template
from gongjian.service.needs.importing import ImportRejectedError, import_needs
from tests.api.test_needs_import import HEADER
from tests.test_cli_suitability import seeded_xingcheng

runner = CliRunner()


def _store(path: Path) -> EmbeddedStore:
    store = EmbeddedStore(path)
    store.migrate()
    return store


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_need_categories_by_code_and_label(tmp_path: Path) -> None:
    db = seeded_xingcheng(tmp_path / "graph.sqlite")
    ids = [f"cat-{uuid.uuid4().hex[:6]}" for _ in range(4)]
    rows = [
        [ids[0], "7号楼电梯困人", "电梯故障", "c01", None, "2026Q4"],
        [ids[1], "地下室堆物", "fire_hazard", "c01", None, "2026Q4"],
        [ids[2], "消防课进社区", "消防安全宣传 fire_safety_education", "c01", None, "2026Q4"],
        [ids[3], "楼道灯不亮", "设施维修", "c01", None, "2026Q4"],  # a kind's name, as before
    ]
    env = {"GONGJIAN_DB": str(db), "GONGJIAN_STORE": "embedded", "COLUMNS": "400"}
    result = runner.invoke(
        app, ["import", "needs", str(_xlsx(tmp_path / "ok.xlsx", rows))], env=env
    )
    assert result.exit_code == 0, result.output
    store = _store(db)
    try:
        got = {i: store.get(Need, i).category for i in ids}
    finally:
        store.close()
    assert got == {
        ids[0]: NeedCategory.elevator_fault,
        ids[1]: NeedCategory.fire_hazard,
        ids[2]: NeedCategory.fire_safety_education,
        ids[3]: NeedCategory.repair,
    }
    bad = _xlsx(tmp_path / "bad.xlsx", [["cat-bad", "某事", "飞碟维修", "c01", None, "2026Q4"]])
    result = runner.invoke(app, ["import", "needs", str(bad)], env=env)
    assert result.exit_code == 2 and "未导入任何交办单" in result.output
    store = _store(db)
    try:
        with pytest.raises(ImportRejectedError) as refused:
            import_needs(store, bad.read_bytes(), bad.name)
    finally:
        store.close()
    (error,) = refused.value.report.errors
    assert error.row == 2 and error.field == "category"
    assert "未知需求类别“飞碟维修”" in error.message
    assert "消防隐患整改（fire_hazard）" in error.message  # the allowed values, in Chinese
    assert all(c.value in error.message for c in NeedCategory)


def test_template_lists_need_categories(tmp_path: Path) -> None:
    store = _store(tmp_path / "graph.sqlite")
    try:
        book = openpyxl.load_workbook(io.BytesIO(build_template(store)))
    finally:
        store.close()
    options = book["选项 options"]
    listed = {
        options.cell(row=i, column=2).value: options.cell(row=i, column=1).value
        for i in range(2, options.max_row + 1)
        if options.cell(row=i, column=2).value
    }
    assert listed == {c.value: c.label_zh for c in NeedCategory}
    assert options.cell(row=1, column=1).value.startswith("需求类别")
    (validation,) = [
        dv for dv in book["交办单 needs"].data_validations.dataValidation if "$A$2" in dv.formula1
    ]
    assert validation.formula1.endswith(f"$A${len(NeedCategory) + 1}")
