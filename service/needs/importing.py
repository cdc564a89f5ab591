"""Bulk import of work orders (民情交办单) from xlsx / csv, and the xlsx template.

Shared by ``POST /needs/import`` and ``gongjian import needs FILE``.

Rules
-----
* **Format by content**, not by name: a zip holding ``xl/workbook.xml`` is xlsx;
  an OLE2 file (old ``.xls``, or an encrypted workbook) is refused with a hint;
  anything else must be UTF-8 text (a BOM is fine) and is read as CSV
  (comma, or tab when the header has tabs and no commas).
* **Header row**: the first non-blank row. Each header cell may be the Chinese
  name, the English field, or both as in the template (``标题 title``,
  ``标题 (title)``); case, spaces, brackets and a trailing ``*`` are ignored.
  Required columns: title, category, community_id, quarter. The id column is
  optional (blank cells get ``n-<12 hex>``). Unknown columns are ignored with a
  warning. A ``status`` column may only hold ``open`` / ``待认领``: imported needs
  always start open.
* **Rows** are numbered as Excel shows them (the header row is row 1 when it is
  the first row). Blank rows are ignored; so is the template's example row
  (its id cell reads ``示例 example``). Every bad cell of every row is reported
  (``row``, ``field``, ``message`` in Chinese and English).
* An id that already exists in the store, or that occurs twice in the file, is an
  error (an import never overwrites). Communities and grids may be given by id or
  by their exact name; a grid must belong to the row's community. With a
  community scope (the community role), rows of other communities are errors
  (``超出本社区范围``).
* **All or nothing**: with any bad row and ``skip_errors`` false nothing is written
  and :class:`ImportRejectedError` (HTTP 422) carries the full report. The good
  rows are written with ONE ``store.upsert_many`` call whose ``batch_size`` covers
  them all (atomic in both stores). ``created_at`` is the import time.
* **Limits**: at most :data:`MAX_ROWS` data rows (else
  :class:`~gongjian.service.errors.PayloadTooLargeError`, HTTP 413); an xlsx may
  not unpack to more than :data:`MAX_UNPACKED_BYTES`; at most :data:`MAX_COLUMNS`
  columns are read. Malformed files give :class:`InvalidInputError`, never a crash.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import warnings
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from gongjian.core.errors import InvalidInputError, NotFoundError
from gongjian.graph.model import (
    Community,
    Grid,
    Need,
    NeedStatus,
    ResourceKind,
    now_utc,
    parse_entity,
    parse_quarter,
)
from gongjian.graph.store import GraphStore
from gongjian.service.errors import PayloadTooLargeError

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "TEMPLATE_FILENAME",
    "XLSX_MEDIA_TYPE",
    "Checked",
    "Column",
    "ImportRejectedError",
    "ImportReport",
    "Progress",
    "RowError",
    "Table",
    "build_template",
    "import_needs",
    "read_table",
    "validate_rows",
]

#: most data rows one file may hold
MAX_ROWS = 20_000
#: most rows (blank ones included) read from a worksheet before giving up
MAX_PHYSICAL_ROWS = 100_000
#: columns read per row (the template has 10)
MAX_COLUMNS = 64
#: largest total unpacked size of an xlsx (guards against zip bombs)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: existence of at most this many ids is checked one by one; more: one list of all needs
_GET_ONE_BY_ONE = 300

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FILENAME = "民情交办单导入模板.xlsx"
TEMPLATE_ASCII_FILENAME = "needs-template.xlsx"

#: naive date-times in files are Beijing time (China has had no DST since 1991)
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

#: ``progress(stage, done, total)``: stage ``"read"`` (total 0: unknown), ``"check"``, ``"write"``
Progress = Callable[[str, int, int], None]

_EXAMPLE_IDS = frozenset({"示例example", "示例", "example"})


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
)
#: accepted but not in the template: must be blank or open
_STATUS_COLUMN = Column("status", "状态", False, "只能为待认领 (open only)")
_FIELD_ZH = {c.field: c.zh for c in (*COLUMNS, _STATUS_COLUMN)}


def _norm(text: str) -> str:
    """Normalised header text: lower case, no spaces, brackets, colons or ``*``."""
    return re.sub(r"[\s()（）\[\]【】<>《》:：*＊_\-]+", "", text).lower()


def _header_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for col in (*COLUMNS, _STATUS_COLUMN):
        names = {col.zh, col.field, col.field.replace("_", " "), *col.aliases}
        for name in list(names):
            keys[_norm(name)] = col.field
        keys[_norm(col.zh + col.field)] = col.field
        keys[_norm(col.field + col.zh)] = col.field
    return keys


_HEADER_KEYS = _header_keys()


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

    def as_dict(self) -> dict[str, Any]:
        return {
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


# --------------------------------------------------------------------------- reading files


@dataclass
class Table:
    """The rows of an import file: ``(excel row number, {field: raw cell value})``."""

    format: str
    rows: list[tuple[int, dict[str, Any]]]
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _file_error(message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"field": "file", "message": message}])


def _too_many_rows() -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"文件超过 {MAX_ROWS} 行数据，请拆分后分批导入 (more than {MAX_ROWS} data rows;"
        " split the file)",
        max_rows=MAX_ROWS,
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(cells: list[Any], header_row: int) -> tuple[dict[int, str], list[str]]:
    """Column index → field, and warnings for ignored columns."""
    mapping: dict[int, str] = {}
    warnings_: list[str] = []
    seen: dict[str, int] = {}
    duplicate: list[str] = []
    for i, cell in enumerate(cells):
        if _blank(cell):
            continue
        text = str(cell).strip()
        name = _HEADER_KEYS.get(_norm(text))
        if name is None:
            warnings_.append(f"忽略未知列“{text[:40]}” (ignored unknown column)")
            continue
        if name in seen:
            duplicate.append(f"{_FIELD_ZH[name]} {name}")
            continue
        seen[name] = i
        mapping[i] = name
    if not mapping:
        expected = "、".join(c.header for c in COLUMNS if c.required)
        raise _file_error(
            f"第 {header_row} 行不是表头：找不到可识别的列，应包含 {expected} 等列 (no header"
            " row found: expected columns such as 标题 title; download /templates/needs.xlsx)"
        )
    if duplicate:
        raise _file_error(f"表头列重复 (duplicate columns): {', '.join(duplicate)}")
    missing = [c.header for c in COLUMNS if c.required and c.field not in seen]
    if missing:
        raise InvalidInputError(
            f"缺少必填列 (missing required columns): {', '.join(missing)}",
            [
                {"row": header_row, "field": c.field, "message": f"缺少列 {c.header} (missing)"}
                for c in COLUMNS
                if c.required and c.field not in seen
            ],
        )
    return mapping, warnings_


def _collect(rows: Iterable[tuple[int, list[Any]]], fmt: str, progress: Progress | None) -> Table:
    """Find the header, map the columns and collect the non-blank data rows."""
    mapping: dict[int, str] | None = None
    out: list[tuple[int, dict[str, Any]]] = []
    notes: list[str] = []
    for number, cells in rows:
        if all(_blank(c) for c in cells):
            continue
        if mapping is None:
            mapping, notes = _map_header(cells, number)
            continue
        if len(out) >= MAX_ROWS:
            raise _too_many_rows()
        out.append((number, {f: cells[i] if i < len(cells) else None for i, f in mapping.items()}))
        if progress is not None and len(out) % 500 == 0:
            progress("read", len(out), 0)
    if mapping is None:
        raise _file_error(
            "文件中没有表头和数据 (the file has no header row and no data; download"
            " /templates/needs.xlsx)"
        )
    return Table(format=fmt, rows=out, warnings=notes, columns=list(mapping.values()))


def _read_xlsx(data: bytes, progress: Progress | None) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _file_error(
            "不是有效的 xlsx 文件（文件已损坏或不完整）(not a valid xlsx file: damaged or truncated)"
        ) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise _file_error(
            "这是一个压缩包而不是 Excel 工作簿，请上传 .xlsx 或 CSV 文件 (a zip archive, not an"
            " xlsx workbook)"
        )
    if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        raise _file_error(
            "不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx (xlsb is not supported; save as .xlsx)"
        )
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise PayloadTooLargeError(
            "xlsx 解压后过大 (the workbook unpacks to more than"
            f" {MAX_UNPACKED_BYTES // (1024 * 1024)} MB)"
        )
    try:
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for malformed parts
        raise _file_error(
            f"无法读取 xlsx 文件，请用 Excel 打开后重新保存 (cannot read the xlsx file:"
            f" {type(exc).__name__})"
        ) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise _file_error("工作簿中没有工作表 (the workbook has no worksheet)")
        sheet = sheets[0]

        def rows() -> Iterator[tuple[int, list[Any]]]:
            for number, values in enumerate(
                sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
            ):
                if number > MAX_PHYSICAL_ROWS:
                    raise _too_many_rows()
                yield number, list(values)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return _collect(rows(), "xlsx", progress)
        except (InvalidInputError, PayloadTooLargeError):
            raise
        except Exception as exc:
            raise _file_error(
                f"xlsx 工作表内容无法解析 (cannot parse the worksheet: {type(exc).__name__})"
            ) from None
    finally:
        book.close()


_CSV_HINT = (
    "请在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）(*.csv)”保存后再上传"
    " (save it from Excel as 'CSV UTF-8 (Comma delimited)')"
)


def _read_csv(data: bytes, progress: Progress | None) -> Table:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(f"CSV 文件是 UTF-16 编码，需要 UTF-8 (the CSV is UTF-16): {_CSV_HINT}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInputError(
            f"CSV 文件不是 UTF-8 编码（第 {line} 行起无法识别，可能是 GBK）：{_CSV_HINT}"
            f" (the file is not UTF-8 text, line {line})",
            [{"row": line, "field": "file", "message": f"not UTF-8: {_CSV_HINT}"}],
        ) from None
    if "\x00" in text:
        raise _file_error(
            "文件不是 CSV 文本也不是 xlsx 工作簿 (binary content: neither CSV text nor xlsx)"
        )
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                if number > MAX_PHYSICAL_ROWS:
                    raise _too_many_rows()
                yield number, record[:MAX_COLUMNS]
        except csv.Error as exc:
            raise InvalidInputError(
                f"CSV 第 {number + 1} 行格式错误 (malformed CSV at row {number + 1}): {exc}",
                [{"row": number + 1, "field": "file", "message": str(exc)}],
            ) from None

    return _collect(rows(), "csv", progress)


def read_table(data: bytes, filename: str | None = None, progress: Progress | None = None) -> Table:
    """The header-mapped rows of an xlsx or csv file (format detected from the content)."""
    if not data:
        raise _file_error("文件为空 (the file is empty)")
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(data, progress)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _file_error(
            "这是旧版 .xls 或加密的 Excel 文件，请另存为 .xlsx（不设密码）后再上传 (an old .xls or"
            " password-protected workbook: save it as .xlsx without a password)"
        )
    if name.endswith((".xlsx", ".xlsm", ".xltx")):
        raise _file_error(
            "文件名是 .xlsx，但内容不是 Excel 工作簿 (named .xlsx but the content is not an xlsx"
            " workbook)"
        )
    return _read_csv(data, progress)


# --------------------------------------------------------------------------- cell values


class _CellError(ValueError):
    pass


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _int(value: Any, lo: int, hi: int, default: int) -> int:
    if _blank(value):
        return default
    if isinstance(value, bool):
        raise _CellError(f"应为整数 {lo}–{hi} (must be an integer {lo}–{hi})")
    number: int
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                as_float = float("nan")
            if not as_float.is_integer():
                raise _CellError(
                    f"“{text[:20]}”不是整数，应为 {lo}–{hi} (not an integer; expected {lo}–{hi})"
                ) from None
            number = int(as_float)
    if not lo <= number <= hi:
        raise _CellError(f"{number} 超出范围，应为 {lo}–{hi} (out of range {lo}–{hi})")
    return number


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: Any) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    head = text.split("T", 1)[0].split(" ", 1)[0] if re.match(r"^\d{4}-", text) else text
    m = _DATE_RE.match(head)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise _CellError(f"“{text[:20]}”不是有效日期，应如 2026-11-30 (not a date, e.g. 2026-11-30)")


_KIND_BY_KEY: dict[str, ResourceKind] = {}
for _k in ResourceKind:
    _KIND_BY_KEY[_k.value.lower()] = _k
    _KIND_BY_KEY[_norm(_k.label_zh)] = _k
    _KIND_BY_KEY[_norm(_k.label_zh + _k.value)] = _k
    _KIND_BY_KEY[_norm(_k.value + _k.label_zh)] = _k


def _category(value: Any) -> ResourceKind:
    text = _text(value)
    if text is None:
        raise _CellError("必填 (required)")
    kind = _KIND_BY_KEY.get(text.strip().lower()) or _KIND_BY_KEY.get(_norm(text))
    if kind is None:
        raise _CellError(
            f"未知类别“{text[:30]}”，请从“选项”表中选择 (unknown category; see the options sheet)"
        )
    return kind


def _quarter(value: Any) -> str:
    text = _text(value)
    if text is None:
        raise _CellError("必填，如 2026Q4 (required, e.g. 2026Q4)")
    text = re.sub(r"\s+", "", text).upper()
    m = re.match(r"^(\d{4})年?第?([1-4])季度?$", text)
    text = f"{m.group(1)}Q{m.group(2)}" if m else text
    try:
        return parse_quarter(text)
    except InvalidInputError as exc:
        raise _CellError(f"“{text[:20]}”: {exc.message}") from None


def _status(value: Any) -> None:
    text = _text(value)
    if text is None or text.lower() == NeedStatus.open.value or text == NeedStatus.open.label_zh:
        return
    raise _CellError(
        f"导入的交办单只能是待认领状态，不能为“{text[:20]}”(imported needs always start open)"
    )


# --------------------------------------------------------------------------- validation


class _Lookup:
    """Communities and grids of the store, by id and by exact name."""

    def __init__(self, store: GraphStore) -> None:
        self.communities = {c.id: c for c in store.list(Community, limit=None)}
        self.grids = {g.id: g for g in store.list(Grid, limit=None)}
        names: dict[str, list[str]] = defaultdict(list)
        for c in self.communities.values():
            names[c.name].append(c.id)
        self.community_names = names
        grid_names: dict[tuple[str, str], list[str]] = defaultdict(list)
        for g in self.grids.values():
            grid_names[(g.community_id, g.name)].append(g.id)
        self.grid_names = grid_names

    def community(self, value: Any) -> str:
        text = _text(value)
        if text is None:
            raise _CellError("必填 (required)")
        if text in self.communities:
            return text
        ids = self.community_names.get(text, [])
        if len(ids) == 1:
            return ids[0]
        if len(ids) > 1:
            raise _CellError(f"社区名称“{text}”不唯一，请填编号 (ambiguous name; use the id)")
        raise _CellError(f"未知社区“{text[:40]}” (unknown community)")

    def grid(self, value: Any, community_id: str | None) -> str | None:
        text = _text(value)
        if text is None:
            return None
        grid = self.grids.get(text)
        if grid is None and community_id is not None:
            ids = self.grid_names.get((community_id, text), [])
            grid = self.grids[ids[0]] if len(ids) == 1 else None
        if grid is None:
            raise _CellError(f"未知网格“{text[:40]}” (unknown grid)")
        if community_id is not None and grid.community_id != community_id:
            raise _CellError(
                f"网格 {grid.id} 属于社区 {grid.community_id}，不属于 {community_id}"
                f" (the grid belongs to another community)"
            )
        return grid.id


def _pydantic_field(loc: str) -> str:
    return loc.split(".", 1)[0] if loc and loc != "(root)" else "row"


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _existing_ids(store: GraphStore, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    if len(ids) <= _GET_ONE_BY_ONE:
        found = set()
        for node_id in ids:
            try:
                store.get(Need, node_id)
            except NotFoundError:
                continue
            found.add(node_id)
        return found
    wanted = set(ids)
    return {n.id for n in store.list(Need, limit=None) if n.id in wanted}


def _new_id() -> str:
    return f"n-{uuid.uuid4().hex[:12]}"


@dataclass
class Checked:
    """The outcome of :func:`validate_rows`; ``rows`` counts data rows (example excluded)."""

    good: list[tuple[int, Need]]
    errors: list[RowError]
    warnings: list[str]
    rows: int


def validate_rows(
    store: GraphStore,
    table: Table,
    *,
    community_scope: str | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Check every row: the good ``(row, Need)`` pairs, every error, warnings."""
    lookup = _Lookup(store)
    created = now_utc()
    errors: list[RowError] = []
    notes: list[str] = []
    good: list[tuple[int, Need]] = []
    given_ids: Counter[str] = Counter()
    rows_of_id: dict[str, list[int]] = defaultdict(list)
    total = len(table.rows)
    examples = 0
    for done, (number, cells) in enumerate(table.rows, start=1):
        raw_id = _text(cells.get("id"))
        if raw_id is not None and _norm(raw_id) in _EXAMPLE_IDS:
            notes.append(f"第 {number} 行是模板示例，已忽略 (row {number} is the example, ignored)")
            examples += 1
            continue
        row_errors: list[RowError] = []
        row = _Cells(number, cells, row_errors)
        community = row.get("community_id", lookup.community)
        if community is not None and community_scope is not None and community != community_scope:
            row_errors.append(
                RowError(
                    number,
                    "community_id",
                    f"超出本社区范围：{community} 不是 {community_scope}"
                    f" (outside your community {community_scope})",
                )
            )
        data: dict[str, Any] = {
            "id": raw_id,
            "title": row.get("title", _required_text, 200),
            "category": row.get("category", _category),
            "community_id": community,
            "grid_id": row.get("grid_id", lookup.grid, community),
            "quarter": row.get("quarter", _quarter),
            "effort": row.get("effort", _int, 1, 1000, 1),
            "priority": row.get("priority", _int, 1, 5, 3),
            "due": row.get("due", _date),
            "description": row.get("description", _optional_text, 2000),
        }
        row.get("status", _status)
        if raw_id is not None:
            given_ids[raw_id] += 1
            rows_of_id[raw_id].append(number)
        if not row_errors:
            data["id"] = raw_id or _new_id()
            data["status"] = NeedStatus.open
            data["created_at"] = created
            try:
                good.append((number, parse_entity(Need, data)))
            except InvalidInputError as exc:
                for e in exc.errors:
                    row_errors.append(
                        RowError(number, _pydantic_field(e["field"]), _clean(e["message"]))
                    )
        elif raw_id is not None:
            # the id cell may be malformed too: say so in the same pass
            try:
                parse_entity(Need, {**_PROBE, "id": raw_id})
            except InvalidInputError as exc:
                for e in exc.errors:
                    if e["field"] == "id":
                        row_errors.append(RowError(number, "id", _clean(e["message"])))
        errors.extend(row_errors)
        if progress is not None and (done % 500 == 0 or done == total):
            progress("check", done, total)
    # ids twice in the file: every occurrence is an error
    for node_id, n in given_ids.items():
        if n > 1:
            where = "、".join(str(r) for r in rows_of_id[node_id])
            for r in rows_of_id[node_id]:
                errors.append(
                    RowError(
                        r,
                        "id",
                        f"编号 {node_id} 在文件中重复（第 {where} 行）(duplicate id in the file)",
                    )
                )
    # ids already in the store (given ones, bad rows included, and generated ones)
    candidates = {i for i, n in given_ids.items() if n == 1} | {need.id for _, need in good}
    existing = _existing_ids(store, sorted(candidates))
    for node_id in sorted(existing):
        for number in rows_of_id.get(node_id) or [r for r, n in good if n.id == node_id]:
            errors.append(
                RowError(
                    number,
                    "id",
                    f"编号 {node_id} 已存在，导入不会覆盖已有交办单 (id already exists; an import"
                    " never overwrites)",
                )
            )
    bad = {e.row for e in errors}
    errors.sort(key=lambda e: (e.row, _FIELD_ORDER.get(e.field, 99)))
    return Checked(
        good=[(r, n) for r, n in good if r not in bad],
        errors=errors,
        warnings=notes,
        rows=total - examples,
    )


_FIELD_ORDER = {c.field: i for i, c in enumerate((*COLUMNS, _STATUS_COLUMN))}


#: a valid need body, to validate one field on its own
_PROBE: dict[str, Any] = {
    "id": "probe",
    "title": "t",
    "category": "repair",
    "community_id": "c",
    "quarter": "2026Q1",
}


class _Cells:
    """The cells of one row; ``get`` parses one, recording a :class:`RowError` on failure."""

    def __init__(self, number: int, cells: dict[str, Any], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors

    def get(self, name: str, parse: Callable[..., Any], *args: Any) -> Any:
        try:
            return parse(self.cells.get(name), *args)
        except _CellError as exc:
            self.errors.append(RowError(self.number, name, str(exc)))
            return None


def _required_text(value: Any, max_length: int) -> str:
    text = _text(value)
    if text is None:
        raise _CellError("必填 (required)")
    return _limit(text, max_length)


def _optional_text(value: Any, max_length: int) -> str | None:
    text = _text(value)
    return None if text is None else _limit(text, max_length)


def _limit(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise _CellError(
            f"超过 {max_length} 字（{len(text)} 字）(longer than {max_length} characters)"
        )
    return text


# --------------------------------------------------------------------------- the import


def import_needs(
    store: GraphStore,
    data: bytes,
    filename: str | None = None,
    *,
    community_scope: str | None = None,
    skip_errors: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Parse, validate and (unless ``dry_run``) write the needs of an xlsx / csv file.

    Parameters
    ----------
    store:
        Where the needs go (one ``upsert_many`` call, atomic).
    data, filename:
        The file's bytes; the name only sharpens error messages (format is by content).
    community_scope:
        The community of a community-role user: rows of other communities are errors.
    skip_errors:
        Write the good rows even when some are bad (``skipped`` counts the bad ones).
    dry_run:
        Validate only; ``imported`` is 0 and ``valid`` says how many would be written.

    Raises
    ------
    ImportRejectedError
        Some row is bad and ``skip_errors`` is false (nothing written; HTTP 422).
    InvalidInputError
        The file itself is unusable (format, encoding, header, no data rows).
    PayloadTooLargeError
        Too many rows (HTTP 413).
    """
    table = read_table(data, filename, progress)
    checked = validate_rows(store, table, community_scope=community_scope, progress=progress)
    good, errors = checked.good, checked.errors
    report = ImportReport(
        rows=checked.rows,
        valid=len(good),
        errors=errors,
        dry_run=dry_run,
        format=table.format,
        warnings=[*table.warnings, *checked.warnings],
    )
    if not good and not errors:
        raise _file_error(
            "文件中没有交办单数据行（模板示例行不会导入）(the file has no data rows; the template example row is never imported)"
        )
    if errors and not skip_errors:
        raise ImportRejectedError(report)
    report.skipped = report.bad_rows
    needs = [n for _, n in good]
    report.ids = [n.id for n in needs]
    if dry_run or not needs:
        return report
    if progress is not None:
        progress("write", 0, len(needs))
    store.upsert_many(needs, batch_size=max(len(needs), 2000))
    report.imported = len(needs)
    if progress is not None:
        progress("write", len(needs), len(needs))
    return report


# --------------------------------------------------------------------------- the template


def current_quarter(at: datetime | None = None) -> str:
    """The quarter of ``at`` (default: now) in Beijing time, e.g. ``2026Q4``."""
    local = (at or datetime.now(UTC)).astimezone(SHANGHAI)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def build_template(store: GraphStore) -> bytes:
    """The xlsx template: header + one example row, the options and a help sheet.

    Sheet 1 ``交办单 needs`` holds the header row (``标题 title`` …) and an example
    row (id ``示例 example``: ignored by the import). Sheet 2 ``选项 options`` lists
    the categories (label and code) and the communities and grids of the store;
    the category, community, effort, priority and due columns have data validation.
    Sheet 3 ``说明 help`` explains each column.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    communities = store.list(Community, limit=None)
    grids = store.list(Grid, limit=None)
    book = Workbook()
    sheet = book.active
    sheet.title = "交办单 needs"
    options = book.create_sheet("选项 options")
    help_sheet = book.create_sheet("说明 help")

    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE699")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        cell.fill = required_fill if column.required else optional_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(
            ("必填 required. " if column.required else "选填 optional. ") + column.hint, "gongjian"
        )
        sheet.column_dimensions[cell.column_letter].width = 16 if column.field != "title" else 30
    sheet.column_dimensions["J"].width = 36
    sheet.freeze_panes = "A2"

    quarter = current_quarter()
    first = communities[0] if communities else None
    grid = next((g for g in grids if first is not None and g.community_id == first.id), None)
    year, q = int(quarter[:4]), int(quarter[-1])
    due = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    example = {
        "id": "示例 example",
        "title": "3号楼楼道灯不亮（示例）",
        "category": ResourceKind.repair.label_zh,
        "community_id": first.id if first else "c01",
        "grid_id": grid.id if grid else None,
        "quarter": quarter,
        "effort": 1,
        "priority": 3,
        "due": due,
        "description": "网格员巡查发现。示例行导入时自动忽略，可删除 (example row: ignored)",
    }
    grey = Font(italic=True, color="808080")
    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=col, value=example[column.field])
        cell.font = grey
        if column.field == "due":
            cell.number_format = "yyyy-mm-dd"

    # options: categories A:B, communities D:E, grids G:I
    heads = {1: "类别 category", 2: "代码 code", 4: "社区编号 id", 5: "社区名称 name"}
    heads |= {7: "网格编号 id", 8: "网格名称 name", 9: "所属社区 community"}
    for col, text in heads.items():
        options.cell(row=1, column=col, value=text).font = bold
    kinds = list(ResourceKind)
    for i, kind in enumerate(kinds, start=2):
        options.cell(row=i, column=1, value=kind.label_zh)
        options.cell(row=i, column=2, value=kind.value)
    for i, c in enumerate(communities, start=2):
        options.cell(row=i, column=4, value=c.id)
        options.cell(row=i, column=5, value=c.name)
    for i, g in enumerate(grids, start=2):
        options.cell(row=i, column=7, value=g.id)
        options.cell(row=i, column=8, value=g.name)
        options.cell(row=i, column=9, value=g.community_id)
    for letter, width in {"A": 14, "B": 18, "D": 12, "E": 16, "G": 12, "H": 22, "I": 12}.items():
        options.column_dimensions[letter].width = width

    last = MAX_ROWS + 1
    letter = {c.field: sheet.cell(row=1, column=i).column_letter for i, c in enumerate(COLUMNS, 1)}
    validations = [
        (
            DataValidation(
                type="list",
                formula1=f"='选项 options'!$A$2:$A${len(kinds) + 1}",
                allow_blank=False,
                showErrorMessage=False,
            ),
            "category",
        ),
        (
            DataValidation(type="whole", operator="between", formula1="1", formula2="1000"),
            "effort",
        ),
        (DataValidation(type="whole", operator="between", formula1="1", formula2="5"), "priority"),
        (
            DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True),
            "due",
        ),
    ]
    if communities:
        validations.append(
            (
                DataValidation(
                    type="list",
                    formula1=f"='选项 options'!$D$2:$D${len(communities) + 1}",
                    showErrorMessage=False,
                ),
                "community_id",
            )
        )
    for dv, name in validations:
        dv.error = "取值无效 (invalid value)"
        dv.prompt = next(c.hint for c in COLUMNS if c.field == name)
        dv.showInputMessage = True
        dv.add(f"{letter[name]}2:{letter[name]}{last}")
        sheet.add_data_validation(dv)

    help_rows = [("列 column", "字段 field", "必填 required", "说明 rule")]
    help_rows += [(c.zh, c.field, "是 yes" if c.required else "否 no", c.hint) for c in COLUMNS]
    help_rows += [
        ("", "", "", ""),
        ("表头可用中文、英文或两者 (headers: Chinese, English or both)", "", "", ""),
        ("导入的交办单均为待认领状态 (imported needs start open)", "", "", ""),
        (f"每个文件最多 {MAX_ROWS} 行 (at most {MAX_ROWS} rows per file)", "", "", ""),
        ("有错误的文件不会导入任何数据，除非选择跳过错误行 (all or nothing)", "", "", ""),
        ("CSV 请保存为 CSV UTF-8 (CSV files must be UTF-8)", "", "", ""),
    ]
    for r, values in enumerate(help_rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = help_sheet.cell(row=r, column=col, value=value)
            if r == 1:
                cell.font = bold
    for letter_, width in {"A": 16, "B": 14, "C": 12, "D": 60}.items():
        help_sheet.column_dimensions[letter_].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
