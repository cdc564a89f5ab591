"""HiGHS MIP (``highspy``) on the plain GAP assignment model -- a benchmark baseline.

OR-Tools 9.15 bundles its own HiGHS under the same soname (``libhighs.so.1``), so
``highspy`` cannot be loaded in a process that has imported OR-Tools (nor the
other way round).  ``bench gap`` therefore runs this file **as a script in a child
process** (it imports only numpy and highspy)::

    python gap_highs.py FILE TIME_LIMIT THREADS SEED

and reads one JSON line ``{objective, bound, status, seconds, peak_rss_mb}``.
The model: one binary per (agent, item) pair whose weight fits, ``= 1`` per item,
``<= capacity`` per agent, minimise cost.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np


def read(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OR-Library GAP file -> ``(cost, weight, capacity)``."""
    tok = np.array(Path(path).read_text().split(), dtype=np.int64)
    m, n = int(tok[0]), int(tok[1])
    body = tok[2 : 2 + 2 * m * n + m]
    return (
        body[: m * n].reshape(m, n),
        body[m * n : 2 * m * n].reshape(m, n),
        body[2 * m * n :],
    )


def highs_mip(
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    time_limit: float,
    threads: int,
    seed: int,
) -> dict[str, object]:
    """Solve the plain model with HiGHS; returns the figures (see module docstring)."""
    import highspy

    t0 = time.perf_counter()
    m, n = cost.shape
    ii, jj = np.nonzero(weight <= capacity[:, None])
    k = ii.size
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = n + m
    lp.col_cost_ = cost[ii, jj].astype(np.float64)
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.ones(k)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), capacity.astype(np.float64)])
    index = np.empty(2 * k, dtype=np.int32)
    index[0::2] = jj
    index[1::2] = n + ii
    value = np.empty(2 * k, dtype=np.float64)
    value[0::2] = 1.0
    value[1::2] = weight[ii, jj]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 2 * k + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = k
    lp.a_matrix_.num_row_ = n + m
    lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", int(seed))
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    found = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    bound = float(info.mip_dual_bound)
    return {
        "objective": round(info.objective_function_value) if found else None,
        "bound": math.ceil(bound - 1e-6) if math.isfinite(bound) else None,
        "status": h.modelStatusToString(h.getModelStatus()),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def hwm_mb() -> float:
    """Peak RSS of this process image (``VmHWM``; ``ru_maxrss`` survives ``exec``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str]) -> int:
    path, tl, threads, seed = argv[0], float(argv[1]), int(argv[2]), int(argv[3])
    out = highs_mip(*read(path), tl, threads, seed)
    out["peak_rss_mb"] = hwm_mb()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
