"""Large-neighbourhood search on the need part (activities fixed).

The need flow is exact only for unit efforts; with efforts 1–3 the rounding of
split classes loses a little.  This search frees every need held by a window of
units (a run of consecutive unit indices, in the synthetic districts a run of
neighbouring communities), together with the unmet needs that could go there,
and re-solves that sub-problem with CP-SAT (integer counts per need
class and unit, exact fairness segments above the activity load), hinted with
the incumbent so that it never gets worse.  Only windows some unmet need could
use are visited, those with the most unmet demand first; the number of windows and the CP-SAT deterministic time are the
budget, so the search is reproducible (the wall clock is a safety net).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from gongjian.matching.cpsat import cpsat_parameters
from gongjian.matching.grouped import Compiled
from gongjian.matching.objective import fairness_segments

__all__ = ["improve_needs"]


def _windows(cp: Compiled, size: int, class_units: list[dict[int, int]]) -> list[np.ndarray]:
    """Unit windows that unmet needs could use, most unmet demand first (ties: index)."""
    m = cp.m
    starts = list(range(0, m, size))
    score = np.zeros(len(starts), dtype=np.int64)
    for ci, cl in enumerate(cp.classes):
        left = cl.count - sum(class_units[ci].values())
        if left <= 0 or cl.rep.units.size == 0:
            continue
        wins = np.unique(cl.rep.units // size)
        score[wins] += left
    order = sorted(range(len(starts)), key=lambda i: (-int(score[i]), i))
    return [np.arange(starts[i], min(m, starts[i] + size)) for i in order if score[i] > 0]


def improve_needs(
    cp: Compiled,
    class_units: list[dict[int, int]],
    role_load: np.ndarray,
    role_kind_load: dict[tuple[int, str], int],
    deadline: float,
    seed: int = 0,
    *,
    max_windows: int = 20,
    window_units: int = 80,
    sub_dtime: float = 0.2,
    on_gain: Callable[[int], None] | None = None,
) -> list[dict[int, int]]:
    """Improve the need assignment window by window (see module docstring).

    Parameters
    ----------
    cp : Compiled
        The compiled problem.
    class_units : list of dict
        Incumbent: needs of each class per unit.
    role_load, role_kind_load
        Effort of the (fixed) activities per unit, and their uses (次) per capped
        (unit, kind): a resource capacity counts one use per assignment.
    deadline : float
        Wall-clock safety limit (``time.perf_counter()``).
    max_windows : int
        Number of windows to re-solve (deterministic budget).
    on_gain : callable, optional
        Hears the total gain so far after each improving window (progress reports).

    Returns
    -------
    list of dict
        The improved (never worse) assignment.
    """
    out = [dict(d) for d in class_units]
    wf = cp.problem.weights.fairness
    gain = 0
    for units in _windows(cp, window_units, out)[:max_windows]:
        if time.perf_counter() >= deadline:
            break
        inside = set(units.tolist())
        model = cp_model.CpModel()
        terms: dict[int, list[tuple[int, cp_model.IntVar, str]]] = {u: [] for u in inside}
        obj = []
        cur = 0
        hint_load = {u: 0 for u in inside}
        for ci, cl in enumerate(cp.classes):
            rep = cl.rep
            held = {u: k for u, k in out[ci].items() if u in inside}
            left = cl.count - sum(out[ci].values())
            cand = [
                (u, e, g)
                for u, e, g in zip(
                    rep.units.tolist(), rep.effort.tolist(), rep.gain.tolist(), strict=True
                )
                if u in inside and (not rep.pinned or u in rep.pinned)
            ]
            if not held and (left <= 0 or not cand):
                continue
            free = sum(held.values()) + max(0, left)
            xs = []
            for u, e, g in cand:
                room = int(cp.cap[u] - role_load[u]) // e
                kk = (u, rep.kind)
                if kk in cp.kind_cap:
                    room = min(room, cp.kind_cap[kk] - role_kind_load.get(kk, 0))
                ub = max(0, min(free, room))
                v = model.NewIntVar(0, ub, f"x{ci}_{u}")
                k = held.get(u, 0)
                model.AddHint(v, min(k, ub))
                xs.append(v)
                terms[u].append((e, v, rep.kind))
                obj.append(g * v)
                cur += g * k
                hint_load[u] += e * k
            if rep.required or rep.pinned:
                model.Add(sum(xs) == free)
            else:
                model.Add(sum(xs) <= free)
        for u, ts in terms.items():
            if not ts:
                continue
            start = int(role_load[u])
            model.Add(sum(e * v for e, v, _ in ts) <= int(cp.cap[u]) - start)
            for (uu, kind), kc in cp.kind_cap.items():
                if uu != u:
                    continue
                kt = [v for _, v, k in ts if k == kind]
                if kt:  # one use (次) per need, whatever its effort
                    model.Add(sum(kt) <= kc - role_kind_load.get((u, kind), 0))
            if wf:
                segs = []
                left_h = hint_load[u]
                for j, (length, marg) in enumerate(fairness_segments(int(cp.cap[u]), start)):
                    s = model.NewIntVar(0, length, f"s{u}_{j}")
                    take = min(left_h, length)
                    model.AddHint(s, take)
                    left_h -= take
                    segs.append(s)
                    if marg:
                        obj.append(-wf * marg * s)
                        cur -= wf * marg * take
                if segs:
                    model.Add(sum(segs) == sum(e * v for e, v, _ in ts))
        if not obj:
            continue
        model.Maximize(sum(obj))
        solver = cpsat_parameters(1.0, 1, seed)
        solver.parameters.max_deterministic_time = sub_dtime
        solver.parameters.cp_model_presolve = False  # measured 3x faster on these windows
        solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
        st = solver.Solve(model)
        if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE) or solver.ObjectiveValue() <= cur:
            continue
        gain += int(solver.ObjectiveValue() - cur)
        if on_gain is not None:
            on_gain(gain)
        # write back: every class touched in this window
        for u, ts in terms.items():
            for _, v, _ in ts:
                ci = int(v.Name()[1:].split("_")[0])
                val = int(solver.Value(v))
                if val:
                    out[ci][u] = val
                else:
                    out[ci].pop(u, None)
    return out
