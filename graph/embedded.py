"""The embedded store: the property graph in one SQLite file (the default).

Nodes live in ``nodes(label, id, props JSON)``, relationships in
``rels(type, src_label, src, dst_label, dst, key, props JSON)``. The database
runs in WAL mode with ``synchronous=FULL``: a write that returned has been
fsynced and survives ``kill -9`` (and power loss). Every write is one
``BEGIN IMMEDIATE`` transaction, so concurrent writers — threads or
processes — are serialised by SQLite itself; that is what makes
:meth:`EmbeddedStore.claim_need` atomic.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from gongjian.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
)
from gongjian.core.sqlite import connect_durable, immediate
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
    parse_quarter,
    parse_status,
    resources_etag,
    transition_update,
)
from gongjian.graph.store import LIST_FILTERS, REL_TYPES

__all__ = ["EmbeddedStore"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes(
    label TEXT NOT NULL,
    id    TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (label, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels(
    type      TEXT NOT NULL,
    src_label TEXT NOT NULL,
    src       TEXT NOT NULL,
    dst_label TEXT NOT NULL,
    dst       TEXT NOT NULL,
    key       TEXT NOT NULL DEFAULT '',
    props     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (type, src_label, src, dst_label, dst, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_by_dst ON rels(dst_label, dst, type);
CREATE INDEX IF NOT EXISTS rels_by_src ON rels(src_label, src, type);
CREATE INDEX IF NOT EXISTS nodes_quarter ON nodes(label, json_extract(props, '$.quarter'));
CREATE INDEX IF NOT EXISTS nodes_community ON nodes(label, json_extract(props, '$.community_id'));
CREATE INDEX IF NOT EXISTS nodes_status ON nodes(label, json_extract(props, '$.status'));
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
"""

# SQLite's default limit on bound variables is 32766; stay well below.
_CHUNK = 900


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _key(label: str, node_id: str) -> str:
    return f"{label}:{node_id}"


def _filter_value(value: Any) -> Any:
    return getattr(value, "value", value)


class EmbeddedStore:
    """:class:`~gongjian.graph.store.GraphStore` on a single SQLite file.

    Parameters
    ----------
    path:
        The database file; created with its folder if missing. ``":memory:"`` is
        refused because each thread has its own connection.
    """

    def __init__(self, path: str | Path) -> None:
        if str(path) == ":memory:":
            raise InvalidInputError("嵌入式存储需要文件路径 (embedded store needs a file path)")
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailableError(f"无法创建数据库目录 {self.path.parent}: {exc}") from exc
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # a larger page cache keeps index b-trees in memory during bulk loads
            conn = connect_durable(self.path, pragmas=("foreign_keys=OFF", "cache_size=-65536"))
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction; rolled back on any error."""
        with immediate(self._conn(), self._write_lock) as conn:
            yield conn

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"数据库读取失败 (database read failed): {exc}") from exc

    # ------------------------------------------------------------------ life cycle
    def migrate(self) -> None:
        """Create tables and indexes (idempotent)."""
        with self._write_lock:
            try:
                self._conn().executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise StoreUnavailableError(
                    f"数据库文件无法使用 {self.path} (not a usable database): {exc}"
                ) from exc

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def clear(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM rels")
            conn.execute("DELETE FROM nodes")

    # ------------------------------------------------------------------ entities
    def _existing_ids(self, conn: sqlite3.Connection, label: str, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        found: set[str] = set()
        for part in _chunks(wanted):
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                f"SELECT id FROM nodes WHERE label = ? AND id IN ({marks})", (label, *part)
            ).fetchall()
            found.update(r[0] for r in rows)
        return found

    def _check_refs(self, conn: sqlite3.Connection, entities: Sequence[Entity]) -> None:
        """Every reference must name a node that exists or is written in this call."""
        in_call: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            in_call[e.LABEL].add(e.id)
        wanted: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            for ref, target in e.ref_targets():
                if target not in in_call[ref.target]:
                    wanted[ref.target].add(target)
        missing: list[dict[str, str]] = []
        for label, ids in wanted.items():
            absent = ids - self._existing_ids(conn, label, ids)
            if absent:
                for e in entities:
                    for ref, target in e.ref_targets():
                        if ref.target == label and target in absent:
                            missing.append(
                                {
                                    "field": f"{e.LABEL}[{e.id}].{ref.field}",
                                    "message": f"未知的{entity_type(label).LABEL_ZH} '{target}'"
                                    f" (unknown {label} id)",
                                }
                            )
        if missing:
            head = "; ".join(f"{m['field']}: {m['message']}" for m in missing[:5])
            more = f" …（共 {len(missing)} 处）" if len(missing) > 5 else ""
            raise InvalidInputError(
                f"引用了不存在的节点 (unknown references): {head}{more}", missing
            )

    def _write_entities(self, conn: sqlite3.Connection, entities: Sequence[Entity]) -> None:
        by_label: dict[type[Entity], list[Entity]] = defaultdict(list)
        for e in entities:
            by_label[type(e)].append(e)
        for kind in ENTITY_TYPES:
            group = by_label.get(kind)
            if not group:
                continue
            label = kind.LABEL
            # only nodes that existed before can have owned relationships to re-point
            existing = (
                self._existing_ids(conn, label, [e.id for e in group]) if kind.REFS else set()
            )
            old = [e for e in group if e.id in existing]
            conn.executemany(
                "INSERT INTO nodes(label, id, props) VALUES (?, ?, ?) "
                "ON CONFLICT(label, id) DO UPDATE SET props = excluded.props",
                [(label, e.id, e.model_dump_json(exclude_none=True)) for e in group],
            )
            for ref in kind.REFS:
                if ref.reverse:
                    conn.executemany(
                        "DELETE FROM rels WHERE type = ? AND src_label = ? AND dst_label = ?"
                        " AND dst = ?",
                        [(ref.rel, ref.target, label, e.id) for e in old],
                    )
                    rows = [
                        (ref.rel, ref.target, getattr(e, ref.field), label, e.id)
                        for e in group
                        if getattr(e, ref.field) is not None
                    ]
                else:
                    conn.executemany(
                        "DELETE FROM rels WHERE type = ? AND src_label = ? AND src = ?"
                        " AND dst_label = ?",
                        [(ref.rel, label, e.id, ref.target) for e in old],
                    )
                    rows = [
                        (ref.rel, label, e.id, ref.target, getattr(e, ref.field))
                        for e in group
                        if getattr(e, ref.field) is not None
                    ]
                conn.executemany(
                    "INSERT OR IGNORE INTO rels(type, src_label, src, dst_label, dst)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )

    def upsert(self, entity: Entity) -> Entity:
        self.upsert_many([entity])
        return entity

    def upsert_many(self, entities: Iterable[Entity], *, batch_size: int = 2000) -> int:
        """Write all entities in ONE transaction (atomic); ``batch_size`` is unused here."""
        items = list(entities)
        for e in items:
            if not isinstance(e, Entity) or type(e) not in ENTITY_TYPES:
                raise InvalidInputError(f"不是实体 (not an entity): {type(e).__name__}")
        # the same node twice in one call: the last copy wins, as in Neo4j
        items = list({(e.LABEL, e.id): e for e in items}.values())
        if not items:
            return 0
        with self._write() as conn:
            self._check_refs(conn, items)
            self._write_entities(conn, items)
        return len(items)

    def get(self, kind: type[E], node_id: str) -> E:
        _check_kind(kind)
        rows = self._read(
            "SELECT props FROM nodes WHERE label = ? AND id = ?", (kind.LABEL, node_id)
        )
        if not rows:
            raise NotFoundError(kind.LABEL, node_id)
        return kind.model_validate_json(rows[0][0])

    def _where(self, kind: type[Entity], filters: dict[str, Any] | None) -> tuple[str, list[Any]]:
        _check_kind(kind)
        allowed = LIST_FILTERS[kind.LABEL]
        sql, params = "label = ?", [kind.LABEL]
        for field, value in sorted((filters or {}).items()):
            if field not in allowed:
                raise InvalidInputError(
                    f"不支持按 '{field}' 筛选 (unknown filter); 可选: {', '.join(sorted(allowed))}",
                    [{"field": field, "message": "unknown filter"}],
                )
            if value is None:
                continue
            # the field name comes from the whitelist above, never from the caller
            sql += f" AND json_extract(props, '$.{field}') = ?"
            params.append(_filter_value(value))
        return sql, params

    def list(
        self,
        kind: type[E],
        *,
        filters: dict[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> list[E]:
        if offset < 0 or (limit is not None and limit < 0):
            raise InvalidInputError("offset 和 limit 不能为负 (offset/limit must be ≥ 0)")
        where, params = self._where(kind, filters)
        sql = f"SELECT props FROM nodes WHERE {where} ORDER BY id LIMIT ? OFFSET ?"
        rows = self._read(sql, (*params, -1 if limit is None else limit, offset))
        return [kind.model_validate_json(r[0]) for r in rows]

    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int:
        where, params = self._where(kind, filters)
        return int(self._read(f"SELECT count(*) FROM nodes WHERE {where}", params)[0][0])

    def _dependents(self, conn: sqlite3.Connection, label: str, node_id: str) -> dict[str, int]:
        """How many nodes reference this one through their owned relationships."""
        out: dict[str, int] = {}
        for kind in ENTITY_TYPES:
            for ref in kind.REFS:
                if ref.target != label:
                    continue
                if ref.reverse:
                    sql = (
                        "SELECT count(*) FROM rels WHERE type = ? AND src_label = ? AND src = ?"
                        " AND dst_label = ?"
                    )
                    params = (ref.rel, label, node_id, kind.LABEL)
                else:
                    sql = (
                        "SELECT count(*) FROM rels WHERE type = ? AND dst_label = ? AND dst = ?"
                        " AND src_label = ?"
                    )
                    params = (ref.rel, label, node_id, kind.LABEL)
                n = conn.execute(sql, params).fetchone()[0]
                if n:
                    out[kind.LABEL_ZH] = out.get(kind.LABEL_ZH, 0) + n
        return out

    def delete(self, kind: type[Entity], node_id: str) -> None:
        _check_kind(kind)
        label = kind.LABEL
        with self._write() as conn:
            if not conn.execute(
                "SELECT 1 FROM nodes WHERE label = ? AND id = ?", (label, node_id)
            ).fetchone():
                raise NotFoundError(label, node_id)
            deps = self._dependents(conn, label, node_id)
            if deps:
                what = "、".join(f"{k} {v} 个" for k, v in deps.items())
                raise ConflictError(
                    f"{kind.LABEL_ZH} '{node_id}' 仍被引用，不能删除：{what} (still referenced)",
                    dependents=deps,
                )
            conn.execute(
                "DELETE FROM rels WHERE (src_label = ? AND src = ?) OR (dst_label = ? AND dst = ?)",
                (label, node_id, label, node_id),
            )
            conn.execute("DELETE FROM nodes WHERE label = ? AND id = ?", (label, node_id))

    def modify(self, kind: type[E], node_id: str, change: Callable[[E], E]) -> E:
        _check_kind(kind)
        with self._write() as conn:
            row = conn.execute(
                "SELECT props FROM nodes WHERE label = ? AND id = ?", (kind.LABEL, node_id)
            ).fetchone()
            if row is None:
                raise NotFoundError(kind.LABEL, node_id)
            new = apply_change(kind, node_id, kind.model_validate_json(row[0]), change)
            self._check_refs(conn, [new])
            self._write_entities(conn, [new])
        return new

    def replace_resources(
        self, unit_id: str, resources: Sequence[Resource], *, if_match: str | None = None
    ) -> str:
        new = declared_resources(unit_id, resources)
        new_ids = [r.id for r in new]
        with self._write() as conn:
            self._require(conn, "Unit", [unit_id])
            rows = conn.execute(
                "SELECT props FROM nodes WHERE label = 'Resource'"
                " AND json_extract(props, '$.unit_id') = ? ORDER BY id",
                (unit_id,),
            ).fetchall()
            current = [Resource.model_validate_json(r[0]) for r in rows]
            check_etag(current, if_match)
            mine = {r.id for r in current}
            foreign = sorted(self._existing_ids(conn, "Resource", new_ids) - mine)
            if foreign:
                raise ConflictError(
                    f"资源编号已属于其他单位 (resource ids owned by another unit): {', '.join(foreign)}",
                    ids=foreign,
                )
            gone = sorted(mine - set(new_ids))
            for part in _chunks(gone):
                marks = ",".join("?" * len(part))
                conn.execute(
                    f"DELETE FROM rels WHERE (src_label = 'Resource' AND src IN ({marks}))"
                    f" OR (dst_label = 'Resource' AND dst IN ({marks}))",
                    (*part, *part),
                )
                conn.execute(
                    f"DELETE FROM nodes WHERE label = 'Resource' AND id IN ({marks})", tuple(part)
                )
            if new:
                self._write_entities(conn, new)
        return resources_etag(new)

    # ------------------------------------------------------------------ relationships
    def _require(self, conn: sqlite3.Connection, label: str, ids: Iterable[str]) -> None:
        ids = set(ids)
        absent = ids - self._existing_ids(conn, label, ids)
        if absent:
            raise NotFoundError(label, sorted(absent)[0])

    def set_adjacent(self, community_a: str, community_b: str) -> None:
        self.set_adjacent_many([(community_a, community_b)])

    def set_adjacent_many(self, pairs: Sequence[tuple[str, str]]) -> int:
        """Bulk :meth:`set_adjacent` in one transaction."""
        rows = []
        for a, b in pairs:
            if a == b:
                raise InvalidInputError(
                    f"社区不能与自身相邻 (a community is not adjacent to itself): {a}"
                )
            lo, hi = sorted((a, b))
            rows.append(("ADJACENT_TO", "Community", lo, "Community", hi))
        with self._write() as conn:
            self._require(conn, "Community", {x for p in pairs for x in p})
            conn.executemany(
                "INSERT OR IGNORE INTO rels(type, src_label, src, dst_label, dst)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def remove_adjacent(self, community_a: str, community_b: str) -> None:
        lo, hi = sorted((community_a, community_b))
        with self._write() as conn:
            conn.execute(
                "DELETE FROM rels WHERE type = 'ADJACENT_TO' AND src = ? AND dst = ?", (lo, hi)
            )

    def adjacency(self) -> list[tuple[str, str]]:
        rows = self._read("SELECT src, dst FROM rels WHERE type = 'ADJACENT_TO' ORDER BY src, dst")
        return [(a, b) for a, b in rows]

    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        with self._write() as conn:
            self._require(conn, "Unit", {p.unit_id for p in pairings})
            self._require(conn, "Community", {p.community_id for p in pairings})
            conn.executemany(
                "INSERT OR IGNORE INTO rels(type, src_label, src, dst_label, dst)"
                " VALUES ('PAIRED_WITH', 'Unit', ?, 'Community', ?)",
                [(p.unit_id, p.community_id) for p in pairings],
            )
        return len(pairings)

    def remove_pairing(self, pairing: Pairing) -> None:
        with self._write() as conn:
            conn.execute(
                "DELETE FROM rels WHERE type = 'PAIRED_WITH' AND src = ? AND dst = ?",
                (pairing.unit_id, pairing.community_id),
            )

    def pairings(
        self, *, unit_id: str | None = None, community_id: str | None = None
    ) -> list[Pairing]:
        rows = self._read(
            "SELECT src, dst FROM rels WHERE type = 'PAIRED_WITH'"
            " AND (? IS NULL OR src = ?) AND (? IS NULL OR dst = ?) ORDER BY src, dst",
            (unit_id, unit_id, community_id, community_id),
        )
        return [Pairing(unit_id=u, community_id=c) for u, c in rows]

    def add_assignments(self, assignments: Sequence[Assignment]) -> int:
        with self._write() as conn:
            self._require(conn, "Unit", {a.unit_id for a in assignments})
            self._require(conn, "Activity", {a.activity_id for a in assignments})
            conn.executemany(
                "INSERT INTO rels(type, src_label, src, dst_label, dst, key, props)"
                " VALUES ('ASSIGNED', 'Unit', ?, 'Activity', ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET props = excluded.props",
                [
                    (
                        a.unit_id,
                        a.activity_id,
                        a.plan_id,
                        json.dumps({"plan": a.plan_id, "role": a.role.value}),
                    )
                    for a in assignments
                ],
            )
        return len(assignments)

    def remove_assignments(self, plan_id: str) -> int:
        with self._write() as conn:
            return conn.execute(
                "DELETE FROM rels WHERE type = 'ASSIGNED' AND key = ?", (plan_id,)
            ).rowcount

    def assignments(
        self, *, activity_id: str | None = None, unit_id: str | None = None
    ) -> list[Assignment]:
        rows = self._read(
            "SELECT src, dst, props FROM rels WHERE type = 'ASSIGNED'"
            " AND (? IS NULL OR dst = ?) AND (? IS NULL OR src = ?) ORDER BY dst, src, key",
            (activity_id, activity_id, unit_id, unit_id),
        )
        out = []
        for unit, activity, props in rows:
            p = json.loads(props)
            out.append(
                Assignment(activity_id=activity, unit_id=unit, role=p["role"], plan_id=p["plan"])
            )
        return out

    # ------------------------------------------------------------------ work orders
    def _load_need(self, conn: sqlite3.Connection, need_id: str) -> Need:
        row = conn.execute(
            "SELECT props FROM nodes WHERE label = 'Need' AND id = ?", (need_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError("Need", need_id)
        return Need.model_validate_json(row[0])

    def _save_need(self, conn: sqlite3.Connection, need: Need) -> None:
        self._write_entities(conn, [need])

    def claim_need(self, need_id: str, unit_id: str) -> Need:
        with self._write() as conn:
            need = self._load_need(conn, need_id)
            self._require(conn, "Unit", [unit_id])
            check_claimable(need)
            claimed = need.model_copy(
                update={
                    "status": NeedStatus.claimed,
                    "claimed_by": unit_id,
                    "claimed_at": now_utc(),
                }
            )
            self._save_need(conn, claimed)
        return claimed

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
        with self._write() as conn:
            need = self._load_need(conn, need_id)
            check_actor(need, unit_id)
            check_transition(need_id, need.status, target)
            changed = need.model_copy(update=update)
            self._save_need(conn, changed)
        return changed

    # ------------------------------------------------------------------ reads
    def snapshot(self, quarter: str) -> Snapshot:
        quarter = parse_quarter(quarter)
        conn = self._conn()
        # one read transaction so the snapshot is consistent
        conn.execute("BEGIN")
        try:
            resources = [r for r in self.list(Resource, limit=None) if r.available_in(quarter)]
            history: dict[tuple[str, str], int] = defaultdict(int)
            for unit, community, n in conn.execute(
                "SELECT json_extract(props, '$.claimed_by'), json_extract(props, '$.community_id'),"
                " count(*) FROM nodes WHERE label = 'Need' AND json_extract(props, '$.quarter') < ?"
                " AND json_extract(props, '$.claimed_by') IS NOT NULL GROUP BY 1, 2",
                (quarter,),
            ):
                history[(unit, community)] += n
            for unit, community, n in conn.execute(
                "SELECT r.src, json_extract(a.props, '$.community_id'), count(DISTINCT r.dst)"
                " FROM rels r JOIN nodes a ON a.label = 'Activity' AND a.id = r.dst"
                " WHERE r.type = 'ASSIGNED' AND json_extract(a.props, '$.quarter') < ?"
                " GROUP BY 1, 2",
                (quarter,),
            ):
                history[(unit, community)] += n
            snap = Snapshot(
                quarter=quarter,
                communities=self.list(Community, limit=None),
                adjacency=self.adjacency(),
                units=self.list(Unit, limit=None),
                resources=resources,
                needs=self.list(Need, filters={"quarter": quarter, "status": "open"}, limit=None),
                activities=self.list(Activity, filters={"quarter": quarter}, limit=None),
                pairings=self.pairings(),
                history=sorted((u, c, n) for (u, c), n in history.items() if n > 0),
            )
        finally:
            conn.execute("COMMIT")
        return snap

    def _cooperation_edges(self) -> list[NetEdge]:
        """The whole base graph of cooperation networks (see :class:`NetEdge`)."""
        weights: dict[tuple[str, str, str], int] = defaultdict(int)

        def add(a: str, b: str, rel: str, w: int) -> None:
            lo, hi = sorted((a, b))
            weights[(lo, hi, rel)] += w

        for rel in ("LOCATED_IN", "PAIRED_WITH"):
            for u, c in self._read(
                "SELECT src, dst FROM rels WHERE type = ? AND src_label = 'Unit'", (rel,)
            ):
                add(_key("Unit", u), _key("Community", c), rel, 1)
        for u, c, n in self._read(
            "SELECT json_extract(props, '$.claimed_by'), json_extract(props, '$.community_id'),"
            " count(*) FROM nodes WHERE label = 'Need'"
            " AND json_extract(props, '$.claimed_by') IS NOT NULL GROUP BY 1, 2"
        ):
            add(_key("Unit", u), _key("Community", c), "SERVED", n)
        for u, c, n in self._read(
            "SELECT r.src, json_extract(a.props, '$.community_id'), count(DISTINCT r.dst)"
            " FROM rels r JOIN nodes a ON a.label = 'Activity' AND a.id = r.dst"
            " WHERE r.type = 'ASSIGNED' GROUP BY 1, 2"
        ):
            add(_key("Unit", u), _key("Community", c), "SERVED", n)
        for u1, u2, n in self._read(
            "SELECT a.src, b.src, count(DISTINCT a.dst) FROM rels a JOIN rels b"
            " ON b.type = 'ASSIGNED' AND b.dst = a.dst AND b.src > a.src"
            " WHERE a.type = 'ASSIGNED' GROUP BY 1, 2"
        ):
            add(_key("Unit", u1), _key("Unit", u2), "COOPERATED_WITH", n)
        return [NetEdge(source=s, target=t, type=r, weight=w) for (s, t, r), w in weights.items()]

    def cooperation_network(self, label: str, node_id: str, hops: int = 1) -> Network:
        if label not in ("Unit", "Community"):
            raise InvalidInputError(
                f"合作网络的中心须为单位或社区 (label must be Unit or Community): {label}"
            )
        if isinstance(hops, bool) or not isinstance(hops, int) or not 0 <= hops <= 4:
            raise InvalidInputError("跳数应在 0–4 之间 (hops must be 0–4)")
        center = self.get(entity_type(label), node_id)
        edges = self._cooperation_edges()
        neighbours: dict[str, set[str]] = defaultdict(set)
        for e in edges:
            neighbours[e.source].add(e.target)
            neighbours[e.target].add(e.source)
        start = _key(label, center.id)
        dist = {start: 0}
        queue = deque([start])
        while queue:
            k = queue.popleft()
            if dist[k] == hops:
                continue
            for n in neighbours[k]:
                if n not in dist:
                    dist[n] = dist[k] + 1
                    queue.append(n)
        names = self._names(dist)
        nodes = [
            NetNode(key=k, id=k.split(":", 1)[1], label=k.split(":", 1)[0], name=names[k], hops=d)
            for k, d in dist.items()
        ]
        nodes.sort(key=lambda n: (n.hops, n.key))
        kept = [e for e in edges if e.source in dist and e.target in dist]
        kept.sort(key=lambda e: (e.source, e.target, e.type))
        return Network(center=start, hops=hops, nodes=nodes, edges=kept)

    def _names(self, keys: Iterable[str]) -> dict[str, str]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            label, node_id = k.split(":", 1)
            by_label[label].append(node_id)
        out: dict[str, str] = {}
        for label, ids in by_label.items():
            for part in _chunks(ids):
                marks = ",".join("?" * len(part))
                for node_id, name in self._read(
                    f"SELECT id, json_extract(props, '$.name') FROM nodes"
                    f" WHERE label = ? AND id IN ({marks})",
                    (label, *part),
                ):
                    out[_key(label, node_id)] = name
        return out

    def stats(self) -> dict[str, int]:
        out = {t.LABEL: 0 for t in ENTITY_TYPES}
        out.update({r: 0 for r in REL_TYPES})
        for label, n in self._read("SELECT label, count(*) FROM nodes GROUP BY label"):
            out[label] = n
        for rel, n in self._read("SELECT type, count(*) FROM rels GROUP BY type"):
            out[rel] = n
        return out

    def to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for label, node_id, props in self._read("SELECT label, id, props FROM nodes"):
            g.add_node(_key(label, node_id), label=label, **json.loads(props))
        for rel, sl, s, dl, d, props in self._read(
            "SELECT type, src_label, src, dst_label, dst, props FROM rels"
        ):
            g.add_edge(_key(sl, s), _key(dl, d), type=rel, **json.loads(props))
        return g


def _check_kind(kind: object) -> None:
    if kind not in ENTITY_TYPES:
        name = getattr(kind, "__name__", repr(kind))
        raise InvalidInputError(f"未知类型 (unknown entity type): {name}")
