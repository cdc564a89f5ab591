"""The registry: create / read / update / delete of the network's entities.

Communities, grids, units, resources, needs (work orders: their life cycle is in
:mod:`gongjian.service.needs.views`), activities and party members get the same
five routes from :func:`register_crud`; pairings and community adjacency have their
own. ``PUT /units/{id}/resources`` replaces a unit's whole declared set, guarded
by ``If-Match`` (412 on a stale ETag, 428 without one). The rules (scopes, what a
need's plain replace may change) are in :mod:`gongjian.service.registry.service`.
"""

# no ``from __future__ import annotations``: the routes are built at run time and
# FastAPI must see real classes in their annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response

from gongjian.core.errors import NotFoundError
from gongjian.graph.listing import ListQuery
from gongjian.graph.model import (
    Activity,
    Assignment,
    Community,
    Entity,
    Grid,
    Need,
    Pairing,
    PartyMember,
    Resource,
    Subdistrict,
    Unit,
)
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User
from gongjian.service.deps import (
    IF_MATCH_RESPONSES,
    CurrentUser,
    IfMatch,
    Page,
    PageParams,
    Store,
    Write,
    audit_note,
    read_inline,
    scope_of,
)
from gongjian.service.list_params import Keyword, filters_dependency
from gongjian.service.needs import listing as need_list
from gongjian.service.needs.privacy import present_need
from gongjian.service.registry import service
from gongjian.service.registry.schemas import (
    Adjacent,
    DeclaredResources,
    PointEntries,
    PointEntryIn,
    PointsRecorded,
    ResourceIn,
)
from gongjian.service.registry.service import ScopeCheck

__all__ = ["IfMatch", "ScopeCheck", "register_crud", "router"]

router = APIRouter()

_ID_PATH = Annotated[str, Path(max_length=64)]
#: an optional id to filter a list by
_ID_FILTER = Annotated[str | None, Query(max_length=64)]


def _etag(store: GraphStore, item: Any) -> str:
    """An entity's ETag: its version; a resource's is its unit's declared set's (the
    set is what a resource write changes, and what guards it)."""
    if isinstance(item, Resource):
        return service.declared_set_etag(store, item.unit_id)
    return service.etag(item)


def register_crud(
    router: APIRouter,
    kind: type[Entity],
    path: str,
    *,
    tag: str,
    create_scope: ScopeCheck,
    write_scope: ScopeCheck,
    prepare_create: Callable[[User, Any], Any] | None = None,
    prepare_update: Callable[[User, Any, Any], Any] | None = None,
    list_router: APIRouter | None = None,
    present: Callable[[Any, User], Any] | None = None,
) -> None:
    """Add list / get / create / replace / delete routes for ``kind`` under ``path``.

    ``create_scope`` guards POST and DELETE, ``write_scope`` guards PUT (checked on
    both the stored and the new version, so nothing can be moved out of scope).
    ``list_router``, when given, serves the list instead of the generic route (GET
    ``path`` and fixed paths under it, such as an export): its routes go first, before
    ``path/{item_id}`` could take their paths.
    ``present(item, user)`` is what every answer shows of an item (a need's
    complainant masked for those who may not see it: :mod:`gongjian.service.needs.privacy`).
    """
    label_zh = kind.LABEL_ZH
    filters_dep = filters_dependency(kind)
    shown: Callable[[Any, User], Any] = present or (lambda item, _user: item)

    async def list_items(
        user: CurrentUser,
        store: Store,
        response: Response,
        page: PageParams,
        filters: Annotated[dict[str, Any], Depends(filters_dep)],
        q: Keyword = None,
    ) -> Page[kind]:  # type: ignore[valid-type]
        scope = scope_of(user) if "subdistrict" in kind.model_fields else None
        if scope is not None:  # a scoped caller lists their own sub-district only
            filters = {
                **filters,
                "subdistrict": scope if filters.get("subdistrict", scope) == scope else "-",
            }
        query = ListQuery(filters=filters, q=q)
        items, total = await read_inline(
            store, functools.partial(store.find, kind, query, offset=page.offset, limit=page.limit)
        )
        response.headers["X-Total-Count"] = str(total)
        items = [shown(item, user) for item in items]
        return page.of(items, total)

    async def get_item(item_id: str, user: CurrentUser, store: Store, response: Response) -> kind:  # type: ignore[valid-type]
        item = await read_inline(store, store.get, kind, item_id)
        scope = scope_of(user)
        if scope is not None and getattr(item, "subdistrict", scope) != scope:
            raise NotFoundError(kind.LABEL, item_id)  # another sub-district's: not there
        response.headers["ETag"] = _etag(store, item)
        return shown(item, user)

    def create_item(body: Annotated[kind, Body()], w: Write) -> kind:  # type: ignore[valid-type]
        body = service.create(**w.args, entity=body, scope=create_scope, prepare=prepare_create)
        w.response.headers["Location"] = f"{path}/{body.id}"
        w.saved(f"create {kind.LABEL} {body.id}", _etag(w.store, body))
        return shown(body, w.user)

    def replace_item(item_id: str, body: Annotated[kind, Body()], w: Write) -> kind:  # type: ignore[valid-type]
        body = service.replace(
            **w.args, item_id=item_id, entity=body, scope=write_scope, prepare=prepare_update
        )
        w.saved(f"replace {kind.LABEL} {item_id}", _etag(w.store, body))
        return shown(body, w.user)

    def delete_item(
        item_id: str,
        user: CurrentUser,
        store: Store,
        request: Request,
        if_match: IfMatch = None,
    ) -> Response:
        service.delete(
            store=store,
            user=user,
            kind=kind,
            item_id=item_id,
            scope=create_scope,
            if_match=if_match,
        )
        audit_note(request, f"delete {kind.LABEL} {item_id}")
        return Response(status_code=204)

    name = kind.LABEL.lower()
    one = f"{path}/{{item_id}}"
    routes: list[tuple[str, Callable[..., Any], str, str, str, dict[str, Any]]] = [
        (path, list_items, "GET", f"{label_zh}列表 List", "list", {}),
        (one, get_item, "GET", f"查看{label_zh} Get", "get", {}),
        (path, create_item, "POST", f"新建{label_zh} Create", "create", {"status_code": 201}),
        (one, replace_item, "PUT", f"修改{label_zh} Replace", "replace", {}),
        (
            one,
            delete_item,
            "DELETE",
            f"删除{label_zh} Delete",
            "delete",
            {"status_code": 204, "response_class": Response},
        ),
    ]
    if list_router is not None:
        router.routes.extend(list_router.routes)
        routes = routes[1:]
    for route_path, endpoint, method, summary, verb, extra in routes:
        router.add_api_route(
            route_path,
            endpoint,
            methods=[method],
            tags=[tag],
            summary=summary,
            operation_id=f"{verb}_{name}",
            **extra,
        )


#: in the order requests try them: the busiest reads (units) first
_REGISTRY: list[tuple[type[Entity], str, str, ScopeCheck, ScopeCheck]] = [
    (Unit, "/units", "units 单位", service.committee_scope, service.unit_scope),
    (Resource, "/resources", "units 单位", service.unit_of(), service.unit_of()),
    (
        Subdistrict,
        "/subdistricts",
        "registry 登记",
        service.committee_scope,
        service.committee_scope,
    ),
    (
        Community,
        "/communities",
        "registry 登记",
        service.committee_scope,
        service.community_of("id"),
    ),
    (Grid, "/grids", "registry 登记", service.community_of(), service.community_of()),
    (Activity, "/activities", "activities 活动", service.committee_scope, service.committee_scope),
    (PartyMember, "/party-members", "registry 登记", service.member_scope, service.member_scope),
]
for _kind, _path, _tag, _create, _write in _REGISTRY:
    register_crud(router, _kind, _path, tag=_tag, create_scope=_create, write_scope=_write)
register_crud(
    router,
    Need,
    "/needs",
    tag="needs 民情交办单",
    create_scope=service.need_scope,
    write_scope=service.need_scope,
    prepare_create=service.prepare_need_create,
    prepare_update=service.prepare_need_update,
    list_router=need_list.router,
    present=present_need,
)


# --------------------------------------------------------------------------- declared resources
@router.get(
    "/units/{unit_id}/resources",
    tags=["units 单位"],
    summary="单位资源清单 A unit's declared resources (with ETag)",
)
def get_unit_resources(
    unit_id: str, user: CurrentUser, store: Store, response: Response
) -> DeclaredResources:
    declared = service.unit_resources(store=store, unit_id=unit_id)
    response.headers["ETag"] = declared.etag
    return declared


@router.put(
    "/units/{unit_id}/resources",
    tags=["units 单位"],
    summary="申报资源清单 Declare a unit's whole resource set (If-Match required)",
    responses=IF_MATCH_RESPONSES,
)
def put_unit_resources(
    unit_id: str,
    body: Annotated[list[ResourceIn], Body(max_length=500)],
    w: Write,
) -> DeclaredResources:
    declared = service.declare_resources(**w.args, unit_id=unit_id, rows=body)
    w.saved(f"declare {len(declared.items)} resources of unit {unit_id}", declared.etag)
    return declared


# --------------------------------------------------------------------------- points
@router.post(
    "/party-members/{member_id}/points",
    status_code=201,
    tags=["registry 登记"],
    summary="记积分 Record a point entry (committee; a community for its own members)",
    responses={409: {"description": "积分将低于 0 或超过上限 total out of bounds"}},
)
def add_points(
    member_id: _ID_PATH,
    body: PointEntryIn,
    user: CurrentUser,
    store: Store,
    request: Request,
    response: Response,
) -> PointsRecorded:
    """The only way a member's points change: the entry (who, when, why, how many) and
    the new total are written in one transaction."""
    recorded = service.add_points(store=store, user=user, member_id=member_id, body=body)
    entry = recorded.entry
    audit_note(
        request,
        f"points {member_id} {entry.delta:+d} → {entry.total} (#{entry.seq}): {entry.reason}",
    )
    response.headers["Location"] = f"/party-members/{member_id}/points"
    response.headers["ETag"] = service.etag(recorded.member)
    return recorded


@router.get(
    "/party-members/{member_id}/points",
    tags=["registry 登记"],
    summary="积分记录 A member's point entries, newest first",
)
def list_points(
    member_id: _ID_PATH,
    user: CurrentUser,
    store: Store,
    page: PageParams,
) -> PointEntries:
    return service.point_entries(
        store=store, member_id=member_id, offset=page.offset, limit=page.limit
    )


# --------------------------------------------------------------------------- pairings, adjacency
@router.get("/pairings", tags=["registry 登记"], summary="结对列表 Pairings")
def list_pairings(
    user: CurrentUser,
    store: Store,
    unit_id: _ID_FILTER = None,
    community_id: _ID_FILTER = None,
) -> list[Pairing]:
    return store.pairings(unit_id=unit_id, community_id=community_id)


@router.post(
    "/pairings", status_code=201, tags=["registry 登记"], summary="新建结对 Pair (committee)"
)
def add_pairing(body: Pairing, user: CurrentUser, store: Store, request: Request) -> Pairing:
    service.add_pairing(store=store, user=user, pairing=body)
    audit_note(request, f"pair unit {body.unit_id} with community {body.community_id}")
    return body


def _unlink_route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The DELETE route of a link between two ids (pairing, adjacency): 204, no body."""
    return router.delete(
        path, status_code=204, tags=["registry 登记"], summary=summary, response_class=Response
    )


@_unlink_route("/pairings/{unit_id}/{community_id}", "解除结对 Unpair (committee)")
def remove_pairing(
    unit_id: str, community_id: str, user: CurrentUser, store: Store, request: Request
) -> Response:
    service.remove_pairing(store=store, user=user, unit_id=unit_id, community_id=community_id)
    audit_note(request, f"unpair unit {unit_id} and community {community_id}")
    return Response(status_code=204)


@router.get("/adjacency", tags=["registry 登记"], summary="相邻社区 Community adjacency")
def list_adjacency(user: CurrentUser, store: Store) -> list[Adjacent]:
    return [Adjacent(a=a, b=b) for a, b in store.adjacency()]


@router.post("/adjacency", status_code=201, tags=["registry 登记"], summary="设为相邻 (committee)")
def add_adjacency(body: Adjacent, user: CurrentUser, store: Store, request: Request) -> Adjacent:
    service.add_adjacency(store=store, user=user, a=body.a, b=body.b)
    audit_note(request, f"adjacent {body.a} {body.b}")
    return body


@_unlink_route("/adjacency/{a}/{b}", "取消相邻 Remove adjacency (committee)")
def remove_adjacency(a: str, b: str, user: CurrentUser, store: Store, request: Request) -> Response:
    service.remove_adjacency(store=store, user=user, a=a, b=b)
    audit_note(request, f"not adjacent {a} {b}")
    return Response(status_code=204)


@router.get(
    "/assignments",
    tags=["activities 活动"],
    summary="活动分工 Units assigned to activities (published plans and manual)",
)
def list_assignments(
    user: CurrentUser,
    store: Store,
    activity_id: _ID_FILTER = None,
    unit_id: _ID_FILTER = None,
    plan_id: _ID_FILTER = None,
) -> list[Assignment]:
    """Assignments ordered by activity then unit; filter by activity, unit or plan."""
    return service.assignments(
        store=store, activity_id=activity_id, unit_id=unit_id, plan_id=plan_id
    )
