"""服务一张图 (the service map): ``GET /map`` — GeoJSON of communities and units.

Every signed-in role reads it; units' contact persons are in it for the committee
only (personal data). What the map holds is in :mod:`gongjian.service.map.service`.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from gongjian.graph.vocab import ResourceKind
from gongjian.service.auth.schemas import UserRole
from gongjian.service.deps import CurrentUser, Store
from gongjian.service.map.service import service_map
from gongjian.service.me.service import suitability_table

__all__ = ["router"]

router = APIRouter(tags=["map 服务一张图"])


@router.get(
    "/map",
    summary="服务一张图 Communities as areas, units as points, coverage gaps (GeoJSON)",
    response_model=None,
)
def get_map(
    user: CurrentUser,
    store: Store,
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
