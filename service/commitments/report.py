"""年底述清单: the year-end report of one owner's commitments, as xlsx and as PDF.

Both carry the same content: a title block (organisation, owner, year, date made),
the year's figures (what ``GET /metrics`` gives for the same owner and year, see
:mod:`gongjian.service.commitments.service`), and one row per commitment with its
target, actual value, share and status, then lines for the signature.

* **xlsx** (openpyxl): one sheet 述清单, landscape A4 fitted to the page width, the
  table's header row repeated on every printed page (print titles), the date made
  and the due months as real dates, every text cell neutralised (no formulas).
* **PDF** (reportlab, the built-in CID font of the plan PDF,
  :data:`gongjian.service.pdf.FONT`): A4 landscape, user text escaped.

Pure: a :class:`~gongjian.service.commitments.schemas.Progress` in, bytes out.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from gongjian.core.cells import put
from gongjian.graph.vocab import JointType
from gongjian.service.commitments.schemas import (
    MEASURE_LABELS,
    MEASURE_UNITS,
    ItemProgress,
    OwnerKind,
    Progress,
)
from gongjian.service.pdf import landscape_pdf, pdf_grid, pdf_heading, pdf_styles, text_para

__all__ = ["STATUS_ZH", "figure_rows", "report_filename", "report_pdf", "report_xlsx"]

STATUS_ZH = {
    "done": "已完成",
    "in_progress": "推进中",
    "overdue": "逾期未完成",
    "no_data": "暂无数据",
}
HEADER = [
    "序号",
    "承诺事项",
    "五联类别",
    "衡量指标",
    "目标",
    "实际",
    "完成比例",
    "完成时限",
    "状态",
    "说明",
]


def _title(p: Progress) -> str:
    return f"{p.year}年度{p.owner_name}履职承诺述清单"


def report_filename(p: Progress, ext: str) -> str:
    return f"述清单-{p.owner_id}-{p.year}.{ext}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def figure_rows(p: Progress) -> list[tuple[str, str]]:
    """The figures block: ``(label, value)`` rows, the same in both formats."""
    f = p.figures
    who = "参与" if p.owner_kind == OwnerKind.unit else "开展"
    joints = "，".join(
        f"{jt.label_zh} {f.activities_by_joint.get(jt.value, 0)}" for jt in JointType
    )
    return [
        (f"{who}活动（场）", f"{f.activities}（{joints}）"),
        ("交办单（件）", str(f.cases)),
        ("认领交办单（件）", str(f.orders_claimed)),
        ("办结交办单（件）", str(f.orders_resolved)),
        ("满意率（满意 / 已评价）", f"{_pct(f.satisfaction)}（{f.satisfied} / {f.rated}）"),
        (
            "平均满意度",
            "—" if f.mean_satisfaction is None else f"{f.mean_satisfaction:.2f}",
        ),
        ("在职党员（人）", str(f.party_members)),
        ("党员积分（分，截至制表日）", str(f.member_points)),
    ]


def _actual(i: ItemProgress) -> str:
    if i.actual is None:
        return "—"
    unit = MEASURE_UNITS[i.item.measure]
    value = f"{i.actual:g}"
    return f"{value}{unit}"


def _row(n: int, i: ItemProgress) -> list[Any]:
    c = i.item
    return [
        n,
        c.title,
        c.joint_type.label_zh,
        MEASURE_LABELS[c.measure],
        f"{c.target}{MEASURE_UNITS[c.measure]}",
        _actual(i),
        _pct(i.share),
        None,  # the due month: a date cell (xlsx) or text (PDF)
        STATUS_ZH[i.status],
        c.note or "",
    ]


# --------------------------------------------------------------------------- xlsx


def report_xlsx(p: Progress, *, org: str = "") -> bytes:
    """The report as an Excel workbook (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "述清单"
    width = len(HEADER)
    last = get_column_letter(width)
    put(ws, 1, 1, f"{org}{_title(p)}").font = Font(bold=True, size=16)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].alignment = Alignment(horizontal="center")
    kind = "驻区单位" if p.owner_kind == OwnerKind.unit else "社区"
    put(ws, 2, 1, f"{kind}：{p.owner_name}（{p.owner_id}）　年度：{p.year}")
    ws.merge_cells(f"A2:{get_column_letter(width - 2)}2")
    put(ws, 2, width - 1, "制表日期")
    made = put(ws, 2, width, p.as_of)
    made.number_format = 'yyyy"年"m"月"d"日"'

    put(ws, 4, 1, "一、年度数据").font = Font(bold=True, size=12)
    row = 5
    for label, value in figure_rows(p):
        put(ws, row, 1, label).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        put(ws, row, 4, value)
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=width)
        row += 1

    row += 1
    put(ws, row, 1, "二、承诺事项完成情况").font = Font(bold=True, size=12)
    row += 1
    header_row = row
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, text in enumerate(HEADER, start=1):
        cell = put(ws, row, c, text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = box
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for n, item in enumerate(p.items, start=1):
        row += 1
        for c, value in enumerate(_row(n, item), start=1):
            cell = put(ws, row, c, value)
            cell.border = box
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        due = ws.cell(row=row, column=8, value=date(p.year, item.item.due_month, 1))
        due.number_format = 'yyyy"年"m"月"'
    if not p.items:
        row += 1
        put(ws, row, 1, "（本年度未列承诺事项）")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    row += 2
    put(ws, row, 1, "负责人（签字）：")
    put(ws, row, 6, "日期：")
    for col, w in zip("ABCDEFGHIJ", (6, 36, 12, 14, 10, 10, 10, 11, 11, 30), strict=True):
        ws.column_dimensions[col].width = w

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "&P / &N"
    wb.properties.title = _title(p)
    wb.properties.creator = "gongjian"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- pdf


def report_pdf(p: Progress, *, org: str = "") -> bytes:
    """The report as a PDF on A4 landscape (see the module docstring)."""

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    base, title, h2, small = pdf_styles("gj-c", small_size=9, small_leading=12)

    def para(text: Any, style: ParagraphStyle = small) -> Paragraph:
        return text_para(text, style)

    def grid(rows: list[list[Any]], widths: list[float], header: bool = True) -> Table:
        return pdf_grid(rows, widths, small, header=header, hAlign="LEFT")

    kind = "驻区单位" if p.owner_kind == OwnerKind.unit else "社区"
    name = f"{org}{_title(p)}"
    rows = [HEADER]
    for n, item in enumerate(p.items, start=1):
        cells = _row(n, item)
        cells[7] = f"{p.year}年{item.item.due_month}月"
        rows.append(cells)
    story: list[Any] = pdf_heading(
        name,
        f"{kind}：{p.owner_name}（{p.owner_id}）　　年度：{p.year}"
        f"　　制表日期：{p.as_of.year}年{p.as_of.month}月{p.as_of.day}日",
        title,
        base,
    )
    story += [
        para("一、年度数据", h2),
        grid([list(r) for r in figure_rows(p)], [70, 203], header=False),
        Spacer(1, 3 * mm),
        para("二、承诺事项完成情况", h2),
        grid(rows, [12, 62, 22, 24, 20, 20, 20, 22, 22, 49])
        if p.items
        else para("（本年度未列承诺事项）", base),
        Spacer(1, 10 * mm),
        para("负责人（签字）：____________　　日期：____________", base),
    ]

    return landscape_pdf(story, title=name, footer=name, author=org or "gongjian")
