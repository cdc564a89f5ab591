"""The plan on paper (PDF) from the 星城 quarter: the filing copy's title block and
table (its header row repeated on every page), one task notice page per unit with
every one of its tasks, text that comes back out of the PDF in Chinese, hostile names
printed as text. Two pages are rendered to PNG under ``out/printed/`` (artefacts)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest

from gongjian.matching.from_graph import compile_snapshot
from gongjian.matching.problem import Plan, Problem
from gongjian.matching.solver import solve
from gongjian.seeds.xingcheng import load_xingcheng
from gongjian.service.plans.exports import PlanDocument
from gongjian.service.plans.pdf import plan_name, plan_pdf

OUT = Path(__file__).resolve().parents[1] / "out" / "printed"
HOSTILE = '<font size="40">大</font> & <b>粗</b>'


@pytest.fixture(scope="module")
def doc() -> PlanDocument:
    store = load_xingcheng()
    snap = store.snapshot("2026Q4")
    problem: Problem = compile_snapshot(snap, today=datetime(2026, 10, 1).date())
    first = problem.units[0]
    problem.units[0] = first.model_copy(update={"name": HOSTILE})
    plan: Plan = solve(problem, time_limit=5, seed=1)
    return PlanDocument(
        plan=plan,
        problem=problem,
        job_id="plan-print",
        quarter="2026Q4",
        community_names={c.id: c.name for c in snap.communities},
        stamp=datetime(2026, 10, 1, 1, 30, tzinfo=UTC),
        version=2,
    )


@pytest.fixture(scope="module")
def pages(doc: PlanDocument) -> list[str]:
    body = plan_pdf(doc, org="星城街道")
    assert body.startswith(b"%PDF-")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "plan.pdf").write_bytes(body)
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages]


def _units_with_tasks(doc: PlanDocument) -> dict[str, list[str]]:
    tasks: dict[str, list[str]] = {}
    for a in doc.plan.assignments:
        if a.item in doc.roles:
            act, _ = doc.roles[a.item]
            tasks.setdefault(a.unit, []).append(act.name or act.id)
        elif a.item in doc.needs:
            tasks.setdefault(a.unit, []).append(doc.needs[a.item].name or a.item)
    return tasks


def test_the_filing_copy_opens_with_a_title_block_and_figures(
    doc: PlanDocument, pages: list[str]
) -> None:
    first = pages[0]
    assert "星城街道2026年第四季度计划（第2版）" in first
    assert "2026年10月01日 09:30" in first  # Beijing
    assert "plan-print" not in " ".join(pages)  # the name, never the id
    assert f"安排事项\n{len(doc.plan.assignments)}" in first
    assert "objective" not in " ".join(pages) and "bound" not in " ".join(pages)
    assert plan_name("2026Q4", 2) == "2026年第四季度计划（第2版）"


def test_every_unit_gets_a_notice_page_with_all_its_tasks(
    doc: PlanDocument, pages: list[str]
) -> None:
    tasks = _units_with_tasks(doc)
    notices = [p for p in pages if "共建任务通知书" in p]
    assert len(notices) == len(tasks)
    for unit, titles in tasks.items():
        name = doc.unit_name(unit)
        page = next(p for p in notices if f"{name}：" in p)
        flat = page.replace("\n", "")
        for title in titles:
            assert title.replace("\n", "") in flat, (unit, title)
        assert "单位负责人（签字）" in page and "共建委员会（盖章）" in page


def test_the_table_header_repeats_and_every_decision_is_listed(
    doc: PlanDocument, pages: list[str]
) -> None:
    filing = [p for p in pages if "共建任务通知书" not in p]
    assert len(filing) >= 2  # the 星城 quarter's table runs over a page
    for p in filing:
        if "按单位的安排" in p or "星城" in p:
            assert "单位\n类型\n事项" in p or "单位 类型 事项" in p, p[:200]
    text = "".join(filing).replace("\n", "")
    for unit in _units_with_tasks(doc):
        assert doc.unit_name(unit).replace(" ", "") in text.replace(" ", "")


def test_hostile_names_are_printed_as_text(pages: list[str]) -> None:
    text = " ".join(pages)
    assert '<font size="40">大</font>' in text and "<b>粗</b>" in text


def test_two_printed_pages_are_rendered_for_a_person_to_look_at(pages: list[str]) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(OUT / "plan.pdf"))
    notice = next(i for i, p in enumerate(pages) if "共建任务通知书" in p)
    for i, name in ((0, "plan-page-1.png"), (notice, "plan-unit-notice.png")):
        image = pdf[i].render(scale=1.5).to_pil()
        assert image.size[0] > image.size[1]  # landscape
        # something is printed: not a blank page
        assert image.convert("L").getextrema()[0] < 100
        image.save(OUT / name)
    pdf.close()
