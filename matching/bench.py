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
from gongjian.matching.examples import EXAMPLE_QUARTER, district_snapshot, planning_day
from gongjian.matching.from_graph import compile_snapshot
from gongjian.matching.greedy import greedy_plan
from gongjian.matching.grouped import NeedClass, compile_problem
from gongjian.matching.objective import evaluate
from gongjian.matching.problem import Plan, Problem
from gongjian.matching.staged import solve_budget, solve_in_stages

__all__ = [
    "bench_district",
    "bench_gap_file",
    "cpsat_plain",
    "peak_rss_mb",
    "plan_figures",
    "store_snapshot",
]


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


def store_snapshot(units: int, needs: int, activities: int, seed: int) -> tuple[Snapshot, float]:
    """The seeds generator's network → a fresh embedded store → its snapshot (what
    ``POST /plans`` reads); also the seconds loading the store took."""
    import tempfile

    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.seeds.network import load_network
    from gongjian.seeds.synthetic import generate

    network = generate(
        units=units, needs=needs, activities=activities, seed=seed, quarter=EXAMPLE_QUARTER
    )
    with tempfile.TemporaryDirectory(prefix="gongjian-district-") as tmp:
        store = EmbeddedStore(Path(tmp) / "district.sqlite")
        try:
            store.migrate()
            t0 = time.perf_counter()
            load_network(store, network)
            loaded = time.perf_counter() - t0
            return store.snapshot(EXAMPLE_QUARTER), loaded
        finally:
            store.close()


def bench_district(
    units: int,
    needs: int,
    activities: int,
    seed: int,
    time_limit: float,
    workers: int = 2,
    baselines: bool = True,
    snapshot: Snapshot | None = None,
    *,
    source: str = "graph",
) -> dict[str, Any]:
    """Run a district through the production path; the greedy and plain CP-SAT baselines.

    The path is the service's: the seeds generator's network
    (:func:`gongjian.seeds.synthetic.generate`) loaded into a fresh embedded store
    and snapshot from it (``source="graph"``, the default; ``"seeds"`` takes the
    network's own snapshot, no store), then — timed — the production compiler
    (:func:`compile_snapshot`) and the staged solve of a plan job
    (:func:`~gongjian.matching.staged.solve_in_stages`), whose time limit counts
    compiling in (:func:`~gongjian.matching.staged.solve_budget`), as the job's does.
    ``snapshot`` skips the first part.

    ``seconds`` runs from the snapshot in hand to the plan out (``compile_seconds``
    + ``solve_seconds``); ``generate_seconds`` (network, store, snapshot) is apart.
    ``peak_rss_mb`` is taken after the solve, before the baselines, which solve the
    same compiled problem in the same process: greedy (needs by priority to the
    best-fit unit with room, then roles) and plain CP-SAT (one boolean per candidate
    pair, the whole ``time_limit``).
    """
    t0 = time.perf_counter()
    store_seconds = None
    if snapshot is not None:
        snap = snapshot
    elif source == "graph":
        snap, store_seconds = store_snapshot(units, needs, activities, seed)
    elif source == "seeds":
        snap = district_snapshot(units, needs, activities, seed)
    else:
        raise ValueError(f"unknown source {source!r} (graph or seeds)")
    generated = time.perf_counter()
    prob = compile_snapshot(
        snap,
        name=f"district-{units}u-{needs}n-{activities}a-s{seed}",
        today=planning_day(snap.quarter),
    )
    compiled = time.perf_counter()
    budget = solve_budget(time_limit, compiled - generated)
    stages = {}
    plan: Plan | None = None
    for stage in solve_in_stages(prob, time_limit=budget, seed=seed, workers=workers):
        plan = stage.plan
        stages[stage.name] = round(time.perf_counter() - compiled, 3)
    assert plan is not None  # solve_in_stages always ends with a final stage
    solved = time.perf_counter()
    rss = peak_rss_mb()
    n_met = sum(1 for a in plan.assignments if a.type == "need")
    ratio = max((ld.load / ld.capacity for ld in plan.loads if ld.capacity), default=0.0)
    out: dict[str, Any] = {
        "problem": prob.name,
        "source": source if snapshot is None else "snapshot",
        **plan_figures(plan),
        "time_limit": time_limit,
        "seconds": round(solved - generated, 3),
        "compile_seconds": round(compiled - generated, 3),
        "solve_seconds": round(solved - compiled, 3),
        "solve_budget": budget,
        "stages": stages,
        "generate_seconds": round(generated - t0, 3),
        "store_seconds": None if store_seconds is None else round(store_seconds, 3),
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
