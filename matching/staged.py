"""The staged solve: a quick first plan to show, then the full solve.

:func:`solve_in_stages` first solves for :func:`quick_limit` seconds
(``min(1 s, 10 % of the limit)``); that plan is shown while the full solve runs
with the rest of the limit (what the quick stage left of it), and the better of the two is kept with the lower of
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

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from gongjian.matching.problem import Plan, Problem
from gongjian.matching.progress import ProgressPoint, SolveProgress, gap_of

__all__ = [
    "ProgressLog",
    "Stage",
    "StageProgress",
    "merge_stages",
    "quick_limit",
    "solve_budget",
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
    """Where a staged solve is: the stage, the best figures so far, seconds elapsed.

    Stages are ``starting`` and ``compiled`` (no plan yet), then ``quick`` and ``full``
    (the last finished stage; the figures move on during the next one).
    ``time_limit`` is the job's, ``started`` when it started (Unix time, so that a
    reader can tell how long it has been running), ``series`` the figures as they
    improved (:class:`ProgressLog`).
    """

    stage: str
    status: str | None = None
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    elapsed: float = 0.0
    time_limit: float | None = None
    started: float | None = None
    series: list[ProgressPoint] = Field(default_factory=list)

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


class ProgressLog:
    """A job's progress as it goes: the stage, the best figures and their series.

    ``t`` of each point is the caller's clock (seconds since the job started). At
    most ``max_points`` are kept: beyond that every other older point is dropped,
    so a long solve keeps its shape (the first and the latest points stay).
    """

    def __init__(
        self,
        time_limit: float | None = None,
        *,
        started: float | None = None,
        max_points: int = 240,
    ) -> None:
        self.max_points = max(4, max_points)
        self.current = StageProgress(stage="starting", time_limit=time_limit, started=started)

    def stage(self, stage: str, plan: Plan | None, elapsed: float) -> dict[str, Any]:
        """A stage finished (``plan`` its best plan, None before the first): the progress."""
        update: dict[str, Any] = {"stage": stage, "elapsed": round(elapsed, 3)}
        if plan is not None:
            update["status"] = plan.status
            self._add(ProgressPoint(t=elapsed, objective=plan.objective, bound=plan.bound))
        return self._dump(update)

    def point(self, objective: int | None, bound: int | None, elapsed: float) -> dict[str, Any]:
        """The solve found a better plan or bound: the progress."""
        self._add(ProgressPoint(t=elapsed, objective=objective, bound=bound))
        return self._dump({"elapsed": round(elapsed, 3)})

    def _add(self, p: ProgressPoint) -> None:
        series = self.current.series
        last = series[-1] if series else None
        # the best so far only: a stage's plan may repeat what was streamed
        objective = _best(max, last.objective if last else None, p.objective)
        bound = _best(min, last.bound if last else None, p.bound)
        if last is not None and (objective, bound) == (last.objective, last.bound):
            return
        if objective is not None and bound is not None:
            bound = max(bound, objective)
        series.append(
            ProgressPoint(
                t=round(p.t, 3), objective=objective, bound=bound, gap=gap_of(objective, bound)
            )
        )
        if len(series) > self.max_points:
            head = series[:-1]
            self.current.series = [*head[::2], series[-1]]

    def _dump(self, update: dict[str, Any]) -> dict[str, Any]:
        series = self.current.series
        if series:
            last = series[-1]
            update.update(objective=last.objective, bound=last.bound, gap=last.gap)
        self.current = self.current.model_copy(update=update)
        return self.current.model_dump()


def _best(pick: Callable[[int, int], int], a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else pick(a, b)


#: the stages get at least this share of the time limit, however long compiling took
MIN_SOLVE_SHARE = 0.5
#: seconds of the time limit kept for handing the plan back (at most 5 % of the limit)
RESERVE = 1.0


def solve_budget(time_limit: float, spent: float) -> float:
    """Seconds left to the stages of a job whose limit is ``time_limit`` after ``spent``.

    The limit is the user's: compiling came out of it, and :data:`RESERVE` (at most
    5 % of the limit) is kept for handing the plan back; the stages still get at
    least :data:`MIN_SOLVE_SHARE` of the limit.
    """
    reserve = min(RESERVE, 0.05 * time_limit)
    left = time_limit - spent - reserve
    if time_limit >= 4:
        left = _half_seconds(left)
    return max(MIN_SOLVE_SHARE * time_limit, left)


def _half_seconds(seconds: float) -> float:
    """Down to whole half-seconds: the solver's budgets scale with its time limit, so
    two runs of one request a few milliseconds apart get the same budgets (and plan)."""
    return math.floor(2 * seconds) / 2


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
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    workers: int = 2,
    progress: SolveProgress | None = None,
) -> Iterator[Stage]:
    """Solve ``problem`` quickly, then fully; yield the best plan after each stage.

    The quick stage ends the solve when it proves optimality or infeasibility.
    ``progress`` hears of every better plan and bound of both stages as they are
    found (it keeps the best of both, as :func:`merge_stages` does).
    """
    from gongjian.matching.solver import WarmStart, solve

    warm = WarmStart()  # the full stage starts where the quick one did
    quick = quick_limit(time_limit)
    first = solve(
        problem, time_limit=quick, workers=workers, seed=seed, progress=progress, warm=warm
    )
    if first.status in ("optimal", "infeasible"):
        yield Stage("quick", first, final=True)
        return
    yield Stage("quick", first, final=False)
    # the full stage has what the quick one left: a district's quick stage takes
    # longer than its limit (the relaxation it starts from is not cut short)
    left = time_limit - max(quick, first.seconds)
    second = solve(
        problem,
        time_limit=max(0.1, _half_seconds(left) if time_limit >= 4 else left),
        workers=workers,
        seed=seed,
        progress=progress,
        warm=warm,
    )
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
