"""A city on a local Ray cluster (``num_cpus=2``, one cluster for the module) and on
the local executor (processes of its own): the same rules on both engines.

The city plan equals the per-sub-district plans solved one after another here; a
task whose worker dies mid-solve is retried and its plan comes (the same plan); a
sub-district failing for good is reported while the others' plans are kept; a
cancel stops the tasks still queued or running within seconds (their processes
gone) and keeps the finished ones' plans, also through the service's city runs;
Ctrl-C does the same to ``gongjian plan city``, which exits 130. A stalled task
(the fault hook's ``stall``) stands in for a long solve, so that cancelling one
mid-solve costs no CPU.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from gongjian.seeds.city import city_network, generate_city
from gongjian.service.plans.city import city_tasks, summary
from gongjian.service.plans.executor import (
    CancelToken,
    CityTask,
    LocalExecutor,
    RayExecutor,
    TaskResult,
    solve_packed,
)
from tests.processes import gone

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


@pytest.fixture(scope="module")
def alone(tasks: list[CityTask]) -> dict[str, dict]:
    """Each sub-district's plan solved here, one after another."""
    return {
        t.subdistrict: solve_packed(t.subdistrict, t.plan_input, t.time_limit, t.seed)["plan"]
        for t in tasks
    }


def _decisions(plan: dict) -> dict:
    return {k: v for k, v in plan.items() if k != "seconds"}


def _pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _wait_for(what: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_city_ids_are_distinct_per_subdistrict() -> None:
    net = city_network(generate_city(3, 5, 10, 1, seed=2))
    keys = [(e.LABEL, e.id) for e in net.entities]
    assert len(keys) == len(set(keys))
    assert {e.id for e in net.entities if e.LABEL == "Subdistrict"} == {"SD01", "SD02", "SD03"}
    codes = {getattr(e, "subdistrict", "SD02") for e in net.entities if e.id.startswith("s02-")}
    assert codes == {"SD02"}  # each entity carries its sub-district's code


def test_city_plan_equals_sequential_plans(
    ray_executor: RayExecutor, tasks: list, alone: dict
) -> None:
    results = ray_executor.run(tasks)
    assert [r.subdistrict for r in results] == ["SD01", "SD02", "SD03"]
    assert all(r.ok for r in results), [r.error for r in results]
    assert len({r.pid for r in results} - {0}) >= 1
    for res in results:
        assert _decisions(res.plan) == _decisions(alone[res.subdistrict])
        assert summary(res)["objective"] == alone[res.subdistrict]["objective"]


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


# --------------------------------------------------------------------------- the local engine
def test_local_killed_task_is_retried_and_ends_done(
    tasks: list, alone: dict, tmp_path: Path
) -> None:
    """The first attempt's process dies mid-solve (``os._exit``): it is tried again in a
    fresh process and gives the plan it gives alone; the others, running beside it, are
    not taken down with it."""
    marker, pids = tmp_path / "killed-once", tmp_path / "pids"
    faulty = replace(tasks[0], fault={"exit_once": str(marker), "after": "0.01", "pids": str(pids)})
    results = LocalExecutor(parallel=2).run([faulty, *tasks[1:]])
    assert [r.subdistrict for r in results] == ["SD01", "SD02", "SD03"]
    assert all(r.ok for r in results), [r.error for r in results]
    first, second = _pids(pids)
    assert first == int(marker.read_text()) and second == results[0].pid != first
    assert [r.attempts for r in results] == [2, 1, 1]
    for res in results:
        assert _decisions(res.plan) == _decisions(alone[res.subdistrict])


def test_local_twice_failing_subdistrict_is_reported_and_the_others_kept(
    tasks: list, alone: dict, tmp_path: Path
) -> None:
    """A sub-district whose process dies on both attempts, and one whose input raises on
    both, are reported with their errors; the one between them keeps its plan."""
    pids = tmp_path / "pids"
    dying = replace(tasks[0], fault={"exit_always": "1", "after": "0.01", "pids": str(pids)})
    broken = CityTask("SD99", b"not a packed input", TIME_LIMIT, 1)
    results = LocalExecutor(parallel=2).run([dying, tasks[1], broken])
    by_id: dict[str, TaskResult] = {r.subdistrict: r for r in results}
    assert by_id["SD01"].plan is None and "exited with 17" in (by_id["SD01"].error or "")
    assert by_id["SD01"].attempts == 2 and len(set(_pids(pids))) == 2
    assert by_id["SD99"].plan is None and by_id["SD99"].attempts == 2
    assert by_id["SD99"].error and summary(by_id["SD99"])["error"] == by_id["SD99"].error
    assert by_id["SD02"].ok and _decisions(by_id["SD02"].plan) == _decisions(alone["SD02"])


# --------------------------------------------------------------------------- cancel
def _stalled(tasks: list, tmp_path: Path) -> tuple[list[CityTask], dict[str, Path]]:
    """SD01 as it is, then SD02, SD03 and SD04 stalled a minute (a long solve each):
    on two CPUs, once SD01 is done, two of them run and one waits its turn."""
    files = {sd: tmp_path / f"{sd}.pids" for sd in ("SD02", "SD03", "SD04")}
    stalled = [
        replace(tasks[0], subdistrict=sd, fault={"stall": "60", "pids": str(files[sd])})
        for sd in files
    ]
    return [tasks[0], *stalled], files


def _cancel_mid_solve(
    executor: LocalExecutor | RayExecutor, tasks: list, tmp_path: Path
) -> tuple[dict[str, TaskResult], dict[str, Path], float]:
    run_tasks, files = _stalled(tasks, tmp_path)
    token = CancelToken()
    landed: list[TaskResult] = []
    out: list[list[TaskResult]] = []
    runner = threading.Thread(
        target=lambda: out.append(executor.run(run_tasks, on_result=landed.append, cancel=token))
    )
    runner.start()
    _wait_for(lambda: bool(landed) and sum(bool(_pids(p)) for p in files.values()) == 2)
    assert [r.subdistrict for r in landed] == ["SD01"]  # SD01 done, two others under way
    t0 = time.monotonic()
    token.cancel()
    runner.join(15)
    took = time.monotonic() - t0
    assert not runner.is_alive() and out, "the run did not end"
    assert sum(bool(_pids(p)) for p in files.values()) == 2
    return {r.subdistrict: r for r in out[0]}, files, took


def _started(files: dict[str, Path]) -> list[int]:
    return [pid for p in files.values() for pid in _pids(p)]


def test_local_cancel_mid_solve_stops_the_run_and_keeps_the_finished(
    tasks: list, alone: dict, tmp_path: Path
) -> None:
    results, files, took = _cancel_mid_solve(LocalExecutor(parallel=2), tasks, tmp_path)
    assert took < 3.0, took
    assert results["SD01"].ok and _decisions(results["SD01"].plan) == _decisions(alone["SD01"])
    assert all(results[sd].cancelled and not results[sd].ok for sd in files)
    assert len(_started(files)) == 2 and gone(_started(files), 5.0)  # killed, not left solving
    # the one waiting its turn never started


def test_ray_cancel_mid_solve_stops_the_run_and_keeps_the_finished(
    ray_executor: RayExecutor, tasks: list, alone: dict, tmp_path: Path
) -> None:
    import ray

    results, files, took = _cancel_mid_solve(ray_executor, tasks, tmp_path)
    assert took < 6.0, took
    assert results["SD01"].ok and _decisions(results["SD01"].plan) == _decisions(alone["SD01"])
    assert all(results[sd].cancelled for sd in files)
    # the two running: their workers killed (force); the queued one: dropped, never started
    assert len(_started(files)) == 2 and gone(_started(files), 5.0)
    _wait_for(lambda: ray.available_resources().get("CPU") == 2.0, timeout=10)


def test_service_city_run_on_ray_is_cancelled(
    ray_executor: RayExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A city run on Ray: SD01 ends done; SD03's job is cancelled as another worker
    process would (only the state file changes) and the run's watch force-cancels its
    task; :func:`cancel_run` cancels the rest at once. Every job ends ``cancelled``
    but SD01's (done, with its plan), and no task is left running. A second run, the
    service stopping under it (:func:`stop_runs`), ends ``interrupted``."""
    import ray

    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.seeds.network import load_network
    from gongjian.service.plans import city
    from gongjian.service.plans.jobs import JobManager
    from gongjian.service.state import JobStatus, ServiceState

    monkeypatch.setenv("GONGJIAN_RAY_ADDRESS", "local")
    monkeypatch.setattr(city, "_RAY", {})
    files = {sd: tmp_path / f"{sd}.pids" for sd in ("SD02", "SD03")}
    task_of = city._task

    def stalled(store: object, run: city.CityRun, sd: str) -> CityTask:  # the fault hook
        task = task_of(store, run, sd)  # type: ignore[arg-type]
        return replace(task, fault={"stall": "60", "pids": str(files[sd])}) if sd in files else task

    monkeypatch.setattr(city, "_task", stalled)
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.migrate()
    load_network(store, city_network(generate_city(3, 12, 24, 2, seed=7, quarter=QUARTER)))
    state = ServiceState(tmp_path / "service.sqlite")
    jobs = JobManager(state, spare=False)
    try:
        run = city.CityRun(
            run_id=city.new_run_id(QUARTER),
            quarter=QUARTER,
            subdistricts={"SD01": "一", "SD02": "二", "SD03": "三"},
            unknown=[],
            time_limit=TIME_LIMIT,
            seed=3,
            created_by=None,
        )
        assert city.start_run(store, state, jobs, run) == "ray"

        def statuses() -> dict[str, JobStatus]:
            return {j.request["subdistrict"]: j.status for j in city.run_jobs(state, run.run_id)}

        _wait_for(lambda: statuses()["SD01"] == JobStatus.done and all(map(_pids, files.values())))
        ids = {j.request["subdistrict"]: j.id for j in city.run_jobs(state, run.run_id)}
        # cancelled elsewhere: the state file says so, the run's watch stops the task
        assert state.update_job(
            ids["SD03"], only_if=(JobStatus.running,), status=JobStatus.cancelled
        )
        assert gone(_pids(files["SD03"]), 5.0)
        assert statuses()["SD02"] == JobStatus.running
        t0 = time.monotonic()
        assert city.cancel_run(state, jobs, run.run_id) == [ids["SD02"]]
        assert statuses() == {
            "SD01": JobStatus.done,
            "SD02": JobStatus.cancelled,
            "SD03": JobStatus.cancelled,
        }
        assert gone(_pids(files["SD02"]), 5.0) and time.monotonic() - t0 < 6.0
        assert state.get_job(ids["SD01"]).plan is not None
        _wait_for(lambda: run.run_id not in city._ACTIVE, timeout=10)  # the run has ended
        _wait_for(lambda: ray.available_resources().get("CPU") == 2.0, timeout=10)
        assert city.job_row(state, state.get_job(ids["SD02"]))["status_zh"] == "已取消"
        # the service stops mid-run: its Ray run ends as the job manager's jobs do
        files.clear()
        files["SD02"] = tmp_path / "again.pids"
        again = replace(
            run, run_id=city.new_run_id(QUARTER), subdistricts={"SD01": "一", "SD02": "二"}
        )
        city.start_run(store, state, jobs, again)
        _wait_for(lambda: bool(_pids(files["SD02"])))
        assert city.stop_runs() == 1 and again.run_id not in city._ACTIVE
        after = {j.request["subdistrict"]: j for j in city.run_jobs(state, again.run_id)}
        assert after["SD02"].status == JobStatus.interrupted and "服务停止" in after["SD02"].error
        assert after["SD01"].status in (JobStatus.done, JobStatus.interrupted)
        assert gone(_pids(files["SD02"]), 5.0)
    finally:
        jobs.shutdown()
        state.close()
        store.close()


def test_ray_ctrl_c_in_the_run_cancels_every_task_still_out(
    ray_executor: RayExecutor, tasks: list, tmp_path: Path
) -> None:
    """Ctrl-C (a KeyboardInterrupt in :meth:`run`: here raised once SD01 lands, as in
    ``gongjian plan city``) force-cancels the tasks still out before it goes on."""
    import ray

    run_tasks, files = _stalled(tasks, tmp_path)

    def interrupt(res: TaskResult) -> None:
        _wait_for(lambda: sum(bool(_pids(p)) for p in files.values()) == 2)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ray_executor.run(run_tasks, on_result=interrupt)
    assert len(_started(files)) == 2 and gone(_started(files), 5.0)
    _wait_for(lambda: ray.available_resources().get("CPU") == 2.0, timeout=10)
    assert sum(bool(_pids(p)) for p in files.values()) == 2  # the queued one never started


def test_service_city_run_on_the_local_engine_is_cancelled_mid_solve(tmp_path: Path) -> None:
    """The local engine's city run (the job manager, one solve at a time): cancelled
    while SD01 solves, SD01's child process is killed and SD02, waiting its turn, is
    dropped; both end ``cancelled`` within seconds, and no solver child is left."""
    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.seeds.network import load_network
    from gongjian.service.plans import city
    from gongjian.service.plans.jobs import JobManager
    from gongjian.service.state import JobStatus, ServiceState

    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.migrate()
    # sub-districts that do not prove their optimum within the limit: long solves
    load_network(store, city_network(generate_city(2, 60, 600, 20, seed=7, quarter=QUARTER)))
    state = ServiceState(tmp_path / "service.sqlite")
    jobs = JobManager(state, spare=False)
    me = psutil.Process()

    def solvers() -> list[psutil.Process]:
        return [p for p in me.children() if "gongjian.service.plans.jobs" in " ".join(p.cmdline())]

    try:
        run = city.CityRun(
            run_id=city.new_run_id(QUARTER),
            quarter=QUARTER,
            subdistricts={"SD01": "一", "SD02": "二"},
            unknown=[],
            time_limit=60.0,
            seed=3,
            created_by=None,
        )
        assert city.start_run(store, state, jobs, run) == "local"

        def status() -> dict[str, JobStatus]:
            return {j.request["subdistrict"]: j.status for j in city.run_jobs(state, run.run_id)}

        def solving() -> bool:  # SD01 compiled and solving, SD02 waiting its turn
            rows = {j.request["subdistrict"]: j for j in city.run_jobs(state, run.run_id)}
            stage = (rows["SD01"].progress or {}).get("stage")
            waiting = {"SD01": JobStatus.running, "SD02": JobStatus.queued}
            return status() == waiting and stage not in (None, "starting") and bool(solvers())

        _wait_for(solving)
        children = solvers()
        t0 = time.monotonic()
        assert len(city.cancel_run(state, jobs, run.run_id)) == 2
        assert status() == {"SD01": JobStatus.cancelled, "SD02": JobStatus.cancelled}
        assert gone([p.pid for p in children], 5.0) and time.monotonic() - t0 < 5.0
        time.sleep(0.5)  # the manager is free: SD02 must not start
        assert not solvers() and jobs.queued_count() == 0
    finally:
        jobs.shutdown()
        state.close()
        store.close()


# --------------------------------------------------------------------------- the CLI
def test_cli_plan_city_ctrl_c_cancels_the_run_and_exits_130(tmp_path: Path) -> None:
    """``gongjian plan city`` (local engine) on Ctrl-C mid-solve: the solving process is
    killed, the command says so in Chinese and exits 130; nothing of it is left."""
    import os
    import signal
    import subprocess
    import sys

    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.seeds.network import load_network

    db = tmp_path / "graph.sqlite"
    store = EmbeddedStore(db)
    store.migrate()
    # a sub-district that does not prove its optimum in the time limit: a long solve
    load_network(store, city_network(generate_city(1, 60, 600, 20, seed=7, quarter=QUARTER)))
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env.update(GONGJIAN_DB=str(db), GONGJIAN_STORE="embedded", PYTHONUNBUFFERED="1")
    cli = subprocess.Popen(
        [sys.executable, "-m", "gongjian.cli.main", "plan", "city", "--quarter", QUARTER,
         "--time-limit", "60"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        me = psutil.Process(cli.pid)

        def solving() -> list[psutil.Process]:  # the forkserver's children: the tasks
            return [
                c
                for p in me.children()
                if "forkserver" in " ".join(p.cmdline())
                for c in p.children()
            ]

        _wait_for(lambda: bool(solving()), timeout=60)
        descendants = me.children(recursive=True)
        time.sleep(0.5)  # well into the solve
        t0 = time.monotonic()
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=20)
        assert time.monotonic() - t0 < 5.0
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait(10)
    assert cli.returncode == 130, (out, err)
    text = err.decode()
    assert "已取消：0 个街道已完成，其余 1 个已停止" in text, text
    assert "Traceback" not in text
    assert gone([p.pid for p in descendants], 5.0)
