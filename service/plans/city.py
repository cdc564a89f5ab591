"""A city run: one plan per sub-district, in parallel through the executor.

:func:`city_tasks` packs each sub-district's snapshot with the request's options
(plain data for the tasks); :func:`summary` is one sub-district's line
(``{id, objective, bound, gap, seconds}``, or ``error``) for the CLI and the bench.
"""

from __future__ import annotations

from typing import Any

from gongjian.graph.model import Snapshot
from gongjian.service.plans.executor import CityTask, TaskResult
from gongjian.service.plans.service import PlanInput, WeightsIn, pack_input

__all__ = ["city_tasks", "summary"]


def city_tasks(
    snapshots: dict[str, Snapshot],
    quarter: str,
    *,
    time_limit: float,
    seed: int = 1,
    max_distance: int = 2,
) -> list[CityTask]:
    """One task per sub-district (its packed :class:`PlanInput`), in the given order."""
    return [
        CityTask(
            subdistrict=sd,
            plan_input=pack_input(
                PlanInput(
                    snapshot=snap,
                    max_distance=max_distance,
                    weights=WeightsIn(),
                    name=f"{quarter} {sd} 季度共建计划",
                )
            ),
            time_limit=time_limit,
            seed=seed,
        )
        for sd, snap in snapshots.items()
    ]


def summary(res: TaskResult) -> dict[str, Any]:
    """``{id, objective, bound, gap, seconds}`` of a sub-district (``error`` when it failed)."""
    if res.plan is None:
        return {"id": res.subdistrict, "error": res.error}
    plan = res.plan
    return {
        "id": res.subdistrict,
        "objective": plan.get("objective"),
        "bound": plan.get("bound"),
        "gap": plan.get("gap"),
        "seconds": res.seconds,
    }
