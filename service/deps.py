"""FastAPI dependencies shared by the routers: the store, the service state, the user, paging."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import anyio
from fastapi import Depends, Header, Query, Request, Response
from pydantic import BaseModel

from gongjian.core.errors import StoreUnavailableError
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.store import GraphStore
from gongjian.service.auth.permissions import current_user
from gongjian.service.auth.schemas import User
from gongjian.service.state import ServiceState

__all__ = [
    "IF_MATCH_RESPONSES",
    "CurrentUser",
    "IfMatch",
    "Page",
    "PageParams",
    "Paging",
    "State",
    "Store",
    "Write",
    "WriteContext",
    "audit_note",
    "get_state",
    "get_store",
    "paging",
    "read_inline",
    "scope_of",
]

T = TypeVar("T")
R = TypeVar("R")
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


async def get_store(request: Request) -> GraphStore:
    """The process's one store (created in the lifespan).

    ``async`` so that FastAPI calls it on the event loop instead of a worker thread
    (one thread hop less per request); migrating a store that was down at start-up
    blocks, so that runs in a thread.
    """
    app = request.app
    if not app.state.store_ready:
        await anyio.to_thread.run_sync(ensure_migrated, app)
    return app.state.store


async def read_inline(store: GraphStore, read: Callable[..., R], *args: Any) -> R:
    """Run a short store read: on the event loop for the embedded store, else in a thread.

    An embedded read is one local SQLite query (WAL: readers never wait for
    writers), cheaper than the two worker-thread hops a sync route costs; a Neo4j
    read waits on the network, so it goes to a thread. Writes always go to a thread
    (they wait for fsync).
    """
    if isinstance(store, EmbeddedStore):
        return read(*args)
    return await anyio.to_thread.run_sync(read, *args)


async def get_state(request: Request) -> ServiceState:
    return request.app.state.service_state


Store = Annotated[GraphStore, Depends(get_store)]
State = Annotated[ServiceState, Depends(get_state)]
CurrentUser = Annotated[User, Depends(current_user)]


class Paging(BaseModel):
    offset: int
    limit: int

    def of(self, items: list[T], total: int) -> Page[T]:
        """The page answering this request: ``items`` on it of ``total`` matching."""
        return Page[Any](items=items, total=total, offset=self.offset, limit=self.limit)

    def cut(self, items: list[T]) -> Page[T]:
        """This page of ``items``, the whole list of matches (``total`` is its length)."""
        return self.of(items[self.offset : self.offset + self.limit], len(items))


async def paging(
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="跳过的条数 offset")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数 page size")] = 50,
) -> Paging:
    return Paging(offset=offset, limit=limit)


#: a list route's ``offset`` / ``limit`` query parameters
PageParams = Annotated[Paging, Depends(paging)]


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus the ``total`` matching the filters."""

    items: list[T]
    total: int
    offset: int
    limit: int


def scope_of(user: User) -> str | None:
    """The sub-district a caller's reads are filtered by: theirs; None (everything) for
    the city role. Pass it as ``subdistrict`` to the store's lists and snapshots."""
    return user.subdistrict


def audit_note(request: Request, summary: str) -> None:
    """What a write did, in a few words, for the audit log (the middleware records it)."""
    request.state.audit = summary


#: the ETag a conditional write names: an entity's version, or for resources the unit's
#: declared set's (428 where required and missing, 412 when stale)
IfMatch = Annotated[
    str | None,
    Header(max_length=200, description="ETag from GET (428 without where required, 412 stale)"),
]


#: the ``responses`` a conditional write documents (add the route's own)
IF_MATCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {"description": "ETag 已过期 stale ETag"},
    428: {"description": "缺少 If-Match"},
}


@dataclass
class WriteContext:
    """What a conditional write route needs: who writes, the store, the ``If-Match`` it
    names, and where the audit note and the new ETag go."""

    user: User
    store: GraphStore
    request: Request
    response: Response
    if_match: str | None

    @property
    def args(self) -> dict[str, Any]:
        """The keyword arguments every conditional write of the service layer takes."""
        return {"store": self.store, "user": self.user, "if_match": self.if_match}

    def saved(self, note: str, etag: str) -> None:
        """Record ``note`` for the audit log and answer with the written state's ``etag``."""
        audit_note(self.request, note)
        self.response.headers["ETag"] = etag


async def write_context(
    user: CurrentUser, store: Store, request: Request, response: Response, if_match: IfMatch = None
) -> WriteContext:
    return WriteContext(user, store, request, response, if_match)


Write = Annotated[WriteContext, Depends(write_context)]
