"""Reading the file of ``POST /needs/import`` from a multipart body, within the upload limit.

The body is read by hand rather than with FastAPI's ``UploadFile`` parameter: the
size is checked while it streams in (413 before the whole of a huge upload is
buffered), and a malformed multipart body is a 422 in the project's error shape.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest

from gongjian.core.errors import InvalidInputError
from gongjian.service.errors import PayloadTooLargeError

__all__ = ["MULTIPART_SLACK", "file_body", "read_upload"]

#: multipart framing allowed on top of the file itself
MULTIPART_SLACK = 64 * 1024
#: slice of the body handed to the multipart parser at a time
REPLAY_CHUNK = 64 * 1024


def file_body(description: str) -> dict[str, Any]:
    """The OpenAPI ``openapi_extra`` of a route that takes one multipart ``file`` part."""
    schema = {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary", "description": description}},
    }
    content = {"multipart/form-data": {"schema": schema}}
    return {"requestBody": {"required": True, "content": content}}


async def read_upload(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The ``file`` part of a multipart body, reading at most ``limit`` + framing bytes."""
    too_large = PayloadTooLargeError(
        f"文件超过上传上限 {limit} 字节 (the upload exceeds {limit} bytes)", max_bytes=limit
    )
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise InvalidInputError(
            "请用 multipart/form-data 上传，文件字段名为 file (upload the file as multipart"
            " form field 'file')",
            [{"field": "file", "message": "multipart/form-data with a 'file' part required"}],
        )
    cap = limit + MULTIPART_SLACK
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise too_large
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise too_large
    except ClientDisconnect:
        raise InvalidInputError("上传中断 (the upload was interrupted)") from None
    data = bytes(body)
    offset = 0

    async def replay() -> dict[str, Any]:
        # the body again, in slices, giving the event loop a turn between them: the
        # multipart parser runs on the loop, and other requests must not wait for it
        nonlocal offset
        if offset > len(data):
            return {"type": "http.disconnect"}
        if offset:
            await asyncio.sleep(0)
        piece = data[offset : offset + REPLAY_CHUNK]
        offset += REPLAY_CHUNK
        return {"type": "http.request", "body": piece, "more_body": offset < len(data)}

    try:
        form = await StarletteRequest(request.scope, replay).form(max_files=1, max_fields=20)
    except StarletteHTTPException as exc:
        raise InvalidInputError(
            f"multipart 请求格式错误 (malformed multipart body): {exc.detail}",
            [{"field": "file", "message": str(exc.detail)}],
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                "缺少文件字段 file (the multipart body has no 'file' part)",
                [{"field": "file", "message": "required"}],
            )
        content = await upload.read(limit + 1)
        if len(content) > limit:
            raise too_large
        return content, upload.filename
    finally:
        await form.close()
