"""Rates of groups of needs (响应率、办结率、按期办结率、满意率) and rankings by them.

Definitions in :mod:`gongjian.service.metrics.service`, which re-exports every name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from gongjian.core.clock import day_end, stored_utc
from gongjian.graph.desk import NeedStep
from gongjian.graph.model import Community, Need, NeedStatus, Unit
from gongjian.graph.vocab import NeedAction

__all__ = [
    "DESK_ACTIONS",
    "HELD_STATUSES",
    "RESOLVED_STATUSES",
    "GroupRates",
    "RankBy",
    "Rate",
    "community_rates",
    "desk_counts",
    "due_deadline",
    "group_rates",
    "in_quarter",
    "is_on_time",
    "quarter_rates",
    "rank_groups",
    "rate",
    "unit_rates",
    "was_claimed",
]

#: statuses of a resolved need
RESOLVED_STATUSES = frozenset({NeedStatus.resolved, NeedStatus.followed_up})
#: statuses of a need a unit holds (claimed, not cancelled)
HELD_STATUSES = frozenset(
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
    returns: int = Field(default=0, description="退单次数")
    extensions: int = Field(default=0, description="批准延期次数")
    reopens: int = Field(default=0, description="重办次数")
    supervisions: int = Field(default=0, description="督办次数")
    rank: int | None = None
    ranked: bool = False


#: the timeline steps a unit's desk counts are made of, and the count each feeds
DESK_ACTIONS: dict[NeedAction, str] = {
    NeedAction.returned: "returns",
    NeedAction.extension_approved: "extensions",
    NeedAction.reopened: "reopens",
    NeedAction.supervised: "supervisions",
}


def desk_counts(
    steps: Iterable[NeedStep], need_ids: set[str] | None = None
) -> dict[str, dict[str, int]]:
    """Per unit, its returns, approved extensions, reopens and supervisions, from the
    timeline steps naming it (of the needs ``need_ids``, all when None).

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 11, 1, tzinfo=UTC)
    >>> s = [NeedStep(need_id="n1", seq=3, at=at, action="returned", unit_id="u1"),
    ...      NeedStep(need_id="n2", seq=5, at=at, action="reopened", unit_id="u1")]
    >>> desk_counts(s)["u1"]
    {'returns': 1, 'extensions': 0, 'reopens': 1, 'supervisions': 0}
    """
    out: dict[str, dict[str, int]] = {}
    for step in steps:
        key = DESK_ACTIONS.get(step.action)
        if key is None or step.unit_id is None:
            continue
        if need_ids is not None and step.need_id not in need_ids:
            continue
        counts = out.setdefault(step.unit_id, dict.fromkeys(DESK_ACTIONS.values(), 0))
        counts[key] += 1
    return out


def group_rates(
    group_id: str,
    name: str,
    needs: Iterable[Need],
    *,
    unit_id: str | None = None,
    counts: dict[str, int] | None = None,
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
    # a community's or quarter's desk counts are its needs' counters; a unit's are given
    # (``counts``: the timeline steps naming it, see :func:`desk_counts`)
    totals = dict.fromkeys(DESK_ACTIONS.values(), 0)
    for n in needs:
        cases += 1
        for key in totals:
            totals[key] += getattr(n, key)
        mine = was_claimed(n) if unit_id is None else n.claimed_by == unit_id
        if mine or (unit_id is not None and unit_id in n.reports):
            responded += 1
        if not mine:
            continue
        claimed += 1
        if n.status in RESOLVED_STATUSES:
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
        **(totals if unit_id is None else {**totals, **(counts or dict.fromkeys(totals, 0))}),
    )


def in_quarter(needs: Iterable[Need], quarter: str | None) -> list[Need]:
    """The needs of ``quarter`` (all of them when it is None)."""
    return [n for n in needs if quarter is None or n.quarter == quarter]


def unit_rates(
    units: Sequence[Unit],
    needs: Iterable[Need],
    *,
    quarter: str | None = None,
    steps: Iterable[NeedStep] = (),
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
    chosen = in_quarter(needs, quarter)
    counts = desk_counts(steps, {n.id for n in chosen})
    for n in chosen:
        involved = set(n.summoned)
        if n.claimed_by is not None:
            involved.add(n.claimed_by)
        for u in involved:
            cases[u].append(n)
    return [
        group_rates(u.id, u.name, cases.get(u.id, []), unit_id=u.id, counts=counts.get(u.id))
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
    for n in in_quarter(needs, quarter):
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
