"""服务一张图 (the service map): ``GET /map`` — GeoJSON of communities and units.

Every signed-in role reads it, narrowed to their sub-district
(:data:`gongjian.service.scope.ScopedReads`; the city role: all, or ``?subdistrict=``);
units' contact persons are in it for the committee only (personal data). What the map holds is in :mod:`gongjian.service.map.service`.

* ``GET /map/outlines`` — the imported community outlines as a GeoJSON
  FeatureCollection (``ETag: "<version>"``, ``"0"`` when none is imported);
* ``PUT /map/outlines`` (committee, ``If-Match``) — import a FeatureCollection of
  outlines (``application/geo+json`` or ``application/json``) of the committee's own
  sub-district's communities (403 naming another's: nothing imported), merged into the
  stored ones (``?replace=true``: instead of the sub-district's); validated as described
  in :mod:`gongjian.service.map.outlines`, audited; the answer is the outlines the
  committee reads (its sub-district's).
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Response

from gongjian.core.errors import InvalidInputError
from gongjian.graph.model import Community
from gongjian.graph.vocab import ResourceKind
from gongjian.service.auth.schemas import UserRole
from gongjian.service.deps import IF_MATCH_RESPONSES, CurrentUser, Store, Write
from gongjian.service.map import outlines as outline_service
from gongjian.service.map.service import service_map
from gongjian.service.me.service import suitability_table
from gongjian.service.scope import ScopedReads, ScopedStore

__all__ = ["router"]

router = APIRouter(tags=["map 服务一张图"])


@router.get(
    "/map",
    summary="服务一张图 Communities as areas, units as points, coverage gaps (GeoJSON)",
    response_model=None,
)
def get_map(
    user: CurrentUser,
    store: ScopedReads,
    kind: Annotated[
        ResourceKind | None, Query(description="只看这类资源能服务的交办单 orders this kind serves")
    ] = None,
    community: Annotated[
        str | None, Query(max_length=64, description="展开一个社区的单位 expand one community")
    ] = None,
) -> dict[str, Any]:
    # a plain ``def`` route: FastAPI runs it in its thread pool, off the event loop
    return service_map(
        store=store,
        table=suitability_table(store),
        kind=None if kind is None else kind.value,
        community=community,
        personal=user.role == UserRole.committee,
    )


def _outline_collection(store: Store) -> tuple[dict[str, Any], int]:
    outlines, version = outline_service.stored_outlines(store)
    names = {c.id: c.name for c in store.list(Community, limit=None)}
    features = [
        {
            "type": "Feature",
            "id": cid,
            "geometry": geometry,
            "properties": {"id": cid, "name": names.get(cid, cid)},
        }
        for cid, geometry in sorted(outlines.items())
        if cid in names
    ]
    return {"type": "FeatureCollection", "features": features}, version


@router.get(
    "/map/outlines",
    summary="社区边界 The imported community outlines (GeoJSON, with ETag)",
    response_model=None,
)
def get_outlines(user: CurrentUser, store: ScopedReads, response: Response) -> dict[str, Any]:
    del user  # any signed-in role
    fc, version = _outline_collection(store)
    response.headers["ETag"] = f'"{version}"'
    return fc


@router.put(
    "/map/outlines",
    summary="导入社区边界 Import community outlines (GeoJSON; committee, If-Match)",
    response_model=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/geo+json": {
                    "schema": {
                        "type": "object",
                        "description": "FeatureCollection：Polygon / MultiPolygon，"
                        "properties 中写社区编号 id 或名称 name",
                    }
                }
            },
        }
    },
    responses={
        **IF_MATCH_RESPONSES,
        422: {"description": "无效边界或未知社区：`error.message` 指出是哪一个"},
    },
)
async def put_outlines(
    w: Write,
    replace: Annotated[
        bool, Query(description="替换全部已导入边界 replace all imported outlines")
    ] = False,
) -> dict[str, Any]:
    content_type = w.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"application/geo+json", "application/json"}:
        raise InvalidInputError(
            "请以 application/geo+json 上传社区边界"
            f" (send the outlines as GeoJSON, not {content_type!r})"
        )
    outline_service.require_importer(w.user)  # before the body is read: others learn nothing
    data = await w.request.body()

    def work() -> tuple[int, dict[str, Any], int]:
        count, _version = outline_service.import_outlines(**w.args, data=data, replace=replace)
        code = w.user.subdistrict  # answered as GET /map/outlines reads it: its own only
        reads = w.store if code is None else ScopedStore(w.store, code)
        fc, version = _outline_collection(reads)  # type: ignore[arg-type]
        return count, fc, version

    count, fc, version = await anyio.to_thread.run_sync(work)
    replacing = f" (replacing {w.user.subdistrict or 'all'})" if replace else ""
    w.saved(
        f"import community outlines: {count} outlines{replacing}, version {version}",
        f'"{version}"',
    )
    return fc
