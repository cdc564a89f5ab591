"""The quarterly planner: a pure problem -> plan optimiser (no store, no web).

Typical use::

    from gongjian.matching import Problem, solve, render_plan
    plan = solve(Problem.model_validate_json(text), time_limit=10, seed=0)
    print(render_plan(plan))
"""

from gongjian.matching.examples import district_problem, example_problem
from gongjian.matching.explain import render_plan
from gongjian.matching.objective import evaluate
from gongjian.matching.problem import (
    JOINT_TYPES,
    Activity,
    Candidate,
    Conflict,
    Decision,
    Need,
    ObjectiveParts,
    Pair,
    Plan,
    Problem,
    RoleSlot,
    Unit,
    UnitLoad,
    Unmet,
    Weights,
)
from gongjian.matching.solver import check_plan, solve

__all__ = [
    "JOINT_TYPES",
    "Activity",
    "Candidate",
    "Conflict",
    "Decision",
    "Need",
    "ObjectiveParts",
    "Pair",
    "Plan",
    "Problem",
    "RoleSlot",
    "Unit",
    "UnitLoad",
    "Unmet",
    "Weights",
    "check_plan",
    "district_problem",
    "evaluate",
    "example_problem",
    "render_plan",
    "solve",
]
