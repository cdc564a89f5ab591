"""The ``GraphStore`` contract: the only way the rest of the code touches data.

Two implementations give the same answers (the contract tests check it):
:class:`gongjian.graph.embedded.EmbeddedStore` (SQLite, the default) and
:class:`gongjian.graph.neo4j_store.Neo4jStore`.

Rules every implementation keeps:

* Entities are validated pydantic models; an entity's reference fields must
  name existing nodes (else :class:`InvalidInputError`, nothing written).
* ``create`` / ``create_many`` are create-only: an id that exists already is a
  :class:`ConflictError` naming it (``create_many``: every one, as ``rows`` of
  ``{index, label, id}``), and nothing is written — one transaction, all or
  nothing, unless ``skip_existing`` asks for the new rows only. This is what the
  service writes with.
* ``upsert`` / ``upsert_many`` OVERWRITE whatever is stored under the id; they
  are for the seed loaders and ``seed load`` only, never for user requests.
  ``upsert_many`` is atomic per call in the embedded store and per batch in
  Neo4j; it is idempotent (same rows twice → same graph).
* Every entity has a ``version``: 1 when created, +1 on each ``modify``, claim
  and transition. ``modify(..., expected_version=v)`` is compare-and-set: a
  stale ``v`` is :class:`PreconditionFailedError` (412), checked in the write
  transaction itself.
* A need's status, claim, satisfaction and life-cycle time stamps change only
  through ``claim_need`` / ``transition_need``; ``modify`` refuses such a change
  (:class:`ConflictError`), and ``delete`` refuses a need that has a history.
* ``delete`` refuses (:class:`ConflictError`) while other nodes reference the
  node, so nothing is left dangling.
* ``claim_need`` is atomic: of many concurrent claims of one open need exactly
  one succeeds, the others get :class:`ConflictError`.
* A party member's ``points`` change through ``add_points`` (a recorded entry and
  the new total in one transaction); ``delete`` of a member deletes its entries.
* Nothing user-supplied is ever pasted into a query string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import networkx as nx

if TYPE_CHECKING:  # graph.base imports this module
    from gongjian.graph.base import StoredDocument

from gongjian.graph.model import (
    Assignment,
    Entity,
    Need,
    NeedStatus,
    Network,
    Pairing,
    PartyMember,
    PointEntry,
    Resource,
    Snapshot,
)
from gongjian.graph.outbox import OutboxKind, OutboxRow, OutboxSpec, OutboxStatus

__all__ = ["LIST_FILTERS", "REL_TYPES", "CreateResult", "GraphStore"]

E = TypeVar("E", bound=Entity)


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
    def create(self, entity: Entity) -> Entity:
        """Create one entity (version 1); :class:`ConflictError` naming the id if it exists."""
        ...

    def create_many(
        self, entities: Iterable[Entity], *, skip_existing: bool = False
    ) -> CreateResult:
        """Create many entities of any labels in ONE transaction.

        Without ``skip_existing``: any id already stored (or given twice) is a
        :class:`ConflictError` whose ``rows`` lists every ``{index, label, id}``,
        and nothing is written. With it, those rows are skipped (the first of
        duplicates is kept) and reported in :attr:`CreateResult.skipped`.
        References must name stored nodes or nodes of this call.
        """
        ...

    def upsert(self, entity: Entity) -> Entity:
        """Create or OVERWRITE one entity — loading only (seeds), never user writes."""
        ...

    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """Create or OVERWRITE many entities (stored as given, ``version`` included).

        For the seed loaders and ``seed load`` only: a concurrent user write is
        silently replaced. User writes go through ``create_many`` / ``modify``.
        """
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

    def delete(
        self, kind: type[Entity], node_id: str, *, expected_version: int | None = None
    ) -> None:
        """Delete a node; :class:`ConflictError` while others reference it, or for a
        need with a history (ever claimed: cancel it instead). ``expected_version``
        as for :meth:`modify` (412 when stale)."""
        ...

    def modify(
        self,
        kind: type[E],
        node_id: str,
        change: Callable[[E], E],
        *,
        expected_version: int | None = None,
        outbox: OutboxSpec = None,
    ) -> E:
        """Atomic read-modify-write of one node (compare-and-set with ``expected_version``).

        ``change`` gets the stored entity, read under the node's write lock, and
        returns the new one (same class and id); it may be called more than once
        (a retried transaction), so it must not have side effects. The result is
        validated again and written with its relationships, ``version`` one above
        the stored one; NotFound if absent. With ``expected_version``,
        :class:`PreconditionFailedError` (details: ``version``) unless the stored
        version is that one. A :class:`Need`'s life-cycle fields must come back
        unchanged (:class:`ConflictError` otherwise).
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
    def claim_need(
        self, need_id: str, unit_id: str, *, override: bool = False, outbox: OutboxSpec = None
    ) -> Need:
        """Atomically move an open need to ``claimed`` by ``unit_id`` (接单).

        :class:`ConflictError` if it is not open (someone else won), NotFound for
        unknown need or unit. Unless ``override`` (the committee, recorded by the
        caller), also :class:`ConflictError` when the unit declares no resource of
        the need's category in its quarter (``reason="category"``) or when its
        unfinished claimed effort that quarter plus the need's effort exceeds its
        capacity (``reason="capacity"``, with ``remaining`` and ``effort``) — all
        checked in the claim's transaction.
        """
        ...

    def transition_need(
        self,
        need_id: str,
        target: NeedStatus,
        *,
        unit_id: str | None = None,
        satisfaction: int | None = None,
        outbox: OutboxSpec = None,
    ) -> Need:
        """Move a need along its life cycle (see ``NEED_TRANSITIONS``), atomically.

        ``unit_id``, when given, must be the claiming unit. ``satisfaction`` (1–5)
        is required for ``followed_up``. Illegal moves raise :class:`ConflictError`.
        """
        ...

    # -- party members' points ------------------------------------------------------
    def add_points(
        self,
        member_id: str,
        delta: int,
        *,
        reason: str,
        by: str,
        by_role: str = "",
        check: Callable[[PartyMember], None] | None = None,
    ) -> tuple[PartyMember, PointEntry]:
        """Record a point entry (who, when, why, how many) and change the member's total
        by ``delta`` in ONE transaction, under the member's write lock.

        ``check`` gets the stored member under that lock (a permission check: raise to
        refuse). ``delta`` is a non-zero integer within ``±MAX_POINT_DELTA``
        (:class:`InvalidInputError`); a total outside ``0 … MAX_POINTS`` is
        :class:`ConflictError`; NotFound for an unknown member. Returns the member as
        written (version +1) and the entry.
        """
        ...

    def point_entries(
        self, member_id: str, *, offset: int = 0, limit: int | None = 100
    ) -> list[PointEntry]:
        """A member's point entries, newest first (``seq`` descending); [] when none."""
        ...

    # -- settings documents (the suitability table), versioned ------------------------
    def get_document(self, name: str) -> StoredDocument | None:
        """The stored document ``name`` (its version and JSON body), None if never stored."""
        ...

    def put_document(self, name: str, body: str, *, expected_version: int | None = None) -> int:
        """Store the next version of ``name`` (``expected_version`` checked in the write's
        transaction: :class:`PreconditionFailedError` when stale; 0 = none stored)."""
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

    # -- the notification outbox (gongjian.graph.outbox) ------------------------------
    # ``outbox=`` on modify / claim_need / transition_need inserts rows in the write's
    # own transaction; an existing row id is left alone (idempotent).
    def enqueue(self, rows: Sequence[OutboxRow]) -> int:
        """Insert outbox rows on their own; how many were new."""
        ...

    def outbox_claim(
        self, kind: OutboxKind, *, limit: int = 50, lease_seconds: float = 60.0
    ) -> list[OutboxRow]:
        """Lease up to ``limit`` due rows (status ``sending``, one more attempt)."""
        ...

    def outbox_update(
        self, row_id: str, change: Callable[[OutboxRow], OutboxRow | None]
    ) -> OutboxRow | None:
        """Read-check-write one row under its lock (None: no such row)."""
        ...

    def outbox_expand(self, event: OutboxRow, deliveries: Sequence[OutboxRow]) -> int:
        """Insert an event's deliveries and mark it ``done`` while still held; new rows."""
        ...

    def outbox_list(
        self,
        *,
        kind: OutboxKind | None = None,
        status: OutboxStatus | None = None,
        audience: Sequence[str] | None = None,
        limit: int = 100,
    ) -> list[OutboxRow]:
        """Outbox rows newest first, filtered."""
        ...

    def outbox_get(self, row_id: str) -> OutboxRow | None:
        """One outbox row, or None."""
        ...
