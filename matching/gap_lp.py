"""Bounds for the GAP: the LP relaxation and a Lagrangian bound.

Everything here is built from numpy arrays (no Python loop per pair), so it works
at any size that fits in memory.

* :func:`lp_relaxation` -- the LP relaxation (GLOP, from one sparse matrix); returns
  the LP value, the capacity prices (duals) and the fractional solution.
* :func:`lagrangian_value` -- for prices ``u >= 0`` on the capacity rows,
  ``L(u) = sum_j min_i (c_ij + u_i w_ij) - sum_i u_i b_i`` is a lower bound on
  the optimum whatever ``u`` is; evaluated exactly, it turns the LP duals into a
  bound that does not depend on the LP solver's tolerances.
* :func:`subgradient` -- improves ``u`` by subgradient steps (Polyak step with a
  target), from the LP prices or from zero (used when no LP is available).
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = ["lagrangian_value", "lp_bound", "lp_relaxation", "subgradient"]


def lp_relaxation(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    *,
    time_limit: float = 60.0,
    solver: str = "glop",
) -> tuple[str, float, np.ndarray | None, np.ndarray | None]:
    """Solve the LP relaxation (OR-Tools model builder, GLOP by default).

    The model is filled from one sparse matrix (``fill_model_from_sparse_data``),
    one column per allowed pair.  Returns ``(status, value, prices, x)``:
    ``prices[i] >= 0`` is the LP price of one unit of capacity of agent ``i``,
    ``x`` the ``(m, n)`` fractional solution; status is ``"optimal"``,
    ``"infeasible"`` or ``"unknown"`` (time limit, numerical trouble).

    (HiGHS proper -- ``highspy`` -- cannot be loaded in the same process as
    OR-Tools 9.15, which bundles another HiGHS under the same soname; the
    benchmark runs it in a child process, see :mod:`gongjian.matching.gap_highs`.)
    """
    import scipy.sparse as sp
    from ortools.linear_solver.python import model_builder_helper as mbh

    m, n = cost.shape
    if n == 0:
        return "unknown", -math.inf, None, None
    ii, jj = np.nonzero(allowed)
    k = ii.size
    rows = np.concatenate([jj, n + ii])
    cols = np.concatenate([np.arange(k), np.arange(k)])
    vals = np.concatenate([np.ones(k), weight[ii, jj].astype(np.float64)])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(n + m, k))
    model = mbh.ModelBuilderHelper()
    model.fill_model_from_sparse_data(
        np.zeros(k),
        np.ones(k),
        cost[ii, jj].astype(np.float64),
        np.concatenate([np.ones(n), np.full(m, -np.inf)]),
        np.concatenate([np.ones(n), capacity.astype(np.float64)]),
        a,
    )
    lps = mbh.ModelSolverHelper(solver)
    lps.set_time_limit_in_seconds(float(max(0.05, time_limit)))
    lps.solve(model)
    st = lps.status()
    if st == mbh.SolveStatus.INFEASIBLE:
        return "infeasible", math.inf, None, None
    if st != mbh.SolveStatus.OPTIMAL:
        return "unknown", -math.inf, None, None
    duals = np.asarray(lps.dual_values(), dtype=np.float64)
    prices = np.maximum(0.0, -duals[n:])
    x = np.zeros((m, n))
    x[ii, jj] = np.asarray(lps.variable_values(), dtype=np.float64)
    return "optimal", float(lps.objective_value()), prices, x


def lagrangian_value(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    prices: np.ndarray,
) -> tuple[float, np.ndarray]:
    """``L(u)`` for capacity prices ``u = prices`` and the minimising assignment.

    Returns ``(value, assign)``; ``value`` is a valid lower bound (``-inf`` when an
    item has no allowed agent).
    """
    u = np.maximum(np.asarray(prices, dtype=np.float64), 0.0)
    red = np.where(allowed, cost + u[:, None] * weight, np.inf)
    assign = np.argmin(red, axis=0)
    val = float(red[assign, np.arange(cost.shape[1])].sum()) - float(u @ capacity)
    return val, assign


def subgradient(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    *,
    prices: np.ndarray | None = None,
    target: float | None = None,
    iters: int = 200,
    deadline: float = math.inf,
) -> tuple[float, np.ndarray]:
    """Maximise ``L(u)`` by subgradient steps; returns ``(best value, best prices)``.

    ``target`` (e.g. the cost of a known solution) sets the Polyak step; without it
    the step aims 5 % above the current value.
    """
    from gongjian.matching.gap_search import lagrangian

    m, n = cost.shape
    if not allowed.any(axis=0).all():
        return -math.inf, np.zeros(m)
    u = np.zeros(m) if prices is None else np.maximum(np.asarray(prices, dtype=float), 0.0)
    cf = np.ascontiguousarray(cost, dtype=np.float64)
    wf = np.ascontiguousarray(weight, dtype=np.float64)
    capf = np.asarray(capacity, dtype=np.float64)
    al = np.ascontiguousarray(allowed, dtype=np.bool_)
    assign = np.zeros(n, dtype=np.int64)
    best_val = lagrangian(cf, wf, capf, al, u, assign)
    best_u = u.copy()
    lam = 2.0
    stall = 0
    ar = np.arange(n)
    for _ in range(iters):
        if time.perf_counter() > deadline:
            break
        val = lagrangian(cf, wf, capf, al, u, assign)
        if val > best_val + 1e-9:
            best_val, best_u = val, u.copy()
            stall = 0
        else:
            stall += 1
            if stall >= 10:
                lam *= 0.5
                stall = 0
                if lam < 1e-4:
                    break
        g = np.bincount(assign, weights=wf[assign, ar], minlength=m) - capf
        g = np.where((u <= 0) & (g < 0), 0.0, g)
        norm = float(g @ g)
        if norm <= 0:
            break  # L(u) attains the relaxed optimum with a feasible assignment
        tgt = target if target is not None and target > val else abs(val) * 1.05 + 1.0
        u = np.maximum(0.0, u + lam * (tgt - val) / norm * g)
    return best_val, best_u


def lp_bound(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray,
    *,
    time_limit: float = 60.0,
    pool: int = 12,
    rounds: int = 4,
) -> tuple[str, float, np.ndarray | None, np.ndarray | None]:
    """The LP bound at any size: subgradient prices, then the LP on a column pool.

    1. A few hundred subgradient steps on ``L(u)`` give prices ``u``.
    2. The LP is solved (GLOP) on the ``pool`` columns of best reduced cost
       ``c_ij + u_i w_ij`` per item; columns of negative reduced cost under its
       duals are added and it is solved again (column generation, ``rounds``
       times at most).
    3. The bound is ``max L(u)`` over the subgradient prices and the LP prices:
       valid for the full problem whatever the pool (``L`` is a lower bound for
       any ``u >= 0``), and equal to the LP value once no column prices out.

    Small instances (``m * n <= 20,000`` pairs) solve the full LP at once.
    Returns ``(status, value, prices, x)`` as :func:`lp_relaxation` (``x`` is the
    pool LP's solution, zero outside the pool).
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    m, n = cost.shape
    pairs = int(allowed.sum())
    if pairs <= 20_000 or m <= pool:
        st, val, prices, x = lp_relaxation(cost, weight, capacity, allowed, time_limit=time_limit)
        if st == "unknown":  # LP out of time: the Lagrangian by subgradient instead
            sv, su = subgradient(cost, weight, capacity, allowed, iters=2000)
            return "unknown", sv, su, None
        if st != "optimal":
            return st, val, prices, x
        lv, _ = lagrangian_value(cost, weight, capacity, allowed, prices)
        return st, min(val, lv) if math.isfinite(lv) else val, prices, x
    sg_val, u = subgradient(
        cost, weight, capacity, allowed, iters=1000, deadline=t0 + 0.3 * time_limit
    )
    best_val, best_u, best_x = sg_val, u, None
    red = np.where(allowed, cost + u[:, None] * weight, np.inf)
    order = np.argsort(red, axis=0, kind="stable")[:pool]
    use = np.zeros((m, n), dtype=bool)
    use[order, np.arange(n)[None, :]] = True
    use &= allowed
    status = "unknown"
    for _ in range(rounds):
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        st, val, prices, x = lp_relaxation(cost, weight, capacity, use, time_limit=left)
        if st == "infeasible":
            # the pool is too small for feasibility: widen it
            if use.sum() >= pairs:
                return "infeasible", math.inf, None, None
            red2 = np.where(allowed & ~use, red, np.inf)
            more = np.argsort(red2, axis=0, kind="stable")[:pool]
            use[more, np.arange(n)[None, :]] = True
            use &= allowed
            continue
        if st != "optimal":
            break
        lv, _ = lagrangian_value(cost, weight, capacity, allowed, prices)
        if lv > best_val:
            best_val, best_u = lv, prices
        best_x = x
        status = "optimal"
        # reduced costs under the pool LP's duals: an item's dual is its cheapest
        # priced pair inside the pool (its LP assignment row is tight)
        priced = np.where(allowed, cost + prices[:, None] * weight, np.inf)
        v = np.where(use, priced, np.inf).min(axis=0)
        add = allowed & ~use & (priced < v[None, :] - 1e-7)
        if not add.any() or val - lv <= 1e-6 * max(1.0, abs(val)):
            break
        use |= add
    if status != "optimal" and best_x is None:
        return "unknown", best_val, best_u, None
    return "optimal", best_val, best_u, best_x
