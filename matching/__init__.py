"""The quarterly planner: a pure problem -> plan optimiser (no store, no web).

Typical use::

    from gongjian.matching import Problem, solve, render_plan
    plan = solve(Problem.model_validate_json(text), time_limit=10, seed=0)
    print(render_plan(plan))

Every model of :mod:`gongjian.matching.problem` is exported here too; its ``__all__``
is the one list of them.
"""

from gongjian.matching import problem as _problem
from gongjian.matching.examples import district_problem, example_problem
from gongjian.matching.explain import render_plan
from gongjian.matching.objective import evaluate
from gongjian.matching.problem import *  # noqa: F403 (the models, listed once in problem)
from gongjian.matching.solver import check_plan, solve

__all__ = [
    "check_plan",
    "district_problem",
    "evaluate",
    "example_problem",
    "render_plan",
    "solve",
]
__all__ += _problem.__all__
