"""The Neo4j store: the joint-building graph in a Neo4j 5 server (official driver 6.x).

One driver per store object, created in ``__init__`` and verified on first use
(or by :meth:`Neo4jStore.migrate`). Every statement lives in
:mod:`gongjian.graph.cypher`; values always travel as parameters. Writes run in
managed write transactions (retried by the driver on transient errors such as
deadlocks), reads are routed as reads. Driver errors are translated into the
project's own exceptions in one place, :func:`translate_errors`.

Nodes carry their entity's ``model_dump(mode="json")`` as flat properties
(``None`` left out; nested values such as ``Activity.roles`` as a JSON string).
Owned relationships (``Entity.REFS``) are re-pointed on every upsert.

Length: ~870 lines in one module, because it is one class implementing every method of the store
contract over the statements of :mod:`gongjian.graph.cypher`; the driver plumbing is
in :mod:`gongjian.graph.neo4j_io` and the rules shared with SQLite in
:mod:`gongjian.graph.base`.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import networkx as nx
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl
from neo4j import exceptions as neo4j_errors

from gongjian.core.errors import (
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
)
from gongjian.graph import base, cypher
from gongjian.graph.cooperation import CooperationFacts
from gongjian.graph.desk import DeskRules, NeedStep
from gongjian.graph.lifecycle import UNFINISHED
from gongjian.graph.listing import ListQuery, cypher_find
from gongjian.graph.model import (
    ENTITY_TYPES,
    Activity,
    Assignment,
    Community,
    Entity,
    Need,
    Pairing,
    PointEntry,
    Resource,
    Snapshot,
    Unit,
    default_subdistrict,
    entity_type,
    parse_quarter,
)
from gongjian.graph.neo4j_io import (
    BOLT_SCHEMES,
    UNAVAILABLE,
    UNWIND_CHUNK,
    MissingTarget,
    create_entities,
    entity_from_props,
    entity_props,
    existing_ids,
    json_fields,
    missing_refs,
    require_ids,
    statement,
    translate_errors,
    write_batch,
    write_group,
)
from gongjian.graph.outbox import DUE, OutboxQuery, OutboxRow, OutboxRules
from gongjian.graph.store import GraphStore

__all__ = ["Neo4jStore", "entity_from_props", "entity_props", "translate_errors"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="Neo4jStore")


def _translated(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], T]:
    """Run a store method with the connection checked and errors translated."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        with translate_errors(self.uri):
            self._ensure_connected()
            return method(self, *args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- the store


#: the store-wide data version: a property of one document node (unique by name, left
#: out of the graph's exports) that every write transaction bumps last, so it waits for
#: the node's lock only at its end; caches key on it
_BUMP_DATA_VERSION = (
    "MERGE (m:GongjianDocument {name: '~data_version'})"
    " SET m.data_version = coalesce(m.data_version, 0) + 1"
)
_SET_DATA_VERSION = "MERGE (m:GongjianDocument {name: '~data_version'}) SET m.data_version = $v"
_DATA_VERSION = "MATCH (m:GongjianDocument {name: '~data_version'}) RETURN m.data_version AS v"


def _counted(tx: ManagedTransaction, work: Callable[[ManagedTransaction], T]) -> T:
    """``work``, then the data version bumped in the same transaction."""
    result = work(tx)
    tx.run(statement(_BUMP_DATA_VERSION)).consume()
    return result


class Neo4jStore(GraphStore[ManagedTransaction]):
    """:class:`~gongjian.graph.store.GraphStore` on a Neo4j 5 server.

    Parameters
    ----------
    uri:
        ``bolt://host:port`` or ``neo4j://host:port`` (``+s`` / ``+ssc`` for TLS).
    user, password:
        Credentials; an empty password means a server without authentication.
    database:
        The database to use (``neo4j`` by default; empty or None: the server's default).
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str = "neo4j",
        password: str = "",
        database: str | None = "neo4j",
        connection_timeout: float = 10.0,
        max_retry_time: float = 15.0,
    ) -> None:
        self.uri = uri
        self.database = database or None
        self._verified = False
        auth = (user, password) if password else None
        scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
        if scheme not in BOLT_SCHEMES:
            raise StoreUnavailableError(
                f"{UNAVAILABLE}: 地址无效 (invalid URI) {uri!r}: 应以 "
                f"{' / '.join(s + '://' for s in BOLT_SCHEMES)} 开头 (Bolt URIs only)",
                uri=uri,
            )
        with translate_errors(uri):
            try:
                self._driver: Driver = GraphDatabase.driver(
                    uri,
                    auth=auth,
                    user_agent="gongjian",
                    connection_timeout=connection_timeout,
                    # how long a transaction is retried on transient errors and lost
                    # connections before StoreUnavailableError (the service's 503)
                    max_transaction_retry_time=max_retry_time,
                    # "relationship type does not exist" on an empty graph is not news
                    notifications_min_severity="OFF",
                )
            except ValueError as exc:
                raise StoreUnavailableError(
                    f"{UNAVAILABLE}: 地址无效 (invalid URI) {uri!r}: {exc}", uri=uri
                ) from None

    def __repr__(self) -> str:
        return f"Neo4jStore({self.uri!r}, database={self.database!r})"

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _ensure_connected(self) -> None:
        if not self._verified:
            try:
                self._driver.verify_connectivity()
            except ValueError as exc:  # an address the resolver refuses
                raise StoreUnavailableError(
                    f"{UNAVAILABLE}: 地址无效 (invalid URI) {self.uri!r}: {exc}", uri=self.uri
                ) from None
            self._verified = True

    def _session_config(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "bookmark_manager": self._driver.execute_query_bookmark_manager,
        }

    def _write(self, work: Callable[[ManagedTransaction], T], *, data: bool = True) -> T:
        """Run ``work`` in one managed write transaction (retried on transient errors); the
        data version is bumped with it unless ``data`` is false (outbox bookkeeping)."""
        with self._driver.session(**self._session_config()) as session:
            try:
                if not data:
                    return session.execute_write(work)
                return session.execute_write(_counted, work)
            except neo4j_errors.ResultFailedError as exc:
                # a statement failed (say, CREATE hit the uniqueness constraint) and the
                # driver's rollback then reports the failed result instead: raise the cause
                if isinstance(exc.__cause__, neo4j_errors.Neo4jError):
                    raise exc.__cause__ from None
                raise

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed read transaction (a consistent view)."""
        with self._driver.session(**self._session_config()) as session:
            return session.execute_read(work)

    def _query(self, text: str, **params: Any) -> list[Any]:
        """One read statement, routed as a read; its records."""
        return self._driver.execute_query(
            statement(text), params, routing_=RoutingControl.READ, database_=self.database
        ).records

    def _execute(self, text: str, **params: Any) -> None:
        """One write statement in its own transaction."""
        self._driver.execute_query(statement(text), params, database_=self.database)

    def _execute_data(self, text: str, **params: Any) -> None:
        """One data write statement in its own transaction, the data version bumped with it."""
        self._write(lambda tx: tx.run(statement(text), params).consume())

    @_translated
    def data_version(self) -> int:
        records = self._query(_DATA_VERSION)
        return int(records[0]["v"]) if records else 0

    # ------------------------------------------------------------------ life cycle
    @_translated
    def migrate(self) -> None:
        """Uniqueness of ``id`` for every label plus the filter indexes (idempotent)."""
        statements = [cypher.constraint(label) for label in cypher.LABELS]
        statements.append(cypher.DOCUMENT_CONSTRAINT)
        statements += [
            cypher.index(label, prop)
            for label, props in cypher.INDEXED_PROPERTIES.items()
            for prop in props
        ]
        statements += cypher.POINT_ENTRY_SCHEMA
        statements += _OUTBOX_SCHEMA
        statements += cypher.DESK_SCHEMA
        for text in statements:
            try:
                self._execute(text)
            except neo4j_errors.ClientError as exc:
                # another process migrating at the same moment created it first
                if "AlreadyExists" not in (exc.code or ""):
                    raise
        self._execute(cypher.AWAIT_INDEXES, seconds=300)
        self._execute(cypher.BACKFILL_SUBDISTRICT, code=default_subdistrict())
        self.number_unnumbered()

    def close(self) -> None:
        self._driver.close()

    @_translated
    def clear(self) -> None:
        # CALL {…} IN TRANSACTIONS needs an auto-commit transaction.
        with self._driver.session(**self._session_config()) as session:
            version = self.data_version()  # CLEAR deletes the version node too: carry it on
            session.run(statement(cypher.CLEAR)).consume()
            session.run(statement(_SET_DATA_VERSION), v=version + 1).consume()

    # ------------------------------------------------------------------ entities
    def _check_refs(self, entities: Sequence[Entity]) -> None:
        """Every reference must name a node that exists or is written in this call."""
        if not base.wanted_refs(entities):
            return
        error = self._read(functools.partial(missing_refs, entities=entities))
        if error is not None:
            raise error

    def upsert(self, entity: Entity) -> Entity:
        self.upsert_many([entity])
        return entity

    @_translated
    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """OVERWRITE entities label by label (dependency order), ``batch_size`` rows per
        transaction — for loading (seeds) only; user writes go through ``create_many``.

        A call of at most ``batch_size`` entities is one transaction: a reference to a
        missing node rolls all of it back. A larger call has every reference checked
        before its first batch is written. The same id twice in one call: the last
        one wins.
        """
        items, unique = base.check_entities(entities)
        if not items:
            return 0
        if batch_size < 1:
            raise InvalidInputError("batch_size 至少为 1 (batch_size must be ≥ 1)")
        groups: dict[type[Entity], list[Entity]] = defaultdict(list)
        for e in unique:
            groups[type(e)].append(e)
        if len(unique) <= batch_size:
            # one transaction: its own relationship counts tell whether a target is missing
            batches = [[(kind, groups[kind]) for kind in ENTITY_TYPES if kind in groups]]
        else:
            self._check_refs(unique)
            batches = [
                [(kind, chunk)]
                for kind in ENTITY_TYPES
                for chunk in base.chunks(groups.get(kind, []), batch_size)
            ]

        def work(
            tx: ManagedTransaction,
            batch: list[tuple[type[Entity], list[Entity]]],
            fast: bool = True,
        ) -> None:
            # needs get their numbers from the counters inside the batch's transaction
            numbered = [(kind, self._with_numbers(tx, group)) for kind, group in batch]
            write_batch(tx, numbered, fast=fast)

        try:
            for batch in batches:
                try:
                    self._write(functools.partial(work, batch=batch))
                except neo4j_errors.ConstraintError:
                    # created concurrently between our id check and our CREATE: merge instead
                    self._write(functools.partial(work, batch=batch, fast=False))
        except MissingTarget:
            self._check_refs(unique)  # names every missing reference
            raise
        return len(items)

    @_translated
    def get(self, kind: type[E], node_id: str) -> E:
        label = base.check_kind(kind)
        records = self._query(cypher.get_node(label), id=node_id)
        if not records:
            raise NotFoundError(label, node_id)
        return entity_from_props(kind, records[0]["props"])

    def _list(
        self, kind: type[E], filters: dict[str, Any] | None, offset: int, limit: int | None
    ) -> list[E]:
        label = kind.LABEL
        where = base.check_filters(label, filters)
        params = {f"f_{k}": v for k, v in where.items()}
        text = cypher.list_nodes(label, list(where), limited=limit is not None)
        records = self._query(text, offset=offset, limit=limit, **params)
        return [entity_from_props(kind, r["props"]) for r in records]

    @_translated
    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int:
        label = base.check_kind(kind)
        where = base.check_filters(label, filters)
        params = {f"f_{k}": v for k, v in where.items()}
        return int(self._query(cypher.count_nodes(label, list(where)), **params)[0]["n"])

    @_translated
    def find(
        self, kind: type[E], query: ListQuery, *, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[E], int]:
        base.check_page(offset, limit)
        label = base.check_kind(kind)
        page, count, params = cypher_find(label, query, limited=limit is not None)

        def read(tx: ManagedTransaction) -> tuple[list[Any], int]:
            # page and total in one read transaction: one consistent view
            records = list(tx.run(statement(page), offset=offset, limit=limit, **params))
            total = tx.run(statement(count), **params).single(strict=True)["n"]
            return [r["props"] for r in records], int(total)

        props, total = self._read(read)
        return [entity_from_props(kind, p) for p in props], total

    # -- primitives of the shared rules (graph.base), inside one managed write transaction
    def _write_tx(self, work: Callable[[ManagedTransaction], T], *, data: bool = True) -> T:
        try:
            return self._write(work, data=data)
        except neo4j_errors.ConstraintError as exc:
            # only creates add ids: another transaction created one of ours first
            raise base.DuplicateIdError(f"编号已存在 (id exists): {exc.message}") from None

    def _read_for_update(self, tx: ManagedTransaction, kind: type[E], node_id: str) -> E:
        """The node, read after taking its write lock (held until the transaction ends)."""
        label = kind.LABEL
        if tx.run(statement(cypher.lock_node(label)), id=node_id).single() is None:
            raise NotFoundError(label, node_id)
        record = tx.run(statement(cypher.get_node(label)), id=node_id).single(strict=True)
        return entity_from_props(kind, record["props"])

    def _write_entities(
        self, tx: ManagedTransaction, kind: type[Entity], entities: Sequence[Entity]
    ) -> None:
        write_group(tx, kind, entities, fast=False)

    def _hold_ids(self, tx: ManagedTransaction, label: str, ids: Iterable[str]) -> set[str]:
        # a plain read could see half of a concurrent create's commit (read committed,
        # node by node) and name only part of the conflicting rows: MERGE waits for it
        found: set[str] = set()
        for part in base.chunks(sorted(set(ids)), UNWIND_CHUNK):
            record = tx.run(statement(cypher.hold_ids(label)), ids=list(part)).single(strict=True)
            found.update(record["ids"])
        return found

    def _insert_entities(self, tx: ManagedTransaction, entities: Sequence[Entity]) -> None:
        create_entities(tx, entities)  # fills what _hold_ids held

    def _existing(self, tx: ManagedTransaction, label: str, ids: Iterable[str]) -> set[str]:
        return existing_ids(tx, label, ids)

    def _claimed_effort(self, tx: ManagedTransaction, unit_id: str, quarter: str) -> int:
        record = tx.run(
            statement(cypher.CLAIMED_EFFORT),
            unit=unit_id,
            quarter=quarter,
            statuses=[s.value for s in UNFINISHED],
        ).single(strict=True)
        return int(record["effort"])

    def _dependents(self, tx: ManagedTransaction, label: str, node_id: str) -> dict[str, int]:
        refs = [(k.LABEL, ref) for k in ENTITY_TYPES for ref in k.REFS if ref.target == label]
        deps: dict[str, int] = {}
        if refs:
            record = tx.run(statement(cypher.dependents(label, refs)), id=node_id).single(
                strict=True
            )
            for i, (source, _ref) in enumerate(refs):
                n = int(record[f"c{i}"])
                if n:
                    zh = entity_type(source).LABEL_ZH
                    deps[zh] = deps.get(zh, 0) + n
        return deps

    def _delete_node(self, tx: ManagedTransaction, label: str, node_id: str) -> None:
        tx.run(statement(cypher.delete_node(label)), id=node_id).consume()

    def _unit_resources(self, tx: ManagedTransaction, unit_id: str) -> list[Resource]:
        return [
            entity_from_props(Resource, r["props"])
            for r in tx.run(statement(cypher.resources_of_unit()), unit=unit_id)
        ]

    def _foreign_resources(
        self, tx: ManagedTransaction, unit_id: str, ids: Sequence[str]
    ) -> set[str]:
        return {
            r["id"]
            for r in tx.run(statement(cypher.foreign_resources()), ids=list(ids), unit=unit_id)
        }

    def _delete_resources(self, tx: ManagedTransaction, unit_id: str, keep: Sequence[str]) -> None:
        tx.run(statement(cypher.delete_unit_resources()), unit=unit_id, keep=list(keep)).consume()

    def _last_point_entry(self, tx: ManagedTransaction, member_id: str) -> int:
        record = tx.run(statement(cypher.LAST_POINT_ENTRY), member=member_id).single(strict=True)
        return int(record["seq"])

    def _insert_point_entry(self, tx: ManagedTransaction, entry: PointEntry) -> None:
        tx.run(statement(cypher.CREATE_POINT_ENTRY), props=entry.model_dump(mode="json")).consume()

    def _delete_point_entries(self, tx: ManagedTransaction, member_id: str) -> None:
        tx.run(statement(cypher.DELETE_POINT_ENTRIES), member=member_id).consume()

    @_translated
    def point_entries(
        self, member_id: str, *, offset: int = 0, limit: int | None = 100
    ) -> list[PointEntry]:
        base.check_page(offset, limit)
        text = cypher.POINT_ENTRIES if limit is None else cypher.POINT_ENTRIES_PAGE
        records = self._query(text, member=member_id, offset=offset, limit=limit)
        return [PointEntry.model_validate(r["props"]) for r in records]

    # -- the desk's primitives (graph.desk): (:Sequence) counters, (:NeedStep) timelines
    def _next_sequence(self, tx: ManagedTransaction, name: str, n: int) -> int:
        tx.run(statement(cypher.LOCK_SEQUENCE), name=name).consume()
        record = tx.run(statement(cypher.ADD_SEQUENCE), name=name, n=n).single(strict=True)
        return int(record["value"])

    def _stored_numbers(self, tx: ManagedTransaction, ids: Sequence[str]) -> dict[str, str]:
        rows = tx.run(statement(cypher.STORED_NUMBERS), ids=list(ids))
        return {r["id"]: r["number"] for r in rows}

    def _unnumbered_needs(self, tx: ManagedTransaction) -> list[Need]:
        rows = tx.run(statement(cypher.UNNUMBERED_NEEDS))
        return [entity_from_props(Need, r["props"]) for r in rows]

    def _last_step(self, tx: ManagedTransaction, need_id: str) -> int:
        record = tx.run(statement(cypher.LAST_STEP), need=need_id).single(strict=True)
        return int(record["seq"])

    def _insert_steps(self, tx: ManagedTransaction, steps: Sequence[NeedStep]) -> None:
        rows = [s.model_dump(mode="json", exclude_none=True) for s in steps]
        tx.run(statement(cypher.CREATE_STEPS), rows=rows).consume()

    def _delete_steps(self, tx: ManagedTransaction, need_id: str) -> None:
        tx.run(statement(cypher.DELETE_STEPS), need=need_id).consume()

    def _select_steps(self, need_id: str) -> list[NeedStep]:
        records = self._query(cypher.NEED_STEPS, need=need_id)
        return [NeedStep.model_validate(r["props"]) for r in records]

    def _steps_by_action(self, actions: Sequence[str]) -> list[NeedStep]:
        records = self._query(cypher.STEPS_BY_ACTION, actions=list(actions))
        return [NeedStep.model_validate(r["props"]) for r in records]

    # the shared rules, with the connection checked and driver errors translated
    create = _translated(base.StoreBase.create)
    create_many = _translated(base.StoreBase.create_many)
    modify = _translated(base.StoreBase.modify)
    delete = _translated(base.StoreBase.delete)
    replace_resources = _translated(base.StoreBase.replace_resources)
    claim_need = _translated(base.StoreBase.claim_need)
    add_points = _translated(base.StoreBase.add_points)
    transition_need = _translated(base.StoreBase.transition_need)
    cooperation_network = _translated(base.StoreBase.cooperation_network)
    put_document = _translated(base.StoreBase.put_document)
    step_need = _translated(DeskRules.step_need)
    need_timeline = _translated(DeskRules.need_timeline)
    number_unnumbered = _translated(DeskRules.number_unnumbered)
    desk_steps = _translated(DeskRules.desk_steps)
    enqueue = _translated(OutboxRules.enqueue)
    outbox_claim = _translated(OutboxRules.outbox_claim)
    outbox_update = _translated(OutboxRules.outbox_update)
    outbox_expand = _translated(OutboxRules.outbox_expand)
    outbox_list = _translated(OutboxRules.outbox_list)
    outbox_get = _translated(OutboxRules.outbox_get)

    # -- outbox primitives (graph.outbox): (:Outbox) nodes outside the joint-building
    # graph (no relationships; left out of to_networkx), the payload as JSON text
    def _outbox_insert(self, tx: ManagedTransaction, rows: Sequence[OutboxRow]) -> int:
        first: dict[str, OutboxRow] = {}
        for r in rows:  # the same id twice in one UNWIND would count as new twice
            first.setdefault(r.id, r)
        if not first:
            return 0
        props = [_outbox_props(r) for r in first.values()]
        record = tx.run(_OUTBOX_INSERT, rows=props).single()
        return int(record["n"]) if record else 0

    def _outbox_due(
        self, tx: ManagedTransaction, kind: str, now: str, limit: int
    ) -> list[OutboxRow]:
        ids = [r["id"] for r in tx.run(_OUTBOX_DUE, kind=kind, due=list(DUE), now=now, limit=limit)]
        # locked, then read again by a later statement: a row another worker took while we
        # waited for its lock is no longer due
        rows = self._outbox_locked(tx, ids)
        return sorted(
            (r for r in rows if r.status in DUE and r.next_at <= now),
            key=lambda r: (r.next_at, r.id),
        )

    def _outbox_locked(self, tx: ManagedTransaction, ids: Sequence[str]) -> list[OutboxRow]:
        if not ids:
            return []
        tx.run(_OUTBOX_LOCK, ids=list(ids)).consume()
        return [_outbox_row(r["props"]) for r in tx.run(_OUTBOX_GET, ids=list(ids))]

    def _outbox_put(self, tx: ManagedTransaction, rows: Sequence[OutboxRow]) -> None:
        tx.run(_OUTBOX_PUT, rows=[_outbox_props(r) for r in rows]).consume()

    def _outbox_select(self, query: OutboxQuery) -> list[OutboxRow]:
        audience = None if query.audience is None else list(query.audience)
        records = self._query(
            _OUTBOX_SELECT,
            kind=query.kind,
            status=query.status,
            audience=audience,
            limit=query.limit,
        )
        return [_outbox_row(r["props"]) for r in records]

    list = _translated(base.StoreBase.list)

    # ------------------------------------------------------------------ relationships
    def set_adjacent(self, community_a: str, community_b: str) -> None:
        self.set_adjacent_many([(community_a, community_b)])

    @_translated
    def set_adjacent_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Bulk :meth:`set_adjacent` in one transaction; each pair stored once, small → large."""
        rows = [list(p) for p in base.sorted_pairs(pairs)]

        def work(tx: ManagedTransaction) -> None:
            require_ids(tx, "Community", {x for p in pairs for x in p})
            for part in base.chunks(rows, UNWIND_CHUNK):
                tx.run(statement(cypher.SET_ADJACENT), pairs=list(part)).consume()

        self._write(work)
        return len(rows)

    @_translated
    def remove_adjacent(self, community_a: str, community_b: str) -> None:
        self._execute_data(cypher.REMOVE_ADJACENT, a=community_a, b=community_b)

    @_translated
    def adjacency(self) -> list[tuple[str, str]]:
        pairs = {tuple(sorted((r["a"], r["b"]))) for r in self._query(cypher.ADJACENCY)}
        return sorted(cast(set[tuple[str, str]], pairs))

    def _merge_rels(self, query: str, rows: list[dict[str, Any]], ends: dict[str, str]) -> None:
        """Run ``query`` over ``rows`` in one transaction; ``ends`` maps a label to the row
        field naming its node, and every such node must exist first."""

        def work(tx: ManagedTransaction) -> None:
            for label, key in ends.items():
                require_ids(tx, label, {row[key] for row in rows})
            for part in base.chunks(rows, UNWIND_CHUNK):
                tx.run(statement(query), rows=list(part)).consume()

        self._write(work)

    @_translated
    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        rows = [{"unit_id": p.unit_id, "community_id": p.community_id} for p in pairings]
        self._merge_rels(
            cypher.ADD_PAIRINGS, rows, {"Unit": "unit_id", "Community": "community_id"}
        )
        return len(pairings)

    @_translated
    def remove_pairing(self, pairing: Pairing) -> None:
        self._execute_data(
            cypher.REMOVE_PAIRING, unit_id=pairing.unit_id, community_id=pairing.community_id
        )

    @_translated
    def pairings(
        self, *, unit_id: str | None = None, community_id: str | None = None
    ) -> list[Pairing]:
        text = cypher.pairings(by_unit=unit_id is not None, by_community=community_id is not None)
        records = self._query(text, unit_id=unit_id, community_id=community_id)
        return [Pairing(unit_id=r["unit_id"], community_id=r["community_id"]) for r in records]

    @_translated
    def add_assignments(self, assignments: Sequence[Assignment]) -> int:
        rows = [
            {
                "unit_id": a.unit_id,
                "activity_id": a.activity_id,
                "plan": a.plan_id,
                "role": a.role.value,
            }
            for a in assignments
        ]
        self._merge_rels(
            cypher.ADD_ASSIGNMENTS, rows, {"Unit": "unit_id", "Activity": "activity_id"}
        )
        return len(assignments)

    @_translated
    def remove_assignments(self, plan_id: str) -> int:
        def work(tx: ManagedTransaction) -> int:
            return int(
                tx.run(statement(cypher.REMOVE_ASSIGNMENTS), plan=plan_id).single()["removed"]
            )

        return self._write(work)

    @_translated
    def assignments(
        self, *, activity_id: str | None = None, unit_id: str | None = None
    ) -> list[Assignment]:
        text = cypher.assignments(by_activity=activity_id is not None, by_unit=unit_id is not None)
        records = self._query(text, activity_id=activity_id, unit_id=unit_id)
        return [
            Assignment(
                activity_id=r["activity_id"],
                unit_id=r["unit_id"],
                role=r["role"],
                plan_id=r["plan"],
            )
            for r in records
        ]

    # -- settings documents (graph.base.put_document): one (:GongjianDocument) node per name
    @_translated
    def get_document(self, name: str) -> base.StoredDocument | None:
        records = self._query(cypher.GET_DOCUMENT, name=name)
        if not records:
            return None
        return base.StoredDocument(int(records[0]["version"]), records[0]["body"])

    def _document_for_update(self, tx: ManagedTransaction, name: str) -> base.StoredDocument | None:
        # MERGE under the name's uniqueness constraint, then a write: the lock is held
        # until the transaction ends, so a second writer waits and reads our version
        record = tx.run(statement(cypher.LOCK_DOCUMENT), name=name).single(strict=True)
        if record["version"] is None:
            return None
        return base.StoredDocument(int(record["version"]), record["body"])

    def _document_write(
        self, tx: ManagedTransaction, name: str, document: base.StoredDocument
    ) -> None:
        tx.run(
            statement(cypher.PUT_DOCUMENT),
            name=name,
            version=document.version,
            body=document.body,
        ).consume()

    # ------------------------------------------------------------------ reads
    @_translated
    def snapshot(self, quarter: str, subdistrict: str | None = None) -> Snapshot:
        """Everything the planner needs for ``quarter``, read in one read transaction; of
        one sub-district when ``subdistrict`` is given (its needs and activities read by
        the indexed ``subdistrict`` property, the rest narrowed by :func:`base.scope_snapshot`)."""
        quarter = parse_quarter(quarter)
        scope = [] if subdistrict is None else ["subdistrict"]
        scope_params = {} if subdistrict is None else {"f_subdistrict": subdistrict}

        def work(tx: ManagedTransaction) -> dict[str, list[Any]]:
            def props(text: str, **params: Any) -> list[dict[str, Any]]:
                return [r["props"] for r in tx.run(statement(text), **params)]

            need_filter = cypher.list_nodes("Need", ["quarter", "status", *scope], limited=False)
            activity_filter = cypher.list_nodes("Activity", ["quarter", *scope], limited=False)
            return {
                "communities": props(cypher.all_nodes("Community")),
                "adjacency": [(r["a"], r["b"]) for r in tx.run(statement(cypher.ADJACENCY))],
                "units": props(cypher.all_nodes("Unit")),
                "resources": props(cypher.RESOURCES_IN_QUARTER, quarter=quarter),
                "needs": props(
                    need_filter, f_quarter=quarter, f_status="open", offset=0, **scope_params
                ),
                "activities": props(activity_filter, f_quarter=quarter, offset=0, **scope_params),
                "pairings": [
                    (r["unit_id"], r["community_id"])
                    for r in tx.run(statement(cypher.pairings(by_unit=False, by_community=False)))
                ],
                "history": [
                    (r["unit"], r["community"], int(r["n"]))
                    for r in tx.run(statement(cypher.HISTORY), quarter=quarter)
                ],
            }

        raw = self._read(work)
        snap = Snapshot(
            quarter=quarter,
            communities=[entity_from_props(Community, p) for p in raw["communities"]],
            adjacency=sorted(tuple(sorted(p)) for p in raw["adjacency"]),
            units=[entity_from_props(Unit, p) for p in raw["units"]],
            resources=[entity_from_props(Resource, p) for p in raw["resources"]],
            needs=[entity_from_props(Need, p) for p in raw["needs"]],
            activities=[entity_from_props(Activity, p) for p in raw["activities"]],
            pairings=[Pairing(unit_id=u, community_id=c) for u, c in raw["pairings"]],
            history=sorted(raw["history"]),
        )
        return base.scope_snapshot(snap, subdistrict)

    def _cooperation_facts(self) -> CooperationFacts:
        def work(tx: ManagedTransaction) -> CooperationFacts:
            located = [
                (r["type"], r["unit"], r["community"])
                for r in tx.run(statement(cypher.COOPERATION_LOCATED))
            ]
            return CooperationFacts(
                located=[(u, c) for rel, u, c in located if rel == "LOCATED_IN"],
                paired=[(u, c) for rel, u, c in located if rel == "PAIRED_WITH"],
                claims=[
                    (r["unit"], r["community"], int(r["n"]))
                    for r in tx.run(statement(cypher.COOPERATION_CLAIMS))
                ],
                assigned=[
                    (r["unit"], r["activity"], r["community"])
                    for r in tx.run(statement(cypher.COOPERATION_ASSIGNED))
                ],
            )

        return self._read(work)

    def _names(self, keys: Iterable[str]) -> dict[str, str]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            label, node_id = k.split(":", 1)
            by_label[label].append(node_id)

        def work(tx: ManagedTransaction) -> dict[str, str]:
            out: dict[str, str] = {}
            for label, ids in by_label.items():
                for r in tx.run(statement(cypher.names(label)), ids=ids):
                    out[base.node_key(label, r["id"])] = r["name"]
            return out

        return self._read(work)

    @_translated
    def stats(self) -> dict[str, int]:
        out = {label: 0 for label in cypher.LABELS}
        out.update({rel: 0 for rel in cypher.REL_TYPES})
        for r in self._query(cypher.stats()):
            out[r["key"]] = int(r["n"])
        return out

    @_translated
    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph; node attributes are ``label`` plus the entity's JSON fields."""

        def work(tx: ManagedTransaction) -> tuple[list[Any], list[Any]]:
            nodes = [(r["labels"], r["props"]) for r in tx.run(statement(cypher.TO_NETWORKX_NODES))]
            rels = [
                (r["src_labels"], r["src"], r["type"], r["props"], r["dst_labels"], r["dst"])
                for r in tx.run(statement(cypher.TO_NETWORKX_RELS))
            ]
            return nodes, rels

        nodes, rels = self._read(work)
        g = nx.MultiDiGraph()
        for labels, props in nodes:
            if "Outbox" in labels:  # notifications, not part of the joint-building graph
                continue
            label = _main_label(labels)
            attrs = {k: v for k, v in props.items() if not k.startswith("_")}
            if label in cypher.LABELS:
                # stored properties are the entity's JSON fields already; decode the nested ones
                for field in json_fields(entity_type(label)):
                    if isinstance(attrs.get(field), str):
                        attrs[field] = json.loads(attrs[field])
            g.add_node(base.node_key(label, props.get("id", "")), label=label, **attrs)
        for src_labels, src, rel, props, dst_labels, dst in rels:
            g.add_edge(
                base.node_key(_main_label(src_labels), src),
                base.node_key(_main_label(dst_labels), dst),
                type=rel,
                **props,
            )
        return g


def _main_label(labels: Sequence[str]) -> str:
    for label in labels:
        if label in cypher.LABELS:
            return label
    return labels[0] if labels else ""


# --------------------------------------------------------------------------- outbox
_OUTBOX_SCHEMA = (
    "CREATE CONSTRAINT gongjian_outbox_id IF NOT EXISTS FOR (o:Outbox) REQUIRE o.id IS UNIQUE",
    "CREATE INDEX gongjian_outbox_due IF NOT EXISTS FOR (o:Outbox) ON (o.kind, o.status, o.next_at)",
    "CREATE INDEX gongjian_outbox_created IF NOT EXISTS FOR (o:Outbox) ON (o.created_at)",
)
_OUTBOX_INSERT = (
    "UNWIND $rows AS row MERGE (o:Outbox {id: row.id}) ON CREATE SET o += row, o._new = true"
    " WITH o WHERE o._new REMOVE o._new RETURN count(o) AS n"
)
_OUTBOX_DUE = (
    "MATCH (o:Outbox) WHERE o.kind = $kind AND o.status IN $due AND o.next_at <= $now"
    " RETURN o.id AS id ORDER BY o.next_at, o.id LIMIT $limit"
)
_OUTBOX_LOCK = "UNWIND $ids AS id MATCH (o:Outbox {id: id}) SET o._lock = true REMOVE o._lock"
_OUTBOX_GET = "UNWIND $ids AS id MATCH (o:Outbox {id: id}) RETURN properties(o) AS props"
_OUTBOX_PUT = "UNWIND $rows AS row MATCH (o:Outbox {id: row.id}) SET o = row"
_OUTBOX_SELECT = (
    "MATCH (o:Outbox) WHERE ($kind IS NULL OR o.kind = $kind)"
    " AND ($status IS NULL OR o.status = $status)"
    " AND ($audience IS NULL OR any(a IN o.audience WHERE a IN $audience))"
    " RETURN properties(o) AS props ORDER BY o.created_at DESC, o.id DESC LIMIT $limit"
)


def _outbox_props(row: OutboxRow) -> dict[str, Any]:
    props = row.model_dump(mode="json", exclude={"payload"})
    props["payload"] = json.dumps(row.payload, ensure_ascii=False)
    return props


def _outbox_row(props: dict[str, Any]) -> OutboxRow:
    props = dict(props)
    props["payload"] = json.loads(props.get("payload") or "{}")
    return OutboxRow.model_validate(props)
