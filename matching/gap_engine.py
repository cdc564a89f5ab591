"""Fast, deterministic engine for the Generalized Assignment Problem (GAP).

Problem (minimisation)::

    min  sum_ij cost[i, j] * x[i, j]
    s.t. sum_i x[i, j] = 1                     for every item j
         sum_j weight[i, j] * x[i, j] <= cap[i]  for every agent i
         x[i, j] = 0 where ``allowed[i, j]`` is False

Method
------
1. Pre-processing: pairs whose weight can never fit are removed; an item with no
   possible agent, a total minimum weight above the total capacity, or an
   infeasible LP relaxation proves infeasibility.
2. LP relaxation (GLOP): a proven lower bound (rounded up after subtracting a
   float-error margin).
3. Start solutions: the caller's hint (if feasible), four regret-greedy
   constructions (Martello–Toth style, different desirabilities) each followed by
   a shift descent, and an LP rounding (items integral in the LP are kept, the few
   fractional ones are re-assigned by a small CP-SAT model).  The best is kept.
4. Search (the whole time): a tabu search in the calling thread (shift moves,
   swap moves and two-step ejection chains — item j moves to the agent of item k,
   which is ejected to its best or second-best other agent — all evaluated with
   numpy at every iteration; capacity excess allowed but penalised with per-agent
   weights that rise while an agent is overloaded and fall while it is not, never
   below a floor — strategic oscillation; random tenure, aspiration; after a stall
   the best feasible solution of the epoch joins an elite pool and the search
   restarts halfway between the best solution and a random elite one — path
   relinking — or, with no elite yet, from the best with a small random
   perturbation) runs in parallel with a single-worker whole-model CP-SAT in a second
   thread (one Boolean per pair, ``AddExactlyOne`` per item, a capacity row per
   agent, objective floored at the LP bound, the start solution as hint; CP-SAT
   releases the GIL).  CP-SAT proves optimality on the small and medium instances
   and tightens the bound; the tabu search finds the good solutions on the tight
   ones (Chu–Beasley type D).  Either side stops the other when it proves
   optimality.  The result is the best of the two; the bound is the best of the LP
   bound and CP-SAT's ``best_objective_bound``.  With ``workers=1`` CP-SAT (40 %)
   and the tabu search (60 %) run one after the other.

Determinism
-----------
By default (``deterministic=True``) every budget is deterministic: CP-SAT runs
single-worker with ``max_deterministic_time`` and a fixed seed, the tabu search
runs a fixed number of iterations, and both budgets are derived from
``time_limit`` and the instance size with rates measured on the 2-core reference
machine; a CP-SAT optimum wins ties, so the result does not depend on which
thread finishes first.  The wall clock is then only a safety net at
``3 * time_limit + 1`` s, so on a slower or busier machine a call can take longer
than ``time_limit``.  ``deterministic=False`` stops at ``time_limit`` instead (the
result may then vary with machine load).  Multi-worker CP-SAT is not used: without
``interleave_search`` it is not reproducible, and with it (OR-Tools 9.15) it
overshot ``max_deterministic_time`` by 2–3x and found worse solutions.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

__all__ = ["GapResult", "read_orlibrary", "solve_gap"]


# CP-SAT deterministic time per wall-clock second for one worker on the whole
# model, measured on the (shared, busy) 2-core reference machine; used to turn
# ``time_limit`` into deterministic budgets.
_CPSAT_RATE = 0.2
# share of the time that the deterministic budgets of CP-SAT and of the tabu search
# aim at (the tabu search plateaus early on the hard instances, CP-SAT needs its time
# for the optimality proofs)
_CP_SHARE = 0.8
_TS_SHARE = 0.8
# tabu search: cost of one iteration in microseconds, (a + k * n**p) * (1 + f*m)
# (fitted on the reference machine with the CP-SAT thread and other load running)
_TS_US = (216.0, 0.0312, 2.2, 0.005)
# tabu search: penalty factor, tenure range and restart rules (fractions of n)
_TS_PENALTY_STEP = 1.1
# penalties never fall below this multiple of their initial value (keeps the search
# close to the feasible region without letting the weights ratchet up)
_TS_PENALTY_FLOOR = 1.5
_TS_TENURE = (0.05, 0.125)
_TS_STALL = 10.0
_TS_PERTURB = 0.05
# elite pool size for the path-relinking restarts
_TS_ELITE = 10
# ... or than this multiple of the LP price (dual) of its capacity, when lower
_TS_PRICE_FACTOR = 2.5
_INF = np.iinfo(np.int64).max // 4
# size guards for large planner instances (memory/time of the dense numpy parts)
_LP_MAX_PAIRS = 20_000
_GREEDY_MAX_OPS = 1e8
_TS_MAX_ITEMS = 1200
# deterministic mode: hard wall-clock stop at this multiple of time_limit (+1 s)
_DET_GUARD = 3.0


@dataclass
class GapResult:
    """Result of :func:`solve_gap`.

    Attributes
    ----------
    assignment : np.ndarray
        Agent index per item (shape ``(n,)``), ``-1`` for every item when no
        solution is known.
    objective : int
        Total cost of ``assignment``.
    bound : int
        Proven lower bound on the optimum (never above it).
    status : str
        ``"optimal"``, ``"feasible"``, ``"infeasible"`` or ``"unknown"``.
    seconds : float
        Wall-clock time spent.
    """

    assignment: np.ndarray
    objective: int
    bound: int
    status: str
    seconds: float


def read_orlibrary(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse an OR-Library GAP file.

    Parameters
    ----------
    path : str or Path
        File with ``m n``, then ``m`` rows of ``n`` costs, ``m`` rows of ``n``
        weights and ``m`` capacities (whitespace separated integers).

    Returns
    -------
    tuple of np.ndarray
        ``(cost[m, n], weight[m, n], capacity[m])`` as ``int64`` arrays.
    """
    tokens = np.array(Path(path).read_text().split(), dtype=np.int64)
    m, n = int(tokens[0]), int(tokens[1])
    need = 2 + 2 * m * n + m
    if tokens.size < need:
        raise ValueError(f"{path}: expected at least {need} integers, got {tokens.size}")
    body = tokens[2:need]
    cost = body[: m * n].reshape(m, n).copy()
    weight = body[m * n : 2 * m * n].reshape(m, n).copy()
    capacity = body[2 * m * n :].copy()
    return cost, weight, capacity


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------


class _Clock:
    """Wall-clock safety net."""

    def __init__(self, time_limit: float) -> None:
        self.start = time.perf_counter()
        self.time_limit = time_limit

    def wall(self) -> float:
        return time.perf_counter() - self.start

    def wall_left(self) -> float:
        return self.time_limit - self.wall()


def _objective(cost: np.ndarray, assign: np.ndarray) -> int:
    return int(cost[assign, np.arange(assign.size)].sum())


def _loads(weight: np.ndarray, assign: np.ndarray, m: int) -> np.ndarray:
    return np.bincount(assign, weights=weight[assign, np.arange(assign.size)], minlength=m).astype(
        np.int64
    )


def _is_feasible(
    weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray, assign: np.ndarray
) -> bool:
    m, n = weight.shape
    if assign.shape != (n,) or n == 0:
        return assign.shape == (n,)
    if assign.min() < 0 or assign.max() >= m:
        return False
    if not allowed[assign, np.arange(n)].all():
        return False
    return bool((_loads(weight, assign, m) <= capacity).all())


def _lp_relaxation(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray
) -> tuple[str, float, np.ndarray | None, np.ndarray | None]:
    """Solve the LP relaxation with GLOP.

    Returns ``(status, value, duals, x)``: ``duals[i] >= 0`` is the price of one
    unit of capacity of agent ``i``; status is ``"optimal"``, ``"infeasible"`` or
    ``"unknown"``.
    """
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return "unknown", -math.inf, None, None
    m, n = cost.shape
    ii, jj = np.nonzero(allowed)
    xs = [solver.NumVar(0.0, 1.0, "") for _ in range(ii.size)]
    by_item: list[list[int]] = [[] for _ in range(n)]
    by_agent: list[list[int]] = [[] for _ in range(m)]
    for k, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
        by_item[j].append(k)
        by_agent[i].append(k)
    for j in range(n):
        ct = solver.Constraint(1.0, 1.0)
        for k in by_item[j]:
            ct.SetCoefficient(xs[k], 1.0)
    w = weight[ii, jj].astype(float)
    caps: list[tuple[int, pywraplp.Constraint]] = []
    for i in range(m):
        if not by_agent[i]:
            continue
        ct = solver.Constraint(-solver.infinity(), float(capacity[i]))
        caps.append((i, ct))
        for k in by_agent[i]:
            ct.SetCoefficient(xs[k], w[k])
    obj = solver.Objective()
    c = cost[ii, jj].astype(float)
    for k, x in enumerate(xs):
        obj.SetCoefficient(x, c[k])
    obj.SetMinimization()
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return "infeasible", math.inf, None, None
    if status != pywraplp.Solver.OPTIMAL:
        return "unknown", -math.inf, None, None
    duals = np.zeros(m)
    for i, ct in caps:
        duals[i] = max(0.0, -ct.dual_value())
    xval = np.zeros((m, n))
    xval[ii, jj] = [x.solution_value() for x in xs]
    return "optimal", float(obj.Value()), duals, xval


def _lp_int_bound(value: float, cost: np.ndarray) -> int:
    """Round an LP value up to a safe integer bound (tolerates GLOP's float error)."""
    tol = 1e-6 * max(1.0, float(np.abs(cost).max(initial=0)) * cost.shape[1])
    return math.ceil(value - max(tol, 1e-6))


def _greedy(
    desir: np.ndarray, weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray
) -> np.ndarray | None:
    """Regret greedy: repeatedly fix the item whose best/second-best gap is largest."""
    m, n = weight.shape
    residual = capacity.astype(np.int64).copy()
    assign = np.full(n, -1, dtype=np.int64)
    open_items = np.ones(n, dtype=bool)
    big = np.float64(1e18)
    for _ in range(n):
        cols = np.flatnonzero(open_items)
        fits = allowed[:, cols] & (weight[:, cols] <= residual[:, None])
        d = np.where(fits, desir[:, cols], big)
        if not fits.any(axis=0).all():
            return None
        if m >= 2:
            part = np.partition(d, 1, axis=0)
            regret = part[1] - part[0]
        else:
            regret = np.full(cols.size, big)
        k = int(np.argmax(regret))
        j = int(cols[k])
        i = int(np.argmin(d[:, k]))
        assign[j] = i
        residual[i] -= weight[i, j]
        open_items[j] = False
    return assign


def _static_greedy(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray
) -> np.ndarray | None:
    """Cheap greedy for large instances: items by static regret, cheapest fitting agent."""
    m, n = cost.shape
    big = np.float64(1e18)
    d = np.where(allowed, cost.astype(float), big)
    if m >= 2:
        part = np.partition(d, 1, axis=0)
        regret = part[1] - part[0]
    else:
        regret = np.zeros(n)
    residual = capacity.astype(np.int64).copy()
    assign = np.full(n, -1, dtype=np.int64)
    for j in np.argsort(-regret, kind="stable").tolist():
        fits = allowed[:, j] & (weight[:, j] <= residual)
        if not fits.any():
            return None
        i = int(np.argmin(np.where(fits, d[:, j], big)))
        assign[j] = i
        residual[i] -= weight[i, j]
    return assign


def _shift_descent(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    assign: np.ndarray,
) -> np.ndarray:
    """Best-improvement shift moves (move one item to another agent)."""
    m, n = cost.shape
    assign = assign.copy()
    ar = np.arange(n)
    loads = _loads(weight, assign, m)
    for _ in range(min(10 * n, max(1, int(2e8 // (m * n))))):
        residual = capacity - loads
        cur = cost[assign, ar]
        delta = cost - cur[None, :]
        ok = allowed & (weight <= residual[:, None])
        ok[assign, ar] = False
        delta = np.where(ok, delta, 0)
        k = int(np.argmin(delta))
        i, j = divmod(k, n)
        if delta[i, j] >= 0:
            break
        loads[assign[j]] -= weight[assign[j], j]
        loads[i] += weight[i, j]
        assign[j] = i
    return assign


def _tabu_search(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    start: np.ndarray,
    *,
    max_iters: int,
    deadline: float,
    seed: int,
    target: int,
    stop: threading.Event | None = None,
    chains: bool = True,
    prices: np.ndarray | None = None,
) -> tuple[np.ndarray, int, int]:
    """Tabu search with shift and swap moves and strategic oscillation.

    Capacity excess is allowed but penalised by ``alpha`` (raised while the
    current solution is infeasible, lowered while it is feasible).  Every move is
    evaluated exactly with numpy (all ``m*n`` shifts and ``n*n`` swaps per
    iteration).  Stops after ``max_iters`` iterations, at ``deadline``
    (``time.perf_counter``), when ``stop`` is set, or on reaching ``target``.

    Returns ``(best_assignment, best_cost, iterations)``; ``start`` must be
    feasible.
    """
    rng = np.random.default_rng(seed)
    m, n = cost.shape
    ar = np.arange(n)
    c = cost.astype(np.float64)
    w = weight.astype(np.float64)
    cap = capacity.astype(np.float64)
    inf = np.inf
    assign = start.astype(np.int64).copy()
    loads = np.bincount(assign, weights=w[assign, ar], minlength=m)
    cur_cost = float(c[assign, ar].sum())
    best = assign.copy()
    best_cost = cur_cost
    alpha0 = max(1.0, float(np.abs(c).mean()) / max(1.0, float(w.mean())))
    pen = np.full(m, alpha0)
    pen_floor = np.full(m, _TS_PENALTY_FLOOR * alpha0)
    if prices is not None and prices.shape == (m,):
        # Lagrangian guidance: where the LP prices capacity low (loose agents,
        # cost weakly tied to weight) the floor drops to a multiple of that price
        pen_floor = np.maximum(np.minimum(pen_floor, _TS_PRICE_FACTOR * prices), 0.05 * alpha0)
    tabu = np.zeros((m, n), dtype=np.int64)
    t_min, t_max = max(3, int(n * _TS_TENURE[0])), max(6, int(n * _TS_TENURE[1]))
    not_allowed = ~allowed
    last_improve = 0
    elite: list[tuple[float, np.ndarray]] = []
    ep_cost, ep_best = cur_cost, assign.copy()
    stall = max(200, int(_TS_STALL * n))
    all_allowed = bool(allowed.all())
    it = 0
    while it < max_iters and best_cost > target:
        it += 1
        if time.perf_counter() > deadline or (stop is not None and stop.is_set()):
            break
        excess = np.maximum(loads - cap, 0.0)
        ex_tot = float(excess.sum())
        cself = c[assign, ar]
        wself = w[assign, ar]
        la = loads[assign]
        capa = cap[assign]
        exa = excess[assign]
        # ---- shift j -> i
        from_rest = la - wself
        dex_from = np.maximum(from_rest - capa, 0.0) - exa
        dex_to = np.maximum(loads[:, None] + w - cap[:, None], 0.0) - excess[:, None]
        dex_s = dex_to + dex_from[None, :]
        dc_s = c - cself[None, :]
        pena = pen[assign]
        p_s = dc_s + pen[:, None] * dex_to + (pena * dex_from)[None, :]
        bad = not_allowed.copy()
        bad[assign, ar] = True
        feas_s = (ex_tot + dex_s) <= 0.0
        asp_s = feas_s & (cur_cost + dc_s < best_cost - 0.5)
        p_s[bad | ((tabu > it) & ~asp_s)] = inf
        ks = int(np.argmin(p_s))
        best_s = p_s.flat[ks]
        # ---- swap j <-> k and ejection chains (row r is item rows[r])
        rows = ar
        aj = assign[rows]
        wa = w[aj]  # wa[r, k] = weight of item k on the agent of rows[r]
        ca = c[aj]
        wb = w[assign[None, :], rows[:, None]]  # weight of rows[r] on the agent of k
        cb = c[assign[None, :], rows[:, None]]
        cs_r = cself[rows][:, None]
        pa_r = pena[rows][:, None]
        # excess change of agent(j) when j leaves and k arrives, of agent(k) when k
        # leaves and j arrives
        ex_a = (
            np.maximum(from_rest[rows][:, None] + wa - capa[rows][:, None], 0.0)
            - exa[rows][:, None]
        )
        ex_b = np.maximum(from_rest[None, :] + wb - capa[None, :], 0.0) - exa[None, :]
        pb = pena[None, :] * ex_b
        dc_j = cb - cs_r  # j moves to agent(k)
        dc_w = dc_j + ca - cself[None, :]
        p_w = dc_w + pa_r * ex_a + pb
        ta_j = tabu[assign[None, :], rows[:, None]] > it  # j -> agent(k) is tabu
        tab_w = ta_j | (tabu[aj] > it)
        feas_w = (ex_tot + ex_a + ex_b) <= 0.0
        asp_w = feas_w & (cur_cost + dc_w < best_cost - 0.5)
        same = aj[:, None] == assign[None, :]
        if all_allowed:
            bad_j = same
            bad_w = same
        else:
            bad_j = same | ~allowed[assign[None, :], rows[:, None]]
            bad_w = bad_j | ~allowed[aj]
        p_w[bad_w | (tab_w & ~asp_w)] = inf
        kw = int(np.argmin(p_w))
        best_w = p_w.flat[kw]
        # ejection chain j: a -> b, k: b -> c (c not in {a, b}); the exit of k is
        # the best of its two best exits (by penalised delta) that is not a
        best_e = inf
        ke = -1
        if chains:
            pe = dc_s + pen[:, None] * dex_to  # k: assign[k] -> c, exit part only
            pe[bad | (tabu > it)] = inf
            c1 = np.argmin(pe, axis=0)
            e1 = pe[c1, ar]
            pe[c1, ar] = inf
            c2 = np.argmin(pe, axis=0)
            e2 = pe[c2, ar]
            use2 = c1[None, :] == aj[:, None]
            ee = np.where(use2, e2[None, :], e1[None, :])
            xe = np.where(use2, dex_to[c2, ar][None, :], dex_to[c1, ar][None, :])
            dce = np.where(use2, dc_s[c2, ar][None, :], dc_s[c1, ar][None, :])
            p_e = dc_j + (pena * dex_from)[rows][:, None] + pb + ee
            feas_e = (ex_tot + dex_from[rows][:, None] + ex_b + xe) <= 0.0
            asp_e = feas_e & (cur_cost + dc_j + dce < best_cost - 0.5)
            p_e[bad_j | (ta_j & ~asp_e)] = inf
            ke = int(np.argmin(p_e))
            best_e = p_e.flat[ke]
        if best_e < min(best_s, best_w):
            r, k = divmod(ke, n)
            j = int(rows[r])
            a, b = assign[j], assign[k]
            cc = int(c2[k]) if c1[k] == a else int(c1[k])
            ten = int(rng.integers(t_min, t_max + 1))
            loads[a] -= w[a, j]
            loads[b] += w[b, j] - w[b, k]
            loads[cc] += w[cc, k]
            cur_cost += c[b, j] - c[a, j] + c[cc, k] - c[b, k]
            assign[j], assign[k] = b, cc
            tabu[a, j] = it + ten
            tabu[b, k] = it + ten
            best_s = best_w = inf  # move done
        elif best_s == inf and best_w == inf:
            if not (tabu > it).any():
                break  # no move exists at all
            # everything tabu: clear tabu list
            tabu[:] = 0
            continue
        if best_s == inf and best_w == inf:
            pass
        elif best_s <= best_w:
            ten = int(rng.integers(t_min, t_max + 1))
            i, j = divmod(ks, n)
            a = assign[j]
            loads[a] -= w[a, j]
            loads[i] += w[i, j]
            cur_cost += c[i, j] - c[a, j]
            assign[j] = i
            tabu[a, j] = it + ten
        else:
            ten = int(rng.integers(t_min, t_max + 1))
            r, k = divmod(kw, n)
            j = int(rows[r])
            a, b = assign[j], assign[k]
            loads[a] += w[a, k] - w[a, j]
            loads[b] += w[b, j] - w[b, k]
            cur_cost += c[b, j] + c[a, k] - c[a, j] - c[b, k]
            assign[j], assign[k] = b, a
            tabu[a, j] = it + ten
            tabu[b, k] = it + ten
        feasible = bool((loads <= cap + 1e-9).all())
        if feasible:
            if cur_cost < best_cost - 0.5:
                best_cost = cur_cost
                best = assign.copy()
                last_improve = it
            if cur_cost < ep_cost - 0.5:
                ep_cost = cur_cost
                ep_best = assign.copy()
            pen = np.maximum(pen / _TS_PENALTY_STEP, pen_floor)
        else:
            # raise the weights of the overloaded agents, lower the others
            over = loads > cap + 1e-9
            pen[over] *= _TS_PENALTY_STEP
            pen[~over] = np.maximum(pen[~over] / _TS_PENALTY_STEP, pen_floor[~over])
        if it - last_improve > stall:
            # elite pool: the best feasible solution of every epoch (distinct ones)
            if ep_best is not None and not any(np.array_equal(ep_best, e) for _, e in elite):
                elite.append((ep_cost, ep_best))
                elite.sort(key=lambda t: t[0])
                del elite[_TS_ELITE:]
            ep_cost, ep_best = inf, None
            assign = best.copy()
            others = [e for _, e in elite if not np.array_equal(e, best)]
            guide = others[int(rng.integers(len(others)))] if others and _TS_ELITE > 0 else best
            diff = np.flatnonzero(guide != best)
            if diff.size >= 4:
                # path relinking: restart halfway between the best and an elite
                pick = rng.choice(diff, size=diff.size // 2, replace=False)
                assign[pick] = guide[pick]
            else:
                # restart from the best solution with a random perturbation
                for j in rng.choice(n, size=max(2, int(n * _TS_PERTURB)), replace=False).tolist():
                    cand = np.flatnonzero(allowed[:, j])
                    assign[j] = int(cand[rng.integers(cand.size)])
            loads = np.bincount(assign, weights=w[assign, ar], minlength=m)
            cur_cost = float(c[assign, ar].sum())
            tabu[:] = 0
            last_improve = it
    return best, round(best_cost), it


@dataclass
class _SubResult:
    improved: bool
    optimal: bool
    values: np.ndarray | None  # new agents for the items (global indices)
    objective: int
    bound: float
    dtime: float
    infeasible: bool = False


def _solve_sub(
    cost: np.ndarray,
    weight: np.ndarray,
    allowed: np.ndarray,
    items: np.ndarray,
    agents: np.ndarray,
    residual: np.ndarray,
    hint: np.ndarray | None,
    *,
    dtime: float,
    wall: float,
    seed: int,
    workers: int,
    floor: int | None = None,
    ceiling: int | None = None,
    extra: dict[str, object] | None = None,
    solver_box: list[cp_model.CpSolver] | None = None,
) -> _SubResult:
    """Solve the GAP restricted to ``items`` x ``agents`` with CP-SAT.

    ``residual`` is the capacity available to each of ``agents``; ``hint`` gives the
    current agent (global index) of each item.  ``ceiling`` (if given) is an upper
    bound on the objective imposed as a constraint.
    """
    sub_c = cost[np.ix_(agents, items)]
    sub_w = weight[np.ix_(agents, items)]
    ok = allowed[np.ix_(agents, items)] & (sub_w <= residual[:, None])
    ai, ij = np.nonzero(ok)
    k_items = items.size
    if (np.bincount(ij, minlength=k_items) == 0).any():
        return _SubResult(False, True, None, 0, math.inf, 0.0, infeasible=True)
    model = cp_model.CpModel()
    xs = [model.new_bool_var("") for _ in range(ai.size)]
    order = np.argsort(ij, kind="stable")
    starts = np.searchsorted(ij[order], np.arange(k_items + 1))
    for j in range(k_items):
        model.add_exactly_one(xs[k] for k in order[starts[j] : starts[j + 1]].tolist())
    order_a = np.argsort(ai, kind="stable")
    starts_a = np.searchsorted(ai[order_a], np.arange(agents.size + 1))
    wv = sub_w[ai, ij].tolist()
    for a in range(agents.size):
        ks = order_a[starts_a[a] : starts_a[a + 1]].tolist()
        if not ks:
            continue
        if sum(wv[k] for k in ks) <= residual[a]:
            continue
        model.add(
            cp_model.LinearExpr.weighted_sum([xs[k] for k in ks], [wv[k] for k in ks])
            <= int(residual[a])
        )
    cv = sub_c[ai, ij].tolist()
    obj = cp_model.LinearExpr.weighted_sum(xs, cv)
    if floor is not None:
        model.add(obj >= int(floor))
    if ceiling is not None:
        model.add(obj <= int(ceiling))
    model.minimize(obj)
    if hint is not None:
        pos = {int(a): p for p, a in enumerate(agents.tolist())}
        hint_local = np.array([pos.get(int(h), -1) for h in hint.tolist()])
        hv = hint_local[ij] == ai
        for k, v in enumerate(hv.tolist()):
            model.add_hint(xs[k], v)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = workers
    p.random_seed = seed
    p.max_deterministic_time = max(dtime, 1e-3)
    p.max_time_in_seconds = max(wall, 1e-3)
    if workers > 1:
        p.interleave_search = True
    if extra:
        for key, val in extra.items():
            setattr(p, key, val)
    if solver_box is not None:
        solver_box.append(solver)
    status = solver.solve(model)
    used = solver.deterministic_time
    if status == cp_model.INFEASIBLE:
        return _SubResult(False, True, None, 0, math.inf, used, infeasible=True)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _SubResult(False, False, None, 0, solver.best_objective_bound, used)
    vals = np.array([solver.boolean_value(x) for x in xs], dtype=bool)
    new = np.full(k_items, -1, dtype=np.int64)
    new[ij[vals]] = agents[ai[vals]]
    objective = round(solver.objective_value)
    return _SubResult(
        True,
        status == cp_model.OPTIMAL,
        new,
        objective,
        solver.best_objective_bound,
        used,
    )


# ----------------------------------------------------------------------------------
# main entry point
# ----------------------------------------------------------------------------------


def solve_gap(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    *,
    allowed: np.ndarray | None = None,
    hint: np.ndarray | None = None,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    deterministic: bool = True,
) -> GapResult:
    """Solve a Generalized Assignment Problem (minimise cost).

    Parameters
    ----------
    cost, weight : np.ndarray
        Integer arrays of shape ``(m, n)``: cost and resource use of giving item
        ``j`` to agent ``i``.
    capacity : np.ndarray
        Integer array of shape ``(m,)``.
    allowed : np.ndarray, optional
        Boolean ``(m, n)``; ``False`` forbids the pair.  ``None`` allows all.
    hint : np.ndarray, optional
        Starting assignment (agent per item); used when feasible.
    time_limit : float
        Time budget in seconds (converted into deterministic budgets, see
        ``deterministic``).
    workers : int
        ``1``: CP-SAT then the tabu search, one after the other; ``>= 2``: the tabu
        search and a single-worker CP-SAT run in two threads (instances with more
        than 1200 items skip the tabu search and give CP-SAT ``workers`` workers).
    seed : int
        Random seed; the same seed gives the same result (see module docstring).
    deterministic : bool
        ``True`` (default): every phase runs a budget derived from ``time_limit``
        only (CP-SAT deterministic time, tabu-search iterations), so the result
        depends only on the input and ``seed``; on a much slower or busier machine
        the call may then take longer than ``time_limit`` (hard stop at
        ``3 * time_limit + 1`` s, the only case where determinism is lost).
        ``False``: additionally stop every phase at ``time_limit`` wall-clock
        seconds (strict time, result may vary with machine load).

    Returns
    -------
    GapResult
        Best assignment found, its cost, a proven lower bound and the status.
    """
    guard = time_limit if not deterministic else _DET_GUARD * time_limit + 1.0
    clock = _Clock(guard)
    workers = max(1, int(workers))
    cost = np.asarray(cost, dtype=np.int64)
    weight = np.asarray(weight, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.int64).reshape(-1)
    if cost.ndim != 2 or weight.shape != cost.shape or capacity.shape != (cost.shape[0],):
        raise ValueError("cost/weight must be (m, n) and capacity (m,)")
    m, n = cost.shape
    allow = (
        np.ones((m, n), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool).copy()
    )
    if allow.shape != (m, n):
        raise ValueError("allowed must have shape (m, n)")
    # a pair can never be used if its weight exceeds the capacity even when every
    # negative-weight item of that agent is also given to it
    neg = np.where(weight < 0, weight, 0).sum(axis=1)
    allow &= weight <= (capacity - neg)[:, None] + np.where(weight < 0, weight, 0)

    def result(assign: np.ndarray | None, obj: int, bound: int, status: str) -> GapResult:
        if assign is None:
            assign = np.full(n, -1, dtype=np.int64)
        return GapResult(assign.astype(np.int64), int(obj), int(bound), status, clock.wall())

    if n == 0:
        if (capacity >= 0).all():
            return result(np.zeros(0, dtype=np.int64), 0, 0, "optimal")
        return result(None, 0, 0, "infeasible")
    if m == 0 or not allow.any(axis=0).all():
        return result(None, 0, 0, "infeasible")
    if (weight >= 0).all() and np.where(allow, weight, _INF).min(axis=0).sum() > capacity.sum():
        return result(None, 0, 0, "infeasible")

    # ---- LP bound ------------------------------------------------------------
    if int(allow.sum()) <= _LP_MAX_PAIRS:
        lp_status, lp_value, lp_duals, lp_x = _lp_relaxation(cost, weight, capacity, allow)
    else:  # too large for the Python-built LP: bound from CP-SAT / cheapest costs only
        lp_status, lp_value, lp_duals, lp_x = "unknown", -math.inf, None, None
    if lp_status == "infeasible":
        return result(None, 0, 0, "infeasible")
    bound = (
        _lp_int_bound(lp_value, cost)
        if lp_status == "optimal"
        else int(np.where(allow, cost, _INF).min(axis=0).sum())
    )

    # ---- start solution ------------------------------------------------------
    best: np.ndarray | None = None
    best_obj = _INF
    if hint is not None:
        h = np.asarray(hint, dtype=np.int64).reshape(-1)
        if h.shape == (n,) and _is_feasible(weight, capacity, allow, h):
            best, best_obj = h.copy(), _objective(cost, h)
    wf = weight / np.maximum(capacity, 1)[:, None]
    desirs = [cost.astype(float), wf, cost * wf, cost + wf * np.abs(cost).mean()]
    if float(m) * n * n * len(desirs) > _GREEDY_MAX_OPS:
        desirs = desirs[:1] if float(m) * n * n <= _GREEDY_MAX_OPS else []
        g = _static_greedy(cost, weight, capacity, allow)
        if g is not None:
            g = _shift_descent(cost, weight, capacity, allow, g)
            best, best_obj = g, _objective(cost, g)
    for desir in desirs:
        g = _greedy(desir, weight, capacity, allow)
        if g is None:
            continue
        g = _shift_descent(cost, weight, capacity, allow, g)
        o = _objective(cost, g)
        if o < best_obj:
            best, best_obj = g, o

    all_items = np.arange(n)
    all_agents = np.arange(m)
    if lp_x is not None:
        # LP rounding: keep the items the LP assigns integrally, re-solve the rest
        fix = np.argmax(lp_x, axis=0)
        frac = np.flatnonzero(lp_x.max(axis=0) < 0.999)
        fixed = np.flatnonzero(lp_x.max(axis=0) >= 0.999)
        if frac.size <= max(60, n // 3):
            load = _loads(weight[:, fixed], fix[fixed], m)
            r0 = _solve_sub(
                cost,
                weight,
                allow,
                frac,
                all_agents,
                capacity - load,
                None,
                dtime=0.2,
                wall=max(0.01, clock.wall_left() if deterministic else 0.1 * time_limit),
                seed=seed,
                workers=1,
            )
            if r0.values is not None:
                g = fix.copy()
                g[frac] = r0.values
                g = _shift_descent(cost, weight, capacity, allow, g)
                o = _objective(cost, g)
                if o < best_obj and _is_feasible(weight, capacity, allow, g):
                    best, best_obj = g, o
    if best_obj <= bound:
        return result(best, best_obj, best_obj, "optimal")

    deadline = clock.start + guard - 0.05
    if best is None:
        # no start solution: let CP-SAT find one (or prove infeasibility) first
        r = _solve_sub(
            cost,
            weight,
            allow,
            all_items,
            all_agents,
            capacity,
            None,
            dtime=0.25 * time_limit * _CPSAT_RATE,
            wall=max(0.01, clock.wall_left() if deterministic else 0.25 * time_limit),
            seed=seed,
            workers=1,
            floor=bound,
        )
        if r.infeasible:
            return result(None, 0, 0, "infeasible")
        if r.values is None:
            return result(None, 0, bound, "unknown")
        best, best_obj = r.values, r.objective
        if r.optimal:
            return result(best, best_obj, best_obj, "optimal")
        bound = max(bound, math.ceil(r.bound - 1e-6))
        if best_obj <= bound:
            return result(best, best_obj, best_obj, "optimal")

    # ---- phase 2: tabu search (this thread) || whole-model CP-SAT (thread) ----
    left = 0.95 * time_limit if deterministic else max(0.0, time_limit - clock.wall())
    use_ts = n <= _TS_MAX_ITEMS
    # with one worker CP-SAT and the tabu search run one after the other
    cp_share, ts_share = (0.4, 0.6) if workers == 1 and use_ts else (1.0, 1.0)
    iter_us = (_TS_US[0] + _TS_US[1] * float(n) ** _TS_US[2]) * (1.0 + _TS_US[3] * m)
    iters = int(ts_share * left * _TS_SHARE * 1e6 / iter_us)
    cp_workers = 1 if use_ts else workers
    cp_out: list[_SubResult] = []
    box: list[cp_model.CpSolver] = []
    stop_ts = threading.Event()
    start = best
    floor = bound

    def cp_worker() -> None:
        res = _solve_sub(
            cost,
            weight,
            allow,
            all_items,
            all_agents,
            capacity,
            start,
            dtime=cp_share * left * _CP_SHARE * _CPSAT_RATE * cp_workers,
            wall=max(0.01, deadline - time.perf_counter()),
            seed=seed + 1,
            workers=cp_workers,
            floor=floor,
            solver_box=box,
        )
        cp_out.append(res)
        if res.optimal or res.infeasible:
            stop_ts.set()

    th = threading.Thread(target=cp_worker, daemon=True) if workers > 1 or not use_ts else None
    if th is not None:
        th.start()
    else:
        cp_worker()
    ts_best, ts_obj = start, _objective(cost, start)
    if use_ts:
        ts_best, ts_obj, _ = _tabu_search(
            cost,
            weight,
            capacity,
            allow,
            start,
            max_iters=iters,
            deadline=deadline,
            seed=seed,
            target=bound,
            stop=stop_ts,
            prices=lp_duals,
        )
    if th is not None:
        while ts_obj <= bound and th.is_alive():
            if box:
                box[0].stop_search()
            th.join(0.01)
        th.join()
    if ts_obj < best_obj:
        best, best_obj = ts_best, ts_obj
    if cp_out:
        r = cp_out[0]
        # a proven optimum from CP-SAT wins ties, so the answer does not depend on
        # which thread finished first
        if r.values is not None and (
            r.objective < best_obj or (r.optimal and r.objective <= best_obj)
        ):
            best, best_obj = r.values, r.objective
        if r.optimal:
            bound = max(bound, r.objective)
        elif not r.infeasible:
            bound = max(bound, math.ceil(r.bound - 1e-6))

    status = "optimal" if best_obj <= bound else "feasible"
    return result(best, best_obj, min(bound, best_obj), status)
