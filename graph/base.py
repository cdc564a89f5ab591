"""What both stores share: the rules, written once over a few primitives per store.

:class:`StoreBase` holds every read-check-write rule of the
:class:`~gongjian.graph.store.GraphStore` contract — create-only ``create`` /
``create_many``, the need life cycle (claim within capacity, start, resolve,
follow-up, cancel), compare-and-set ``modify``, ``delete``, ``replace_resources``
and the cooperation network — and runs each inside ONE store transaction that
the store opens with :meth:`StoreBase._write_tx`: ``BEGIN IMMEDIATE`` in SQLite,
a managed write transaction in Neo4j. The primitives a store provides work inside
that transaction (``tx`` is a SQLite connection or a Neo4j transaction):

* :meth:`~StoreBase._read_for_update` reads a node after taking its write lock,
  so the status check that follows cannot race another writer (Neo4j locks
  explicitly; SQLite's immediate transaction already holds the database lock);
* :meth:`~StoreBase._write_entities` writes nodes with their owned relationships;
* :meth:`~StoreBase._insert_entities` creates nodes that must not exist yet
  (a plain ``INSERT`` / ``CREATE`` under the uniqueness constraint: a duplicate is
  :class:`DuplicateIdError`, never an overwrite);
* :meth:`~StoreBase._hold_ids` answers which ids of a create exist, finally for the
  transaction (Neo4j holds the others, so no concurrent create slips in between);
* :meth:`~StoreBase._existing`, :meth:`~StoreBase._dependents`,
  :meth:`~StoreBase._delete_node`, :meth:`~StoreBase._claimed_effort` and the
  resource and cooperation reads.

Length: ~820 lines, because the rules of the contract belong together, each next to the
argument checks and messages it uses; the stores only add their statements.

The module-level helpers (chunking, keys, argument checks, error messages) are
the ones both stores used to carry a copy of.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from pydantic import ValidationError

from gongjian.core.errors import ConflictError, InvalidInputError, PreconditionFailedError
from gongjian.graph.contract import LIST_FILTERS, CreateResult
from gongjian.graph.cooperation import (
    CooperationFacts,
    edges_from_facts,
    network_around,
    node_key,
)
from gongjian.graph.desk import DeskRules, StepActor
from gongjian.graph.lifecycle import (
    STEP_OF_STATUS,
    check_can_take,
    check_deletable,
    check_lifecycle_kept,
)
from gongjian.graph.model import (
    ENTITY_TYPES,
    MAX_POINT_DELTA,
    MAX_POINTS,
    Community,
    Entity,
    Need,
    NeedStatus,
    Network,
    PartyMember,
    PointEntry,
    Resource,
    Snapshot,
    Subdistrict,
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
from gongjian.graph.outbox import OutboxRules, OutboxSpec, outbox_rows
from gongjian.graph.vocab import NeedAction

#: how often create_many re-runs while concurrent writers' ids keep appearing
_CREATE_ATTEMPTS = 10

__all__ = [
    "DuplicateIdError",
    "StoreBase",
    "StoredDocument",
    "check_center",
    "check_entities",
    "check_expected_version",
    "check_filters",
    "check_kind",
    "check_page",
    "check_point_delta",
    "chunks",
    "conflicting_rows_error",
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


class DuplicateIdError(ConflictError):
    """A create hit the uniqueness of ``id`` (another writer created it concurrently).

    Raised by a store's ``_insert_entities`` / ``_write_tx``; ``create_many`` then
    runs again so that its id check names the rows, as it does without a race.
    """


def conflicting_rows_error(rows: Sequence[Mapping[str, Any]]) -> ConflictError:
    """The 409 of a create whose ids exist: every ``{index, label, id}`` in ``rows``."""
    first = rows[0]
    zh = entity_type(first["label"]).LABEL_ZH
    ids = [r["id"] for r in rows]
    if len(rows) == 1:
        message = f"{zh} '{first['id']}' 已存在，请用 PUT 修改 (already exists; use PUT)"
    else:
        head = "、".join(f"{entity_type(r['label']).LABEL_ZH} {r['id']}" for r in rows[:10])
        more = f" …（共 {len(rows)} 条）" if len(rows) > 10 else ""
        message = (
            f"以下编号已存在，未写入任何数据 (ids already exist; nothing written): {head}{more}"
        )
    return ConflictError(message, id=first["id"], ids=ids, rows=[dict(r) for r in rows])


def check_expected_version(kind: type[Entity], current: Entity, expected: int | None) -> None:
    """:class:`PreconditionFailedError` (412) unless ``expected`` is None or the stored version."""
    if expected is None or expected == current.version:
        return
    raise PreconditionFailedError(
        f"{kind.LABEL_ZH} '{current.id}' 已被他人修改（当前版本 {current.version}，"
        f"你的版本 {expected}），请刷新后重试 (changed since you read it: version"
        f" {current.version}, yours {expected}; reload and try again)",
        version=current.version,
        etag=f'"{current.version}"',
    )


def check_point_delta(delta: object) -> None:
    """A point entry's ``delta``: a non-zero integer of at most ``MAX_POINT_DELTA`` either way."""
    if (
        isinstance(delta, bool)
        or not isinstance(delta, int)
        or delta == 0
        or abs(delta) > MAX_POINT_DELTA
    ):
        raise InvalidInputError(
            f"积分变动应为非零整数，绝对值不超过 {MAX_POINT_DELTA} (delta must be a non-zero"
            f" integer within ±{MAX_POINT_DELTA})",
            [{"field": "delta", "message": f"non-zero integer within ±{MAX_POINT_DELTA}"}],
        )


def _check_version_arg(expected: object) -> None:
    if expected is None:
        return
    if isinstance(expected, bool) or not isinstance(expected, int) or expected < 1:
        raise InvalidInputError(
            "版本号应为正整数 (expected_version must be a positive integer)",
            [{"field": "version", "message": "positive integer"}],
        )


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


def scope_snapshot(snap: Snapshot, subdistrict: str | None) -> Snapshot:
    """``snap`` narrowed to one sub-district (None: unchanged).

    Kept: the sub-district's communities, needs and activities; its units and the units
    of other sub-districts located in a community adjacent to one of its communities
    (they may serve across the border), with the communities those border units sit in
    (so the planner can measure their distance); the resources, pairings and history
    of the kept units; the adjacency pairs among the kept communities.
    """
    if subdistrict is None:
        return snap
    own = {c.id for c in snap.communities if c.subdistrict == subdistrict}
    border = {b for a, b in snap.adjacency if a in own} | {a for a, b in snap.adjacency if b in own}
    units = [
        u
        for u in snap.units
        if u.subdistrict == subdistrict or (u.community_id in border and u.community_id not in own)
    ]
    unit_ids = {u.id for u in units}
    kept = own | {u.community_id for u in units}
    return snap.model_copy(
        update={
            "communities": [c for c in snap.communities if c.id in kept],
            "adjacency": [(a, b) for a, b in snap.adjacency if a in kept and b in kept],
            "units": units,
            "resources": [r for r in snap.resources if r.unit_id in unit_ids],
            "needs": [n for n in snap.needs if n.subdistrict == subdistrict],
            "activities": [a for a in snap.activities if a.subdistrict == subdistrict],
            "pairings": [
                p for p in snap.pairings if p.unit_id in unit_ids and p.community_id in kept
            ],
            "history": [h for h in snap.history if h[0] in unit_ids and h[1] in kept],
        }
    )


def check_center(label: str, hops: int) -> None:
    """The centre of a cooperation network is a Unit or a Community, hops 0–4."""
    if label not in ("Unit", "Community"):
        raise InvalidInputError(
            f"合作网络的中心须为单位或社区 (label must be Unit or Community): {label}"
        )
    if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 4:
        raise InvalidInputError("跳数应在 0–4 之间 (hops must be 0–4)")


def _next_versions(old: Sequence[Resource], new: Sequence[Resource]) -> list[Resource]:
    """The declared set to write: a resource keeps its version if unchanged, else +1 (new: 1)."""
    stored = {r.id: r for r in old}
    out = []
    for r in new:
        before = stored.get(r.id)
        if before is None:
            out.append(r.model_copy(update={"version": 1}))
        elif r.model_copy(update={"version": before.version}) == before:
            out.append(before)
        else:
            out.append(r.model_copy(update={"version": before.version + 1}))
    return out


# --------------------------------------------------------------------------- the base


class StoredDocument(NamedTuple):
    """A settings document kept beside the graph (the suitability table): its body
    (JSON text) and version (1 for the first write; no document = version 0)."""

    version: int
    body: str


class StoreBase(OutboxRules, DeskRules, ABC, Generic[Tx]):
    """The rules of the store contract over a store's transaction primitives.

    A write that causes notifications takes ``outbox=`` (:mod:`gongjian.graph.outbox`):
    its rows are inserted in the write's own transaction.
    """

    # -- primitives ---------------------------------------------------------------
    @abstractmethod
    def data_version(self) -> int:
        """The store-wide data version: it grows with every committed write transaction."""

    @abstractmethod
    def _write_tx(self, work: Callable[[Tx], T], *, data: bool = True) -> T:
        """Run ``work(tx)`` in one write transaction (it may be retried: no side effects);
        ``data=False`` for bookkeeping that leaves the graph's data (and the data version,
        the caches' key) as they were — the notification outbox."""

    @abstractmethod
    def _read_for_update(self, tx: Tx, kind: type[E], node_id: str) -> E:
        """The stored node, read under its write lock; :class:`NotFoundError` if absent."""

    @abstractmethod
    def _write_entities(self, tx: Tx, kind: type[Entity], entities: Sequence[Entity]) -> None:
        """Write nodes of one class with their owned relationships (references checked)."""

    @abstractmethod
    def _insert_entities(self, tx: Tx, entities: Sequence[Entity]) -> None:
        """Create nodes of any classes that must not exist yet (references checked),
        after :meth:`_hold_ids` found none of their ids.

        A stored id is :class:`DuplicateIdError`, never overwritten.
        """

    @abstractmethod
    def _existing(self, tx: Tx, label: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` name stored nodes of ``label``."""

    def _hold_ids(self, tx: Tx, label: str, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored, as a final answer for this transaction.

        ``create_many`` names its conflicts from this and then inserts the others, so
        no other transaction may create one of the others in between. SQLite's
        immediate transaction already excludes every other writer; a store whose
        reads can see part of a concurrent commit (Neo4j) must hold the ids it did
        not find (and then insert into what it holds, see ``_insert_entities``).
        """
        return self._existing(tx, label, ids)

    @abstractmethod
    def _claimed_effort(self, tx: Tx, unit_id: str, quarter: str) -> int:
        """The effort of the unit's claimed or in-progress needs of ``quarter``."""

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
    def _last_point_entry(self, tx: Tx, member_id: str) -> int:
        """The ``seq`` of the member's newest point entry (0: none yet)."""

    @abstractmethod
    def _insert_point_entry(self, tx: Tx, entry: PointEntry) -> None:
        """Store one point entry (its ``(member_id, seq)`` is new)."""

    @abstractmethod
    def _delete_point_entries(self, tx: Tx, member_id: str) -> None:
        """Delete a member's point entries (the member is being deleted)."""

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

    def create(
        self, entity: Entity, *, actor: StepActor | None = None, outbox: OutboxSpec = None
    ) -> Entity:
        """Create one entity; :class:`ConflictError` naming the id when it exists.

        A need gets its order number in the create's transaction (returned with it), and
        its timeline starts with ``created`` by ``actor``; ``outbox`` rows (a function of
        the created entity) are written in the same transaction.
        """
        written: list[Entity] = []
        self._create([entity], skip_existing=False, actor=actor, outbox=outbox, written=written)
        return written[0] if written else entity.model_copy(update={"version": 1})

    def create_many(
        self,
        entities: Iterable[Entity],
        *,
        skip_existing: bool = False,
        actor: StepActor | None = None,
        outbox: OutboxSpec = None,
    ) -> CreateResult:
        """Create entities in ONE transaction: all or nothing, or the new rows only;
        ``outbox`` (a function of each new entity) writes its notifications in it."""
        return self._create(entities, skip_existing=skip_existing, actor=actor, outbox=outbox)

    def _create(
        self,
        entities: Iterable[Entity],
        *,
        skip_existing: bool,
        actor: StepActor | None,
        outbox: OutboxSpec = None,
        written: list[Entity] | None = None,
    ) -> CreateResult:
        items = [e.model_copy(update={"version": 1}) for e in check_entities(entities)[0]]
        if not items:
            return CreateResult(created=0)

        def work(tx: Tx) -> CreateResult:
            ids: dict[str, list[str]] = defaultdict(list)
            for e in items:
                ids[e.LABEL].append(e.id)
            # labels in a fixed order: two creates hold their ids in the same order
            stored = {label: self._hold_ids(tx, label, ids[label]) for label in sorted(ids)}
            rows: list[dict[str, Any]] = []
            new: list[Entity] = []
            seen: set[tuple[str, str]] = set()
            for i, e in enumerate(items):
                if e.id in stored[e.LABEL] or (e.LABEL, e.id) in seen:
                    rows.append({"index": i, "label": e.LABEL, "id": e.id})
                else:
                    seen.add((e.LABEL, e.id))
                    new.append(e)
            if rows and not skip_existing:
                raise conflicting_rows_error(rows)
            if new:
                needs = self._number_needs(tx, [e for e in new if isinstance(e, Need)])
                numbered = {n.id: n for n in needs}
                new = [numbered.get(e.id, e) if isinstance(e, Need) else e for e in new]
                self._insert_entities(tx, new)
                for n in needs:
                    self._record_steps(
                        tx, n.id, actor, [(NeedAction.created, None, None)], n.created_at
                    )
                for e in new:
                    self._outbox_insert(tx, outbox_rows(outbox, e))
            if written is not None:
                written[:] = new
            return CreateResult(created=len(new), skipped=rows)

        for attempt in range(_CREATE_ATTEMPTS):
            try:
                return self._write_tx(work)
            except DuplicateIdError:
                # created by a concurrent writer after our check (a store that cannot hold
                # the ids it checked): run again, so that the check sees it and names the
                # row (or skips it); back off a little more each time
                time.sleep(min(0.02 * (attempt + 1), 0.2))
        raise ConflictError("编号已被同时创建，请重试 (ids created concurrently; try again)")

    def modify(
        self,
        kind: type[E],
        node_id: str,
        change: Callable[[E], E],
        *,
        expected_version: int | None = None,
        outbox: OutboxSpec = None,
        step: tuple[NeedAction, str | None] | None = None,
        actor: StepActor | None = None,
    ) -> E:
        """Atomic read-check-write of one node under its write lock (compare-and-set).

        ``step``: a need's timeline step ``(action, note)`` by ``actor``, recorded with a
        write that changed something.
        """
        check_kind(kind)
        _check_version_arg(expected_version)

        def work(tx: Tx) -> E:
            current = self._read_for_update(tx, kind, node_id)
            check_expected_version(kind, current, expected_version)
            new = apply_change(kind, node_id, current, change)
            if isinstance(current, Need):
                check_lifecycle_kept(current, new)  # type: ignore[arg-type]
            if new.model_copy(update={"version": current.version}) == current:
                return current  # nothing changed: no write, no new version
            new = new.model_copy(update={"version": current.version + 1})
            self._write_entities(tx, kind, [new])
            if step is not None and isinstance(new, Need):
                self._record_steps(tx, node_id, actor, [(step[0], step[1], None)])
            self._outbox_insert(tx, outbox_rows(outbox, new))
            return new

        return self._write_tx(work)

    def delete(
        self, kind: type[Entity], node_id: str, *, expected_version: int | None = None
    ) -> None:
        """Delete a node; :class:`ConflictError` while others reference it or it has history.

        With ``expected_version``, :class:`PreconditionFailedError` unless it is the stored one.
        """
        label = check_kind(kind)
        _check_version_arg(expected_version)

        def work(tx: Tx) -> None:
            current = self._read_for_update(tx, kind, node_id)
            check_expected_version(kind, current, expected_version)
            if isinstance(current, Need):
                check_deletable(current)
                self._delete_steps(tx, node_id)
            deps = self._dependents(tx, label, node_id)
            if isinstance(current, PartyMember) and not deps:
                self._delete_point_entries(tx, node_id)  # its points go with it
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
            old = self._unit_resources(tx, unit_id)
            check_etag(old, if_match)
            foreign = sorted(self._foreign_resources(tx, unit_id, ids))
            if foreign:
                raise ConflictError(
                    f"资源编号已属于其他单位 (resource ids owned by another unit): {', '.join(foreign)}",
                    ids=foreign,
                )
            self._delete_resources(tx, unit_id, ids)
            if new:
                self._write_entities(tx, Resource, _next_versions(old, new))

        self._write_tx(work)
        return resources_etag(new)

    def claim_need(
        self,
        need_id: str,
        unit_id: str,
        *,
        override: bool = False,
        outbox: OutboxSpec = None,
        actor: StepActor | None = None,
        note: str | None = None,
        action: NeedAction = NeedAction.claimed,
    ) -> Need:
        """Atomically claim an open need (接单), within the unit's capacity unless ``override``.

        The need is read under its write lock, then its status checked: a concurrent
        claimant waits for the lock and then sees ``claimed``, so exactly one wins.
        The unit's lock is taken too, so two claims by one unit (of different needs)
        run one after the other and each sees the other's effort.
        """

        def work(tx: Tx) -> Need:
            need = self._read_for_update(tx, Need, need_id)
            unit = self._read_for_update(tx, Unit, unit_id)
            check_claimable(need)
            if not override:
                resources = self._unit_resources(tx, unit_id)
                check_can_take(
                    need, unit, resources, self._claimed_effort(tx, unit_id, need.quarter)
                )
            claimed = need.model_copy(
                update={
                    "status": NeedStatus.claimed,
                    "claimed_by": unit_id,
                    "claimed_at": now_utc(),
                    "version": need.version + 1,
                }
            )
            return self._save_need_step(tx, claimed, actor, (action, note, unit_id), outbox)

        return self._write_tx(work)

    def _save_need_step(
        self,
        tx: Tx,
        need: Need,
        actor: StepActor | None,
        step: tuple[NeedAction, str | None, str | None],
        outbox: OutboxSpec,
    ) -> Need:
        """Write a need's new state, its timeline step and its outbox events (one ``tx``)."""
        self._write_entities(tx, Need, [need])
        self._record_steps(tx, need.id, actor, [step])
        self._outbox_insert(tx, outbox_rows(outbox, need))
        return need

    def transition_need(
        self,
        need_id: str,
        target: NeedStatus,
        *,
        unit_id: str | None = None,
        satisfaction: int | None = None,
        outbox: OutboxSpec = None,
        actor: StepActor | None = None,
        note: str | None = None,
    ) -> Need:
        """Move a need along its life cycle (``NEED_TRANSITIONS``), atomically; the step
        goes into its timeline (by ``actor``, with ``note``)."""
        target = parse_status(target)
        if target == NeedStatus.claimed:
            if unit_id is None:
                raise InvalidInputError("认领需要单位 (claiming needs a unit_id)")
            return self.claim_need(need_id, unit_id, outbox=outbox, actor=actor, note=note)
        update = transition_update(target, satisfaction)

        def work(tx: Tx) -> Need:
            need = self._read_for_update(tx, Need, need_id)
            check_actor(need, unit_id)
            check_transition(need_id, need.status, target)
            changed = need.model_copy(update={**update, "version": need.version + 1})
            step = (STEP_OF_STATUS[target], note, unit_id)
            return self._save_need_step(tx, changed, actor, step, outbox)

        return self._write_tx(work)

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
        """Record a point entry and change the member's total by ``delta``, in ONE
        transaction under the member's write lock (concurrent entries queue; none is lost).

        ``check`` (a permission check) gets the member as stored, under that lock. A
        total below 0 or above ``MAX_POINTS`` is :class:`ConflictError` (``points``,
        ``delta``); ``delta`` must be a non-zero integer of at most ``MAX_POINT_DELTA``.
        """
        check_point_delta(delta)
        fields = {"member_id": member_id, "delta": delta, "reason": reason, "by": by}
        try:  # the entry's own rules (one-line reason…), before the transaction
            probe = PointEntry(**fields, by_role=by_role, seq=1, total=0, at=now_utc())
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            raise InvalidInputError(f"积分记录无效 (invalid point entry): {text}", errors) from None

        def work(tx: Tx) -> tuple[PartyMember, PointEntry]:
            member = self._read_for_update(tx, PartyMember, member_id)
            if check is not None:
                check(member)
            total = member.points + delta
            if not 0 <= total <= MAX_POINTS:
                raise ConflictError(
                    f"积分须在 0–{MAX_POINTS} 之间：{member.name}（{member_id}）现有 {member.points}"
                    f"，变动 {delta:+d} 后为 {total} (points must stay within 0–{MAX_POINTS})",
                    points=member.points,
                    delta=delta,
                )
            entry = probe.model_copy(
                update={
                    "seq": self._last_point_entry(tx, member_id) + 1,
                    "total": total,
                    "at": now_utc(),
                }
            )
            changed = member.model_copy(update={"points": total, "version": member.version + 1})
            self._write_entities(tx, PartyMember, [changed])
            self._insert_point_entry(tx, entry)
            return changed, entry

        return self._write_tx(work)

    # -- settings documents (the suitability table): one row/node per name, versioned
    def _document_for_update(self, tx: Tx, name: str) -> StoredDocument | None:
        """The stored document, read under a write lock on its name (None: not stored)."""
        raise NotImplementedError

    def _document_write(self, tx: Tx, name: str, document: StoredDocument) -> None:
        """Store ``document`` under ``name`` (insert or replace) inside ``tx``."""
        raise NotImplementedError

    def put_document(self, name: str, body: str, *, expected_version: int | None = None) -> int:
        """Store ``body`` as the next version of document ``name``; returns that version.

        ``expected_version`` (0: none stored yet) must be the stored version, checked
        in the write's transaction (:class:`PreconditionFailedError` when stale); None
        writes whatever is stored.
        """

        def work(tx: Tx) -> int:
            current = self._document_for_update(tx, name)
            version = current.version if current is not None else 0
            if expected_version is not None and expected_version != version:
                raise PreconditionFailedError(
                    f"'{name}' 已被他人修改（当前版本 {version}），请刷新后重试 (changed since"
                    " you read it; reload and try again)",
                    etag=f'"{version}"',
                )
            self._document_write(tx, name, StoredDocument(version + 1, body))
            return version + 1

        return self._write_tx(work)

    def subdistricts(self) -> list[Subdistrict]:
        """The sub-districts by code (``id``), sorted: every code a community carries, with
        a Chinese ``name`` — of the Subdistrict node of that id, else of the Subdistrict
        node its communities are part of, else the code itself."""
        nodes = {s.id: s.name for s in self.list(Subdistrict, limit=None)}
        names: dict[str, str] = {}
        for c in self.list(Community, limit=None):
            seed_name = nodes.get(c.subdistrict_id or "")
            if c.subdistrict not in names or (seed_name and names[c.subdistrict] == c.subdistrict):
                names[c.subdistrict] = seed_name or c.subdistrict
        for code, name in nodes.items():
            if code in names:
                names[code] = name
        return [Subdistrict(id=code, name=name) for code, name in sorted(names.items())]

    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        """The cooperation network within ``hops`` of a Unit or Community."""
        check_center(label, hops)
        center = self.get(entity_type(label), node_id)
        edges = edges_from_facts(self._cooperation_facts())
        return network_around(edges, node_key(label, center.id), hops, self._names)
