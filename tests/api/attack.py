"""Helpers for the issue-10 reproduction tests: hostile files, memory and timing probes.

The xlsx files are written by hand (the sheet XML straight into a zip) so that a
file can lie about its size, hold millions of rows or shared strings and still be
a few hundred kilobytes on the wire — the shape of an upload bomb.
"""

from __future__ import annotations

import contextlib
import io
import time
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.api.server import ApiServer

__all__ = [
    "HEADER",
    "await_audit",
    "create_need",
    "csv_bytes",
    "error_of",
    "fresh_id",
    "guarded_put",
    "idle_rss",
    "inline_row",
    "need_body",
    "post_need",
    "raw_xlsx",
    "server_rss",
    "upload",
    "xlsx_bytes",
]

#: the import template's header, English field names (the importer accepts them)
HEADER = ["id", "title", "category", "community_id", "grid_id", "quarter", "effort"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}"
    "</Types>"
)
_SHARED_OVERRIDE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="交办单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "{shared}</Relationships>"
)
_SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def inline_row(number: int, cells: list[str]) -> str:
    out = []
    for i, text in enumerate(cells):
        col = chr(ord("A") + i)
        out.append(f'<c r="{col}{number}" t="inlineStr"><is><t>{text}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def raw_xlsx(
    sheet_body: Iterable[bytes | str],
    *,
    dimension: str | None = None,
    shared_strings: Iterable[bytes | str] | None = None,
    level: int = 9,
) -> bytes:
    """An xlsx whose worksheet XML (between ``<sheetData>`` and ``</sheetData>``) is
    ``sheet_body``, streamed into the zip chunk by chunk; ``shared_strings`` likewise
    becomes the body of ``xl/sharedStrings.xml``."""
    buf = io.BytesIO()
    shared = shared_strings is not None
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_OVERRIDE if shared else "")
        )
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else ""),
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(_SHEET_HEAD.encode())
            if dimension:
                f.write(f'<dimension ref="{dimension}"/>'.encode())
            f.write(b"<sheetData>")
            for chunk in sheet_body:
                f.write(chunk.encode() if isinstance(chunk, str) else chunk)
            f.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
                f.write(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                )
                for chunk in shared_strings:
                    f.write(chunk.encode() if isinstance(chunk, str) else chunk)
                f.write(b"</sst>")
    return buf.getvalue()


def xlsx_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    """A small, honest xlsx (inline strings) of ``header`` and ``rows``."""
    lines = [header or HEADER, *[["" if v is None else str(v) for v in r] for r in rows]]
    return raw_xlsx(inline_row(i, cells) for i, cells in enumerate(lines, start=1))


def csv_bytes(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header or HEADER)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return out.getvalue().encode("utf-8")


def upload(
    client: httpx.Client,
    data: bytes,
    filename: str = "needs.xlsx",
    *,
    dry_run: bool = False,
    skip_errors: bool = False,
    timeout: float = 120.0,
) -> httpx.Response:
    """``POST /needs/import`` with ``data`` as the multipart ``file`` part."""
    params = {"dry_run": str(dry_run).lower(), "skip_errors": str(skip_errors).lower()}
    return client.post(
        "/needs/import", params=params, files={"file": (filename, data)}, timeout=timeout
    )


def _server_procs(api: ApiServer) -> list[psutil.Process]:
    assert api.proc is not None
    root = psutil.Process(api.proc.pid)
    # the service process and its uvicorn workers, not the planning children
    return [root] + [
        p
        for p in root.children(recursive=True)
        if "gongjian.service.plans.jobs" not in " ".join(p.cmdline())
    ]


def _vmrss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_rss(api: ApiServer) -> int:
    """Resident memory of the service (its process and uvicorn workers), in bytes."""
    total = 0
    for p in _server_procs(api):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += _vmrss_kb(p.pid)
    return total * 1024


def idle_rss(api: ApiServer, settle: float = 0.5) -> int:
    time.sleep(settle)
    return server_rss(api)


def await_audit(client: httpx.Client, needle: str, *, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Audit entries whose summary holds ``needle`` (polled: entries land just after the reply)."""
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        r = client.get("/audit", params={"limit": 1000})
        assert r.status_code == 200, r.text
        found = [e for e in r.json()["items"] if needle in (e.get("summary") or "")]
        if found:
            return found
        time.sleep(0.1)
    return found


def fresh_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def need_body(community: str = "c01", need_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": need_id or fresh_id("x10"),
        "title": "楼道灯不亮",
        "category": "repair",
        "community_id": community,
        "quarter": "2026Q4",
        **extra,
    }


def create_need(
    client: httpx.Client, community: str = "c01", need_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Create a need (:func:`need_body` of the arguments) through the API; the need sent back."""
    r = client.post("/needs", json=need_body(community, need_id, **extra))
    assert r.status_code == 201, r.text
    return dict(r.json())


def post_need(
    client: httpx.Client, community: str = "c01", need_id: str | None = None, **extra: Any
) -> str:
    """Create a need (:func:`need_body` of the arguments) through the API; its id."""
    return str(create_need(client, community, need_id, **extra)["id"])


def error_of(r: httpx.Response) -> dict[str, Any]:
    """The ``error`` object of an error response ({} when the body is not one)."""
    try:
        body = r.json()
    except ValueError:
        return {}
    return body.get("error", {}) if isinstance(body, dict) else {}


def guarded_put(client: httpx.Client, path: str, **changes: Any) -> httpx.Response:
    """GET ``path``, change ``changes`` and PUT it back with the ETag the GET gave as
    ``If-Match`` (none when the GET sent no ETag, as today for most entities)."""
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text)
    body = {**r.json(), **changes}
    etag = r.headers.get("etag")
    return client.put(path, json=body, headers={"If-Match": etag} if etag else {})
