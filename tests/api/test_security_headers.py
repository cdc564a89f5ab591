"""Every response carries the security headers; the API docs work with no internet
under the same Content-Security-Policy (issue 10: no script from data, docs offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from gongjian.service.security import CONTENT_SECURITY_POLICY
from tests.api.server import ApiServer


@pytest.fixture(scope="module")
def client(embedded_api: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=embedded_api.base_url, timeout=10) as c:
        yield c


@pytest.mark.parametrize(
    "path", ["/", "/health", "/docs", "/openapi.json", "/static/app.css", "/units"]
)
def test_security_headers_on_every_response(client: httpx.Client, path: str) -> None:
    r = client.get(path)  # /units without a token: a 401 carries them too
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_csp_allows_no_inline_or_foreign_script() -> None:
    script = next(d for d in CONTENT_SECURITY_POLICY.split("; ") if d.startswith("script-src"))
    assert script == "script-src 'self'"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_docs_load_only_local_files(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "<script>" not in page.text  # no inline script (the CSP would block it)
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert srcs and all(s.startswith("/") for s in srcs), srcs
    for src in srcs:
        asset = client.get(src)
        assert asset.status_code == 200, src
        assert len(asset.content) > 100, src
    assert client.get("/redoc").status_code in (401, 404)
