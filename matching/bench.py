"""Benchmarks behind ``gongjian bench gap`` and ``gongjian bench district``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from gongjian.core.procstats import peak_rss_mb
from gongjian.graph.model import Snapshot
from gongjian.matching.cpsat import CpBuilder, cpsat_parameters
from gongjian.matching.examples import district_snapshot, planning_day
from gongjian.matching.from_graph import compile_snapshot
from gongjian.matching.greedy import greedy_plan
from gongjian.matching.grouped import NeedClass, compile_problem
from gongjian.matching.objective import evaluate
from gongjian.matching.problem import Plan, Problem
from gongjian.matching.solver import solve

__all__ = ["bench_district", "bench_gap_file", "cpsat_plain", "peak_rss_mb", "plan_figures"]


def plan_figures(plan: Plan) -> dict[str, Any]:
    """The figures every planner benchmark line carries."""
    return {
        "status": plan.status,
        "engine": plan.engine,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "seconds": plan.seconds,
    }


def bench_gap_file(path: str | Path, *args: Any, baselines: bool = False, **options: Any) -> dict:
    """Solve one OR-Library GAP file with the GAP engine (and, optionally, the baselines).

    The arguments after ``path`` are those of
    :func:`gongjian.matching.gap_bench.bench_instance` (``time_limit, workers=2, seed=0,
    *, best_known, deterministic``), except that the baselines are off by default.

    Returns the ``bench gap`` line (see :func:`gongjian.matching.gap_bench.bench_instance`):
    ``instance, agents, items, objective, bound, status, gap_own_bound_pct,
    best_known, gap_best_known_pct, seconds, peak_rss_mb`` (+ ``cpsat`` and
    ``highs`` with ``baselines``), objective/bound as *costs* (minimisation,
    comparable with ``best_known.csv``).
    """
    from gongjian.matching.gap_bench import bench_instance

    return bench_instance(Path(path), *args, baselines=baselines, **options)


def cpsat_plain(
    problem: Problem, time_limit: float, workers: int = 2, seed: int = 0
) -> dict[str, Any]:
    """Baseline: one CP-SAT boolean per candidate pair (no grouping), same rules and objective.

    Returns ``{objective, bound, seconds}``; ``objective`` and ``bound`` are ``None``
    when CP-SAT found no solution (its bound is then not reported either).
    """
    t0 = time.perf_counter()
    cp = compile_problem(problem)
    cp.classes = [NeedClass(members=[i], rep=it) for i, it in enumerate(cp.needs)]
    b = CpBuilder(cp)
    solver = cpsat_parameters(time_limit, workers, seed, deterministic=False)
    st = solver.Solve(b.model)
    out: dict[str, Any] = {"objective": None, "bound": None}
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        cls, roles = b.read(solver)
        pairs = [(cp.needs[ci].key, cp.unit_ids[u]) for ci, d in enumerate(cls) for u in d] + [
            (cp.roles[ri].key, cp.unit_ids[u]) for ri, us in enumerate(roles) for u in us
        ]
        out["objective"] = evaluate(problem, pairs).total
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        out["bound"] = int(np.floor(solver.BestObjectiveBound() + 1e-6)) + cp.constant
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def bench_district(
    units: int,
    needs: int,
    activities: int,
    seed: int,
    time_limit: float,
    workers: int = 2,
    baselines: bool = True,
    snapshot: Snapshot | None = None,
) -> dict[str, Any]:
    """Generate a district, compile it as production does, solve it, run the baselines.

    The district is the seeds generator's network (:func:`gongjian.seeds.synthetic.generate`)
    as a store would snapshot it, or ``snapshot`` when given (e.g. read back from a
    store). ``compile_seconds`` is :func:`compile_snapshot`, ``solve_seconds`` the
    solver's time and ``seconds`` both together; ``generate_seconds`` (building the
    snapshot) is not included. ``peak_rss_mb`` is taken after the solve, before the
    baselines run in the same process.
    """
    t0 = time.perf_counter()
    snap = snapshot or district_snapshot(units, needs, activities, seed)
    generated = time.perf_counter()
    prob = compile_snapshot(
        snap,
        name=f"district-{units}u-{needs}n-{activities}a-s{seed}",
        today=planning_day(snap.quarter),
    )
    compiled = time.perf_counter()
    plan = solve(prob, time_limit=time_limit, workers=workers, seed=seed)
    solved = time.perf_counter()
    rss = peak_rss_mb()
    n_met = sum(1 for a in plan.assignments if a.type == "need")
    ratio = max((ld.load / ld.capacity for ld in plan.loads if ld.capacity), default=0.0)
    out: dict[str, Any] = {
        "problem": prob.name,
        **plan_figures(plan),
        "generate_seconds": round(generated - t0, 3),
        "compile_seconds": round(compiled - generated, 3),
        "solve_seconds": round(solved - compiled, 3),
        "seconds": round(solved - generated, 3),
        "units": len(prob.units),
        "needs": len(prob.needs),
        "activities": len(prob.activities),
        "peak_rss_mb": rss,
        "coverage": round(n_met / max(1, len(prob.needs)), 5),
        "max_load_ratio": round(ratio, 4),
    }
    if baselines:
        t0 = time.perf_counter()
        pairs, ok = greedy_plan(prob)
        g = evaluate(prob, pairs).total
        out["baselines"] = {
            "greedy": {
                "objective": g,
                "feasible": ok,
                "seconds": round(time.perf_counter() - t0, 3),
            },
            "cpsat_plain": cpsat_plain(prob, time_limit, workers, seed),
        }
    return out
