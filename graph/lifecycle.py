"""The life cycle of a work order (民情交办单): allowed moves, what each move sets.

The stores apply these rules in one place, :class:`gongjian.graph.base.StoreBase`.
Re-exported by :mod:`gongjian.graph.model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gongjian.core.clock import now_utc
from gongjian.core.errors import ConflictError, InvalidInputError
from gongjian.graph.vocab import NeedAction, NeedStatus

if TYPE_CHECKING:
    from gongjian.graph.model import Need, Resource, Unit

__all__ = [
    "DESK_FIELDS",
    "LIFECYCLE_FIELDS",
    "MOVES",
    "NEED_TRANSITIONS",
    "STATUS_TIME_FIELD",
    "STEP_OF_STATUS",
    "UNFINISHED",
    "allowed_moves",
    "check_actor",
    "check_can_take",
    "check_claimable",
    "check_deletable",
    "check_lifecycle_kept",
    "check_move",
    "check_transition",
    "has_history",
    "transition_update",
]

#: allowed status changes; anything else is a conflict
NEED_TRANSITIONS: dict[NeedStatus, frozenset[NeedStatus]] = {
    NeedStatus.open: frozenset({NeedStatus.claimed, NeedStatus.cancelled}),
    NeedStatus.claimed: frozenset({NeedStatus.in_progress, NeedStatus.cancelled}),
    NeedStatus.in_progress: frozenset({NeedStatus.resolved, NeedStatus.cancelled}),
    NeedStatus.resolved: frozenset({NeedStatus.followed_up}),
    NeedStatus.followed_up: frozenset(),
    NeedStatus.cancelled: frozenset(),
}


def check_transition(need_id: str, current: NeedStatus | str, target: NeedStatus | str) -> None:
    """Raise :class:`ConflictError` unless ``current → target`` is allowed.

    >>> check_transition("n1", "open", "claimed")
    >>> check_transition("n1", "resolved", "open")
    Traceback (most recent call last):
    ...
    gongjian.core.errors.ConflictError: 交办单 'n1' 状态为 已办结 (resolved)，不能改为 待认领 (open)；允许：已回访 (followed_up)
    """
    cur, tgt = NeedStatus(current), NeedStatus(target)
    allowed = NEED_TRANSITIONS[cur]
    if tgt not in allowed:
        names = "、".join(f"{s.label_zh} ({s.value})" for s in sorted(allowed)) or "无 (none)"
        raise ConflictError(
            f"交办单 '{need_id}' 状态为 {cur.label_zh} ({cur.value})，"
            f"不能改为 {tgt.label_zh} ({tgt.value})；允许：{names}",
            current=cur.value,
            target=tgt.value,
            allowed=sorted(s.value for s in allowed),
        )


#: the time-stamp field each status sets when a need enters it
STATUS_TIME_FIELD: dict[NeedStatus, str] = {
    NeedStatus.claimed: "claimed_at",
    NeedStatus.in_progress: "started_at",
    NeedStatus.resolved: "resolved_at",
    NeedStatus.followed_up: "followed_up_at",
    NeedStatus.cancelled: "cancelled_at",
}


def transition_update(target: NeedStatus, satisfaction: int | None) -> dict[str, Any]:
    """The fields a transition to ``target`` sets (shared by both stores)."""
    update: dict[str, Any] = {"status": target, STATUS_TIME_FIELD[target]: now_utc()}
    if target == NeedStatus.followed_up:
        if satisfaction is None or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
            raise InvalidInputError(
                "回访需要满意度 1–5 (follow-up needs satisfaction 1–5)",
                [{"field": "satisfaction", "message": "required, 1–5"}],
            )
        update["satisfaction"] = satisfaction
    elif satisfaction is not None:
        raise InvalidInputError("满意度只在回访时填写 (satisfaction only with followed_up)")
    return update


def check_claimable(need: Need) -> None:
    """Raise :class:`ConflictError` unless the need is open (someone else claimed it first)."""
    if need.status != NeedStatus.open:
        who = f"，认领单位 {need.claimed_by}" if need.claimed_by else ""
        zh = f"已不是待认领状态（{need.status.label_zh}{who}）"
        raise _refused(need, zh, f"need is {need.status.value}, not open")


def check_actor(need: Need, unit_id: str | None) -> None:
    """When a unit acts on a need, it must be the unit that claimed it."""
    if unit_id is not None and need.claimed_by != unit_id:
        raise ConflictError(
            f"只有认领单位可以办理交办单 '{need.id}' (only the claiming unit"
            f" {need.claimed_by or '—'} may act on it)",
            claimed_by=need.claimed_by,
        )


#: the timeline step each plain transition (``transition_need``) records
STEP_OF_STATUS: dict[NeedStatus, NeedAction] = {
    NeedStatus.claimed: NeedAction.claimed,
    NeedStatus.in_progress: NeedAction.started,
    NeedStatus.resolved: NeedAction.resolved,
    NeedStatus.followed_up: NeedAction.followed_up,
    NeedStatus.cancelled: NeedAction.cancelled,
}

#: the desk's fields that only its steps set (the number, the steps' notes and counters)
DESK_FIELDS: tuple[str, ...] = (
    "number",
    "resolution_note",
    "cancel_reason",
    "supervised",
    "supervise_deadline",
    "extension",
    "returns",
    "reopens",
    "extensions",
    "supervisions",
)

#: the fields only ``claim_need`` / ``transition_need`` / ``step_need`` change (never
#: ``modify``)
LIFECYCLE_FIELDS: tuple[str, ...] = (
    "status",
    "claimed_by",
    "satisfaction",
    *STATUS_TIME_FIELD.values(),
    *DESK_FIELDS,
)


def check_lifecycle_kept(stored: Need, new: Need) -> None:
    """:class:`ConflictError` when a plain write would change a life-cycle field.

    ``modify`` runs this against the need read under its write lock, so an edit
    that started from an older copy can never undo a claim that landed meanwhile.
    """
    changed = [f for f in LIFECYCLE_FIELDS if getattr(stored, f) != getattr(new, f)]
    if changed:
        raise ConflictError(
            f"交办单 '{stored.id}' 的状态、认领和办理时间只能通过办理接口修改"
            f"（接单、开始、办结、回访、撤销）(status, claim and life-cycle fields change only"
            f" through the life-cycle operations): {', '.join(changed)}",
            fields=changed,
            current=stored.status.value,
            claimed_by=stored.claimed_by,
        )


def has_history(need: Need) -> bool:
    """Whether the need was ever claimed, started, resolved or followed up."""
    return need.claimed_by is not None or any(
        getattr(need, f) is not None
        for f in ("claimed_at", "started_at", "resolved_at", "followed_up_at", "satisfaction")
    )


def check_deletable(need: Need) -> None:
    """A need with history is part of a unit's record: cancel it, never delete it."""
    if has_history(need):
        who = f"（认领单位 {need.claimed_by}）" if need.claimed_by else ""
        en = f"the need has a history ({need.status.value}); cancel it instead of deleting it"
        raise _refused(need, f"已有办理记录{who}，不能删除，请改为撤销", en)


def _refused(need: Need, zh: str, en: str) -> ConflictError:
    """The 409 of a need in the wrong state, with its status and claimer for the client."""
    return ConflictError(
        f"交办单 '{need.id}' {zh} ({en})", current=need.status.value, claimed_by=need.claimed_by
    )


#: claimed work a unit has not finished yet: it counts against the unit's capacity
UNFINISHED: tuple[NeedStatus, ...] = (NeedStatus.claimed, NeedStatus.in_progress)


def check_can_take(need: Need, unit: Unit, resources: Sequence[Resource], claimed: int) -> None:
    """:class:`ConflictError` unless ``unit`` may claim ``need``.

    ``claimed`` (the unit's unfinished claimed effort in the need's quarter) plus the
    need's effort must stay within ``unit.capacity``. The committee skips this
    (``claim_need(..., override=True)``). Whether the unit *suits* the need is not a
    rule here: joint building welcomes help outside declared kinds, so the service
    flags such claims (suitability table) instead of refusing them.

    >>> from gongjian.graph.model import Need, Resource, Unit
    >>> n = Need(id="n1", title="修路灯", category="repair", community_id="c1",
    ...          quarter="2026Q4", effort=5)
    >>> u = Unit(id="u1", name="星城中学", type="school", community_id="c1", capacity=12)
    >>> check_can_take(n, u, [], claimed=7)
    >>> check_can_take(n, u, [], claimed=8)
    Traceback (most recent call last):
    ...
    gongjian.core.errors.ConflictError: 单位 'u1' 2026Q4 季度剩余工作量 4（能力 12，已认领未办结 8），该交办单需要 5，超出能力 (unit u1 has 4 effort left in 2026Q4 (capacity 12, unfinished claims 8); the need takes 5)
    """
    left = max(unit.capacity - claimed, 0)
    if claimed + need.effort > unit.capacity:
        raise ConflictError(
            f"单位 '{unit.id}' {need.quarter} 季度剩余工作量 {left}（能力 {unit.capacity}，"
            f"已认领未办结 {claimed}），该交办单需要 {need.effort}，超出能力 (unit {unit.id} has"
            f" {left} effort left in {need.quarter} (capacity {unit.capacity}, unfinished"
            f" claims {claimed}); the need takes {need.effort})",
            reason="capacity",
            capacity=unit.capacity,
            claimed=claimed,
            remaining=left,
            effort=need.effort,
            quarter=need.quarter,
        )


# --------------------------------------------------------------------------- the desk's moves
_WORKING = frozenset({NeedStatus.claimed, NeedStatus.in_progress})
_UNFINISHED_ALL = frozenset({NeedStatus.open, *_WORKING})

#: the moves of the desk (``POST /needs/{id}/<move>``): Chinese name, statuses it starts from
MOVES: dict[str, tuple[str, frozenset[NeedStatus]]] = {
    "claim": ("接单", frozenset({NeedStatus.open})),
    "dispatch": ("派单/改派", _UNFINISHED_ALL),
    "start": ("开始办理", frozenset({NeedStatus.claimed})),
    "release": ("收回", _WORKING),
    "return": ("退单", _WORKING),
    "extension": ("申请延期", _WORKING),
    "extension/decide": ("审批延期", _WORKING),
    "supervise": ("督办", _UNFINISHED_ALL),
    "resolve": ("办结", frozenset({NeedStatus.in_progress})),
    "follow-up": ("回访", frozenset({NeedStatus.resolved})),
    "reopen": ("重办", frozenset({NeedStatus.resolved, NeedStatus.followed_up})),
    "cancel": ("撤销", _UNFINISHED_ALL),
}


def allowed_moves(need: Need) -> list[str]:
    """The moves open to ``need`` now (an extension request only without a pending one,
    its decision only with one).

    >>> from gongjian.graph.model import Need
    >>> allowed_moves(Need(id="n1", title="t", category="repair", community_id="c1",
    ...                    quarter="2026Q4"))
    ['claim', 'dispatch', 'supervise', 'cancel']
    """
    pending = need.extension is not None and need.extension.state == "pending"
    out = []
    for move, (_zh, statuses) in MOVES.items():
        if need.status not in statuses:
            continue
        if (move == "extension" and pending) or (move == "extension/decide" and not pending):
            continue
        out.append(move)
    return out


def moves_text(moves: Sequence[str]) -> str:
    """>>> moves_text(["claim", "cancel"])
    '接单 (claim)、撤销 (cancel)'
    """
    return "、".join(f"{MOVES[m][0]} ({m})" for m in moves) or "无 (none)"


def check_move(need: Need, move: str, why: str = "") -> None:
    """:class:`ConflictError` (409) unless ``move`` is open to ``need``; the message names
    the moves that are (``allowed_moves``), ``allowed`` the next statuses as before."""
    moves = allowed_moves(need)
    if move in moves and not why:
        return
    cur = need.status
    raise ConflictError(
        f"交办单 '{need.id}' 状态为 {cur.label_zh} ({cur.value})，不能{MOVES[move][0]}"
        f" ({move}){why}；允许：{moves_text(moves)}",
        current=cur.value,
        move=move,
        allowed=sorted(s.value for s in NEED_TRANSITIONS[cur]),
        allowed_moves=moves,
    )


def unclaimed_update(need: Need) -> dict[str, Any]:
    """Back to open (收回, 退单): no unit, no claim or start time, no pending extension."""
    update: dict[str, Any] = {
        "status": NeedStatus.open,
        "claimed_by": None,
        "claimed_at": None,
        "started_at": None,
    }
    if need.extension is not None and need.extension.state == "pending":
        update["extension"] = None
    return update


def dispatch_update(need: Need, unit_id: str) -> dict[str, Any]:
    """To ``unit_id`` (派单, 改派): claimed now, not started; a pending extension dropped."""
    update = unclaimed_update(need)
    update.update({"status": NeedStatus.claimed, "claimed_by": unit_id, "claimed_at": now_utc()})
    return update


def reopen_update(need: Need) -> dict[str, Any]:
    """重办: back to the same unit, in progress; resolution and follow-up cleared."""
    return {
        "status": NeedStatus.in_progress,
        "resolved_at": None,
        "followed_up_at": None,
        "satisfaction": None,
        "started_at": need.started_at or now_utc(),
        "reopens": need.reopens + 1,
    }
