"""The planner's solver: problem in, plan out.

Engines (chosen by :func:`solve` with ``engine="auto"``)
--------------------------------------------------------
``gap``
    Only needs, all required, no fairness and no kind capacities: the problem
    is a Generalized Assignment Problem with ``cost = -gain`` and is delegated to
    :func:`gongjian.matching.gap_engine.solve_gap` (pins and forbids become the
    ``allowed`` matrix).  Its lower bound on cost is an upper bound on our
    objective.
``exact``
    One CP-SAT model over grouped need classes and role places (small problems,
    or efforts that vary per unit, which the flow cannot express).  When the
    problem is flow-shaped, the decomposition runs first on 30 % of the time and
    gives the hint and a second proven bound.  When efforts vary per unit, the
    hint comes from decomposing a copy where each item costs its largest effort
    (feasible for the real problem) and the second bound from the flow relaxation
    of a copy where each item costs its smallest effort (a relaxation of the real
    problem).  Bound: the lower of CP-SAT's ``best_objective_bound`` and that
    second bound (both valid).
``decompose``
    Large flow-shaped problems (one effort per item):

    1. the min-cost-flow relaxation of the whole problem gives a first proven
       bound and activity loads ``A`` (:func:`~gongjian.matching.flow.flow_relaxation`);
    2. Lagrangian rounds: dual prices of unit capacity in the need flow at ``A``
       (:func:`~gongjian.matching.flow.lagrangian_prices`); under these prices the
       activity part is a b-matching of roles to (unit, date) slots solved exactly
       by min-cost flow (:func:`~gongjian.matching.flow.activity_flow`).  This gives
       a tighter proven bound (argument in ``lagrangian_prices``) and a role
       assignment; the needs are then re-assigned by min-cost flow given the
       activity loads (exact for unit efforts; otherwise whole needs are kept,
       the rest re-flowed and finally placed greedily);
    3. large-neighbourhood search on the activities of the best plan (CP-SAT on
       windows of dates / communities, everything else fixed), needs again;
    4. large-neighbourhood search on the needs (CP-SAT on windows of units that
       unmet needs could use, :mod:`gongjian.matching.needs_lns`).

    The reported bound is the minimum of the bounds of steps 1 and 2.  Both
    keep an activity's ``min_units`` / ``max_units`` as counts of places
    (activity hubs, see :mod:`gongjian.matching.flow`).
Objective: maximised, see :mod:`gongjian.matching.problem`.  Every reported
objective is recomputed by :func:`gongjian.matching.objective.evaluate`.

Length: ~850 lines on purpose — engine choice, the decomposition loop and plan
assembly share private fast-value helpers; :mod:`gongjian.matching.staged` already
holds the staged solve. A split into engines/ and plan assembly is left for later.

Length: ~870 lines: the engine choice, the staged solve and its bound/gap/status
arithmetic are one pipeline; each engine's model lives in its own module.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from gongjian.core.gcpause import gc_paused
from gongjian.matching.activities import greedy_roles, improve_roles, roles_feasible
from gongjian.matching.cpsat import CpBuilder, cpsat_parameters, solve_cpsat
from gongjian.matching.explain import infeasible_core, precheck, unmet_reasons
from gongjian.matching.flow import (
    activity_flow,
    flow_relaxation,
    lagrangian_prices,
    needs_given_roles,
)
from gongjian.matching.grouped import CItem, Compiled, NeedClass, compile_problem
from gongjian.matching.needs_lns import improve_needs
from gongjian.matching.objective import evaluate, fairness_marginals
from gongjian.matching.problem import Candidate, Decision, Plan, Problem, UnitLoad
from gongjian.matching.progress import SolveProgress

__all__ = ["Solution", "WarmStart", "check_plan", "is_gap_shaped", "solution_value", "solve"]

#: The GAP engine takes dense (units x needs) matrices: only up to this many cells.
GAP_DENSE_LIMIT = 4_000_000
#: Above this many (class, unit) + (role, unit) pairs a flow-shaped problem is decomposed.
EXACT_PAIR_LIMIT = 40_000
#: share of the time limit the exact engine's CP-SAT budget is sized by when budgets must
#: not depend on the wall clock (``wall_guard``): the time limit less the hint's 0.3
#: and the 0.08 kept for reading the plan
EXACT_SHARE = 0.62


@dataclass
class Solution:
    """Engine-level solution: need-class counts per unit and role unit sets."""

    class_units: list[dict[int, int]]
    role_units: list[set[int]]


def is_gap_shaped(cp: Compiled) -> bool:
    """True when the problem is a plain GAP (see module docstring)."""
    return (
        not cp.roles
        and bool(cp.needs)
        and all(n.required for n in cp.needs)
        and (cp.problem.weights.fairness == 0)
        and not cp.kind_cap
    )


def _pairs(cp: Compiled, sol: Solution) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Expand a solution into (need index, unit) and (role index, unit) pairs."""
    needs = []
    for ci, cl in enumerate(cp.classes):
        members = iter(cl.members)
        for u in sorted(sol.class_units[ci]):
            for _ in range(sol.class_units[ci][u]):
                needs.append((next(members), u))
    roles = [(ri, u) for ri, us in enumerate(sol.role_units) for u in sorted(us)]
    needs.sort()
    return needs, roles


def solution_value(cp: Compiled, sol: Solution) -> int:
    """Objective of ``sol`` from the compiled arrays (fast; equals :func:`evaluate`).

    ``sum of pair gains - fairness + joint coverage + constant`` where the pair
    gain already holds fit, coverage and the kept-previous-pair bonus, and the
    constant is ``-stability * #previous pairs``.
    """
    total = cp.constant
    load = np.zeros(cp.m, dtype=np.int64)
    for ci, d in enumerate(sol.class_units):
        if not d:
            continue
        rep = cp.classes[ci].rep
        us = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
        ks = np.fromiter(d.values(), dtype=np.int64, count=len(d))
        pos = np.searchsorted(rep.units, us)
        total += int((rep.gain[pos] * ks).sum())
        np.add.at(load, us, rep.effort[pos] * ks)
    joint = set()
    for ri, us_set in enumerate(sol.role_units):
        if not us_set:
            continue
        r = cp.roles[ri]
        us = np.array(sorted(us_set), dtype=np.int64)
        pos = np.searchsorted(r.units, us)
        total += int(r.gain[pos].sum())
        np.add.at(load, us, r.effort[pos])
        a = cp.activities[r.activity]
        joint.add((a.community, a.joint_type))
    wf = cp.problem.weights.fairness
    if wf:
        for u in np.flatnonzero(load).tolist():
            total -= wf * _penalty_table(int(cp.cap[u]))[int(load[u])]
    return total + cp.problem.weights.joint_coverage * len(joint)


@functools.lru_cache(maxsize=4096)
def _penalty_table(capacity: int) -> np.ndarray:
    """``P(L, capacity)`` for ``L = 0 .. capacity`` (unweighted)."""
    return np.concatenate(([0], np.cumsum(fairness_marginals(capacity))))


def _role_loads(cp: Compiled, role_units: list[set[int]]) -> tuple[np.ndarray, dict]:
    """Effort per unit and uses (次) per capped (unit, kind) of the role places."""
    load = np.zeros(cp.m, dtype=np.int64)
    kload: dict[tuple[int, str], int] = {}
    for ri, us in enumerate(role_units):
        r = cp.roles[ri]
        for u in us:
            e = int(r.effort[np.searchsorted(r.units, u)])
            load[u] += e
            if (u, r.kind) in cp.kind_cap:
                kload[(u, r.kind)] = kload.get((u, r.kind), 0) + 1
    return load, kload


def _role_kind_effort(cp: Compiled, role_units: list[set[int]]) -> dict[tuple[int, str], int]:
    """Effort of the role places per capped (unit, kind): what the Lagrangian prices inject
    at the unit-kind nodes of the need flow (measured in effort, see :mod:`~gongjian.matching.flow`)."""
    out: dict[tuple[int, str], int] = {}
    for ri, us in enumerate(role_units):
        r = cp.roles[ri]
        for u in us:
            if (u, r.kind) in cp.kind_cap:
                e = int(r.effort[np.searchsorted(r.units, u)])
                out[(u, r.kind)] = out.get((u, r.kind), 0) + e
    return out


def _need_loads(cp: Compiled, class_units: list[dict[int, int]]) -> tuple[np.ndarray, dict]:
    """Effort per unit and uses (次) per capped (unit, kind) of the assigned needs."""
    load = np.zeros(cp.m, dtype=np.int64)
    kload: dict[tuple[int, str], int] = {}
    for ci, d in enumerate(class_units):
        rep = cp.classes[ci].rep
        for u, k in d.items():
            e = int(rep.effort[np.searchsorted(rep.units, u)]) * k
            load[u] += e
            if (u, rep.kind) in cp.kind_cap:
                kload[(u, rep.kind)] = kload.get((u, rep.kind), 0) + k
    return load, kload


def _joint_bonus_max(cp: Compiled) -> int:
    ok = set()
    for a in cp.activities:
        if any(cp.roles[ri].units.size for ri in a.roles):
            ok.add((a.community, a.joint_type))
    return cp.problem.weights.joint_coverage * len(ok)


def _activities(
    cp: Compiled,
    need_load: np.ndarray,
    need_kload: dict,
    hint: list[set[int]],
    deadline: float,
    dtime: float,
    seed: int,
    polish: bool = True,
) -> tuple[list[set[int]] | None, float]:
    """Activity part with need loads fixed: greedy start, then window LNS.

    Falls back to one CP-SAT model of all activities when greedy fails.  Without
    ``polish`` the window LNS is left to the caller.  Returns the roles and the
    CP-SAT deterministic time used.
    """
    if not cp.roles:
        return [], 0.0
    roles = greedy_roles(cp, need_load, need_kload, hint)
    used = 0.0
    if roles is None:
        b = CpBuilder(cp, include_needs=False, fixed_load=need_load, fixed_kind_load=need_kload)
        b.add_hint(None, hint)
        solver = cpsat_parameters(1.0, 1, seed)
        solver.parameters.max_deterministic_time = max(0.5, dtime)
        solver.parameters.max_time_in_seconds = max(0.5, deadline - time.perf_counter())
        st = solver.Solve(b.model)
        used = solver.deterministic_time
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, used
        roles = b.read(solver)[1]
    if not polish:
        return roles, used
    roles, more = improve_roles(
        cp, need_load, need_kload, roles, deadline, seed, dtime_budget=max(0.0, dtime - used)
    )
    return roles, used + more


#: CP-SAT deterministic time granted to the activity LNS per second of time limit.
LNS_DTIME_PER_SECOND = 0.3
#: LNS windows (sub-problems) granted per second of time limit.
LNS_WINDOWS_PER_SECOND = 1.0
#: Need-LNS windows granted per second of time limit.
NEEDS_WINDOWS_PER_SECOND = 0.5
#: Rounds of the Lagrangian price / activity-flow loop.  A second round (prices
#: at the first round's role loads) improved neither the bound nor the plan on
#: the district benchmarks (both sources) and cost 1–5 s of need re-flows.
LAGRANGIAN_ROUNDS = 1


@dataclass
class WarmStart:
    """What one solve of a problem learnt that the next solve of the same problem reuses.

    :func:`gongjian.matching.staged.solve_in_stages` solves a problem twice (quick,
    then full); the compiled problem and the decomposition's start (flow relaxation
    and Lagrangian rounds: no time budget, so the same both times) are computed once.
    """

    cp: Compiled | None = None
    start: _Start | None = None


@dataclass
class _Start:
    """The decomposition after its relaxation and Lagrangian rounds."""

    infeasible: bool
    bound: int | None = None
    best: Solution | None = None
    best_val: int | None = None
    need_load: np.ndarray | None = None
    need_kload: dict[tuple[int, str], int] = dataclasses.field(default_factory=dict)
    hint_roles: list[set[int]] = dataclasses.field(default_factory=list)


def _with_needs(cp: Compiled, roles: list[set[int]] | None) -> tuple[Solution, int] | None:
    """The needs re-assigned by flow around ``roles``: the solution and its value.

    None for roles that break an activity rule: greedy and LNS repairs may return
    such roles (pins beyond max_units, say), and such a plan must never be reported.
    """
    if roles is None or not roles_feasible(cp, roles):
        return None
    rl, rkl = _role_loads(cp, roles)
    classes = needs_given_roles(cp, rl, rkl)
    if classes is None:
        return None
    sol = Solution(classes, roles)
    return sol, solution_value(cp, sol)


def _decompose_start(cp: Compiled, feed: SolveProgress) -> _Start:
    """Steps 1 and 2 of :func:`_decompose`: relaxation bound, Lagrangian bound and plan."""
    relax = flow_relaxation(cp)
    if relax is None:
        return _Start(infeasible=True)
    bound = relax.value + cp.constant + _joint_bonus_max(cp)
    feed.bound(bound)
    act_load = np.zeros(cp.m, dtype=np.int64)
    act_kload: dict[tuple[int, str], int] = {}
    for ri, rf in enumerate(relax.role_flow):
        kind = cp.roles[ri].kind
        for u, f in rf.items():
            act_load[u] += f
            if (u, kind) in cp.kind_cap:
                act_kload[(u, kind)] = act_kload.get((u, kind), 0) + f
    hint_roles = [
        {u for u, f in rf.items() if f == int(cp.roles[ri].effort[0])}
        for ri, rf in enumerate(relax.role_flow)
    ]
    need_load, need_kload = _need_loads(cp, relax.class_units)
    start = _Start(False, bound, None, None, need_load, need_kload, hint_roles)
    for _ in range(LAGRANGIAN_ROUNDS if cp.roles else 1):
        dual = lagrangian_prices(cp, act_load, act_kload)
        if dual is None:
            break
        af = activity_flow(cp, dual)
        if af is None:
            return _Start(infeasible=True)  # even the relaxation cannot staff the roles
        value, roles = af
        start.bound = bound = min(bound, (value - dual.base) // dual.lcm + cp.constant)
        feed.bound(bound)
        if not roles_feasible(cp, roles):
            roles = greedy_roles(cp, need_load, need_kload, roles) or greedy_roles(
                cp, np.zeros(cp.m, dtype=np.int64), {}, roles
            )
        if roles is None:
            break
        got = _with_needs(cp, roles)
        if got is not None and (start.best_val is None or got[1] > start.best_val):
            start.best, start.best_val = got
            feed.objective(start.best_val)
        act_load, _ = _role_loads(cp, roles)
        act_kload = _role_kind_effort(cp, roles)
    return start


def _decompose(
    cp: Compiled,
    deadline: float,
    time_limit: float,
    seed: int,
    progress: SolveProgress | None = None,
    warm: WarmStart | None = None,
) -> tuple[Solution | None, int | None, bool]:
    """The decomposition engine.  Returns (solution, bound, proven_infeasible).

    1. Flow relaxation of the whole problem: first bound, activity loads ``A``.
    2. Lagrangian rounds: dual prices of unit capacity in the need flow at ``A``
       (:func:`~gongjian.matching.flow.lagrangian_prices`); the activity part
       under those prices is a b-matching solved exactly by min-cost flow
       (:func:`~gongjian.matching.flow.activity_flow`), giving a tighter proven
       bound and a role assignment; the needs are then re-assigned by flow.
    3. Large-neighbourhood search on the activities of the best plan (CP-SAT,
       deterministic time ``LNS_DTIME_PER_SECOND * time_limit``), needs again.
    The wall-clock ``deadline`` is only a safety net, so the result is
    reproducible. ``progress`` hears of each bound and each better plan; steps 1
    and 2 are taken from ``warm`` when an earlier solve of ``cp`` left them there.
    """
    feed = progress or SolveProgress()
    start = warm.start if warm is not None else None
    if start is None:
        start = _decompose_start(cp, feed)
        if warm is not None:
            warm.start = start
    else:  # the same figures as the first time, for this solve's listener
        feed.bound(start.bound)
        feed.objective(start.best_val)
    if start.infeasible:
        return None, None, True
    assert start.bound is not None and start.need_load is not None
    bound = start.bound
    need_load, need_kload, hint_roles = start.need_load, start.need_kload, start.hint_roles
    best: Solution | None = start.best
    best_val: int | None = start.best_val

    def keep(sol: Solution) -> None:
        nonlocal best, best_val
        val = solution_value(cp, sol)
        if best_val is None or val > best_val:
            best, best_val = sol, val
            feed.objective(val)

    def consider(roles: list[set[int]] | None) -> None:
        got = _with_needs(cp, roles)
        if got is not None:
            keep(got[0])

    def gained(delta: int) -> None:
        # a window of the search improved the incumbent by at least ``delta``
        if best_val is not None:
            feed.objective(best_val + delta)

    if best is None:
        # greedy could not staff the activities from the activity flow's roles:
        # greedy from the relaxation's roles, else one CP-SAT model of all
        # activities; the window LNS below polishes the result
        zero = np.zeros(cp.m, dtype=np.int64)
        loads = ((need_load, need_kload), (zero, {}))
        roles0 = None
        for load, kload in loads:  # cheap greedy first, with and without need loads
            roles0 = roles0 or greedy_roles(cp, load, kload, hint_roles)
        for load, kload in loads:
            if roles0 is not None:
                break
            roles0, _ = _activities(
                cp, load, kload, hint_roles, deadline, 0.2 * time_limit, seed, polish=False
            )
        consider(roles0)
        if warm is not None and warm.start is start:
            # building that one model is slow at district size: the next stage starts here
            start.best, start.best_val = best, best_val
    if best is not None and cp.roles and (best_val is None or best_val < bound):
        need_load, need_kload = _need_loads(cp, best.class_units)
        lns_deadline = deadline - max(1.0, 0.2 * time_limit)
        roles, _ = improve_roles(
            cp,
            need_load,
            need_kload,
            best.role_units,
            lns_deadline,
            seed,
            dtime_budget=LNS_DTIME_PER_SECOND * time_limit,
            max_windows=max(1, int(LNS_WINDOWS_PER_SECOND * time_limit)),
            on_gain=gained,
        )
        if roles != best.role_units:
            # the windows improved the roles around these needs: that plan is held too,
            # whether or not re-flowing the needs around the new roles does better
            keep(Solution(best.class_units, roles))
            consider(roles)
        # else no window ran or none improved: re-flowing the needs around the same roles
        # (a whole need flow, seconds at district size) would give what ``best`` started from
    if best is not None and (best_val is None or best_val < bound):
        rl, rkl = _role_loads(cp, best.role_units)
        classes = improve_needs(
            cp,
            best.class_units,
            rl,
            rkl,
            deadline - 0.1 * time_limit,
            seed,
            max_windows=max(1, int(NEEDS_WINDOWS_PER_SECOND * time_limit)),
            on_gain=gained,
        )
        keep(Solution(classes, best.role_units))
    return best, bound, False


def _surrogate(cp: Compiled, *, largest: bool = True) -> Compiled:
    """Flow-shaped copy of ``cp``: every item costs one effort on all its candidates.

    With ``largest`` (its largest effort) a plan feasible for the copy is feasible
    for ``cp`` (loads only shrink): the decomposition of the copy gives a hint.
    With the smallest effort every plan of ``cp`` is feasible for the copy with at
    least the same value (loads and convex penalties only shrink): the copy's
    flow-relaxation bound is a valid bound for ``cp``.
    """

    def widen(it: CItem) -> CItem:
        if it.effort.size == 0 or it.uniform_effort:
            return it
        e = int(it.effort.max()) if largest else int(it.effort.min())
        return dataclasses.replace(it, effort=np.full_like(it.effort, e))

    classes = [NeedClass(members=cl.members, rep=widen(cl.rep)) for cl in cp.classes]
    needs = list(cp.needs)
    for cl in classes:
        for i in cl.members:
            needs[i] = dataclasses.replace(needs[i], effort=cl.rep.effort)
    return dataclasses.replace(cp, classes=classes, needs=needs, roles=[widen(r) for r in cp.roles])


def _exact(
    cp: Compiled,
    hint: Solution | None,
    deadline: float,
    workers: int,
    seed: int,
    deterministic: bool = True,
    progress: SolveProgress | None = None,
    budget: float | None = None,
) -> tuple[Solution | None, int | None, str]:
    """One CP-SAT model of the whole problem (grouped needs), hinted; searches until ``deadline``.

    ``progress`` hears of each solution and each better bound while CP-SAT searches.
    ``budget``: the seconds CP-SAT's deterministic time is sized by (default: the
    seconds left until ``deadline``, which depend on the wall clock).
    """
    b = CpBuilder(cp)
    if hint is not None:
        b.add_hint(hint.class_units, hint.role_units)
    left = max(0.1, deadline - time.perf_counter())
    solver, st = solve_cpsat(
        b,
        left,
        workers,
        seed,
        deterministic=deterministic,
        progress=progress,
        offset=cp.constant,
        budget=budget,
    )
    if st == cp_model.INFEASIBLE:
        return None, None, "infeasible"
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, "unknown"
    cls, roles = b.read(solver)
    bound = int(np.floor(solver.BestObjectiveBound() + 1e-6)) + cp.constant
    return Solution(cls, roles), bound, "optimal" if st == cp_model.OPTIMAL else "feasible"


def _gap(
    cp: Compiled, time_limit: float, workers: int, seed: int
) -> tuple[Solution | None, int | None, str]:
    from gongjian.matching import gap_engine

    m, n = cp.m, len(cp.needs)
    big = 0
    cost = np.zeros((m, n), dtype=np.int64)
    weight = np.ones((m, n), dtype=np.int64)
    allowed = np.zeros((m, n), dtype=bool)
    for j, it in enumerate(cp.needs):
        units = it.units if not it.pinned else np.array(it.pinned[:1], dtype=np.int64)
        idx = np.searchsorted(it.units, units)
        cost[units, j] = -it.gain[idx]
        weight[units, j] = it.effort[idx]
        allowed[units, j] = True
    big = int(np.abs(cost).max()) + 1 if cost.size else 1
    cost[~allowed] = big
    weight[~allowed] = 1
    res = gap_engine.solve_gap(
        cost,
        weight,
        cp.cap.copy(),
        allowed=allowed,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
    )
    if res.status == "infeasible":
        return None, None, "infeasible"
    bound = -int(res.bound) + cp.constant if res.status != "unknown" else None
    if res.assignment is None or (np.asarray(res.assignment) < 0).any():
        return None, bound, "unknown"
    # need index -> class counts
    cls_of = {}
    for ci, cl in enumerate(cp.classes):
        for i in cl.members:
            cls_of[i] = ci
    class_units: list[dict[int, int]] = [{} for _ in cp.classes]
    for j, u in enumerate(np.asarray(res.assignment).tolist()):
        d = class_units[cls_of[j]]
        d[u] = d.get(u, 0) + 1
    return Solution(class_units, []), bound, res.status


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """List the hard-rule violations of ``plan`` (empty when feasible).

    Checks eligibility, capacity (effort per unit, uses per resource kind), role counts, min/max units,
    one place per unit per activity, one activity per unit and date, unavailable
    dates, pins, forbids and required needs.
    """
    out = []
    units = {u.id: u for u in problem.units}
    forb = {(p.item, p.unit) for p in problem.forbidden}
    got = {(a.item, a.unit) for a in plan.assignments}
    load: dict[str, int] = {}
    kload: dict[tuple[str, str], int] = {}
    by_item: dict[str, list[str]] = {}
    cand = {}
    kind_of = {}
    for n in problem.needs:
        kind_of[n.id] = n.kind
        for c in n.candidates:
            cand[(n.id, c.unit)] = c
    act_of = {}
    for a in problem.activities:
        for r in a.roles:
            k = f"{a.id}/{r.id}"
            kind_of[k] = r.kind
            act_of[k] = (a, r)
            for c in r.candidates:
                cand[(k, c.unit)] = c
    for a in plan.assignments:
        c = cand.get((a.item, a.unit))
        if c is None or c.beyond_distance_limit:
            out.append(f"not eligible: {a.item} -> {a.unit}")
            continue
        if (a.item, a.unit) in forb:
            out.append(f"forbidden: {a.item} -> {a.unit}")
        load[a.unit] = load.get(a.unit, 0) + c.effort
        kk = (a.unit, kind_of[a.item])
        kload[kk] = kload.get(kk, 0) + 1  # a resource capacity counts uses (次)
        by_item.setdefault(a.item, []).append(a.unit)
    for u, v in load.items():
        if v > units[u].capacity:
            out.append(f"capacity: {u} {v} > {units[u].capacity}")
    for (u, k), v in kload.items():
        kc = units[u].kind_capacity.get(k)
        if kc is not None and v > kc:
            out.append(f"kind capacity (uses): {u}/{k} {v} > {kc}")
    for n in problem.needs:
        us = by_item.get(n.id, [])
        if len(us) > 1:
            out.append(f"need twice: {n.id}")
        if n.required and not us:
            out.append(f"required need unmet: {n.id}")
    day: dict[tuple[str, str], str] = {}
    for a in problem.activities:
        seen: set[str] = set()
        for r in a.roles:
            us = by_item.get(f"{a.id}/{r.id}", [])
            if len(set(us)) != len(us):
                out.append(f"role unit twice: {a.id}/{r.id}")
            if (r.required and len(us) != r.count) or len(us) > r.count:
                out.append(f"role count: {a.id}/{r.id} {len(us)} vs {r.count}")
            for u in us:
                if u in seen:
                    out.append(f"unit twice in activity: {u} {a.id}")
                seen.add(u)
                if a.date in units[u].unavailable_dates:
                    out.append(f"unavailable: {u} {a.date}")
        if len(seen) < a.min_units or (a.max_units is not None and len(seen) > a.max_units):
            out.append(f"activity units: {a.id} {len(seen)}")
        for u in seen:
            key = (u, a.date.isoformat())
            if key in day:
                out.append(f"two activities one date: {u} {day[key]} {a.id}")
            day[key] = a.id
    for p in problem.pinned:
        if (p.item, p.unit) not in got:
            out.append(f"pin not kept: {p.item} -> {p.unit}")
    return out


def _cand(cache: dict[int, dict[str, Candidate]], cands: list[Candidate], unit: str) -> Candidate:
    """The candidate of ``unit`` in ``cands`` (lists shared by many items are indexed once)."""
    index = cache.get(id(cands))
    if index is None:
        index = cache[id(cands)] = {c.unit: c for c in cands}
    return index[unit]


def _plan(
    cp: Compiled,
    sol: Solution | None,
    status: str,
    bound: int | None,
    engine: str,
    seed: int,
    t0: float,
) -> Plan:
    prob = cp.problem
    plan = Plan(
        problem=prob.name, status=status, engine=engine, seed=seed, left_out=list(prob.left_out)
    )
    if sol is None:
        plan.seconds = round(time.perf_counter() - t0, 3)
        if bound is not None and status != "infeasible":
            plan.bound = bound
        return plan
    needs, roles = _pairs(cp, sol)
    names = {u.id: u.name for u in prob.units}
    pins = {(p.item, p.unit) for p in prob.pinned}
    ids = cp.unit_ids
    assigned: dict[int, int] = {}
    cache: dict[int, dict[str, Candidate]] = {}  # lists stay alive with ``prob``

    def decide(
        item: str, c: Candidate, type: Literal["need", "role"], activity: str | None = None
    ) -> Decision:
        return Decision(
            item=item,
            type=type,
            activity=activity,
            unit=c.unit,
            unit_name=names[c.unit],
            effort=c.effort,
            score=c.score,
            parts=dict(c.parts),
            pinned=(item, c.unit) in pins,
            kind=c.kind,
            distance_km=c.distance_km,
        )

    for ni, u in needs:
        assigned[ni] = u
        need = prob.needs[ni]
        c = _cand(cache, need.candidates, ids[u])
        plan.assignments.append(decide(need.id, c, "need"))
    for ri, u in roles:
        r = cp.roles[ri]
        a = prob.activities[r.activity]
        role = next(x for x in a.roles if f"{a.id}/{x.id}" == r.key)
        c = _cand(cache, role.candidates, ids[u])
        plan.assignments.append(decide(r.key, c, "role", a.id))
    parts = evaluate(prob, [(a.item, a.unit) for a in plan.assignments])
    plan.objective_parts = parts
    plan.objective = parts.total
    if bound is not None:
        bound = max(bound, parts.total) if status == "optimal" else bound
        plan.bound = bound
        plan.gap = round(max(0.0, (bound - parts.total) / max(1, abs(parts.total))), 9)
        if bound <= parts.total:
            plan.status = "optimal"
    nl, nkl = _need_loads(cp, sol.class_units)
    rl, rkl = _role_loads(cp, sol.role_units)
    loads = (nl + rl).tolist()
    kl = dict(nkl)
    for k, v in rkl.items():
        kl[k] = kl.get(k, 0) + v
    plan.loads = [
        UnitLoad(unit=ids[u], load=int(loads[u]), capacity=int(cp.cap[u])) for u in range(cp.m)
    ]
    plan.unmet = unmet_reasons(cp, assigned, loads, kl)
    plan.roles_short = [
        r.key
        for ri, r in enumerate(cp.roles)
        if not r.required and len(sol.role_units[ri]) < r.count
    ]
    plan.seconds = round(time.perf_counter() - t0, 3)
    return plan


def _finish_infeasible(cp: Compiled, seed: int, t0: float, deadline: float, engine: str) -> Plan:
    left = max(5.0, deadline - time.perf_counter())
    plan = _plan(cp, None, "infeasible", None, engine, seed, t0)
    plan.conflicts = infeasible_core(cp, time_limit=min(left, 20.0), seed=seed)
    plan.seconds = round(time.perf_counter() - t0, 3)
    return plan


@gc_paused()
def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    engine: str = "auto",
    deterministic: bool = True,
    progress: SolveProgress | None = None,
    warm: WarmStart | None = None,
    wall_guard: float | None = None,
) -> Plan:
    """Solve a planning problem.

    Parameters
    ----------
    problem : Problem
        The quarter's problem.
    time_limit : float
        Seconds for the whole call (compiling included).
    workers : int
        Worker threads for the GAP engine, and for CP-SAT when not ``deterministic``.
    seed : int
        Random seed; same problem and seed give the same plan (apart from
        ``seconds``) unless a wall-clock safety limit strikes.
    engine : {"auto", "exact", "decompose", "gap"}
        Force an engine (see module docstring).
    deterministic : bool
        CP-SAT runs on one worker under a deterministic-time limit (reproducible);
        ``False`` lets the exact engine use ``workers`` threads under the wall clock.
    progress : SolveProgress, optional
        Hears of every better plan and bound during the solve (CP-SAT solution and
        bound callbacks, the relaxations, the window searches), and of the final
        plan's figures.
    warm : WarmStart, optional
        Shared by solves of the same problem: the compiled problem and the
        decomposition's start are computed by the first and reused by the next.
    wall_guard : float, optional
        Deterministic mode only: the wall-clock seconds after which the solve is cut
        (a generous safety net, e.g. ``3 * time_limit + 1``). Given, every budget is
        sized by ``time_limit`` alone, never by the seconds left on the wall clock,
        so the same problem and seed give the same plan however busy the machine
        (the city's tasks); left out, the solve keeps to ``time_limit`` on the wall
        clock (the planner's jobs: the user's clock), and a busy machine may cut its
        search at another point.

    Returns
    -------
    Plan
        Status, objective, proven bound, gap, decisions, unmet reasons, conflicts.
    """
    t0 = time.perf_counter()
    # budgets by the time limit alone, the wall clock only a safety net (see wall_guard)
    fixed = deterministic and wall_guard is not None
    deadline = t0 + (wall_guard if fixed and wall_guard is not None else time_limit)
    if warm is not None and warm.cp is not None and warm.cp.problem is problem:
        cp = warm.cp
    else:
        cp = compile_problem(problem)
        if warm is not None:
            warm.cp, warm.start = cp, None
    conflicts = precheck(cp)
    if conflicts:
        plan = _plan(cp, None, "infeasible", None, "precheck", seed, t0)
        plan.conflicts = conflicts
        return plan
    if engine == "gap" and not is_gap_shaped(cp):
        engine = "auto"  # the GAP engine cannot express this problem
    if engine == "auto":
        pairs = sum(c.rep.units.size for c in cp.classes) + sum(r.units.size for r in cp.roles)
        if is_gap_shaped(cp) and cp.m * len(cp.needs) <= GAP_DENSE_LIMIT:
            engine = "gap"
        elif not cp.flowable or pairs <= EXACT_PAIR_LIMIT:
            engine = "exact"
        else:
            engine = "decompose"
    if engine == "decompose" and not cp.flowable:
        engine = "exact"  # the flow model needs one effort per item
    sol: Solution | None
    if engine == "gap":
        gap_limit = time_limit if fixed else max(0.1, deadline - time.perf_counter())
        sol, bound, status = _gap(cp, gap_limit, workers, seed)
    elif engine == "decompose":
        sol, bound, infeasible = _decompose(cp, deadline, time_limit, seed, progress, warm)
        status = "infeasible" if infeasible else ("feasible" if sol else "unknown")
    else:
        hint = None
        flow_bound = None
        if cp.flowable:
            # the decomposition gives a good hint and a proven bound quickly
            # ``share`` sizes the decomposition's deterministic budgets; its wall-clock
            # safety net is the solve's own deadline less CP-SAT's part, not ``share``
            # from now: under load a net that tight cut the hint short and the same seed
            # gave another (equally optimal) plan
            share = 0.3 * time_limit
            hint, flow_bound, infeasible = _decompose(
                cp, deadline - 0.5 * time_limit, share, seed, progress, warm
            )
            if infeasible:
                return _finish_infeasible(cp, seed, t0, deadline, "exact")
        else:
            # efforts vary per unit: decompose a conservative copy (each item's
            # largest effort everywhere) just for a feasible hint; its bound is
            # not valid for the real problem and is not used
            share = 0.3 * time_limit
            hint, _, _ = _decompose(_surrogate(cp), deadline - 0.5 * time_limit, share, seed)
            low = _surrogate(cp, largest=False)
            relax = flow_relaxation(low)
            if relax is None:
                return _finish_infeasible(cp, seed, t0, deadline, "exact")
            flow_bound = relax.value + low.constant + _joint_bonus_max(low)
            if progress is not None:
                progress.bound(flow_bound)
                if hint is not None:
                    progress.objective(solution_value(cp, hint))
        sol, bound, status = _exact(
            cp,
            hint,
            deadline - 0.08 * time_limit,
            workers,
            seed,
            deterministic,
            progress,
            # what is left of the time limit after the hint's share, nominally
            budget=EXACT_SHARE * time_limit if fixed else None,
        )
        if status == "infeasible":  # proven by CP-SAT: no hint can be a plan
            return _finish_infeasible(cp, seed, t0, deadline, "exact")
        if hint is not None and (sol is None or solution_value(cp, hint) > solution_value(cp, sol)):
            sol, status = hint, "feasible"
        if flow_bound is not None:
            bound = flow_bound if bound is None else min(bound, flow_bound)
    if status == "infeasible":
        return _finish_infeasible(cp, seed, t0, deadline, engine)
    plan = _plan(cp, sol, status, bound, engine, seed, t0)
    if progress is not None:
        progress.objective(plan.objective)
        progress.bound(plan.bound)
    return plan
