"""Explanations: fit parts of decisions, reasons for unmet needs, conflicting rules.

Unmet-need reason codes
-----------------------
``no_eligible_unit``
    No candidate is eligible (none listed, all forbidden, or none fits at all).
``beyond_distance_limit``
    No eligible candidate, but some units offering the kind were excluded by the
    distance limit (candidates marked ``beyond_distance_limit`` or
    ``Need.excluded_by_distance > 0``).
``eligible_units_full``
    Every eligible unit is full (满额): its effort left is below the need's
    effort, or its resources of the need's kind have no use (次) left — one use
    per assignment, whatever the effort.  The detail names the first full unit
    and which capacity it has used up.
``lost_to_higher_priority``
    Every eligible unit lacks room, and at least one of them took a need of
    strictly higher priority.
``net_benefit_negative``
    Some eligible unit has room, but the fairness cost of the extra load exceeds
    the need's gain (only with a fairness weight).

Runner-up per decision
----------------------
:func:`runner_ups` (in :mod:`gongjian.matching.runner_up`, re-exported here): the
best other eligible unit of each decision and why it lost — 满额 full, 更远 farther,
适配度低 less suitable, 非结对 … — from the problem and the plan.

Infeasibility
-------------
:func:`precheck` finds obvious conflicts cheaply (pins that cannot hold, roles
with too few eligible units, pins over capacity or on two activities of one
date, impossible min/max).  :func:`infeasible_core` guards each hard rule of the
CP-SAT model with a named literal, solves under those assumptions and asks
``SufficientAssumptionsForInfeasibility`` for a conflicting subset, which it then
shrinks by deletion.
"""

from __future__ import annotations

import time
from collections import defaultdict

from gongjian.matching.grouped import CItem, Compiled
from gongjian.matching.labels import (
    STATUS_LABELS_ZH,
    kind_label,
    left_out_label,
    parts_text,
    reason_label,
)
from gongjian.matching.problem import (
    Conflict,
    Decision,
    LeftOut,
    Need,
    Plan,
    Problem,
    Unmet,
    UnmetReason,
)
from gongjian.matching.runner_up import RunnerUp, runner_ups

__all__ = [
    "carry_text",
    "infeasible_core",
    "precheck",
    "render_plan",
    "runner_ups",
    "unmet_reasons",
]


def _c(code: str, zh: str, en: str, items: list[str], units: list[str]) -> Conflict:
    return Conflict(code=code, message_zh=zh, message_en=en, items=items, units=units)


def precheck(cp: Compiled) -> list[Conflict]:
    """Cheap detection of obvious conflicts among hard rules.

    Parameters
    ----------
    cp : Compiled
        The compiled problem.

    Returns
    -------
    list of Conflict
        Empty when nothing obvious is wrong (the problem may still be infeasible).
    """
    out = list(cp.conflicts)
    ids = cp.unit_ids
    pinned_load: dict[int, int] = defaultdict(int)
    pinned_items: dict[int, list[str]] = defaultdict(list)
    for it in cp.needs:
        if len(it.pinned) > 1:
            us = [ids[u] for u in it.pinned]
            named = ", ".join(cp.unit_name(u) for u in it.pinned)
            out.append(
                _c(
                    "need_pinned_twice",
                    f"需求 {it.key} 被固定给多个单位 {named}，但一个需求只能由一个单位认领",
                    f"need {it.key} is pinned to several units ({named}) "
                    "but one need goes to one unit",
                    [it.key],
                    us,
                )
            )
        if it.required and it.units.size == 0:
            out.append(
                _c(
                    "required_need_no_unit",
                    f"必须满足的需求 {it.key} 没有符合条件的单位",
                    f"required need {it.key} has no eligible unit",
                    [it.key],
                    [],
                )
            )
        for u in it.pinned:
            e = int(it.effort[it.units.tolist().index(u)])
            pinned_load[u] += e
            pinned_items[u].append(it.key)
    per_date: dict[tuple[int, int], list[str]] = defaultdict(list)
    for a in cp.activities:
        req = 0
        most = 0
        units_in = set()
        pinned_here: dict[int, list[str]] = defaultdict(list)
        for ri in a.roles:
            r = cp.roles[ri]
            units_in |= set(r.units.tolist())
            most += min(r.count, r.units.size)
            if r.required:
                req += r.count
                if r.units.size < r.count:
                    out.append(
                        _c(
                            "role_too_few_units",
                            f"角色 {r.key} 需要 {r.count} 个单位，但只有 {r.units.size} 个符合条件",
                            f"role {r.key} needs {r.count} unit(s) but only {r.units.size} "
                            "are eligible",
                            [r.key],
                            [],
                        )
                    )
            if len(r.pinned) > r.count:
                out.append(
                    _c(
                        "role_pins_exceed_count",
                        f"角色 {r.key} 固定了 {len(r.pinned)} 个单位，超过人数 {r.count}",
                        f"role {r.key} has {len(r.pinned)} pins but count {r.count}",
                        [r.key],
                        [ids[u] for u in r.pinned],
                    )
                )
            for u in r.pinned:
                pinned_here[u].append(r.key)
                e = int(r.effort[r.units.tolist().index(u)])
                pinned_load[u] += e
                pinned_items[u].append(r.key)
        for u, keys in pinned_here.items():
            if len(keys) > 1:
                out.append(
                    _c(
                        "pinned_twice_in_activity",
                        f"单位 {cp.unit_name(u)} 在活动 {a.id} 中被固定到多个角色 {', '.join(keys)}",
                        f"unit {cp.unit_name(u)} is pinned to several roles of activity {a.id}",
                        keys,
                        [ids[u]],
                    )
                )
            per_date[(u, a.date)].append(a.id)
        if a.max_units is not None and req > a.max_units:
            out.append(
                _c(
                    "activity_max_below_roles",
                    f"活动 {a.id} 必需角色共需 {req} 个单位，超过上限 {a.max_units}",
                    f"activity {a.id}: required roles need {req} units, above max_units "
                    f"{a.max_units}",
                    [a.id],
                    [],
                )
            )
        if a.min_units > min(most, len(units_in)):
            out.append(
                _c(
                    "activity_min_unreachable",
                    f"活动 {a.id} 至少需要 {a.min_units} 个单位，但最多只能安排 "
                    f"{min(most, len(units_in))} 个",
                    f"activity {a.id} needs at least {a.min_units} units but at most "
                    f"{min(most, len(units_in))} can take part",
                    [a.id],
                    [],
                )
            )
    for (u, d), acts in sorted(per_date.items()):
        if len(acts) > 1:
            out.append(
                _c(
                    "pinned_two_activities_one_date",
                    f"单位 {cp.unit_name(u)} 被固定参加同一天（{cp.dates[d]}）的多个活动：{', '.join(acts)}",
                    f"unit {cp.unit_name(u)} is pinned to several activities on {cp.dates[d]}: "
                    f"{', '.join(acts)}",
                    acts,
                    [ids[u]],
                )
            )
    for u, load in sorted(pinned_load.items()):
        if load > cp.cap[u]:
            out.append(
                _c(
                    "pins_exceed_capacity",
                    f"单位 {cp.unit_name(u)} 的固定分配共需 {load}，超过容量 {int(cp.cap[u])}",
                    f"pins on unit {cp.unit_name(u)} need {load}, above its capacity {int(cp.cap[u])}",
                    pinned_items[u],
                    [ids[u]],
                )
            )
    return out


def infeasible_core(
    cp: Compiled, time_limit: float = 10.0, seed: int = 0, max_cores: int = 3
) -> list[Conflict]:
    """Find a small set of hard rules that cannot hold together.

    Each hard rule of the CP-SAT model is guarded by a literal; the model is solved
    under the assumption that all hold, the sufficient assumptions for
    infeasibility are read and the set is shrunk by deletion while time allows.
    The rules of that set are then relaxed and the search repeats, so up to
    ``max_cores`` independent conflicts are reported (``Conflict.group``).

    Returns
    -------
    list of Conflict
        The conflicting rules (empty if the model turned out feasible or the time
        ran out before infeasibility was proven).
    """
    # OR-Tools (and the pandas it imports, ~1 s) only when a core is searched: the service
    # imports this module for render_plan and the labels, and should start without it
    from ortools.sat.python import cp_model

    from gongjian.matching.cpsat import CpBuilder

    t0 = time.perf_counter()
    b = CpBuilder(cp, named=True)
    lits = b.rules.literals
    pos = {lit.Index(): i for i, lit in enumerate(lits)}

    def run(active: list[int], limit: float) -> tuple[int, list[int]]:
        model = b.model.Clone()
        model.ClearAssumptions()
        model.AddAssumptions([lits[i] for i in active])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.05, limit)
        st = solver.Solve(model)
        core = []
        if st == cp_model.INFEASIBLE:
            core = sorted(
                pos[i] for i in solver.SufficientAssumptionsForInfeasibility() if i in pos
            )
        return st, core

    out: list[Conflict] = []
    active = list(range(len(lits)))
    for group in range(max_cores):
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0.05:
            break
        st, core = run(active, left / 2 if group == 0 else min(left, 2.0))
        if st != cp_model.INFEASIBLE:
            break
        if not core:
            core = list(active)
        i = 0
        while i < len(core) and time.perf_counter() - t0 < time_limit:
            trial = core[:i] + core[i + 1 :]
            left = time_limit - (time.perf_counter() - t0)
            st2, sub = run(trial, min(1.0, left))
            if st2 == cp_model.INFEASIBLE:
                core = sub if sub and len(sub) < len(trial) else trial
            else:
                i += 1
        out.extend(b.rules.rules[k].model_copy(update={"group": group}) for k in core)
        # relax this conflict and look for another, disjoint one
        gone = set(core)
        active = [k for k in active if k not in gone]
    return out


def unmet_reasons(
    cp: Compiled, assigned: dict[int, int], loads: list[int], kind_loads: dict
) -> list[Unmet]:
    """Reason code for each need that is not assigned.

    Parameters
    ----------
    cp : Compiled
        The compiled problem.
    assigned : dict
        need index -> unit index of the plan.
    loads : list of int
        Effort load per unit in the plan.
    kind_loads : dict
        Uses (次) per capped (unit, kind) in the plan.
    """
    prob = cp.problem
    holders: dict[int, int] = defaultdict(int)  # unit -> highest priority of its needs
    for ni, u in assigned.items():
        holders[u] = max(holders[u], cp.needs[ni].priority)
    out: list[Unmet] = []
    for ni, it in enumerate(cp.needs):
        if ni not in assigned:
            reason, detail = _why_unmet(cp, it, prob.needs[ni], loads, kind_loads, holders)
            out.append(Unmet(item=it.key, reason=reason, detail=detail))
    return out


def _why_unmet(
    cp: Compiled,
    it: CItem,
    need: Need,
    loads: list[int],
    kind_loads: dict,
    holders: dict[int, int],
) -> tuple[UnmetReason, str]:
    """(reason code, detail) for one need the plan leaves unassigned."""
    if it.units.size == 0:
        far = need.excluded_by_distance + sum(c.beyond_distance_limit for c in need.candidates)
        if far:
            return "beyond_distance_limit", f"{far} 个单位超出距离限制"
        return "no_eligible_unit", "没有候选单位" if not need.candidates else "候选单位均被排除"
    room = []
    full: list[str] = []
    for u, e in zip(it.units.tolist(), it.effort.tolist(), strict=True):
        kk = (u, it.kind)
        if loads[u] + e > cp.cap[u]:
            full.append(f"{cp.unit_name(u)} 工作量已用 {loads[u]}/{int(cp.cap[u])}，该需求需 {e}")
        elif kk in cp.kind_cap and kind_loads.get(kk, 0) + 1 > cp.kind_cap[kk]:
            full.append(
                f"{cp.unit_name(u)} 的{kind_label(it.kind)}类资源已用 {kind_loads.get(kk, 0)}/"
                f"{cp.kind_cap[kk]} 次"
            )
        else:
            room.append(u)
    if room:
        return "net_benefit_negative", f"{cp.unit_name(room[0])} 等单位尚有容量"
    higher = [u for u in it.units.tolist() if holders.get(u, 0) > it.priority]
    if higher:
        return "lost_to_higher_priority", f"{cp.unit_name(higher[0])} 承担了优先级更高的需求"
    return "eligible_units_full", f"{it.units.size} 个候选单位均已满额（{full[0]}）"


def carry_text(need: Need | None) -> str:
    """What the plan says about a need carried over from an earlier quarter ('' otherwise).

    >>> carry_text(Need(id="n1", priority=5, carried_from="2026Q3", overdue_days=12))
    '；2026Q3 遗留需求，已逾期 12 天，优先安排 (carried over from 2026Q3, 12 days overdue)'
    """
    if need is None or not need.carried_from:
        return ""
    if need.overdue_days:
        return (
            f"；{need.carried_from} 遗留需求，已逾期 {need.overdue_days} 天，优先安排 "
            f"(carried over from {need.carried_from}, {need.overdue_days} days overdue)"
        )
    return (
        f"；{need.carried_from} 遗留需求，优先级提高为 {need.priority} "
        f"(carried over from {need.carried_from}, priority raised to {need.priority})"
    )


def render_plan(plan: Plan, problem: Problem | None = None) -> str:
    """A readable Chinese account of a plan (with English codes).

    Parameters
    ----------
    plan : Plan
        The solver's plan (it embeds decisions, reasons and conflicts).
    problem : Problem, optional
        Adds unit names and need details when given.
    """
    names = {u.id: u.name for u in problem.units} if problem else {}
    titles: dict[str, str] = {}
    if problem:
        titles.update({n.id: n.name for n in problem.needs if n.name})
        titles.update({a.id: a.name for a in problem.activities if a.name})
    role_kind = (
        {f"{a.id}/{r.id}": r.kind for a in problem.activities for r in a.roles if r.kind}
        if problem
        else {}
    )

    def titled(key: str | None) -> str:
        return f"{key}「{titles[key]}」" if key in titles else str(key)

    lines = [f"计划《{plan.problem}》：状态 {STATUS_LABELS_ZH[plan.status]} ({plan.status})"]
    if plan.objective is not None:
        gap = f"{100 * plan.gap:.3f}%" if plan.gap is not None else "-"
        lines.append(
            f"目标值 objective {plan.objective}，上界 bound {plan.bound}，差距 gap {gap}，"
            f"用时 {plan.seconds:.2f} 秒，引擎 {plan.engine}"
        )
    if plan.objective_parts:
        p = plan.objective_parts
        lines.append(
            f"  匹配度 fit {p.fit}；覆盖 coverage {p.coverage}；均衡扣分 fairness -{p.fairness}；"
            f"五联覆盖 joint {p.joint_coverage}；变动扣分 changes -{p.changes}"
        )
    if plan.conflicts:
        lines.append("无法同时满足的规则 (conflicting rules):")
        groups = sorted({c.group for c in plan.conflicts})
        for g in groups:
            if len(groups) > 1:
                lines.append(f"  冲突 {g + 1} (conflict {g + 1}):")
            for c in plan.conflicts:
                if c.group == g:
                    lines.append(f"  - [{c.code}] {c.message_zh} / {c.message_en}")
    carried = {n.id: n for n in problem.needs if n.carried_from} if problem else {}
    seconds: dict[str, RunnerUp] = runner_ups(problem, plan) if problem else {}

    def second(a: Decision) -> str:
        ru = seconds.get(f"{a.item}|{a.unit}")
        if ru is None or ru.unit is None:
            return ""
        return f"；次选 {ru.unit_name or ru.unit}（{ru.reason_zh}：{ru.detail}）"

    def decision(a: Decision) -> str:
        name = a.unit_name or names.get(a.unit, "")
        if a.type == "role":
            kind = f" ({role_kind[a.item]})" if a.item in role_kind else ""
            what = f"活动 {titled(a.activity)} 角色 {a.item.split('/', 1)[-1]}{kind}"
        else:
            what = f"需求 {titled(a.item)}"
        parts = parts_text(a.parts, distance_km=a.distance_km)
        pin = "（固定）" if a.pinned else ""
        return (
            f"  - {what} → {name or a.unit}{pin}：工作量 {a.effort}，"
            f"匹配分 {a.score}（{parts}）{second(a)}{carry_text(carried.get(a.item))}"
        )

    def unmet(u: Unmet) -> str:
        return (
            f"  - {titled(u.item)}：{reason_label(u.reason)} ({u.reason}) {u.detail}"
            f"{carry_text(carried.get(u.item))}"
        )

    def left_out(lo: LeftOut) -> str:
        title = f"「{lo.name}」" if lo.name else ""
        return f"  - {lo.item}{title}：{lo.detail or left_out_label(lo.reason)}"

    # each counted section: a header with how many, then one line per item
    for zh, en, items, line in (
        ("分配", "decisions", plan.assignments, decision),
        ("未满足需求", "unmet needs", plan.unmet, unmet),
        ("未纳入计划", "left out of the plan", plan.left_out, left_out),
    ):
        if items:
            lines.append(f"{zh} {len(items)} 项 ({en}):")
            lines.extend(line(x) for x in items)
    if plan.roles_short:
        lines.append(
            "人数不足的可选角色 (optional roles below count): " + ", ".join(plan.roles_short)
        )
    if plan.loads:
        busy = sorted(plan.loads, key=lambda x: -x.load / max(1, x.capacity))[:10]
        lines.append("负荷最高的单位 (highest load ratio):")
        for ld in busy:
            nm = names.get(ld.unit, "") or ld.unit
            lines.append(f"  - {nm}: {ld.load}/{ld.capacity}")
    return "\n".join(lines)
