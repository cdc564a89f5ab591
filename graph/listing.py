"""Searching, sorting and paging a list in the store: :class:`ListQuery` and its statements.

``GraphStore.find(kind, query, offset=, limit=)`` answers one page of a label's
entities and the total matching, computed by the store itself (SQL on the
embedded store, Cypher ``ORDER BY`` / ``SKIP`` / ``LIMIT`` on Neo4j) — a district's
20,000 work orders are never loaded into Python to be sorted.

* ``filters``: equality on the fields of :data:`~gongjian.graph.contract.LIST_FILTERS`
  (as ``GraphStore.list``).
* ``q``: a keyword, matched case-insensitively as a plain substring of any of the
  label's :data:`SEARCH_FIELDS` (a need: its id, number, title, address and source
  number). It is a bound parameter compared with ``instr`` / ``CONTAINS``, never a
  ``LIKE`` pattern, so ``%``, ``_``, quotes and brackets are just characters.
* ``sort`` / ``order``: a key of :data:`SORTS` for the label (``None``: its default
  order). Every order ends with ``id``, so pages never overlap or skip.

The statements are built here from whitelisted field names and vocabulary values only;
everything the caller gives is a parameter. Both stores give the same answers (the
API tests run on both).

>>> q = ListQuery(q="  Road ", sort="due")
>>> q.keyword, q.terms("Need")[0]
('road', Term(kind='field', field='due', descending=False))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from gongjian.core.errors import InvalidInputError
from gongjian.graph.contract import LIST_FILTERS
from gongjian.graph.model import NeedStatus

__all__ = [
    "DEFAULT_ORDER",
    "MAX_KEYWORD",
    "SEARCH_FIELDS",
    "SORTS",
    "STATUS_RANK",
    "ListQuery",
    "Term",
    "cypher_find",
    "sql_find",
]

#: the longest keyword searched (the API refuses longer ones)
MAX_KEYWORD = 100

#: per label, the text fields a keyword ``q`` is looked for in
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "Subdistrict": ("id", "name"),
    "Community": ("id", "name"),
    "Grid": ("id", "name"),
    "Unit": ("id", "name"),
    "Resource": ("id", "name"),
    "Need": ("id", "number", "title", "address", "source_no"),
    "Activity": ("id", "title"),
    "PartyMember": ("id", "name"),
}

#: a need's status in the order of its life (the ``status`` sort), not alphabetical
STATUS_RANK: dict[str, int] = {
    s.value: i
    for i, s in enumerate(
        (
            NeedStatus.open,
            NeedStatus.claimed,
            NeedStatus.in_progress,
            NeedStatus.resolved,
            NeedStatus.followed_up,
            NeedStatus.cancelled,
        )
    )
}
#: statuses still waiting for work: listed first by default
_UNFINISHED = ("open", "claimed", "in_progress")


class Term(NamedTuple):
    """One key of an ORDER BY: ``field`` (nulls last either way), ``status`` (life-cycle
    rank), ``unfinished`` (open / claimed / in progress first) or ``number`` (the readable
    number, the id where there is none)."""

    kind: Literal["field", "status", "unfinished", "number"]
    field: str = ""
    descending: bool = False


#: per label, the sort keys: each a list of terms (before the final ``id``; a term marked
#: ``descending`` runs against the chosen direction: by priority, soonest due first), with its
#: natural order (``asc`` or ``desc``) when ``order`` is not given
SORTS: dict[str, dict[str, tuple[tuple[Term, ...], str]]] = {
    "Need": {
        "due": ((Term("field", "due"),), "asc"),
        "priority": ((Term("field", "priority"), Term("field", "due", descending=True)), "desc"),
        "created": ((Term("field", "created_at"),), "desc"),
        "status": ((Term("status"), Term("field", "due")), "asc"),
        "number": ((Term("number"),), "desc"),
    },
}

#: the order of a label when no ``sort`` is given (a need: unfinished first, by due date)
DEFAULT_ORDER: dict[str, tuple[Term, ...]] = {
    "Need": (
        Term("unfinished"),
        Term("field", "due"),
        Term("field", "priority", descending=True),
    ),
}


@dataclass(frozen=True)
class ListQuery:
    """What a list asks of the store: filters, keyword, sort key and order."""

    filters: dict[str, Any] = field(default_factory=dict)
    q: str | None = None
    sort: str | None = None
    order: Literal["asc", "desc"] | None = None

    @property
    def keyword(self) -> str | None:
        """The keyword as searched: trimmed, lower case; None when blank."""
        text = (self.q or "").strip().lower()
        return text[:MAX_KEYWORD] or None

    def check(self, label: str) -> None:
        """:class:`InvalidInputError` (422 in Chinese) for a sort key the label lacks."""
        sorts = SORTS.get(label, {})
        if self.sort is not None and self.sort not in sorts:
            allowed = ", ".join(sorts) or "无 (none)"
            raise InvalidInputError(
                f"不支持按 '{self.sort}' 排序 (unknown sort key); 可选: {allowed}",
                [{"field": "sort", "message": "unknown sort key"}],
            )
        if self.order not in (None, "asc", "desc"):
            raise InvalidInputError(
                "排序方向只能是 asc 或 desc (order must be asc or desc)",
                [{"field": "order", "message": "asc or desc"}],
            )
        unknown = set(self.filters) - LIST_FILTERS[label]
        if unknown:
            raise InvalidInputError(
                f"不支持按 '{sorted(unknown)[0]}' 筛选 (unknown filter)",
                [{"field": f, "message": "unknown filter"} for f in sorted(unknown)],
            )

    def terms(self, label: str) -> tuple[Term, ...]:
        """The ORDER BY terms before the final ``id`` (whose direction follows the sort)."""
        if self.sort is None:
            return DEFAULT_ORDER.get(label, ())
        keys, natural = SORTS[label][self.sort]
        descending = (self.order or natural) == "desc"
        # a term marked descending in the table runs against the chosen direction
        return tuple(t._replace(descending=descending != t.descending) for t in keys)


# --------------------------------------------------------------------------- ORDER BY terms
def _order_parts(term: Term, value: Callable[[str], str], listed: str) -> list[str]:
    """The ORDER BY parts of ``term``; ``value(field)`` is a field's expression in the
    store's language, ``listed`` the unfinished statuses as its list literal."""
    way = " DESC" if term.descending else ""
    if term.kind == "field":
        v = value(term.field)
        return [f"({v} IS NULL)", v + way]
    if term.kind == "number":
        return [f"coalesce({value('number')}, {value('id')}){way}"]
    if term.kind == "status":
        cases = " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items())
        return [f"(CASE {value('status')} {cases} ELSE 99 END){way}"]
    return [f"(CASE WHEN {value('status')} IN {listed} THEN 0 ELSE 1 END){way}"]


_LISTED = ", ".join(f"'{s}'" for s in _UNFINISHED)


# --------------------------------------------------------------------------- SQL (embedded)
def _sql_value(f: str) -> str:
    return "id" if f == "id" else f"json_extract(props, '$.{f}')"


def sql_find(label: str, query: ListQuery) -> tuple[str, str, list[Any]]:
    """``(where, order_by, params)`` for ``SELECT … FROM nodes WHERE <where> ORDER BY
    <order_by>``; the where's ``?`` are bound to ``params`` (label first)."""
    query.check(label)
    where, params = ["label = ?"], [label]
    for name, value in sorted(query.filters.items()):
        if value is None:
            continue
        where.append(f"{_sql_value(name)} = ?")  # name: from LIST_FILTERS (checked)
        params.append(getattr(value, "value", value))
    keyword = query.keyword
    if keyword is not None:
        # instr, not LIKE: % and _ in the keyword are plain characters
        fields = [f"instr(lower({_sql_value(f)}), ?) > 0" for f in SEARCH_FIELDS[label]]
        where.append(f"({' OR '.join(fields)})")
        params += [keyword] * len(fields)
    order = [
        p for term in query.terms(label) for p in _order_parts(term, _sql_value, f"({_LISTED})")
    ]
    order.append("id DESC" if _id_descending(label, query) else "id")
    return " AND ".join(where), ", ".join(order), params


# --------------------------------------------------------------------------- Cypher (Neo4j)
def cypher_find(label: str, query: ListQuery, *, limited: bool) -> tuple[str, str, dict[str, Any]]:
    """``(page, count, params)``: the statement of one page (``$offset``, ``$limit``
    unless not ``limited``) returning ``props``, the one counting every match as ``n``."""
    query.check(label)
    if label not in SEARCH_FIELDS:
        raise ValueError(f"not a graph label: {label!r}")
    conds: list[str] = []
    params: dict[str, Any] = {}
    for name, value in sorted(query.filters.items()):
        if value is None:
            continue
        conds.append(f"n.{name} = $f_{name}")  # name: from LIST_FILTERS (checked)
        params[f"f_{name}"] = getattr(value, "value", value)
    keyword = query.keyword
    if keyword is not None:
        fields = [f"toLower(n.{f}) CONTAINS $q" for f in SEARCH_FIELDS[label]]
        conds.append(f"({' OR '.join(fields)})")
        params["q"] = keyword
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    order = [
        p for term in query.terms(label) for p in _order_parts(term, "n.{}".format, f"[{_LISTED}]")
    ]
    order.append("n.id DESC" if _id_descending(label, query) else "n.id")
    tail = " SKIP $offset LIMIT $limit" if limited else " SKIP $offset"
    page = f"MATCH (n:{label}){where} RETURN properties(n) AS props ORDER BY {', '.join(order)}"
    return page + tail, f"MATCH (n:{label}){where} RETURN count(n) AS n", params


def _id_descending(label: str, query: ListQuery) -> bool:
    """Whether the final ``id`` key runs descending: with the chosen sort's direction."""
    if query.sort is None:
        return False
    return (query.order or SORTS[label][query.sort][1]) == "desc"
