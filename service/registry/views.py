"""The registry: create / read / update / delete of the network's entities.

Communities, grids, units, resources, needs (work orders: their life cycle is in
:mod:`gongjian.service.needs.views`), activities and party members get the same
five routes from :func:`register_crud`; pairings and community adjacency have their
own. ``PUT /units/{id}/resources`` replaces a unit's whole declared set, guarded
by ``If-Match`` (412 on a stale ETag, 428 without one).
"""

# no ``from __future__ import annotations``: the routes are built at run time and
# FastAPI must see real classes in their annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import BaseModel, Field

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import (
    Activity,
    Assignment,
    Community,
    Entity,
    Grid,
    Need,
    NeedStatus,
    Pairing,
    PartyMember,
    Resource,
    Subdistrict,
    Unit,
    now_utc,
    parse_entity,
    resources_etag,
)
from gongjian.graph.store import LIST_FILTERS
from gongjian.service.auth.permissions import (
    require_committee,
    require_community,
    require_unit,
    require_writer,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.deps import (
    CurrentUser,
    Page,
    Paging,
    Store,
    audit_note,
    paging,
    read_inline,
)
from gongjian.service.errors import PreconditionRequiredError

__all__ = ["ScopeCheck", "register_crud", "router"]

router = APIRouter()

#: ``check(user, entity)`` raises ForbiddenError when ``user`` may not write ``entity``
ScopeCheck = Callable[[User, Any], None]

_ID_PATH = Annotated[str, Field(max_length=64)]


def _committee(user: User, entity: Any) -> None:
    require_committee(user, f"修改{type(entity).LABEL_ZH}")


def _community_of(field: str = "community_id") -> ScopeCheck:
    def check(user: User, entity: Any) -> None:
        require_community(user, getattr(entity, field))

    return check


def _unit_of(field: str = "unit_id") -> ScopeCheck:
    def check(user: User, entity: Any) -> None:
        require_unit(user, getattr(entity, field))

    return check


def _member_scope(user: User, member: PartyMember) -> None:
    if user.role == UserRole.unit:
        require_unit(user, member.unit_id)
    elif user.role == UserRole.community:
        require_community(user, member.community_id)
    else:
        require_committee(user, "修改在职党员")


def _unit_scope(user: User, unit: Unit) -> None:
    require_unit(user, unit.id, "修改其他单位的信息")


def _filter_annotation(kind: type[Entity], field: str) -> Any:
    annotation = kind.model_fields[field].annotation
    if annotation is bool:
        return bool | None
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg | None
    return Annotated[str | None, Query(max_length=64)]


def _filters_dependency(kind: type[Entity]) -> Callable[..., dict[str, Any]]:
    """A dependency whose query parameters are the list filters of ``kind``."""
    fields = sorted(LIST_FILTERS[kind.LABEL])

    async def dependency(**kwargs: Any) -> dict[str, Any]:
        return {k: getattr(v, "value", v) for k, v in kwargs.items() if v is not None}

    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                f,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=_filter_annotation(kind, f),
            )
            for f in fields
        ]
    )
    return dependency


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
) -> None:
    """Add list / get / create / replace / delete routes for ``kind`` under ``path``.

    ``create_scope`` guards POST and DELETE, ``write_scope`` guards PUT (checked on
    both the stored and the new version, so nothing can be moved out of scope).
    """
    label_zh = kind.LABEL_ZH
    filters_dep = _filters_dependency(kind)

    async def list_items(
        user: CurrentUser,
        store: Store,
        page: Annotated[Paging, Depends(paging)],
        filters: Annotated[dict[str, Any], Depends(filters_dep)],
    ) -> Page[kind]:  # type: ignore[valid-type]
        def read() -> tuple[list[Any], int]:
            items = store.list(kind, filters=filters, offset=page.offset, limit=page.limit)
            return items, store.count(kind, filters=filters)

        items, total = await read_inline(store, read)
        return Page[kind](items=items, total=total, offset=page.offset, limit=page.limit)  # type: ignore[valid-type]

    async def get_item(item_id: str, user: CurrentUser, store: Store) -> kind:  # type: ignore[valid-type]
        return await read_inline(store, store.get, kind, item_id)

    def create_item(
        body: Annotated[kind, Body()],  # type: ignore[valid-type]
        user: CurrentUser,
        store: Store,
        request: Request,
        response: Response,
    ) -> kind:  # type: ignore[valid-type]
        require_writer(user)
        create_scope(user, body)
        if prepare_create is not None:
            body = prepare_create(user, body)
        try:
            store.get(kind, body.id)
        except NotFoundError:
            pass
        else:
            raise ConflictError(
                f"{label_zh} '{body.id}' 已存在，请用 PUT 修改 (already exists; use PUT)",
                id=body.id,
            )
        store.upsert(body)
        audit_note(request, f"create {kind.LABEL} {body.id}")
        response.headers["Location"] = f"{path}/{body.id}"
        return body

    def replace_item(
        item_id: str,
        body: Annotated[kind, Body()],  # type: ignore[valid-type]
        user: CurrentUser,
        store: Store,
        request: Request,
    ) -> kind:  # type: ignore[valid-type]
        require_writer(user)
        if body.id != item_id:
            raise InvalidInputError(
                f"路径编号 '{item_id}' 与数据编号 '{body.id}' 不一致 (path id and body id differ)",
                [{"field": "id", "message": "must equal the id in the path"}],
            )
        old = store.get(kind, item_id)
        write_scope(user, old)
        write_scope(user, body)
        if prepare_update is not None:
            body = prepare_update(user, old, body)
        store.upsert(body)
        audit_note(request, f"replace {kind.LABEL} {item_id}")
        return body

    def delete_item(item_id: str, user: CurrentUser, store: Store, request: Request) -> Response:
        require_writer(user)
        old = store.get(kind, item_id)
        create_scope(user, old)
        store.delete(kind, item_id)
        audit_note(request, f"delete {kind.LABEL} {item_id}")
        return Response(status_code=204)

    name = kind.LABEL.lower()
    router.add_api_route(
        path,
        list_items,
        methods=["GET"],
        tags=[tag],
        summary=f"{label_zh}列表 List",
        operation_id=f"list_{name}",
    )
    router.add_api_route(
        f"{path}/{{item_id}}",
        get_item,
        methods=["GET"],
        tags=[tag],
        summary=f"查看{label_zh} Get",
        operation_id=f"get_{name}",
    )
    router.add_api_route(
        path,
        create_item,
        methods=["POST"],
        status_code=201,
        tags=[tag],
        summary=f"新建{label_zh} Create",
        operation_id=f"create_{name}",
    )
    router.add_api_route(
        f"{path}/{{item_id}}",
        replace_item,
        methods=["PUT"],
        tags=[tag],
        summary=f"修改{label_zh} Replace",
        operation_id=f"replace_{name}",
    )
    router.add_api_route(
        f"{path}/{{item_id}}",
        delete_item,
        methods=["DELETE"],
        status_code=204,
        tags=[tag],
        summary=f"删除{label_zh} Delete",
        operation_id=f"delete_{name}",
        response_class=Response,
    )


# --------------------------------------------------------------------------- needs: the rules
#: fields only the life-cycle endpoints change
_LIFECYCLE_FIELDS = (
    "status",
    "claimed_by",
    "satisfaction",
    "claimed_at",
    "started_at",
    "resolved_at",
    "followed_up_at",
    "cancelled_at",
    "whistle",
    "whistle_deadline",
    "summoned",
    "reports",
)


def _prepare_need_create(user: User, need: Need) -> Need:
    if user.role != UserRole.committee and (need.status != NeedStatus.open or need.whistle):
        raise InvalidInputError(
            "新交办单应为待认领状态，吹哨由共建委员会发起 (a new need starts open; only the"
            " committee whistles)",
            [{"field": "status", "message": "must be open"}],
        )
    return need.model_copy(update={"created_at": need.created_at or now_utc()})


def _prepare_need_update(user: User, old: Need, new: Need) -> Need:
    changed = [f for f in _LIFECYCLE_FIELDS if getattr(old, f) != getattr(new, f)]
    if changed:
        raise ConflictError(
            "状态、认领与吹哨请用对应的办理接口修改 (status, claim and whistle fields change"
            f" only through the life-cycle endpoints): {', '.join(changed)}",
            fields=changed,
        )
    return new.model_copy(update={"created_at": old.created_at})


def _need_scope(user: User, need: Need) -> None:
    require_community(user, need.community_id, "修改其他社区的交办单")


#: in the order requests try them: the busiest reads (units) first
_REGISTRY: list[tuple[type[Entity], str, str, ScopeCheck, ScopeCheck]] = [
    (Unit, "/units", "units 单位", _committee, _unit_scope),
    (Resource, "/resources", "units 单位", _unit_of(), _unit_of()),
    (Subdistrict, "/subdistricts", "registry 登记", _committee, _committee),
    (Community, "/communities", "registry 登记", _committee, _community_of("id")),
    (Grid, "/grids", "registry 登记", _community_of(), _community_of()),
    (Activity, "/activities", "activities 活动", _committee, _committee),
    (PartyMember, "/party-members", "registry 登记", _member_scope, _member_scope),
]
for _kind, _path, _tag, _create, _write in _REGISTRY:
    register_crud(router, _kind, _path, tag=_tag, create_scope=_create, write_scope=_write)
register_crud(
    router,
    Need,
    "/needs",
    tag="needs 民情交办单",
    create_scope=_need_scope,
    write_scope=_need_scope,
    prepare_create=_prepare_need_create,
    prepare_update=_prepare_need_update,
)


# --------------------------------------------------------------------------- declared resources
class ResourceIn(BaseModel):
    """One declared resource; ``unit_id`` defaults to the unit in the path."""

    id: str = Field(max_length=64)
    kind: str
    name: str
    capacity: int
    quarters: list[str] = Field(default_factory=list, max_length=40)
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    unit_id: str | None = Field(default=None, max_length=64)


class DeclaredResources(BaseModel):
    unit_id: str
    etag: str
    items: list[Resource]


@router.get(
    "/units/{unit_id}/resources",
    tags=["units 单位"],
    summary="单位资源清单 A unit's declared resources (with ETag)",
)
def get_unit_resources(
    unit_id: str, user: CurrentUser, store: Store, response: Response
) -> DeclaredResources:
    store.get(Unit, unit_id)
    items = store.list(Resource, filters={"unit_id": unit_id}, limit=None)
    etag = resources_etag(items)
    response.headers["ETag"] = etag
    return DeclaredResources(unit_id=unit_id, etag=etag, items=items)


@router.put(
    "/units/{unit_id}/resources",
    tags=["units 单位"],
    summary="申报资源清单 Declare a unit's whole resource set (If-Match required)",
    responses={
        412: {"description": "ETag 已过期 stale ETag"},
        428: {"description": "缺少 If-Match"},
    },
)
def put_unit_resources(
    unit_id: str,
    body: Annotated[list[ResourceIn], Body(max_length=500)],
    user: CurrentUser,
    store: Store,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
) -> DeclaredResources:
    require_writer(user)
    require_unit(user, unit_id, "修改其他单位的资源清单")
    if if_match is None:
        raise PreconditionRequiredError(
            "请带上 If-Match（先 GET 资源清单取得 ETag；首次申报可用 *）(If-Match is required:"
            " GET the list for its ETag, or send * for a first declaration)"
        )
    resources, errors = [], []
    for i, r in enumerate(body):
        try:
            resources.append(
                parse_entity(Resource, {**r.model_dump(), "unit_id": r.unit_id or unit_id})
            )
        except InvalidInputError as exc:  # name the row, as the request validation does
            errors += [{**e, "field": f"{i}.{e['field']}"} for e in exc.errors]
    if errors:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise InvalidInputError(f"资源清单无效 (invalid resource list): {text}", errors)
    etag = store.replace_resources(unit_id, resources, if_match=if_match)
    audit_note(request, f"declare {len(resources)} resources of unit {unit_id}")
    response.headers["ETag"] = etag
    items = sorted(resources, key=lambda r: r.id)
    return DeclaredResources(unit_id=unit_id, etag=etag, items=items)


# --------------------------------------------------------------------------- pairings, adjacency
@router.get("/pairings", tags=["registry 登记"], summary="结对列表 Pairings")
def list_pairings(
    user: CurrentUser,
    store: Store,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    community_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[Pairing]:
    return store.pairings(unit_id=unit_id, community_id=community_id)


@router.post(
    "/pairings", status_code=201, tags=["registry 登记"], summary="新建结对 Pair (committee)"
)
def add_pairing(body: Pairing, user: CurrentUser, store: Store, request: Request) -> Pairing:
    require_committee(user, "管理结对")
    store.add_pairings([body])
    audit_note(request, f"pair unit {body.unit_id} with community {body.community_id}")
    return body


@router.delete(
    "/pairings/{unit_id}/{community_id}",
    status_code=204,
    tags=["registry 登记"],
    summary="解除结对 Unpair (committee)",
    response_class=Response,
)
def remove_pairing(
    unit_id: str, community_id: str, user: CurrentUser, store: Store, request: Request
) -> Response:
    require_committee(user, "管理结对")
    pairing = parse_entity_pair(unit_id, community_id)
    if pairing not in store.pairings(unit_id=unit_id, community_id=community_id):
        raise NotFoundError("Pairing", f"{unit_id}/{community_id}")
    store.remove_pairing(pairing)
    audit_note(request, f"unpair unit {unit_id} and community {community_id}")
    return Response(status_code=204)


def parse_entity_pair(unit_id: str, community_id: str) -> Pairing:
    try:
        return Pairing(unit_id=unit_id, community_id=community_id)
    except ValueError as exc:
        raise InvalidInputError(f"结对编号无效 (invalid ids): {exc}") from None


class Adjacent(BaseModel):
    a: str = Field(max_length=64)
    b: str = Field(max_length=64)


@router.get("/adjacency", tags=["registry 登记"], summary="相邻社区 Community adjacency")
def list_adjacency(user: CurrentUser, store: Store) -> list[Adjacent]:
    return [Adjacent(a=a, b=b) for a, b in store.adjacency()]


@router.post("/adjacency", status_code=201, tags=["registry 登记"], summary="设为相邻 (committee)")
def add_adjacency(body: Adjacent, user: CurrentUser, store: Store, request: Request) -> Adjacent:
    require_committee(user, "管理社区相邻关系")
    if body.a == body.b:
        raise InvalidInputError("社区不能与自己相邻 (a community is not adjacent to itself)")
    store.get(Community, body.a)
    store.get(Community, body.b)
    store.set_adjacent(body.a, body.b)
    audit_note(request, f"adjacent {body.a} {body.b}")
    return body


@router.delete(
    "/adjacency/{a}/{b}",
    status_code=204,
    tags=["registry 登记"],
    summary="取消相邻 Remove adjacency (committee)",
    response_class=Response,
)
def remove_adjacency(a: str, b: str, user: CurrentUser, store: Store, request: Request) -> Response:
    require_committee(user, "管理社区相邻关系")
    pair = (a, b) if a <= b else (b, a)
    if pair not in store.adjacency():
        raise NotFoundError("Adjacency", f"{a}/{b}")
    store.remove_adjacent(a, b)
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
    activity_id: Annotated[str | None, Query(max_length=64)] = None,
    unit_id: Annotated[str | None, Query(max_length=64)] = None,
    plan_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[Assignment]:
    """Assignments ordered by activity then unit; filter by activity, unit or plan."""
    items = store.assignments(activity_id=activity_id, unit_id=unit_id)
    if plan_id is not None:
        items = [a for a in items if a.plan_id == plan_id]
    return items
