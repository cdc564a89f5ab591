"""The need life cycle, whistles (吹哨) and reports (报到), the import: keyword-only functions.

What the routes of :mod:`gongjian.service.needs.views` do beyond parsing the
request: who may act (403), what the store is asked (409 conflicts gain the
``allowed`` next states), how a whistled need reads at a given time. Times a
client sends without an offset are Beijing time (:func:`gongjian.core.clock.as_utc`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gongjian.core import clock
from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import (
    NEED_TRANSITIONS,
    Community,
    Need,
    NeedStatus,
    Resource,
    Unit,
)
from gongjian.graph.store import GraphStore
from gongjian.graph.vocab import NeedAction
from gongjian.graph.whistle import whistle_state
from gongjian.seeds.suitability import default_suitability
from gongjian.service.auth.permissions import (
    need_in_scope,
    require_committee,
    require_community,
    require_writer,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError
from gongjian.service.needs import steps
from gongjian.service.needs.importing import ImportReport, import_needs
from gongjian.service.needs.schemas import ClaimedNeed, WhistleUnit, WhistleView
from gongjian.service.notifications import events as notify

__all__ = [
    "ImportScope",
    "acting_unit",
    "cancel",
    "check_need_subdistrict",
    "claim",
    "deadline_utc",
    "follow_up",
    "import_file",
    "import_scope",
    "report",
    "resolve",
    "start",
    "whistle",
    "whistle_view",
    "whistles",
]

_CLOSED = frozenset({NeedStatus.resolved, NeedStatus.followed_up, NeedStatus.cancelled})


def deadline_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive = Beijing time); 422 for a time UTC cannot hold.

    >>> deadline_utc(datetime(2026, 12, 1, 18, 0)).isoformat()
    '2026-12-01T10:00:00+00:00'
    """
    try:
        return clock.as_utc(value)
    except OverflowError:
        raise InvalidInputError(
            f"时间超出范围 (date-time out of range): {value.isoformat()}",
            [{"field": "deadline", "message": "out of range"}],
        ) from None


# --------------------------------------------------------------------------- who acts
def acting_unit(*, user: User, requested: str | None, what: str) -> str:
    """The unit a claim / report is for: the unit role's own, or the one the committee names."""
    if user.role == UserRole.unit:
        if requested is not None and requested != user.unit_id:
            raise ForbiddenError(
                f"单位只能为本单位{what} (a unit may only {what} for itself)", role=user.role.value
            )
        assert user.unit_id is not None
        return user.unit_id
    if user.role == UserRole.committee:
        if not requested:
            raise InvalidInputError(
                f"委员会代{what}需要 unit_id (the committee must name the unit_id)",
                [{"field": "unit_id", "message": "required for the committee"}],
            )
        return requested
    raise ForbiddenError(
        f"{user.role.label_zh}角色不能{what} (role '{user.role.value}' may not do this)",
        role=user.role.value,
    )


def _with_allowed(exc: ConflictError) -> ConflictError:
    """Add the allowed next states to a conflict that names the current one."""
    current = exc.details.get("current")
    if "allowed" not in exc.details and current in NeedStatus.__members__:
        exc.details["allowed"] = sorted(s.value for s in NEED_TRANSITIONS[NeedStatus(current)])
    return exc


# --------------------------------------------------------------------------- life cycle
def claim(
    *, store: GraphStore, user: User, need_id: str, unit_id: str, override: bool = False
) -> ClaimedNeed:
    """Claim an open need for ``unit_id``: 409 naming the holder if another unit has it, 409
    with the effort left when it is beyond the unit's capacity this quarter (the committee
    may ``override``); a unit no declared resource of which suits the need (suitability
    table) may still claim it, with a warning."""
    if override:
        require_committee(user)
    need_in_scope(user, store.get(Need, need_id))  # a need's sub-district never changes here
    try:
        need = store.claim_need(
            need_id,
            unit_id,
            override=override,
            outbox=lambda n: [notify.dispatched(n)],
            actor=steps.actor_of(user),
        )
    except ConflictError as exc:
        raise _with_allowed(exc) from None
    return ClaimedNeed(**need.model_dump(), warnings=suitability_warnings(store, need, unit_id))


def suitability_warnings(store: GraphStore, need: Need, unit_id: str) -> list[str]:
    """A warning when none of the unit's declared resources suits the need's category."""
    unit = store.get(Unit, unit_id)
    resources = store.list(Resource, filters={"unit_id": unit_id}, limit=None)
    table = default_suitability()
    fits = [
        table.lookup(need.category, r.kind, unit.type) or 0
        for r in resources
        if r.available_in(need.quarter)
    ]
    if max(fits, default=0) > 0:
        return []
    return [
        f"{unit.name} 未申报适合「{need.category.label_zh}」的资源，请确认能够办理"
        f" (the unit declares no resource suited to {need.category.value})"
    ]


# start, resolve, follow-up and cancel are steps of the desk (with the other steps)
start = steps.start
resolve = steps.resolve
follow_up = steps.follow_up
cancel = steps.cancel


# --------------------------------------------------------------------------- whistle / report
def whistle(
    *, store: GraphStore, user: User, need_id: str, deadline: datetime, units: list[str]
) -> tuple[Need, datetime]:
    """吹哨 (committee): summon ``units`` to report by ``deadline``; the need and the deadline in UTC.

    The deadline must lie ahead and every unit exist (422, nothing written); a closed
    need is a 409. Whistling again replaces deadline and units, keeping the reports of
    units that stay summoned.
    """
    require_committee(user, "吹哨")
    deadline = deadline_utc(deadline)
    now = clock.now_utc()
    if deadline <= now:
        raise InvalidInputError(
            f"截止时间 {deadline.isoformat()} 已过，应晚于现在 {now.isoformat()} (the deadline"
            " must be in the future)",
            [{"field": "deadline", "message": "must be in the future"}],
        )
    store.get(Need, need_id)
    unknown = []
    for unit_id in units:
        try:
            store.get(Unit, unit_id)
        except NotFoundError:
            unknown.append(unit_id)
    if unknown:
        raise InvalidInputError(
            f"未知单位 (unknown units): {', '.join(unknown)}",
            [
                {"field": f"units.{units.index(u)}", "message": f"未知单位 '{u}' (unknown)"}
                for u in unknown
            ],
        )

    def change(need: Need) -> Need:
        need_in_scope(user, need)
        if need.status in _CLOSED:
            raise ConflictError(
                f"交办单 '{need.id}' 已{need.status.label_zh}，不能吹哨 (a {need.status.value}"
                " need cannot be whistled)",
                current=need.status.value,
                allowed=sorted(s.value for s in NEED_TRANSITIONS[need.status]),
            )
        reports = {u: t for u, t in need.reports.items() if u in units}
        return need.model_copy(
            update={
                "whistle": True,
                "whistle_deadline": deadline,
                "summoned": list(units),
                "reports": reports,
            }
        )

    shown = deadline.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
    outbox = lambda n: [notify.summoned(n, shown)]  # noqa: E731 - written with the whistle
    step = (NeedAction.whistled, f"召集 {'、'.join(units)}，{shown} 前报到")
    need = store.modify(Need, need_id, change, outbox=outbox, step=step, actor=steps.actor_of(user))
    return need, deadline


def report(*, store: GraphStore, need_id: str, unit_id: str, user: User | None = None) -> Need:
    """报到 of ``unit_id`` (now); idempotent: the first report time is kept."""
    store.get(Need, need_id)
    at = clock.now_utc()

    def change(need: Need) -> Need:
        if user is not None:
            need_in_scope(user, need)
        if not need.whistle:
            raise ConflictError(
                f"交办单 '{need.id}' 没有吹哨，无需报到 (the need is not a whistle)",
                whistle=False,
            )
        if need.status == NeedStatus.cancelled:
            raise ConflictError(
                f"交办单 '{need.id}' 已撤销 (the need was cancelled)", current=need.status.value
            )
        if unit_id not in need.summoned:
            raise ConflictError(
                f"单位 {unit_id} 未被召集，不能报到 (unit {unit_id} was not summoned)",
                summoned=list(need.summoned),
            )
        if unit_id in need.reports:
            return need
        return need.model_copy(update={"reports": {**need.reports, unit_id: at}})

    actor = steps.actor_of(user) if user is not None else None
    step = (NeedAction.reported, f"单位 {unit_id} 报到")
    return store.modify(Need, need_id, change, step=step, actor=actor)


def whistle_view(need: Need, now: datetime) -> WhistleView:
    """A whistled need as the whistle list shows it, at time ``now`` (rule:
    :func:`gongjian.graph.whistle.whistle_state`, shared with the metrics)."""
    state = whistle_state(need, now)
    units = [
        WhistleUnit(unit_id=u.unit_id, reported_at=u.reported_at, state=u.state)
        for u in state.units
    ]
    overdue = state.overdue_units
    return WhistleView(
        need_id=need.id,
        title=need.title,
        community_id=need.community_id,
        status=need.status,
        claimed_by=need.claimed_by,
        deadline=state.deadline,
        overdue=bool(overdue),
        overdue_units=overdue,
        units=units,
    )


def whistles(
    *, store: GraphStore, overdue: bool | None, community_id: str | None
) -> list[WhistleView]:
    """Whistled needs ordered by deadline then id, each with its units' report states."""
    filters: dict[str, object] = {"whistle": True}
    if community_id:
        filters["community_id"] = community_id
    now = clock.now_utc()
    views = [whistle_view(n, now) for n in store.list(Need, filters=filters, limit=None)]
    if overdue is not None:
        views = [v for v in views if v.overdue == overdue]
    far = datetime.max.replace(tzinfo=UTC)
    views.sort(key=lambda v: (v.deadline or far, v.need_id))
    return views


# --------------------------------------------------------------------------- sub-district
def check_need_subdistrict(store: GraphStore, need: Need) -> None:
    """422 when ``need`` names another sub-district than its community's (an unknown
    community is left to the store, which refuses it)."""
    try:
        community = store.get(Community, need.community_id)
    except NotFoundError:
        return
    if need.subdistrict != community.subdistrict:
        raise InvalidInputError(
            f"交办单的街道 {need.subdistrict} 与社区 {community.name}（{community.id}）所属街道"
            f" {community.subdistrict} 不符 (the need's sub-district contradicts its community's)",
            [{"field": "subdistrict", "message": f"应为 {community.subdistrict}"}],
        )


# --------------------------------------------------------------------------- import
@dataclass(frozen=True)
class ImportScope:
    """Whose rows an importer may import: a community's only (the community role), a
    sub-district's only (its users); None: any."""

    community: str | None = None
    subdistrict: str | None = None


def import_scope(*, user: User) -> ImportScope:
    """Who may import (committee; a community its own rows), and the rows they may."""
    require_writer(user)
    if user.role == UserRole.unit:
        raise ForbiddenError(
            "单位角色不能导入交办单 (units may not import needs)", role=user.role.value
        )
    if user.role == UserRole.community:
        require_community(user, user.community_id, "导入交办单")
        return ImportScope(user.community_id, user.subdistrict)
    return ImportScope(None, user.subdistrict)


def import_file(
    *,
    store: GraphStore,
    data: bytes,
    filename: str | None,
    scope: ImportScope,
    skip_errors: bool,
    dry_run: bool,
) -> ImportReport:
    """Import the needs of one file, all or nothing (:func:`~gongjian.service.needs.importing.import_needs`);
    a row of a community outside ``scope``'s sub-district refuses the file (403)."""
    return import_needs(
        store,
        data,
        filename,
        community_scope=scope.community,
        subdistrict_scope=scope.subdistrict,
        skip_errors=skip_errors,
        dry_run=dry_run,
    )
