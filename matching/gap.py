"""OR-Library GAP instances as planner problems.

An instance (``m`` agents, ``n`` items, cost ``c``, weight ``w``, capacity ``b``;
minimise cost) becomes a :class:`Problem` with one unit per agent (capacity
``b[i]``), one *required* need per item whose candidates are all agents with
``effort = w[i][j]`` and ``score = -c[i][j]``, and weights ``fit = 1``, all other
weights 0.  Our objective (maximised) is then ``-cost``; ``bench gap`` prints the
cost (``-objective``) and the cost lower bound (``-bound``) so the numbers compare
with ``best_known.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gongjian.matching.problem import Candidate, Need, Problem, Unit, Weights

__all__ = ["gap_problem", "read_gap_file"]


def read_gap_file(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read an OR-Library GAP file: ``(cost[m, n], weight[m, n], capacity[m])``.

    Delegates to :func:`gongjian.matching.gap_engine.read_orlibrary`.
    """
    from gongjian.matching.gap_engine import read_orlibrary

    cost, weight, cap = read_orlibrary(path)
    return np.asarray(cost), np.asarray(weight), np.asarray(cap)


def gap_problem(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, name: str = "gap"
) -> Problem:
    """Convert a GAP instance into a :class:`Problem` (see module docstring)."""
    m, n = cost.shape
    units = [Unit(id=f"a{i}", name=f"agent {i}", capacity=int(capacity[i])) for i in range(m)]
    needs = []
    for j in range(n):
        cands = [
            Candidate(unit=f"a{i}", effort=int(weight[i, j]), score=-int(cost[i, j]))
            for i in range(m)
            if weight[i, j] <= capacity[i]
        ]
        needs.append(Need(id=f"j{j}", priority=1, required=True, candidates=cands))
    w = Weights(fit=1, coverage=0, fairness=0, joint_coverage=0, stability=0)
    return Problem(name=name, units=units, needs=needs, weights=w)
