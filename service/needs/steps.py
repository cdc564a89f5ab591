"""The steps of the 12345 desk (issue 13): who may take each, what it changes, what it tells.

Every step is one :meth:`~gongjian.graph.desk.DeskRules.step_need` call: the need
is read under its write lock and the ``change`` below checks the role and the
entity (403) and the state (409 naming the moves open now, ``allowed_moves``) on
that very copy, so a step can never act on a state another request changed
meanwhile. The timeline step (who, when, note) and the outbox rows are written in
the same transaction.

=====================  ====================================  ===========================
step                   who                                   moves
=====================  ====================================  ===========================
派单 / 改派 dispatch    committee                             open, claimed, in_progress
收回 release           committee                             claimed, in_progress → open
接单 claim             unit (itself), committee (for one)    open → claimed
开始办理 start          holding unit, committee               claimed → in_progress
退单 return            holding unit                          claimed, in_progress → open
申请延期 extension      holding unit                          claimed, in_progress
审批延期 decide         committee                             a pending request
督办 supervise          committee                             open, claimed, in_progress
办结 resolve           holding unit, committee               in_progress → resolved
回访 follow-up         the need's community, committee       resolved → followed_up
                                                             (1–2: 重办 → in_progress)
重办 reopen            the need's community, committee       resolved, followed_up
撤销 cancel            the need's community, committee       open, claimed, in_progress
=====================  ====================================  ===========================

Length: ~500 lines, because every step of the life cycle is here with its actor and status
rules in the table above, each beside the checks it shares with the others.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime

from gongjian.core import clock
from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.desk import NeedStep, StepActor, StepChange
from gongjian.graph.lifecycle import (
    check_move,
    dispatch_update,
    reopen_update,
    unclaimed_update,
)
from gongjian.graph.model import ExtensionRequest, Need, NeedStatus, Resource, Unit, now_utc
from gongjian.graph.outbox import OutboxRow
from gongjian.graph.store import GraphStore
from gongjian.graph.suitability import stored_suitability
from gongjian.graph.vocab import NeedAction
from gongjian.service.auth.permissions import (
    need_in_scope,
    require_community,
    require_writer,
)
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError
from gongjian.service.needs.schemas import StepOut
from gongjian.service.notifications import events as notify

__all__ = [
    "actor_of",
    "cancel",
    "claimable_on_import",
    "claimable_rows",
    "decide_extension",
    "dispatch",
    "follow_up",
    "release",
    "reopen",
    "request_extension",
    "resolve",
    "return_need",
    "start",
    "suited_units",
    "supervise",
    "timeline",
    "timeline_out",
]

#: satisfaction at or below this reopens the order (不满意 → 重办)
DISSATISFIED = 2


def actor_of(user: User) -> StepActor:
    """The timeline's 'who' of a signed-in user."""
    return StepActor(user.id, user.name, user.role.value)


# --------------------------------------------------------------------------- who may act
def _committee(user: User, what: str) -> None:
    if user.role != UserRole.committee:
        raise ForbiddenError(
            f"只有共建委员会可以{what} (only the committee may do this)", role=user.role.value
        )


def _holder(user: User, need: Need, what: str, *, committee: bool) -> None:
    """The unit holding the order (or, with ``committee``, the committee)."""
    require_writer(user)
    if user.role == UserRole.committee and committee:
        return
    if user.role != UserRole.unit:
        who = "承办单位或共建委员会" if committee else "承办单位"
        raise ForbiddenError(
            f"{user.role.label_zh}角色不能{what}，只有{who}可以 (only the holding unit"
            f"{' or the committee' if committee else ''})",
            role=user.role.value,
        )
    if need.claimed_by is not None and need.claimed_by != user.unit_id:
        raise ForbiddenError(
            f"交办单 '{need.id}' 由其他单位承办，本单位不能{what} (held by another unit)",
            claimed_by=need.claimed_by,
        )


def _community(user: User, need: Need, what: str) -> None:
    require_writer(user)
    if user.role == UserRole.unit:
        raise ForbiddenError(
            f"单位角色不能{what}，只有提出诉求的社区或共建委员会可以 (only the need's community"
            " or the committee)",
            role=user.role.value,
        )
    require_community(user, need.community_id, f"{what}其他社区的交办单")


def _community_reason(
    store: GraphStore, user: User, need_id: str, what: str, reason: str, label: str
) -> str:
    """A step of the need's community (or committee) that needs a reason: the reason."""
    _community(user, store.get(Need, need_id), what)
    return _note(reason, "reason", label)


def _community_move(user: User, need: Need, what: str, move: str) -> None:
    """Under the lock: the need's community (or committee) may take ``move`` now."""
    _community(user, need, what)
    check_move(need, move)


def _note(text: str | None, field: str, label: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInputError(
            f"请填写{label} ({field} is required)",
            [{"field": field, "message": f"请填写{label} (required)"}],
        )
    return value


# --------------------------------------------------------------------------- suitability
def suited_units(store: GraphStore, need: Need, *, besides: str | None = None) -> list[str]:
    """The units with a declared resource that suits ``need`` (the stored suitability
    table, the need's quarter), ``besides`` left out; sorted."""
    table, _version = stored_suitability(store)
    kinds = table.kinds_for(need.category.value)
    if not kinds:
        return []
    units = {u.id: u for u in store.list(Unit, limit=None)}
    out: set[str] = set()
    for kind in kinds:
        for r in store.list(Resource, filters={"kind": kind}, limit=None):
            unit = units.get(r.unit_id)
            if unit is None or not r.available_in(need.quarter) or r.unit_id == besides:
                continue
            if (table.lookup(need.category.value, kind, unit.type.value) or 0) > 0:
                out.add(r.unit_id)
    return sorted(out)


def claimable_on_import(store: GraphStore, needs: list[Need]) -> Callable[[Need], list[OutboxRow]]:
    """The ``outbox=`` of an import: ``need.claimable`` for each new open order, to the
    units that suit it — looked up before the write, once per category and quarter."""
    units: dict[tuple[str, str], list[str]] = {}
    for n in needs:
        key = (n.category.value, n.quarter)
        if n.status == NeedStatus.open and key not in units:
            units[key] = suited_units(store, n)

    def rows(n: Need) -> list[OutboxRow]:
        key = (n.category.value, n.quarter)
        if n.status != NeedStatus.open or key not in units:
            return []
        return [notify.claimable(n, units[key], "批量导入")]

    return rows


def claimable_rows(units: list[str], why: str) -> Callable[[Need], list[OutboxRow]]:
    """The ``outbox=`` of a step that leaves the order open: ``need.claimable``."""
    return lambda n: [notify.claimable(n, units, why)] if n.status == NeedStatus.open else []


# --------------------------------------------------------------------------- the steps
def _step(
    store: GraphStore,
    user: User,
    need_id: str,
    change: Callable[[Need], StepChange],
    *,
    take_unit: str | None = None,
    override: bool = False,
    outbox: Callable[[Need], list[OutboxRow]] | None = None,
) -> Need:
    def scoped(need: Need) -> StepChange:
        need_in_scope(user, need)  # another sub-district's order: 403, nothing written
        return change(need)

    return store.step_need(
        need_id,
        scoped,
        actor=actor_of(user),
        take_unit=take_unit,
        override=override,
        outbox=outbox,
    )


def dispatch(
    *,
    store: GraphStore,
    user: User,
    need_id: str,
    unit_id: str,
    note: str | None,
    override: bool = False,
) -> Need:
    """派单 (open) or 改派 (claimed / in progress, also a plan's claim) to ``unit_id``."""
    _committee(user, "派单")
    store.get(Unit, unit_id)  # 404 for an unknown unit

    def change(need: Need) -> StepChange:
        check_move(need, "dispatch")
        if need.claimed_by == unit_id:
            check_move(need, "dispatch", f"：已由该单位承办 (already held by {unit_id})")
        was = need.claimed_by
        new = need.model_copy(update=dispatch_update(need, unit_id))
        text = note.strip() if note and note.strip() else None
        if was:
            text = f"由 {was} 改派" + (f"：{text}" if text else "")
        return StepChange(new, [(NeedAction.dispatched, text, unit_id)])

    return _step(
        store,
        user,
        need_id,
        change,
        take_unit=unit_id,
        override=override,
        outbox=lambda n: [notify.dispatched(n)],
    )


def release(*, store: GraphStore, user: User, need_id: str, reason: str) -> Need:
    """收回 (committee): a claimed / in-progress order back to open."""
    _committee(user, "收回交办单")
    reason = _note(reason, "reason", "收回原因")
    need = store.get(Need, need_id)
    units = suited_units(store, need, besides=need.claimed_by)

    def change(need: Need) -> StepChange:
        check_move(need, "release")
        new = need.model_copy(update=unclaimed_update(need))
        return StepChange(new, [(NeedAction.released, reason, need.claimed_by)])

    return _step(store, user, need_id, change, outbox=claimable_rows(units, "委员会收回"))


def return_need(*, store: GraphStore, user: User, need_id: str, reason: str) -> Need:
    """退单 (the holding unit) with a reason: back to open, counted."""
    need = store.get(Need, need_id)
    _holder(user, need, "退单", committee=False)
    reason = _note(reason, "reason", "退单原因")
    units = suited_units(store, need, besides=user.unit_id)

    def change(need: Need) -> StepChange:
        _holder(user, need, "退单", committee=False)
        check_move(need, "return")
        update = {**unclaimed_update(need), "returns": need.returns + 1}
        return StepChange(
            need.model_copy(update=update), [(NeedAction.returned, reason, need.claimed_by)]
        )

    return _step(store, user, need_id, change, outbox=claimable_rows(units, "单位退单"))


def start(*, store: GraphStore, user: User, need_id: str) -> Need:
    """开始办理: the holding unit or the committee."""
    _holder(user, store.get(Need, need_id), "办理", committee=True)

    def change(need: Need) -> StepChange:
        _holder(user, need, "办理", committee=True)
        check_move(need, "start")
        update = {"status": NeedStatus.in_progress, "started_at": now_utc()}
        return StepChange(need.model_copy(update=update), [(NeedAction.started, None, None)])

    return _step(store, user, need_id, change)


def request_extension(
    *, store: GraphStore, user: User, need_id: str, due: date, reason: str
) -> Need:
    """申请延期 (the holding unit): one pending request at a time, a later due date."""
    _holder(user, store.get(Need, need_id), "申请延期", committee=False)
    reason = _note(reason, "reason", "延期原因")

    def change(need: Need) -> StepChange:
        _holder(user, need, "申请延期", committee=False)
        if need.extension is not None and need.extension.state == "pending":
            check_move(need, "extension", "：已有待审批的延期申请 (a request is pending)")
        check_move(need, "extension")
        floor = max(need.due or clock.today(), clock.today())
        if due <= floor:
            raise InvalidInputError(
                f"新的办结期限应晚于 {floor.isoformat()} (the new due date must be after"
                f" {floor.isoformat()})",
                [{"field": "due", "message": f"应晚于 {floor.isoformat()} (after it)"}],
            )
        ext = ExtensionRequest(
            due=due,
            reason=reason,
            requested_at=now_utc(),
            requested_by=user.id,
            unit_id=need.claimed_by,
        )
        text = f"申请延期至 {due.isoformat()}：{reason}"
        return StepChange(
            need.model_copy(update={"extension": ext}),
            [(NeedAction.extension_requested, text, need.claimed_by)],
        )

    return _step(store, user, need_id, change)


def decide_extension(
    *, store: GraphStore, user: User, need_id: str, approve: bool, note: str | None
) -> Need:
    """批准 / 驳回 a pending extension request (committee); approval moves ``due``."""
    _committee(user, "审批延期申请")
    text = note.strip() if note and note.strip() else None

    def change(need: Need) -> StepChange:
        check_move(need, "extension/decide")
        ext = need.extension
        assert ext is not None
        decided = ext.model_copy(
            update={
                "state": "approved" if approve else "refused",
                "decided_at": now_utc(),
                "decided_by": user.id,
                "note": text,
            }
        )
        update: dict[str, object] = {"extension": decided}
        if approve:
            update.update({"due": ext.due, "extensions": need.extensions + 1})
        action = NeedAction.extension_approved if approve else NeedAction.extension_refused
        line = f"延期至 {ext.due.isoformat()}" + (f"：{text}" if text else "")
        return StepChange(need.model_copy(update=update), [(action, line, ext.unit_id)])

    return _step(store, user, need_id, change, outbox=lambda n: [notify.extension_decided(n)])


def supervise(
    *, store: GraphStore, user: User, need_id: str, deadline: datetime, note: str
) -> Need:
    """督办 (committee) with a deadline ahead and a note; counted."""
    _committee(user, "督办")
    note = _note(note, "note", "督办意见")
    try:
        deadline = clock.as_utc(deadline)
    except OverflowError:
        raise InvalidInputError(
            "时间超出范围 (date-time out of range)",
            [{"field": "deadline", "message": "时间超出范围 (out of range)"}],
        ) from None
    if deadline <= now_utc():
        raise InvalidInputError(
            "督办期限应晚于现在 (the deadline must be in the future)",
            [{"field": "deadline", "message": "督办期限应晚于现在 (in the future)"}],
        )
    shown = deadline.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")

    def change(need: Need) -> StepChange:
        check_move(need, "supervise")
        update = {
            "supervised": True,
            "supervise_deadline": deadline,
            "supervisions": need.supervisions + 1,
        }
        return StepChange(
            need.model_copy(update=update),
            [(NeedAction.supervised, f"期限 {shown}：{note}", need.claimed_by)],
        )

    return _step(store, user, need_id, change, outbox=lambda n: [notify.supervised(n, shown, note)])


def resolve(*, store: GraphStore, user: User, need_id: str, note: str) -> Need:
    """办结 with a resolution note: the holding unit or the committee."""
    _holder(user, store.get(Need, need_id), "办结", committee=True)
    note = _note(note, "note", "办结说明")

    def change(need: Need) -> StepChange:
        _holder(user, need, "办结", committee=True)
        check_move(need, "resolve")
        update = {"status": NeedStatus.resolved, "resolved_at": now_utc(), "resolution_note": note}
        return StepChange(
            need.model_copy(update=update), [(NeedAction.resolved, note, need.claimed_by)]
        )

    return _step(store, user, need_id, change)


def follow_up(
    *, store: GraphStore, user: User, need_id: str, satisfaction: int, note: str | None
) -> Need:
    """回访 (the need's community or the committee); 1–2 (不满意) reopens it as 重办."""
    _community(user, store.get(Need, need_id), "回访")
    text = note.strip() if note and note.strip() else None

    def change(need: Need) -> StepChange:
        _community_move(user, need, "回访", "follow-up")
        line = f"满意度 {satisfaction}/5" + (f"：{text}" if text else "")
        update = {
            "status": NeedStatus.followed_up,
            "followed_up_at": now_utc(),
            "satisfaction": satisfaction,
        }
        if satisfaction > DISSATISFIED:
            return StepChange(
                need.model_copy(update=update), [(NeedAction.followed_up, line, None)]
            )
        steps = [
            (NeedAction.followed_up, line, None),
            (NeedAction.reopened, f"回访不满意（{satisfaction}/5），重办", need.claimed_by),
        ]
        return StepChange(need.model_copy(update=reopen_update(need)), steps)

    def outbox(n: Need) -> list[OutboxRow]:
        if n.status != NeedStatus.in_progress:
            return []
        low = n.model_copy(update={"satisfaction": satisfaction})
        return [notify.dissatisfied(low), notify.reopened(n, f"回访不满意（{satisfaction}/5）")]

    return _step(store, user, need_id, change, outbox=outbox)


def reopen(*, store: GraphStore, user: User, need_id: str, reason: str) -> Need:
    """重办 a resolved / followed-up order (its community or the committee), with a reason."""
    reason = _community_reason(store, user, need_id, "重办", reason, "重办原因")

    def change(need: Need) -> StepChange:
        _community_move(user, need, "重办", "reopen")
        if need.claimed_by is None:
            raise ConflictError(
                f"交办单 '{need.id}' 没有承办单位，不能重办 (no unit to reopen it for)",
                current=need.status.value,
            )
        return StepChange(
            need.model_copy(update=reopen_update(need)),
            [(NeedAction.reopened, reason, need.claimed_by)],
        )

    return _step(store, user, need_id, change, outbox=lambda n: [notify.reopened(n, reason)])


def cancel(*, store: GraphStore, user: User, need_id: str, reason: str) -> Need:
    """撤销 with a reason: the need's community or the committee."""
    reason = _community_reason(store, user, need_id, "撤销", reason, "撤销原因")

    def change(need: Need) -> StepChange:
        _community_move(user, need, "撤销", "cancel")
        update = {
            "status": NeedStatus.cancelled,
            "cancelled_at": now_utc(),
            "cancel_reason": reason,
        }
        return StepChange(need.model_copy(update=update), [(NeedAction.cancelled, reason, None)])

    return _step(store, user, need_id, change)


def timeline(*, store: GraphStore, need_id: str) -> list[NeedStep]:
    """Every step of the order, oldest first (404 for an unknown order)."""
    return store.need_timeline(need_id)


def timeline_out(*, store: GraphStore, need_id: str) -> list[StepOut]:
    """The timeline as the API returns it: Chinese step names, units by name."""
    items = timeline(store=store, need_id=need_id)
    names: dict[str, str] = {}
    for unit_id in {s.unit_id for s in items if s.unit_id}:
        with contextlib.suppress(NotFoundError):
            names[unit_id] = store.get(Unit, unit_id).name
    return [
        StepOut(
            **s.model_dump(exclude={"need_id"}),
            action_zh=s.action.label_zh,
            unit_name=names.get(s.unit_id or ""),
        )
        for s in items
    ]
