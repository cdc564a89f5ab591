"""Planning problems compiled from seed networks, for examples, tests and benchmarks.

There is one synthetic generator, :func:`gongjian.seeds.synthetic.generate`, in the
domain vocabulary (resource kinds, unit types, capacities of
:mod:`gongjian.graph.model`); these problems are its networks as a store would
snapshot them (:meth:`~gongjian.seeds.network.SeedNetwork.snapshot`), compiled by
the production compiler (:func:`~gongjian.matching.from_graph.compile_snapshot`).
So a benchmark measures the problem production solves.

>>> p = example_problem()
>>> len(p.units), len(p.needs), len(p.activities)
(15, 30, 5)
"""

from __future__ import annotations

import datetime as dt

from gongjian.graph.model import Snapshot, quarter_dates
from gongjian.matching.from_graph import compile_snapshot
from gongjian.matching.problem import Problem

__all__ = [
    "EXAMPLE_QUARTER",
    "district_problem",
    "district_snapshot",
    "example_problem",
    "planning_day",
]

#: the quarter of the synthetic networks compiled here
EXAMPLE_QUARTER = "2026Q1"


def planning_day(quarter: str) -> dt.date:
    """The day a synthetic quarter is planned: its first day (no activity is past yet)."""
    return quarter_dates(quarter)[0]


def district_snapshot(
    units: int, needs: int, activities: int, seed: int = 1, *, quarter: str = EXAMPLE_QUARTER
) -> Snapshot:
    """The snapshot of a synthetic network (no store involved; same arguments, same snapshot)."""
    from gongjian.seeds.synthetic import generate

    network = generate(units=units, needs=needs, activities=activities, seed=seed, quarter=quarter)
    return network.snapshot(quarter)


def district_problem(
    units: int, needs: int, activities: int, seed: int = 1, *, quarter: str = EXAMPLE_QUARTER
) -> Problem:
    """A synthetic district's quarter, compiled as production compiles a store's snapshot."""
    return compile_snapshot(
        district_snapshot(units, needs, activities, seed, quarter=quarter),
        name=f"district-{units}u-{needs}n-{activities}a-s{seed}",
        today=planning_day(quarter),
    )


def example_problem() -> Problem:
    """A small Xingcheng-style quarter: 15 units, 30 open needs, 5 activities.

    The seed is chosen so the plan shows every part of an account: activity roles
    filled, and needs left unmet for two different reasons.
    """
    return compile_snapshot(
        district_snapshot(15, 30, 5, seed=2),
        name="星城街道 2026 年第一季度（示例）",
        today=planning_day(EXAMPLE_QUARTER),
    )
