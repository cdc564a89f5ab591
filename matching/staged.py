"""The staged solve: a quick first plan to show, then the full solve.

:func:`solve_in_stages` first solves for :func:`quick_limit` seconds
(``min(1 s, 10 % of the limit)``); that plan is shown while the full solve runs
with the rest of the limit, and the better of the two is kept with the lower of
the two proven bounds (:func:`merge_stages`). A quick stage that proves
optimality or infeasibility ends the solve. Both stages are deterministic: same
problem, limit and seed give the same plan.

:func:`solve_staged` runs the stages and reports each as a typed
:class:`StageProgress`; the service's job runner runs the same stages in its
child process (:mod:`gongjian.service.plans.jobs`).

>>> from gongjian.matching.examples import example_problem
>>> seen = []
>>> plan = solve_staged(example_problem(), time_limit=5, seed=1, on_progress=seen.append)
>>> plan.status, seen[-1].objective == plan.objective
('optimal', True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from gongjian.matching.problem import Plan, Problem

__all__ = [
    "Stage",
    "StageProgress",
    "merge_stages",
    "quick_limit",
    "solve_in_stages",
    "solve_staged",
]


@dataclass
class Stage:
    """One finished solver stage: ``quick`` or ``full``; ``plan`` is the best so far."""

    name: str
    plan: Plan
    final: bool


class StageProgress(BaseModel):
    """Where a staged solve is: the stage, the best plan's figures, seconds elapsed.

    Stages are ``starting`` and ``compiled`` (no plan yet), then ``quick`` and ``full``.
    """

    stage: str
    status: str | None = None
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    elapsed: float = 0.0

    @classmethod
    def of(cls, stage: str, plan: Plan | None, elapsed: float) -> StageProgress:
        """The progress after ``stage`` with ``plan`` the best so far (None before a plan)."""
        return cls(
            stage=stage,
            status=plan.status if plan else None,
            objective=plan.objective if plan else None,
            bound=plan.bound if plan else None,
            gap=plan.gap if plan else None,
            elapsed=round(elapsed, 3),
        )


def quick_limit(time_limit: float) -> float:
    """Seconds of the quick first stage."""
    return min(1.0, 0.1 * time_limit)


def merge_stages(first: Plan, second: Plan) -> Plan:
    """The better plan of two solves of one problem, with the lower (valid) bound of both."""
    if second.objective is None:
        return first if first.objective is not None else second
    if first.objective is None:
        return second
    best = second if second.objective >= first.objective else first
    bounds = [b for b in (first.bound, second.bound) if b is not None]
    update: dict[str, Any] = {"seconds": round(first.seconds + second.seconds, 3)}
    if bounds:
        bound = max(min(bounds), best.objective)
        update["bound"] = bound
        update["gap"] = (bound - best.objective) / max(1, abs(best.objective))
        if bound == best.objective:
            update["status"] = "optimal"
    return best.model_copy(update=update)


def solve_in_stages(
    problem: Problem, *, time_limit: float, seed: int, workers: int = 2
) -> Iterator[Stage]:
    """Solve ``problem`` quickly, then fully; yield the best plan after each stage.

    The quick stage ends the solve when it proves optimality or infeasibility.
    """
    from gongjian.matching.solver import solve

    quick = quick_limit(time_limit)
    first = solve(problem, time_limit=quick, workers=workers, seed=seed)
    if first.status in ("optimal", "infeasible"):
        yield Stage("quick", first, final=True)
        return
    yield Stage("quick", first, final=False)
    second = solve(problem, time_limit=max(0.1, time_limit - quick), workers=workers, seed=seed)
    yield Stage("full", merge_stages(first, second), final=True)


def solve_staged(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int = 2,
    on_progress: Callable[[StageProgress], None] | None = None,
) -> Plan:
    """Run :func:`solve_in_stages` to the end; ``on_progress`` after each stage; the final plan."""
    plan: Plan | None = None
    for stage in solve_in_stages(problem, time_limit=time_limit, seed=seed, workers=workers):
        plan = stage.plan
        if on_progress is not None:
            on_progress(StageProgress.of(stage.name, plan, plan.seconds))
    assert plan is not None  # solve_in_stages always yields a final stage
    return plan
