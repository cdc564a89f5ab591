"""The PDF documents' building blocks: the Chinese font and paragraph styles, text set as
text, the opening lines, the table style and the A4-landscape page with its footer (the
plan, :mod:`gongjian.service.plans.pdf`, and the year-end report,
:mod:`gongjian.service.commitments.report`)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table

__all__ = ["FONT", "landscape_pdf", "pdf_grid", "pdf_heading", "pdf_styles", "text_para"]

#: reportlab's built-in Simplified Chinese CID font
FONT = "STSong-Light"


def pdf_styles(
    prefix: str, *, small_size: float, small_leading: float
) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """The documents' paragraph styles in :data:`FONT` (registered on first use): body,
    title, heading and small print, named ``prefix``, ``prefix-title`` …"""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle(prefix, fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    title = ParagraphStyle(f"{prefix}-title", parent=base, fontSize=18, leading=24)
    title.alignment = TA_CENTER
    h2 = ParagraphStyle(f"{prefix}-h2", parent=base, fontSize=13, leading=18, spaceBefore=6)
    small = ParagraphStyle(
        f"{prefix}-small", parent=base, fontSize=small_size, leading=small_leading
    )
    return base, title, h2, small


def text_para(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph of ``text`` as text: Paragraph reads mini-markup, so user text is escaped."""
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), style)


def pdf_heading(text: str, line: str, title: ParagraphStyle, base: ParagraphStyle) -> list[Any]:
    """A document's opening: its title ``text``, then one ``line`` of what it covers."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    return [text_para(text, title), Spacer(1, 4 * mm), text_para(line, base), Spacer(1, 3 * mm)]


def pdf_grid(
    rows: list[list[Any]],
    widths: list[float],
    style: ParagraphStyle,
    *,
    header: bool = True,
    **table: Any,
) -> Table:
    """A table of ``rows`` (column ``widths`` in mm), each cell a text paragraph, grid
    lines; the first row is the header (shaded, repeated on every page) unless not
    ``header``."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    cells = [[text_para(c, style) for c in row] for row in rows]
    t = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0, **table)
    lines = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        lines.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")))
    t.setStyle(TableStyle(lines))
    return t


def landscape_pdf(story: list[Any], *, title: str, footer: str, author: str) -> bytes:
    """Build ``story`` on A4 landscape with ``footer · 第 n 页`` on every page (the plan
    PDF and the year-end report, :mod:`gongjian.service.commitments.report`)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    def draw_footer(canvas: Any, pdf: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(pdf.pagesize[0] - 12 * mm, 8 * mm, f"{footer} · 第 {pdf.page} 页")
        canvas.restoreState()

    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=author,
    )
    pdf.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buf.getvalue()
