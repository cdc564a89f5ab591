"""A seed network held in memory, and how to write it into a store.

A :class:`SeedNetwork` is the whole joint-building graph as plain model
objects: the entities (in dependency order, so every reference points at an
entity written before it), community adjacency, pairings (结对) and the
activity assignments of past quarters (history). :func:`load_network` writes
it through the public :class:`~gongjian.graph.store.GraphStore` API only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gongjian.graph import model as gm
from gongjian.graph.base import chunks
from gongjian.graph.model import (
    ENTITY_TYPES,
    Activity,
    Community,
    Entity,
    NeedStatus,
    Snapshot,
    Unit,
    parse_quarter,
)
from gongjian.seeds.suitability import seed_suitability

__all__ = ["HISTORY_PLAN_ID", "SeedNetwork", "load_network"]

#: ``plan_id`` of assignments that record past participation
HISTORY_PLAN_ID = "history"

_ORDER = {t.LABEL: i for i, t in enumerate(ENTITY_TYPES)}


@dataclass
class SeedNetwork:
    """A complete network to load: entities plus the relationships no entity owns."""

    #: every entity, in dependency order (the order of ``ENTITY_TYPES``)
    entities: list[Entity]
    #: community id pairs (相邻社区), each pair once
    adjacency: list[tuple[str, str]] = field(default_factory=list)
    #: unit–community pairings (结对)
    pairings: list[gm.Pairing] = field(default_factory=list)
    #: past activity participation, ``plan_id == "history"``
    assignments: list[gm.Assignment] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Number of entities per label (every label, zeros included) and of relationships."""
        out = {t.LABEL: 0 for t in ENTITY_TYPES}
        for entity in self.entities:
            out[entity.LABEL] += 1
        out["adjacency"] = len(self.adjacency)
        out["pairings"] = len(self.pairings)
        out["assignments"] = len(self.assignments)
        return out

    def of_type(self, kind: type[Entity]) -> list[Any]:
        """The entities of one class, in network order."""
        return [e for e in self.entities if type(e) is kind]

    def by_id(self) -> dict[tuple[str, str], Entity]:
        """Entities keyed by ``(label, id)``."""
        return {(e.LABEL, e.id): e for e in self.entities}

    def snapshot(self, quarter: str) -> Snapshot:
        """What :meth:`GraphStore.snapshot` would read for ``quarter`` after :func:`load_network`.

        Without a store, so benchmarks and examples compile exactly what production
        compiles (a test checks it against the embedded store's snapshot).
        """
        quarter = parse_quarter(quarter)
        needs: list[gm.Need] = self.of_type(gm.Need)
        activities: list[Activity] = self.of_type(Activity)
        history: dict[tuple[str, str], int] = defaultdict(int)
        for n in needs:
            if n.quarter < quarter and n.claimed_by is not None:
                history[(n.claimed_by, n.community_id)] += 1
        earlier = {a.id: a.community_id for a in activities if a.quarter < quarter}
        served = {(s.unit_id, s.activity_id) for s in self.assignments if s.activity_id in earlier}
        for unit_id, activity_id in served:
            history[(unit_id, earlier[activity_id])] += 1
        followups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for n in needs:
            if n.quarter < quarter and n.claimed_by is not None and n.satisfaction is not None:
                cell = followups[(n.claimed_by, n.category.value)]
                cell[0] += 1
                cell[1] += n.satisfaction
        return Snapshot(
            quarter=quarter,
            communities=self.of_type(Community),
            adjacency=list(self.adjacency),
            units=self.of_type(Unit),
            resources=[r for r in self.of_type(gm.Resource) if r.available_in(quarter)],
            needs=[n for n in needs if n.quarter == quarter and n.status == NeedStatus.open],
            activities=[a for a in activities if a.quarter == quarter],
            pairings=list(self.pairings),
            history=sorted((u, c, n) for (u, c), n in history.items() if n > 0),
            carried=[n for n in needs if n.quarter < quarter and n.status == NeedStatus.open],
            followups=sorted((u, c, k, s) for (u, c), (k, s) in followups.items()),
        )

    def dangling_references(self) -> list[str]:
        """Descriptions of every reference that does not resolve (empty when consistent).

        Checks entity reference fields, adjacency, pairings and assignments.
        """
        ids: dict[str, set[str]] = {t.LABEL: set() for t in ENTITY_TYPES}
        for e in self.entities:
            ids[e.LABEL].add(e.id)
        problems: list[str] = []
        for e in self.entities:
            for ref, target in e.ref_targets():
                if target not in ids[ref.target]:
                    problems.append(f"{e.LABEL} {e.id}.{ref.field} → {ref.target} {target}")
            claimed_by = getattr(e, "claimed_by", None)
            if claimed_by is not None and claimed_by not in ids["Unit"]:
                problems.append(f"{e.LABEL} {e.id}.claimed_by → Unit {claimed_by}")
        for a, b in self.adjacency:
            for c in (a, b):
                if c not in ids["Community"]:
                    problems.append(f"adjacency ({a}, {b}) → Community {c}")
        for p in self.pairings:
            if p.unit_id not in ids["Unit"]:
                problems.append(f"pairing → Unit {p.unit_id}")
            if p.community_id not in ids["Community"]:
                problems.append(f"pairing → Community {p.community_id}")
        for s in self.assignments:
            if s.unit_id not in ids["Unit"]:
                problems.append(f"assignment → Unit {s.unit_id}")
            if s.activity_id not in ids["Activity"]:
                problems.append(f"assignment → Activity {s.activity_id}")
        return problems


def load_network(
    store: Any,
    network: SeedNetwork,
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> dict[str, int]:
    """Write ``network`` into ``store`` (a :class:`~gongjian.graph.store.GraphStore`).

    Entities go first, in chunks of ``batch_size`` and in dependency order, through
    ``store.upsert_many``; ``progress(n)`` is called after each chunk with ``n`` the
    number of entities written so far (cumulative, ending at ``len(network.entities)``).
    Then adjacency (``set_adjacent_many`` when the store has it, else ``set_adjacent``
    per pair), pairings and assignments.

    Returns the counts written: entities per label, plus ``adjacency``, ``pairings``
    and ``assignments`` (as reported by the store where it reports them).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    entities = sorted(network.entities, key=lambda e: _ORDER[e.LABEL])  # stable
    counts = {t.LABEL: 0 for t in ENTITY_TYPES}
    written = 0
    for chunk in chunks(entities, batch_size):
        store.upsert_many(chunk, batch_size=batch_size)
        for e in chunk:
            counts[e.LABEL] += 1
        written += len(chunk)
        if progress is not None:
            progress(written)

    bulk_adjacent = getattr(store, "set_adjacent_many", None)
    if network.adjacency and callable(bulk_adjacent):
        result = bulk_adjacent(list(network.adjacency))
        counts["adjacency"] = result if isinstance(result, int) else len(network.adjacency)
    else:
        for a, b in network.adjacency:
            store.set_adjacent(a, b)
        counts["adjacency"] = len(network.adjacency)

    counts["pairings"] = 0
    if network.pairings:
        counts["pairings"] = _count(store.add_pairings(list(network.pairings)), network.pairings)
    seed_suitability(store)  # the shipped 适配表, unless the committee keeps its own
    counts["assignments"] = 0
    if network.assignments:
        counts["assignments"] = _count(
            store.add_assignments(list(network.assignments)), network.assignments
        )
    return counts


def _count(result: object, items: Sequence[object]) -> int:
    return result if isinstance(result, int) else len(items)
