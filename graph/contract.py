"""The values the store contract names: what ``create_many`` returns, the
relationship types, the list filters.

Their own module because both sides of the contract use them:
:mod:`gongjian.graph.base` (the rules, written once) and
:mod:`gongjian.graph.store` (the :class:`~gongjian.graph.store.GraphStore`
Protocol, declared over those rules), which re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LIST_FILTERS", "REL_TYPES", "CreateResult"]


@dataclass(frozen=True)
class CreateResult:
    """What ``create_many`` wrote: how many rows, and which were skipped as existing.

    ``skipped`` holds ``{"index", "label", "id"}`` per skipped row (``index`` into
    the given entities), the same shape as the ``rows`` of the conflict error, so an
    import reports either per row.
    """

    created: int
    skipped: list[dict[str, Any]] = field(default_factory=list)


#: every relationship type the graph uses (``stats`` reports each, 0 included)
REL_TYPES: tuple[str, ...] = (
    "PART_OF",
    "LOCATED_IN",
    "OFFERS",
    "RAISED_IN",
    "HOSTED_IN",
    "WORKS_AT",
    "REGISTERED_IN",
    "CLAIMED",
    "ADJACENT_TO",
    "PAIRED_WITH",
    "ASSIGNED",
)

#: filters accepted by ``GraphStore.list`` per label (field names of the entity)
LIST_FILTERS: dict[str, frozenset[str]] = {
    "Subdistrict": frozenset(),
    "Community": frozenset({"subdistrict_id", "subdistrict"}),
    "Grid": frozenset({"community_id", "subdistrict"}),
    "Unit": frozenset({"community_id", "type", "subdistrict"}),
    "Resource": frozenset({"unit_id", "kind"}),
    "Need": frozenset(
        {
            "community_id",
            "grid_id",
            "category",
            "status",
            "quarter",
            "claimed_by",
            "whistle",
            "subdistrict",
        }
    ),
    "Activity": frozenset({"community_id", "joint_type", "quarter", "subdistrict"}),
    "PartyMember": frozenset({"unit_id", "community_id"}),
}
