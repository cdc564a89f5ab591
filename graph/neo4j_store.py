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
"""

from __future__ import annotations

import functools
import json
import typing
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar, cast

import networkx as nx
from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl
from neo4j import exceptions as neo4j_errors
from pydantic import BaseModel

from gongjian.core.errors import (
    ConflictError,
    GongjianError,
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
)
from gongjian.graph import cypher
from gongjian.graph.model import (
    ENTITY_TYPES,
    Activity,
    Assignment,
    Community,
    Entity,
    Need,
    NeedStatus,
    NetEdge,
    NetNode,
    Network,
    Pairing,
    Resource,
    Snapshot,
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
    quarter_dates,
    resources_etag,
    transition_update,
)
from gongjian.graph.store import LIST_FILTERS

__all__ = ["Neo4jStore", "entity_from_props", "entity_props", "translate_errors"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="Neo4jStore")

#: rows per ``UNWIND`` statement for relationship writes and id look-ups
_CHUNK = 5000

_UNAVAILABLE = "图数据库不可用 (graph database unavailable)"

#: URI schemes of the Bolt protocol (the driver's HTTP preview is not used)
_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _q(text: str) -> LiteralString:
    # Statements come from gongjian.graph.cypher only (whitelisted labels and types).
    return cast(LiteralString, text)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(label: str, node_id: str) -> str:
    return f"{label}:{node_id}"


# --------------------------------------------------------------------------- errors


@contextmanager
def translate_errors(uri: str) -> Iterator[None]:
    """Turn driver and server errors into the project's exceptions.

    * unreachable server, lost session, bad credentials, missing database →
      :class:`StoreUnavailableError` (图数据库不可用) naming the URI and the reason;
    * a uniqueness constraint violated → :class:`ConflictError`;
    * any other client error (a value the server refuses) → :class:`InvalidInputError`.

    Syntax errors in our own statements are bugs and pass through untouched.
    """
    try:
        yield
    except GongjianError:
        raise
    except neo4j_errors.AuthError as exc:
        raise StoreUnavailableError(
            f"{_UNAVAILABLE}: 认证失败，请检查 GONGJIAN_NEO4J_USER / GONGJIAN_NEO4J_PASSWORD "
            f"(authentication failed at {uri}): {_one_line(exc)}",
            uri=uri,
        ) from None
    except neo4j_errors.ConstraintError as exc:
        raise ConflictError(f"违反唯一性约束 (constraint violated): {_one_line(exc)}") from None
    except neo4j_errors.CypherSyntaxError:
        raise
    except neo4j_errors.ClientError as exc:
        code = exc.code or ""
        if code.startswith("Neo.ClientError.Security.") or code.startswith(
            "Neo.ClientError.Database."
        ):
            raise StoreUnavailableError(
                f"{_UNAVAILABLE}: {uri}: {_one_line(exc)}", uri=uri, code=code
            ) from None
        raise InvalidInputError(
            f"图数据库拒绝了该值 (value refused by Neo4j): {_one_line(exc)}"
        ) from None
    except neo4j_errors.TransientError as exc:
        # still failing after the driver's retries (deadlocks, a database starting up)
        raise StoreUnavailableError(
            f"{_UNAVAILABLE}: 服务器繁忙，请稍后重试 (server busy at {uri}, retry later): "
            f"{_one_line(exc)}",
            uri=uri,
        ) from None
    except (
        neo4j_errors.ServiceUnavailable,
        neo4j_errors.SessionExpired,
        neo4j_errors.ConnectionPoolError,
        neo4j_errors.ConfigurationError,
        neo4j_errors.DatabaseError,
        OSError,
    ) as exc:
        raise StoreUnavailableError(
            f"{_UNAVAILABLE}: 无法连接 {uri} (cannot use the server at {uri}): {_one_line(exc)}",
            uri=uri,
        ) from None


def _one_line(exc: BaseException) -> str:
    reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(reason).split())


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


# --------------------------------------------------------------------------- properties


def _is_nested(annotation: Any) -> bool:
    """Whether a field holds values Neo4j cannot store as a property (models, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if typing.get_origin(annotation) is dict:
        return True
    return any(_is_nested(arg) for arg in typing.get_args(annotation))


@functools.cache
def _json_fields(kind: type[Entity]) -> frozenset[str]:
    return frozenset(
        name for name, info in kind.model_fields.items() if _is_nested(info.annotation)
    )


def entity_props(entity: Entity) -> dict[str, Any]:
    """The node properties of an entity: flat JSON values, nested ones as JSON text.

    >>> from gongjian.graph.model import Community
    >>> entity_props(Community(id="c1", name="星城社区"))
    {'id': 'c1', 'name': '星城社区'}
    """
    props = entity.model_dump(mode="json", exclude_none=True)
    for field in _json_fields(type(entity)):
        if field in props:
            props[field] = json.dumps(props[field], ensure_ascii=False)
    return props


def entity_from_props(kind: type[E], props: dict[str, Any]) -> E:
    """The entity back from its node properties (inverse of :func:`entity_props`)."""
    data = {k: v for k, v in props.items() if not k.startswith("_")}
    for field in _json_fields(kind):
        if isinstance(data.get(field), str):
            data[field] = json.loads(data[field])
    return kind.model_validate(data)


def _entity_row(entity: Entity, fields: Sequence[str]) -> list[Any]:
    """An entity's properties as a list in ``fields`` order (None: absent)."""
    props = entity_props(entity)
    return [props.get(f) for f in fields]


def _filter_value(value: Any) -> Any:
    return getattr(value, "value", value)


def _label_of(kind: type[Entity]) -> str:
    if kind not in ENTITY_TYPES:
        raise InvalidInputError(
            f"不是实体类型 (not an entity type): {getattr(kind, '__name__', kind)}"
        )
    return kind.LABEL


# --------------------------------------------------------------------------- transaction work


def _existing(tx: ManagedTransaction, label: str, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for part in _chunks(wanted, _CHUNK):
        record = tx.run(_q(cypher.existing_ids(label)), ids=list(part)).single(strict=True)
        found.update(record["ids"])
    return found


def _require(tx: ManagedTransaction, label: str, ids: Iterable[str]) -> None:
    ids = set(ids)
    absent = ids - _existing(tx, label, ids)
    if absent:
        raise NotFoundError(label, sorted(absent)[0])


class _MissingTarget(InvalidInputError):
    """A relationship target is missing (the transaction is rolled back)."""


def _write_batch(
    tx: ManagedTransaction,
    batch: Sequence[tuple[type[Entity], Sequence[Entity]]],
    *,
    fast: bool = True,
) -> None:
    """Write groups of entities in dependency order, in one transaction."""
    for kind, entities in batch:
        _write_group(tx, kind, entities, fast=fast)


def _write_group(
    tx: ManagedTransaction, kind: type[Entity], entities: Sequence[Entity], *, fast: bool = True
) -> None:
    """Write entities of one class and (re-)point their owned relationships.

    With ``fast``, ids not yet in the graph take the cheaper CREATE statement and
    only the others the MERGE / re-point one; if another transaction creates one of
    those ids meanwhile, the uniqueness constraint fails this transaction and the
    caller runs it again without ``fast``.
    """
    label = kind.LABEL
    fields = cypher.entity_fields(kind)
    rows = [_entity_row(e, fields) for e in entities]
    existing = _existing(tx, label, (r[0] for r in rows)) if fast else None
    plans = (
        [(cypher.merge_entities(kind), rows)]
        if existing is None
        else [
            (cypher.create_entities(kind), [r for r in rows if r[0] not in existing]),
            (cypher.merge_entities(kind), [r for r in rows if r[0] in existing]),
        ]
    )
    for text, part in plans:
        if not part:
            continue
        record = tx.run(_q(text), rows=part).single(strict=True)
        for i, ref in enumerate(kind.REFS):
            column = fields.index(ref.field)
            expected = sum(1 for r in part if r[column] is not None)
            if record[f"m{i}"] != expected:
                raise _MissingTarget(
                    f"引用了不存在的节点 (unknown references): {label}.{ref.field} → {ref.target}"
                )


def _load_need(tx: ManagedTransaction, need_id: str) -> Need:
    """The need, read after taking its write lock (held until the transaction ends)."""
    if tx.run(_q(cypher.lock_node("Need")), id=need_id).single() is None:
        raise NotFoundError("Need", need_id)
    record = tx.run(_q(cypher.get_node("Need")), id=need_id).single(strict=True)
    return entity_from_props(Need, record["props"])


# --------------------------------------------------------------------------- the store


class Neo4jStore:
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
        if scheme not in _SCHEMES:
            raise StoreUnavailableError(
                f"{_UNAVAILABLE}: 地址无效 (invalid URI) {uri!r}: 应以 "
                f"{' / '.join(s + '://' for s in _SCHEMES)} 开头 (Bolt URIs only)",
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
                    f"{_UNAVAILABLE}: 地址无效 (invalid URI) {uri!r}: {exc}", uri=uri
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
                    f"{_UNAVAILABLE}: 地址无效 (invalid URI) {self.uri!r}: {exc}", uri=self.uri
                ) from None
            self._verified = True

    def _session_config(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "bookmark_manager": self._driver.execute_query_bookmark_manager,
        }

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed write transaction (retried on transient errors)."""
        with self._driver.session(**self._session_config()) as session:
            return session.execute_write(work)

    def _read(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run ``work`` in one managed read transaction (a consistent view)."""
        with self._driver.session(**self._session_config()) as session:
            return session.execute_read(work)

    def _query(self, text: str, **params: Any) -> list[Any]:
        """One read statement, routed as a read; its records."""
        return self._driver.execute_query(
            _q(text), params, routing_=RoutingControl.READ, database_=self.database
        ).records

    def _execute(self, text: str, **params: Any) -> None:
        """One write statement in its own transaction."""
        self._driver.execute_query(_q(text), params, database_=self.database)

    # ------------------------------------------------------------------ life cycle
    @_translated
    def migrate(self) -> None:
        """Uniqueness of ``id`` for every label plus the filter indexes (idempotent)."""
        statements = [cypher.constraint(label) for label in cypher.LABELS]
        statements += [
            cypher.index(label, prop)
            for label, props in cypher.INDEXED_PROPERTIES.items()
            for prop in props
        ]
        for text in statements:
            try:
                self._execute(text)
            except neo4j_errors.ClientError as exc:
                # another process migrating at the same moment created it first
                if "AlreadyExists" not in (exc.code or ""):
                    raise
        self._execute(cypher.AWAIT_INDEXES, seconds=300)

    def close(self) -> None:
        self._driver.close()

    @_translated
    def clear(self) -> None:
        # CALL {…} IN TRANSACTIONS needs an auto-commit transaction.
        with self._driver.session(**self._session_config()) as session:
            session.run(_q(cypher.CLEAR)).consume()

    # ------------------------------------------------------------------ entities
    def _check_refs(self, entities: Sequence[Entity]) -> None:
        """Every reference must name a node that exists or is written in this call."""
        in_call: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            in_call[e.LABEL].add(e.id)
        wanted: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            for ref, target in e.ref_targets():
                if target not in in_call[ref.target]:
                    wanted[ref.target].add(target)
        if not wanted:
            return

        def work(tx: ManagedTransaction) -> dict[str, set[str]]:
            return {label: ids - _existing(tx, label, ids) for label, ids in wanted.items()}

        absent = self._read(work)
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
        if missing:
            head = "; ".join(f"{m['field']}: {m['message']}" for m in missing[:5])
            more = f" …（共 {len(missing)} 处）" if len(missing) > 5 else ""
            raise InvalidInputError(
                f"引用了不存在的节点 (unknown references): {head}{more}", missing
            )

    def upsert(self, entity: Entity) -> Entity:
        self.upsert_many([entity])
        return entity

    @_translated
    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """Write entities label by label (dependency order), ``batch_size`` rows per transaction.

        A call of at most ``batch_size`` entities is one transaction: a reference to a
        missing node rolls all of it back. A larger call has every reference checked
        before its first batch is written. The same id twice in one call: the last
        one wins.
        """
        items = list(entities)
        for e in items:
            if not isinstance(e, Entity) or type(e) not in ENTITY_TYPES:
                raise InvalidInputError(f"不是实体 (not an entity): {type(e).__name__}")
        if not items:
            return 0
        if batch_size < 1:
            raise InvalidInputError("batch_size 至少为 1 (batch_size must be ≥ 1)")
        latest: dict[tuple[str, str], Entity] = {}
        for e in items:
            latest[(e.LABEL, e.id)] = e
        unique = list(latest.values())
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
                for chunk in _chunks(groups.get(kind, []), batch_size)
            ]
        try:
            for batch in batches:
                try:
                    self._write(functools.partial(_write_batch, batch=batch))
                except neo4j_errors.ConstraintError:
                    # created concurrently between our id check and our CREATE: merge instead
                    self._write(functools.partial(_write_batch, batch=batch, fast=False))
        except _MissingTarget:
            self._check_refs(unique)  # names every missing reference
            raise
        return len(items)

    @_translated
    def get(self, kind: type[E], node_id: str) -> E:
        label = _label_of(kind)
        records = self._query(cypher.get_node(label), id=node_id)
        if not records:
            raise NotFoundError(label, node_id)
        return entity_from_props(kind, records[0]["props"])

    def _filters(self, label: str, filters: dict[str, Any] | None) -> dict[str, Any]:
        allowed = LIST_FILTERS[label]
        out: dict[str, Any] = {}
        for field, value in sorted((filters or {}).items()):
            if field not in allowed:
                raise InvalidInputError(
                    f"不支持按 '{field}' 筛选 (unknown filter); 可选: {', '.join(sorted(allowed))}",
                    [{"field": field, "message": "unknown filter"}],
                )
            if value is not None:
                out[field] = _filter_value(value)
        return out

    @_translated
    def list(
        self,
        kind: type[E],
        *,
        filters: dict[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> list[E]:
        label = _label_of(kind)
        if offset < 0 or (limit is not None and limit < 0):
            raise InvalidInputError("offset 和 limit 不能为负 (offset/limit must be ≥ 0)")
        where = self._filters(label, filters)
        params = {f"f_{k}": v for k, v in where.items()}
        text = cypher.list_nodes(label, list(where), limited=limit is not None)
        records = self._query(text, offset=offset, limit=limit, **params)
        return [entity_from_props(kind, r["props"]) for r in records]

    @_translated
    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int:
        label = _label_of(kind)
        where = self._filters(label, filters)
        params = {f"f_{k}": v for k, v in where.items()}
        return int(self._query(cypher.count_nodes(label, list(where)), **params)[0]["n"])

    @_translated
    def delete(self, kind: type[Entity], node_id: str) -> None:
        """Delete a node and its other relationships; ConflictError while others reference it."""
        label = _label_of(kind)
        refs = [(k.LABEL, ref) for k in ENTITY_TYPES for ref in k.REFS if ref.target == label]

        def work(tx: ManagedTransaction) -> None:
            if tx.run(_q(cypher.lock_node(label)), id=node_id).single() is None:
                raise NotFoundError(label, node_id)
            deps: dict[str, int] = {}
            if refs:
                record = tx.run(_q(cypher.dependents(label, refs)), id=node_id).single(strict=True)
                for i, (source, _ref) in enumerate(refs):
                    n = int(record[f"c{i}"])
                    if n:
                        zh = entity_type(source).LABEL_ZH
                        deps[zh] = deps.get(zh, 0) + n
            if deps:
                what = "、".join(f"{k} {v} 个" for k, v in deps.items())
                raise ConflictError(
                    f"{kind.LABEL_ZH} '{node_id}' 仍被引用，不能删除：{what} (still referenced)",
                    dependents=deps,
                )
            tx.run(_q(cypher.delete_node(label)), id=node_id).consume()

        self._write(work)

    @_translated
    def modify(self, kind: type[E], node_id: str, change: Callable[[E], E]) -> E:
        """Read-modify-write under the node's write lock (see :func:`cypher.lock_node`)."""
        label = _label_of(kind)

        def work(tx: ManagedTransaction) -> E:
            if tx.run(_q(cypher.lock_node(label)), id=node_id).single() is None:
                raise NotFoundError(label, node_id)
            record = tx.run(_q(cypher.get_node(label)), id=node_id).single(strict=True)
            new = apply_change(kind, node_id, entity_from_props(kind, record["props"]), change)
            _write_group(tx, kind, [new], fast=False)
            return new

        return self._write(work)

    @_translated
    def replace_resources(
        self, unit_id: str, resources: Sequence[Resource], *, if_match: str | None = None
    ) -> str:
        """Replace the declared set in one transaction, holding the unit's write lock."""
        new = declared_resources(unit_id, resources)
        ids = [r.id for r in new]

        def work(tx: ManagedTransaction) -> None:
            if tx.run(_q(cypher.lock_node("Unit")), id=unit_id).single() is None:
                raise NotFoundError("Unit", unit_id)
            current = [
                entity_from_props(Resource, r["props"])
                for r in tx.run(_q(cypher.resources_of_unit()), unit=unit_id)
            ]
            check_etag(current, if_match)
            foreign = [
                r["id"] for r in tx.run(_q(cypher.foreign_resources()), ids=ids, unit=unit_id)
            ]
            if foreign:
                raise ConflictError(
                    f"资源编号已属于其他单位 (resource ids owned by another unit): {', '.join(foreign)}",
                    ids=foreign,
                )
            tx.run(_q(cypher.delete_unit_resources()), unit=unit_id, keep=ids).consume()
            if new:
                _write_group(tx, Resource, new, fast=False)

        self._write(work)
        return resources_etag(new)

    # ------------------------------------------------------------------ relationships
    def set_adjacent(self, community_a: str, community_b: str) -> None:
        self.set_adjacent_many([(community_a, community_b)])

    @_translated
    def set_adjacent_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Bulk :meth:`set_adjacent` in one transaction; each pair stored once, small → large."""
        rows = []
        for a, b in pairs:
            if a == b:
                raise InvalidInputError(
                    f"社区不能与自身相邻 (a community is not adjacent to itself): {a}"
                )
            rows.append(sorted((a, b)))

        def work(tx: ManagedTransaction) -> None:
            _require(tx, "Community", {x for p in pairs for x in p})
            for part in _chunks(rows, _CHUNK):
                tx.run(_q(cypher.SET_ADJACENT), pairs=list(part)).consume()

        self._write(work)
        return len(rows)

    @_translated
    def remove_adjacent(self, community_a: str, community_b: str) -> None:
        self._execute(cypher.REMOVE_ADJACENT, a=community_a, b=community_b)

    @_translated
    def adjacency(self) -> list[tuple[str, str]]:
        pairs = {tuple(sorted((r["a"], r["b"]))) for r in self._query(cypher.ADJACENCY)}
        return sorted(cast(set[tuple[str, str]], pairs))

    @_translated
    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        rows = [{"unit_id": p.unit_id, "community_id": p.community_id} for p in pairings]

        def work(tx: ManagedTransaction) -> None:
            _require(tx, "Unit", {p.unit_id for p in pairings})
            _require(tx, "Community", {p.community_id for p in pairings})
            for part in _chunks(rows, _CHUNK):
                tx.run(_q(cypher.ADD_PAIRINGS), rows=list(part)).consume()

        self._write(work)
        return len(pairings)

    @_translated
    def remove_pairing(self, pairing: Pairing) -> None:
        self._execute(
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

        def work(tx: ManagedTransaction) -> None:
            _require(tx, "Unit", {a.unit_id for a in assignments})
            _require(tx, "Activity", {a.activity_id for a in assignments})
            for part in _chunks(rows, _CHUNK):
                tx.run(_q(cypher.ADD_ASSIGNMENTS), rows=list(part)).consume()

        self._write(work)
        return len(assignments)

    @_translated
    def remove_assignments(self, plan_id: str) -> int:
        def work(tx: ManagedTransaction) -> int:
            return int(tx.run(_q(cypher.REMOVE_ASSIGNMENTS), plan=plan_id).single()["removed"])

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

    # ------------------------------------------------------------------ work orders
    @_translated
    def claim_need(self, need_id: str, unit_id: str) -> Need:
        """Atomically claim an open need.

        The transaction first takes the need's write lock (:func:`cypher.lock_node`),
        then reads its status: a concurrent claimant waits for the lock and then sees
        ``claimed``, so exactly one of them wins.
        """

        def work(tx: ManagedTransaction) -> Need:
            need = _load_need(tx, need_id)
            _require(tx, "Unit", [unit_id])
            check_claimable(need)
            claimed = need.model_copy(
                update={
                    "status": NeedStatus.claimed,
                    "claimed_by": unit_id,
                    "claimed_at": now_utc(),
                }
            )
            _write_group(tx, Need, [claimed], fast=False)
            return claimed

        return self._write(work)

    @_translated
    def transition_need(
        self,
        need_id: str,
        target: NeedStatus,
        *,
        unit_id: str | None = None,
        satisfaction: int | None = None,
    ) -> Need:
        target = parse_status(target)
        if target == NeedStatus.claimed:
            if unit_id is None:
                raise InvalidInputError("认领需要单位 (claiming needs a unit_id)")
            return self.claim_need(need_id, unit_id)
        update = transition_update(target, satisfaction)

        def work(tx: ManagedTransaction) -> Need:
            need = _load_need(tx, need_id)
            check_actor(need, unit_id)
            check_transition(need_id, need.status, target)
            changed = need.model_copy(update=update)
            _write_group(tx, Need, [changed], fast=False)
            return changed

        return self._write(work)

    # ------------------------------------------------------------------ reads
    @_translated
    def snapshot(self, quarter: str) -> Snapshot:
        """Everything the planner needs for ``quarter``, read in one read transaction."""
        try:
            quarter_dates(quarter)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(str(exc), [{"field": "quarter", "message": str(exc)}]) from None

        def work(tx: ManagedTransaction) -> dict[str, list[Any]]:
            def props(text: str, **params: Any) -> list[dict[str, Any]]:
                return [r["props"] for r in tx.run(_q(text), **params)]

            need_filter = cypher.list_nodes("Need", ["quarter", "status"], limited=False)
            activity_filter = cypher.list_nodes("Activity", ["quarter"], limited=False)
            return {
                "communities": props(cypher.all_nodes("Community")),
                "adjacency": [(r["a"], r["b"]) for r in tx.run(_q(cypher.ADJACENCY))],
                "units": props(cypher.all_nodes("Unit")),
                "resources": props(cypher.RESOURCES_IN_QUARTER, quarter=quarter),
                "needs": props(need_filter, f_quarter=quarter, f_status="open", offset=0),
                "activities": props(activity_filter, f_quarter=quarter, offset=0),
                "pairings": [
                    (r["unit_id"], r["community_id"])
                    for r in tx.run(_q(cypher.pairings(by_unit=False, by_community=False)))
                ],
                "history": [
                    (r["unit"], r["community"], int(r["n"]))
                    for r in tx.run(_q(cypher.HISTORY), quarter=quarter)
                ],
            }

        raw = self._read(work)
        return Snapshot(
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

    @_translated
    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        """Nodes within ``hops`` of the centre (expanded frontier by frontier in Cypher)."""
        if label not in ("Unit", "Community"):
            raise InvalidInputError(
                f"合作网络的中心须为单位或社区 (label must be Unit or Community): {label}"
            )
        if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 4:
            raise InvalidInputError("跳数应在 0–4 之间 (hops must be 0–4)")
        center = self.get(entity_type(label), node_id)

        def work(tx: ManagedTransaction) -> tuple[dict[tuple[str, str], int], list[Any], dict]:
            dist = {(label, center.id): 0}
            frontier = [(label, center.id)]
            for step in range(1, hops + 1):
                if not frontier:
                    break
                records = tx.run(
                    _q(cypher.COOPERATION_NEIGHBOURS),
                    units=[i for lb, i in frontier if lb == "Unit"],
                    communities=[i for lb, i in frontier if lb == "Community"],
                )
                frontier = []
                for r in records:
                    key = (r["label"], r["id"])
                    if key not in dist:
                        dist[key] = step
                        frontier.append(key)
            units = sorted(i for lb, i in dist if lb == "Unit")
            communities = sorted(i for lb, i in dist if lb == "Community")
            edges = list(tx.run(_q(cypher.COOPERATION_EDGES), units=units, communities=communities))
            names: dict[tuple[str, str], str] = {}
            for lb, ids in (("Unit", units), ("Community", communities)):
                for r in tx.run(_q(cypher.names(lb)), ids=ids):
                    names[(lb, r["id"])] = r["name"]
            return dist, edges, names

        dist, records, names = self._read(work)
        nodes = [
            NetNode(key=_key(lb, i), id=i, label=lb, name=names[(lb, i)], hops=d)
            for (lb, i), d in dist.items()
        ]
        nodes.sort(key=lambda n: (n.hops, n.key))
        edges = []
        for r in records:
            a, b = sorted((_key("Unit", r["unit"]), _key(r["label"], r["other"])))
            edges.append(NetEdge(source=a, target=b, type=r["type"], weight=int(r["weight"])))
        edges.sort(key=lambda e: (e.source, e.target, e.type))
        return Network(center=_key(label, center.id), hops=hops, nodes=nodes, edges=edges)

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
            nodes = [(r["labels"], r["props"]) for r in tx.run(_q(cypher.TO_NETWORKX_NODES))]
            rels = [
                (r["src_labels"], r["src"], r["type"], r["props"], r["dst_labels"], r["dst"])
                for r in tx.run(_q(cypher.TO_NETWORKX_RELS))
            ]
            return nodes, rels

        nodes, rels = self._read(work)
        g = nx.MultiDiGraph()
        for labels, props in nodes:
            label = _main_label(labels)
            attrs = {k: v for k, v in props.items() if not k.startswith("_")}
            if label in cypher.LABELS:
                # stored properties are the entity's JSON fields already; decode the nested ones
                for field in _json_fields(entity_type(label)):
                    if isinstance(attrs.get(field), str):
                        attrs[field] = json.loads(attrs[field])
            g.add_node(_key(label, props.get("id", "")), label=label, **attrs)
        for src_labels, src, rel, props, dst_labels, dst in rels:
            g.add_edge(
                _key(_main_label(src_labels), src),
                _key(_main_label(dst_labels), dst),
                type=rel,
                **props,
            )
        return g


def _main_label(labels: Sequence[str]) -> str:
    for label in labels:
        if label in cypher.LABELS:
            return label
    return labels[0] if labels else ""
