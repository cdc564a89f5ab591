"""A city on a local Ray cluster (``num_cpus=2``, one cluster for the module).

The city plan equals the per-sub-district plans solved one after another here; a
task whose worker dies mid-solve is retried and its plan comes; a sub-district
failing for good is reported while the others' plans are kept.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongjian.seeds.city import city_network, generate_city
from gongjian.service.plans.city import city_tasks, summary
from gongjian.service.plans.executor import CityTask, RayExecutor, solve_packed

QUARTER = "2026Q4"
TIME_LIMIT = 4.0


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[RayExecutor]:
    ex = RayExecutor("local", num_cpus=2)
    try:
        yield ex
    finally:
        ex.close()


@pytest.fixture(scope="module")
def tasks() -> list[CityTask]:
    city = generate_city(3, 12, 24, 2, seed=7, quarter=QUARTER)
    snaps = {sd: net.snapshot(QUARTER) for sd, net in city.items()}
    return city_tasks(snaps, QUARTER, time_limit=TIME_LIMIT, seed=3)


def _decisions(plan: dict) -> dict:
    return {k: v for k, v in plan.items() if k != "seconds"}


def test_city_ids_are_distinct_per_subdistrict() -> None:
    net = city_network(generate_city(3, 5, 10, 1, seed=2))
    keys = [(e.LABEL, e.id) for e in net.entities]
    assert len(keys) == len(set(keys))
    assert {e.id for e in net.entities if e.LABEL == "Subdistrict"} == {"SD01", "SD02", "SD03"}
    codes = {getattr(e, "subdistrict", "SD02") for e in net.entities if e.id.startswith("s02-")}
    assert codes == {"SD02"}  # each entity carries its sub-district's code


def test_city_plan_equals_sequential_plans(ray_executor: RayExecutor, tasks: list) -> None:
    results = ray_executor.run(tasks)
    assert [r.subdistrict for r in results] == ["SD01", "SD02", "SD03"]
    assert all(r.ok for r in results), [r.error for r in results]
    assert len({r.pid for r in results} - {0}) >= 1
    for task, res in zip(tasks, results, strict=True):
        alone = solve_packed(task.subdistrict, task.plan_input, task.time_limit, task.seed)
        assert _decisions(res.plan) == _decisions(alone["plan"])
        assert summary(res)["objective"] == alone["plan"]["objective"]


def test_killed_task_is_retried_and_ends_done(
    ray_executor: RayExecutor, tasks: list, tmp_path: Path
) -> None:
    marker = tmp_path / "killed-once"
    first = tasks[0]
    faulty = CityTask(
        first.subdistrict,
        first.plan_input,
        first.time_limit,
        first.seed,
        fault={"exit_once": str(marker), "after": "0.01"},  # well before a tiny solve ends
    )
    [res] = ray_executor.run([faulty])
    assert marker.exists()  # the first attempt ran and died
    assert int(marker.read_text()) != res.pid  # the plan came from another worker process
    assert res.ok, res.error


def test_one_permanent_failure_keeps_the_others(ray_executor: RayExecutor, tasks: list) -> None:
    broken = CityTask("SD99", b"not a packed input", TIME_LIMIT, 1)
    results = ray_executor.run([tasks[1], broken, tasks[2]])
    by_id = {r.subdistrict: r for r in results}
    assert by_id["SD99"].plan is None and by_id["SD99"].error
    assert summary(by_id["SD99"])["error"]
    assert by_id["SD02"].ok and by_id["SD03"].ok


def test_city_budgets_are_sized_by_the_time_limit_not_the_clock() -> None:
    """A city task's CP-SAT budget is deterministic time sized by its time limit, the
    wall clock only a safety net (what left of it no longer sizes the search)."""
    from gongjian.matching.cpsat import DTIME_PER_SECOND, cpsat_parameters

    solver = cpsat_parameters(0.5, 1, 1, budget=4.0)
    assert solver.parameters.max_deterministic_time == DTIME_PER_SECOND * 4.0
    assert solver.parameters.max_time_in_seconds == 0.5
    assert solver.parameters.num_workers == 1
    default = cpsat_parameters(0.5, 1, 1)
    assert default.parameters.max_deterministic_time == DTIME_PER_SECOND * 0.5


def test_service_city_run_on_ray_lands_in_the_jobs(
    ray_executor: RayExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``POST /plans/city``'s engine with ``GONGJIAN_RAY_ADDRESS`` set: the module's
    cluster plans two sub-districts of a store in parallel, each job ends done with the
    plan that sub-district's task gives alone; an unknown code is a failed job."""
    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.matching.from_graph import planning_snapshot
    from gongjian.seeds.network import load_network
    from gongjian.service.plans import city
    from gongjian.service.plans.jobs import JobManager
    from gongjian.service.state import ServiceState

    monkeypatch.setenv("GONGJIAN_RAY_ADDRESS", "local")  # Ray is up: used as it is
    monkeypatch.setattr(city, "_RAY", {})
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.migrate()
    load_network(store, city_network(generate_city(2, 12, 24, 2, seed=7, quarter=QUARTER)))
    state = ServiceState(tmp_path / "service.sqlite")
    jobs = JobManager(state)
    try:
        run = city.CityRun(
            run_id=city.new_run_id(QUARTER),
            quarter=QUARTER,
            subdistricts={"SD01": "一", "SD02": "二"},
            unknown=["SD09"],
            time_limit=TIME_LIMIT,
            seed=3,
            created_by=None,
        )
        assert city.start_run(store, state, jobs, run) == "ray"
        deadline = time.monotonic() + 60
        while not all(j.status.finished for j in city.run_jobs(state, run.run_id)):
            assert time.monotonic() < deadline, "the Ray run did not finish"
            time.sleep(0.2)
        rows = {
            j.request["subdistrict"]: city.job_row(state, j)
            for j in city.run_jobs(state, run.run_id)
        }
        assert [r["status"] for r in rows.values()] == ["done", "done", "failed"]
        assert "未知街道" in rows["SD09"]["error"]
        for sd in ("SD01", "SD02"):
            task = city_tasks(
                {sd: planning_snapshot(store, QUARTER, sd)}, QUARTER, time_limit=TIME_LIMIT, seed=3
            )[0]
            alone = solve_packed(sd, task.plan_input, TIME_LIMIT, 3)["plan"]
            plan = state.get_job(rows[sd]["job_id"]).plan
            assert plan is not None and _decisions(plan) == _decisions(alone)
            assert rows[sd]["objective"] == alone["objective"] and rows[sd]["seconds"] > 0
    finally:
        jobs.shutdown()
        state.close()
        store.close()
