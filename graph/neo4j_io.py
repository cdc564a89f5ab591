"""Neo4j plumbing under :class:`~gongjian.graph.neo4j_store.Neo4jStore`.

Driver and server errors translated into the project's own exceptions
(:func:`translate_errors`), entities to and from node properties
(:func:`entity_props`, :func:`entity_from_props`) and the statements run inside a
transaction to look up ids and write entities with their owned relationships.
Every statement comes from :mod:`gongjian.graph.cypher`.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString, TypeVar, cast

from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_errors
from pydantic import BaseModel

from gongjian.core.errors import (
    ConflictError,
    GongjianError,
    InvalidInputError,
    NotFoundError,
    StoreUnavailableError,
)
from gongjian.graph import base, cypher
from gongjian.graph.model import ENTITY_TYPES, Entity

__all__ = [
    "BOLT_SCHEMES",
    "UNAVAILABLE",
    "UNWIND_CHUNK",
    "MissingTarget",
    "create_entities",
    "entity_from_props",
    "entity_props",
    "existing_ids",
    "json_fields",
    "missing_refs",
    "require_ids",
    "statement",
    "translate_errors",
    "write_batch",
    "write_group",
]

E = TypeVar("E", bound=Entity)

#: rows per ``UNWIND`` statement for relationship writes and id look-ups
UNWIND_CHUNK = 5000

UNAVAILABLE = "图数据库不可用 (graph database unavailable)"

#: URI schemes of the Bolt protocol (the driver's HTTP preview is not used)
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def statement(text: str) -> LiteralString:
    # Statements come from gongjian.graph.cypher only (whitelisted labels and types).
    return cast(LiteralString, text)


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
            f"{UNAVAILABLE}: 认证失败，请检查 GONGJIAN_NEO4J_USER / GONGJIAN_NEO4J_PASSWORD "
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
                f"{UNAVAILABLE}: {uri}: {_one_line(exc)}", uri=uri, code=code
            ) from None
        raise InvalidInputError(
            f"图数据库拒绝了该值 (value refused by Neo4j): {_one_line(exc)}"
        ) from None
    except neo4j_errors.TransientError as exc:
        # still failing after the driver's retries (deadlocks, a database starting up)
        raise StoreUnavailableError(
            f"{UNAVAILABLE}: 服务器繁忙，请稍后重试 (server busy at {uri}, retry later): "
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
            f"{UNAVAILABLE}: 无法连接 {uri} (cannot use the server at {uri}): {_one_line(exc)}",
            uri=uri,
        ) from None


def _one_line(exc: BaseException) -> str:
    reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(reason).split())


# --------------------------------------------------------------------------- properties


def _is_nested(annotation: Any) -> bool:
    """Whether a field holds values Neo4j cannot store as a property (models, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    if typing.get_origin(annotation) is dict:
        return True
    return any(_is_nested(arg) for arg in typing.get_args(annotation))


@functools.cache
def json_fields(kind: type[Entity]) -> frozenset[str]:
    return frozenset(
        name for name, info in kind.model_fields.items() if _is_nested(info.annotation)
    )


def entity_props(entity: Entity) -> dict[str, Any]:
    """The node properties of an entity: flat JSON values, nested ones as JSON text.

    >>> from gongjian.graph.model import Community
    >>> entity_props(Community(id="c1", name="星城社区"))
    {'id': 'c1', 'version': 1, 'name': '星城社区', 'subdistrict': 'XC'}
    """
    props = entity.model_dump(mode="json", exclude_none=True)
    for field in json_fields(type(entity)):
        if field in props:
            props[field] = json.dumps(props[field], ensure_ascii=False)
    return props


def entity_from_props(kind: type[E], props: dict[str, Any]) -> E:
    """The entity back from its node properties (inverse of :func:`entity_props`)."""
    data = {k: v for k, v in props.items() if not k.startswith("_")}
    for field in json_fields(kind):
        if isinstance(data.get(field), str):
            data[field] = json.loads(data[field])
    return kind.model_validate(data)


def _entity_row(entity: Entity, fields: Sequence[str]) -> list[Any]:
    """An entity's properties as a list in ``fields`` order (None: absent)."""
    props = entity_props(entity)
    return [props.get(f) for f in fields]


# --------------------------------------------------------------------------- transaction work


def existing_ids(tx: ManagedTransaction, label: str, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for part in base.chunks(wanted, UNWIND_CHUNK):
        record = tx.run(statement(cypher.existing_ids(label)), ids=list(part)).single(strict=True)
        found.update(record["ids"])
    return found


def require_ids(tx: ManagedTransaction, label: str, ids: Iterable[str]) -> None:
    ids = set(ids)
    absent = ids - existing_ids(tx, label, ids)
    if absent:
        raise NotFoundError(label, sorted(absent)[0])


class MissingTarget(InvalidInputError):
    """A relationship target is missing (the transaction is rolled back)."""


def write_batch(
    tx: ManagedTransaction,
    batch: Sequence[tuple[type[Entity], Sequence[Entity]]],
    *,
    fast: bool = True,
) -> None:
    """Write groups of entities in dependency order, in one transaction."""
    for kind, entities in batch:
        write_group(tx, kind, entities, fast=fast)


def write_group(
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
    existing = existing_ids(tx, label, (r[0] for r in rows)) if fast else None
    plans = (
        [(cypher.merge_entities(kind), rows)]
        if existing is None
        else [
            (cypher.create_entities(kind), [r for r in rows if r[0] not in existing]),
            (cypher.merge_entities(kind), [r for r in rows if r[0] in existing]),
        ]
    )
    for text, part in plans:
        _run_rows(tx, kind, text, part)


def _run_rows(tx: ManagedTransaction, kind: type[Entity], text: str, rows: list[list[Any]]) -> None:
    """Run one entity writer over ``rows``; :class:`MissingTarget` if a reference found no node."""
    if not rows:
        return
    fields = cypher.entity_fields(kind)
    record = tx.run(statement(text), rows=rows).single(strict=True)
    for i, ref in enumerate(kind.REFS):
        column = fields.index(ref.field)
        expected = sum(1 for r in rows if r[column] is not None)
        if record[f"m{i}"] != expected:
            raise MissingTarget(
                f"引用了不存在的节点 (unknown references): {kind.LABEL}.{ref.field} → {ref.target}"
            )


def missing_refs(tx: ManagedTransaction, entities: Sequence[Entity]) -> InvalidInputError | None:
    """The error naming every reference to a node neither stored nor in ``entities``."""
    wanted = base.wanted_refs(entities)
    absent = {label: ids - existing_ids(tx, label, ids) for label, ids in wanted.items()}
    return base.missing_refs_error(entities, absent)


def create_entities(tx: ManagedTransaction, entities: Sequence[Entity]) -> None:
    """Write new nodes (dependency order) with their relationships: never an overwrite.

    Their ids were held by :func:`gongjian.graph.cypher.hold_ids` earlier in this
    transaction (bare placeholders no one else can create meanwhile); this fills them.
    """
    error = missing_refs(tx, entities)
    if error is not None:
        raise error
    for kind in ENTITY_TYPES:
        group = [e for e in entities if type(e) is kind]
        if group:
            write_group(tx, kind, group, fast=False)
