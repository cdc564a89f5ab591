"""The embedded store: the property graph in one SQLite file (the default).

Nodes live in ``nodes(label, id, props JSON)``, relationships in
``rels(type, src_label, src, dst_label, dst, key, props JSON)``. The database
runs in WAL mode with ``synchronous=FULL``: a write that returned has been
fsynced and survives ``kill -9`` (and power loss). Every write is one
``BEGIN IMMEDIATE`` transaction, so concurrent writers — threads or
processes — are serialised by SQLite itself; that is what makes
:meth:`EmbeddedStore.claim_need` atomic.

Length: ~810 lines in one module, because it is one class with the SQL of every method of the
store contract, and splitting the statements from the methods that run them would
scatter each query from its only caller. The rules shared with Neo4j live in
:mod:`gongjian.graph.base`.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from gongjian.core.errors import InvalidInputError, NotFoundError, StoreUnavailableError
from gongjian.core.sqlite import DurableFile
from gongjian.graph import model
from gongjian.graph.base import (
    DuplicateIdError,
    StoredDocument,
    check_entities,
    check_filters,
    check_kind,
    check_page,
    chunks,
    missing_refs_error,
    node_key,
    scope_snapshot,
    sorted_pairs,
    wanted_refs,
)
from gongjian.graph.cooperation import CooperationFacts
from gongjian.graph.desk import NeedStep
from gongjian.graph.lifecycle import UNFINISHED
from gongjian.graph.listing import ListQuery, sql_find
from gongjian.graph.model import (
    ENTITY_TYPES,
    Assignment,
    Entity,
    Pairing,
    PointEntry,
    Resource,
    parse_quarter,
)
from gongjian.graph.outbox import DUE, OutboxQuery, OutboxRow
from gongjian.graph.store import REL_TYPES, GraphStore

__all__ = ["EmbeddedStore"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")
Conn = sqlite3.Connection


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
CREATE TABLE IF NOT EXISTS documents(name TEXT PRIMARY KEY, version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS nodes_quarter ON nodes(label, json_extract(props, '$.quarter'));
CREATE INDEX IF NOT EXISTS nodes_community ON nodes(label, json_extract(props, '$.community_id'));
CREATE INDEX IF NOT EXISTS nodes_status ON nodes(label, json_extract(props, '$.status'));
CREATE INDEX IF NOT EXISTS nodes_subdistrict ON nodes(label, json_extract(props, '$.subdistrict'));
-- a party member's point entries (model.PointEntry), numbered per member
CREATE TABLE IF NOT EXISTS point_entries(
    member_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    props     TEXT NOT NULL,
    PRIMARY KEY (member_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox(
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    status   TEXT NOT NULL,
    next_at  TEXT NOT NULL,
    created  TEXT NOT NULL,
    audience TEXT NOT NULL,
    props    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(kind, status, next_at);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox(created);
-- the 12345 desk (graph.desk): a need's timeline, counters of the order numbers, and
-- the numbers unique
CREATE TABLE IF NOT EXISTS need_steps(
    need_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    props   TEXT NOT NULL,
    PRIMARY KEY (need_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sequences(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS nodes_need_number ON nodes(json_extract(props, '$.number'))
    WHERE label = 'Need' AND json_extract(props, '$.number') IS NOT NULL;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
"""

#: every write transaction counts itself in ``meta`` (the store-wide data version)
_BUMP_DATA_VERSION = (
    "INSERT INTO meta(key, value) VALUES ('data_version', '1') ON CONFLICT(key)"
    " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
)

# SQLite's default limit on bound variables is 32766; stay well below.
_CHUNK = 900


class EmbeddedStore(GraphStore[Conn]):
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
        # a larger page cache keeps index b-trees in memory during bulk loads
        self._file = DurableFile(path, pragmas=("foreign_keys=OFF", "cache_size=-65536"))
        self.path = self._file.path

    # ------------------------------------------------------------------ plumbing
    def _conn(self) -> sqlite3.Connection:
        return self._file.connection()

    @contextmanager
    def _write(self, *, data: bool = True) -> Iterator[sqlite3.Connection]:
        """One immediate write transaction; rolled back on any error; bumps the data version
        (unless ``data`` is false: outbox bookkeeping)."""
        with self._file.write() as conn:
            yield conn
            if data:
                conn.execute(_BUMP_DATA_VERSION)

    def data_version(self) -> int:
        rows = self._read("SELECT value FROM meta WHERE key = 'data_version'")
        return int(rows[0][0]) if rows else 0

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StoreUnavailableError(f"数据库读取失败 (database read failed): {exc}") from exc

    # ------------------------------------------------------------------ life cycle
    def migrate(self) -> None:
        """Create tables and indexes (idempotent)."""
        with self._file.write_lock:
            try:
                self._conn().executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise StoreUnavailableError(
                    f"数据库文件无法使用 {self.path} (not a usable database): {exc}"
                ) from exc
        self._backfill_subdistrict()
        self.number_unnumbered()

    def _backfill_subdistrict(self) -> None:
        """Old databases: every node of a sub-district's labels without one gets the default."""
        with self._write() as conn:
            conn.execute(
                "UPDATE nodes SET props = json_set(props, '$.subdistrict', ?)"
                " WHERE label IN ('Community', 'Grid', 'Unit', 'Need', 'Activity')"
                " AND json_extract(props, '$.subdistrict') IS NULL",
                (model.default_subdistrict(),),
            )

    def close(self) -> None:
        self._file.close()

    def clear(self) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM documents")
            conn.execute("DELETE FROM rels")
            conn.execute("DELETE FROM nodes")
            conn.execute("DELETE FROM point_entries")
            conn.execute("DELETE FROM outbox")
            conn.execute("DELETE FROM need_steps")
            conn.execute("DELETE FROM sequences")

    # ------------------------------------------------------------------ entities
    def _existing_ids(self, conn: sqlite3.Connection, label: str, ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(ids))
        found: set[str] = set()
        for part in chunks(wanted, _CHUNK):
            marks = ",".join("?" * len(part))
            rows = conn.execute(
                f"SELECT id FROM nodes WHERE label = ? AND id IN ({marks})", (label, *part)
            ).fetchall()
            found.update(r[0] for r in rows)
        return found

    def _check_refs(self, conn: Conn, entities: Sequence[Entity]) -> None:
        """Every reference must name a node that exists or is written in this call."""
        absent = {
            label: ids - self._existing_ids(conn, label, ids)
            for label, ids in wanted_refs(entities).items()
        }
        error = missing_refs_error(entities, absent)
        if error is not None:
            raise error

    def _store_entities(
        self, conn: Conn, entities: Sequence[Entity], *, create: bool = False
    ) -> None:
        """Write nodes with their owned relationships; ``create``: a plain INSERT, never a
        replace (a stored id fails with :class:`DuplicateIdError`)."""
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
                self._existing_ids(conn, label, [e.id for e in group])
                if kind.REFS and not create
                else set()
            )
            old = [e for e in group if e.id in existing]
            rows = [(label, e.id, e.model_dump_json(exclude_none=True)) for e in group]
            if create:
                try:
                    conn.executemany("INSERT INTO nodes(label, id, props) VALUES (?, ?, ?)", rows)
                except sqlite3.IntegrityError as exc:
                    raise DuplicateIdError(f"编号已存在 (id exists): {exc}") from None
            else:
                conn.executemany(
                    "INSERT INTO nodes(label, id, props) VALUES (?, ?, ?) "
                    "ON CONFLICT(label, id) DO UPDATE SET props = excluded.props",
                    rows,
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
        _, items = check_entities(entities)
        if not items:
            return 0
        with self._write() as conn:
            self._check_refs(conn, items)
            self._store_entities(conn, self._with_numbers(conn, items))
        return len(items)

    def get(self, kind: type[E], node_id: str) -> E:
        check_kind(kind)
        rows = self._read(
            "SELECT props FROM nodes WHERE label = ? AND id = ?", (kind.LABEL, node_id)
        )
        if not rows:
            raise NotFoundError(kind.LABEL, node_id)
        return kind.model_validate_json(rows[0][0])

    def _where(self, kind: type[Entity], filters: dict[str, Any] | None) -> tuple[str, list[Any]]:
        label = check_kind(kind)
        sql, params = "label = ?", [label]
        for field, value in check_filters(label, filters).items():
            # the field name comes from the whitelist of check_filters, never from the caller
            sql += f" AND json_extract(props, '$.{field}') = ?"
            params.append(value)
        return sql, params

    def _list(
        self, kind: type[E], filters: dict[str, Any] | None, offset: int, limit: int | None
    ) -> list[E]:
        where, params = self._where(kind, filters)
        sql = f"SELECT props FROM nodes WHERE {where} ORDER BY id LIMIT ? OFFSET ?"
        rows = self._read(sql, (*params, -1 if limit is None else limit, offset))
        return [kind.model_validate_json(r[0]) for r in rows]

    def count(self, kind: type[Entity], *, filters: dict[str, Any] | None = None) -> int:
        where, params = self._where(kind, filters)
        return int(self._read(f"SELECT count(*) FROM nodes WHERE {where}", params)[0][0])

    def find(
        self, kind: type[E], query: ListQuery, *, offset: int = 0, limit: int | None = 50
    ) -> tuple[list[E], int]:
        check_page(offset, limit)
        where, order, params = sql_find(check_kind(kind), query)
        # the total in the same statement (one snapshot): a window over every match
        sql = (
            f"SELECT props, count(*) OVER () FROM nodes WHERE {where}"
            f" ORDER BY {order} LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, (*params, -1 if limit is None else limit, offset))
        if rows:
            total = int(rows[0][1])
        else:  # past the last page: count alone
            total = int(self._read(f"SELECT count(*) FROM nodes WHERE {where}", params)[0][0])
        return [kind.model_validate_json(r[0]) for r in rows], total

    # -- primitives of the shared rules (graph.base), inside one _write transaction
    def _write_tx(self, work: Callable[[Conn], T], *, data: bool = True) -> T:
        with self._write(data=data) as conn:
            return work(conn)

    def _read_for_update(self, tx: Conn, kind: type[E], node_id: str) -> E:
        # the immediate transaction already holds SQLite's write lock
        row = tx.execute(
            "SELECT props FROM nodes WHERE label = ? AND id = ?", (kind.LABEL, node_id)
        ).fetchone()
        if row is None:
            raise NotFoundError(kind.LABEL, node_id)
        return kind.model_validate_json(row[0])

    def _write_entities(self, tx: Conn, kind: type[Entity], entities: Sequence[Entity]) -> None:
        self._check_refs(tx, entities)
        self._store_entities(tx, entities)

    def _insert_entities(self, tx: Conn, entities: Sequence[Entity]) -> None:
        self._check_refs(tx, entities)
        self._store_entities(tx, entities, create=True)

    def _existing(self, tx: Conn, label: str, ids: Iterable[str]) -> set[str]:
        return self._existing_ids(tx, label, ids)

    def _claimed_effort(self, tx: Conn, unit_id: str, quarter: str) -> int:
        marks = ",".join("?" * len(UNFINISHED))
        row = tx.execute(
            "SELECT coalesce(sum(json_extract(props, '$.effort')), 0) FROM nodes"
            " WHERE label = 'Need' AND json_extract(props, '$.claimed_by') = ?"
            " AND json_extract(props, '$.quarter') = ?"
            f" AND json_extract(props, '$.status') IN ({marks})",
            (unit_id, quarter, *(s.value for s in UNFINISHED)),
        ).fetchone()
        return int(row[0])

    def _dependents(self, tx: Conn, label: str, node_id: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in ENTITY_TYPES:
            for ref in kind.REFS:
                if ref.target != label:
                    continue
                # the referencing side is the source, or the target when the ref is reversed
                near, far = ("src", "dst") if ref.reverse else ("dst", "src")
                sql = (
                    f"SELECT count(*) FROM rels WHERE type = ? AND {near}_label = ?"
                    f" AND {near} = ? AND {far}_label = ?"
                )
                n = tx.execute(sql, (ref.rel, label, node_id, kind.LABEL)).fetchone()[0]
                if n:
                    out[kind.LABEL_ZH] = out.get(kind.LABEL_ZH, 0) + n
        return out

    def _delete_node(self, tx: Conn, label: str, node_id: str) -> None:
        tx.execute(
            "DELETE FROM rels WHERE (src_label = ? AND src = ?) OR (dst_label = ? AND dst = ?)",
            (label, node_id, label, node_id),
        )
        tx.execute("DELETE FROM nodes WHERE label = ? AND id = ?", (label, node_id))

    def _unit_resources(self, tx: Conn, unit_id: str) -> list[Resource]:
        rows = tx.execute(
            "SELECT props FROM nodes WHERE label = 'Resource'"
            " AND json_extract(props, '$.unit_id') = ? ORDER BY id",
            (unit_id,),
        ).fetchall()
        return [Resource.model_validate_json(r[0]) for r in rows]

    def _foreign_resources(self, tx: Conn, unit_id: str, ids: Sequence[str]) -> set[str]:
        mine = {r.id for r in self._unit_resources(tx, unit_id)}
        return self._existing_ids(tx, "Resource", ids) - mine

    def _delete_resources(self, tx: Conn, unit_id: str, keep: Sequence[str]) -> None:
        mine = {r.id for r in self._unit_resources(tx, unit_id)}
        gone = sorted(mine - set(keep))
        for part in chunks(gone, _CHUNK):
            marks = ",".join("?" * len(part))
            tx.execute(
                f"DELETE FROM rels WHERE (src_label = 'Resource' AND src IN ({marks}))"
                f" OR (dst_label = 'Resource' AND dst IN ({marks}))",
                (*part, *part),
            )
            tx.execute(
                f"DELETE FROM nodes WHERE label = 'Resource' AND id IN ({marks})", tuple(part)
            )

    def _last_point_entry(self, tx: Conn, member_id: str) -> int:
        row = tx.execute(
            "SELECT coalesce(max(seq), 0) FROM point_entries WHERE member_id = ?", (member_id,)
        ).fetchone()
        return int(row[0])

    def _insert_point_entry(self, tx: Conn, entry: PointEntry) -> None:
        tx.execute(
            "INSERT INTO point_entries(member_id, seq, props) VALUES (?, ?, ?)",
            (entry.member_id, entry.seq, entry.model_dump_json()),
        )

    def _delete_point_entries(self, tx: Conn, member_id: str) -> None:
        tx.execute("DELETE FROM point_entries WHERE member_id = ?", (member_id,))

    def point_entries(
        self, member_id: str, *, offset: int = 0, limit: int | None = 100
    ) -> list[PointEntry]:
        check_page(offset, limit)
        rows = self._read(
            "SELECT props FROM point_entries WHERE member_id = ? ORDER BY seq DESC"
            " LIMIT ? OFFSET ?",
            (member_id, -1 if limit is None else limit, offset),
        )
        return [PointEntry.model_validate_json(r[0]) for r in rows]

    # -- the desk's primitives (graph.desk): counters, numbers, the timeline
    def _next_sequence(self, tx: Conn, name: str, n: int) -> int:
        row = tx.execute(
            "INSERT INTO sequences(name, value) VALUES (?, ?) ON CONFLICT(name)"
            " DO UPDATE SET value = value + excluded.value RETURNING value",
            (name, n),
        ).fetchone()
        return int(row[0])

    def _stored_numbers(self, tx: Conn, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in chunks(list(ids), _CHUNK):
            marks = ",".join("?" * len(part))
            for node_id, number in tx.execute(
                f"SELECT id, json_extract(props, '$.number') FROM nodes WHERE label = 'Need'"
                f" AND id IN ({marks}) AND json_extract(props, '$.number') IS NOT NULL",
                tuple(part),
            ):
                out[node_id] = number
        return out

    def _unnumbered_needs(self, tx: Conn) -> list[model.Need]:
        rows = tx.execute(
            "SELECT props FROM nodes WHERE label = 'Need'"
            " AND json_extract(props, '$.number') IS NULL ORDER BY id"
        ).fetchall()
        return [model.Need.model_validate_json(r[0]) for r in rows]

    def _last_step(self, tx: Conn, need_id: str) -> int:
        row = tx.execute(
            "SELECT coalesce(max(seq), 0) FROM need_steps WHERE need_id = ?", (need_id,)
        ).fetchone()
        return int(row[0])

    def _insert_steps(self, tx: Conn, steps: Sequence[NeedStep]) -> None:
        tx.executemany(
            "INSERT INTO need_steps(need_id, seq, props) VALUES (?, ?, ?)",
            [(s.need_id, s.seq, s.model_dump_json()) for s in steps],
        )

    def _delete_steps(self, tx: Conn, need_id: str) -> None:
        tx.execute("DELETE FROM need_steps WHERE need_id = ?", (need_id,))

    def _select_steps(self, need_id: str) -> list[NeedStep]:
        rows = self._read("SELECT props FROM need_steps WHERE need_id = ? ORDER BY seq", (need_id,))
        return [NeedStep.model_validate_json(r[0]) for r in rows]

    def _steps_by_action(self, actions: Sequence[str]) -> list[NeedStep]:
        if not actions:
            return []
        marks = ",".join("?" * len(actions))
        rows = self._read(
            f"SELECT props FROM need_steps WHERE json_extract(props, '$.action') IN ({marks})",
            tuple(actions),
        )
        return [NeedStep.model_validate_json(r[0]) for r in rows]

    # -- outbox primitives (graph.outbox): one table, the row as JSON plus the columns
    # the worker selects on; the audience as "|a|b|" so instr() finds one member
    def _outbox_insert(self, tx: Conn, rows: Sequence[OutboxRow]) -> int:
        cur = tx.executemany(
            "INSERT OR IGNORE INTO outbox(id, kind, status, next_at, created, audience, props)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_outbox_values(r) for r in rows],
        )
        return max(cur.rowcount, 0)

    def _outbox_due(self, tx: Conn, kind: str, now: str, limit: int) -> list[OutboxRow]:
        rows = tx.execute(
            "SELECT props FROM outbox WHERE kind = ? AND status IN (?, ?) AND next_at <= ?"
            " ORDER BY next_at, id LIMIT ?",
            (kind, *DUE, now, limit),
        ).fetchall()
        return [OutboxRow.model_validate_json(r[0]) for r in rows]

    def _outbox_locked(self, tx: Conn, ids: Sequence[str]) -> list[OutboxRow]:
        marks = ",".join("?" * len(ids))
        rows = tx.execute(f"SELECT props FROM outbox WHERE id IN ({marks})", tuple(ids))
        return [OutboxRow.model_validate_json(r[0]) for r in rows.fetchall()]

    def _outbox_put(self, tx: Conn, rows: Sequence[OutboxRow]) -> None:
        tx.executemany(
            "UPDATE outbox SET kind = ?, status = ?, next_at = ?, created = ?, audience = ?,"
            " props = ? WHERE id = ?",
            [(*_outbox_values(r)[1:], r.id) for r in rows],
        )

    def _outbox_select(self, query: OutboxQuery) -> list[OutboxRow]:
        kind, status, audience, limit = query.kind, query.status, query.audience, query.limit
        sql, params = "SELECT props FROM outbox WHERE (? IS NULL OR kind = ?)", [kind, kind]
        sql += " AND (? IS NULL OR status = ?)"
        params += [status, status]
        if audience is not None:
            sql += " AND (" + (" OR ".join(["instr(audience, ?) > 0"] * len(audience)) or "0") + ")"
            params += [f"|{a}|" for a in audience]
        rows = self._read(sql + " ORDER BY created DESC, id DESC LIMIT ?", (*params, limit))
        return [OutboxRow.model_validate_json(r[0]) for r in rows]

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
        rows = [("ADJACENT_TO", "Community", lo, "Community", hi) for lo, hi in sorted_pairs(pairs)]
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

    def _insert_rels(
        self, required: dict[str, set[str]], sql: str, rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert relationship rows in one transaction once every endpoint in ``required`` exists."""
        with self._write() as conn:
            for label, ids in required.items():
                self._require(conn, label, ids)
            conn.executemany(sql, rows)

    def add_pairings(self, pairings: Sequence[Pairing]) -> int:
        self._insert_rels(
            {
                "Unit": {p.unit_id for p in pairings},
                "Community": {p.community_id for p in pairings},
            },
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
        rows = self._rels(
            "src, dst", "PAIRED_WITH", src=unit_id, dst=community_id, order="src, dst"
        )
        return [Pairing(unit_id=u, community_id=c) for u, c in rows]

    def _rels(
        self, columns: str, rel_type: str, *, src: str | None, dst: str | None, order: str
    ) -> list[tuple[Any, ...]]:
        """The relationships of one type, optionally from one source and/or to one target."""
        return self._read(
            f"SELECT {columns} FROM rels WHERE type = ?"  # columns, order: constants of the callers
            f" AND (? IS NULL OR src = ?) AND (? IS NULL OR dst = ?) ORDER BY {order}",
            (rel_type, src, src, dst, dst),
        )

    def add_assignments(self, assignments: Sequence[Assignment]) -> int:
        self._insert_rels(
            {
                "Unit": {a.unit_id for a in assignments},
                "Activity": {a.activity_id for a in assignments},
            },
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
        rows = self._rels(
            "src, dst, props", "ASSIGNED", src=unit_id, dst=activity_id, order="dst, src, key"
        )
        out = []
        for unit, activity, props in rows:
            p = json.loads(props)
            out.append(
                Assignment(activity_id=activity, unit_id=unit, role=p["role"], plan_id=p["plan"])
            )
        return out

    # -- settings documents (graph.base.put_document)
    def get_document(self, name: str) -> StoredDocument | None:
        rows = self._read("SELECT version, body FROM documents WHERE name = ?", (name,))
        return StoredDocument(int(rows[0][0]), rows[0][1]) if rows else None

    def _document_for_update(self, tx: Conn, name: str) -> StoredDocument | None:
        # the immediate transaction already holds SQLite's write lock
        row = tx.execute("SELECT version, body FROM documents WHERE name = ?", (name,)).fetchone()
        return StoredDocument(int(row[0]), row[1]) if row else None

    def _document_write(self, tx: Conn, name: str, document: StoredDocument) -> None:
        tx.execute(
            "INSERT INTO documents(name, version, body) VALUES (?, ?, ?) ON CONFLICT(name)"
            " DO UPDATE SET version = excluded.version, body = excluded.body",
            (name, document.version, document.body),
        )

    # ------------------------------------------------------------------ reads
    def snapshot(self, quarter: str, subdistrict: str | None = None) -> model.Snapshot:
        quarter = parse_quarter(quarter)
        scope = {} if subdistrict is None else {"subdistrict": subdistrict}
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
            snap = model.Snapshot(
                quarter=quarter,
                communities=self.list(model.Community, limit=None),
                adjacency=self.adjacency(),
                units=self.list(model.Unit, limit=None),
                resources=resources,
                needs=self.list(
                    model.Need, filters={"quarter": quarter, "status": "open", **scope}, limit=None
                ),
                activities=self.list(
                    model.Activity, filters={"quarter": quarter, **scope}, limit=None
                ),
                pairings=self.pairings(),
                history=sorted((u, c, n) for (u, c), n in history.items() if n > 0),
            )
        finally:
            conn.execute("COMMIT")
        return scope_snapshot(snap, subdistrict)

    def _cooperation_facts(self) -> CooperationFacts:
        conn = self._conn()
        # one read transaction so the facts are consistent
        conn.execute("BEGIN")
        try:
            located = conn.execute(
                "SELECT type, src, dst FROM rels WHERE type IN ('LOCATED_IN', 'PAIRED_WITH')"
                " AND src_label = 'Unit' AND dst_label = 'Community'"
            ).fetchall()
            claims = conn.execute(
                "SELECT json_extract(props, '$.claimed_by'), json_extract(props, '$.community_id'),"
                " count(*) FROM nodes WHERE label = 'Need'"
                " AND json_extract(props, '$.claimed_by') IS NOT NULL GROUP BY 1, 2"
            ).fetchall()
            assigned = conn.execute(
                "SELECT r.src, r.dst, json_extract(a.props, '$.community_id') FROM rels r"
                " LEFT JOIN nodes a ON a.label = 'Activity' AND a.id = r.dst"
                " WHERE r.type = 'ASSIGNED'"
            ).fetchall()
        finally:
            conn.execute("COMMIT")
        return CooperationFacts(
            located=[(u, c) for rel, u, c in located if rel == "LOCATED_IN"],
            paired=[(u, c) for rel, u, c in located if rel == "PAIRED_WITH"],
            claims=[(u, c, n) for u, c, n in claims],
            assigned=[(u, a, c) for u, a, c in assigned],
        )

    def _names(self, keys: Iterable[str]) -> dict[str, str]:
        by_label: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            label, node_id = k.split(":", 1)
            by_label[label].append(node_id)
        out: dict[str, str] = {}
        for label, ids in by_label.items():
            for part in chunks(ids, _CHUNK):
                marks = ",".join("?" * len(part))
                for node_id, name in self._read(
                    f"SELECT id, json_extract(props, '$.name') FROM nodes"
                    f" WHERE label = ? AND id IN ({marks})",
                    (label, *part),
                ):
                    out[node_key(label, node_id)] = name
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
            g.add_node(node_key(label, node_id), label=label, **json.loads(props))
        for rel, sl, s, dl, d, props in self._read(
            "SELECT type, src_label, src, dst_label, dst, props FROM rels"
        ):
            g.add_edge(node_key(sl, s), node_key(dl, d), type=rel, **json.loads(props))
        return g


def _outbox_values(r: OutboxRow) -> tuple[str, str, str, str, str, str, str]:
    audience = "|" + "|".join(r.audience) + "|"
    return (r.id, r.kind, r.status, r.next_at, r.created_at, audience, r.model_dump_json())
