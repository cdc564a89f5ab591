"""The ``GraphStore`` contract: the only way the rest of the code touches data.

Two implementations give the same answers (the contract tests check it):
:class:`gongjian.graph.embedded.EmbeddedStore` (SQLite, the default) and
:class:`gongjian.graph.neo4j_store.Neo4jStore`.

Rules every implementation keeps:

* Entities are validated pydantic models; an entity's reference fields must
  name existing nodes (else :class:`InvalidInputError`, nothing written).
* ``upsert_many`` is atomic per call in the embedded store and per batch in
  Neo4j; it is idempotent (same rows twice → same graph).
* ``delete`` refuses (:class:`ConflictError`) while other nodes reference the
  node, so nothing is left dangling.
* ``claim_need`` is atomic: of many concurrent claims of one open need exactly
  one succeeds, the others get :class:`ConflictError`.
* Nothing user-supplied is ever pasted into a query string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import networkx as nx

from gongjian.graph.model import (
    Assignment,
    Entity,
    Need,
    NeedStatus,
    Network,
    Pairing,
    Resource,
    Snapshot,
)

__all__ = ["LIST_FILTERS", "REL_TYPES", "GraphStore"]

E = TypeVar("E", bound=Entity)

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
    "Community": frozenset({"subdistrict_id"}),
    "Grid": frozenset({"community_id"}),
    "Unit": frozenset({"community_id", "type"}),
    "Resource": frozenset({"unit_id", "kind"}),
    "Need": frozenset(
        {"community_id", "grid_id", "category", "status", "quarter", "claimed_by", "whistle"}
    ),
    "Activity": frozenset({"community_id", "joint_type", "quarter"}),
    "PartyMember": frozenset({"unit_id", "community_id"}),
}


@runtime_checkable
class GraphStore(Protocol):
    """Storage of the joint-building graph."""

    # -- life cycle ---------------------------------------------------------------
    def migrate(self) -> None:
        """Create constraints / indexes / tables; idempotent, called at start-up."""
        ...

    def close(self) -> None: ...

    def clear(self) -> None:
        """Delete every node and relationship (tests, ``seed load --replace``)."""
        ...

    # -- entities -----------------------------------------------------------------
    def upsert(self, entity: Entity) -> Entity:
        """Create or replace one entity (and its owned relationships)."""
        ...

    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """Create or replace many entities of any labels; returns how many were written."""
        ...

    def get(self, kind: type[E], node_id: str) -> E:
        """The entity, or :class:`NotFoundError`."""
        ...

    def list(
        self,
        kind: type[E],
        *,
        filters: dict[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> list[E]:
        """Entities of a label ordered by id; ``filters`` keys from :data:`LIST_FILTERS`."""
        ...

    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int: ...

    def delete(self, kind: type[Entity], node_id: str) -> None:
        """Delete a node; :class:`ConflictError` while others reference it."""
        ...

    def modify(self, kind: type[E], node_id: str, change: Callable[[E], E]) -> E:
        """Atomic read-modify-write of one node.

        ``change`` gets the stored entity, read under the node's write lock, and
        returns the new version (same class and id); it may be called more than once
        (a retried transaction), so it must not have side effects. The result is
        validated again and written with its relationships; NotFound if absent.
        """
        ...

    def replace_resources(
        self, unit_id: str, resources: Sequence[Resource], *, if_match: str | None = None
    ) -> str:
        """Replace a unit's whole declared resource set atomically; returns the new ETag.

        With ``if_match`` (an ETag from :func:`gongjian.graph.model.resources_etag`),
        :class:`PreconditionFailedError` unless the stored set still has that ETag.
        A resource id that belongs to another unit is a :class:`ConflictError`.
        """
        ...

    # -- relationships not owned by one entity -------------------------------------
    def set_adjacent(self, community_a: str, community_b: str) -> None:
        """``(:Community)-[:ADJACENT_TO]-(:Community)``, undirected, idempotent."""
        ...

    def set_adjacent_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Bulk :meth:`set_adjacent` (one transaction); every id must exist."""
        ...

    def remove_adjacent(self, community_a: str, community_b: str) -> None: ...

    def adjacency(self) -> list[tuple[str, str]]:
        """Every adjacent pair once, as ``(smaller id, larger id)``, sorted."""
        ...

    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        """``(:Unit)-[:PAIRED_WITH]->(:Community)`` (结对), idempotent."""
        ...

    def remove_pairing(self, pairing: Pairing) -> None: ...

    def pairings(
        self, *, unit_id: str | None = None, community_id: str | None = None
    ) -> list[Pairing]: ...

    def add_assignments(self, assignments: Sequence[Assignment]) -> int:
        """``(:Unit)-[:ASSIGNED {plan, role}]->(:Activity)``, idempotent per (unit, activity, plan)."""
        ...

    def remove_assignments(self, plan_id: str) -> int:
        """Delete every assignment of one plan (a superseded plan); returns how many."""
        ...

    def assignments(
        self, *, activity_id: str | None = None, unit_id: str | None = None
    ) -> list[Assignment]: ...

    # -- work orders ----------------------------------------------------------------
    def claim_need(self, need_id: str, unit_id: str) -> Need:
        """Atomically move an open need to ``claimed`` by ``unit_id`` (接单).

        :class:`ConflictError` if it is not open (someone else won), NotFound for
        unknown need or unit.
        """
        ...

    def transition_need(
        self,
        need_id: str,
        target: NeedStatus,
        *,
        unit_id: str | None = None,
        satisfaction: int | None = None,
    ) -> Need:
        """Move a need along its life cycle (see ``NEED_TRANSITIONS``), atomically.

        ``unit_id``, when given, must be the claiming unit. ``satisfaction`` (1–5)
        is required for ``followed_up``. Illegal moves raise :class:`ConflictError`.
        """
        ...

    # -- reads for the planner and the network views --------------------------------
    def snapshot(self, quarter: str) -> Snapshot:
        """Everything the planner needs for ``quarter`` (see :class:`Snapshot`)."""
        ...

    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        """The cooperation network within ``hops`` of a Unit or Community."""
        ...

    def stats(self) -> dict[str, int]:
        """Counts of nodes per label and relationships per type (keys are label / type)."""
        ...

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph; node keys ``"<label>:<id>"`` with ``label`` and properties."""
        ...
