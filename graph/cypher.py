"""Every Cypher statement of the Neo4j store, as constants or small builders.

Values always travel as ``$parameters``. The only text pasted into a statement
is a label, a relationship type or a property name, and each builder checks it
against the model's whitelist (``Entity.LABEL``, ``Ref.rel`` / ``Ref.target``,
:data:`~gongjian.graph.store.LIST_FILTERS`) before it does — so nothing a user
typed can ever become part of a query.

Length: ~540 lines, because every statement of the store is here, in one place to
review for injection and to index-check, instead of beside each of its callers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from gongjian.graph.model import ENTITY_TYPES, Entity, Ref
from gongjian.graph.store import LIST_FILTERS, REL_TYPES

__all__ = [
    "ADD_ASSIGNMENTS",
    "ADD_PAIRINGS",
    "ADJACENCY",
    "AWAIT_INDEXES",
    "BACKFILL_SUBDISTRICT",
    "CLAIMED_EFFORT",
    "CLEAR",
    "COOPERATION_ASSIGNED",
    "COOPERATION_CLAIMS",
    "COOPERATION_LOCATED",
    "CREATE_POINT_ENTRY",
    "DELETE_POINT_ENTRIES",
    "DOCUMENT_CONSTRAINT",
    "GET_DOCUMENT",
    "HISTORY",
    "INDEXED_PROPERTIES",
    "LABELS",
    "LAST_POINT_ENTRY",
    "LOCK_DOCUMENT",
    "POINT_ENTRIES",
    "POINT_ENTRIES_PAGE",
    "POINT_ENTRY_SCHEMA",
    "PUT_DOCUMENT",
    "REL_TYPES",
    "REMOVE_ADJACENT",
    "REMOVE_PAIRING",
    "RESOURCES_IN_QUARTER",
    "SET_ADJACENT",
    "SHOW_CONSTRAINTS",
    "SUBDISTRICT_LABELS",
    "TO_NETWORKX_NODES",
    "TO_NETWORKX_RELS",
    "all_nodes",
    "assignments",
    "constraint",
    "count_nodes",
    "create_entities",
    "delete_node",
    "delete_unit_resources",
    "dependents",
    "entity_fields",
    "existing_ids",
    "foreign_resources",
    "get_node",
    "hold_ids",
    "index",
    "list_nodes",
    "lock_node",
    "merge_entities",
    "names",
    "pairings",
    "resources_of_unit",
    "stats",
]

#: every node label (the whitelist for labels pasted into statements)
LABELS: tuple[str, ...] = tuple(t.LABEL for t in ENTITY_TYPES)


#: properties with a range index, per label: list filters and snapshot lookups
INDEXED_PROPERTIES: dict[str, tuple[str, ...]] = {
    label: tuple(
        sorted(
            f
            for f in LIST_FILTERS[label]
            if f in {"quarter", "status", "community_id", "kind", "category", "subdistrict"}
        )
    )
    for label in LABELS
}


def _label(label: str) -> str:
    if label not in LABELS:
        raise ValueError(f"not a graph label: {label!r}")
    return label


def _rel(rel: str) -> str:
    if rel not in REL_TYPES:
        raise ValueError(f"not a relationship type: {rel!r}")
    return rel


def _field(label: str, field: str) -> str:
    if field not in LIST_FILTERS[label] and field != "id":
        raise ValueError(f"not a filterable property of {label}: {field!r}")
    return field


# --------------------------------------------------------------------------- schema


def constraint(label: str) -> str:
    """Uniqueness of ``id`` per label (also the index every ``{id: $id}`` lookup uses)."""
    label = _label(label)
    return (
        f"CREATE CONSTRAINT gongjian_{label.lower()}_id IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.id IS UNIQUE"
    )


def index(label: str, prop: str) -> str:
    """A range index on one property (list filters, snapshot)."""
    label, prop = _label(label), _field(label, prop)
    return (
        f"CREATE INDEX gongjian_{label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
    )


AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

#: the labels that belong to a sub-district (``subdistrict`` property)
SUBDISTRICT_LABELS = ("Community", "Grid", "Unit", "Need", "Activity")
#: old graphs: every node of those labels without a sub-district gets the default one
BACKFILL_SUBDISTRICT = (
    "MATCH (n) WHERE (n:Community OR n:Grid OR n:Unit OR n:Need OR n:Activity)"
    " AND n.subdistrict IS NULL SET n.subdistrict = $code"
)

SHOW_CONSTRAINTS = (
    "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
    "RETURN name, type, labelsOrTypes, properties"
)

# --------------------------------------------------------------------------- settings documents
DOCUMENT_CONSTRAINT = (
    "CREATE CONSTRAINT gongjian_document_name IF NOT EXISTS "
    "FOR (d:GongjianDocument) REQUIRE d.name IS UNIQUE"
)
GET_DOCUMENT = (
    "MATCH (d:GongjianDocument {name: $name}) WHERE d.version IS NOT NULL "
    "RETURN d.version AS version, d.body AS body"
)
LOCK_DOCUMENT = (
    "MERGE (d:GongjianDocument {name: $name}) SET d._lock = true REMOVE d._lock "
    "RETURN d.version AS version, d.body AS body"
)
PUT_DOCUMENT = "MATCH (d:GongjianDocument {name: $name}) SET d.version = $version, d.body = $body"

# ``CALL {…} IN TRANSACTIONS`` needs an auto-commit transaction (session.run).
CLEAR = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"

# --------------------------------------------------------------------------- entities


@functools.cache
def entity_fields(kind: type[Entity]) -> tuple[str, ...]:
    """The property names of an entity class, ``id`` first: the column order of entity rows.

    Rows are sent as lists (not maps) because the driver then packs half as many values.
    """
    if kind not in ENTITY_TYPES:
        raise ValueError(f"not an entity class: {kind!r}")
    fields = tuple(kind.model_fields)
    if fields[0] != "id" or not all(f.isidentifier() for f in fields):
        raise ValueError(f"unexpected fields of {kind.LABEL}: {fields!r}")
    return fields


def _props_map(kind: type[Entity]) -> str:
    # backticks: field names such as ``type`` or ``date`` are also Cypher words
    return "{" + ", ".join(f"`{f}`: row[{i}]" for i, f in enumerate(entity_fields(kind))) + "}"


def _ref_parts(kind: type[Entity]) -> list[tuple[int, Ref, str, str, str]]:
    """(index, ref, target label, relationship type, ``row[k]`` of the field) per owned ref."""
    fields = entity_fields(kind)
    return [
        (i, ref, _label(ref.target), _rel(ref.rel), f"row[{fields.index(ref.field)}]")
        for i, ref in enumerate(kind.REFS)
    ]


def _ref_returns(kind: type[Entity]) -> str:
    """``RETURN`` of the entity writers: ``m<i>`` = relationships in place for ref ``i``."""
    parts = [f"sum(m{i}) AS m{i}" for i, *_ in _ref_parts(kind)]
    return "RETURN " + (", ".join(parts) if parts else "count(*) AS rows")


@functools.cache
def create_entities(kind: type[Entity]) -> str:
    """Fast path of an upsert: create nodes known not to exist yet, with their relationships.

    ``$rows``: one list per entity, its property values in :func:`entity_fields` order
    (None: property absent). For each owned relationship ``i`` it returns ``m<i>``,
    how many were created; a target that does not exist is not counted (the caller
    compares with what it expected).
    """
    label = _label(kind.LABEL)
    lines = ["UNWIND $rows AS row", f"CREATE (n:{label}) SET n = {_props_map(kind)}", "WITH n, row"]
    for i, ref, target, rel, value in _ref_parts(kind):
        new = f"(n)<-[:{rel}]-(t)" if ref.reverse else f"(n)-[:{rel}]->(t)"
        lines.append(
            f"CALL (n, row) {{ MATCH (t:{target} {{id: {value}}}) "
            f"CREATE {new} RETURN count(*) AS m{i} }}"
        )
    lines.append(_ref_returns(kind))
    return "\n".join(lines)


@functools.cache
def merge_entities(kind: type[Entity]) -> str:
    """General upsert: create or replace nodes and re-point their owned relationships.

    Rows as for :func:`create_entities`. ``SET n = {…}`` replaces every property.
    Each owned relationship whose target differs from the row's value (or whose
    value is now None) is deleted, then the new one is MERGEd. Returns ``m<i>``.
    """
    label = _label(kind.LABEL)
    lines = [
        "UNWIND $rows AS row",
        f"MERGE (n:{label} {{id: row[0]}}) SET n = {_props_map(kind)}",
        "WITH n, row",
    ]
    for i, ref, target, rel, value in _ref_parts(kind):
        old = f"(n)<-[old:{rel}]-(o:{target})" if ref.reverse else f"(n)-[old:{rel}]->(o:{target})"
        new = f"(n)<-[:{rel}]-(t)" if ref.reverse else f"(n)-[:{rel}]->(t)"
        lines.append(
            f"CALL (n, row) {{ OPTIONAL MATCH {old} WHERE {value} IS NULL OR o.id <> {value} "
            f"DELETE old }}"
        )
        lines.append(
            f"CALL (n, row) {{ MATCH (t:{target} {{id: {value}}}) MERGE {new} "
            f"RETURN count(*) AS m{i} }}"
        )
    lines.append(_ref_returns(kind))
    return "\n".join(lines)


def existing_ids(label: str) -> str:
    """Which of ``$ids`` exist as nodes of ``label``."""
    return f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) RETURN collect(n.id) AS ids"


def hold_ids(label: str) -> str:
    """Which of ``$ids`` exist as nodes of ``label``, holding the others for this transaction.

    ``MERGE`` under the uniqueness constraint on ``id`` takes the index entry's lock: a
    node another transaction is creating (even one whose commit is only half visible)
    is waited for and then found, and an id not found is created here as a bare
    placeholder (``_held``) that no one else can create until we commit or roll back.
    The caller fills every placeholder in the same transaction (``merge_entities``
    replaces all its properties) or rolls the transaction back.
    """
    return (
        f"UNWIND $ids AS id MERGE (n:{_label(label)} {{id: id}}) ON CREATE SET n._held = true"
        " WITH n WHERE n._held IS NULL RETURN collect(n.id) AS ids"
    )


def get_node(label: str) -> str:
    return f"MATCH (n:{_label(label)} {{id: $id}}) RETURN properties(n) AS props"


def _where(label: str, fields: Sequence[str]) -> str:
    conds = [f"n.{_field(label, f)} = $f_{_field(label, f)}" for f in fields]
    return f" WHERE {' AND '.join(conds)}" if conds else ""


def list_nodes(label: str, fields: Sequence[str], *, limited: bool) -> str:
    """Nodes of a label filtered by equality on ``fields`` (``$f_<field>``), ordered by id."""
    label = _label(label)
    tail = " SKIP $offset LIMIT $limit" if limited else " SKIP $offset"
    return (
        f"MATCH (n:{label}){_where(label, fields)} RETURN properties(n) AS props ORDER BY n.id"
        + tail
    )


def count_nodes(label: str, fields: Sequence[str]) -> str:
    label = _label(label)
    return f"MATCH (n:{label}){_where(label, fields)} RETURN count(n) AS n"


def all_nodes(label: str) -> str:
    return f"MATCH (n:{_label(label)}) RETURN properties(n) AS props ORDER BY n.id"


def lock_node(label: str) -> str:
    """Take the node's write lock for the rest of the transaction.

    Writing a property takes the exclusive lock; removing it again leaves no trace.
    Read the node with a LATER statement of the same transaction: it then sees the
    latest committed state, which no one else can change until we commit.
    """
    return (
        f"MATCH (n:{_label(label)} {{id: $id}}) SET n._lock = true REMOVE n._lock RETURN n.id AS id"
    )


def dependents(label: str, refs: Sequence[tuple[str, Ref]]) -> str:
    """For each ``(source label, ref)`` pointing at ``label``: how many sources reference the node."""
    label = _label(label)
    parts = []
    for i, (source, ref) in enumerate(refs):
        source, rel = _label(source), _rel(ref.rel)
        if ref.target != label:
            raise ValueError(f"{source}.{ref.field} does not point at {label}")
        pattern = f"(n)-[:{rel}]->(:{source})" if ref.reverse else f"(n)<-[:{rel}]-(:{source})"
        parts.append(f"COUNT {{ {pattern} }} AS c{i}")
    if not parts:
        return f"MATCH (n:{label} {{id: $id}}) RETURN []"
    return f"MATCH (n:{label} {{id: $id}}) RETURN " + ", ".join(parts)


def delete_node(label: str) -> str:
    return f"MATCH (n:{_label(label)} {{id: $id}}) DETACH DELETE n"


def resources_of_unit() -> str:
    """A unit's declared resources (by the owning property, which is indexed)."""
    return "MATCH (r:Resource) WHERE r.unit_id = $unit RETURN properties(r) AS props ORDER BY r.id"


def foreign_resources() -> str:
    """Which of ``$ids`` are resources of another unit than ``$unit``."""
    return (
        "UNWIND $ids AS id MATCH (r:Resource {id: id}) WHERE r.unit_id <> $unit"
        " RETURN r.id AS id ORDER BY id"
    )


def delete_unit_resources() -> str:
    """Delete the unit's resources whose ids are not in ``$keep``."""
    return "MATCH (r:Resource) WHERE r.unit_id = $unit AND NOT r.id IN $keep DETACH DELETE r"


#: a unit's unfinished claimed effort in a quarter (``$statuses``: claimed, in progress)
CLAIMED_EFFORT = (
    "MATCH (n:Need) WHERE n.claimed_by = $unit AND n.quarter = $quarter"
    " AND n.status IN $statuses RETURN coalesce(sum(n.effort), 0) AS effort"
)


def names(label: str) -> str:
    return (
        f"UNWIND $ids AS id MATCH (n:{_label(label)} {{id: id}}) RETURN n.id AS id, n.name AS name"
    )


# --------------------------------------------------------------------------- relationships

# pairs are (smaller id, larger id): each adjacent pair is stored once, small → large
SET_ADJACENT = (
    "UNWIND $pairs AS p "
    "MATCH (a:Community {id: p[0]}) MATCH (b:Community {id: p[1]}) "
    "MERGE (a)-[:ADJACENT_TO]->(b)"
)
REMOVE_ADJACENT = "MATCH (:Community {id: $a})-[r:ADJACENT_TO]-(:Community {id: $b}) DELETE r"
ADJACENCY = (
    "MATCH (a:Community)-[:ADJACENT_TO]->(b:Community) RETURN a.id AS a, b.id AS b ORDER BY a, b"
)


def _link_units(label: str, var: str, key: str, merge: str) -> str:
    """Per ``$rows`` row, the unit ``row.unit_id`` joined to the ``label`` node ``row.<key>``."""
    return (
        "UNWIND $rows AS row "
        f"MATCH (u:Unit {{id: row.unit_id}}) MATCH ({var}:{label} {{id: row.{key}}}) "
        f"MERGE {merge}"
    )


def _match_from_units(rel: str, label: str, var: str, *, by_unit: bool, by_other: bool) -> str:
    """``MATCH`` units to ``label`` nodes over ``rel``, either end optionally one node.

    The unit is ``$unit_id``, the other end ``$<label in lower case>_id``.
    """
    u = "(u:Unit {id: $unit_id})" if by_unit else "(u:Unit)"
    other = f"({var}:{label} {{id: ${label.lower()}_id}})" if by_other else f"({var}:{label})"
    return f"MATCH {u}-{rel}->{other} "


ADD_PAIRINGS = _link_units("Community", "c", "community_id", "(u)-[:PAIRED_WITH]->(c)")
REMOVE_PAIRING = (
    "MATCH (:Unit {id: $unit_id})-[r:PAIRED_WITH]->(:Community {id: $community_id}) DELETE r"
)


def pairings(*, by_unit: bool, by_community: bool) -> str:
    """Pairings, optionally of one unit (``$unit_id``) and/or one community (``$community_id``)."""
    return (
        _match_from_units(
            "[:PAIRED_WITH]", "Community", "c", by_unit=by_unit, by_other=by_community
        )
        + "RETURN u.id AS unit_id, c.id AS community_id ORDER BY unit_id, community_id"
    )


ADD_ASSIGNMENTS = _link_units(
    "Activity", "a", "activity_id", "(u)-[r:ASSIGNED {plan: row.plan}]->(a) SET r.role = row.role"
)


REMOVE_ASSIGNMENTS = (
    "MATCH (:Unit)-[r:ASSIGNED {plan: $plan}]->(:Activity) DELETE r RETURN count(*) AS removed"
)


def assignments(*, by_activity: bool, by_unit: bool) -> str:
    """Assignments, optionally of one activity and/or one unit, ordered (activity, unit, plan)."""
    return (
        _match_from_units("[r:ASSIGNED]", "Activity", "a", by_unit=by_unit, by_other=by_activity)
        + "RETURN a.id AS activity_id, u.id AS unit_id, r.plan AS plan, r.role AS role "
        "ORDER BY activity_id, unit_id, plan"
    )


# --------------------------------------------------------------------------- planner snapshot

RESOURCES_IN_QUARTER = (
    "MATCH (r:Resource) WHERE size(coalesce(r.quarters, [])) = 0 OR $quarter IN r.quarters "
    "RETURN properties(r) AS props ORDER BY r.id"
)

# how often each unit served each community before $quarter: claimed needs raised
# there + distinct activities hosted there it was assigned to
HISTORY = """
CALL () {
  MATCH (n:Need) WHERE n.quarter < $quarter AND n.claimed_by IS NOT NULL
  RETURN n.claimed_by AS unit, n.community_id AS community, count(n) AS n
  UNION ALL
  MATCH (u:Unit)-[:ASSIGNED]->(a:Activity) WHERE a.quarter < $quarter
  RETURN u.id AS unit, a.community_id AS community, count(DISTINCT a) AS n
}
WITH unit, community, sum(n) AS n WHERE n > 0
RETURN unit, community, n ORDER BY unit, community
"""

# --------------------------------------------------------------------------- cooperation network

# The facts cooperation edges are derived from (graph.cooperation computes the edges).
COOPERATION_LOCATED = """
MATCH (u:Unit)-[r:LOCATED_IN|PAIRED_WITH]->(c:Community)
RETURN type(r) AS type, u.id AS unit, c.id AS community
"""

COOPERATION_CLAIMS = """
MATCH (u:Unit)-[:CLAIMED]->(n:Need)-[:RAISED_IN]->(c:Community)
RETURN u.id AS unit, c.id AS community, count(DISTINCT n) AS n
"""

COOPERATION_ASSIGNED = """
MATCH (u:Unit)-[:ASSIGNED]->(a:Activity)
OPTIONAL MATCH (a)-[:HOSTED_IN]->(c:Community)
RETURN DISTINCT u.id AS unit, a.id AS activity, c.id AS community
"""

# --------------------------------------------------------------------------- whole graph


def stats() -> str:
    """Node count per label and relationship count per type (count store), one row each."""
    parts = [f"MATCH (n:{_label(lb)}) RETURN '{lb}' AS key, count(n) AS n" for lb in LABELS]
    parts += [f"MATCH ()-[r:{_rel(t)}]->() RETURN '{t}' AS key, count(r) AS n" for t in REL_TYPES]
    return "CALL () { " + " UNION ALL ".join(parts) + " } RETURN key, n"


# point entries are members' records and settings documents (the suitability table)
# are no part of the graph
TO_NETWORKX_NODES = (
    "MATCH (n) WHERE NOT n:PointEntry AND NOT n:GongjianDocument AND NOT n:NeedStep"
    " AND NOT n:Sequence"
    " RETURN labels(n) AS labels, properties(n) AS props"
)
TO_NETWORKX_RELS = (
    "MATCH (a)-[r]->(b) RETURN labels(a) AS src_labels, a.id AS src, type(r) AS type, "
    "properties(r) AS props, labels(b) AS dst_labels, b.id AS dst"
)

# --------------------------------------------------------------------------- point entries
# A party member's point entries (model.PointEntry) are nodes of their own label, outside
# the network (no relationships, left out of stats and to_networkx), found by member_id.

POINT_ENTRY_SCHEMA = (
    "CREATE CONSTRAINT gongjian_pointentry_seq IF NOT EXISTS "
    "FOR (e:PointEntry) REQUIRE (e.member_id, e.seq) IS UNIQUE",
    "CREATE INDEX gongjian_pointentry_member IF NOT EXISTS FOR (e:PointEntry) ON (e.member_id)",
)
LAST_POINT_ENTRY = (
    "MATCH (e:PointEntry) WHERE e.member_id = $member RETURN coalesce(max(e.seq), 0) AS seq"
)
CREATE_POINT_ENTRY = "CREATE (e:PointEntry) SET e = $props"
DELETE_POINT_ENTRIES = "MATCH (e:PointEntry) WHERE e.member_id = $member DELETE e"
POINT_ENTRIES = (
    "MATCH (e:PointEntry) WHERE e.member_id = $member RETURN properties(e) AS props"
    " ORDER BY e.seq DESC SKIP $offset"
)
POINT_ENTRIES_PAGE = POINT_ENTRIES + " LIMIT $limit"

# --------------------------------------------------------------------------- the 12345 desk
# A need's timeline steps (graph.desk.NeedStep) are nodes of their own label found by
# need_id, like point entries; the counters of the order numbers are (:Sequence) nodes;
# Need.number is unique.

DESK_SCHEMA = (
    "CREATE CONSTRAINT gongjian_needstep_seq IF NOT EXISTS "
    "FOR (e:NeedStep) REQUIRE (e.need_id, e.seq) IS UNIQUE",
    "CREATE CONSTRAINT gongjian_sequence_name IF NOT EXISTS "
    "FOR (s:Sequence) REQUIRE s.name IS UNIQUE",
    "CREATE CONSTRAINT gongjian_need_number IF NOT EXISTS FOR (n:Need) REQUIRE n.number IS UNIQUE",
)
#: take the counter's write lock (MERGE under the uniqueness constraint, then a write);
#: read and add with a LATER statement, which then sees the latest committed value
LOCK_SEQUENCE = (
    "MERGE (s:Sequence {name: $name}) ON CREATE SET s.value = 0"
    " SET s._lock = true REMOVE s._lock RETURN s.name AS name"
)
ADD_SEQUENCE = "MATCH (s:Sequence {name: $name}) SET s.value = s.value + $n RETURN s.value AS value"
STORED_NUMBERS = (
    "UNWIND $ids AS id MATCH (n:Need {id: id}) WHERE n.number IS NOT NULL"
    " RETURN n.id AS id, n.number AS number"
)
UNNUMBERED_NEEDS = (
    "MATCH (n:Need) WHERE n.number IS NULL AND n._held IS NULL"
    " RETURN properties(n) AS props ORDER BY n.id"
)
LAST_STEP = "MATCH (e:NeedStep) WHERE e.need_id = $need RETURN coalesce(max(e.seq), 0) AS seq"
CREATE_STEPS = "UNWIND $rows AS row CREATE (e:NeedStep) SET e = row"
DELETE_STEPS = "MATCH (e:NeedStep) WHERE e.need_id = $need DELETE e"
NEED_STEPS = (
    "MATCH (e:NeedStep) WHERE e.need_id = $need RETURN properties(e) AS props ORDER BY e.seq"
)
STEPS_BY_ACTION = "MATCH (e:NeedStep) WHERE e.action IN $actions RETURN properties(e) AS props"
