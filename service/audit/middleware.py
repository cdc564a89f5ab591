"""Recording writes: the ASGI middleware that puts every write request in the audit log."""

from __future__ import annotations

import logging
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongjian.service.audit import service
from gongjian.service.state import ServiceState

__all__ = ["AuditMiddleware"]

log = logging.getLogger("gongjian.service")

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditMiddleware:
    """Records every write request made with a valid token: who, when, method, path, status.

    The entry is written when the response starts, before its first byte goes out:
    a client that saw its write answered finds it in the audit log. What the write
    did, in a few words, is what the view left with :func:`gongjian.service.deps.audit_note`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WRITES:
            await self.app(scope, receive, send)
            return
        recorded = False

        async def record(status: int) -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            state: dict[str, Any] = scope.get("state", {})
            user = state.get("user")
            if user is None:
                return
            service_state: ServiceState = scope["app"].state.service_state
            try:
                await anyio.to_thread.run_sync(
                    lambda: service.record(
                        state=service_state,
                        user=user,
                        method=scope["method"],
                        path=scope["path"],
                        status=status,
                        summary=state.get("audit"),
                    )
                )
            except Exception:  # the audit log must never turn a write into an error
                log.exception("could not record audit entry")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                await record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            await record(500)
