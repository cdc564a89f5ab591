"""The suitability table (适配表): which resource kinds, from which unit types, meet a need.

Need categories (:class:`~gongjian.graph.vocab.NeedCategory`) and resource kinds
(:class:`~gongjian.graph.vocab.ResourceKind`) are two vocabularies. A row of the
table says how well a unit of a given type offering a given kind meets a need of a
given category, from 0 (never) to 100 (the obvious choice). ``unit_type`` None
(written ``*`` in the CSV) is the row for every type without a row of its own.

A unit is eligible for a need when, for one of the kinds it offers, the table
gives a row with suitability above 0; the best such row is the one used. A
category without any row has no eligible unit (the plan says so).

The committee edits the table as a CSV (``seeds/suitability.csv`` ships the
default); :meth:`SuitabilityTable.from_rows` refuses unknown categories, kinds
and unit types with a message that names the row and the allowed values.

>>> t = SuitabilityTable.from_rows([
...     {"need_category": "fire_hazard", "resource_kind": "fire_safety",
...      "unit_type": "property_company", "suitability": "100"},
...     {"need_category": "fire_hazard", "resource_kind": "fire_safety",
...      "unit_type": "*", "suitability": "20"},
... ])
>>> t.lookup("fire_hazard", "fire_safety", "property_company"), t.lookup(
...     "fire_hazard", "fire_safety", "school")
(100, 20)
>>> t.lookup("fire_hazard", "repair", "school") is None
True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from gongjian.core.errors import InvalidInputError
from gongjian.graph.vocab import NeedCategory, ResourceKind, UnitType

__all__ = [
    "ANY_TYPE",
    "SUITABILITY_COLUMNS",
    "SUITABILITY_DOCUMENT",
    "SuitabilityRow",
    "SuitabilityTable",
    "stored_suitability",
]

#: how "every unit type" is written in the CSV
ANY_TYPE = "*"
SUITABILITY_COLUMNS = ("need_category", "resource_kind", "unit_type", "suitability")
#: the name the table is stored under in the graph store (``GraphStore.put_document``)
SUITABILITY_DOCUMENT = "suitability"


class SuitabilityRow(BaseModel):
    """How well ``unit_type`` units offering ``resource_kind`` meet ``need_category`` (0–100)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    need_category: NeedCategory
    resource_kind: ResourceKind
    unit_type: UnitType | None = Field(default=None, description="None = any type (*)")
    suitability: int = Field(ge=0, le=100)


def _allowed(enum: Iterable[Any]) -> str:
    return ", ".join(f"{e.value}（{e.label_zh}）" for e in enum)


def _parse_row(number: int, data: Mapping[str, Any]) -> SuitabilityRow:
    where = f"适配表第 {number} 行 (suitability row {number})"
    unknown = set(data) - set(SUITABILITY_COLUMNS)
    if unknown:
        raise InvalidInputError(f"{where}: 未知列 (unknown columns) {sorted(unknown)}")
    checks = (
        ("need_category", NeedCategory, "需求类别 (need category)"),
        ("resource_kind", ResourceKind, "资源类别 (resource kind)"),
    )
    for field, enum, name in checks:
        value = str(data.get(field) or "").strip()
        try:
            enum(value)
        except ValueError:
            raise InvalidInputError(
                f"{where}: 未知{name} '{value}'; 可选 (allowed): {_allowed(enum)}",
                [{"field": field, "message": f"unknown value {value!r}"}],
            ) from None
    unit_type = str(data.get("unit_type") or ANY_TYPE).strip()
    if unit_type != ANY_TYPE:
        try:
            UnitType(unit_type)
        except ValueError:
            raise InvalidInputError(
                f"{where}: 未知单位类型 (unknown unit type) '{unit_type}'; "
                f"可选 (allowed): {ANY_TYPE}, {_allowed(UnitType)}",
                [{"field": "unit_type", "message": f"unknown value {unit_type!r}"}],
            ) from None
    raw = str(data.get("suitability") or "").strip()
    try:
        score = int(raw)
    except ValueError:
        score = -1
    if not 0 <= score <= 100:
        raise InvalidInputError(
            f"{where}: 适配度应为 0–100 的整数 (suitability must be an integer 0–100), 得到 '{raw}'",
            [{"field": "suitability", "message": "0–100"}],
        )
    return SuitabilityRow(
        need_category=str(data["need_category"]).strip(),
        resource_kind=str(data["resource_kind"]).strip(),
        unit_type=None if unit_type == ANY_TYPE else unit_type,
        suitability=score,
    )


class SuitabilityTable(BaseModel):
    """The rows of the table, with a lookup index (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    rows: list[SuitabilityRow]
    _index: dict[str, dict[str, dict[str | None, int]]] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], *, first_row: int = 2) -> Self:
        """Validate raw rows (CSV cells); row numbers count from ``first_row`` (header = 1)."""
        parsed: list[SuitabilityRow] = []
        seen: dict[tuple[str, str, str | None], int] = {}
        for number, data in enumerate(rows, start=first_row):
            row = _parse_row(number, data)
            key = (row.need_category.value, row.resource_kind.value, _type(row.unit_type))
            if key in seen:
                raise InvalidInputError(
                    f"适配表第 {number} 行与第 {seen[key]} 行重复 "
                    f"(suitability row {number} repeats row {seen[key]}): {key}"
                )
            seen[key] = number
            parsed.append(row)
        return cls(rows=parsed)

    def model_post_init(self, _context: Any) -> None:
        index: dict[str, dict[str, dict[str | None, int]]] = {}
        for r in self.rows:
            by_kind = index.setdefault(r.need_category.value, {})
            by_kind.setdefault(r.resource_kind.value, {})[_type(r.unit_type)] = r.suitability
        self._index = index

    def kinds_for(self, category: str) -> dict[str, dict[str | None, int]]:
        """``resource kind → {unit type or None: suitability}`` for one need category."""
        return self._index.get(str(category), {})

    def lookup(self, category: str, kind: str, unit_type: str) -> int | None:
        """Suitability of a ``unit_type`` unit offering ``kind`` for ``category`` (None: no row)."""
        by_type = self._index.get(str(category), {}).get(str(kind))
        if by_type is None:
            return None
        value = by_type.get(str(unit_type))
        return by_type.get(None) if value is None else value

    def missing_categories(self) -> list[str]:
        """Need categories without a single row (their needs can have no eligible unit)."""
        return [c.value for c in NeedCategory if c.value not in self._index]

    def to_document(self) -> str:
        """The stored form (JSON, rows as CSV cells), read back by :func:`stored_suitability`."""
        return json.dumps({"rows": self.as_rows()}, ensure_ascii=False, separators=(",", ":"))

    def as_rows(self) -> list[dict[str, str]]:
        """The rows as CSV cells (the inverse of :meth:`from_rows`)."""
        return [
            {
                "need_category": r.need_category.value,
                "resource_kind": r.resource_kind.value,
                "unit_type": _type(r.unit_type) or ANY_TYPE,
                "suitability": str(r.suitability),
            }
            for r in self.rows
        ]


def _type(unit_type: UnitType | None) -> str | None:
    return None if unit_type is None else unit_type.value


def stored_suitability(store: Any) -> tuple[SuitabilityTable, int]:
    """The table the committee keeps in ``store`` and its version; the shipped default
    (``seeds/suitability.csv``) with version 0 when none is stored.

    A stored table no longer valid (a vocabulary value since removed) is refused with
    the row named, so the committee can fix it (``PUT /suitability``).
    """
    document = store.get_document(SUITABILITY_DOCUMENT)
    if document is None:
        from gongjian.seeds.suitability import default_suitability

        return default_suitability(), 0
    return SuitabilityTable.from_rows(json.loads(document.body)["rows"]), document.version
