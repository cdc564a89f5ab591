"""What an import file looks like and what an import reports: the columns of
the template, the limits, :class:`RowError` / :class:`ImportReport` and
:class:`ImportRejectedError`. The rules are in :mod:`gongjian.service.needs.importing`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from typing import Any

from gongjian.core.errors import InvalidInputError
from gongjian.service.errors import PayloadTooLargeError

__all__ = [
    "CELLS",
    "COLUMNS",
    "CSV_COLUMNS",
    "CSV_LINE_CHARS",
    "EXAMPLE_IDS",
    "EXTRA_COLUMNS",
    "FIELD_ZH",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_CSV_COLUMNS",
    "MAX_CSV_LINE_CHARS",
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_PHYSICAL_ROWS",
    "MAX_ROWS",
    "MAX_SECONDS",
    "MAX_SHARED_CHARS",
    "MAX_SHARED_STRINGS",
    "MAX_SHEET_COLUMNS",
    "MAX_UNPACKED_BYTES",
    "MB",
    "MEMBERS",
    "MEMBER_BYTES",
    "SHANGHAI",
    "STATUS_COLUMN",
    "SUBDISTRICT_COLUMN",
    "TEMPLATE_ASCII_FILENAME",
    "TEMPLATE_FILENAME",
    "UNPACKED_BYTES",
    "XLSX_MEDIA_TYPE",
    "Column",
    "Deadline",
    "ImportRejectedError",
    "ImportReport",
    "Limit",
    "Progress",
    "RowError",
    "file_error",
    "is_blank",
    "normalise_header",
    "over_limit",
    "too_many_physical_rows",
    "too_many_rows",
]

MB = 1024 * 1024
#: most data rows one file may hold
MAX_ROWS = 20_000
#: most rows (blank ones included) a worksheet or CSV may have: Excel's own limit
MAX_PHYSICAL_ROWS = 1_048_576
#: columns read per row (the template has 10); cells further right are ignored
MAX_COLUMNS = 64
#: Excel's column limit (XFD): a cell beyond it is a malformed file
MAX_SHEET_COLUMNS = 16_384
#: most fields one CSV record may have
MAX_CSV_COLUMNS = 1_024
#: longest CSV line, in characters
MAX_CSV_LINE_CHARS = 256 * 1024
#: most cells (``<c>`` elements, empty ones included) read from a worksheet
MAX_CELLS = 1_500_000
#: most characters in one cell: Excel's own limit
MAX_CELL_CHARS = 32_767
#: most shared strings, and most characters in all of them
MAX_SHARED_STRINGS = 250_000
MAX_SHARED_CHARS = 16_000_000
#: most parts (zip members) of an xlsx
MAX_MEMBERS = 10_000
#: largest unpacked size of one zip member, and of all of them (zip bombs)
MAX_MEMBER_BYTES = 100 * MB
MAX_UNPACKED_BYTES = 200 * MB
#: default wall-clock cap of reading one file (``GONGJIAN_IMPORT_MAX_SECONDS``)
MAX_SECONDS = 8.0

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "民情交办单导入模板.xlsx"
TEMPLATE_ASCII_FILENAME = "needs-template.xlsx"

#: naive date-times in files are Beijing time (China has had no DST since 1991)
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

#: ``progress(stage, done, total)``: stage ``"read"`` (total 0: unknown), ``"check"``, ``"write"``
Progress = Callable[[str, int, int], None]

EXAMPLE_IDS = frozenset({"示例example", "示例", "example"})


@dataclass(frozen=True)
class Column:
    """A column of the import file: the Need field, its Chinese name, whether required."""

    field: str
    zh: str
    required: bool
    hint: str
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """The header cell of the template, e.g. ``标题 title``."""
        return f"{self.zh} {self.field}"


COLUMNS: tuple[Column, ...] = (
    Column("id", "编号", False, "留空则自动生成 (blank: generated as n-<hex>)", ("交办单编号",)),
    Column("title", "标题", True, "最长 200 字 (at most 200 characters)", ("名称", "事项")),
    Column(
        "category",
        "类别",
        True,
        "见“选项”表，中文名或代码均可 (see the options sheet: Chinese label or code)",
        ("需求类别",),
    ),
    Column(
        "community_id",
        "社区",
        True,
        "社区编号或名称 (community id or exact name)",
        ("community", "社区编号", "社区名称"),
    ),
    Column(
        "grid_id",
        "网格",
        False,
        "可空；网格编号或名称，须属于该社区 (optional: grid id or name, in that community)",
        ("grid", "网格编号", "网格名称"),
    ),
    Column("quarter", "季度", True, "如 2026Q4 (e.g. 2026Q4)"),
    Column("effort", "工作量", False, "整数 1–1000，默认 1 (integer 1–1000, default 1)"),
    Column(
        "priority",
        "优先级",
        False,
        "1（低）– 5（紧急），默认 3 (1 low – 5 urgent, default 3)",
    ),
    Column(
        "due",
        "截止日期",
        False,
        "可空；如 2026-11-30 (optional date, e.g. 2026-11-30)",
        ("截止", "截止时间", "期限", "due_date"),
    ),
    Column(
        "description",
        "描述",
        False,
        "可空；最长 2000 字 (optional, at most 2000 characters)",
        ("说明", "备注", "情况说明"),
    ),
    Column(
        "source_no",
        "来源编号",
        False,
        "可空；如 12345 工单号。来源编号相同的行不会重复导入 (optional, e.g. the 12345 ticket"
        " number; a row with a number already imported is a duplicate)",
        ("来源单号", "工单号", "12345工单号"),
    ),
)

#: accepted but not in the template: must be blank or open
STATUS_COLUMN = Column("status", "状态", False, "只能为待认领 (open only)")
#: accepted but not in the template: blank, or the row's community's sub-district code
SUBDISTRICT_COLUMN = Column(
    "subdistrict",
    "街道",
    False,
    "可空；须为该社区所属街道的代码 (optional: the community's sub-district code)",
    ("街道代码", "所属街道"),
)
#: the columns read besides the template's
EXTRA_COLUMNS = (STATUS_COLUMN, SUBDISTRICT_COLUMN)
FIELD_ZH = {c.field: c.zh for c in (*COLUMNS, *EXTRA_COLUMNS)}


# --------------------------------------------------------------------------- report types


@dataclass(frozen=True)
class RowError:
    """One bad cell (or row): Excel row number, the field, and a Chinese + English message."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    rows: int = 0
    valid: int = 0
    dry_run: bool = False
    format: str = ""
    warnings: list[str] = field(default_factory=list)
    #: rows not created because they repeat an order (``import_dedupe.Duplicate``)
    duplicates: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.imported,
            "duplicate": len(self.duplicates),
            "refused": self.bad_rows,
            "duplicates": [d.as_dict() for d in self.duplicates],
            "imported": self.imported,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
            "ids": list(self.ids),
            "rows": self.rows,
            "valid": self.valid,
            "dry_run": self.dry_run,
            "format": self.format,
            "warnings": list(self.warnings),
        }

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


class ImportRejectedError(InvalidInputError):
    """A file with bad rows and ``skip_errors`` false: nothing was written (HTTP 422).

    ``details["report"]`` is the full :class:`ImportReport` (every bad row).
    """

    def __init__(self, report: ImportReport) -> None:
        n = report.bad_rows
        head = "; ".join(f"第 {e.row} 行 {e.field}: {e.message}" for e in report.errors[:3])
        more = f" …（共 {len(report.errors)} 处）" if len(report.errors) > 3 else ""
        super().__init__(
            f"有 {n} 行数据有误，未导入任何交办单 ({n} bad row(s); nothing imported): {head}{more}",
            [e.as_dict() for e in report.errors],
        )
        self.report = report
        self.details["report"] = report.as_dict()


def normalise_header(text: str) -> str:
    """Normalised header text: lower case, no spaces, brackets, colons or ``*``."""
    return re.sub(r"[\s()（）\[\]【】<>《》:：*＊_\-]+", "", text).lower()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def file_error(message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"field": "file", "message": message}])


def over_limit(zh: str, en: str, *, limit: str, **maximum: float) -> PayloadTooLargeError:
    """An import limit passed (HTTP 413): the message ``zh (en)``, the limit's name and
    its value under the detail key the caller names (``maximum``, ``max_rows`` …)."""
    return PayloadTooLargeError(f"{zh} ({en})", limit=limit, **maximum)


@dataclass(frozen=True)
class Limit:
    """One import limit: its ``name`` in the 413's details, its value (under the detail
    key ``key``) and the message, ``zh`` and ``en`` templates in which ``{max}``, the
    ``value`` found and the caller's fields (``{line}``, ``{name}`` …) are filled in."""

    name: str
    maximum: int
    zh: str
    en: str
    key: str = "maximum"

    def check(self, value: int, **fields: Any) -> None:
        """Raise the limit's 413 when ``value`` passes it."""
        if value > self.maximum:
            raise self.passed(value=value, **fields)

    def passed(self, **fields: Any) -> PayloadTooLargeError:
        words = {"max": self.maximum, "max_mb": self.maximum // MB, **fields}
        zh, en = self.zh.format(**words), self.en.format(**words)
        return over_limit(zh, en, limit=self.name, **{self.key: self.maximum})


CSV_LINE_CHARS = Limit(
    "line_characters",
    MAX_CSV_LINE_CHARS,
    "CSV 第 {line} 行超过 {max} 个字符",
    "line {line} is longer than {max} characters",
)
CSV_COLUMNS = Limit(
    "columns",
    MAX_CSV_COLUMNS,
    "CSV 第 {line} 行超过 {max} 列",
    "record {line} has more than {max} columns",
)
CELLS = Limit(
    "cells", MAX_CELLS, "工作表超过 {max} 个单元格", "the worksheet holds more than {max} cells"
)
MEMBERS = Limit(
    "members",
    MAX_MEMBERS,
    "xlsx 压缩包内有 {value} 个文件，超过上限 {max}",
    "the workbook holds more than {max} parts",
    key="max_members",
)
MEMBER_BYTES = Limit(
    "member_bytes",
    MAX_MEMBER_BYTES,
    "xlsx 中的 {name} 解压后超过 {max_mb} MB（至少 {mb} MB）",
    "a part of the workbook unpacks to more than {max_mb} MB",
    key="max_bytes",
)
UNPACKED_BYTES = Limit(
    "unpacked_bytes",
    MAX_UNPACKED_BYTES,
    "xlsx 解压后共 {mb} MB，超过上限 {max_mb} MB",
    "the workbook unpacks to more than {max_mb} MB",
    key="max_bytes",
)


def too_many_rows() -> PayloadTooLargeError:
    return over_limit(
        f"文件超过 {MAX_ROWS} 行数据，请拆分后分批导入",
        f"more than {MAX_ROWS} data rows; split the file",
        limit="rows",
        max_rows=MAX_ROWS,
    )


def too_many_physical_rows() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"文件超过 {MAX_PHYSICAL_ROWS} 行（含空行，Excel 的上限）(more than"
        f" {MAX_PHYSICAL_ROWS} rows, blank ones included: Excel's limit)",
        limit="physical_rows",
        max_rows=MAX_PHYSICAL_ROWS,
    )


class Deadline:
    """The wall-clock cap of one import: :meth:`check` raises once ``seconds`` have passed."""

    def __init__(self, seconds: float = MAX_SECONDS) -> None:
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise over_limit(
                f"导入超过 {self.seconds:g} 秒仍未读完，请拆分后分批导入",
                f"the file takes more than {self.seconds:g} s to read; split it",
                limit="seconds",
                max_seconds=self.seconds,
            )
