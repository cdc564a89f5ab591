"""The ``GraphStore`` contract: the only way the rest of the code touches data.

Two implementations give the same answers (the contract tests check it):
:class:`gongjian.graph.embedded.EmbeddedStore` (SQLite, the default) and
:class:`gongjian.graph.neo4j_store.Neo4jStore`.

The rules are written once, in :class:`~gongjian.graph.base.StoreBase`;
:class:`GraphStore` extends it with the methods each store provides itself, and
both stores extend :class:`GraphStore`.

Rules every implementation keeps:

* Entities are validated pydantic models; an entity's reference fields must
  name existing nodes (else :class:`InvalidInputError`, nothing written).
* ``create`` / ``create_many`` are create-only: an id that exists already (or is
  given twice) is a :class:`ConflictError` naming it (``create_many``: every one,
  as ``rows`` of ``{index, label, id}``), and nothing is written — one
  transaction, all or nothing, unless ``skip_existing`` asks for the new rows only
  (the first of duplicates kept; the others in :attr:`CreateResult.skipped`).
  References must name stored nodes or nodes of the same call. This is what the
  service writes with.
* ``upsert`` / ``upsert_many`` OVERWRITE whatever is stored under the id; they
  are for the seed loaders and ``seed load`` only, never for user requests. A
  need without an order number keeps the stored one or gets the next one
  (:mod:`gongjian.graph.desk`), in the same transaction.
* A need's order number is given in its create's transaction from a counter per
  sub-district code and year, unique on both stores; every step of the desk
  (``step_need``, ``claim_need``, ``transition_need``, a ``modify`` with ``step``)
  appends to its timeline in the step's own transaction (``need_timeline``).
  ``upsert_many`` is atomic per call in the embedded store and per batch in
  Neo4j; it is idempotent (same rows twice → same graph).
* Every entity has a ``version``: 1 when created, +1 on each ``modify``, claim
  and transition. ``modify(..., expected_version=v)`` is compare-and-set: a
  stale ``v`` is :class:`PreconditionFailedError` (412), checked in the write
  transaction itself. ``modify``'s ``change`` gets the stored entity, read under
  the node's write lock, and returns the new one (same class and id); it may run
  more than once (a retried transaction), so it must not have side effects.
* ``replace_resources`` replaces a unit's whole declared set atomically and
  returns its new ETag; with ``if_match`` (an ETag from
  :func:`gongjian.graph.model.resources_etag`) a changed set is a
  :class:`PreconditionFailedError`, and a resource id of another unit a
  :class:`ConflictError`.
* A need's status, claim, satisfaction and life-cycle time stamps change only
  through ``claim_need`` / ``transition_need``; ``modify`` refuses such a change
  (:class:`ConflictError`), and ``delete`` refuses a need that has a history.
* ``delete`` refuses (:class:`ConflictError`) while other nodes reference the
  node, so nothing is left dangling.
* ``claim_need`` is atomic: of many concurrent claims of one open need exactly
  one succeeds, the others get :class:`ConflictError`. Unless ``override`` (the
  committee, recorded by the caller) it is also a :class:`ConflictError` when the
  unit declares no resource of the need's category in its quarter
  (``reason="category"``) or when its unfinished claimed effort that quarter plus
  the need's effort exceeds its capacity (``reason="capacity"``, with
  ``remaining`` and ``effort``) — all checked in the claim's transaction.
* ``transition_need`` follows ``NEED_TRANSITIONS``; ``unit_id``, when given, must
  be the claiming unit, and ``followed_up`` needs a ``satisfaction`` (1–5).
* Nothing user-supplied is ever pasted into a query string.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import networkx as nx

from gongjian.graph.base import StoreBase, StoredDocument
from gongjian.graph.contract import LIST_FILTERS, REL_TYPES, CreateResult
from gongjian.graph.listing import ListQuery
from gongjian.graph.model import Assignment, Entity, Pairing, PointEntry, Snapshot

__all__ = ["LIST_FILTERS", "REL_TYPES", "CreateResult", "GraphStore"]


Tx = TypeVar("Tx")
E = TypeVar("E", bound=Entity)


class GraphStore(StoreBase[Tx]):
    """Storage of the joint-building graph.

    The methods that carry the contract's rules are :class:`StoreBase`'s, written
    once over a store's transaction primitives; the abstract methods below are the
    ones each store provides itself.
    """

    # -- life cycle ---------------------------------------------------------------
    @abstractmethod
    def migrate(self) -> None:
        """Create constraints / indexes / tables; idempotent, called at start-up."""
        ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (tests, ``seed load --replace``)."""
        ...

    # -- loading and counting ---------------------------------------------------------
    @abstractmethod
    def upsert(self, entity: Entity) -> Entity:
        """Create or OVERWRITE one entity — loading only (seeds), never user writes."""
        ...

    @abstractmethod
    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """Create or OVERWRITE many entities (stored as given, ``version`` included).

        For the seed loaders and ``seed load`` only: a concurrent user write is
        silently replaced. User writes go through ``create_many`` / ``modify``.
        """
        ...

    @abstractmethod
    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int: ...

    @abstractmethod
    def find(
        self, kind: type[E], query: ListQuery, *, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[E], int]:
        """One page of ``kind`` matching ``query`` (filters, keyword, sort; see
        :mod:`gongjian.graph.listing`) and the total matching, computed in the store."""
        ...

    # -- relationships not owned by one entity -------------------------------------
    @abstractmethod
    def set_adjacent(self, community_a: str, community_b: str) -> None:
        """``(:Community)-[:ADJACENT_TO]-(:Community)``, undirected, idempotent."""
        ...

    @abstractmethod
    def set_adjacent_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Bulk :meth:`set_adjacent` (one transaction); every id must exist."""
        ...

    @abstractmethod
    def remove_adjacent(self, community_a: str, community_b: str) -> None: ...

    @abstractmethod
    def adjacency(self) -> list[tuple[str, str]]:
        """Every adjacent pair once, as ``(smaller id, larger id)``, sorted."""
        ...

    @abstractmethod
    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        """``(:Unit)-[:PAIRED_WITH]->(:Community)`` (结对), idempotent."""
        ...

    @abstractmethod
    def remove_pairing(self, pairing: Pairing) -> None: ...

    @abstractmethod
    def pairings(
        self, *, unit_id: str | None = None, community_id: str | None = None
    ) -> list[Pairing]: ...

    @abstractmethod
    def add_assignments(self, assignments: Sequence[Assignment]) -> int:
        """``(:Unit)-[:ASSIGNED {plan, role}]->(:Activity)``, idempotent per (unit, activity, plan)."""
        ...

    @abstractmethod
    def remove_assignments(self, plan_id: str) -> int:
        """Delete every assignment of one plan (a superseded plan); returns how many."""
        ...

    @abstractmethod
    def assignments(
        self, *, activity_id: str | None = None, unit_id: str | None = None
    ) -> list[Assignment]: ...

    # -- reads for the planner and the network views --------------------------------
    # -- party members' points and settings documents ----------------------------------
    @abstractmethod
    def point_entries(
        self, member_id: str, *, offset: int = 0, limit: int | None = 100
    ) -> list[PointEntry]:
        """A member's point entries, newest first (``seq`` descending); [] when none."""
        ...

    @abstractmethod
    def get_document(self, name: str) -> StoredDocument | None:
        """The stored document ``name`` (its version and JSON body), None if never stored."""
        ...

    @abstractmethod
    def snapshot(self, quarter: str, subdistrict: str | None = None) -> Snapshot:
        """Everything the planner needs for ``quarter`` (see :class:`Snapshot`); of one
        sub-district when ``subdistrict`` is given (:func:`~gongjian.graph.base.scope_snapshot`)."""
        ...

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counts of nodes per label and relationships per type (keys are label / type)."""
        ...

    @abstractmethod
    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph; node keys ``"<label>:<id>"`` with ``label`` and properties."""
        ...
