"""What both stores share: the rules, written once over a few primitives per store.

:class:`StoreBase` holds every read-check-write rule of the
:class:`~gongjian.graph.store.GraphStore` contract — the need life cycle (claim,
start, resolve, follow-up, cancel), ``modify``, ``delete``, ``replace_resources``
and the cooperation network — and runs each inside ONE store transaction that
the store opens with :meth:`StoreBase._write_tx`: ``BEGIN IMMEDIATE`` in SQLite,
a managed write transaction in Neo4j. The primitives a store provides work inside
that transaction (``tx`` is a SQLite connection or a Neo4j transaction):

* :meth:`~StoreBase._read_for_update` reads a node after taking its write lock,
  so the status check that follows cannot race another writer (Neo4j locks
  explicitly; SQLite's immediate transaction already holds the database lock);
* :meth:`~StoreBase._write_entities` writes nodes with their owned relationships;
* :meth:`~StoreBase._require`, :meth:`~StoreBase._dependents`,
  :meth:`~StoreBase._delete_node` and the resource and cooperation reads.

The module-level helpers (chunking, keys, argument checks, error messages) are
the ones both stores used to carry a copy of.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from gongjian.core.errors import ConflictError, InvalidInputError
from gongjian.graph.cooperation import (
    CooperationFacts,
    edges_from_facts,
    network_around,
    node_key,
)
from gongjian.graph.model import (
    ENTITY_TYPES,
    Entity,
    Need,
    NeedStatus,
    Network,
    Resource,
    Unit,
    apply_change,
    check_actor,
    check_claimable,
    check_etag,
    check_transition,
    declared_resources,
    entity_type,
    now_utc,
    parse_status,
    resources_etag,
    transition_update,
)
from gongjian.graph.store import LIST_FILTERS

__all__ = [
    "StoreBase",
    "check_center",
    "check_entities",
    "check_filters",
    "check_kind",
    "check_page",
    "chunks",
    "missing_refs_error",
    "node_key",
    "sorted_pairs",
    "wanted_refs",
]

T = TypeVar("T")
E = TypeVar("E", bound=Entity)
Tx = TypeVar("Tx")


# --------------------------------------------------------------------------- helpers


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (bound-variable and UNWIND limits).

    >>> [list(c) for c in chunks([1, 2, 3], 2)]
    [[1, 2], [3]]
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_kind(kind: object) -> str:
    """The label of an entity class; :class:`InvalidInputError` for anything else."""
    if kind not in ENTITY_TYPES:
        name = getattr(kind, "__name__", repr(kind))
        raise InvalidInputError(f"未知类型 (unknown entity type): {name}")
    return kind.LABEL  # type: ignore[attr-defined]


def check_page(offset: int, limit: int | None) -> None:
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidInputError("offset 和 limit 不能为负 (offset/limit must be ≥ 0)")


def check_filters(label: str, filters: dict[str, Any] | None) -> dict[str, Any]:
    """The list filters of ``label`` by field name, sorted; None values left out, enums as values."""
    allowed = LIST_FILTERS[label]
    out: dict[str, Any] = {}
    for name, value in sorted((filters or {}).items()):
        if name not in allowed:
            raise InvalidInputError(
                f"不支持按 '{name}' 筛选 (unknown filter); 可选: {', '.join(sorted(allowed))}",
                [{"field": name, "message": "unknown filter"}],
            )
        if value is not None:
            out[name] = getattr(value, "value", value)
    return out


def check_entities(entities: Iterable[Entity]) -> tuple[list[Entity], list[Entity]]:
    """``(all given, unique)``: the same node twice in one call, the last copy wins."""
    items = list(entities)
    for e in items:
        if not isinstance(e, Entity) or type(e) not in ENTITY_TYPES:
            raise InvalidInputError(f"不是实体 (not an entity): {type(e).__name__}")
    return items, list({(e.LABEL, e.id): e for e in items}.values())


def wanted_refs(entities: Sequence[Entity]) -> dict[str, set[str]]:
    """Per label, the referenced ids not written in this call (they must exist already)."""
    in_call: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        in_call[e.LABEL].add(e.id)
    wanted: dict[str, set[str]] = defaultdict(set)
    for e in entities:
        for ref, target in e.ref_targets():
            if target not in in_call[ref.target]:
                wanted[ref.target].add(target)
    return dict(wanted)


def missing_refs_error(
    entities: Sequence[Entity], absent: Mapping[str, set[str]]
) -> InvalidInputError | None:
    """The error naming every reference to an ``absent`` node (label → ids), or None."""
    missing: list[dict[str, str]] = []
    for e in entities:
        for ref, target in e.ref_targets():
            if target in absent.get(ref.target, ()):
                missing.append(
                    {
                        "field": f"{e.LABEL}[{e.id}].{ref.field}",
                        "message": f"未知的{entity_type(ref.target).LABEL_ZH} '{target}'"
                        f" (unknown {ref.target} id)",
                    }
                )
    if not missing:
        return None
    head = "; ".join(f"{m['field']}: {m['message']}" for m in missing[:5])
    more = f" …（共 {len(missing)} 处）" if len(missing) > 5 else ""
    return InvalidInputError(f"引用了不存在的节点 (unknown references): {head}{more}", missing)


def sorted_pairs(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent pairs as (smaller, larger); a community is never adjacent to itself."""
    rows = []
    for a, b in pairs:
        if a == b:
            raise InvalidInputError(
                f"社区不能与自身相邻 (a community is not adjacent to itself): {a}"
            )
        lo, hi = sorted((a, b))
        rows.append((lo, hi))
    return rows


def check_center(label: str, hops: int) -> None:
    """The centre of a cooperation network is a Unit or a Community, hops 0–4."""
    if label not in ("Unit", "Community"):
        raise InvalidInputError(
            f"合作网络的中心须为单位或社区 (label must be Unit or Community): {label}"
        )
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 4:
        raise InvalidInputError("跳数应在 0–4 之间 (hops must be 0–4)")


# --------------------------------------------------------------------------- the base


class StoreBase(ABC, Generic[Tx]):
    """The rules of the store contract over a store's transaction primitives."""

    # -- primitives ---------------------------------------------------------------
    @abstractmethod
    def _write_tx(self, work: Callable[[Tx], T]) -> T:
        """Run ``work(tx)`` in one write transaction (it may be retried: no side effects)."""

    @abstractmethod
    def _read_for_update(self, tx: Tx, kind: type[E], node_id: str) -> E:
        """The stored node, read under its write lock; :class:`NotFoundError` if absent."""

    @abstractmethod
    def _write_entities(self, tx: Tx, kind: type[Entity], entities: Sequence[Entity]) -> None:
        """Write nodes of one class with their owned relationships (references checked)."""

    @abstractmethod
    def _require(self, tx: Tx, label: str, ids: Iterable[str]) -> None:
        """:class:`NotFoundError` unless every id names a node of ``label``."""

    @abstractmethod
    def _dependents(self, tx: Tx, label: str, node_id: str) -> dict[str, int]:
        """How many nodes reference this one, by the Chinese label of their class."""

    @abstractmethod
    def _delete_node(self, tx: Tx, label: str, node_id: str) -> None:
        """Delete the node and its relationships."""

    @abstractmethod
    def _unit_resources(self, tx: Tx, unit_id: str) -> list[Resource]:
        """The unit's declared resources."""

    @abstractmethod
    def _foreign_resources(self, tx: Tx, unit_id: str, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are resources of another unit."""

    @abstractmethod
    def _delete_resources(self, tx: Tx, unit_id: str, keep: Sequence[str]) -> None:
        """Delete the unit's resources whose ids are not in ``keep``."""

    @abstractmethod
    def _cooperation_facts(self) -> CooperationFacts:
        """The facts cooperation edges derive from, read consistently."""

    @abstractmethod
    def _names(self, keys: Iterable[str]) -> dict[str, str]:
        """Node key → name for Unit and Community keys."""

    @abstractmethod
    def _list(
        self, kind: type[E], filters: dict[str, Any] | None, offset: int, limit: int | None
    ) -> list[E]:
        """One page of entities ordered by id; ``kind``, ``filters`` and page checked already."""

    @abstractmethod
    def get(self, kind: type[E], node_id: str) -> E:
        """The entity, or :class:`NotFoundError`."""

    # -- rules --------------------------------------------------------------------
    def list(
        self,
        kind: type[E],
        *,
        filters: dict[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> list[E]:
        """Entities of a label ordered by id; ``filters`` keys from ``LIST_FILTERS``."""
        check_page(offset, limit)
        check_filters(check_kind(kind), filters)
        return self._list(kind, filters, offset, limit)

    def modify(self, kind: type[E], node_id: str, change: Callable[[E], E]) -> E:
        """Atomic read-modify-write of one node under its write lock."""
        check_kind(kind)

        def work(tx: Tx) -> E:
            current = self._read_for_update(tx, kind, node_id)
            new = apply_change(kind, node_id, current, change)
            self._write_entities(tx, kind, [new])
            return new

        return self._write_tx(work)

    def delete(self, kind: type[Entity], node_id: str) -> None:
        """Delete a node; :class:`ConflictError` while others reference it."""
        label = check_kind(kind)

        def work(tx: Tx) -> None:
            self._read_for_update(tx, kind, node_id)
            deps = self._dependents(tx, label, node_id)
            if deps:
                what = "、".join(f"{k} {v} 个" for k, v in deps.items())
                raise ConflictError(
                    f"{kind.LABEL_ZH} '{node_id}' 仍被引用，不能删除：{what} (still referenced)",
                    dependents=deps,
                )
            self._delete_node(tx, label, node_id)

        self._write_tx(work)

    def replace_resources(
        self, unit_id: str, resources: Sequence[Resource], *, if_match: str | None = None
    ) -> str:
        """Replace a unit's declared set in one transaction, holding the unit's write lock."""
        new = declared_resources(unit_id, resources)
        ids = [r.id for r in new]

        def work(tx: Tx) -> None:
            self._read_for_update(tx, Unit, unit_id)
            check_etag(self._unit_resources(tx, unit_id), if_match)
            foreign = sorted(self._foreign_resources(tx, unit_id, ids))
            if foreign:
                raise ConflictError(
                    f"资源编号已属于其他单位 (resource ids owned by another unit): {', '.join(foreign)}",
                    ids=foreign,
                )
            self._delete_resources(tx, unit_id, ids)
            if new:
                self._write_entities(tx, Resource, new)

        self._write_tx(work)
        return resources_etag(new)

    def claim_need(self, need_id: str, unit_id: str) -> Need:
        """Atomically claim an open need (接单).

        The need is read under its write lock, then its status checked: a concurrent
        claimant waits for the lock and then sees ``claimed``, so exactly one wins.
        """

        def work(tx: Tx) -> Need:
            need = self._read_for_update(tx, Need, need_id)
            self._require(tx, "Unit", [unit_id])
            check_claimable(need)
            claimed = need.model_copy(
                update={
                    "status": NeedStatus.claimed,
                    "claimed_by": unit_id,
                    "claimed_at": now_utc(),
                }
            )
            self._write_entities(tx, Need, [claimed])
            return claimed

        return self._write_tx(work)

    def transition_need(
        self,
        need_id: str,
        target: NeedStatus,
        *,
        unit_id: str | None = None,
        satisfaction: int | None = None,
    ) -> Need:
        """Move a need along its life cycle (``NEED_TRANSITIONS``), atomically."""
        target = parse_status(target)
        if target == NeedStatus.claimed:
            if unit_id is None:
                raise InvalidInputError("认领需要单位 (claiming needs a unit_id)")
            return self.claim_need(need_id, unit_id)
        update = transition_update(target, satisfaction)

        def work(tx: Tx) -> Need:
            need = self._read_for_update(tx, Need, need_id)
            check_actor(need, unit_id)
            check_transition(need_id, need.status, target)
            changed = need.model_copy(update=update)
            self._write_entities(tx, Need, [changed])
            return changed

        return self._write_tx(work)

    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        """The cooperation network within ``hops`` of a Unit or Community."""
        check_center(label, hops)
        center = self.get(entity_type(label), node_id)
        edges = edges_from_facts(self._cooperation_facts())
        return network_around(edges, node_key(label, center.id), hops, self._names)
