"""The gap1 instances reach their known optima through the general solver."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from gongjian.matching.gap import gap_problem, read_gap_file
from gongjian.matching.grouped import compile_problem
from gongjian.matching.solver import is_gap_shaped, solve

GAP = Path(__file__).resolve().parents[1] / "data" / "gap"


def _optima() -> dict[str, int]:
    with open(GAP / "best_known.csv", newline="") as f:
        return {row["Path"]: int(row["Optimum"]) for row in csv.DictReader(f) if row["Optimum"]}


@pytest.mark.parametrize("k", range(5))
def test_gap1_known_optimum(k: int) -> None:
    path = GAP / "instances" / "cattrysse1994" / f"gap1-{k}"
    cost, weight, cap = read_gap_file(path)
    prob = gap_problem(cost, weight, cap, name=path.name)
    assert is_gap_shaped(compile_problem(prob))
    plan = solve(prob, time_limit=5)
    best = _optima()[f"cattrysse1994/gap1-{k}"]
    assert plan.status == "optimal"
    assert -plan.objective == best
    assert -plan.bound == best


def test_gap_through_exact_engine_too() -> None:
    path = GAP / "instances" / "cattrysse1994" / "gap1-0"
    prob = gap_problem(*read_gap_file(path), name="gap1-0")
    plan = solve(prob, time_limit=10, engine="exact")
    assert -plan.objective == _optima()["cattrysse1994/gap1-0"]
    assert plan.status == "optimal"


def test_read_gap_file_shape() -> None:
    cost, weight, cap = read_gap_file(GAP / "instances" / "cattrysse1994" / "gap1-0")
    assert cost.shape == weight.shape == (5, 15) and cap.shape == (5,)
    assert np.all(weight > 0)
