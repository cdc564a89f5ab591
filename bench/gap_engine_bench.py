"""Benchmark :func:`gongjian.matching.gap_engine.solve_gap` on public GAP instances.

Prints one JSON line per instance and one summary line per dataset::

    python bench/gap_engine_bench.py                       # all 84, 10 s each
    python bench/gap_engine_bench.py --time-limit 2 chu1997/d20100 path/to/file

Instance arguments are file paths or names relative to the benchmark's
``instances/`` folder (``chu1997/d20100``); a folder name (``chu1997``) means all
of its instances.  Best-known values come from ``best_known.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from gongjian.matching.gap_engine import read_orlibrary, solve_gap

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "gap"


def load_best_known(root: Path) -> dict[str, int]:
    """Map ``dataset/name`` to the best known (minimisation) value."""
    out: dict[str, int] = {}
    path = root / "best_known.csv"
    if not path.exists():
        return out
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            val = row.get("Best known solution value") or row.get("Optimum") or ""
            if val.strip():
                out[row["Path"].strip()] = int(float(val))
    return out


def _natural_key(p: Path) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))]


def resolve_instances(args: list[str], root: Path) -> list[Path]:
    """Turn command-line arguments into a list of instance files."""
    inst_root = root / "instances"
    if not args:
        args = ["cattrysse1994", "chu1997"]
    files: list[Path] = []
    for a in args:
        p = Path(a)
        if not p.exists():
            p = inst_root / a
        if p.is_dir():
            files.extend(sorted((q for q in p.iterdir() if q.is_file()), key=_natural_key))
        elif p.is_file():
            files.append(p)
        else:
            raise SystemExit(f"no such instance: {a}")
    return files


def key_of(path: Path, root: Path) -> str:
    """``dataset/name`` key used in ``best_known.csv``."""
    try:
        return path.resolve().relative_to((root / "instances").resolve()).as_posix()
    except ValueError:
        return f"{path.parent.name}/{path.name}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("instances", nargs="*", help="instance files, names or dataset folders")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--wall-clock",
        action="store_true",
        help="strict wall-clock time limit (deterministic=False) instead of the "
        "deterministic budgets",
    )
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="benchmark folder")
    ns = ap.parse_args(argv)

    best_known = load_best_known(ns.root)
    files = resolve_instances(ns.instances, ns.root)
    per_dataset: dict[str, list[dict[str, object]]] = {}
    for f in files:
        key = key_of(f, ns.root)
        cost, weight, capacity = read_orlibrary(f)
        res = solve_gap(
            cost,
            weight,
            capacity,
            time_limit=ns.time_limit,
            workers=ns.workers,
            seed=ns.seed,
            deterministic=not ns.wall_clock,
        )
        bk = best_known.get(key)
        pct = (
            None if bk is None or res.status == "infeasible" else 100.0 * (res.objective - bk) / bk
        )
        row: dict[str, object] = {
            "instance": key,
            "agents": int(cost.shape[0]),
            "items": int(cost.shape[1]),
            "objective": res.objective,
            "bound": res.bound,
            "best_known": bk,
            "gap_to_best_known_pct": None if pct is None else round(pct, 4),
            "status": res.status,
            "seconds": round(res.seconds, 3),
        }
        print(json.dumps(row), flush=True)
        per_dataset.setdefault(key.split("/")[0], []).append(row)

    for dataset, rows in per_dataset.items():
        pcts = [
            float(r["gap_to_best_known_pct"])
            for r in rows
            if r["gap_to_best_known_pct"] is not None
        ]  # type: ignore[arg-type]
        summary = {
            "dataset": dataset,
            "instances": len(rows),
            "mean_pct": round(sum(pcts) / len(pcts), 4) if pcts else None,
            "worst_pct": round(max(pcts), 4) if pcts else None,
            "optimal_count": sum(1 for r in rows if r["status"] == "optimal"),
            "mean_seconds": round(sum(float(r["seconds"]) for r in rows) / len(rows), 3),  # type: ignore[arg-type]
            "max_seconds": round(max(float(r["seconds"]) for r in rows), 3),  # type: ignore[arg-type]
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
