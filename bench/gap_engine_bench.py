"""Benchmark :func:`gongjian.matching.gap_engine.solve_gap` on GAP instances.

Prints one JSON line per instance and one summary line per dataset (the same
lines as ``gongjian bench gap``)::

    python bench/gap_engine_bench.py                        # all 84 public, 10 s each
    python bench/gap_engine_bench.py --time-limit 2 chu1997/d20100 path/to/file
    python bench/gap_engine_bench.py --generate C,D,E --agents 20,40,80 \\
        --items 400,900,1600 --gen-seed 1 --no-baselines

Instance arguments are file paths or names relative to the benchmark's
``instances/`` folder (``chu1997/d20100``); a folder name (``chu1997``) means all
of its instances.  Best-known values come from ``best_known.csv``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gongjian.matching.gap_bench import (
    bench_files,
    expand_paths,
    generated_files,
    load_best_known,
)

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "gap"


def resolve_instances(args: list[str], root: Path, generate: bool) -> list[Path]:
    """Turn command-line arguments into a list of instance files."""
    inst_root = root / "instances"
    if not args and not generate:
        args = ["cattrysse1994", "chu1997"]
    paths: list[Path] = []
    for a in args:
        p = Path(a)
        if not p.exists():
            p = inst_root / a
        if not p.exists():
            raise SystemExit(f"no such instance: {a}")
        paths.append(p)
    return expand_paths(paths)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("instances", nargs="*", help="instance files, names or dataset folders")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--deterministic",
        action="store_true",
        help="work budgets (same seed, same result) instead of the wall clock",
    )
    ap.add_argument("--no-baselines", action="store_true", help="skip plain CP-SAT and HiGHS")
    ap.add_argument("--generate", default="", help="generated instance types, e.g. C,D,E")
    ap.add_argument("--agents", default="20,40,80")
    ap.add_argument("--items", default="400,900,1600")
    ap.add_argument("--gen-seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="folder for generated files")
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="benchmark folder")
    ns = ap.parse_args(argv)

    files = resolve_instances(ns.instances, ns.root, bool(ns.generate))
    if ns.generate:
        files += generated_files(
            [k.strip().upper() for k in ns.generate.split(",") if k.strip()],
            [int(v) for v in ns.agents.split(",")],
            [int(v) for v in ns.items.split(",")],
            ns.gen_seed,
            ns.out,
        )
    best_known = load_best_known(ns.root / "best_known.csv")
    for line in bench_files(
        files,
        ns.time_limit,
        ns.workers,
        ns.seed,
        best_known=best_known,
        baselines=not ns.no_baselines,
        deterministic=ns.deterministic,
    ):
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
