"""Reads narrowed to one sub-district (issue 17): what a scoped caller's lists, metrics,
exports and network routes read.

:func:`scoped_store` is the FastAPI dependency those routes take in place of the plain
store: for the city role without ``?subdistrict=`` it is the store itself; otherwise a
:class:`ScopedStore` whose reads see one sub-district only — its communities, grids,
units, needs and activities (their ``subdistrict``), the resources and party members of
its units and communities, the pairings and assignments of its units and activities,
and the steps of its needs. A committee, community, unit or viewer user is always
narrowed to their own sub-district; asking for another (``?subdistrict=YB``) reads
nothing rather than someone else's data. A store that holds one sub-district only is
read as it is (nothing to narrow). Snapshots keep the border units that serve
the sub-district (:func:`gongjian.graph.base.scope_snapshot`).

The wrapper reads, it never writes: writes check the scope themselves
(:func:`gongjian.service.auth.permissions.require_subdistrict`).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, TypeVar

import networkx as nx
from fastapi import Depends, Query

from gongjian.core.errors import NotFoundError
from gongjian.graph.listing import ListQuery
from gongjian.graph.model import (
    Activity,
    Assignment,
    Community,
    Need,
    Network,
    Pairing,
    Snapshot,
    Unit,
)
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User
from gongjian.service.deps import CurrentUser, Store, read_inline

__all__ = [
    "NOWHERE",
    "ScopedReads",
    "ScopedStore",
    "effective_scope",
    "scoped_store",
    "unscoped",
]

E = TypeVar("E")

#: the scope of a caller asking for another sub-district than theirs: matches nothing
NOWHERE = "-"


def effective_scope(user: User, requested: str | None = None) -> str | None:
    """The sub-district ``user`` reads: their own (``NOWHERE`` when they ask for another
    one), the requested one for the city role, None (everything) for the city without one.

    >>> from gongjian.service.auth.schemas import UserRole
    >>> c = User(id="u", name="委员会", role=UserRole.committee, subdistrict="XC")
    >>> effective_scope(c), effective_scope(c, "XC"), effective_scope(c, "YB")
    ('XC', 'XC', '-')
    >>> city = User(id="c", name="区", role=UserRole.city)
    >>> effective_scope(city), effective_scope(city, "YB")
    (None, 'YB')
    """
    own = user.subdistrict
    if own is None:
        return requested or None
    return own if requested in (None, "", own) else NOWHERE


def _has_subdistrict(kind: type[Any]) -> bool:
    return "subdistrict" in getattr(kind, "model_fields", {})


class ScopedStore:
    """A store whose reads see the sub-district ``code`` only (everything else passes
    through to the store: its data version, vocabularies, …)."""

    def __init__(self, store: GraphStore, code: str) -> None:
        self.store = store
        self.code = code

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    # -- the sub-district's own ids ---------------------------------------------------
    def ids(self, kind: type[Any]) -> frozenset[str]:
        """The ids of the sub-district's entities of ``kind`` (Community, Unit, Need,
        Activity), read once per request and kind."""
        cache: dict[type[Any], frozenset[str]] = self.__dict__.setdefault("_ids", {})
        if kind not in cache:
            items = self.store.list(kind, filters={"subdistrict": self.code}, limit=None)
            cache[kind] = frozenset(e.id for e in items)
        return cache[kind]

    def owns(self, entity: Any) -> bool:
        """Whether ``entity`` belongs to the sub-district (by its own code, else by its
        unit's or community's)."""
        if _has_subdistrict(type(entity)):
            return bool(entity.subdistrict == self.code)
        unit_id = getattr(entity, "unit_id", None)
        if unit_id is not None and unit_id in self.ids(Unit):
            return True
        community_id = getattr(entity, "community_id", None)
        return community_id is not None and community_id in self.ids(Community)

    # -- the reads ------------------------------------------------------------------
    def list(
        self,
        kind: type[E],
        *,
        filters: dict[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> list[E]:
        if _has_subdistrict(kind):
            narrowed = {**(filters or {}), "subdistrict": self.code}
            return self.store.list(kind, filters=narrowed, offset=offset, limit=limit)
        items = [e for e in self.store.list(kind, filters=filters, limit=None) if self.owns(e)]
        return items[offset:] if limit is None else items[offset : offset + limit]

    def find(
        self, kind: type[E], query: ListQuery, *, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[E], int]:
        """One page of ``kind`` in the sub-district (kinds with a ``subdistrict``; the
        others' lists go through :meth:`list`)."""
        if _has_subdistrict(kind):
            query = dataclasses.replace(query, filters={**query.filters, "subdistrict": self.code})
        return self.store.find(kind, query, offset=offset, limit=limit)

    def get(self, kind: type[E], node_id: str) -> E:
        item = self.store.get(kind, node_id)
        if not self.owns(item):
            raise NotFoundError(getattr(kind, "LABEL", kind.__name__), node_id)
        return item

    def need_timeline(self, need_id: str) -> list[Any]:
        self.get(Need, need_id)  # another sub-district's order: 404
        return self.store.need_timeline(need_id)  # type: ignore[no-any-return]

    def snapshot(self, quarter: str, subdistrict: str | None = None) -> Snapshot:
        return self.store.snapshot(quarter, subdistrict=self.code)

    def assignments(
        self, *, activity_id: str | None = None, unit_id: str | None = None
    ) -> list[Assignment]:
        rows = self.store.assignments(activity_id=activity_id, unit_id=unit_id)
        return [a for a in rows if a.activity_id in self.ids(Activity)]

    def pairings(
        self, *, unit_id: str | None = None, community_id: str | None = None
    ) -> list[Pairing]:
        rows = self.store.pairings(unit_id=unit_id, community_id=community_id)
        return [p for p in rows if p.unit_id in self.ids(Unit)]

    def desk_steps(self, actions: Any) -> list[Any]:
        return [s for s in self.store.desk_steps(actions) if s.need_id in self.ids(Need)]

    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        kinds = {"Unit": Unit, "Community": Community}
        if label in kinds:
            self.get(kinds[label], node_id)  # another sub-district's: 404
        net = self.store.cooperation_network(label, node_id, hops)
        kept = [n for n in net.nodes if n.id in self.ids(kinds.get(n.label, Need))]
        keys = {n.key for n in kept}
        edges = [e for e in net.edges if e.source in keys and e.target in keys]
        return net.model_copy(update={"nodes": kept, "edges": edges})

    def to_networkx(self) -> nx.MultiDiGraph:
        """The sub-district's part of the graph: the nodes of its code, and the nodes
        without a code (resources, members, vocabularies, …) unless every coded node
        they link to is another sub-district's."""
        g = self.store.to_networkx()

        def kept(n: Any) -> bool:
            code = g.nodes[n].get("subdistrict")
            if code is not None:
                return bool(code == self.code)
            near = [g.nodes[m].get("subdistrict") for m in (*g.successors(n), *g.predecessors(n))]
            coded = [c for c in near if c is not None]
            return not coded or self.code in coded

        return g.subgraph([n for n in g.nodes if kept(n)]).copy()


def unscoped(store: GraphStore) -> GraphStore:
    """The whole store behind a narrowed one (for names of border units and the like)."""
    return store.store if isinstance(store, ScopedStore) else store  # type: ignore[return-value]


async def scoped_store(
    user: CurrentUser,
    store: Store,
    subdistrict: Annotated[
        str | None,
        Query(
            max_length=10,
            description="街道代码：区/市角色可按街道筛选，其他角色只看本街道 (sub-district)",
        ),
    ] = None,
) -> GraphStore:
    """The store as ``user`` may read it (see the module's description)."""
    code = effective_scope(user, subdistrict)
    if code is None:
        return store
    codes = await read_inline(store, _codes, store)
    if codes == {code}:  # the store holds this sub-district only: nothing to narrow
        return store
    return ScopedStore(store, code)  # type: ignore[return-value]


def _codes(store: GraphStore) -> set[str]:
    """The store's sub-district codes (cached per data version)."""
    from gongjian.service.metrics.cache import results

    return results.get(store, "scope.subdistricts", lambda: {d.id for d in store.subdistricts()})


#: what a read route narrowed to the caller's sub-district takes as its store
ScopedReads = Annotated[GraphStore, Depends(scoped_store)]
