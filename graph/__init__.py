"""The joint-building graph: domain model and the two stores behind one contract.

The errors the stores raise live in :mod:`gongjian.core.errors`.
"""

from __future__ import annotations

from typing import Literal

from gongjian.core.errors import StoreUnavailableError
from gongjian.core.settings import Settings, get_settings
from gongjian.graph.store import GraphStore

__all__ = ["GraphStore", "open_store"]


def open_store(
    kind: Literal["embedded", "neo4j"] | None = None,
    settings: Settings | None = None,
    *,
    migrate: bool = True,
) -> GraphStore:
    """Open (and migrate) the store named by ``kind`` or by the settings.

    ``neo4j`` needs ``GONGJIAN_NEO4J_URI``; a missing or unreachable server raises
    :class:`StoreUnavailableError` with a clear message. With ``migrate=False`` the
    store is only constructed (the service migrates it itself, retrying while the
    server is down).
    """
    settings = settings or get_settings()
    kind = kind or settings.store_kind()
    if kind == "neo4j":
        if not settings.neo4j_uri:
            raise StoreUnavailableError(
                "未配置 Neo4j：请设置 GONGJIAN_NEO4J_URI (no Neo4j configured: set "
                "GONGJIAN_NEO4J_URI, e.g. from `python scripts/neo4j_local.py start`)"
            )
        from gongjian.graph.neo4j_store import Neo4jStore

        store: GraphStore = Neo4jStore(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            connection_timeout=settings.neo4j_connect_timeout,
            max_retry_time=settings.neo4j_retry_seconds,
        )
    else:
        from gongjian.graph.embedded import EmbeddedStore

        store = EmbeddedStore(settings.db)
    if migrate:
        store.migrate()
    return store
