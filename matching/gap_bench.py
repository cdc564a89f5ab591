"""``gongjian bench gap``: the GAP engine against plain CP-SAT and HiGHS MIP.

For each OR-Library file: the engine (:func:`gongjian.matching.gap_engine.solve_gap`)
runs in this process (its peak RSS is this process's); then, with the same time
limit and threads, plain CP-SAT and HiGHS MIP (``highspy``) on the plain
assignment model each run in a child process (HiGHS must: see
:mod:`gongjian.matching.gap_highs`; CP-SAT does so that its memory does not count
as the engine's).  One JSON line per instance, then one summary line per dataset.

Generated instances (:mod:`gongjian.matching.gap_generate`) are written into an
output folder (a temporary one by default) at bench time, never shipped.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gongjian.core.procstats import peak_rss_mb

__all__ = [
    "DEFAULT_BEST_KNOWN",
    "bench_files",
    "bench_instance",
    "cpsat_plain_gap",
    "expand_paths",
    "generated_files",
    "load_best_known",
    "summarise",
]

DEFAULT_BEST_KNOWN = Path("/work/shared/benchmarks/gap/best_known.csv")


def load_best_known(path: str | Path | None) -> dict[str, int]:
    """``dataset/name`` -> best known (minimisation) value; empty when no file."""
    out: dict[str, int] = {}
    if path is None or not Path(path).exists():
        return out
    with Path(path).open(newline="") as fh:
        for row in csv.DictReader(fh):
            val = (row.get("Best known solution value") or row.get("Optimum") or "").strip()
            if val:
                out[row["Path"].strip()] = int(float(val))
    return out


def _natural_key(p: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder means all files in it (natural order)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted((q for q in p.iterdir() if q.is_file()), key=_natural_key))
        else:
            files.append(p)
    return files


def generated_files(
    kinds: list[str], agents: list[int], items: list[int], seed: int, out_dir: Path | None
) -> list[Path]:
    """Write generated instances (types ``kinds``) into ``out_dir`` (or a temp folder)."""
    from gongjian.matching.gap_generate import generate_files

    out = out_dir or Path(tempfile.mkdtemp(prefix="gongjian-gap-"))
    return generate_files(out, kinds, agents, items, seed)


def cpsat_plain_gap(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    time_limit: float,
    workers: int,
    seed: int,
) -> dict[str, Any]:
    """Plain CP-SAT: one Boolean per fitting pair, ``AddExactlyOne`` per item, a capacity row per agent."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    m, n = cost.shape
    model = cp_model.CpModel()
    ii, jj = np.nonzero(weight <= capacity[:, None])
    xs = [model.new_bool_var("") for _ in range(ii.size)]
    by_item: list[list[int]] = [[] for _ in range(n)]
    by_agent: list[list[int]] = [[] for _ in range(m)]
    for k, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
        by_item[j].append(k)
        by_agent[i].append(k)
    for ks in by_item:
        model.add_exactly_one(xs[k] for k in ks)
    wv = weight[ii, jj].tolist()
    for i, ks in enumerate(by_agent):
        if ks:
            model.add(
                cp_model.LinearExpr.weighted_sum([xs[k] for k in ks], [wv[k] for k in ks])
                <= int(capacity[i])
            )
    model.minimize(cp_model.LinearExpr.weighted_sum(xs, cost[ii, jj].tolist()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    st = solver.solve(model)
    found = st in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "objective": round(solver.objective_value) if found else None,
        "bound": math.ceil(solver.best_objective_bound - 1e-6) if found else None,
        "status": solver.status_name(st),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _child(kind: str, path: Path, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Run one baseline in a child process; returns its JSON figures (or an error)."""
    if kind == "highs":
        script = Path(__file__).with_name("gap_highs.py")
        cmd = [sys.executable, str(script)]
    else:
        cmd = [sys.executable, "-m", "gongjian.matching.gap_bench", "cpsat"]
    cmd += [str(path), str(time_limit), str(workers), str(seed)]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=3 * time_limit + 120, check=False
        )
    except subprocess.TimeoutExpired:
        return {"objective": None, "error": "timeout"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"objective": None, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def _hwm_mb() -> float:
    """Peak RSS of this process image (``VmHWM``: ``ru_maxrss`` survives ``exec``)."""
    try:
        for ln in Path("/proc/self/status").read_text().splitlines():
            if ln.startswith("VmHWM:"):
                return round(int(ln.split()[1]) / 1024, 1)
    except OSError:
        pass
    return peak_rss_mb()


def _pct(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(100.0 * (a - b) / abs(b), 4)


def bench_instance(
    path: Path,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    *,
    best_known: dict[str, int] | None = None,
    baselines: bool = True,
    deterministic: bool = False,
) -> dict[str, Any]:
    """Engine (and baselines) on one file; the JSON line of ``bench gap``."""
    from gongjian.matching.gap_engine import read_orlibrary, solve_gap

    path = Path(path)
    key = f"{path.parent.name}/{path.name}"
    cost, weight, cap = read_orlibrary(path)
    res = solve_gap(
        cost,
        weight,
        cap,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
    )
    solved = res.status in ("optimal", "feasible")
    obj = res.objective if solved else None
    bk = (best_known or {}).get(key)
    line: dict[str, Any] = {
        "instance": key,
        "agents": int(cost.shape[0]),
        "items": int(cost.shape[1]),
        "objective": obj,
        "bound": res.bound if res.status != "infeasible" else None,
        "status": res.status,
        "engine": "gap",
        "gap_own_bound_pct": _pct(obj, res.bound) if solved else None,
        "best_known": bk,
        "gap_best_known_pct": _pct(obj, bk),
        "seconds": round(res.seconds, 3),
        "time_limit": time_limit,
        "peak_rss_mb": peak_rss_mb(),
        "moves_applied": res.stats.get("moves_applied"),
        "moves_evaluated": res.stats.get("moves_evaluated"),
        "moves_applied_per_s": res.stats.get("moves_applied_per_s"),
        "moves_evaluated_per_s": res.stats.get("moves_evaluated_per_s"),
    }
    if baselines:
        for kind in ("cpsat", "highs"):
            fig = _child(kind, path, time_limit, workers, seed)
            fig["gap_best_known_pct"] = _pct(fig.get("objective"), bk)
            line[kind] = fig
    return line


def _mean(vals: Iterable[float | None]) -> float | None:
    got = [v for v in vals if v is not None]
    return round(sum(got) / len(got), 1) if got else None


def summarise(dataset: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary line for a dataset's rows."""

    def stats(vals: list[float]) -> tuple[float | None, float | None]:
        return (round(sum(vals) / len(vals), 4), round(max(vals), 4)) if vals else (None, None)

    bk = [r["gap_best_known_pct"] for r in rows if r.get("gap_best_known_pct") is not None]
    own = [r["gap_own_bound_pct"] for r in rows if r.get("gap_own_bound_pct") is not None]
    out: dict[str, Any] = {
        "summary": dataset,
        "instances": len(rows),
        "solved": sum(1 for r in rows if r["objective"] is not None),
        "optimal": sum(1 for r in rows if r["status"] == "optimal"),
        "mean_gap_best_known_pct": stats(bk)[0],
        "worst_gap_best_known_pct": stats(bk)[1],
        "mean_gap_own_bound_pct": stats(own)[0],
        "worst_gap_own_bound_pct": stats(own)[1],
        "mean_seconds": round(sum(r["seconds"] for r in rows) / max(1, len(rows)), 3),
        "peak_rss_mb": max((r["peak_rss_mb"] for r in rows), default=None),
        "mean_moves_applied_per_s": _mean(r.get("moves_applied_per_s") for r in rows),
        "mean_moves_evaluated_per_s": _mean(r.get("moves_evaluated_per_s") for r in rows),
    }
    for kind in ("cpsat", "highs"):
        figs = [(r["objective"], r[kind].get("objective")) for r in rows if kind in r]
        if not figs:
            continue
        out[f"{kind}_solved"] = sum(1 for _, o in figs if o is not None)
        out[f"engine_better_than_{kind}"] = sum(
            1 for e, o in figs if e is not None and (o is None or e < o)
        )
        out[f"engine_worse_than_{kind}"] = sum(
            1 for e, o in figs if o is not None and (e is None or e > o)
        )
        gaps = [
            r[kind]["gap_best_known_pct"]
            for r in rows
            if r.get(kind, {}).get("gap_best_known_pct") is not None
        ]
        if gaps:
            out[f"{kind}_mean_gap_best_known_pct"], out[f"{kind}_worst_gap_best_known_pct"] = stats(
                gaps
            )
    return out


def bench_files(files: list[Path], *args: Any, **options: Any) -> Iterator[dict[str, Any]]:
    """Yield the JSON lines: one per file, then one summary per dataset.

    The arguments after ``files`` are those of :func:`bench_instance`, for every file.

    The numba kernels are compiled (first run on a machine) or loaded from the
    cache before the first instance; every line carries that time as
    ``warmup_jit_seconds`` (not included in ``seconds``).
    """
    from gongjian.matching.gap_engine import warm_up

    warm = round(warm_up(), 3)
    per: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        line = bench_instance(f, *args, **options)
        line["warmup_jit_seconds"] = warm
        per.setdefault(Path(f).parent.name, []).append(line)
        yield line
    for ds, rows in per.items():
        yield summarise(ds, rows)


def _main(argv: list[str]) -> int:
    """``python -m gongjian.matching.gap_bench cpsat FILE TIME_LIMIT WORKERS SEED``."""
    if len(argv) != 5 or argv[0] != "cpsat":
        print(_main.__doc__, file=sys.stderr)
        return 2
    from gongjian.matching.gap_engine import read_orlibrary

    path, tl, workers, seed = argv[1], float(argv[2]), int(argv[3]), int(argv[4])
    out = cpsat_plain_gap(*read_orlibrary(path), tl, workers, seed)
    out["peak_rss_mb"] = _hwm_mb()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
