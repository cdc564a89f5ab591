"""The activity part: roles, dates, min/max units — greedy start and CP-SAT LNS.

With the need loads fixed, the activity part is solved by

1. :func:`greedy_roles` — activities in order, each role filled with the units of
   best net gain (pair gain minus fairness increment; units the flow relaxation
   chose first) among those free that day, not yet in the activity and with room;
2. :func:`improve_roles` — large-neighbourhood search: a window of consecutive
   dates (or of communities) is freed and re-solved exactly by CP-SAT with all
   other activities fixed (their loads, busy days and covered joint types passed
   in), hinted with the incumbent, so each step never gets worse.  Windows are
   visited in a fixed order with deterministic time limits: deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from gongjian.matching.cpsat import CpBuilder, cpsat_parameters
from gongjian.matching.grouped import Compiled

__all__ = ["greedy_roles", "improve_roles", "roles_feasible"]


def _effort(cp: Compiled, ri: int, u: int) -> int:
    return cp.role_table[ri][u][0]


def _gain(cp: Compiled, ri: int, u: int) -> int:
    return cp.role_table[ri][u][1]


def greedy_roles(
    cp: Compiled,
    base_load: np.ndarray,
    base_kload: dict[tuple[int, str], int],
    prefer: list[set[int]] | None = None,
) -> list[set[int]] | None:
    """Fill the roles greedily (see module docstring).

    Returns
    -------
    list of set or None
        Units per role; ``None`` when a required role or a minimum cannot be met.
    """
    load = base_load.astype(np.int64).copy()
    kload = dict(base_kload)
    busy: set[tuple[int, int]] = set()
    out: list[set[int]] = [set() for _ in cp.roles]
    wf = cp.problem.weights.fairness
    marg: dict[int, np.ndarray] = {}

    def net(ri: int, u: int) -> int:
        e = _effort(cp, ri, u)
        pen = 0
        if wf:
            if u not in marg:
                marg[u] = cp.marginals(u)
            pen = int(marg[u][load[u] : load[u] + e].sum())
        return _gain(cp, ri, u) - pen

    def fits(ri: int, u: int, date: int, used: set[int]) -> bool:
        r = cp.roles[ri]
        if u in used or (u, date) in busy:
            return False
        e = _effort(cp, ri, u)
        if load[u] + e > cp.cap[u]:
            return False
        kk = (u, r.kind)
        return not (kk in cp.kind_cap and kload.get(kk, 0) + 1 > cp.kind_cap[kk])

    def take(ri: int, u: int, date: int, used: set[int]) -> None:
        e = _effort(cp, ri, u)
        out[ri].add(u)
        used.add(u)
        busy.add((u, date))
        load[u] += e
        kk = (u, cp.roles[ri].kind)
        if kk in cp.kind_cap:
            kload[kk] = kload.get(kk, 0) + 1  # one use (次)

    # pinned places first (all activities), so that greedy choices respect them
    used_by_act: list[set[int]] = [set() for _ in cp.activities]
    for ri, r in enumerate(cp.roles):
        a = cp.activities[r.activity]
        for u in r.pinned:
            if not fits(ri, u, a.date, used_by_act[r.activity]):
                return None
            take(ri, u, a.date, used_by_act[r.activity])

    # tightest activities first (fewest spare candidates)
    def slack(ai: int) -> tuple[int, int]:
        a = cp.activities[ai]
        need = max(a.min_units, sum(cp.roles[ri].count for ri in a.roles if cp.roles[ri].required))
        return (sum(cp.roles[ri].units.size for ri in a.roles) - need, ai)

    for ai in sorted(range(len(cp.activities)), key=slack):
        a = cp.activities[ai]
        used = used_by_act[ai]
        total = len(used)
        cap_units = a.max_units if a.max_units is not None else 10**9
        order = sorted(a.roles, key=lambda ri: (not cp.roles[ri].required, ri))
        for ri in order:
            r = cp.roles[ri]
            pref = prefer[ri] if prefer else set()
            while len(out[ri]) < r.count and total < cap_units:
                best = None
                for u in r.units.tolist():
                    if not fits(ri, u, a.date, used):
                        continue
                    key = (u in pref, net(ri, u), -u)
                    if best is None or key > best[0]:
                        best = (key, u)
                if best is None:
                    break
                if not r.required and best[0][1] <= 0 and total >= a.min_units:
                    break
                take(ri, best[1], a.date, used)
                total += 1
            if r.required and len(out[ri]) < r.count:
                return None
        if total < a.min_units:
            return None
    return out


def _windows(cp: Compiled, size: int, by: str) -> list[set[int]]:
    if by == "date":
        keys = [a.date for a in cp.activities]
    else:
        comms = sorted({a.community for a in cp.activities})
        ci = {c: i for i, c in enumerate(comms)}
        keys = [ci[a.community] for a in cp.activities]
    distinct = sorted(set(keys))
    out = []
    for i in range(0, len(distinct), size):
        chunk = set(distinct[i : i + size])
        out.append({ai for ai, k in enumerate(keys) if k in chunk})
    return out


def improve_roles(
    cp: Compiled,
    need_load: np.ndarray,
    need_kload: dict[tuple[int, str], int],
    roles: list[set[int]],
    deadline: float,
    seed: int = 0,
    *,
    dtime_budget: float = 1e9,
    max_windows: int = 10**9,
    window_activities: int = 60,
    sub_time: float = 1.0,
    on_gain: Callable[[int], None] | None = None,
) -> tuple[list[set[int]], float]:
    """Large-neighbourhood search over windows of dates, then of communities.

    Each window's activities are re-solved exactly (CP-SAT, one worker,
    deterministic time at most ``sub_time``) with everything else fixed; the
    incumbent is the hint, so the plan never gets worse.  Stops after
    ``max_windows`` windows or when the CP-SAT deterministic time spent reaches
    ``dtime_budget`` (both deterministic), after a pass without improvement, or at
    the wall-clock ``deadline`` (safety net). ``on_gain`` hears the total gain so
    far after each improving window (for progress reports).

    Returns
    -------
    (roles, dtime_used)
    """
    used = 0.0
    roles = [set(s) for s in roles]
    n_dates = max(1, len(cp.dates))
    per_date = max(1.0, len(cp.activities) / n_dates)
    size_d = max(1, int(window_activities / per_date))
    comms = max(1, len({a.community for a in cp.activities}))
    size_c = max(1, int(window_activities / max(1.0, len(cp.activities) / comms)))
    passes = [("date", size_d), ("community", size_c)]
    improved_any = True
    rnd = 0
    done = 0
    gain = 0
    while (
        improved_any
        and time.perf_counter() < deadline
        and used < dtime_budget
        and done < max_windows
    ):
        improved_any = False
        by, size = passes[rnd % 2]
        rnd += 1
        for window in _windows(cp, size, by):
            if time.perf_counter() >= deadline or used >= dtime_budget or done >= max_windows:
                break
            done += 1
            fixed = need_load.astype(np.int64).copy()
            fkind = dict(need_kload)
            busy: set[tuple[int, int]] = set()
            covered: set[tuple[str, str]] = set()
            for ri, us in enumerate(roles):
                r = cp.roles[ri]
                if r.activity in window or not us:
                    continue
                a = cp.activities[r.activity]
                covered.add((a.community, a.joint_type))
                for u in us:
                    e = _effort(cp, ri, u)
                    fixed[u] += e
                    busy.add((u, a.date))
                    if (u, r.kind) in cp.kind_cap:
                        fkind[(u, r.kind)] = fkind.get((u, r.kind), 0) + 1
            b = CpBuilder(
                cp,
                include_needs=False,
                fixed_load=fixed,
                fixed_kind_load=fkind,
                activities=window,
                busy=busy,
                covered=covered,
            )
            b.add_hint(None, roles)
            # value of the incumbent in this sub-model
            cur = _sub_value(cp, b, roles, fixed, covered)
            solver = cpsat_parameters(1.0, 1, seed)
            # windows are small: presolve costs more wall time than it saves
            solver.parameters.cp_model_presolve = False
            solver.parameters.max_deterministic_time = min(sub_time, max(0.05, dtime_budget - used))
            solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
            st = solver.Solve(b.model)
            used += solver.deterministic_time
            if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                continue
            if solver.ObjectiveValue() > cur + 0.5:
                gain += int(solver.ObjectiveValue() - cur)
                if on_gain is not None:
                    on_gain(gain)
                _, new = b.read(solver)
                for ri, r in enumerate(cp.roles):
                    if r.activity in window:
                        roles[ri] = new[ri]
                improved_any = True
        if rnd >= 2 and not improved_any:
            break
        if rnd < 2:
            improved_any = True
    return roles, used


def _sub_value(
    cp: Compiled,
    b: CpBuilder,
    roles: list[set[int]],
    fixed: np.ndarray,
    covered: set[tuple[str, str]],
) -> float:
    """Objective of the incumbent in the window sub-model (same terms as CpBuilder)."""
    wf = cp.problem.weights.fairness
    val = 0
    add = np.zeros(cp.m, dtype=np.int64)
    joint = set()
    for ri, us in enumerate(roles):
        r = cp.roles[ri]
        if r.activity not in b.active:
            continue
        a = cp.activities[r.activity]
        for u in us:
            val += _gain(cp, ri, u)
            add[u] += _effort(cp, ri, u)
            joint.add((a.community, a.joint_type))
    if wf:
        for u in np.flatnonzero(add).tolist():
            m = cp.marginals(u)
            val -= int(m[fixed[u] : fixed[u] + add[u]].sum())
    val += cp.problem.weights.joint_coverage * len(joint - covered)
    return float(val)


def roles_feasible(
    cp: Compiled, roles: list[set[int]], base_load: np.ndarray | None = None
) -> bool:
    """Check the activity rules for ``roles`` (counts, min/max, dates, pins, capacity)."""
    load = np.zeros(cp.m, dtype=np.int64) if base_load is None else base_load.copy()
    kload: dict[tuple[int, str], int] = {}
    busy: set[tuple[int, int]] = set()
    for ri, us in enumerate(roles):
        r = cp.roles[ri]
        if len(us) > r.count or (r.required and len(us) != r.count):
            return False
        if not set(r.pinned) <= us:
            return False
        for u in us:
            e = _effort(cp, ri, u)
            load[u] += e
            if (u, r.kind) in cp.kind_cap:
                kload[(u, r.kind)] = kload.get((u, r.kind), 0) + 1
    for a in cp.activities:
        members = [u for ri in a.roles for u in roles[ri]]
        if len(set(members)) != len(members):
            return False
        if len(members) < a.min_units or (a.max_units is not None and len(members) > a.max_units):
            return False
        for u in members:
            if (u, a.date) in busy:
                return False
            busy.add((u, a.date))
    if (load > cp.cap).any():
        return False
    return all(v <= cp.kind_cap[k] for k, v in kload.items())
