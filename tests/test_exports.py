"""Plan exports (xlsx, csv, ics) on a solved example problem, without a server."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from gongjian.core.errors import InvalidInputError
from gongjian.matching import example_problem, solve
from gongjian.matching.problem import Plan, Problem
from gongjian.service.plans.exports import (
    PlanDocument,
    content_disposition,
    export_plan,
    ics_escape,
    ics_fold,
    plan_csv,
    plan_ics,
    plan_xlsx,
)
from gongjian.service.plans.xlsx import HEADER_ROW


@pytest.fixture(scope="module")
def solved() -> tuple[Problem, Plan]:
    problem = example_problem()
    return problem, solve(problem, time_limit=5, seed=1)


@pytest.fixture
def doc(solved: tuple[Problem, Plan]) -> PlanDocument:
    problem, plan = solved
    communities = {a.community for a in problem.activities} | {n.community for n in problem.needs}
    return PlanDocument(
        plan=plan,
        problem=problem,
        job_id="plan-test",
        quarter="2026Q4",
        community_names={c: f"社区,{c};名" for c in communities},
        stamp=datetime(2026, 10, 1, 8, 30, tzinfo=UTC),
        version=3,
    )


def unfold(body: bytes) -> list[str]:
    """RFC 5545 unfolding: a CRLF followed by a space continues the line."""
    return body.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


# --------------------------------------------------------------------------- xlsx
def table(ws) -> list[tuple]:
    """A sheet's header and rows (below the title block)."""
    return list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))


def test_xlsx_has_the_sheets_with_every_decision_by_name(doc: PlanDocument) -> None:
    wb = load_workbook(io.BytesIO(plan_xlsx(doc)))
    assert wb.sheetnames == ["概况", "按单位", "按活动", "未满足需求", "技术说明"]
    by_unit = table(wb["按单位"])
    assert by_unit[0][:3] == ("单位", "类型", "事项")
    assert len(by_unit) == 1 + len(doc.plan.assignments)
    names = {doc.unit_name(a.unit) for a in doc.plan.assignments}
    assert {r[0] for r in by_unit[1:]} == names
    titles = {doc.needs[a.item].name for a in doc.plan.assignments if a.item in doc.needs}
    assert titles <= {r[2] for r in by_unit[1:]}
    # rows are grouped by unit
    firsts = [r[0] for r in by_unit[1:]]
    assert len([k for k, _ in itertools.groupby(firsts)]) == len(names)
    by_activity = table(wb["按活动"])
    assert len(by_activity) == 1 + sum(len(a.roles) for a in doc.problem.activities)
    placed = sum(r[6] for r in by_activity[1:])
    assert placed == sum(1 for a in doc.plan.assignments if a.type == "role")
    unmet = table(wb["未满足需求"])
    assert unmet[0][4] == "原因"
    assert len(unmet) == 1 + len(doc.plan.unmet)
    summary = dict(table(wb["概况"])[1:])
    assert summary["计划名称"] == "2026年第四季度计划（第3版）"
    assert summary["季度"] == "2026年第四季度"
    assert summary["安排事项（项）"] == len(doc.plan.assignments)
    assert summary["未满足的交办单（件）"] == len(doc.plan.unmet)
    technical = dict(table(wb["技术说明"])[1:])
    assert technical["目标值"] == doc.plan.objective
    assert technical["上界"] == doc.plan.bound
    assert technical["计划编号"] == "plan-test"
    assert "目标值" not in summary and "随机种子" not in summary  # the engine's figures: last sheet


def test_xlsx_prints_landscape_one_page_wide_with_the_header_on_every_page(
    doc: PlanDocument,
) -> None:
    wb = load_workbook(io.BytesIO(plan_xlsx(doc)))
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape", ws.title
        assert ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == f"$1:${HEADER_ROW}", ws.title
        # the title block: the plan's name, then quarter and date made
        assert ws["A1"].value == "2026年第四季度计划（第3版）"
        assert "2026年第四季度" in ws["A2"].value and "2026年10月1日" in ws["A2"].value
        assert "&P" in ws.oddFooter.center.text
        header = [c.value for c in ws[HEADER_ROW] if c.value is not None]
        assert header
        for col, _ in enumerate(header, start=1):
            width = ws.column_dimensions[get_column_letter(col)].width
            assert 6 <= width <= 46, (ws.title, col, width)


def test_xlsx_labels_are_chinese_and_cells_show_names_not_codes(doc: PlanDocument) -> None:
    wb = load_workbook(io.BytesIO(plan_xlsx(doc)))
    code = re.compile(r"[A-Za-z_]{3,}|[a-z]\d")
    for ws in wb.worksheets:
        labels = [c.value for c in ws[HEADER_ROW]]
        if ws.title in ("概况", "技术说明"):
            labels += [c.value for c in ws["A"][HEADER_ROW:]]
        for label in labels:
            assert label is None or not code.search(label), (ws.title, label)
    ids = {u.id for u in doc.problem.units} | {n.id for n in doc.problem.needs}
    ids |= {a.id for a in doc.problem.activities} | set(doc.roles)
    reasons = {u.reason for u in doc.plan.unmet}
    for ws in wb.worksheets:
        if ws.title == "技术说明":
            continue  # the plan id and engine are there for audits
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert v not in ids and v not in reasons, (ws.title, v)
                    assert not any(re.search(rf"\b{re.escape(i)}\b", v) for i in ids), v


def test_xlsx_dates_are_date_cells(doc: PlanDocument) -> None:
    wb = load_workbook(io.BytesIO(plan_xlsx(doc)))
    days = [r[0] for r in wb["按活动"].iter_rows(min_row=HEADER_ROW + 1)]
    assert days and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in days)
    assert {c.value.date() for c in days} == {a.date for a in doc.problem.activities}
    dated = [
        r[5] for r in wb["按单位"].iter_rows(min_row=HEADER_ROW + 1) if r[1].value == "活动角色"
    ]
    assert dated and all(c.is_date for c in dated)
    made = next(
        r[1] for r in wb["概况"].iter_rows(min_row=HEADER_ROW + 1) if r[0].value == "编制日期"
    )
    assert made.is_date and made.value.date() == datetime(2026, 10, 1).date()


def test_xlsx_gives_unmet_reasons_in_chinese() -> None:
    # the example problem with 70 % of each unit's effort: some needs stay unmet
    # (each resource's capacity counts uses, so at full effort every need is met)
    full = example_problem()
    units = [u.model_copy(update={"capacity": max(1, int(u.capacity * 0.7))}) for u in full.units]
    problem = full.model_copy(update={"units": units})
    doc = PlanDocument(
        plan=solve(problem, time_limit=5, seed=1),
        problem=problem,
        job_id="plan-t",
        quarter="2026Q4",
    )
    assert doc.plan.unmet, "the tightened example problem leaves needs unmet"
    rows = table(load_workbook(io.BytesIO(plan_xlsx(doc)))["未满足需求"])
    reasons_zh = {
        "no_eligible_unit": "没有符合条件的单位",
        "beyond_distance_limit": "提供该资源的单位都超出距离限制",
        "eligible_units_full": "符合条件的单位容量已满",
        "lost_to_higher_priority": "容量让给了优先级更高的需求",
        "net_benefit_negative": "再增加负荷的均衡代价大于收益",
    }
    by_title = {doc.needs[u.item].name: u.reason for u in doc.plan.unmet}
    for row in rows[1:]:
        assert row[4] == reasons_zh[by_title[row[0]]]


def test_exports_work_without_the_problem(solved: tuple[Problem, Plan]) -> None:
    _, plan = solved
    bare = PlanDocument(plan=plan, problem=None, job_id="p1", quarter="2026Q4")
    wb = load_workbook(io.BytesIO(plan_xlsx(bare)))
    assert wb["按单位"].max_row == HEADER_ROW + len(plan.assignments)
    assert plan_csv(bare).startswith(b"\xef\xbb\xbf")
    assert plan_ics(bare).count(b"BEGIN:VEVENT") == 0  # no dates without the problem


# --------------------------------------------------------------------------- csv
def test_csv_is_utf8_with_bom_and_a_chinese_header(doc: PlanDocument) -> None:
    data = plan_csv(doc)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "类型" and "单位名称" in rows[0] and "未满足原因" in rows[0]
    assert len(rows) == 1 + len(doc.plan.assignments) + len(doc.plan.unmet)
    assert all(len(r) == len(rows[0]) for r in rows)
    # commas and semicolons in names survive the quoting
    assert any(cell.startswith("社区,") and ";名" in cell for r in rows for cell in r)
    unmet = [r for r in rows[1:] if r[-1]]
    assert len(unmet) == len(doc.plan.unmet)


# --------------------------------------------------------------------------- ics
def test_ics_is_a_calendar_of_the_activities_with_units(doc: PlanDocument) -> None:
    body = plan_ics(doc)
    physical = body.split(b"\r\n")
    assert physical[-1] == b"" and all(b"\n" not in x and b"\r" not in x for x in physical)
    assert max(len(x) for x in physical) <= 75
    for x in physical:
        x.decode("utf-8")  # folding never splits a character
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    with_units = {a.activity for a in doc.plan.assignments if a.type == "role"}
    assert with_units
    assert lines.count("BEGIN:VEVENT") == len(with_units) == lines.count("END:VEVENT")
    uids = [x for x in lines if x.startswith("UID:")]
    assert sorted(uids) == sorted(f"UID:activity-{a}@gongjian" for a in with_units)
    starts = [x for x in lines if x.startswith("DTSTART")]
    assert all(re.fullmatch(r"DTSTART;VALUE=DATE:\d{8}", x) for x in starts)
    dates = {a.id: a.date.strftime("%Y%m%d") for a in doc.problem.activities}
    assert {x.rsplit(":", 1)[1] for x in starts} == {dates[a] for a in with_units}
    assert all(x == "DTSTAMP:20261001T083000Z" for x in lines if x.startswith("DTSTAMP"))
    # the community name holds a comma and a semicolon: escaped in LOCATION
    locations = [x for x in lines if x.startswith("LOCATION:")]
    assert locations and all("社区\\," in x and "\\;名" in x for x in locations)
    # BEGIN/END nest properly
    depth = 0
    for x in lines:
        depth += x.startswith("BEGIN:") - x.startswith("END:")
        assert depth >= 0
    assert depth == 0


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a,b", "a\\,b"),
        ("a;b", "a\\;b"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        ("crlf\r\nend", "crlf\\nend"),
        ("中文，全角逗号", "中文，全角逗号"),
    ],
)
def test_ics_escape(text: str, escaped: str) -> None:
    assert ics_escape(text) == escaped


@pytest.mark.parametrize(
    "line", ["SUMMARY:" + "共建" * 60, "X:" + "a" * 300, "SHORT:ok", "D:" + "é" * 80]
)
def test_ics_fold_keeps_lines_short_and_characters_whole(line: str) -> None:
    folded = ics_fold(line)
    assert folded.endswith(b"\r\n")
    parts = folded.split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:])
    for p in parts:
        p.decode("utf-8")
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == line + "\r\n"


# --------------------------------------------------------------------------- export_plan
@pytest.mark.parametrize(
    ("fmt", "media", "magic"),
    [
        ("xlsx", "application/vnd.openxmlformats", b"PK"),
        ("csv", "text/csv", b"\xef\xbb\xbf"),
        ("ics", "text/calendar", b"BEGIN:VCALENDAR"),
        ("pdf", "application/pdf", b"%PDF-"),
    ],
)
def test_export_plan_formats(doc: PlanDocument, fmt: str, media: str, magic: bytes) -> None:
    out = export_plan(doc, fmt)
    assert out.media_type.startswith(media) and out.content.startswith(magic)
    assert out.filename == f"共建计划-2026Q4-plan-test.{fmt}"
    assert out.ascii_filename.isascii() and out.ascii_filename.endswith(f".{fmt}")


def test_unknown_format_is_invalid_input(doc: PlanDocument) -> None:
    with pytest.raises(InvalidInputError, match="xlsx, csv, ics, pdf"):
        export_plan(doc, "docx")


def test_content_disposition_carries_the_chinese_name() -> None:
    header = content_disposition("共建计划-2026Q4.xlsx", "plan-2026Q4.xlsx")
    assert header.startswith('attachment; filename="plan-2026Q4.xlsx"; ')
    assert "filename*=UTF-8''%E5%85%B1%E5%BB%BA%E8%AE%A1%E5%88%92-2026Q4.xlsx" in header
    assert header.isascii()
