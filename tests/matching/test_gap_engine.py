"""Tests for the GAP engine (:mod:`gongjian.matching.gap_engine`)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest

from gongjian.matching.gap_engine import GapResult, read_orlibrary, solve_gap

GAP_ROOT = Path(__file__).resolve().parents[1] / "data" / "gap"


def _best_known() -> dict[str, int]:
    with (GAP_ROOT / "best_known.csv").open(newline="") as fh:
        return {row["Path"]: int(row["Best known solution value"]) for row in csv.DictReader(fh)}


def _check_feasible(
    res: GapResult,
    cost: np.ndarray,
    weight: np.ndarray,
    capacity: np.ndarray,
    allowed: np.ndarray | None = None,
) -> None:
    m, n = cost.shape
    a = res.assignment
    assert a.shape == (n,)
    assert ((a >= 0) & (a < m)).all(), "every item assigned exactly once"
    loads = np.zeros(m, dtype=np.int64)
    np.add.at(loads, a, weight[a, np.arange(n)])
    assert (loads <= capacity).all(), "capacity respected"
    if allowed is not None:
        assert allowed[a, np.arange(n)].all(), "forbidden pair used"
    assert res.objective == int(cost[a, np.arange(n)].sum())
    assert res.bound <= res.objective


def _brute_force(
    cost: np.ndarray, weight: np.ndarray, capacity: np.ndarray, allowed: np.ndarray
) -> int | None:
    m, n = cost.shape
    best: int | None = None
    for combo in itertools.product(range(m), repeat=n):
        a = np.array(combo)
        if not allowed[a, np.arange(n)].all():
            continue
        loads = np.bincount(a, weights=weight[a, np.arange(n)], minlength=m)
        if (loads > capacity).any():
            continue
        val = int(cost[a, np.arange(n)].sum())
        if best is None or val < best:
            best = val
    return best


@pytest.mark.parametrize("name", [f"gap1-{k}" for k in range(5)])
def test_cattrysse_gap1_reaches_optimum(name: str) -> None:
    key = f"cattrysse1994/{name}"
    cost, weight, capacity = read_orlibrary(GAP_ROOT / "instances" / key)
    assert cost.shape == weight.shape == (5, 15)
    res = solve_gap(cost, weight, capacity, time_limit=2.0, seed=0)
    _check_feasible(res, cost, weight, capacity)
    assert res.objective == _best_known()[key]
    assert res.status == "optimal"
    assert res.bound == res.objective


def test_single_worker_and_wall_clock_mode() -> None:
    key = "cattrysse1994/gap1-0"
    cost, weight, capacity = read_orlibrary(GAP_ROOT / "instances" / key)
    res = solve_gap(cost, weight, capacity, time_limit=2.0, workers=1, deterministic=False)
    _check_feasible(res, cost, weight, capacity)
    assert res.objective == _best_known()[key]


def test_tiny_random_instances_match_brute_force() -> None:
    rng = np.random.default_rng(12345)
    checked = 0
    for _ in range(12):
        m, n = int(rng.integers(2, 5)), int(rng.integers(3, 8))
        cost = rng.integers(1, 30, size=(m, n))
        weight = rng.integers(1, 10, size=(m, n))
        capacity = rng.integers(5, 20, size=m)
        allowed = rng.random((m, n)) < 0.85
        expected = _brute_force(cost, weight, capacity, allowed)
        res = solve_gap(cost, weight, capacity, allowed=allowed, time_limit=2.0, seed=1)
        if expected is None:
            assert res.status == "infeasible"
            assert (res.assignment == -1).all()
            continue
        checked += 1
        _check_feasible(res, cost, weight, capacity, allowed)
        assert res.status == "optimal"
        assert res.objective == expected
    assert checked >= 4


def test_infeasible_total_weight_exceeds_capacity() -> None:
    cost = np.ones((2, 4), dtype=np.int64)
    weight = np.full((2, 4), 5, dtype=np.int64)
    capacity = np.array([9, 9])
    res = solve_gap(cost, weight, capacity, time_limit=2.0)
    assert res.status == "infeasible"
    assert (res.assignment == -1).all()


def test_infeasible_item_without_allowed_agent() -> None:
    cost = np.ones((2, 3), dtype=np.int64)
    weight = np.ones((2, 3), dtype=np.int64)
    allowed = np.ones((2, 3), dtype=bool)
    allowed[:, 1] = False
    res = solve_gap(cost, weight, np.array([5, 5]), allowed=allowed, time_limit=2.0)
    assert res.status == "infeasible"


def test_hint_and_allowed_are_respected() -> None:
    rng = np.random.default_rng(7)
    m, n = 4, 12
    cost = rng.integers(1, 50, size=(m, n))
    weight = rng.integers(1, 10, size=(m, n))
    capacity = np.full(m, 30)
    allowed = np.ones((m, n), dtype=bool)
    allowed[0, :6] = False
    hint = np.array([1, 2, 3, 1, 2, 3, 0, 0, 1, 2, 3, 1])
    res = solve_gap(cost, weight, capacity, allowed=allowed, hint=hint, time_limit=2.0)
    _check_feasible(res, cost, weight, capacity, allowed)
    assert res.status == "optimal"


def test_same_seed_same_assignment() -> None:
    rng = np.random.default_rng(3)
    m, n = 6, 40
    cost = rng.integers(10, 60, size=(m, n))
    weight = rng.integers(5, 25, size=(m, n))
    capacity = (weight.sum(axis=1) * 0.8 / m).astype(np.int64)
    first = solve_gap(cost, weight, capacity, time_limit=2.0, seed=5)
    second = solve_gap(cost, weight, capacity, time_limit=2.0, seed=5)
    _check_feasible(first, cost, weight, capacity)
    assert first.objective == second.objective
    assert np.array_equal(first.assignment, second.assignment)


@pytest.mark.parametrize("restricted", [False, True])
def test_tabu_search_moves_keep_costs_and_allowed_pairs(restricted: bool) -> None:
    # the incremental cost/load bookkeeping of shift, swap and ejection-chain moves
    # (and the elite restarts) must agree with a recomputation, respect forbidden
    # pairs and be reproducible
    from gongjian.matching.gap_engine import _greedy, _tabu_search

    rng = np.random.default_rng(11)
    m, n = 8, 60
    weight = rng.integers(1, 100, size=(m, n))
    cost = 111 - weight + rng.integers(-10, 11, size=(m, n))
    capacity = (weight.sum(axis=1) * 0.8 / m).astype(np.int64)
    allowed = rng.random((m, n)) < (0.7 if restricted else 1.1)
    allowed[weight.argmin(axis=0), np.arange(n)] = True
    capacity = capacity + (120 if restricted else 0)
    start = _greedy(weight / capacity[:, None], weight, capacity, allowed)
    assert start is not None
    prices = np.full(m, 1.0)
    runs = [
        _tabu_search(
            cost,
            weight,
            capacity,
            allowed,
            start,
            max_iters=1500,
            deadline=float("inf"),
            seed=2,
            target=0,
            prices=prices,
        )
        for _ in range(2)
    ]
    best, obj, _ = runs[0]
    assert np.array_equal(best, runs[1][0])
    assert obj == int(cost[best, np.arange(n)].sum())
    assert obj <= int(cost[start, np.arange(n)].sum())
    assert allowed[best, np.arange(n)].all()
    loads = np.bincount(best, weights=weight[best, np.arange(n)], minlength=m)
    assert (loads <= capacity).all()
