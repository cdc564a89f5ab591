"""The API's own documentation page, served with no internet: Swagger UI at ``/docs``.

FastAPI's built-in pages load their scripts from a CDN and start Swagger UI with an
inline ``<script>``, which the Content-Security-Policy (:mod:`gongjian.service.security`)
forbids. These pages load the same libraries from ``/apidocs/static/vendor/`` (copied
from the npm registry by ``scripts/build_web.sh``, like ECharts) and start them from a
script file of our own. (ReDoc is left out: its npm package pulls in React, a router and
a telemetry client; ``/openapi.json`` serves any other viewer.)
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC", "mount_api_docs"]

STATIC = Path(__file__).resolve().parent / "static"

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="/favicon.ico">
  {head}
</head>
<body>
  <div id="{root}"></div>
  {scripts}
</body>
</html>
"""


def _page(title: str, root: str, head: str, scripts: list[str]) -> Response:
    tags = "\n  ".join(f'<script src="/apidocs/static/{s}"></script>' for s in scripts)
    html = _PAGE.format(title=title, root=root, head=head, scripts=tags)
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


def mount_api_docs(app: FastAPI, *, title: str) -> None:
    """Serve ``/docs`` (Swagger UI) from local files (not in the OpenAPI).

    Create the app with ``docs_url=None, redoc_url=None`` so these replace FastAPI's.
    """
    app.mount("/apidocs/static", StaticFiles(directory=STATIC, check_dir=True), name="apidocs")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> Response:
        return _page(
            f"{title} — 接口文档 API docs",
            "swagger-ui",
            '<link rel="stylesheet" href="/apidocs/static/vendor/swagger-ui.css">',
            ["vendor/swagger-ui-bundle.js", "swagger-init.js"],
        )
