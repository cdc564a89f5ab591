"""Reading an import file: xlsx or csv (told apart by content) into a :class:`Table`
of header-mapped rows. The rules are in :mod:`gongjian.service.needs.importing`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gongjian.core.errors import InvalidInputError
from gongjian.service.errors import PayloadTooLargeError
from gongjian.service.needs.import_format import (
    COLUMNS,
    CSV_COLUMNS,
    CSV_LINE_CHARS,
    EXTRA_COLUMNS,
    FIELD_ZH,
    MAX_COLUMNS,
    MAX_CSV_COLUMNS,
    MAX_CSV_LINE_CHARS,
    MAX_PHYSICAL_ROWS,
    MAX_ROWS,
    Deadline,
    Progress,
    file_error,
    is_blank,
    normalise_header,
    too_many_physical_rows,
    too_many_rows,
)
from gongjian.service.needs.import_xlsx import check_directory, sheet_rows

__all__ = [
    "Table",
    "read_table",
]


def _header_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for col in (*COLUMNS, *EXTRA_COLUMNS):
        names = {col.zh, col.field, col.field.replace("_", " "), *col.aliases}
        for name in list(names):
            keys[normalise_header(name)] = col.field
        keys[normalise_header(col.zh + col.field)] = col.field
        keys[normalise_header(col.field + col.zh)] = col.field
    return keys


_HEADER_KEYS = _header_keys()


# --------------------------------------------------------------------------- reading files


@dataclass
class Table:
    """The rows of an import file: ``(excel row number, {field: raw cell value})``."""

    format: str
    rows: list[tuple[int, dict[str, Any]]]
    warnings: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _map_header(cells: list[Any], header_row: int) -> tuple[dict[int, str], list[str]]:
    """Column index → field, and warnings for ignored columns."""
    mapping: dict[int, str] = {}
    warnings_: list[str] = []
    seen: dict[str, int] = {}
    duplicate: list[str] = []
    for i, cell in enumerate(cells):
        if is_blank(cell):
            continue
        text = str(cell).strip()
        name = _HEADER_KEYS.get(normalise_header(text))
        if name is None:
            warnings_.append(f"忽略未知列“{text[:40]}” (ignored unknown column)")
            continue
        if name in seen:
            duplicate.append(f"{FIELD_ZH[name]} {name}")
            continue
        seen[name] = i
        mapping[i] = name
    if not mapping:
        expected = "、".join(c.header for c in COLUMNS if c.required)
        raise file_error(
            f"第 {header_row} 行不是表头：找不到可识别的列，应包含 {expected} 等列 (no header"
            " row found: expected columns such as 标题 title; download /templates/needs.xlsx)"
        )
    if duplicate:
        raise file_error(f"表头列重复 (duplicate columns): {', '.join(duplicate)}")
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


def _collect(
    rows: Iterable[tuple[int, list[Any]]], fmt: str, progress: Progress | None, deadline: Deadline
) -> Table:
    """Find the header, map the columns and collect the non-blank data rows."""
    mapping: dict[int, str] | None = None
    out: list[tuple[int, dict[str, Any]]] = []
    notes: list[str] = []
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        if mapping is None:
            mapping, notes = _map_header(cells, number)
            continue
        if len(out) >= MAX_ROWS:
            raise too_many_rows()
        out.append((number, {f: cells[i] if i < len(cells) else None for i, f in mapping.items()}))
        if len(out) % 500 == 0:
            deadline.check()
            if progress is not None:
                progress("read", len(out), 0)
    if mapping is None:
        raise file_error(
            "文件中没有数据行，也没有表头（只有空行）(no data rows: the file has no header row"
            " and no data; download /templates/needs.xlsx)"
        )
    return Table(format=fmt, rows=out, warnings=notes, columns=list(mapping.values()))


def _read_xlsx(data: bytes, progress: Progress | None, deadline: Deadline) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise file_error(
            "不是有效的 xlsx 文件（文件已损坏或不完整）(not a valid xlsx file: damaged or truncated)"
        ) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise file_error(
            "这是一个压缩包而不是 Excel 工作簿，请上传 .xlsx 或 CSV 文件 (a zip archive, not an"
            " xlsx workbook)"
        )
    if "xl/workbook.bin" in names and "xl/workbook.xml" not in names:
        raise file_error(
            "不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx (xlsb is not supported; save as .xlsx)"
        )
    check_directory(infos)
    with archive:
        try:
            return _collect(sheet_rows(archive, deadline), "xlsx", progress, deadline)
        except (InvalidInputError, PayloadTooLargeError):
            raise
        except Exception as exc:  # a malformed part must be a 422, never a 500
            raise file_error(
                f"xlsx 工作表内容无法解析 (cannot parse the worksheet: {type(exc).__name__})"
            ) from None


_CSV_HINT = (
    "请在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）(*.csv)”保存后再上传"
    " (save it from Excel as 'CSV UTF-8 (Comma delimited)')"
)


def _read_csv(data: bytes, progress: Progress | None, deadline: Deadline) -> Table:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(f"CSV 文件是 UTF-16 编码，需要 UTF-8 (the CSV is UTF-16): {_CSV_HINT}")
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
        raise file_error(
            "文件不是 CSV 文本也不是 xlsx 工作簿 (binary content: neither CSV text nor xlsx)"
        )
    first = text[: MAX_CSV_LINE_CHARS + 1].split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    line_number = 0

    def lines() -> Iterator[str]:
        """The physical lines, each within :data:`MAX_CSV_LINE_CHARS`."""
        nonlocal line_number
        for line_number, line in enumerate(io.StringIO(text, newline=""), start=1):
            if len(line) > MAX_CSV_LINE_CHARS:  # per line: the check inline
                raise CSV_LINE_CHARS.passed(line=line_number)
            if line_number > MAX_PHYSICAL_ROWS:
                raise too_many_physical_rows()
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                if len(record) > MAX_CSV_COLUMNS:
                    raise CSV_COLUMNS.passed(line=number)
                if number % 5000 == 0:
                    deadline.check()
                yield number, record[:MAX_COLUMNS]
        except csv.Error as exc:
            raise InvalidInputError(
                f"CSV 第 {number + 1} 条记录格式错误 (malformed CSV at record {number + 1}, line"
                f" {line_number}): {exc}",
                [{"row": number + 1, "field": "file", "message": str(exc)}],
            ) from None

    return _collect(rows(), "csv", progress, deadline)


def read_table(
    data: bytes,
    filename: str | None = None,
    progress: Progress | None = None,
    *,
    deadline: Deadline | None = None,
) -> Table:
    """The header-mapped rows of an xlsx or csv file (format detected from the content).

    Every limit of :mod:`~gongjian.service.needs.import_format` is checked while the
    file is read; ``deadline`` (default: ``GONGJIAN_IMPORT_MAX_SECONDS`` from now) caps
    the wall-clock time of reading. (Checking is bounded by :data:`MAX_ROWS` rows, and
    a slow store is not the file's fault, so it is not under the cap.)
    """
    if deadline is None:
        deadline = Deadline(_max_seconds())
    if not data:
        raise file_error("文件为空 (the file is empty)")
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _read_xlsx(data, progress, deadline)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise file_error(
            "这是旧版 .xls 或加密的 Excel 文件，请另存为 .xlsx（不设密码）后再上传 (an old .xls or"
            " password-protected workbook: save it as .xlsx without a password)"
        )
    if name.endswith((".xlsx", ".xlsm", ".xltx")):
        raise file_error(
            "文件名是 .xlsx，但内容不是 Excel 工作簿 (named .xlsx but the content is not an xlsx"
            " workbook)"
        )
    return _read_csv(data, progress, deadline)


def _max_seconds() -> float:
    from gongjian.core.settings import get_settings

    return float(get_settings().import_max_seconds)
