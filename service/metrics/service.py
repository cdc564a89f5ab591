"""Metrics (指标) over data read from the store: pure functions over lists of models.

Nothing here touches a store or FastAPI; :mod:`gongjian.service.metrics.views`
reads the lists and passes them in. The rates and rankings live in
:mod:`gongjian.service.metrics.rates`, load fairness in
:mod:`gongjian.service.metrics.fairness`; this module defines party-member points,
overdue whistles and the summary, and re-exports every name.

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
      in Asia/Shanghai (``resolved_at < due + 1 day, 00:00 +08:00``). ``resolved_at``
      is the time the 办结 step was taken; an approved extension (延期) has moved
      ``due``, so the extended date is the one that counts; a reopened order (重办)
      has no ``resolved_at`` until it is resolved again.
    * **satisfaction rate** (满意率) = satisfied / rated, where *rated* are the
      claimed needs now ``followed_up`` with a recorded satisfaction and
      *satisfied* those with satisfaction ≥ 4; **mean satisfaction** (平均满意度)
      is the mean over the same *rated* needs (``None`` when there are none).

Desk counts (issue 13), per group: **returns** (退单), approved **extensions** (延期),
**reopens** (重办) and **supervisions** (督办). A community's (and a quarter's) are the
sums of its needs' counters; a unit's are the timeline steps that name it (the unit that
returned the order, whose extension was approved, whose order was reopened or
supervised), whoever holds the order now.

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

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from gongjian.core.clock import SHANGHAI
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

__all__ = [
    "DESK_ACTIONS",
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
    "desk_counts",
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
from gongjian.service.metrics.fairness import (
    ROLE_EFFORT,
    Fairness,
    FairnessFigures,
    UnitLoad,
    fairness,
    gini,
    unit_loads,
)
from gongjian.service.metrics.rates import (
    DESK_ACTIONS,
    HELD_STATUSES,
    GroupRates,
    RankBy,
    Rate,
    community_rates,
    desk_counts,
    due_deadline,
    group_rates,
    in_quarter,
    is_on_time,
    quarter_rates,
    rank_groups,
    rate,
    unit_rates,
    was_claimed,
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
    chosen = in_quarter(needs, quarter)
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
        need_coverage=rate(sum(1 for n in live if n.status in HELD_STATUSES), len(live)),
        fairness=figures,
        overdue_whistles=len(late),
        overdue=late,
        units=len(units),
        communities=len(communities),
        activities=len(acts),
        party_members=len(members),
        member_points=sum(m.points for m in members),
    )
