"""Metrics (指标) over data read from the store: pure functions over lists of models.

Nothing here touches a store or FastAPI; :mod:`gongjian.service.metrics.views`
reads the lists and passes them in.

Rates of a group of needs (a unit, a community, a quarter)
    Every rate is returned as ``numerator / denominator`` with its ``value``;
    a 0/0 rate has ``value`` ``None`` (JSON ``null``), never 0 or NaN.

    * **cases** (件数): the group's needs, every status included (open and
      cancelled ones too). A community's are the needs raised in it, a
      quarter's the needs of that quarter, a unit's the needs it claimed plus
      the whistled needs it was summoned to (吹哨召集).
    * **response rate** (响应率) = responded / cases. For communities and
      quarters a need is *responded* when it was ever claimed: it left ``open``
      other than by being cancelled while open (``claimed_by`` or
      ``claimed_at`` is set, so a need cancelled after its claim still counts).
      For a unit, a case is responded when the unit claimed it or reported
      (报到) to the whistle it was summoned to.
    * **resolution rate** (办结率) = resolved / claimed, where *claimed* are the
      group's ever-claimed needs (for a unit: claimed by that unit) and
      *resolved* those of them now ``resolved`` or ``followed_up``.
    * **on-time rate** (按期办结率) = on time / judged, where *judged* are the
      resolved needs (as above) with both a ``due`` date and a ``resolved_at``
      time, and *on time* those resolved no later than the end of the due day
      in Asia/Shanghai (``resolved_at < due + 1 day, 00:00 +08:00``).
    * **satisfaction rate** (满意率) = satisfied / rated, where *rated* are the
      claimed needs now ``followed_up`` with a recorded satisfaction and
      *satisfied* those with satisfaction ≥ 4; **mean satisfaction** (平均满意度)
      is the mean over the same *rated* needs (``None`` when there are none).

Rankings (排名) are only over groups with at least ``min_cases`` cases and a
defined value of the ranking rate; the others are listed after them, unranked.

Load fairness (负荷均衡), per unit and quarter
    load = effort of the needs of the quarter the unit holds (claimed by it,
    status claimed, in progress, resolved or followed up — not cancelled) +
    ``role_effort`` per activity of the quarter the unit is assigned to (each
    (unit, activity) pair once, whatever the plan or role). ``role_effort``
    is :data:`ROLE_EFFORT`, the planner's default (``compile_snapshot``'s
    ``role_effort``). load ratio = load / capacity (``None`` for a unit with no
    capacity).
"""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from gongjian.core.clock import SHANGHAI, day_end, stored_utc
from gongjian.graph.model import (
    Activity,
    Assignment,
    Community,
    Need,
    NeedStatus,
    PartyMember,
    Unit,
)
from gongjian.graph.whistle import whistle_state
from gongjian.matching.compile import compile_snapshot

__all__ = [
    "ROLE_EFFORT",
    "SHANGHAI",
    "Fairness",
    "FairnessFigures",
    "GroupRates",
    "MemberPoints",
    "MemberRank",
    "OverdueWhistle",
    "PointsTotal",
    "RankBy",
    "Rate",
    "Summary",
    "UnitLoad",
    "community_rates",
    "due_deadline",
    "fairness",
    "gini",
    "group_rates",
    "is_on_time",
    "member_points",
    "overdue_whistles",
    "quarter_rates",
    "rank_groups",
    "rate",
    "summary",
    "unit_loads",
    "unit_rates",
    "was_claimed",
]


#: effort of one activity role assignment: the planner's default
ROLE_EFFORT: int = inspect.signature(compile_snapshot).parameters["role_effort"].default

_RESOLVED = frozenset({NeedStatus.resolved, NeedStatus.followed_up})
_HELD = frozenset(
    {NeedStatus.claimed, NeedStatus.in_progress, NeedStatus.resolved, NeedStatus.followed_up}
)


# --------------------------------------------------------------------------- rates


class Rate(BaseModel):
    """``numerator / denominator``; ``value`` is ``None`` when the denominator is 0."""

    numerator: int
    denominator: int
    value: float | None


def rate(numerator: int, denominator: int) -> Rate:
    """A rate with its parts; 0/0 is ``None``.

    Complexity: O(1).

    >>> rate(3, 4).value
    0.75
    >>> rate(0, 0).value is None
    True
    """
    value = numerator / denominator if denominator else None
    return Rate(numerator=numerator, denominator=denominator, value=value)


#: the end of the due day in Asia/Shanghai (the one clock's ``day_end``)
due_deadline = day_end


def is_on_time(resolved_at: datetime, due: date) -> bool:
    """Whether a need resolved at ``resolved_at`` met its due day (Asia/Shanghai).

    Complexity: O(1).

    >>> from datetime import UTC
    >>> is_on_time(datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC), date(2026, 3, 31))
    True
    >>> is_on_time(datetime(2026, 3, 31, 16, 0, 0, tzinfo=UTC), date(2026, 3, 31))
    False
    """
    return stored_utc(resolved_at) < day_end(due)


def was_claimed(need: Need) -> bool:
    """Whether a need ever left ``open`` other than by being cancelled while open.

    Complexity: O(1).

    >>> n = Need(id="n1", title="修路", category="repair", community_id="c1",
    ...          quarter="2026Q1", status="cancelled")
    >>> was_claimed(n), was_claimed(n.model_copy(update={"claimed_by": "u1"}))
    (False, True)
    """
    return need.claimed_by is not None or need.claimed_at is not None


class GroupRates(BaseModel):
    """The rates of one group (a unit, a community or a quarter); see the module docstring."""

    id: str
    name: str
    cases: int = Field(description="件数")
    response_rate: Rate = Field(description="响应率 responded / cases")
    resolution_rate: Rate = Field(description="办结率 resolved or followed up / claimed")
    on_time_rate: Rate = Field(description="按期办结率 on time / resolved with due and time")
    satisfaction_rate: Rate = Field(description="满意率 satisfaction ≥ 4 / rated follow-ups")
    mean_satisfaction: float | None = Field(description="平均满意度 over rated follow-ups")
    rank: int | None = None
    ranked: bool = False


def group_rates(
    group_id: str, name: str, needs: Iterable[Need], *, unit_id: str | None = None
) -> GroupRates:
    """The rates of one group of needs (definitions in the module docstring).

    Parameters
    ----------
    group_id, name : str
        What the group is called.
    needs : iterable of Need
        The group's cases. For a unit group pass its claimed and summoned needs.
    unit_id : str, optional
        When the group is a unit: *responded* means claimed by it or reported by
        it, *claimed* means claimed by it.

    Complexity: O(N).

    >>> def need(i, **kw):
    ...     return Need(id=f"n{i}", title="修路", category="repair", community_id="c1",
    ...                 quarter="2026Q1", **kw)
    >>> g = group_rates("c1", "一", [need(1), need(2, status="cancelled"),
    ...     need(3, status="followed_up", claimed_by="u1", satisfaction=5),
    ...     need(4, status="in_progress", claimed_by="u1")])
    >>> g.cases, g.response_rate.value, g.resolution_rate.value, g.satisfaction_rate.value
    (4, 0.5, 0.5, 1.0)
    >>> g.on_time_rate.value is None
    True
    """
    cases = responded = claimed = resolved = judged = on_time = rated = satisfied = 0
    score = 0
    for n in needs:
        cases += 1
        mine = was_claimed(n) if unit_id is None else n.claimed_by == unit_id
        if mine or (unit_id is not None and unit_id in n.reports):
            responded += 1
        if not mine:
            continue
        claimed += 1
        if n.status in _RESOLVED:
            resolved += 1
            if n.due is not None and n.resolved_at is not None:
                judged += 1
                on_time += is_on_time(n.resolved_at, n.due)
        if n.status == NeedStatus.followed_up and n.satisfaction is not None:
            rated += 1
            satisfied += n.satisfaction >= 4
            score += n.satisfaction
    return GroupRates(
        id=group_id,
        name=name,
        cases=cases,
        response_rate=rate(responded, cases),
        resolution_rate=rate(resolved, claimed),
        on_time_rate=rate(on_time, judged),
        satisfaction_rate=rate(satisfied, rated),
        mean_satisfaction=score / rated if rated else None,
    )


def _in_quarter(needs: Iterable[Need], quarter: str | None) -> list[Need]:
    return [n for n in needs if quarter is None or n.quarter == quarter]


def unit_rates(
    units: Sequence[Unit], needs: Iterable[Need], *, quarter: str | None = None
) -> list[GroupRates]:
    """The rates of every unit (cases: needs it claimed or was summoned to), by unit id.

    Complexity: O(U + N·s) where s is the number of units summoned per need.

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1")]
    >>> n = Need(id="n1", title="反诈", category="anti_fraud", community_id="c1",
    ...          quarter="2026Q1", whistle=True, summoned=["u1"])
    >>> unit_rates(us, [n])[0].response_rate
    Rate(numerator=0, denominator=1, value=0.0)
    """
    cases: dict[str, list[Need]] = defaultdict(list)
    for n in _in_quarter(needs, quarter):
        involved = set(n.summoned)
        if n.claimed_by is not None:
            involved.add(n.claimed_by)
        for u in involved:
            cases[u].append(n)
    return [
        group_rates(u.id, u.name, cases.get(u.id, []), unit_id=u.id)
        for u in sorted(units, key=lambda u: u.id)
    ]


def community_rates(
    communities: Sequence[Community], needs: Iterable[Need], *, quarter: str | None = None
) -> list[GroupRates]:
    """The rates of every community (cases: needs raised in it), by community id.

    Complexity: O(C + N).

    >>> community_rates([Community(id="c1", name="一")], [])[0].response_rate.value is None
    True
    """
    cases: dict[str, list[Need]] = defaultdict(list)
    for n in _in_quarter(needs, quarter):
        cases[n.community_id].append(n)
    return [
        group_rates(c.id, c.name, cases.get(c.id, []))
        for c in sorted(communities, key=lambda c: c.id)
    ]


def quarter_rates(needs: Iterable[Need]) -> list[GroupRates]:
    """The rates of every quarter that has needs, in time order.

    Complexity: O(N + Q log Q).

    >>> n = Need(id="n1", title="修路", category="repair", community_id="c1", quarter="2026Q2")
    >>> [(g.id, g.cases) for g in quarter_rates([n])]
    [('2026Q2', 1)]
    """
    cases: dict[str, list[Need]] = defaultdict(list)
    for n in needs:
        cases[n.quarter].append(n)
    return [group_rates(q, q, cases[q]) for q in sorted(cases)]


class RankBy(StrEnum):
    """The rate a ranking orders by (descending)."""

    response_rate = "response_rate"
    resolution_rate = "resolution_rate"
    on_time_rate = "on_time_rate"
    satisfaction_rate = "satisfaction_rate"
    mean_satisfaction = "mean_satisfaction"


def _value(group: GroupRates, by: RankBy) -> float | None:
    if by == RankBy.mean_satisfaction:
        return group.mean_satisfaction
    return getattr(group, by.value).value


def rank_groups(
    groups: Iterable[GroupRates], *, min_cases: int = 5, by: RankBy = RankBy.resolution_rate
) -> list[GroupRates]:
    """Rank groups by a rate; only groups with ``cases ≥ min_cases`` and a defined rate.

    Ranked groups come first, ordered by the rate (descending), then by cases
    (descending), then by id; their ``rank`` is the competition rank of the
    rate (equal rates share a rank: 1, 1, 3). The other groups follow by id
    with ``rank`` ``None`` and ``ranked`` false.

    Complexity: O(G log G).

    >>> def g(i, cases, resolved):
    ...     return GroupRates(id=i, name=i, cases=cases, response_rate=rate(cases, cases),
    ...         resolution_rate=rate(resolved, cases), on_time_rate=rate(0, 0),
    ...         satisfaction_rate=rate(0, 0), mean_satisfaction=None)
    >>> out = rank_groups([g("a", 5, 4), g("b", 2, 2), g("c", 10, 8), g("d", 6, 6)])
    >>> [(x.id, x.rank) for x in out]
    [('d', 1), ('c', 2), ('a', 2), ('b', None)]
    """
    ranked, unranked = [], []
    for group in groups:
        value = _value(group, by)
        if group.cases >= min_cases and value is not None:
            ranked.append((value, group))
        else:
            unranked.append(group)
    ranked.sort(key=lambda vg: (-vg[0], -vg[1].cases, vg[1].id))
    out = []
    rank = 0
    previous: float | None = None
    for position, (value, group) in enumerate(ranked, start=1):
        if value != previous:
            rank, previous = position, value
        out.append(group.model_copy(update={"rank": rank, "ranked": True}))
    out.extend(
        g.model_copy(update={"rank": None, "ranked": False})
        for g in sorted(unranked, key=lambda g: g.id)
    )
    return out


# --------------------------------------------------------------------------- load fairness


class UnitLoad(BaseModel):
    """A unit's load in a quarter against its capacity."""

    unit_id: str
    name: str
    capacity: int
    needs: int = Field(description="承接的交办单数")
    need_effort: int
    activities: int = Field(description="参与的活动数")
    activity_effort: int
    load: int = Field(description="负荷 need_effort + activity_effort")
    ratio: float | None = Field(description="负荷率 load / capacity (None: no capacity)")


def unit_loads(
    units: Sequence[Unit],
    needs: Iterable[Need],
    activities: Iterable[Activity],
    assignments: Iterable[Assignment],
    *,
    quarter: str,
    role_effort: int = ROLE_EFFORT,
) -> list[UnitLoad]:
    """Every unit's load in ``quarter`` (definition in the module docstring), by unit id.

    Complexity: O(U + N + A + S) for S assignments.

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1", capacity=10)]
    >>> ns = [Need(id="n1", title="反诈", category="anti_fraud", community_id="c1",
    ...            quarter="2026Q1", effort=3, status="claimed", claimed_by="u1")]
    >>> acts = [Activity(id="a1", title="义诊", joint_type="joint_services",
    ...     quarter="2026Q1", date="2026-01-05", community_id="c1",
    ...     roles=[{"kind": "medical"}])]
    >>> asg = [Assignment(activity_id="a1", unit_id="u1", role="medical", plan_id=p)
    ...        for p in ("p1", "p2")]
    >>> load = unit_loads(us, ns, acts, asg, quarter="2026Q1")[0]
    >>> load.load, load.ratio
    (5, 0.5)
    """
    need_effort: Counter[str] = Counter()
    need_count: Counter[str] = Counter()
    for n in needs:
        if n.quarter == quarter and n.claimed_by is not None and n.status in _HELD:
            need_effort[n.claimed_by] += n.effort
            need_count[n.claimed_by] += 1
    in_quarter = {a.id for a in activities if a.quarter == quarter}
    pairs = {(s.unit_id, s.activity_id) for s in assignments if s.activity_id in in_quarter}
    activity_count = Counter(u for u, _ in pairs)
    out = []
    for u in sorted(units, key=lambda u: u.id):
        effort = role_effort * activity_count[u.id]
        load = need_effort[u.id] + effort
        out.append(
            UnitLoad(
                unit_id=u.id,
                name=u.name,
                capacity=u.capacity,
                needs=need_count[u.id],
                need_effort=need_effort[u.id],
                activities=activity_count[u.id],
                activity_effort=effort,
                load=load,
                ratio=load / u.capacity if u.capacity else None,
            )
        )
    return out


def gini(values: Sequence[float]) -> float | None:
    """The Gini coefficient of non-negative values.

    ``G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``, computed from the sorted values as
    ``Σᵢ (2i − n − 1) x₍ᵢ₎ / (n Σ x)`` (i = 1..n). 0 when all values are equal
    (all zero included), approaching 1 when one value holds everything;
    ``None`` for no values.

    Complexity: O(n log n).

    >>> gini([1, 1, 1]), gini([0, 0]), gini([0, 0, 0, 1]), gini([])
    (0.0, 0.0, 0.75, None)
    """
    if not values:
        return None
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if total <= 0:
        return 0.0
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


class FairnessFigures(BaseModel):
    """The headline figures of load fairness (负荷均衡)."""

    quarter: str
    role_effort: int
    units: int = Field(description="单位数")
    max_load_ratio: float | None = Field(description="最大负荷率 (units with capacity)")
    max_load_units: list[str] = Field(description="负荷率最高的单位")
    gini: float | None = Field(description="负荷率基尼系数 Gini of load ratios")
    idle_units: int = Field(description="闲置单位数: capacity > 0 and load 0")
    overloaded_units: int = Field(description="超负荷单位数: load > capacity")
    total_load: int
    total_capacity: int


class Fairness(FairnessFigures):
    """Load fairness with every unit's load."""

    loads: list[UnitLoad]


def fairness(
    quarter: str, loads: Sequence[UnitLoad], *, role_effort: int = ROLE_EFFORT
) -> Fairness:
    """Max load ratio, Gini of load ratios, idle and overloaded units.

    Units without capacity have no ratio and take no part in the max or the
    Gini; a unit without capacity but with load counts as overloaded.

    Complexity: O(U log U).

    >>> def ld(i, load, cap):
    ...     return UnitLoad(unit_id=i, name=i, capacity=cap, needs=0, need_effort=load,
    ...         activities=0, activity_effort=0, load=load, ratio=load / cap if cap else None)
    >>> f = fairness("2026Q1", [ld("a", 0, 10), ld("b", 5, 10), ld("c", 3, 0)])
    >>> f.max_load_ratio, f.max_load_units, f.gini, f.idle_units, f.overloaded_units
    (0.5, ['b'], 0.5, 1, 1)
    """
    ratios = [x.ratio for x in loads if x.ratio is not None]
    top = max(ratios) if ratios else None
    return Fairness(
        quarter=quarter,
        role_effort=role_effort,
        units=len(loads),
        max_load_ratio=top,
        max_load_units=sorted(x.unit_id for x in loads if top is not None and x.ratio == top),
        gini=gini(ratios),
        idle_units=sum(1 for x in loads if x.capacity > 0 and x.load == 0),
        overloaded_units=sum(1 for x in loads if x.load > x.capacity),
        total_load=sum(x.load for x in loads),
        total_capacity=sum(x.capacity for x in loads),
        loads=list(loads),
    )


# --------------------------------------------------------------------------- party members


class MemberRank(BaseModel):
    """An in-service party member (在职党员) with points and rank."""

    rank: int
    id: str
    name: str
    points: int
    unit_id: str
    unit_name: str
    community_id: str
    community_name: str


class PointsTotal(BaseModel):
    """Members and points of one community or unit."""

    id: str
    name: str
    members: int
    points: int


class MemberPoints(BaseModel):
    """Members ranked by points, with totals per community and unit."""

    total_members: int
    total_points: int
    items: list[MemberRank]
    communities: list[PointsTotal]
    units: list[PointsTotal]


def _totals(
    members: Sequence[PartyMember], key: Callable[[PartyMember], str], names: dict[str, str]
) -> list[PointsTotal]:
    count: Counter[str] = Counter()
    points: Counter[str] = Counter()
    for m in members:
        count[key(m)] += 1
        points[key(m)] += m.points
    rows = [
        PointsTotal(id=k, name=names.get(k, k), members=count[k], points=points[k]) for k in count
    ]
    return sorted(rows, key=lambda r: (-r.points, r.id))


def member_points(
    members: Iterable[PartyMember],
    units: Sequence[Unit],
    communities: Sequence[Community],
    *,
    community_id: str | None = None,
    unit_id: str | None = None,
    limit: int | None = None,
) -> MemberPoints:
    """Members (optionally of one community and/or unit) ranked by points, with totals.

    Members are ordered by points (descending) then id; ``rank`` is the
    competition rank of the points (equal points share a rank). ``limit`` cuts
    the ranked list only; the totals (overall, per community of registration,
    per unit of work, each by points descending) cover every selected member.

    Complexity: O(M log M).

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1")]
    >>> cs = [Community(id="c1", name="一")]
    >>> ms = [PartyMember(id=f"m{i}", name="党员", unit_id="u1", community_id="c1", points=p)
    ...       for i, p in enumerate([10, 30, 10])]
    >>> out = member_points(ms, us, cs, limit=2)
    >>> [(m.rank, m.id) for m in out.items], out.total_points, out.units[0].members
    ([(1, 'm1'), (2, 'm0')], 50, 3)
    """
    chosen = [
        m
        for m in members
        if (community_id is None or m.community_id == community_id)
        and (unit_id is None or m.unit_id == unit_id)
    ]
    chosen.sort(key=lambda m: (-m.points, m.id))
    unit_names = {u.id: u.name for u in units}
    community_names = {c.id: c.name for c in communities}
    items = []
    rank = 0
    previous: int | None = None
    for position, m in enumerate(chosen, start=1):
        if m.points != previous:
            rank, previous = position, m.points
        if limit is not None and position > limit:
            break
        items.append(
            MemberRank(
                rank=rank,
                id=m.id,
                name=m.name,
                points=m.points,
                unit_id=m.unit_id,
                unit_name=unit_names.get(m.unit_id, m.unit_id),
                community_id=m.community_id,
                community_name=community_names.get(m.community_id, m.community_id),
            )
        )
    return MemberPoints(
        total_members=len(chosen),
        total_points=sum(m.points for m in chosen),
        items=items,
        communities=_totals(chosen, lambda m: m.community_id, community_names),
        units=_totals(chosen, lambda m: m.unit_id, unit_names),
    )


# --------------------------------------------------------------------------- whistles, summary


class OverdueWhistle(BaseModel):
    """A whistled need (吹哨) with summoned units that did not report by the deadline."""

    need_id: str
    title: str
    community_id: str
    deadline: datetime
    late_units: list[str] = Field(description="逾期未报到的单位")


def overdue_whistles(needs: Iterable[Need], now: datetime) -> list[OverdueWhistle]:
    """Whistled needs with a summoned unit that has not reported by the deadline.

    The rule is :func:`gongjian.graph.whistle.whistle_state`'s, the whistle list's
    own: a summoned unit is late when it reported after ``whistle_deadline``, or
    has not reported and the deadline has passed (``now > deadline``). Cancelled
    needs and needs without a deadline are left out. A naive stored deadline or
    report time is Beijing time, a naive ``now`` UTC; deadlines are given in UTC.
    Sorted by deadline, then need id.

    Complexity: O(N·s) for s summoned units per need.

    >>> from datetime import UTC
    >>> n = Need(id="n1", title="消防隐患", category="fire_safety", community_id="c1",
    ...          quarter="2026Q4", whistle=True, summoned=["u1", "u2", "u3"],
    ...          whistle_deadline=datetime(2026, 11, 1, tzinfo=UTC),
    ...          reports={"u1": datetime(2026, 10, 31, tzinfo=UTC),
    ...                   "u2": datetime(2026, 11, 2, tzinfo=UTC)})
    >>> [w.late_units for w in overdue_whistles([n], datetime(2026, 11, 5, tzinfo=UTC))]
    [['u2', 'u3']]
    >>> [w.late_units for w in overdue_whistles([n], datetime(2026, 10, 31, tzinfo=UTC))]
    [['u2']]
    """
    out = []
    for n in needs:
        if not n.whistle:
            continue
        state = whistle_state(n, now)
        late = state.late_units
        if late and state.deadline is not None:
            out.append(
                OverdueWhistle(
                    need_id=n.id,
                    title=n.title,
                    community_id=n.community_id,
                    deadline=state.deadline,
                    late_units=late,
                )
            )
    return sorted(out, key=lambda w: (w.deadline, w.need_id))


class Summary(BaseModel):
    """The headline figures of the dashboard (看板)."""

    quarter: str | None
    needs: int = Field(description="交办单数")
    by_status: dict[str, int]
    rates: GroupRates = Field(description="总体响应率、办结率、按期率、满意率")
    need_coverage: Rate = Field(
        description="需求覆盖率 claimed, in progress, resolved or followed up / not cancelled"
    )
    fairness: FairnessFigures | None = Field(description="负荷均衡 (only with a quarter)")
    overdue_whistles: int = Field(description="吹哨逾期未报到的交办单数")
    overdue: list[OverdueWhistle]
    units: int
    communities: int
    activities: int
    party_members: int
    member_points: int


def summary(
    *,
    quarter: str | None,
    units: Sequence[Unit],
    communities: Sequence[Community],
    needs: Sequence[Need],
    activities: Sequence[Activity],
    assignments: Sequence[Assignment],
    members: Sequence[PartyMember],
    now: datetime,
) -> Summary:
    """The dashboard's headline figures, of one quarter or (``quarter`` None) of all.

    ``needs``, ``activities`` and the whistles are those of the quarter when one
    is given; units, communities and members are counted whatever the quarter.
    Need coverage = needs now claimed, in progress, resolved or followed up /
    needs not cancelled. Fairness is only computed for a quarter.

    Complexity: O(U + C + N + A + S + M + U log U).

    >>> from datetime import UTC
    >>> n = Need(id="n1", title="修路", category="repair", community_id="c1", quarter="2026Q1")
    >>> s = summary(quarter="2026Q1", units=[], communities=[], needs=[n], activities=[],
    ...             assignments=[], members=[], now=datetime(2026, 1, 1, tzinfo=UTC))
    >>> s.need_coverage.value, s.rates.resolution_rate.value, s.fairness.gini
    (0.0, None, None)
    """
    chosen = _in_quarter(needs, quarter)
    acts = [a for a in activities if quarter is None or a.quarter == quarter]
    status = Counter(n.status.value for n in chosen)
    figures = None
    if quarter is not None:
        loads = unit_loads(units, chosen, acts, assignments, quarter=quarter)
        full = fairness(quarter, loads)
        figures = FairnessFigures(**full.model_dump(exclude={"loads"}))
    late = overdue_whistles(chosen, now)
    live = [n for n in chosen if n.status != NeedStatus.cancelled]
    return Summary(
        quarter=quarter,
        needs=len(chosen),
        by_status={s.value: status.get(s.value, 0) for s in NeedStatus},
        rates=group_rates(quarter or "all", quarter or "全部 (all)", chosen),
        need_coverage=rate(sum(1 for n in live if n.status in _HELD), len(live)),
        fairness=figures,
        overdue_whistles=len(late),
        overdue=late,
        units=len(units),
        communities=len(communities),
        activities=len(acts),
        party_members=len(members),
        member_points=sum(m.points for m in members),
    )
