"""The life cycle of a work order (民情交办单): allowed moves, what each move sets.

The stores apply these rules in one place, :class:`gongjian.graph.base.StoreBase`.
Re-exported by :mod:`gongjian.graph.model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gongjian.core.clock import now_utc
from gongjian.core.errors import ConflictError, InvalidInputError
from gongjian.graph.vocab import NeedStatus

if TYPE_CHECKING:
    from gongjian.graph.model import Need

__all__ = [
    "NEED_TRANSITIONS",
    "STATUS_TIME_FIELD",
    "check_actor",
    "check_claimable",
    "check_transition",
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
        raise ConflictError(
            f"交办单 '{need.id}' 已不是待认领状态（{need.status.label_zh}{who}）"
            f" (need is {need.status.value}, not open)",
            current=need.status.value,
            claimed_by=need.claimed_by,
        )


def check_actor(need: Need, unit_id: str | None) -> None:
    """When a unit acts on a need, it must be the unit that claimed it."""
    if unit_id is not None and need.claimed_by != unit_id:
        raise ConflictError(
            f"只有认领单位可以办理交办单 '{need.id}' (only the claiming unit"
            f" {need.claimed_by or '—'} may act on it)",
            claimed_by=need.claimed_by,
        )
