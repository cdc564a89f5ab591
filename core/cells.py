"""Spreadsheet cells that a spreadsheet program will not run (CSV / formula injection).

A name such as ``=HYPERLINK("http://…")`` typed by a unit or community ends up in
the committee's exports; Excel, WPS and LibreOffice run a cell starting with
``= + - @`` (or a tab / carriage return before one) as a formula. Following the
OWASP "CSV Injection" guidance, :func:`safe_cell` prefixes such text with a single
quote, so it is shown as typed and never evaluated. Numbers, dates and ``None``
pass unchanged (a negative *number* is data, not a formula).

Every export that a spreadsheet may open uses it: the plan's xlsx, csv and ics
(:mod:`gongjian.service.plans.exports`) and the needs template
(``/templates/needs.xlsx``). For xlsx, :func:`put` also writes text cells as
strings (openpyxl would otherwise store a text starting with ``=`` as a formula).

>>> safe_cell('=HYPERLINK("http://x","y")')
'\\'=HYPERLINK("http://x","y")'
>>> safe_cell("-2+3"), safe_cell("星城社区"), safe_cell(-3), safe_cell(None)
("'-2+3", '星城社区', -3, None)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

__all__ = ["DANGEROUS", "put", "safe_cell", "safe_row"]

#: first characters that make a spreadsheet program read a cell as a formula
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")

T = TypeVar("T")


def safe_cell(value: T) -> T:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run; else as is."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value  # type: ignore[return-value]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` of each value (a csv row, an xlsx row)."""
    return [safe_cell(v) for v in values]


def put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write ``value`` to an openpyxl worksheet cell, neutralised; text as a string cell.

    Returns the cell (for styling), like ``sheet.cell(row=…, column=…, value=…)``.
    """
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never "f" (formula), whatever the text
    return cell
