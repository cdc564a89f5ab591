"""The registry's rules: who may write which entity, what a write may change, and the
writes that are more than one store call (keyword-only functions).

The scope checks (``check(user, entity)``, raising 403) are handed to the CRUD
routes of :mod:`gongjian.service.registry.views`: ``create_scope`` guards create and
delete, ``write_scope`` a replace (both the stored and the new version).

Length: ~520 lines, because every entity's write rules (who, which fields, which
sub-district) are here in one table-like module, beside the checks they share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gongjian.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PreconditionFailedError,
)
from gongjian.graph.lifecycle import DESK_FIELDS
from gongjian.graph.model import (
    Assignment,
    Community,
    Entity,
    Need,
    NeedStatus,
    Pairing,
    PartyMember,
    Resource,
    Unit,
    now_utc,
    parse_entity,
    resources_etag,
)
from gongjian.graph.store import GraphStore
from gongjian.service.auth.fields import check_fields, check_point_entry
from gongjian.service.auth.permissions import (
    require_committee,
    require_community,
    require_subdistrict,
    require_unit,
    require_writer,
    subdistrict_scope,
    with_own_subdistrict,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import PreconditionRequiredError, first_errors
from gongjian.service.needs import steps
from gongjian.service.needs.service import check_need_subdistrict
from gongjian.service.registry.schemas import (
    DeclaredResources,
    PointEntries,
    PointEntryIn,
    PointsRecorded,
    ResourceIn,
)

__all__ = [
    "ScopeCheck",
    "add_adjacency",
    "add_pairing",
    "add_points",
    "assignments",
    "committee_scope",
    "community_of",
    "create",
    "declare_resources",
    "declared_set_etag",
    "delete",
    "etag",
    "expected_version",
    "member_scope",
    "need_has_history",
    "need_scope",
    "parse_pairing",
    "point_entries",
    "prepare_need_create",
    "prepare_need_update",
    "remove_adjacency",
    "remove_pairing",
    "replace",
    "unit_of",
    "unit_resources",
    "unit_scope",
]

#: ``check(user, entity)`` raises ForbiddenError when ``user`` may not write ``entity``
ScopeCheck = Callable[[User, Any], None]


# --------------------------------------------------------------------------- scopes
def committee_scope(user: User, entity: Any) -> None:
    require_committee(user, f"修改{type(entity).LABEL_ZH}")


def community_of(field: str = "community_id") -> ScopeCheck:
    def check(user: User, entity: Any) -> None:
        require_community(user, getattr(entity, field))

    return check


def unit_of(field: str = "unit_id") -> ScopeCheck:
    def check(user: User, entity: Any) -> None:
        require_unit(user, getattr(entity, field))

    return check


def member_scope(user: User, member: PartyMember) -> None:
    if user.role == UserRole.unit:
        require_unit(user, member.unit_id)
    elif user.role == UserRole.community:
        require_community(user, member.community_id)
    else:
        require_committee(user, "修改在职党员")


def unit_scope(user: User, unit: Unit) -> None:
    require_unit(user, unit.id, "修改其他单位的信息")


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


def prepare_need_create(user: User, need: Need) -> Need:
    if user.role != UserRole.committee and (need.status != NeedStatus.open or need.whistle):
        raise InvalidInputError(
            "新交办单应为待认领状态，吹哨由共建委员会发起 (a new need starts open; only the"
            " committee whistles)",
            [{"field": "status", "message": "must be open"}],
        )
    # the number and the desk's fields are the store's and the steps' (read-only here)
    cleared = {f: Need.model_fields[f].get_default(call_default_factory=True) for f in _DESK}
    return need.model_copy(update={**cleared, "created_at": need.created_at or now_utc()})


#: fields a need's create / replace never sets: the number, the steps' notes, counters, photos
_DESK = (*DESK_FIELDS, "photos")


def prepare_need_update(user: User, old: Need, new: Need) -> Need:
    changed = [f for f in _LIFECYCLE_FIELDS if getattr(old, f) != getattr(new, f)]
    if changed:
        raise ConflictError(
            "状态、认领与吹哨请用对应的办理接口修改 (status, claim and whistle fields change"
            f" only through the life-cycle endpoints): {', '.join(changed)}",
            fields=changed,
        )
    kept = {f: getattr(old, f) for f in _DESK}
    return new.model_copy(update={**kept, "created_at": old.created_at})


def need_has_history(need: Need) -> bool:
    """Whether a need went past ``open`` at some time (claimed, whistled, worked on…)."""
    return (
        need.status != NeedStatus.open
        or need.claimed_by is not None
        or need.whistle
        or any(getattr(need, f) for f in _LIFECYCLE_FIELDS if f.endswith("_at"))
        or bool(need.summoned or need.reports)
    )


def need_scope(user: User, need: Need) -> None:
    require_community(user, need.community_id, "修改其他社区的交办单")


# --------------------------------------------------------------------------- create / replace / delete
def create(
    *,
    store: GraphStore,
    user: User,
    entity: Entity,
    scope: ScopeCheck,
    prepare: Callable[[User, Any], Any] | None = None,
    if_match: str | None = None,
) -> Entity:
    """Create ``entity``; 409 naming the id if it exists (create-only in the store: of
    concurrent creates of one id exactly one wins, a create never overwrites). A
    resource joins its unit's declared set, guarded by that set's ``If-Match``."""
    require_writer(user)
    # in the sub-district named, else its community's, else the writer's own
    entity = with_own_subdistrict(user, entity, _community_of(store, entity))
    subdistrict_scope(user, entity)
    scope(user, entity)
    if prepare is not None:
        entity = prepare(user, entity)
    check_fields(store=store, user=user, old=None, new=entity)
    if isinstance(entity, Need):
        check_need_subdistrict(store, entity)
    if isinstance(entity, Resource):
        _unit_in_scope(store, user, entity.unit_id)

        def add(current: list[Resource]) -> list[Resource]:
            if any(r.id == entity.id for r in current):
                raise ConflictError(
                    f"资源 '{entity.id}' 已存在，请用 PUT 修改 (already exists; use PUT)",
                    id=entity.id,
                )
            return [*current, entity]

        _write_declared_set(store=store, unit_id=entity.unit_id, if_match=if_match, change=add)
        return store.get(Resource, entity.id)
    if isinstance(entity, Need):
        return _create_need(store, user, entity)
    return store.create(entity)


def _create_need(store: GraphStore, user: User, need: Need) -> Entity:
    """A need with its number, its ``created`` step and, when open, ``need.claimable``
    for the units that suit it — all in the create's transaction."""
    units = steps.suited_units(store, need) if need.status == NeedStatus.open else []
    return store.create(
        need,
        actor=steps.actor_of(user),
        outbox=steps.claimable_rows(units, "新登记"),
    )


def _community_of(store: GraphStore, entity: Entity) -> Community | None:
    """The community an entity names (None: none, or unknown — the store refuses that)."""
    community_id = getattr(entity, "community_id", None)
    if community_id is None or isinstance(entity, Community):
        return None
    try:
        return store.get(Community, community_id)
    except NotFoundError:
        return None


def _unit_in_scope(store: GraphStore, user: User, unit_id: str) -> None:
    """403 when a resource's unit lies outside ``user``'s sub-district (404 if unknown)."""
    if user.subdistrict is not None:
        require_subdistrict(user, store.get(Unit, unit_id).subdistrict, "修改其他街道单位的资源")


def _write_declared_set(
    *,
    store: GraphStore,
    unit_id: str,
    if_match: str | None,
    change: Callable[[list[Resource]], list[Resource]],
) -> str:
    """One resource written as a change of its unit's whole declared set: the set's ETag
    guards it (428 without, 412 stale — checked in the store's transaction)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            "请带上资源清单的 If-Match（先 GET /units/{id}/resources 取得 ETag）(If-Match of the"
            " unit's declared set is required: GET /units/{id}/resources first)"
        )
    current = store.list(Resource, filters={"unit_id": unit_id}, limit=None)
    return store.replace_resources(unit_id, change(current), if_match=if_match)


def declared_set_etag(store: GraphStore, unit_id: str) -> str:
    """The ETag of a unit's declared set (what a single resource's writes are guarded by)."""
    return resources_etag(store.list(Resource, filters={"unit_id": unit_id}, limit=None))


def etag(entity: Entity) -> str:
    """The ETag of a stored entity: its version, quoted (``"3"``)."""
    return f'"{entity.version}"'


def expected_version(if_match: str | None, *, required: bool = True) -> int | None:
    """The version an ``If-Match`` header names: 428 without one (when ``required``),
    ``None`` for ``*`` (any stored version), 412 for one that cannot be a version.

    >>> expected_version('"3"'), expected_version('W/"3"'), expected_version("*")
    (3, 3, None)
    """
    if if_match is None or not if_match.strip():
        if not required:
            return None
        raise PreconditionRequiredError(
            "请带上 If-Match（先 GET 取得 ETag）(If-Match is required: GET the entity for its"
            " ETag first)"
        )
    value = if_match.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if not value.isascii() or not value.isdigit():
        raise PreconditionFailedError(
            f"If-Match {if_match!r} 不是当前版本 (not the current version): 请重新 GET"
        )
    return int(value)


def replace(
    *,
    store: GraphStore,
    user: User,
    item_id: str,
    entity: Entity,
    scope: ScopeCheck,
    if_match: str | None,
    prepare: Callable[[User, Any, Any], Any] | None = None,
) -> Entity:
    """Replace the stored ``item_id`` with ``entity`` if ``If-Match`` names its version
    (428 without, 412 stale); ``scope`` must allow both versions. One store transaction:
    the checks run against the version the write replaces."""
    require_writer(user)
    if entity.id != item_id:
        raise InvalidInputError(
            f"路径编号 '{item_id}' 与数据编号 '{entity.id}' 不一致 (path id and body id differ)",
            [{"field": "id", "message": "must equal the id in the path"}],
        )
    if isinstance(entity, Resource):
        old = store.get(Resource, item_id)
        _unit_in_scope(store, user, old.unit_id)
        scope(user, old)
        scope(user, entity)
        new = entity if prepare is None else prepare(user, old, entity)
        check_fields(store=store, user=user, old=old, new=new)
        if new.unit_id != old.unit_id:
            raise InvalidInputError(
                "资源不能转给其他单位，请在新单位下新建 (a resource cannot move to another unit)",
                [{"field": "unit_id", "message": "must stay the resource's unit"}],
            )
        _write_declared_set(
            store=store,
            unit_id=old.unit_id,
            if_match=if_match,
            change=lambda current: [new if r.id == item_id else r for r in current],
        )
        return store.get(Resource, item_id)
    version = expected_version(if_match)

    def change(old: Any) -> Any:
        subdistrict_scope(user, old)
        mine = with_own_subdistrict(user, entity, old)
        subdistrict_scope(user, mine)
        scope(user, old)
        scope(user, mine)
        new = mine if prepare is None else prepare(user, old, mine)
        check_fields(store=store, user=user, old=old, new=new)
        if isinstance(new, Need):
            check_need_subdistrict(store, new)
        return new

    return store.modify(type(entity), item_id, change, expected_version=version)


def delete(
    *,
    store: GraphStore,
    user: User,
    kind: type[Entity],
    item_id: str,
    scope: ScopeCheck,
    if_match: str | None = None,
) -> None:
    """Delete ``item_id`` of ``kind`` (404 if absent) where ``scope`` allows it; with
    ``If-Match`` only that version (412 otherwise)."""
    require_writer(user)
    old = store.get(kind, item_id)
    subdistrict_scope(user, old)
    scope(user, old)
    if isinstance(old, Resource):
        _unit_in_scope(store, user, old.unit_id)
        _write_declared_set(
            store=store,
            unit_id=old.unit_id,
            if_match=if_match,
            change=lambda current: [r for r in current if r.id != item_id],
        )
        return
    if isinstance(old, Need) and need_has_history(old):
        raise ConflictError(
            f"交办单 '{item_id}' 已有办理记录，不能删除，请撤销 (cancel it instead)", id=item_id
        )
    store.delete(kind, item_id, expected_version=expected_version(if_match, required=False))


# --------------------------------------------------------------------------- declared resources
def unit_resources(*, store: GraphStore, unit_id: str) -> DeclaredResources:
    """A unit's declared resources and their ETag (404 for an unknown unit)."""
    store.get(Unit, unit_id)
    items = store.list(Resource, filters={"unit_id": unit_id}, limit=None)
    return DeclaredResources(unit_id=unit_id, etag=resources_etag(items), items=items)


def declare_resources(
    *,
    store: GraphStore,
    user: User,
    unit_id: str,
    rows: list[ResourceIn],
    if_match: str | None,
) -> DeclaredResources:
    """Replace a unit's whole declared set, guarded by ``If-Match`` (428 without, 412 stale)."""
    require_writer(user)
    require_unit(user, unit_id, "修改其他单位的资源清单")
    _unit_in_scope(store, user, unit_id)
    if if_match is None:
        raise PreconditionRequiredError(
            "请带上 If-Match（先 GET 资源清单取得 ETag；首次申报可用 *）(If-Match is required:"
            " GET the list for its ETag, or send * for a first declaration)"
        )
    resources, errors = [], []
    for i, r in enumerate(rows):
        try:
            resources.append(
                parse_entity(Resource, {**r.model_dump(), "unit_id": r.unit_id or unit_id})
            )
        except InvalidInputError as exc:  # name the row, as the request validation does
            errors += [{**e, "field": f"{i}.{e['field']}"} for e in exc.errors]
    if errors:
        raise InvalidInputError(
            f"资源清单无效 (invalid resource list): {first_errors(errors)}", errors
        )
    etag = store.replace_resources(unit_id, resources, if_match=if_match)
    items = sorted(resources, key=lambda r: r.id)
    return DeclaredResources(unit_id=unit_id, etag=etag, items=items)


# --------------------------------------------------------------------------- points
def add_points(
    *, store: GraphStore, user: User, member_id: str, body: PointEntryIn
) -> PointsRecorded:
    """Record a point entry for a party member and change its total, in one store
    transaction (the field table's check runs on the member as stored, under its lock)."""
    require_writer(user)

    def check(member: PartyMember) -> None:
        check_point_entry(user, member)

    member, entry = store.add_points(
        member_id,
        body.delta,
        reason=body.reason,
        by=user.id,
        by_role=user.role.value,
        check=check,
    )
    return PointsRecorded(member=member, entry=entry)


def point_entries(*, store: GraphStore, member_id: str, offset: int, limit: int) -> PointEntries:
    """A member's point entries, newest first (404 for an unknown member)."""
    member = store.get(PartyMember, member_id)
    items = store.point_entries(member_id, offset=offset, limit=limit)
    # entries are only ever added (and go with their member): the newest's seq counts them
    newest = items[:1] if offset == 0 else store.point_entries(member_id, limit=1)
    total = newest[0].seq if newest else 0
    return PointEntries(
        member_id=member_id,
        points=member.points,
        items=items,
        total=total,
        offset=offset,
        limit=limit,
    )


# --------------------------------------------------------------------------- pairings, adjacency
def add_pairing(*, store: GraphStore, user: User, pairing: Pairing) -> Pairing:
    require_committee(user, "管理结对")
    store.add_pairings([pairing])
    return pairing


def parse_pairing(unit_id: str, community_id: str) -> Pairing:
    """The pairing two path ids name (422 for ids a pairing cannot hold)."""
    try:
        return Pairing(unit_id=unit_id, community_id=community_id)
    except ValueError as exc:
        raise InvalidInputError(f"结对编号无效 (invalid ids): {exc}") from None


def remove_pairing(*, store: GraphStore, user: User, unit_id: str, community_id: str) -> None:
    require_committee(user, "管理结对")
    pairing = parse_pairing(unit_id, community_id)
    if pairing not in store.pairings(unit_id=unit_id, community_id=community_id):
        raise NotFoundError("Pairing", f"{unit_id}/{community_id}")
    store.remove_pairing(pairing)


def add_adjacency(*, store: GraphStore, user: User, a: str, b: str) -> None:
    require_committee(user, "管理社区相邻关系")
    if a == b:
        raise InvalidInputError("社区不能与自己相邻 (a community is not adjacent to itself)")
    store.get(Community, a)
    store.get(Community, b)
    store.set_adjacent(a, b)


def remove_adjacency(*, store: GraphStore, user: User, a: str, b: str) -> None:
    require_committee(user, "管理社区相邻关系")
    pair = (a, b) if a <= b else (b, a)
    if pair not in store.adjacency():
        raise NotFoundError("Adjacency", f"{a}/{b}")
    store.remove_adjacent(a, b)


def assignments(
    *,
    store: GraphStore,
    activity_id: str | None,
    unit_id: str | None,
    plan_id: str | None,
) -> list[Assignment]:
    """Assignments ordered by activity then unit; filter by activity, unit or plan."""
    items = store.assignments(activity_id=activity_id, unit_id=unit_id)
    if plan_id is not None:
        items = [a for a in items if a.plan_id == plan_id]
    return items
