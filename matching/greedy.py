"""Greedy baseline: needs by priority to the best-fit unit with room, then roles.

Used by ``gongjian bench district`` as a reference; its plan is scored with the
same objective (:func:`gongjian.matching.objective.evaluate`).
"""

from __future__ import annotations

import numpy as np

from gongjian.matching.grouped import compile_problem
from gongjian.matching.problem import Problem

__all__ = ["greedy_plan"]


def greedy_plan(problem: Problem) -> tuple[list[tuple[str, str]], bool]:
    """Build a plan greedily.

    Needs in order of priority (highest first, then input order) go to the
    candidate with the best fit score that still has room (effort within the
    unit's capacity, one use left of the resource kind); then the roles of each
    activity (in input order) take the best-fit units that have room, are free on
    that date and not yet in the activity.  Pins are placed first.

    Returns
    -------
    pairs : list of (item key, unit id)
        The decisions.
    feasible : bool
        False when a required need or role or an activity minimum was not met.
    """
    cp = compile_problem(problem)
    load = np.zeros(cp.m, dtype=np.int64)
    kload: dict[tuple[int, str], int] = {}
    pairs: list[tuple[str, str]] = []
    ok = True

    def room(u: int, e: int, kind: str) -> bool:
        if load[u] + e > cp.cap[u]:
            return False
        kk = (u, kind)
        return not (kk in cp.kind_cap and kload.get(kk, 0) + 1 > cp.kind_cap[kk])

    def take(key: str, u: int, e: int, kind: str) -> None:
        load[u] += e
        if (u, kind) in cp.kind_cap:
            kload[(u, kind)] = kload.get((u, kind), 0) + 1  # one use (次)
        pairs.append((key, cp.unit_ids[u]))

    order = sorted(range(len(cp.needs)), key=lambda i: (-cp.needs[i].priority, i))
    for i in order:
        it = cp.needs[i]
        if it.pinned:
            u = it.pinned[0]
            e = int(it.effort[np.searchsorted(it.units, u)])
            take(it.key, u, e, it.kind)
            continue
        best = None
        for u, e, s in zip(it.units.tolist(), it.effort.tolist(), it.score.tolist(), strict=True):
            if room(u, e, it.kind) and (best is None or s > best[0]):
                best = (s, u, e)
        if best is None:
            ok = ok and not it.required
            continue
        take(it.key, best[1], best[2], it.kind)
    busy: set[tuple[int, int]] = set()
    for a in cp.activities:
        used: set[int] = set()
        total = 0
        for ri in a.roles:
            r = cp.roles[ri]
            got = 0
            cands = sorted(
                zip(r.units.tolist(), r.effort.tolist(), r.score.tolist(), strict=True),
                key=lambda t, pin=r.pinned: (t[0] not in pin, -t[2], t[0]),
            )
            for u, e, _ in cands:
                if got >= r.count or (a.max_units is not None and total >= a.max_units):
                    break
                if u in used or (u, a.date) in busy or not room(u, e, r.kind):
                    continue
                take(r.key, u, e, r.kind)
                used.add(u)
                busy.add((u, a.date))
                got += 1
                total += 1
            if r.required and got < r.count:
                ok = False
        if total < a.min_units:
            ok = False
    return pairs, ok
