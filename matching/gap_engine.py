"""Engine for the Generalized Assignment Problem (GAP) at any size.

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
2. Bound (:mod:`gongjian.matching.gap_lp`): the LP relaxation (GLOP, built from
   one sparse matrix; on large instances over a column pool chosen by
   subgradient prices, with column generation) and the Lagrangian bound
   ``L(u)`` of the capacity rows at the LP and subgradient prices -- valid for any
   prices, so the bound does not rest on the LP solver's tolerances.
3. Start solutions: the caller's hint (if feasible), regret greedy constructions
   (O(n m log n), several desirabilities: LP reduced cost, cost, relative weight)
   each followed by a shift descent, and an LP rounding (items integral in the LP
   kept, the others placed by regret greedy).  When none is feasible the search
   starts from the least-overloaded one and its penalties repair it.
4. Search (:mod:`gongjian.matching.gap_search`, numba, GIL released): a tabu
   search with shift, swap and ejection-chain moves, strategic oscillation on
   per-agent capacity penalties, and restarts by path relinking over an elite
   pool.  Two kernels: ``ts_chunk`` makes the best move of the whole
   neighbourhood (few, strong moves), ``fs_chunk`` the first improving move of a
   sampled one (many cheap moves; when a sample has none, the penalties move
   instead).  With ``workers >= 2`` a second thread runs, on small instances
   (``m * n <= 10,000``) or while no feasible solution is known, a single-worker
   whole-model CP-SAT (one Boolean per pair, objective floored at the bound, the
   start as hint) that proves optimality and tightens the bound, and on larger
   ones a second tabu search with another seed and the sampled kernel (the two
   share their best solution at restarts when not deterministic).
   :attr:`GapResult.stats` counts the moves applied and evaluated.  A CP-SAT proof stops the
   search; the search reaching the bound stops CP-SAT (not in deterministic
   mode, where CP-SAT's result must not depend on timing).  If no feasible
   solution is known at the end, CP-SAT looks for one.

Determinism and time
--------------------
``deterministic=True`` (default, what the planner uses): every budget is in work
units -- tabu-search iterations, CP-SAT deterministic time -- derived from
``time_limit`` and the instance size with rates measured on the 2-core reference
machine; the threads do not exchange solutions, and a CP-SAT optimum wins ties,
so the same input and seed give the same result.  The wall clock is only a
safety net at ``3 * time_limit + 1`` s.  ``deterministic=False``: every phase
runs against the wall clock and the search uses the whole limit (stops at about
97 % of it unless optimality is proven); results may vary with machine load.

Length: ~900 lines: the driver that schedules the phases above against one clock and
one budget; the LP, the compiled search and the generator already live beside it
(``gap_lp``, ``gap_search``, ``gap_generate``).

Length: ~900 lines: the engine's stages (bounds, construction, search driver,
budgets) pass one state between them; the numba kernels are apart in gap_search.py.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from gongjian.matching import gap_lp, gap_search

__all__ = ["GapResult", "read_orlibrary", "solve_gap", "warm_up"]

# CP-SAT deterministic time per wall-clock second for one worker on the whole
# model (2-core reference machine, shared and busy)
_CPSAT_RATE = 0.2
# whole-model CP-SAT runs beside the search up to this many pairs
_CP_PAIRS = 10_000
# tabu search work units (evaluated moves) per second, reference machine (used to
# size chunks and, in deterministic mode, the iteration budget)
_TS_RATE = 8e7
# share of the time limit that the deterministic budgets aim at
_DET_SHARE = 0.85
# non-deterministic mode: stop the search at this share of the time limit
_WALL_SHARE = 0.97
# candidate agents per item (by LP reduced cost) for shift moves on large instances
_TS_CAND = 20
# swap / ejection-chain moves: items per iteration (all items up to this many);
# wider windows won on C/D/E at 200-1,600 items despite fewer iterations
_TS_WINDOW = 400
_TS_PENALTY_STEP = 1.1
# penalties never fall below this multiple of their initial value
_TS_PENALTY_FLOOR = 1.5
# ... or than this multiple of the LP price of the agent's capacity, when lower
_TS_PRICE_FACTOR = 2.5
# tabu tenure range: (fraction of n, at least)
_TS_TENURE = ((0.015, 3), (0.04, 8))
_TS_STALL = 10.0
_TS_PERTURB = 0.05
# path relinking: share of the items that differ from the guide taken over from it
_TS_RELINK = 0.5
_TS_ELITE = 10
# sampled-neighbourhood kernel (gap_search.fs_chunk): items looked at per move (up to
# the first improving one), random swap / ejection-chain partners per item, stall
# (iterations without a new best, times n), penalty step per move, evaluated moves
# per second on the reference machine (chunk size; deterministic budget)
_FS_SAMPLE = 8
_FS_PARTNERS = 4
_FS_STALL = 50.0
_FS_STEP = 1.005
_FS_RATE = 1.5e7
_FS_TENURE = 1.0
_FS_HOLD = True
_FS_EXITS = 5
# kernel of the main search thread and of the second one (large instances):
# full-neighbourhood (False) or sampled (True, many cheap moves; it won on the
# generated 80-agent instances where a full neighbourhood costs ~10^6 evaluations)
_FAST = False
_FAST_SIDE = True
_INF = np.iinfo(np.int64).max // 4
# deterministic mode: hard wall-clock stop at this multiple of time_limit (+1 s)
_DET_GUARD = 3.0


def warm_up() -> float:
    """Compile (first use on a machine) or load the numba kernels; returns seconds."""
    return gap_search.warm_up()


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
    stats : dict
        Local-search counters summed over the search threads: ``moves_applied``,
        ``moves_evaluated``, ``iterations``, ``search_seconds`` (thread seconds),
        and ``moves_applied_per_s`` / ``moves_evaluated_per_s`` (per wall-clock
        second of the call); empty when no search ran.
    """

    assignment: np.ndarray
    objective: int
    bound: int
    status: str
    seconds: float
    stats: dict[str, float] = field(default_factory=dict)


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


# ----------------------------------------------------------------------------------
# construction
# ----------------------------------------------------------------------------------


def _greedy(
    desir: np.ndarray, weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray
) -> np.ndarray | None:
    """Regret greedy (compiled); ``None`` when some item fits nowhere."""
    a = gap_search.greedy_regret(
        np.ascontiguousarray(desir, dtype=np.float64),
        np.ascontiguousarray(weight, dtype=np.float64),
        np.asarray(capacity, dtype=np.float64).copy(),
        np.ascontiguousarray(allowed, dtype=np.bool_),
    )
    return None if (a < 0).any() else a


def _greedy_partial(
    desir: np.ndarray, wf: np.ndarray, capf: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Regret greedy that places unplaceable items on their least-overloading agent."""
    a = gap_search.greedy_regret(desir, wf, capf.copy(), allowed)
    miss = np.flatnonzero(a < 0)
    if miss.size:
        m = wf.shape[0]
        loads = np.bincount(a[a >= 0], weights=wf[a[a >= 0], np.flatnonzero(a >= 0)], minlength=m)
        for j in miss.tolist():
            over = np.where(allowed[:, j], loads + wf[:, j] - capf, np.inf)
            i = int(np.argmin(over))
            a[j] = i
            loads[i] += wf[i, j]
    return a


def _lp_rounding(
    x: np.ndarray, red: np.ndarray, wf: np.ndarray, capf: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Keep the items the LP assigns integrally; place the others by regret greedy."""
    m = x.shape[0]
    fix = np.argmax(x, axis=0)
    frac = x.max(axis=0) < 0.999
    a = fix.astype(np.int64)
    fixed = np.flatnonzero(~frac)
    loads = np.bincount(fix[fixed], weights=wf[fix[fixed], fixed], minlength=m)
    cols = np.flatnonzero(frac)
    if cols.size:
        sub = _greedy_partial(
            np.ascontiguousarray(red[:, cols]),
            np.ascontiguousarray(wf[:, cols]),
            capf - loads,
            np.ascontiguousarray(allowed[:, cols]),
        )
        a[cols] = sub
    return a


# ----------------------------------------------------------------------------------
# tabu search driver
# ----------------------------------------------------------------------------------


class _Shared:
    """Best solution shared by the search threads (non-deterministic mode only)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.obj = math.inf
        self.assign: np.ndarray | None = None

    def offer(self, obj: float, assign: np.ndarray) -> None:
        with self.lock:
            if obj < self.obj:
                self.obj = obj
                self.assign = assign.copy()

    def get(self) -> tuple[float, np.ndarray | None]:
        with self.lock:
            return self.obj, self.assign


class _TabuSearch:
    """State and chunked driver of the compiled tabu search (see gap_search)."""

    def __init__(
        self,
        cost: np.ndarray,
        weight: np.ndarray,
        capacity: np.ndarray,
        allowed: np.ndarray,
        prices: np.ndarray | None,
        seed: int,
        fast: bool = False,
    ) -> None:
        m, n = cost.shape
        self.m, self.n = m, n
        self.fast = fast
        self.cost = cost
        self.c = np.ascontiguousarray(cost, dtype=np.float64)
        self.w = np.ascontiguousarray(weight, dtype=np.float64)
        self.cap = np.asarray(capacity, dtype=np.float64).copy()
        self.allowed = np.ascontiguousarray(allowed, dtype=np.bool_)
        self.rng = np.random.default_rng(seed)
        self.seed = int(seed)
        u = np.zeros(m) if prices is None else np.asarray(prices, dtype=np.float64)
        red = np.where(self.allowed, self.c + u[:, None] * self.w, np.inf)
        k = m if m <= _TS_CAND else _TS_CAND
        order = np.argsort(red, axis=0, kind="stable")[:k].T  # (n, k)
        ok = np.take_along_axis(self.allowed.T, order, axis=1)
        self.ncand = ok.sum(axis=1).astype(np.int64)
        # allowed candidates first in each row
        idx = np.argsort(~ok, axis=1, kind="stable")
        self.cand = np.ascontiguousarray(np.take_along_axis(order, idx, axis=1), dtype=np.int64)
        self.iscand = np.zeros((m, n), dtype=np.bool_)
        rows = np.repeat(np.arange(n), k)
        flat = self.cand.reshape(-1)
        keep = (np.arange(k)[None, :] < self.ncand[:, None]).reshape(-1)
        self.iscand[flat[keep], rows[keep]] = True
        self.perm = self.rng.permutation(n).astype(np.int64)
        kk = float(self.ncand.mean()) if n else 1.0
        self.window = int(min(n, _TS_WINDOW))
        self.units = n * kk + 2.0 * self.window * n  # evaluated moves per iteration
        self.chunk = int(max(1, min(100_000, 0.02 * _TS_RATE / max(1.0, self.units))))
        alpha0 = max(1.0, float(np.abs(self.c).mean()) / max(1.0, float(self.w.mean())))
        self.pen0 = alpha0
        floor = np.full(m, _TS_PENALTY_FLOOR * alpha0)
        if prices is not None:
            floor = np.maximum(np.minimum(floor, _TS_PRICE_FACTOR * u), 0.05 * alpha0)
        self.pen_floor = floor
        (f0, l0), (f1, l1) = _TS_TENURE
        self.t_min = max(l0, int(n * f0))
        self.t_max = max(l1, self.t_min + 3, int(n * f1))
        self.stall = max(200, int(_TS_STALL * n))
        self.step = _TS_PENALTY_STEP
        self.relink = _TS_RELINK
        self.perturb = _TS_PERTURB
        self.iterations = 0
        self.moves = 0
        self.evals = 0
        self.seconds = 0.0
        if fast:
            self.stall = max(2000, int(_FS_STALL * n))
            self.step = _FS_STEP
            self.sample = int(min(n, _FS_SAMPLE if _FS_SAMPLE > 0 else n))
            self.t_min = int(self.t_min * _FS_TENURE)
            self.t_max = int(self.t_max * _FS_TENURE)
            self.chunk = int(0.02 * _FS_RATE)  # evaluations per chunk

    def iters_for(self, seconds: float) -> int:
        """Deterministic budget worth ``seconds`` on the reference machine.

        In iterations for the full-neighbourhood kernel, in evaluated moves for the
        sampled one (``fast``)."""
        if self.fast:
            return max(1, int(seconds * _FS_RATE))
        return max(1, int(seconds * _TS_RATE / max(1.0, self.units)))

    def run(
        self,
        start: np.ndarray,
        *,
        max_iters: int,
        deadline: float,
        target: float,
        stop: threading.Event | None = None,
        shared: _Shared | None = None,
    ) -> tuple[np.ndarray | None, int]:
        """Search from ``start`` (feasible or not); returns ``(best or None, its cost)``."""
        m, n = self.m, self.n
        ar = np.arange(n)
        assign = start.astype(np.int64).copy()
        loads = np.bincount(assign, weights=self.w[assign, ar], minlength=m)
        pen = np.full(m, self.pen0)
        tabu = np.zeros((m, n), dtype=np.int64)
        cur = float(self.c[assign, ar].sum())
        feasible = bool((loads <= self.cap + 1e-9).all())
        best = assign.copy()
        ebest = assign.copy()
        st = np.array(
            [cur, cur if feasible else np.inf, 0.0, 0.0, 0.0, 0.0, cur if feasible else np.inf, 0.0]
        )
        t_start = time.perf_counter()
        elite: list[tuple[float, np.ndarray]] = []
        done = 0
        chunk_no = 0
        while done < max_iters and st[1] > target:
            if time.perf_counter() > deadline or (stop is not None and stop.is_set()):
                break
            todo = int(min(self.chunk, max_iters - done))
            it0 = st[2]
            ev0 = st[7]
            head = (self.c, self.w, self.cap, self.allowed, self.cand, self.ncand)
            tail = (assign, loads, pen, self.pen_floor, tabu, best, ebest, st, todo, self.stall)
            seed = self.seed * 1_000_003 + chunk_no
            if self.fast:
                code = gap_search.fs_chunk(
                    *head,
                    self.perm,
                    *tail,
                    self.sample,
                    _FS_PARTNERS,
                    self.t_min,
                    self.t_max,
                    self.step,
                    float(target),
                    seed,
                    _FS_HOLD,
                    _FS_EXITS,
                )
            else:
                code = gap_search.ts_chunk(
                    *head,
                    self.iscand,
                    self.perm,
                    *tail,
                    self.window,
                    self.t_min,
                    self.t_max,
                    self.step,
                    float(target),
                    seed,
                )
            chunk_no += 1
            done += int(st[7] - ev0) if self.fast else int(st[2] - it0)
            if shared is not None and math.isfinite(st[1]):
                shared.offer(st[1], best)
            if code in (2, 3):
                break
            if code == 1:
                self._restart(assign, loads, tabu, best, ebest, st, elite, shared)
        self.iterations += int(st[2])
        self.moves += int(st[5])
        self.evals += int(st[7])
        self.seconds += time.perf_counter() - t_start
        if not math.isfinite(st[1]):
            return None, _INF
        return best.copy(), int(self.cost[best, ar].sum())

    def _restart(self, assign, loads, tabu, best, ebest, st, elite, shared) -> None:
        """After a stall: elite pool update and a path-relinking (or perturbed) restart."""
        m, n = self.m, self.n
        rng = self.rng
        if shared is not None:
            obj, other = shared.get()
            if other is not None and obj < st[1] - 0.5:
                best[:] = other
                st[1] = obj
        if math.isfinite(st[6]) and not any(np.array_equal(ebest, e) for _, e in elite):
            elite.append((float(st[6]), ebest.copy()))
            elite.sort(key=lambda t: t[0])
            del elite[_TS_ELITE:]
        if math.isfinite(st[1]):
            assign[:] = best
        others = [e for _, e in elite if not np.array_equal(e, assign)]
        guide = others[int(rng.integers(len(others)))] if others else None
        diff = np.flatnonzero(guide != assign) if guide is not None else np.zeros(0, np.int64)
        if diff.size >= 4 and self.relink > 0:
            pick = rng.choice(diff, size=max(1, int(diff.size * self.relink)), replace=False)
            assign[pick] = guide[pick]
        else:
            for j in rng.choice(n, size=max(2, int(n * self.perturb)), replace=False).tolist():
                cand = self.cand[j, : self.ncand[j]]
                assign[j] = int(cand[rng.integers(cand.size)])
        ar = np.arange(n)
        loads[:] = np.bincount(assign, weights=self.w[assign, ar], minlength=m)
        st[0] = float(self.c[assign, ar].sum())
        st[3] = st[2]
        st[6] = np.inf
        tabu[:] = 0


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
    prices: np.ndarray | None = None,
    fast: bool = False,
) -> tuple[np.ndarray, int, int]:
    """One tabu search from a feasible ``start``; returns ``(best, cost, iterations)``.

    ``max_iters`` counts iterations (full-neighbourhood kernel) or evaluated moves
    (``fast``: the sampled kernel)."""
    ts = _TabuSearch(cost, weight, capacity, allowed, prices, seed, fast=fast)
    best, obj = ts.run(start, max_iters=max_iters, deadline=deadline, target=target, stop=stop)
    if best is None or obj > _objective(cost, start):
        best, obj = start.copy(), _objective(cost, start)
    return best, obj, ts.iterations


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
        Time budget in seconds (converted into work budgets when
        ``deterministic``).
    workers : int
        ``1``: one thread (on small instances CP-SAT, then the tabu search);
        ``>= 2``: the tabu search and a second thread (CP-SAT on small instances,
        a second tabu search on large ones).
    seed : int
        Random seed; with ``deterministic`` the same seed gives the same result.
    deterministic : bool
        ``True`` (default): every phase runs a work budget derived from
        ``time_limit`` and the instance size only, so the result depends only on
        the input and ``seed``; on a slower or busier machine the call may take
        longer than ``time_limit`` (hard stop at ``3 * time_limit + 1`` s, the
        only case where determinism is lost).  ``False``: wall-clock budgets; the
        search uses the whole limit unless it proves optimality.

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

    searches: list[_TabuSearch] = []

    def result(assign: np.ndarray | None, obj: int, bound: int, status: str) -> GapResult:
        if assign is None:
            assign = np.full(n, -1, dtype=np.int64)
        wall = clock.wall()
        stats: dict[str, float] = {}
        if searches:
            applied = sum(t.moves for t in searches)
            evaluated = sum(t.evals for t in searches)
            stats = {
                "moves_applied": applied,
                "moves_evaluated": evaluated,
                "iterations": sum(t.iterations for t in searches),
                "search_seconds": round(sum(t.seconds for t in searches), 3),
                "moves_applied_per_s": round(applied / max(wall, 1e-9), 1),
                "moves_evaluated_per_s": round(evaluated / max(wall, 1e-9), 1),
            }
        return GapResult(assign.astype(np.int64), int(obj), int(bound), status, wall, stats)

    if n == 0:
        if (capacity >= 0).all():
            return result(np.zeros(0, dtype=np.int64), 0, 0, "optimal")
        return result(None, 0, 0, "infeasible")
    if m == 0 or not allow.any(axis=0).all():
        return result(None, 0, 0, "infeasible")
    if (weight >= 0).all() and np.where(allow, weight, _INF).min(axis=0).sum() > capacity.sum():
        return result(None, 0, 0, "infeasible")

    # ---- bound: LP (column pool on large instances) and Lagrangian ------------
    small = m * n <= _CP_PAIRS
    cheapest = int(np.where(allow, cost, _INF).min(axis=0).sum())
    tol = 1e-6 * max(1.0, float(np.abs(cost).max(initial=0)) * n)

    def int_bound(value: float) -> int:
        return math.ceil(value - max(tol, 1e-6)) if math.isfinite(value) else cheapest

    lp_status, lp_value, prices, lp_x = gap_lp.lp_bound(
        cost, weight, capacity, allow, time_limit=1e9 if deterministic else 0.35 * time_limit
    )
    if lp_status == "infeasible":
        return result(None, 0, 0, "infeasible")
    bound = max(cheapest, int_bound(lp_value))

    # ---- start solutions ---------------------------------------------------------
    cf = cost.astype(np.float64)
    wf = weight.astype(np.float64)
    capf = capacity.astype(np.float64)
    allow_c = np.ascontiguousarray(allow)
    best: np.ndarray | None = None
    best_obj = _INF
    if hint is not None:
        h = np.asarray(hint, dtype=np.int64).reshape(-1)
        if h.shape == (n,) and _is_feasible(weight, capacity, allow, h):
            best, best_obj = h.copy(), _objective(cost, h)
    u = np.zeros(m) if prices is None else prices
    red = cf + u[:, None] * wf
    rel = wf / np.maximum(capf, 1.0)[:, None]
    desirs = [red, cf, rel, cf * rel, cf + rel * float(np.abs(cf).mean()) * n / m]
    starts = [_greedy_partial(np.ascontiguousarray(d), wf, capf, allow_c) for d in desirs]
    if lp_x is not None:
        starts.append(_lp_rounding(lp_x, red, wf, capf, allow_c))
    fallback: np.ndarray | None = None
    fallback_ex = math.inf
    for g in starts:
        if _is_feasible(weight, capacity, allow, g):
            g = gap_search.shift_descent(cf, wf, capf, allow_c, g.copy(), 50)
            o = _objective(cost, g)
            if o < best_obj:
                best, best_obj = g, o
        else:
            ex = float(np.maximum(_loads(weight, g, m) - capacity, 0).sum())
            if ex < fallback_ex:
                fallback, fallback_ex = g, ex
    if best is not None and best_obj <= bound:
        return result(best, best_obj, best_obj, "optimal")

    # ---- search: tabu search (this thread) || side thread ----------------------
    # side thread: whole-model CP-SAT on small instances or while no feasible
    # solution is known (all the time; 40 % with one worker), else a second search
    left = _DET_SHARE * time_limit if deterministic else _WALL_SHARE * time_limit - clock.wall()
    left = max(0.0, left)
    deadline = clock.start + (guard - 0.05 if deterministic else _WALL_SHARE * time_limit)
    start = best if best is not None else fallback
    assert start is not None
    stop = threading.Event()
    shared = None if deterministic else _Shared()
    if shared is not None and best is not None:
        shared.offer(float(best_obj), best)
    one_thread = workers == 1
    use_cp = small or best is None
    cp_share = 1.0 if best is None or not one_thread else 0.4
    cp_out: list[_SubResult] = []
    ts_out: list[tuple[np.ndarray | None, int]] = []
    box: list[cp_model.CpSolver] = []
    floor = bound

    def solve_whole(hint: np.ndarray | None, **limits: Any) -> _SubResult:
        """CP-SAT on the whole instance: every item, every agent, the full capacity."""
        return _solve_sub(cost, weight, allow, np.arange(n), np.arange(m), capacity, hint, **limits)

    def run_cp(share: float) -> None:
        wall = max(0.01, share * (deadline - time.perf_counter()))
        res = solve_whole(
            best,
            dtime=share * left * _CPSAT_RATE,
            wall=wall if not deterministic else max(0.01, deadline - time.perf_counter()),
            seed=seed + 1,
            workers=1,
            floor=floor,
            solver_box=box,
        )
        cp_out.append(res)
        if res.optimal or res.infeasible:
            stop.set()

    def run_ts(s: int, share: float, fast: bool) -> tuple[np.ndarray | None, int]:
        ts = _TabuSearch(cost, weight, capacity, allow, prices, s, fast=fast)
        searches.append(ts)
        return ts.run(
            start,
            max_iters=ts.iters_for(share * left) if deterministic else 1 << 60,
            deadline=deadline,
            target=bound,
            stop=stop,
            shared=shared,
        )

    def side() -> None:
        share = 1.0
        if use_cp:
            run_cp(cp_share)
            share = 1.0 - cp_share

        if share > 0 and not stop.is_set() and not one_thread:
            ts_out.append(run_ts(seed + 7919, share, _FAST_SIDE))

    th: threading.Thread | None = None
    if one_thread:
        side()
    else:
        th = threading.Thread(target=side, daemon=True)
        th.start()
    if not stop.is_set():
        share = (1.0 - cp_share) if one_thread and use_cp else 1.0
        main = run_ts(seed, share, _FAST)
        if main[1] <= bound:
            stop.set()
        ts_out.insert(0, main)
    if th is not None:
        while th.is_alive():
            # deterministic mode lets CP-SAT finish its budget (a proof it reaches
            # must not depend on when the search hit the bound)
            if stop.is_set() and box and not deterministic:
                box[0].stop_search()
            th.join(0.01)
    for cand, obj in ts_out:  # the main search first: ties go to it
        if cand is not None and obj < best_obj:
            best, best_obj = cand, obj
    if cp_out:
        r = cp_out[0]
        if r.infeasible:
            return result(None, 0, 0, "infeasible")
        # a proven optimum from CP-SAT wins ties, so the answer does not depend on
        # which thread finished first
        if r.values is not None and (
            r.objective < best_obj or (r.optimal and r.objective <= best_obj)
        ):
            best, best_obj = r.values, r.objective
        bound = max(bound, r.objective if r.optimal else math.ceil(r.bound - 1e-6))
    if best is None:
        # no feasible assignment yet: CP-SAT until the safety net
        r = solve_whole(
            None,
            dtime=max(0.5, time_limit * _CPSAT_RATE),
            wall=max(0.5, clock.start + guard - time.perf_counter()),
            seed=seed,
            workers=workers,
            floor=bound,
        )
        if r.infeasible:
            return result(None, 0, 0, "infeasible")
        if r.values is None:
            return result(None, 0, bound, "unknown")
        best, best_obj = r.values, r.objective
        bound = max(bound, r.objective if r.optimal else math.ceil(r.bound - 1e-6))
    status = "optimal" if best_obj <= bound else "feasible"
    return result(best, best_obj, min(bound, best_obj), status)
