"""The problem model: validation, schema, JSON round trip, objective pieces."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from pydantic import ValidationError

from gongjian.matching.examples import district_problem, example_problem
from gongjian.matching.grouped import compile_problem
from gongjian.matching.objective import evaluate, fairness_penalty, fairness_segments
from gongjian.matching.problem import Problem

from .planner_helpers import act, need, problem, role, units, weights


def test_unknown_candidate_unit_rejected() -> None:
    with pytest.raises(ValidationError):
        problem(units(A=1), [need("n1", {"Z": 1})])


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(ValidationError):
        problem(units(A=1), [need("n1", {"A": 1}), need("n1", {"A": 1})])
    with pytest.raises(ValidationError):
        problem(units(A=1), pinned=[("nope", "A")])


def test_example_round_trips_json() -> None:
    p = example_problem()
    again = Problem.model_validate_json(p.model_dump_json())
    assert again == p
    assert len(p.units) == 15 and len(p.needs) == 30 and len(p.activities) == 5
    assert "joint_type" in Problem.model_json_schema()["$defs"]["Activity"]["properties"]


def test_fairness_penalty_is_convex() -> None:
    vals = [fairness_penalty(k, 10) for k in range(11)]
    steps = [b - a for a, b in itertools.pairwise(vals)]
    assert steps == sorted(steps) and vals[0] == 0 and steps[-1] == 9
    assert sum(length for length, _ in fairness_segments(10, 3)) == 7


def test_evaluate_terms() -> None:
    p = problem(
        units(A=4),
        [need("n1", {"A": 10}, priority=4)],
        [act("a", [role("r", {"A": 5})])],
        w=weights(fit=1, coverage=2, fairness=1, joint_coverage=7, stability=3),
        previous=[("n1", "A"), ("a/r", "A")],
    )
    parts = evaluate(p, [("n1", "A")])
    # fit 10, coverage 2*4, fairness P(1, 4) = 0, joint 0, one previous pair lost
    assert (parts.fit, parts.coverage, parts.fairness, parts.joint_coverage, parts.changes) == (
        10,
        8,
        0,
        0,
        3,
    )
    parts = evaluate(p, [("n1", "A"), ("a/r", "A")])
    assert parts.joint_coverage == 7 and parts.fairness == fairness_penalty(2, 4)
    assert parts.total == 15 + 8 - parts.fairness + 7


def test_grouping_detects_interchangeable_needs() -> None:
    # three communities: many needs of one kind, effort and community are interchangeable
    p = district_problem(30, 2000, 10, seed=1)
    cp = compile_problem(p)
    assert len(cp.classes) < len(p.needs) / 3
    # needs passed one by one with identical data collapse into one class
    same = problem(units(A=5, B=5), [need(f"n{i}", {"A": 3, "B": 4}) for i in range(6)])
    assert len(compile_problem(same).classes) == 1
    pinned = problem(
        units(A=5, B=5), [need(f"n{i}", {"A": 3, "B": 4}) for i in range(6)], pinned=[("n0", "A")]
    )
    assert len(compile_problem(pinned).classes) == 2


def test_district_problem_is_deterministic_and_in_the_domain_vocabulary() -> None:
    from gongjian.graph.model import ResourceKind

    a = district_problem(50, 300, 10, seed=4)
    b = district_problem(50, 300, 10, seed=4)
    assert a.model_dump_json() == b.model_dump_json()
    kinds = {n.kind for n in a.needs} | {r.kind for x in a.activities for r in x.roles}
    assert kinds <= {k.value for k in ResourceKind}
    # the production compiler's fit scale (FitRules and the suitability table), not a
    # synthetic one: suitability // 5, mostly the full 20
    suits = Counter(c.parts["suitability"] for n in a.needs for c in n.candidates)
    assert set(suits) <= set(range(1, 21)) and suits.most_common(1)[0][0] == 20
