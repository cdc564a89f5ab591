"""FastAPI dependencies shared by the routers: the store, the service state, the user, paging."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from gongjian.graph.errors import StoreUnavailableError
from gongjian.graph.store import GraphStore
from gongjian.service.auth import current_user
from gongjian.service.state import ServiceState, User

__all__ = [
    "CurrentUser",
    "Page",
    "Paging",
    "State",
    "Store",
    "audit_note",
    "get_state",
    "get_store",
    "paging",
]

T = TypeVar("T")
_migrate_lock = threading.Lock()


def ensure_migrated(app: Any) -> None:
    """Migrate the store once it is reachable (start-up may have found it down)."""
    if app.state.store_ready:
        return
    with _migrate_lock:
        if not app.state.store_ready:
            try:
                app.state.store.migrate()
            except StoreUnavailableError:
                raise
            app.state.store_ready = True


def get_store(request: Request) -> GraphStore:
    """The process's one store (created in the lifespan)."""
    ensure_migrated(request.app)
    return request.app.state.store


def get_state(request: Request) -> ServiceState:
    return request.app.state.service_state


Store = Annotated[GraphStore, Depends(get_store)]
State = Annotated[ServiceState, Depends(get_state)]
CurrentUser = Annotated[User, Depends(current_user)]


class Paging(BaseModel):
    offset: int
    limit: int


def paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过的条数 offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数 page size")] = 50,
) -> Paging:
    return Paging(offset=offset, limit=limit)


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus the ``total`` matching the filters."""

    items: list[T]
    total: int
    offset: int
    limit: int


def audit_note(request: Request, summary: str) -> None:
    """What a write did, in a few words, for the audit log (the middleware records it)."""
    request.state.audit = summary
