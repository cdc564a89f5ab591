"""The quarterly planner: a pure problem -> plan optimiser (no store, no web).

Typical use::

    from gongjian.matching import Problem, solve, render_plan
    plan = solve(Problem.model_validate_json(text), time_limit=10, seed=0)
    print(render_plan(plan))

Every model of :mod:`gongjian.matching.problem` is exported here too; its ``__all__``
is the one list of them.

The solver's functions are imported on first use (PEP 562 ``__getattr__``): they pull in
OR-Tools and pandas (~1 s of CPU), which the service and the CLI commands that never
solve (``gongjian serve`` starting, ``gongjian users``, …) should not pay for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gongjian.matching import problem as _problem
from gongjian.matching.problem import *  # noqa: F403 (the models, listed once in problem)

if TYPE_CHECKING:
    from gongjian.matching.examples import district_problem, example_problem
    from gongjian.matching.explain import render_plan
    from gongjian.matching.objective import evaluate
    from gongjian.matching.solver import check_plan, solve

#: the lazily imported names → the module that defines each
_LAZY = {
    "check_plan": "gongjian.matching.solver",
    "district_problem": "gongjian.matching.examples",
    "evaluate": "gongjian.matching.objective",
    "example_problem": "gongjian.matching.examples",
    "render_plan": "gongjian.matching.explain",
    "solve": "gongjian.matching.solver",
}

__all__ = [
    "check_plan",
    "district_problem",
    "evaluate",
    "example_problem",
    "render_plan",
    "solve",
]
__all__ += _problem.__all__


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
