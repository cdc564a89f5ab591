"""File answers: a download's headers and how the OpenAPI document describes it.

Every route that answers with a file (the needs template and ledger, plan exports, the
unit's calendar and task list, the year-end report) builds its response here, so the
``Content-Disposition`` (RFC 6266: an ASCII ``filename`` and the real one as
``filename*``) is written once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Response

__all__ = ["attachment", "content_disposition", "file_responses"]


def content_disposition(filename: str, ascii_filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the real one as ``filename*`` (RFC 6266)."""
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"


def attachment(
    content: bytes,
    media_type: str,
    filename: str,
    ascii_filename: str,
    *,
    no_store: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    """``content`` as a download named ``filename`` (``ascii_filename`` for old clients);
    ``no_store`` keeps caches from holding it; ``headers`` go along."""
    sent = {"Content-Disposition": content_disposition(filename, ascii_filename)}
    if no_store:
        sent["Cache-Control"] = "no-store"
    return Response(content, media_type=media_type, headers=sent | (headers or {}))


def file_responses(
    media_type: str, more: dict[int | str, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route answering 200 with a binary file of ``media_type``,
    and ``more`` (other statuses)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": {media_type: binary}}, **(more or {})}
