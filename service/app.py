"""The FastAPI application: ``create_app()`` builds it, ``gongjian serve`` runs it with uvicorn.

Start-up (the lifespan) opens the service state, creates the one store of the
process (embedded by default, Neo4j when ``GONGJIAN_NEO4J_URI`` / ``GONGJIAN_STORE``
say so), migrates it if it is reachable (else on the first request that finds it
up), marks plan jobs a previous process left unfinished as interrupted, and starts
the job runner. OpenAPI is at ``/docs`` and ``/openapi.json``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gongjian.core import __version__
from gongjian.core.errors import InvalidInputError, StoreUnavailableError
from gongjian.core.settings import Settings, get_settings
from gongjian.graph import open_store
from gongjian.graph.model import Community, parse_quarter
from gongjian.service.apidocs import mount_api_docs
from gongjian.service.audit import views as audit_views
from gongjian.service.audit.middleware import AuditMiddleware
from gongjian.service.auth import session_views
from gongjian.service.auth import views as auth_views
from gongjian.service.auth.permissions import BEARER_SCHEME
from gongjian.service.commitments import views as commitments_views
from gongjian.service.console import mount_console
from gongjian.service.deps import ensure_migrated
from gongjian.service.errors import document_errors, error_body, install_error_handlers
from gongjian.service.map import views as map_views
from gongjian.service.me import views as me_views
from gongjian.service.metrics import views as metrics_views
from gongjian.service.needs import photos as needs_photos
from gongjian.service.needs import views as needs_views
from gongjian.service.network import views as network_views
from gongjian.service.notifications import views as notifications_views
from gongjian.service.notifications.worker import start_worker
from gongjian.service.plans import city as city_runs
from gongjian.service.plans import city_views
from gongjian.service.plans import views as plans_views
from gongjian.service.plans.jobs import JobManager
from gongjian.service.plans.publish import resume_publications
from gongjian.service.registry import views as registry_views
from gongjian.service.security import SecurityHeadersMiddleware
from gongjian.service.state import ServiceState
from gongjian.service.suitability import views as suitability_views
from gongjian.service.vocab import views as vocab_views

__all__ = ["create_app"]

log = logging.getLogger("gongjian.service")


class BodyLimitMiddleware:
    """413 in the project's error shape for a request body over ``max_bytes``.

    A declared ``Content-Length`` over the limit is refused before anything is read;
    a chunked body is counted as it arrives and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body(
                "payload_too_large",
                f"请求数据过大，上限 {self.max_bytes // 1024} KiB"
                f" (request body too large; limit {self.max_bytes} bytes)",
                limit=self.max_bytes,
            ),
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await self._refuse(send)
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; whatever the app answers after that is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting_receive, tracking_send)


class _TooLarge(Exception):
    """A streamed request body passed the limit."""


class QuarterQueryMiddleware:
    """422 for a ``quarter`` query parameter that is not a quarter, on every route.

    The routes that take a quarter check it themselves too, but a list filter (``GET
    /needs?quarter=…``) hands it to the store as it came: here each one is checked once,
    with the models' rule (ASCII digits: ``２０２６Q4`` is refused), new routes included.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"quarter" in query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if name != "quarter":
                    continue
                try:
                    parse_quarter(value)  # decoded as Starlette does for the routes
                except InvalidInputError as exc:
                    errors = [{"field": "quarter", "in": "query", "message": exc.message}]
                    message = f"请求数据无效 (invalid request): quarter: {exc.message}"
                    body = error_body("invalid_input", message, errors=errors)
                    await JSONResponse(body, status_code=422)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.service_state = ServiceState(settings.state_db)
    app.state.store = open_store(settings=settings, migrate=False)
    app.state.store_ready = False
    try:
        app.state.store.migrate()
        app.state.store_ready = True
    except StoreUnavailableError as exc:
        log.warning("store not reachable at start-up, will retry: %s", exc.message)
    interrupted = app.state.service_state.interrupt_unfinished()
    if interrupted:
        log.warning(
            "%d plan job(s) left unfinished by a previous process: interrupted", interrupted
        )
    app.state.jobs = JobManager(app.state.service_state, spare=settings.spare_solver)
    # publications a killed process left unfinished are completed (journaled publish)
    resume_publications(app.state.store, app.state.service_state)
    # notifications: the outbox worker of this process (channels are in the state file)
    notifier = (
        start_worker(app.state.store, app.state.service_state, settings)
        if settings.notify_worker
        else None
    )
    # Everything loaded so far (pydantic models, routes, networkx, numpy…) lives as long
    # as the process: keep it out of the cyclic collector's full passes, which would
    # otherwise walk it again and again and stall requests for tens of milliseconds.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if notifier is not None:
            notifier.stop()
        # Ray city runs of this process end as its plan jobs do: interrupted, tasks stopped
        city_runs.stop_runs()
        app.state.jobs.shutdown()
        app.state.store.close()
        app.state.service_state.close()


def _document_bearer(app: FastAPI) -> None:
    """Every operation but ``/health`` needs the bearer token: say so in the OpenAPI, with
    the error answers and the id / quarter patterns (:func:`document_errors`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(BEARER_SCHEME)
        for path, operations in schema["paths"].items():
            if path not in _PUBLIC:
                for operation in operations.values():
                    operation["security"] = [{name: []} for name in BEARER_SCHEME]
        app.openapi_schema = document_errors(schema, public=_PUBLIC)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# /session signs in with a token in its body, or works with the session cookie
_PUBLIC = frozenset({"/health", "/session"})


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application (``uvicorn --factory gongjian.service.app:create_app``)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="共建 gongjian",
        version=__version__,
        description=(
            "街道与驻区单位共建：资源清单、民情交办单、季度计划、共建网络与指标。\n\n"
            "Joint building of a sub-district with its resident units: declared resources, "
            "work orders, quarterly plans, the cooperation network and metrics. Every "
            "request except `/health` needs `Authorization: Bearer <token>` "
            "(`gongjian users add`)."
        ),
        lifespan=_lifespan,
        redirect_slashes=False,
        # served from local files by mount_api_docs (FastAPI's own pages use a CDN)
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(QuarterQueryMiddleware)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # every request body: an upload's own limit plus room for the multipart framing
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 64 * 1024)

    @app.get("/health", tags=["system"], summary="健康检查 Health")
    def health() -> dict[str, Any]:
        """200 when the store answers; 503 with Retry-After when it does not."""
        ensure_migrated(app)
        app.state.store.count(Community)
        return {"status": "ok", "store": app.state.settings.store_kind()}

    mount_console(app)
    mount_api_docs(app, title=app.title)
    _document_bearer(app)

    for module in (
        registry_views,
        needs_views,
        needs_photos,
        city_views,  # before plans_views: /plans/city is not a plan id
        plans_views,
        network_views,
        metrics_views,
        auth_views,
        session_views,
        vocab_views,
        audit_views,
        suitability_views,
        me_views,
        map_views,
        notifications_views,
        commitments_views,
    ):
        # The routes go straight onto the app's router: FastAPI's included-router
        # layer costs about a third of a simple GET's CPU time in matching alone.
        app.router.routes.extend(module.router.routes)
    return app
