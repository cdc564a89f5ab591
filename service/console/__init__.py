"""The web console (控制台): static pages served by the API's own FastAPI app.

``/`` is the single page (``static/index.html``); ``/static/…`` its scripts,
styles and the front-end libraries that ``scripts/build_web.sh`` copied from the
npm registry into ``static/vendor/``. The pages talk to the same API over
``fetch`` with the signed-in user's bearer token; nothing is loaded from the
internet.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC", "mount_console"]

STATIC = Path(__file__).resolve().parent / "static"


def mount_console(app: FastAPI) -> None:
    """Serve the console at ``/`` and its assets at ``/static`` (not in the OpenAPI)."""
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=True), name="static")

    @app.get("/", include_in_schema=False)
    def console() -> Response:
        return FileResponse(
            STATIC / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")
