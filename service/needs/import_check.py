"""Checking the rows of an import file: each cell parsed and every bad one reported,
references resolved against the store. The rules are in
:mod:`gongjian.service.needs.importing`.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from gongjian.core.errors import InvalidInputError, NotFoundError
from gongjian.graph.model import (
    Community,
    Grid,
    Need,
    NeedCategory,
    NeedStatus,
    now_utc,
    parse_entity,
    parse_quarter,
)
from gongjian.graph.store import GraphStore
from gongjian.service.errors import ForbiddenError
from gongjian.service.needs.import_dedupe import Duplicate, find_duplicates
from gongjian.service.needs.import_format import (
    COLUMNS,
    EXAMPLE_IDS,
    EXTRA_COLUMNS,
    Progress,
    RowError,
    is_blank,
    normalise_header,
)
from gongjian.service.needs.import_read import Table

__all__ = [
    "Checked",
    "validate_rows",
]

#: existence of at most this many ids is checked one by one; more: one list of all needs
_GET_ONE_BY_ONE = 300


# --------------------------------------------------------------------------- cell values


class _CellError(ValueError):
    pass


def _text(value: Any) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _int(value: Any, lo: int, hi: int, default: int) -> int:
    if is_blank(value):
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
    if is_blank(value):
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


_CATEGORY_BY_KEY: dict[str, NeedCategory] = {}
for _c in NeedCategory:
    # the code, the Chinese label, and both written together (as the options sheet shows)
    _CATEGORY_BY_KEY[_c.value.lower()] = _c
    _CATEGORY_BY_KEY[normalise_header(_c.label_zh)] = _c
    _CATEGORY_BY_KEY[normalise_header(_c.label_zh + _c.value)] = _c
    _CATEGORY_BY_KEY[normalise_header(_c.value + _c.label_zh)] = _c
_CATEGORIES_TEXT = "、".join(f"{c.label_zh}（{c.value}）" for c in NeedCategory)


def _category(value: Any) -> NeedCategory:
    """A need category (需求类别) from its code or Chinese label."""
    text = _text(value)
    if text is None:
        raise _CellError("必填 (required)")
    category = _CATEGORY_BY_KEY.get(text.strip().lower()) or _CATEGORY_BY_KEY.get(
        normalise_header(text)
    )
    if category is None:
        raise _CellError(
            f"未知需求类别“{text[:30]}”(unknown need category)；可选 (allowed): {_CATEGORIES_TEXT}"
        )
    return category


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
    """Communities and grids of the store, by id and by exact name (a name that several
    sub-districts' communities share is the one of ``subdistrict``, the importer's)."""

    def __init__(self, store: GraphStore, subdistrict: str | None = None) -> None:
        self.scope = subdistrict
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
        if len(ids) > 1 and self.scope is not None:
            ids = [i for i in ids if self.communities[i].subdistrict == self.scope] or ids
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

    def subdistrict(self, value: Any, community_id: str | None) -> str | None:
        """The row's sub-district: its community's; a code in the file must be that one."""
        own = self.communities[community_id].subdistrict if community_id else None
        text = _text(value)
        if text is not None and own is not None and text.upper() != own:
            raise _CellError(
                f"街道 {text[:20]} 与社区 {community_id} 所属街道 {own} 不符"
                f" (the community belongs to sub-district {own})"
            )
        return own


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
    #: rows refused only because their id exists — as read outside the write's transaction,
    #: so the write decides again (a concurrent create may be half visible here)
    taken: list[tuple[int, Need]] = field(default_factory=list)
    #: rows not created because they repeat an order (:mod:`~.import_dedupe`)
    duplicates: list[Duplicate] = field(default_factory=list)
    #: rows whose id is derived from their duplicate key (not given in the file)
    derived: set[int] = field(default_factory=set)


def validate_rows(
    store: GraphStore,
    table: Table,
    *,
    community_scope: str | None = None,
    subdistrict_scope: str | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Check every row: the good ``(row, Need)`` pairs, every error, warnings.

    Each need gets its community's sub-district. With ``subdistrict_scope`` (a user of
    one sub-district) a row of another sub-district's community refuses the whole file:
    :class:`ForbiddenError` (403) naming the rows, nothing written.
    """
    lookup = _Lookup(store, subdistrict_scope)
    created = now_utc()
    errors: list[RowError] = []
    notes: list[str] = []
    good: list[tuple[int, Need]] = []
    given_ids: Counter[str] = Counter()
    rows_of_id: dict[str, list[int]] = defaultdict(list)
    total = len(table.rows)
    examples = 0
    outside: list[int] = []
    for done, (number, cells) in enumerate(table.rows, start=1):
        raw_id = _text(cells.get("id"))
        if raw_id is not None and normalise_header(raw_id) in EXAMPLE_IDS:
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
            "subdistrict": row.get("subdistrict", lookup.subdistrict, community),
            "quarter": row.get("quarter", _quarter),
            "effort": row.get("effort", _int, 1, 1000, 1),
            "priority": row.get("priority", _int, 1, 5, 3),
            "due": row.get("due", _date),
            "description": row.get("description", _optional_text, 2000),
            "source_no": row.get("source_no", _optional_text, 200),
        }
        row.get("status", _status)
        if subdistrict_scope is not None and data["subdistrict"] not in (None, subdistrict_scope):
            outside.append(number)
        if data["subdistrict"] is None:
            del data["subdistrict"]  # a bad community: the need's default, the row an error
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
    if outside:
        rows = "、".join(str(r) for r in outside[:20]) + ("…" if len(outside) > 20 else "")
        raise ForbiddenError(
            f"第 {rows} 行的社区不属于本街道（{subdistrict_scope}），不能导入其他街道的交办单"
            f" (rows of another sub-district's communities; nothing imported)",
            rows=outside[:100],
            subdistrict=subdistrict_scope,
        )
    # rows that repeat a stored order or an earlier row: reported, not created
    given_rows = {r for rows in rows_of_id.values() for r in rows}
    good, duplicates, derived = find_duplicates(store, good, given_rows)
    duplicate_rows = {d.row for d in duplicates}
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
    candidates = {
        i for i, n in given_ids.items() if n == 1 and rows_of_id[i][0] not in duplicate_rows
    } | {need.id for _, need in good}
    bad_before = {e.row for e in errors}
    existing = _existing_ids(store, sorted(candidates))
    for row, need in [(r, n) for r, n in good if r in derived and n.id in existing]:
        # its id is its key's: this very row was imported before (the order since edited)
        duplicates.append(Duplicate(row, need.id, "same"))
        duplicate_rows.add(row)
        existing.discard(need.id)
    good = [(r, n) for r, n in good if r not in duplicate_rows]
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
        taken=[(r, n) for r, n in good if n.id in existing and r not in bad_before],
        duplicates=sorted(duplicates, key=lambda d: d.row),
        derived=derived,
    )


_FIELD_ORDER = {c.field: i for i, c in enumerate((*COLUMNS, *EXTRA_COLUMNS))}


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
