"""The ledger of work orders (民情交办单台账) as an xlsx staff can print and file.

``GET /needs/ledger.xlsx`` writes every need the list's filters and keyword match
(all pages, in the list's order) as one sheet:

* a title block — the sub-district's ledger title, the filters in words, the export
  time (Beijing) and the row count — above one header row of Chinese labels;
* dates as real date cells (``yyyy-mm-dd``), times as date-time cells in Beijing time
  (``yyyy-mm-dd hh:mm``), numbers as numbers;
* every text cell neutralised against formulas (:mod:`gongjian.core.cells`);
* the complainant columns as the reader may see them: the caller passes needs already
  put through :func:`gongjian.service.needs.privacy.present_need`;
* print setup: landscape A4, fit to one page wide, the header row repeated on every
  printed page, frozen below the header, column widths from the content.

The sheet is written in openpyxl's write-only mode: a district's 20,000 rows stream
out instead of being held as cell objects.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gongjian.core.cells import safe_cell
from gongjian.core.clock import SHANGHAI
from gongjian.graph.model import Need, NeedCategory, NeedStatus

__all__ = ["HEADER_ROW", "LEDGER_COLUMNS", "LedgerContext", "ledger_filename", "ledger_xlsx"]

#: the row of the column headers (rows above it are the title block)
HEADER_ROW = 4

_DATE = "yyyy-mm-dd"
_TIME = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class LedgerContext:
    """What the ledger names beside the needs: names by id, the title block's words."""

    org: str
    community_names: dict[str, str]
    grid_names: dict[str, str]
    unit_names: dict[str, str]
    filters: Sequence[str]
    exported_at: datetime
    exported_by: str


def _label(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "label_zh", value))


def _local(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as Beijing wall-clock time, naive (Excel has no zones)."""
    if value is None:
        return None
    return value.astimezone(SHANGHAI).replace(tzinfo=None)


Getter = Callable[[Need, LedgerContext], Any]


@dataclass(frozen=True)
class _Column:
    header: str
    value: Getter
    width: float  # at least; widened to the longest cell up to ``most``
    most: float = 40
    number_format: str | None = None


def _field(name: str) -> Getter:
    # getattr: the desk's fields (number, address, …) exist only once merged into Need
    return lambda n, _c: getattr(n, name, None)


LEDGER_COLUMNS: tuple[_Column, ...] = (
    _Column("编号", lambda n, _c: getattr(n, "number", None) or n.id, 16, 20),
    _Column("标题", _field("title"), 24, 48),
    _Column("类别", lambda n, _c: NeedCategory(n.category).label_zh, 10, 16),
    _Column("社区", lambda n, c: c.community_names.get(n.community_id, n.community_id), 10, 16),
    _Column(
        "网格", lambda n, c: c.grid_names.get(n.grid_id, n.grid_id) if n.grid_id else None, 8, 16
    ),
    _Column("门牌地址", _field("address"), 14, 30),
    _Column("诉求人", _field("complainant_name"), 8, 12),
    _Column("联系电话", _field("complainant_phone"), 13, 18),
    _Column("来源", lambda n, _c: _label(getattr(n, "source", None)), 8, 12),
    _Column("来源编号", _field("source_no"), 10, 20),
    _Column("季度", _field("quarter"), 8, 8),
    _Column("优先级", _field("priority"), 6, 6),
    _Column("截止日期", _field("due"), 11, 11, _DATE),
    _Column("状态", lambda n, _c: NeedStatus(n.status).label_zh, 8, 8),
    _Column(
        "承办单位",
        lambda n, c: c.unit_names.get(n.claimed_by, n.claimed_by) if n.claimed_by else None,
        12,
        26,
    ),
    _Column("登记时间", lambda n, _c: _local(n.created_at), 16, 16, _TIME),
    _Column("办结时间", lambda n, _c: _local(n.resolved_at), 16, 16, _TIME),
    _Column("满意度", _field("satisfaction"), 6, 6),
    _Column("办结说明", _field("resolution_note"), 12, 40),
)


def _text_width(text: str) -> float:
    """Columns a text takes in Excel's units: a CJK character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ledger_filename(stamp: datetime) -> tuple[str, str]:
    """``(民情交办单台账-20261201-1000.xlsx, needs-ledger-20261201-1000.xlsx)``."""
    tag = stamp.astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    return f"民情交办单台账-{tag}.xlsx", f"needs-ledger-{tag}.xlsx"


def ledger_xlsx(needs: Iterable[Need], ctx: LedgerContext) -> bytes:
    """The ledger workbook of ``needs`` (already masked for the reader), as bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    rows = list(needs)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    columns = LEDGER_COLUMNS
    ncols = len(columns)

    # column widths from the content (the header's, the longest cell's), within bounds
    widths = [max(c.width, _text_width(c.header) + 2) for c in columns]
    values = [[col.value(n, ctx) for col in columns] for n in rows]
    for row in values:
        for i, (col, value) in enumerate(zip(columns, row, strict=True)):
            if isinstance(value, str) and widths[i] < col.most:
                widths[i] = min(col.most, max(widths[i], _text_width(value) + 2))
    for i, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = w

    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = "9"  # A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"

    last = get_column_letter(ncols)
    for r in range(1, HEADER_ROW):
        sheet.merged_cells.add(f"A{r}:{last}{r}")

    def cell(value: Any, **style: Any) -> Any:
        if isinstance(value, str):  # control characters cannot be stored in xlsx at all
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        c = WriteOnlyCell(sheet, value=safe_cell(value))
        if isinstance(c.value, str):
            c.data_type = "s"  # never a formula, whatever the text
        for k, v in style.items():
            setattr(c, k, v)
        return c

    stamp = ctx.exported_at.astimezone(SHANGHAI)
    title = f"{ctx.org}民情交办单台账" if ctx.org else "民情交办单台账"
    sheet.append([cell(title, font=Font(bold=True, size=16))])
    summary = "；".join(ctx.filters) if ctx.filters else "全部交办单"
    sheet.append([cell(f"筛选条件：{summary}", alignment=Alignment(wrap_text=False))])
    sheet.append(
        [
            cell(
                f"导出时间：{stamp:%Y-%m-%d %H:%M}（北京时间）　导出人：{ctx.exported_by}"
                f"　共 {len(rows)} 条"
            )
        ]
    )
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.append(
        [
            cell(
                c.header,
                font=Font(bold=True),
                fill=head_fill,
                border=border,
                alignment=Alignment(horizontal="center", vertical="center"),
            )
            for c in columns
        ]
    )
    for row in values:
        out = []
        for col, value in zip(columns, row, strict=True):
            c = cell(value, border=border)
            if col.number_format and isinstance(value, date | datetime):
                c.number_format = col.number_format
            out.append(c)
        sheet.append(out)

    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
