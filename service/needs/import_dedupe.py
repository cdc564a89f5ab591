"""Duplicates in an import: rows that name an order the store (or the file) has already.

A row is a **duplicate** — reported, never created again — when

* it has a source number (来源编号, e.g. the 12345 ticket number) and an existing order
  (or an earlier row of the file) has the same one (case and spaces ignored), or
* it has none and an existing order (or an earlier row) has the same title, community,
  grid and due date (截止日期; blank matches blank) and no source number of its own.

Importing the same file twice therefore creates nothing the second time.

**Concurrent imports.** A new row without an id of its own gets an id derived from its
duplicate key (``n-`` + 12 hex digits of its SHA-256), not a random one. Two imports
of the same file racing each other create the same ids, and the stores' uniqueness of
``id`` (a primary key in SQLite, a constraint in Neo4j) lets exactly one create each
order; the other finds the id taken in its write transaction and reports the row as a
duplicate. Rows with an id of their own race on that id the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from gongjian.graph.listing import ListQuery
from gongjian.graph.model import Need
from gongjian.graph.store import GraphStore

__all__ = ["Duplicate", "DuplicateKey", "derived_id", "duplicate_key", "find_duplicates"]

DuplicateKey = tuple[str, ...]


@dataclass(frozen=True)
class Duplicate:
    """A row not created: the order it repeats (an existing id, or an earlier row)."""

    row: int
    need_id: str
    by: Literal["source_no", "same"]
    earlier_row: int | None = None

    @property
    def message(self) -> str:
        what = (
            "来源编号相同 (same source number)"
            if self.by == "source_no"
            else "标题、社区、网格和截止日期相同 (same title, community, grid and due date)"
        )
        if self.earlier_row is not None:
            return (
                f"与第 {self.earlier_row} 行重复：{what}，未重复导入 (duplicate of an earlier row)"
            )
        return f"与已有交办单 {self.need_id} 重复：{what}，未重复导入 (duplicate; not imported)"

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "need_id": self.need_id,
            "by": self.by,
            "earlier_row": self.earlier_row,
            "message": self.message,
        }


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def duplicate_key(need: Need) -> DuplicateKey:
    """What makes two orders the same one.

    >>> from datetime import date
    >>> n = Need(id="n1", title=" 路灯 不亮 ", category="repair", community_id="c01",
    ...          quarter="2026Q4", due=date(2026, 12, 1))
    >>> duplicate_key(n)
    ('same', '路灯 不亮', 'c01', '', '2026-12-01')
    >>> duplicate_key(n.model_copy(update={"source_no": "HX 2026-01"}))
    ('source_no', 'hx 2026-01')
    """
    if need.source_no and need.source_no.strip():
        return ("source_no", _norm(need.source_no))
    due = need.due.isoformat() if need.due else ""
    return ("same", _norm(need.title), need.community_id, need.grid_id or "", due)


def derived_id(key: DuplicateKey) -> str:
    """The id a new row without one gets: the same for the same key (see the module doc).

    >>> derived_id(("source_no", "hx1")) == derived_id(("source_no", "hx1"))
    True
    """
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()
    return f"n-{digest[:12]}"


def _stored_keys(store: GraphStore, needs: Iterable[Need]) -> dict[DuplicateKey, str]:
    """The keys of the stored orders the rows could repeat → their ids.

    Orders of the rows' communities (title keys), and for source numbers the orders a
    keyword search on each finds (the store does the searching).
    """
    rows = list(needs)
    keys: dict[DuplicateKey, str] = {}
    for community in sorted({n.community_id for n in rows}):
        stored, _ = store.find(Need, ListQuery(filters={"community_id": community}), limit=None)
        for n in stored:
            keys.setdefault(duplicate_key(n), n.id)
    wanted = sorted({_norm(n.source_no) for n in rows if n.source_no and n.source_no.strip()})
    for source_no in wanted:
        if ("source_no", source_no) in keys:
            continue
        found, _ = store.find(Need, ListQuery(q=source_no), limit=None)
        for n in found:
            if n.source_no and _norm(n.source_no) == source_no:
                keys.setdefault(("source_no", source_no), n.id)
    return keys


def find_duplicates(
    store: GraphStore, good: list[tuple[int, Need]], given_ids: set[int]
) -> tuple[list[tuple[int, Need]], list[Duplicate], set[int]]:
    """Split checked rows into ``(new, duplicates, derived)``.

    ``given_ids`` are the rows whose id came from the file; every other new row gets
    :func:`derived_id` of its key, and ``derived`` names those rows.
    """
    stored = _stored_keys(store, (n for _, n in good))
    seen: dict[DuplicateKey, tuple[int, str]] = {}
    new: list[tuple[int, Need]] = []
    duplicates: list[Duplicate] = []
    derived: set[int] = set()
    for row, need in good:
        key = duplicate_key(need)
        by: Literal["source_no", "same"] = "source_no" if key[0] == "source_no" else "same"
        if key in stored:
            duplicates.append(Duplicate(row, stored[key], by))
            continue
        if key in seen:
            earlier, earlier_id = seen[key]
            duplicates.append(Duplicate(row, earlier_id, by, earlier_row=earlier))
            continue
        if row not in given_ids:
            need = need.model_copy(update={"id": derived_id(key)})
            derived.add(row)
        seen[key] = (row, need.id)
        new.append((row, need))
    return new, duplicates, derived
