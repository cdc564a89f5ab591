"""Photos of a work order (办结照片): upload at 办结, served to whoever may read the order.

======================================  ==============================  ====================
route                                   who                             what
======================================  ==============================  ====================
``POST /needs/{id}/photos``             the holding unit, the committee one photo (multipart
                                                                        field ``file``)
``GET /needs/{id}/photos``              every signed-in role            the order's photos
``GET /needs/{id}/photos/{name}``       every signed-in role            the image itself
======================================  ==============================  ====================

* **What is taken**: JPEG, PNG or WebP, recognised by the file's first bytes (never by
  its name or the type the client claims): an SVG, HTML or anything else is 415; its
  metadata (EXIF GPS and the like) is dropped before it is kept
  (:mod:`gongjian.service.needs.photo_meta`), a damaged file is 422. At
  most :data:`MAX_PHOTO_BYTES` (5 MB) each — 413 beyond — and :data:`MAX_PHOTOS` (6)
  per order — 409 beyond. Only while the order is with a unit (claimed, in progress)
  or just resolved: 409 otherwise.
* **Where**: a folder beside the service's database (:func:`photo_dir`: ``<state
  db>-photos/<need id>/``), one file per photo named by the server
  (``<32 hex>.jpg``); what a client called the file is never used. The name joins the
  order's ``photos`` in the same store transaction that checks the count, so of two
  uploads racing for the sixth place one wins and the other's file is removed.
* **Served** with the type its bytes showed, ``X-Content-Type-Options: nosniff`` and
  ``Content-Disposition: inline`` under the generated name; only names the order lists
  are served (404 otherwise), so no path a client writes reaches the file system.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

import re
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import Need, NeedStatus
from gongjian.graph.store import GraphStore
from gongjian.service.auth.permissions import require_unit, require_writer
from gongjian.service.auth.schemas import User
from gongjian.service.deps import CurrentUser, Store, audit_note, read_inline
from gongjian.service.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from gongjian.service.needs.photo_meta import BadImageError, strip_metadata
from gongjian.service.needs.upload import file_body, read_upload

__all__ = [
    "MAX_PHOTOS",
    "MAX_PHOTO_BYTES",
    "PHOTO_TYPES",
    "PhotoList",
    "add_photo",
    "photo_dir",
    "photo_type",
    "router",
]

router = APIRouter()
TAG = "needs 民情交办单"

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 6
#: extension → media type of the kinds taken
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
#: the names the server gives (and the only ones it serves)
_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
#: while the order is with a unit, or just resolved (the photos of 办结)
_TAKES_PHOTOS = frozenset({NeedStatus.claimed, NeedStatus.in_progress, NeedStatus.resolved})


class Photo(BaseModel):
    name: str = Field(description="服务器生成的文件名 the generated file name")
    url: str = Field(description="GET 地址 where to read it")
    media_type: str


class PhotoList(BaseModel):
    """The photos of an order, in the order they were added."""

    need_id: str
    items: list[Photo]
    max_photos: int = MAX_PHOTOS
    max_bytes: int = MAX_PHOTO_BYTES


def photo_type(data: bytes) -> str | None:
    """The extension of the image kind ``data`` begins with (jpg, png, webp), else None.

    >>> photo_type(b"\\xff\\xd8\\xff\\xe0rest"), photo_type(b"\\x89PNG\\r\\n\\x1a\\nrest")
    ('jpg', 'png')
    >>> photo_type(b"RIFF\\x00\\x00\\x00\\x00WEBPVP8 "), photo_type(b"<svg xmlns=...>")
    ('webp', None)
    """
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def photo_dir(request: Request, need_id: str) -> Path:
    """The folder of an order's photos: ``<state db>-photos/<need id>/`` beside the
    service's database (both stores have that file; the need id is a safe name)."""
    state_db = Path(request.app.state.settings.state_db).resolve()
    return state_db.with_name(f"{state_db.stem}-photos") / need_id


def _photo(need_id: str, name: str) -> Photo:
    ext = name.rsplit(".", 1)[1]
    return Photo(name=name, url=f"/needs/{need_id}/photos/{name}", media_type=PHOTO_TYPES[ext])


def _listing(need: Need) -> PhotoList:
    return PhotoList(need_id=need.id, items=[_photo(need.id, n) for n in need.photos])


def _refuse_kind() -> UnsupportedMediaTypeError:
    return UnsupportedMediaTypeError(
        "只能上传 JPEG、PNG 或 WebP 照片（按文件内容识别）(only JPEG, PNG or WebP photos, by"
        " their content)",
        allowed=sorted(PHOTO_TYPES.values()),
    )


def _check_uploader(user: User, need: Need) -> None:
    """The unit holding the order, or the committee; only while it may take photos."""
    require_writer(user)
    require_unit(user, need.claimed_by, "为其他单位承办的交办单上传照片")
    if need.status not in _TAKES_PHOTOS:
        raise ConflictError(
            f"交办单「{need.title}」{need.status.label_zh}，不能上传照片（派单后至办结时可传）"
            f" (photos are taken while the order is with a unit or just resolved)",
            current=need.status.value,
        )


def _check_room(need: Need) -> None:
    if len(need.photos) >= MAX_PHOTOS:
        raise ConflictError(
            f"每张交办单最多 {MAX_PHOTOS} 张照片 (at most {MAX_PHOTOS} photos per order)",
            max_photos=MAX_PHOTOS,
        )


def add_photo(*, store: GraphStore, user: User, need_id: str, name: str) -> Need:
    """Add ``name`` to the order's photos, checking who and how many in the same store
    transaction (409 beyond :data:`MAX_PHOTOS`)."""

    def change(need: Need) -> Need:
        _check_uploader(user, need)
        _check_room(need)
        return need.model_copy(update={"photos": [*need.photos, name]})

    return store.modify(Need, need_id, change)


_UPLOAD_BODY = file_body("JPEG / PNG / WebP，不超过 5 MB")
_NeedId = Annotated[str, PathParam(max_length=64)]


@router.post(
    "/needs/{need_id}/photos",
    status_code=201,
    tags=[TAG],
    summary="上传办结照片 Add a photo (the holding unit or the committee)",
    openapi_extra=_UPLOAD_BODY,
    responses={
        409: {"description": "已满 6 张，或交办单不在办理中 (full, or not with a unit)"},
        413: {"description": "照片超过 5 MB (over 5 MB)"},
        415: {"description": "不是 JPEG / PNG / WebP (not an image kind taken)"},
    },
)
async def upload_photo(
    need_id: _NeedId, request: Request, user: CurrentUser, store: Store
) -> PhotoList:
    """One photo per request; the answer lists every photo of the order."""
    need = await read_inline(store, store.get, Need, need_id)
    _check_uploader(user, need)  # before reading a byte of the body (checked again
    _check_room(need)  # with the write, in its transaction)
    data, _client_name = await read_upload(request, MAX_PHOTO_BYTES)
    if len(data) > MAX_PHOTO_BYTES:  # read_upload's own bound, said once more here
        raise PayloadTooLargeError("照片超过 5 MB (the photo exceeds 5 MB)")
    ext = photo_type(data)
    if ext is None:
        raise _refuse_kind()
    try:  # where and when it was taken (EXIF GPS…) is not for every reader of the order
        data = strip_metadata(data, ext)
    except BadImageError:
        raise InvalidInputError(
            "照片文件已损坏或不完整，无法读取 (the photo file is damaged or truncated)",
            [{"field": "file", "message": "damaged image"}],
        ) from None
    name = f"{secrets.token_hex(16)}.{ext}"
    folder = photo_dir(request, need_id)

    def save() -> Need:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        with path.open("xb") as f:  # a new file: never over another
            f.write(data)
        try:
            return add_photo(store=store, user=user, need_id=need_id, name=name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    saved = await run_in_threadpool(save)
    audit_note(request, f"photo {name} ({len(data)} bytes) of need {need_id}")
    return _listing(saved)


@router.get(
    "/needs/{need_id}/photos",
    tags=[TAG],
    summary="办结照片 The photos of an order",
)
async def list_photos(need_id: _NeedId, user: CurrentUser, store: Store) -> PhotoList:
    return _listing(await read_inline(store, store.get, Need, need_id))


@router.get(
    "/needs/{need_id}/photos/{name}",
    tags=[TAG],
    summary="查看照片 One photo (image/jpeg, image/png or image/webp)",
    response_class=Response,
    responses={200: {"content": {t: {} for t in PHOTO_TYPES.values()}}},
)
async def get_photo(
    need_id: _NeedId,
    name: Annotated[str, PathParam(max_length=64)],
    request: Request,
    user: CurrentUser,
    store: Store,
) -> Response:
    need = await read_inline(store, store.get, Need, need_id)
    if not _NAME_RE.fullmatch(name) or name not in need.photos:
        raise NotFoundError("Photo", name)
    path = photo_dir(request, need_id) / name
    try:
        data = await run_in_threadpool(path.read_bytes)
    except FileNotFoundError:
        raise NotFoundError("Photo", name) from None
    return Response(
        content=data,
        media_type=_photo(need_id, name).media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, max-age=3600",
        },
    )
