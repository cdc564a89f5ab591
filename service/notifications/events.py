"""The notification events: who hears of what, with the words they read.

Each builder returns the outbox ``event`` row of one happening
(:class:`~gongjian.graph.outbox.OutboxRow`). Its id is derived from the change
itself — the need and its new version, the plan and the unit, the need and the
day, the sub-district and the day — so writing it twice (a retried transaction, a
resumed publication, two scans of one day) stores it once. Its audience names who it
is for: ``unit:<id>``, ``community:<id>``, ``committee``, ``city`` (the city role),
and ``subdistrict:<code>`` on a row of one sub-district's committee only (its daily
digest: the other sub-districts' committee channels do not get it). The payload holds the Chinese
title, the lines of the message and the console path it links to; the channels
render it (:mod:`gongjian.service.notifications.channels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from gongjian.graph.model import Need, Subdistrict
from gongjian.graph.outbox import OutboxRow

__all__ = [
    "CITY",
    "EVENTS",
    "claimable",
    "digest",
    "dispatched",
    "dissatisfied",
    "due_soon",
    "extension_decided",
    "overdue",
    "published",
    "reopened",
    "summoned",
    "supervised",
    "tagged",
]

#: the audience name of the city role (区/市组织部)
CITY = "city"

#: event name → what it is, in Chinese (subscriptions choose among these)
EVENTS: dict[str, str] = {
    "need.dispatched": "交办单派给本单位（认领、派单）",
    "whistle.summoned": "吹哨召集本单位报到",
    "need.due_soon": "交办单 24 小时内到期",
    "need.overdue": "交办单已超期",
    "need.dissatisfied": "回访不满意",
    "need.claimable": "有适合本单位的待认领交办单（新登记、退单、收回）",
    "need.extension_decided": "延期申请已批复",
    "need.reopened": "交办单重办（回访不满意或复核）",
    "need.supervised": "交办单被督办",
    "plan.published": "季度计划发布（本单位的任务与活动）",
    "digest.daily": "每日汇总（超期、督办、待认领）",
}


def _need_path(need_id: str) -> str:
    return f"#/needs?id={need_id}"


def _need_audience(need: Need) -> list[str]:
    out = [f"community:{need.community_id}", "committee"]
    if need.claimed_by:
        out.insert(0, f"unit:{need.claimed_by}")
    return out


def _row(
    event_id: str, event: str, audience: Sequence[str], title: str, lines: list[str], path: str
) -> OutboxRow:
    return OutboxRow(
        id=event_id,
        kind="event",
        event=event,
        audience=list(dict.fromkeys(audience)),
        payload={"title": title, "lines": lines, "path": path},
    )


def _about(
    need: Need, event: str, audience: Sequence[str], tag: str, lines: list[str], key: str = ""
) -> OutboxRow:
    """An event about one need: keyed by the need and ``key`` (by default its new
    version), titled ``【tag】`` and the need's title, linking to the need."""
    event_id = f"{event}:{need.id}:{key or f'v{need.version}'}"
    return _row(event_id, event, audience, f"【{tag}】{need.title}", lines, _need_path(need.id))


def _need_event(need: Need, event: str, key: str, tag: str, lines: list[str]) -> OutboxRow:
    """An event about one need, for its unit, community and the committee."""
    first = f"交办单：{need.title}（{need.id}）"
    return _about(need, event, _need_audience(need), tag, [first, *lines], key)


def dispatched(need: Need) -> OutboxRow:
    """A need claimed by (dispatched to) a unit; keyed by the need's new version."""
    lines = [f"类别：{need.category.label_zh}　社区：{need.community_id}　工作量：{need.effort}"]
    if need.due:
        lines.append(f"办结期限：{need.due.isoformat()}")
    return _need_event(need, "need.dispatched", f"v{need.version}", "接单", lines)


def _label(need: Need) -> str:
    return f"{need.title}（{need.number or need.id}）"


def claimable(need: Need, units: Sequence[str], why: str) -> OutboxRow:
    """An order became claimable (``why``: 新登记, 退单, 收回): for the units that suit it
    (suitability table), or the committee when none does; keyed by the need's version."""
    audience = [f"unit:{u}" for u in units] or ["committee"]
    lines = [
        f"交办单：{_label(need)}",
        f"{why}，待认领　类别：{need.category.label_zh}　工作量：{need.effort}",
    ]
    if need.due:
        lines.append(f"办结期限：{need.due.isoformat()}")
    return _about(need, "need.claimable", audience, "待认领", lines)


def extension_decided(need: Need) -> OutboxRow:
    """The committee approved or refused the holding unit's extension request."""
    ext = need.extension
    assert ext is not None
    unit = ext.unit_id or need.claimed_by
    verdict = "已批准" if ext.state == "approved" else "未批准"
    lines = [f"交办单：{_label(need)}", f"延期至 {ext.due.isoformat()} 的申请{verdict}"]
    if ext.note:
        lines.append(f"批复意见：{ext.note}")
    if need.due:
        lines.append(f"当前办结期限：{need.due.isoformat()}")
    audience = [f"unit:{unit}"] if unit else ["committee"]
    return _about(need, "need.extension_decided", audience, "延期批复", lines)


def reopened(need: Need, reason: str) -> OutboxRow:
    """重办: a resolved order back to its unit (dissatisfied follow-up, or a review)."""
    audience = [f"unit:{need.claimed_by}", "committee"] if need.claimed_by else ["committee"]
    lines = [f"交办单：{_label(need)}", f"重办原因：{reason}", f"第 {need.reopens} 次重办"]
    return _about(need, "need.reopened", audience, "重办", lines)


def supervised(need: Need, deadline_text: str, note: str) -> OutboxRow:
    """督办: the committee flags the order with a deadline; for its unit (committee if none)."""
    audience = [f"unit:{need.claimed_by}"] if need.claimed_by else ["committee"]
    lines = [f"交办单：{_label(need)}", f"督办期限：{deadline_text}", f"督办意见：{note}"]
    return _about(need, "need.supervised", audience, "督办", lines)


def summoned(need: Need, deadline_text: str) -> OutboxRow:
    """A whistle (吹哨) summoning units to report; keyed by the need's new version."""
    units = [f"unit:{u}" for u in need.summoned]
    audience = [*units, f"community:{need.community_id}", "committee"]
    lines = [
        f"街道吹哨：{need.title}（{need.id}）",
        f"召集单位：{'、'.join(need.summoned)}",
        f"请于 {deadline_text} 前报到",
    ]
    return _about(need, "whistle.summoned", audience, "吹哨报到", lines)


def due_soon(need: Need) -> OutboxRow:
    """A need due within 24 hours (due today); once per need and due date."""
    assert need.due is not None
    due = need.due.isoformat()
    return _need_event(need, "need.due_soon", due, "即将到期", [f"将于 {due} 到期，请及时办结"])


def overdue(need: Need, today: date) -> OutboxRow:
    """A need past its due date and not finished; once per need and day."""
    assert need.due is not None
    line = f"期限 {need.due.isoformat()} 已过，当前状态：{need.status.label_zh}"
    return _need_event(need, "need.overdue", today.isoformat(), "已超期", [line])


def dissatisfied(need: Need) -> OutboxRow:
    """A follow-up (回访) with low satisfaction (the life cycle has no reopen: the
    committee and the unit hear of it)."""
    line = f"居民满意度 {need.satisfaction}/5，请跟进"
    return _need_event(need, "need.dissatisfied", f"v{need.version}", "回访不满意", [line])


def published(
    plan_id: str, quarter: str, unit_id: str, tasks: Sequence[str], activities: Sequence[str]
) -> OutboxRow:
    """A plan published: one unit's tasks (needs) and activities; once per plan and unit."""
    lines = [f"{quarter} 季度共建计划已发布（计划 {plan_id}）"]
    lines.append(f"交办任务 {len(tasks)} 项：{'、'.join(tasks[:20]) or '无'}")
    lines.append(f"共建活动 {len(activities)} 项：{'、'.join(activities[:20]) or '无'}")
    return _row(
        f"plan.published:{plan_id}:{unit_id}",
        "plan.published",
        [f"unit:{unit_id}"],
        f"【计划发布】{quarter} 季度任务",
        lines,
        f"#/plans?id={plan_id}",
    )


def tagged(code: str) -> str:
    """The audience name that keeps a row to sub-district ``code``'s committee."""
    return f"subdistrict:{code}"


def _short(need: Need) -> str:
    """A need as a digest lists it: its title (at most 12 characters) and number."""
    title = need.title if len(need.title) <= 12 else need.title[:11] + "…"
    return f"{title}（{need.number or need.id}）"


def _listed(needs: Sequence[Need], most: int = 5) -> str:
    shown = "、".join(_short(n) for n in needs[:most])
    return (shown + ("等" if len(needs) > most else "")) or "无"


def digest(
    today: date,
    overdue_needs: Sequence[Need],
    supervised: Sequence[Need],
    unclaimed: int,
    subdistrict: Subdistrict | None = None,
) -> OutboxRow:
    """The daily digest of ``subdistrict``'s needs for its committee (once per
    sub-district and day), or without one of the whole city's for the city role
    (once per day); the first five needs of each line by title and number."""
    day = today.isoformat()
    if subdistrict is None:
        event_id, audience, where = f"digest.daily:{day}", [CITY], "全区"
    else:
        code = subdistrict.id
        event_id = f"digest.daily:{code}:{day}"
        audience, where = ["committee", tagged(code)], subdistrict.name
    return _row(
        event_id,
        "digest.daily",
        audience,
        f"【每日汇总】{where} {day}",
        [
            f"超期交办单 {len(overdue_needs)} 件：{_listed(overdue_needs)}",
            f"吹哨督办未报到 {len(supervised)} 件：{_listed(supervised)}",
            f"待认领交办单 {unclaimed} 件",
        ],
        "#/dashboard",
    )
