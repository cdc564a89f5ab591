"""The objective function, evaluated on any assignment (one source of truth).

Every engine (flow, CP-SAT, GAP engine, greedy, plain CP-SAT) reports the value
computed here, so their numbers are comparable.  See
:mod:`gongjian.matching.problem` for the definition (maximised, integers).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from gongjian.matching.problem import ObjectiveParts, Problem, item_key

__all__ = [
    "FAIRNESS_STEPS",
    "evaluate",
    "fairness_marginals",
    "fairness_penalty",
    "fairness_segments",
]

#: The marginal fairness cost of one effort unit is ``floor(FAIRNESS_STEPS * load / capacity)``.
FAIRNESS_STEPS = 10


def fairness_marginals(capacity: int) -> np.ndarray:
    """Marginal penalty of the ``k+1``-th effort unit, for ``k = 0 .. capacity-1``.

    Parameters
    ----------
    capacity : int
        The unit's capacity (effort units).

    Returns
    -------
    numpy.ndarray
        ``floor(FAIRNESS_STEPS * k / capacity)``; non-decreasing, hence convex penalty.
    """
    if capacity <= 0:
        return np.zeros(0, dtype=np.int64)
    k = np.arange(capacity, dtype=np.int64)
    return (FAIRNESS_STEPS * k) // capacity


def fairness_penalty(load: int, capacity: int) -> int:
    """Unweighted convex penalty ``P(load, capacity) = sum of the first load marginals``."""
    if load <= 0 or capacity <= 0:
        return 0
    m = fairness_marginals(capacity)
    if load <= capacity:
        return int(m[:load].sum())
    # over capacity (never in a feasible plan): extend with the top marginal
    return int(m.sum()) + (load - capacity) * FAIRNESS_STEPS


def fairness_segments(capacity: int, start: int = 0) -> list[tuple[int, int]]:
    """Split the load range ``start .. capacity`` into runs of equal marginal cost.

    Returns
    -------
    list of (length, marginal)
        In increasing order of marginal; their lengths sum to ``capacity - start``.
    """
    return list(_segments(int(capacity), int(start)))


@functools.lru_cache(maxsize=65536)
def _segments(capacity: int, start: int) -> tuple[tuple[int, int], ...]:
    m = fairness_marginals(capacity)[max(0, start) :]
    if m.size == 0:
        return ()
    change = np.flatnonzero(np.diff(m)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [m.size]))
    return tuple((int(e - s), int(m[s])) for s, e in zip(starts, ends, strict=True))


def evaluate(problem: Problem, pairs: Iterable[tuple[str, str]]) -> ObjectiveParts:
    """Evaluate the objective of an assignment given as ``(item key, unit id)`` pairs.

    Parameters
    ----------
    problem : Problem
        The problem (weights, candidates, previous plan).
    pairs : iterable of (str, str)
        The decisions.  Feasibility is *not* checked here (see
        :func:`gongjian.matching.solver.check_plan`).

    Returns
    -------
    ObjectiveParts
        Terms and total (maximised).
    """
    w = problem.weights
    chosen: set[tuple[str, str]] = set()
    by_item: dict[str, list[str]] = {}
    for item, unit in pairs:
        chosen.add((item, unit))
        by_item.setdefault(item, []).append(unit)
    loads: dict[str, int] = {}
    fit = cov = 0
    joint: set[tuple[str, str]] = set()
    known: set[str] = set()

    def take(item: str, cands: list) -> None:
        nonlocal fit
        units = by_item[item]
        want = set(units)
        found = 0
        for c in cands:
            if c.unit in want:
                fit += c.score
                loads[c.unit] = loads.get(c.unit, 0) + c.effort
                found += 1
        if found != len(units):
            raise KeyError(f"{item}: unit not among its candidates")
        known.add(item)

    for n in problem.needs:
        if n.id in by_item:
            take(n.id, n.candidates)
            cov += n.priority * len(by_item[n.id])
    for a in problem.activities:
        for r in a.roles:
            k = item_key(a.id, r.id)
            if k in by_item:
                take(k, r.candidates)
                joint.add((a.community, a.joint_type))
    if len(known) != len(by_item):
        raise KeyError(f"unknown items: {sorted(set(by_item) - known)[:5]}")
    fair = 0
    if w.fairness:
        caps = {u.id: u.capacity for u in problem.units}
        fair = sum(fairness_penalty(load, caps[u]) for u, load in loads.items())
    changes = 0
    if problem.previous:
        cand_pairs: set[tuple[str, str]] = set()
        prev_items = {p.item for p in problem.previous}
        for n in problem.needs:
            if n.id in prev_items:
                cand_pairs |= {(n.id, c.unit) for c in n.candidates}
        for a in problem.activities:
            for r in a.roles:
                k = item_key(a.id, r.id)
                if k in prev_items:
                    cand_pairs |= {(k, c.unit) for c in r.candidates}
        prev = {(p.item, p.unit) for p in problem.previous if (p.item, p.unit) in cand_pairs}
        changes = len(prev - chosen)
    parts = ObjectiveParts(
        fit=w.fit * fit,
        coverage=w.coverage * cov,
        fairness=w.fairness * fair,
        joint_coverage=w.joint_coverage * len(joint),
        changes=w.stability * changes,
    )
    parts.total = parts.fit + parts.coverage - parts.fairness + parts.joint_coverage - parts.changes
    return parts
