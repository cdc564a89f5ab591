"""Streaming an xlsx worksheet into rows, every limit checked while reading.

openpyxl (even with ``read_only=True``) loads the shared strings eagerly and
builds each cell's text whole before any limit can be looked at, so a 300 KB
upload could make it parse for minutes and grow to gigabytes. This reader takes
the parts it needs (workbook, relationships, styles, shared strings, the first
worksheet) straight out of the zip and feeds them, 64 KB at a time, to the
standard library's expat parser (:mod:`xml.parsers.expat`), with the guards of
``defusedxml``: no DTD, no entity declarations. The handlers count as they go —
rows, cells, shared strings and their characters, the characters of one cell,
the bytes unpacked from each zip member — and raise as soon as one is over, so
memory stays within a few megabytes of the rows kept and no file runs past the
wall-clock cap. Blank rows are counted, never kept.

Cell values follow openpyxl's ``data_only`` reading: the cached value of a
formula, numbers as ``int`` / ``float``, ``True`` / ``False``, and numbers in a
date format as :class:`~datetime.datetime` (openpyxl's date helpers decide which
formats are dates).
"""

from __future__ import annotations

import contextlib
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

from gongjian.service.errors import PayloadTooLargeError
from gongjian.service.needs.import_format import (
    CELLS,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_MEMBER_BYTES,
    MAX_PHYSICAL_ROWS,
    MAX_SHARED_CHARS,
    MAX_SHARED_STRINGS,
    MAX_SHEET_COLUMNS,
    MB,
    MEMBER_BYTES,
    MEMBERS,
    UNPACKED_BYTES,
    Deadline,
    file_error,
    over_limit,
    too_many_physical_rows,
)

__all__ = ["check_directory", "sheet_rows"]

CHUNK = 64 * 1024
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"

Handler = Callable[..., None]


def check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse from the zip directory, before anything is unpacked: too many members, a
    member that unpacks to more than :data:`MAX_MEMBER_BYTES`, or more than
    :data:`MAX_UNPACKED_BYTES` in all."""
    MEMBERS.check(len(infos))
    for info in infos:
        MEMBER_BYTES.check(info.file_size, name=info.filename[:80], mb=info.file_size // MB)
    total = sum(i.file_size for i in infos)
    UNPACKED_BYTES.check(total, mb=total // MB)


def _member_too_large(name: str, size: int) -> PayloadTooLargeError:
    return MEMBER_BYTES.passed(name=name[:80], mb=size // MB)


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """The local name of a namespaced tag (``…main}row`` → ``row``), cached."""
    local = _LOCAL.get(name)
    if local is None:
        local = name.rpartition("}")[2]
        if len(_LOCAL) < 1024:  # a hostile file must not grow the cache
            _LOCAL[name] = local
    return local


def _no_dtd(*_: Any) -> None:
    raise file_error("xlsx 含有 DTD 或实体声明，拒绝读取 (the workbook declares a DTD or entities)")


def _parse(
    archive: zipfile.ZipFile,
    name: str,
    start: Handler,
    end: Handler | None,
    text: Handler | None,
    deadline: Deadline,
) -> Iterator[None]:
    """Feed the member ``name`` to a guarded expat parser, 64 KB at a time, yielding
    after each chunk; the unpacked bytes are counted against the zip directory's
    figure and :data:`MAX_MEMBER_BYTES`, and the deadline is checked."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.UnparsedEntityDeclHandler = _no_dtd
    parser.ExternalEntityRefHandler = _no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.buffer_text = False
    info = archive.getinfo(name)
    unpacked = 0
    try:
        with archive.open(info) as stream:
            final = False
            while not final:
                chunk = stream.read(CHUNK)
                final = not chunk
                unpacked += len(chunk)
                if unpacked > info.file_size or unpacked > MAX_MEMBER_BYTES:
                    raise _member_too_large(name, unpacked)
                parser.Parse(chunk, final)
                deadline.check()
                yield None
    except expat.ExpatError as exc:
        raise file_error(
            f"xlsx 中的 {name[:80]} 不是有效的 XML (a part of the workbook is not valid XML:"
            f" {expat.ErrorString(exc.code)}, line {exc.lineno})"
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise file_error(
            "不是有效的 xlsx 文件（文件已损坏或不完整）(not a valid xlsx file: damaged or truncated)"
        ) from None


def _run(parse: Iterator[None]) -> None:
    for _ in parse:
        pass


# --------------------------------------------------------------------------- small parts
def _first_sheet(archive: zipfile.ZipFile, names: set[str], deadline: Deadline) -> dict[str, Any]:
    """The first worksheet's path, the shared strings' path and the date epoch."""
    found: dict[str, Any] = {"rid": None, "date1904": False, "sheets": 0}

    def book_start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "sheet":
            found["sheets"] += 1
            if found["rid"] is None:
                found["rid"] = attrs.get(f"{_REL_NS}}}id") or attrs.get(f"{_STRICT_REL_NS}}}id")
        elif local == "workbookPr":
            found["date1904"] = attrs.get("date1904", "0").lower() in ("1", "true")

    _run(_parse(archive, "xl/workbook.xml", book_start, None, None, deadline))
    if not found["sheets"]:
        raise file_error("工作簿中没有工作表 (the workbook has no worksheet)")
    targets: dict[str, str] = {}
    shared: list[str] = []

    def rels_start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) != "Relationship":
            return
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        path = posixpath.normpath(path)
        targets[attrs.get("Id", "")] = path
        if attrs.get("Type", "").endswith("/sharedStrings"):
            shared.append(path)

    if "xl/_rels/workbook.xml.rels" in names:
        _run(_parse(archive, "xl/_rels/workbook.xml.rels", rels_start, None, None, deadline))
    sheet = targets.get(found["rid"] or "", "xl/worksheets/sheet1.xml")
    if sheet not in names:
        raise file_error("工作簿中找不到第一个工作表 (the first worksheet is missing)")
    strings = next((p for p in shared if p in names), None)
    if strings is None and "xl/sharedStrings.xml" in names:
        strings = "xl/sharedStrings.xml"
    return {"sheet": sheet, "strings": strings, "date1904": found["date1904"]}


def _date_styles(archive: zipfile.ZipFile, names: set[str], deadline: Deadline) -> set[int]:
    """Indexes of the cell formats (``s`` attribute) whose number format is a date."""
    if "xl/styles.xml" not in names:
        return set()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    where = {"xfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            where["xfs"] = True
        elif local == "xf" and where["xfs"]:
            if len(formats) >= 65_536:
                raise file_error("xlsx 的单元格格式过多 (too many cell formats)")
            try:
                formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            where["xfs"] = False

    _run(_parse(archive, "xl/styles.xml", start, end, None, deadline))
    dates: set[int] = set()
    for index, fmt_id in enumerate(formats):
        code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, ""))
        if code and is_date_format(code):
            dates.add(index)
    return dates


def _shared_strings(archive: zipfile.ZipFile, name: str | None, deadline: Deadline) -> list[str]:
    """The shared strings, counted (number and characters) while they are read."""
    if name is None:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"depth_rph": 0, "in_t": False, "chars": 0, "cell": 0}

    def over(what: str, limit: int, unit: str) -> PayloadTooLargeError:
        return over_limit(
            f"xlsx 的共享字符串{what}超过上限 {limit}",
            f"the shared strings exceed {limit} {unit}",
            limit=f"shared_{unit}",
            maximum=limit,
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "t" and not state["depth_rph"]:
            state["in_t"] = True
        elif local == "rPh":
            state["depth_rph"] += 1
        elif local == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise over("个数", MAX_SHARED_STRINGS, "strings")
            parts.clear()
            state["cell"] = 0
        elif local == "sst":
            declared = attrs.get("uniqueCount") or "0"
            if declared.isdigit() and int(declared) > MAX_SHARED_STRINGS:
                raise over("个数", MAX_SHARED_STRINGS, "strings")

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "t":
            state["in_t"] = False
        elif local == "rPh":
            state["depth_rph"] -= 1
        elif local == "si":
            strings.append("".join(parts))

    def text(data: str) -> None:
        if not state["in_t"]:
            return
        state["chars"] += len(data)
        state["cell"] += len(data)
        if state["cell"] > MAX_CELL_CHARS:
            raise _cell_too_long(f"共享字符串第 {len(strings) + 1} 项")
        if state["chars"] > MAX_SHARED_CHARS:
            raise over("总字符数", MAX_SHARED_CHARS, "characters")
        parts.append(data)

    _run(_parse(archive, name, start, end, text, deadline))
    return strings


def _cell_too_long(where: str) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"{where}超过 {MAX_CELL_CHARS} 个字符（Excel 单元格的上限）(a cell holds more than"
        f" {MAX_CELL_CHARS} characters, Excel's limit)",
        limit="cell_characters",
        maximum=MAX_CELL_CHARS,
    )


def _column(ref: str, previous: int) -> int:
    """The 1-based column of a cell reference such as ``AB12`` (or the next column)."""
    letters = ref.rstrip("0123456789")
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isascii():
        return previous + 1
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


# --------------------------------------------------------------------------- the worksheet
def sheet_rows(archive: zipfile.ZipFile, deadline: Deadline) -> Iterator[tuple[int, list[Any]]]:
    """The non-blank rows of the first worksheet: ``(row number, values of columns
    1…MAX_COLUMNS)``; every limit is checked while the XML streams in."""
    names = {i.filename for i in archive.infolist()}
    parts = _first_sheet(archive, names, deadline)
    dates = _date_styles(archive, names, deadline)
    shared = _shared_strings(archive, parts["strings"], deadline)
    epoch_1904 = bool(parts["date1904"])
    pending: list[tuple[int, list[Any]]] = []
    row: dict[int, Any] = {}
    text: list[str] = []
    st: dict[str, Any] = {
        "row": 0, "rows": 0, "cells": 0, "col": 0, "type": "n", "style": -1,
        "collect": False, "in_is": False, "rph": 0, "chars": 0,
    }  # fmt: skip

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            st["cells"] += 1
            if st["cells"] > MAX_CELLS:  # per cell: the check inline, the words in CELLS
                raise CELLS.passed()
            col = _column(attrs.get("r", ""), st["col"])
            if col > MAX_SHEET_COLUMNS:
                raise file_error(
                    f"第 {st['row']} 行的列超出 Excel 上限 {MAX_SHEET_COLUMNS} 列 (a column"
                    f" beyond Excel's {MAX_SHEET_COLUMNS})"
                )
            st["col"] = col
            st["type"] = attrs.get("t", "n")
            style = attrs.get("s", "")
            st["style"] = int(style) if style.isdigit() else -1
            text.clear()
            st["chars"] = 0
        elif local == "v":
            st["collect"] = st["col"] <= MAX_COLUMNS
        elif local == "t":
            st["collect"] = st["in_is"] and not st["rph"] and st["col"] <= MAX_COLUMNS
        elif local == "is":
            st["in_is"] = True
        elif local == "rPh":
            st["rph"] += 1
        elif local == "row":
            ref = attrs.get("r", "")
            number = int(ref) if ref.isdigit() else st["row"] + 1
            st["rows"] += 1
            if number > MAX_PHYSICAL_ROWS or st["rows"] > MAX_PHYSICAL_ROWS:
                raise too_many_physical_rows()
            st["row"] = number
            st["col"] = 0
            row.clear()

    def end(tag: str) -> None:
        local = _local(tag)
        if local in ("v", "t"):
            st["collect"] = False
        elif local == "c":
            if text and st["col"] <= MAX_COLUMNS:
                row[st["col"]] = _value("".join(text), st["type"], st["style"] in dates)
        elif local == "is":
            st["in_is"] = False
        elif local == "rPh":
            st["rph"] -= 1
        elif local == "row" and row:
            width = max(row)
            pending.append((st["row"], [row.get(i) for i in range(1, width + 1)]))

    def chars(data: str) -> None:
        if st["collect"]:
            st["chars"] += len(data)
            if st["chars"] > MAX_CELL_CHARS:
                raise _cell_too_long(f"第 {st['row']} 行第 {st['col']} 列的单元格")
            text.append(data)

    def _value(raw: str, kind: str, is_date: bool) -> Any:
        if kind == "s":
            try:
                return shared[int(raw)]
            except (ValueError, IndexError):
                raise file_error(
                    f"第 {st['row']} 行引用了不存在的共享字符串 (row {st['row']} refers to a"
                    " missing shared string)"
                ) from None
        if kind in ("inlineStr", "str", "e", "d"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        return _number(raw, is_date, epoch_1904)

    for _ in _parse(archive, parts["sheet"], start, end, chars, deadline):
        yield from pending  # the rows of each chunk go on as soon as it is parsed
        pending.clear()


def _number(raw: str, is_date: bool, epoch_1904: bool) -> Any:
    text = raw.strip()
    try:
        value: int | float = int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return raw
    if is_date:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        try:
            return from_excel(value, CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900)
        except (ValueError, OverflowError):
            return value
    return value
