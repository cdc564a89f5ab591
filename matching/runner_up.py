"""The runner-up of each decision (次选) and why it lost (未选原因).

For a decision ``item → unit`` of a plan, the runner-up is the best other unit the
item could have gone to: among the item's eligible candidates (the solver's
eligibility: :func:`gongjian.matching.recommend.eligible`) other than the units the
plan gives the item, the one with the highest fit score (ties: the lighter load
ratio, then the unit id). Why it lost, checked in this order:

``pinned``          the committee pinned the decision (固定分配)
``full``            taking the item would exceed its capacity, or its capacity for
                    the item's kind (满额)
``same_activity``   it already takes another role of the same activity (已在本活动)
``same_day``        it is at another activity that day (同日另有活动)
``farther`` / ``less_suitable`` / ``not_paired`` / ``less_cooperation`` /
``less_satisfied``  its fit is lower; the code names the fit part it loses most on
                    (更远, 适配度低, 非结对, 以往合作少, 以往满意度低)
``busier``          as good a fit, but its load makes the fair-load cost higher (负荷更重)
``tie``             as good in every respect the plan weighs alone; the plan as a
                    whole chose (同分，整体取舍)
``only_candidate``  no other eligible unit (无其他候选), ``unit`` is None

>>> from gongjian.matching.problem import Candidate, Decision, Need, Plan, Problem, Unit
>>> p = Problem(units=[Unit(id="u1", capacity=4), Unit(id="u2", capacity=4)], needs=[
...     Need(id="n1", candidates=[
...         Candidate(unit="u1", effort=2, score=20, parts={"suitability": 20, "distance": 0}),
...         Candidate(unit="u2", effort=2, score=14, parts={"suitability": 20, "distance": -6})])])
>>> plan = Plan(problem="p", status="optimal", assignments=[
...     Decision(item="n1", unit="u1", type="need", effort=2, score=20,
...              parts={"suitability": 20, "distance": 0})])
>>> r = runner_ups(p, plan)["n1"]
>>> (r.unit, r.reason, r.reason_zh)
('u2', 'farther', '更远')
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, Field

from gongjian.matching.labels import kind_label, part_label
from gongjian.matching.objective import fairness_penalty
from gongjian.matching.problem import Candidate, Decision, Plan, Problem, item_key
from gongjian.matching.recommend import eligible

__all__ = ["RUNNER_UP_LABELS_ZH", "RunnerUp", "runner_ups"]

RunnerUpReason = Literal[
    "pinned",
    "full",
    "same_activity",
    "same_day",
    "farther",
    "less_suitable",
    "not_paired",
    "less_cooperation",
    "less_satisfied",
    "busier",
    "tie",
    "only_candidate",
]

#: why the runner-up lost, in Chinese
RUNNER_UP_LABELS_ZH: dict[str, str] = {
    "pinned": "固定分配",
    "full": "满额",
    "same_activity": "已在本活动",
    "same_day": "同日另有活动",
    "farther": "更远",
    "less_suitable": "适配度低",
    "not_paired": "非结对",
    "less_cooperation": "以往合作少",
    "less_satisfied": "以往满意度低",
    "busier": "负荷更重",
    "tie": "同分，整体取舍",
    "only_candidate": "无其他候选",
}

#: the fit part a runner-up loses most on → the reason code
_PART_REASON: dict[str, RunnerUpReason] = {
    "distance": "farther",
    "suitability": "less_suitable",
    "kind_match": "less_suitable",
    "pairing": "not_paired",
    "cooperation": "less_cooperation",
    "satisfaction": "less_satisfied",
}


class RunnerUp(BaseModel):
    """The best other unit for a decision's item, and why the plan did not take it."""

    item: str
    unit: str | None = Field(default=None, description="None: no other eligible unit")
    unit_name: str = ""
    score: int | None = None
    parts: dict[str, int] = Field(default_factory=dict)
    distance_km: float | None = None
    reason: RunnerUpReason
    reason_zh: str
    detail: str = Field(default="", description="the figures behind the reason, in Chinese")


class _Item:
    """An item's facts the reasons need: kind, candidates, activity and its date."""

    def __init__(self, kind: str, cands: list[Candidate], activity: str | None, date: str | None):
        self.kind = kind
        self.cands = cands
        self.activity = activity
        self.date = date


def _items(problem: Problem) -> dict[str, _Item]:
    out = {n.id: _Item(n.kind, n.candidates, None, None) for n in problem.needs}
    for a in problem.activities:
        for r in a.roles:
            out[item_key(a.id, r.id)] = _Item(r.kind, r.candidates, a.id, a.date.isoformat())
    return out


class _PlanState:
    """What the plan gives each unit: load, load per kind, roles per activity, activities per date."""

    def __init__(self, problem: Problem, plan: Plan, items: dict[str, _Item]) -> None:
        self.units = {u.id: u for u in problem.units}
        self.fairness = problem.weights.fairness
        self.load: dict[str, int] = defaultdict(int)
        self.kind_load: dict[tuple[str, str], int] = defaultdict(int)
        self.taken: dict[str, set[str]] = defaultdict(set)
        self.in_activity: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.on_date: dict[tuple[str, str], set[str]] = defaultdict(set)
        for d in plan.assignments:
            it = items.get(d.item)
            self.load[d.unit] += d.effort
            self.taken[d.item].add(d.unit)
            if it is None:
                continue
            self.kind_load[(d.unit, it.kind)] += 1  # uses (次), one per assignment
            if it.activity is not None and it.date is not None:
                self.in_activity[(d.unit, it.activity)].add(d.item)
                self.on_date[(d.unit, it.date)].add(it.activity)

    def fair_cost(self, unit: str, before: int, after: int) -> int:
        cap = self.units[unit].capacity
        return self.fairness * (fairness_penalty(after, cap) - fairness_penalty(before, cap))


def runner_ups(problem: Problem, plan: Plan) -> dict[str, RunnerUp]:
    """The runner-up per decision (keyed ``item``; ``"<item>|<unit>"`` too).

    A role with several units has one decision per unit; each gets the best unit
    the role did not get, with its own reason, keyed ``"<item>|<unit>"``; the plain
    item key maps to the first.
    """
    items = _items(problem)
    st = _PlanState(problem, plan, items)
    out: dict[str, RunnerUp] = {}
    best: dict[str, RunnerUp] = {}
    for d in plan.assignments:
        it = items.get(d.item)
        if it is None:
            continue
        if d.item not in best:
            best[d.item] = _runner_up(d.item, it, problem, st)
        ru = best[d.item]
        ru = ru.model_copy(update=_why(d, it, ru, st)) if ru.unit is not None else ru
        out.setdefault(d.item, ru)
        out[f"{d.item}|{d.unit}"] = ru
    return out


def _runner_up(key: str, it: _Item, problem: Problem, st: _PlanState) -> RunnerUp:
    """The best other eligible unit for item ``key`` (reason still to be found)."""
    others = [
        c
        for c in eligible(problem, key, it.kind, it.cands, date=it.date)
        if c.unit not in st.taken[key]
    ]
    if not others:
        return RunnerUp(
            item=key, reason="only_candidate", reason_zh=RUNNER_UP_LABELS_ZH["only_candidate"]
        )
    best = min(
        others,
        key=lambda c: (-c.score, st.load[c.unit] / max(1, st.units[c.unit].capacity), c.unit),
    )
    return RunnerUp(
        item=key,
        unit=best.unit,
        unit_name=st.units[best.unit].name,
        score=best.score,
        parts=dict(best.parts),
        distance_km=best.distance_km,
        reason="tie",
        reason_zh=RUNNER_UP_LABELS_ZH["tie"],
    )


def _says(reason: RunnerUpReason, detail: str = "") -> dict[str, str]:
    return {"reason": reason, "reason_zh": RUNNER_UP_LABELS_ZH[reason], "detail": detail}


def _why(d: Decision, it: _Item, ru: RunnerUp, st: _PlanState) -> dict[str, str]:
    """The reason fields of runner-up ``ru`` (a unit) for decision ``d``."""
    assert ru.unit is not None and ru.score is not None
    if d.pinned:
        return _says("pinned", f"委员会固定由 {d.unit_name or d.unit} 承担")
    c = next(c for c in it.cands if c.unit == ru.unit)
    unit = st.units[ru.unit]
    have = st.load[ru.unit]
    if have + c.effort > unit.capacity:
        return _says("full", f"已承担 {have}/{unit.capacity}，该项需 {c.effort}")
    kind_cap = unit.kind_capacity.get(it.kind)
    kind_have = st.kind_load[(ru.unit, it.kind)]
    if kind_cap is not None and kind_have + 1 > kind_cap:
        return _says("full", f"{kind_label(it.kind)}类资源已用 {kind_have}/{kind_cap} 次")
    if it.activity is not None:
        roles = st.in_activity.get((ru.unit, it.activity))
        if roles:
            return _says("same_activity", f"已担任 {'、'.join(sorted(roles))}")
        others = st.on_date.get((ru.unit, it.date or ""), set()) - {it.activity}
        if others:
            return _says("same_day", f"{it.date} 已参加 {'、'.join(sorted(others))}")
    if ru.score < d.score:
        names = [*d.parts, *(k for k in ru.parts if k not in d.parts)]
        losses = {k: d.parts.get(k, 0) - ru.parts.get(k, 0) for k in names}
        part = max(names, key=lambda k: losses[k])  # the first of the largest, in part order
        return _says(
            _PART_REASON.get(part, "less_suitable"),
            f"{part_label(part)} {ru.parts.get(part, 0)} 对 {d.parts.get(part, 0)}"
            f"（适配分 {ru.score} 对 {d.score}）",
        )
    extra = st.fair_cost(ru.unit, have, have + c.effort)
    own = st.fair_cost(d.unit, st.load[d.unit] - d.effort, st.load[d.unit])
    if extra > own:
        return _says("busier", f"已承担 {have}/{unit.capacity}，均衡扣分 {extra} 对 {own}")
    return _says("tie", f"适配分 {ru.score} 对 {d.score}")
