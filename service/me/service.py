"""我的待办 (My to-do): what waits for the signed-in user's action, per role.

=============  ==============================================================
role           sections (each sorted most urgent first)
=============  ==============================================================
unit           吹哨待报到 whistles summoning it, not reported yet ·
               已逾期 its orders past their due date · 督办 its supervised orders ·
               重办 its orders reopened after a dissatisfied follow-up ·
               待办结 its other orders in hand (each order in the first of these) ·
               待接单 open orders it is suited for (a resource of a kind the
               suitability table rates above 0 for the order's category) ·
               近期活动 the activities it is assigned to from today on
community      待回访 its resolved orders awaiting the follow-up call ·
               已逾期 its orders past due · 待认领 its open orders (oldest first) ·
               吹哨逾期 its whistles with units that missed the deadline
committee      已逾期 every order past due · 待审批延期 extension requests to decide ·
               退单待重派 orders a unit returned, open again · 待派单 the other open orders ·
               吹哨逾期 whistles with overdue units · 待回访 resolved orders
               awaiting follow-up
viewer         nothing to act on (read-only role): no sections
=============  ==============================================================

A unit also downloads its own calendar (:func:`unit_calendar`, the activities it
is assigned to and the due dates of the orders it holds) and task list
(:func:`unit_tasks_xlsx`). Every function reads the store; none writes.

Length: ~530 lines, because every role's to-do sections are built here over one
context (names, dates, scope), and the downloads reuse it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from gongjian.core.cells import put
from gongjian.core.clock import now_utc, quarter_of
from gongjian.core.clock import today as clock_today
from gongjian.core.errors import InvalidInputError, NotFoundError
from gongjian.graph.model import (
    Activity,
    Community,
    Need,
    NeedStatus,
    Resource,
    SuitabilityTable,
    Unit,
)
from gongjian.graph.store import GraphStore
from gongjian.graph.suitability import stored_suitability
from gongjian.graph.whistle import whistle_state
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.me.schemas import Todo, TodoItem, TodoSection
from gongjian.service.needs.privacy import masked_for, present_need
from gongjian.service.plans.exports import ics_escape, ics_fold
from gongjian.service.scope import unscoped

__all__ = ["suitability_table", "todo", "unit_calendar", "unit_tasks_xlsx"]

_IN_HAND = (NeedStatus.claimed, NeedStatus.in_progress)

#: action → Chinese label shown on the to-do page
ACTIONS_ZH = {
    "report": "报到",
    "resolve": "办理并办结",
    "claim": "接单",
    "attend": "参加活动",
    "follow_up": "回访",
    "wait_claim": "督促认领",
    "dispatch": "派单",
    "urge": "督办",
    "decide_extension": "审批延期",
    "redispatch": "重新派单",
    "redo": "重新办理",
}


class _Context:
    """Names and the day, read once per request. ``store`` is the whole store (a unit's
    own orders and activities may lie across a border), ``scoped`` the caller's
    sub-district (:data:`gongjian.service.scope.ScopedReads`): what a committee or
    community lists, and the open orders a unit is offered."""

    def __init__(self, store: GraphStore, today: dt.date, user: User | None = None) -> None:
        self.scoped = store
        self.store = store = unscoped(store)
        self.today = today
        self.user = user
        self.communities = {c.id: c.name for c in store.list(Community, limit=None)}
        self.units = {u.id: u for u in store.list(Unit, limit=None)}

    def unit_name(self, unit_id: str | None) -> str | None:
        if unit_id is None:
            return None
        unit = self.units.get(unit_id)
        return unit.name if unit else unit_id

    def overdue_days(self, need: Need) -> int | None:
        if need.due is None or need.due >= self.today:
            return None
        return (self.today - need.due).days

    def _item(self, kind: str, entity: Need | Activity, action: str, **more: object) -> TodoItem:
        """What every item says: the entity's title and community, the next step."""
        return TodoItem(
            kind=kind,  # type: ignore[arg-type]
            id=entity.id,
            title=entity.title,
            community_id=entity.community_id,
            community_name=self.communities.get(entity.community_id, entity.community_id),
            action=action,
            action_zh=ACTIONS_ZH[action],
            **more,  # type: ignore[arg-type]
        )

    def shown(self, need: Need) -> Need:
        """``need`` as the user may read it (the complainant masked unless they may see it)."""
        return masked_for(need) if self.user is None else present_need(need, self.user)

    def need_item(self, need: Need, action: str) -> TodoItem:
        shown = self.shown(need)
        return self._item(
            "need",
            need,
            action,
            number=getattr(shown, "number", None),
            address=getattr(shown, "address", None),
            status=need.status.value,
            priority=need.priority,
            due=need.due,
            overdue_days=self.overdue_days(need),
            unit_id=need.claimed_by,
            unit_name=self.unit_name(need.claimed_by),
            link=f"#/needs/{quote(need.id, safe='')}",
        )

    def whistle_item(self, need: Need, action: str, due: dt.date | None) -> TodoItem:
        item = self.need_item(need, action)
        overdue = None if due is None or due >= self.today else (self.today - due).days
        return item.model_copy(
            update={
                "kind": "whistle",
                "due": due,
                "overdue_days": overdue,
                "link": "#/needs?view=whistles",
            }
        )

    def activity_item(self, activity: Activity) -> TodoItem:
        return self._item(
            "activity",
            activity,
            "attend",
            due=activity.date,
            link=f"#/activities?quarter={activity.quarter}",
        )


#: section key → (中文, English); the committee's names of two sections differ (below)
SECTIONS: dict[str, tuple[str, str]] = {
    "to_report": ("吹哨待报到", "Whistles to report to"),
    "overdue": ("已逾期", "Overdue"),
    "to_resolve": ("待办结", "In hand, to resolve"),
    "to_accept": ("待接单", "Open orders you can take"),
    "activities": ("近期活动", "Coming activities"),
    "to_follow_up": ("待回访", "Resolved, to follow up"),
    "unclaimed": ("待认领", "Open, not claimed yet"),
    "whistles_late": ("吹哨逾期", "Whistles with late units"),
    "supervised": ("督办", "Supervised by the committee"),
    "to_redo": ("重办", "Reopened, to do again"),
    "extensions": ("待审批延期", "Extension requests to decide"),
    "returned": ("退单待重派", "Returned by a unit, to dispatch again"),
}
COMMITTEE_SECTIONS = {"unclaimed": ("待派单", "Open, to dispatch")}


@dataclass(frozen=True)
class Page:
    """Which items of the sections to list: ``limit`` from ``offset`` of each, or of
    ``section`` only (the others left out)."""

    limit: int = 50
    offset: int = 0
    section: str | None = None


def _sections(
    groups: dict[str, Iterable[TodoItem]],
    page: Page,
    names: dict[str, tuple[str, str]] | None = None,
) -> list[TodoSection]:
    """The sections in ``groups``' order, each sorted most urgent first, one ``page``."""
    out = []
    for key, items in groups.items():
        if page.section is not None and key != page.section:
            continue
        zh, en = (names or {}).get(key, SECTIONS[key])
        ordered = _by_due(items)
        shown = ordered[page.offset : page.offset + page.limit]
        out.append(
            TodoSection(
                key=key, label=zh, label_en=en, count=len(ordered), offset=page.offset, items=shown
            )
        )
    if page.section is not None and not out:
        raise InvalidInputError(
            f"没有待办分组 '{page.section}' (no such section for this account); "
            f"可选: {', '.join(groups)}",
            [{"field": "section", "message": "unknown section"}],
        )
    return out


def _by_due(items: Iterable[TodoItem]) -> list[TodoItem]:
    """Most urgent first: the longest overdue, then the earliest due, then priority."""
    far = dt.date.max
    return sorted(items, key=lambda i: (i.due or far, -(i.priority or 0), i.id))


def _needs(store: GraphStore, **filters: object) -> list[Need]:
    return store.list(Need, filters=dict(filters), limit=None)


def _in_hand(store: GraphStore, **filters: object) -> list[Need]:
    return [n for s in _IN_HAND for n in _needs(store, status=s.value, **filters)]


def _whistle_due(need: Need) -> dt.date | None:
    st = whistle_state(need, now_utc())
    return None if st.deadline is None else st.deadline.date()


def _suited(store: GraphStore, unit: Unit, table: SuitabilityTable) -> Callable[[Need], bool]:
    """Whether ``unit`` offers, in the need's quarter, a kind suited to its category."""
    resources = store.list(Resource, filters={"unit_id": unit.id}, limit=None)

    def suited(need: Need) -> bool:
        for r in resources:
            if not r.available_in(need.quarter):
                continue
            value = table.lookup(need.category.value, r.kind.value, unit.type.value)
            if value is not None and value > 0:
                return True
        return False

    return suited


def suitability_table(store: GraphStore) -> SuitabilityTable:
    """The committee's suitability table when the store keeps one, else the shipped default."""
    return stored_suitability(store)[0]


def _unit_sections(ctx: _Context, unit_id: str, page: Page) -> list[TodoSection]:
    store = ctx.store
    unit = ctx.units.get(unit_id)
    whistles = []
    for n in _needs(store, whistle=True):
        if unit_id in n.summoned and unit_id not in n.reports and n.status != NeedStatus.cancelled:
            whistles.append(ctx.whistle_item(n, "report", _whistle_due(n)))
    mine = _in_hand(store, claimed_by=unit_id)
    # each order in hand in one section: overdue, else supervised, else reopened, else in hand
    overdue = [ctx.need_item(n, "resolve") for n in mine if ctx.overdue_days(n) is not None]
    rest = [n for n in mine if ctx.overdue_days(n) is None]
    supervised = [ctx.need_item(n, "resolve") for n in rest if n.supervised]
    redo = [ctx.need_item(n, "redo") for n in rest if not n.supervised and n.reopens]
    in_hand = [ctx.need_item(n, "resolve") for n in rest if not n.supervised and not n.reopens]
    accept: list[TodoItem] = []
    if unit is not None:
        suited = _suited(store, unit, suitability_table(store))
        offered = _needs(ctx.scoped, status="open")
        accept = [ctx.need_item(n, "claim") for n in offered if suited(n)]
    activities = []
    for a in store.assignments(unit_id=unit_id):
        try:
            act = store.get(Activity, a.activity_id)
        except NotFoundError:
            continue
        if act.date >= ctx.today:
            activities.append(ctx.activity_item(act))
    unique_acts = {i.id: i for i in activities}.values()  # one per activity, whatever the role
    return _sections(
        {
            "to_report": whistles,
            "overdue": overdue,
            "supervised": supervised,
            "to_redo": redo,
            "to_resolve": in_hand,
            "to_accept": accept,
            "activities": unique_acts,
        },
        page,
    )


def _late_whistles(ctx: _Context, **filters: object) -> list[TodoItem]:
    out = []
    for n in _needs(ctx.scoped, whistle=True, **filters):
        st = whistle_state(n, now_utc())
        if st.overdue_units:
            item = ctx.whistle_item(n, "urge", _whistle_due(n))
            names = "、".join(ctx.unit_name(u) or u for u in st.overdue_units)
            out.append(item.model_copy(update={"unit_name": names, "unit_id": None}))
    return out


def _community_sections(ctx: _Context, community_id: str, page: Page) -> list[TodoSection]:
    store = ctx.scoped
    follow = [
        ctx.need_item(n, "follow_up")
        for n in _needs(store, community_id=community_id, status="resolved")
    ]
    overdue = [
        ctx.need_item(n, "urge")
        for n in _in_hand(store, community_id=community_id)
        if ctx.overdue_days(n) is not None
    ]
    open_ = [
        ctx.need_item(n, "wait_claim")
        for n in _needs(store, community_id=community_id, status="open")
    ]
    return _sections(
        {
            "to_follow_up": follow,
            "overdue": overdue,
            "unclaimed": open_,
            "whistles_late": _late_whistles(ctx, community_id=community_id),
        },
        page,
    )


def _committee_sections(ctx: _Context, page: Page) -> list[TodoSection]:
    store = ctx.scoped
    in_hand = _in_hand(store)
    overdue = [ctx.need_item(n, "urge") for n in in_hand if ctx.overdue_days(n) is not None]
    pending = [
        ctx.need_item(n, "decide_extension")
        for n in in_hand
        if n.extension is not None and n.extension.state == "pending"
    ]
    open_needs = _needs(store, status="open")
    returned = [ctx.need_item(n, "redispatch") for n in open_needs if n.returns]
    open_ = [ctx.need_item(n, "dispatch") for n in open_needs if not n.returns]
    follow = [ctx.need_item(n, "follow_up") for n in _needs(store, status="resolved")]
    return _sections(
        {
            "overdue": overdue,
            "extensions": pending,
            "returned": returned,
            "unclaimed": open_,
            "whistles_late": _late_whistles(ctx),
            "to_follow_up": follow,
        },
        page,
        {**COMMITTEE_SECTIONS, "to_follow_up": ("待回访", "Resolved, awaiting follow-up")},
    )


def todo(
    *,
    store: GraphStore,
    user: User,
    limit: int = 50,
    today: dt.date | None = None,
    offset: int = 0,
    section: str | None = None,
) -> Todo:
    """The to-do list of ``user`` (sections by role, see the module docstring): of each
    section its count and ``limit`` items from ``offset``; with ``section``, that one only
    (an unknown one is refused). ``store`` as the user reads it: a committee's or
    community's sections hold its sub-district's orders only, a unit's its own orders
    wherever they are and the open ones of its sub-district."""
    day = today or clock_today()
    page = Page(limit, offset, section)
    ctx = _Context(store, day, user)
    scope_id: str | None = None
    scope_name: str | None = None
    if user.role == UserRole.unit and user.unit_id:
        scope_id, scope_name = user.unit_id, ctx.unit_name(user.unit_id)
        sections = _unit_sections(ctx, user.unit_id, page)
    elif user.role == UserRole.community and user.community_id:
        scope_id = user.community_id
        scope_name = ctx.communities.get(user.community_id, user.community_id)
        sections = _community_sections(ctx, user.community_id, page)
    elif user.role == UserRole.committee:
        sections = _committee_sections(ctx, page)
    else:
        sections = []
    return Todo(
        role=user.role.value,
        scope_id=scope_id,
        scope_name=scope_name,
        today=day,
        quarter=quarter_of(day),
        total=sum(s.count for s in sections),
        sections=sections,
    )


# --------------------------------------------------------------------------- downloads


def _unit_activities(
    store: GraphStore, unit_id: str, quarter: str | None
) -> list[tuple[Activity, list[str]]]:
    """The activities ``unit_id`` is assigned to (with its role kinds), by date."""
    roles: dict[str, list[str]] = {}
    for a in store.assignments(unit_id=unit_id):
        roles.setdefault(a.activity_id, []).append(a.role.label_zh)
    out = []
    for activity_id, kinds in roles.items():
        try:
            act = store.get(Activity, activity_id)
        except NotFoundError:
            continue
        if quarter is None or act.quarter == quarter:
            out.append((act, sorted(set(kinds))))
    return sorted(out, key=lambda x: (x[0].date, x[0].id))


def unit_calendar(*, store: GraphStore, unit_id: str, quarter: str | None = None) -> bytes:
    """The unit's calendar (iCalendar): its activities, and the due dates of its orders."""
    ctx = _Context(store, clock_today())
    stamp = now_utc().strftime("%Y%m%dT%H%M%SZ")
    name = ctx.unit_name(unit_id) or unit_id
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//gongjian//共建日程//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(f'{name} 共建日程')}",
    ]

    def event(uid: str, day: dt.date, summary: str, location: str, description: str) -> None:
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{uid}@gongjian",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{ics_escape(summary)}",
                f"LOCATION:{ics_escape(location)}",
                f"DESCRIPTION:{ics_escape(description)}",
                "END:VEVENT",
            ]
        )

    for act, kinds in _unit_activities(store, unit_id, quarter):
        where = ctx.communities.get(act.community_id, act.community_id)
        event(
            f"activity-{act.id}-{unit_id}",
            act.date,
            f"共建活动：{act.title}",
            where,
            f"社区：{where}\n本单位角色：{'、'.join(kinds)}\n季度：{act.quarter}",
        )
    for n in _in_hand(store, claimed_by=unit_id):
        if n.due is None or (quarter is not None and n.quarter != quarter):
            continue
        where = ctx.communities.get(n.community_id, n.community_id)
        event(
            f"need-{n.id}-due",
            n.due,
            f"交办单截止：{n.title}",
            where,
            f"状态：{n.status.label_zh}\n社区：{where}\n编号：{n.id}",
        )
    lines.append("END:VCALENDAR")
    return b"".join(ics_fold(line) for line in lines)


#: the order's fields of the task list's last four columns (交办单号, 地址, 诉求人, 联系电话)
_TASK_NEED_FIELDS = ("number", "address", "complainant_name", "complainant_phone")
TASK_HEADERS = [
    "类型",
    "编号",
    "事项",
    "社区",
    "日期/截止",
    "状态",
    "本单位角色",
    "优先级",
    "交办单号",
    "地址",
    "诉求人",
    "联系电话",
]


def unit_tasks_xlsx(*, store: GraphStore, unit_id: str, quarter: str | None = None) -> bytes:
    """The unit's task list as xlsx: its orders in hand and its activities, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ctx = _Context(store, clock_today())
    rows: list[list[object]] = []
    for n in sorted(
        _in_hand(store, claimed_by=unit_id), key=lambda n: (n.due or dt.date.max, n.id)
    ):
        if quarter is not None and n.quarter != quarter:
            continue
        where = ctx.communities.get(n.community_id, n.community_id)
        # a unit's own list: the complainant as a unit may see it (masked)
        m = masked_for(n)
        person = [getattr(m, f, None) for f in _TASK_NEED_FIELDS]
        rows.append(
            ["交办单", n.id, n.title, where, n.due, n.status.label_zh, "", n.priority, *person]
        )
    for act, kinds in _unit_activities(store, unit_id, quarter):
        where = ctx.communities.get(act.community_id, act.community_id)
        rows.append(["活动", act.id, act.title, where, act.date, "已安排", "、".join(kinds), None])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "任务清单"
    for c, head in enumerate(TASK_HEADERS, start=1):
        put(ws, 1, c, head).font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = put(ws, r, c, value)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    widths = (8, 14, 40, 14, 12, 10, 16, 8, 16, 24, 10, 14)
    for letter, width in zip("ABCDEFGHIJKL", widths, strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
