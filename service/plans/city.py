"""A city run: one plan per sub-district, in parallel through the executor.

:func:`city_tasks` packs each sub-district's snapshot with the request's options
(plain data for the tasks); :func:`summary` is one sub-district's line
(``{id, objective, bound, gap, seconds}``, or ``error``) for the CLI and the bench.

The API's city runs (``POST /plans/city``, :mod:`gongjian.service.plans.city_views`)
are plan jobs like any other, one per sub-district: each job's ``request`` names its
``subdistrict`` and its ``city_run`` (``city-<quarter>-<hex>``), so a run needs no
table of its own and its jobs keep every plan job's states, cancel and restart rules
(:func:`start_run`). An unknown sub-district code is a failed job of the run, the
others go on.

Cancelling (:func:`cancel_run`, ``POST /plans/city/{id}/cancel``, or one job's
``DELETE /plans/{id}``) ends the run's unfinished jobs ``cancelled`` through the
job manager, on either engine, and stops their work: locally the manager drops a
queued job and kills a running one's child; on Ray the run's thread sees the job
leave ``running`` (at once in this process, else within :data:`WATCH` seconds: a
cancel reaching another worker process) and force-cancels its task. Finished
sub-districts keep their plans. When the service stops, :func:`stop_runs` ends its
Ray runs as the job manager ends its jobs (``interrupted``, tasks cancelled); jobs
left by a crash become ``interrupted`` at the next start, on either engine.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gongjian.core.clock import utc_iso
from gongjian.core.errors import ConflictError
from gongjian.graph.model import Community, Snapshot
from gongjian.graph.store import GraphStore
from gongjian.matching.from_graph import planning_snapshot
from gongjian.matching.problem import Plan
from gongjian.service.plans.executor import CancelToken, CityTask, RayExecutor, TaskResult
from gongjian.service.plans.jobs import JobManager
from gongjian.service.plans.service import (
    PlanInput,
    WeightsIn,
    new_job_id,
    pack_input,
    stage_progress,
)
from gongjian.service.state import Job, JobStatus, ServiceState

__all__ = [
    "CityRun",
    "cancel_run",
    "centroids",
    "city_tasks",
    "coverage",
    "job_row",
    "list_runs",
    "new_run_id",
    "run_jobs",
    "start_run",
    "stop_runs",
    "summary",
]

log = logging.getLogger("gongjian.service.plans.city")


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


# --------------------------------------------------------------------------- city runs (API)
#: a city run's id: ``city-<quarter>-<hex>`` (the quarter narrows the jobs read)
RUN_ID = re.compile(r"^city-(\d{4}Q[1-4])-[0-9a-f]{10}$")
#: finished jobs' rows, kept (a finished job no longer changes; its plan is big)
_FINISHED_ROWS: dict[str, dict[str, Any]] = {}
_FINISHED_MAX = 5000
_RAY_LOCK = threading.Lock()
_RAY: dict[str, RayExecutor] = {}
#: the Ray runs this process is running: run id → what stops their tasks
_ACTIVE: dict[str, tuple[CancelToken, ServiceState, list[str]]] = {}
#: seconds between a Ray run's looks at its jobs' statuses (a cancel elsewhere)
WATCH = 0.5


def new_run_id(quarter: str) -> str:
    return f"city-{quarter}-{uuid.uuid4().hex[:10]}"


def coverage(plan: dict[str, Any] | None) -> tuple[int, int] | None:
    """``(met needs, needs)`` of a plan (JSON): needs assigned, and assigned plus unmet."""
    if plan is None:
        return None
    met = {d["item"] for d in plan.get("assignments", []) if d.get("type") == "need"}
    unmet = {u["item"] for u in plan.get("unmet", [])} - met
    return len(met), len(met) + len(unmet)


def _seconds(job: Job) -> float | None:
    if job.status == JobStatus.running and job.progress and job.progress.get("started"):
        return round(time.time() - float(job.progress["started"]), 3)
    if job.progress and job.progress.get("elapsed") is not None:
        return float(job.progress["elapsed"])
    return None


def job_row(state: ServiceState, job: Job) -> dict[str, Any]:
    """One sub-district's line of a run: status, objective, bound, gap, seconds, coverage, error."""
    cached = _FINISHED_ROWS.get(job.id)
    if cached is not None:
        return cached
    progress = job.progress or {}
    plan = state.get_job(job.id).plan if job.status in (JobStatus.running, JobStatus.done) else None
    cov = coverage(plan)
    row = {
        "id": job.request.get("subdistrict", ""),
        "name": job.request.get("subdistrict_name") or job.request.get("subdistrict", ""),
        "job_id": job.id,
        "status": job.status.value,
        "status_zh": job.status.label_zh,
        "stage": progress.get("stage"),
        "objective": progress.get("objective"),
        "bound": progress.get("bound"),
        "gap": progress.get("gap"),
        "seconds": _seconds(job),
        "met_needs": cov[0] if cov else None,
        "needs": cov[1] if cov else None,
        "coverage": round(cov[0] / cov[1], 4) if cov and cov[1] else None,
        "error": job.error,
        "lat": job.request.get("lat"),
        "lon": job.request.get("lon"),
    }
    if job.status.finished:
        if len(_FINISHED_ROWS) >= _FINISHED_MAX:
            _FINISHED_ROWS.clear()
        _FINISHED_ROWS[job.id] = row
    return row


def run_jobs(state: ServiceState, run_id: str) -> list[Job]:
    """The jobs of a city run, in the order the run named its sub-districts ([] if none)."""
    m = RUN_ID.fullmatch(run_id)
    if m is None:
        return []
    jobs = [
        j
        for j in state.list_jobs(quarter=m.group(1), limit=1_000_000)
        if j.request.get("city_run") == run_id
    ]
    return sorted(jobs, key=lambda j: int(j.request.get("city_index", 0)))


def list_runs(state: ServiceState, quarter: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest city runs (of ``quarter``): id, quarter, created_at, sub-districts, statuses."""
    runs: dict[str, dict[str, Any]] = {}
    for j in state.list_jobs(quarter=quarter, limit=1_000_000):
        run_id = j.request.get("city_run")
        if not run_id:
            continue
        run = runs.setdefault(
            run_id,
            {
                "id": run_id,
                "quarter": j.quarter,
                "created_at": j.created_at,
                "engine": j.request.get("engine", "local"),
                "subdistricts": 0,
                "counts": {},
            },
        )
        run["subdistricts"] += 1
        run["counts"][j.status.value] = run["counts"].get(j.status.value, 0) + 1
        run["created_at"] = min(run["created_at"], j.created_at)
    return sorted(runs.values(), key=lambda r: r["created_at"], reverse=True)[:limit]


@dataclass
class CityRun:
    """What ``POST /plans/city`` asked for, resolved: known sub-districts (code → name),
    unknown codes, the options."""

    run_id: str
    quarter: str
    subdistricts: dict[str, str]
    unknown: list[str]
    time_limit: float
    seed: int
    created_by: str | None
    #: each sub-district's centroid (mean lat, lon of its communities that have one)
    centroids: dict[str, tuple[float, float]] = field(default_factory=dict)


def centroids(store: GraphStore, codes: Iterable[str]) -> dict[str, tuple[float, float]]:
    """The mean (lat, lon) of each sub-district's communities that carry coordinates."""
    wanted = set(codes)
    points: dict[str, list[tuple[float, float]]] = {}
    for c in store.list(Community, limit=None):
        if c.subdistrict in wanted and c.lat is not None and c.lon is not None:
            points.setdefault(c.subdistrict, []).append((c.lat, c.lon))
    return {
        sd: (
            round(sum(p[0] for p in ps) / len(ps), 6),
            round(sum(p[1] for p in ps) / len(ps), 6),
        )
        for sd, ps in points.items()
    }


def start_run(store: GraphStore, state: ServiceState, jobs: JobManager, run: CityRun) -> str:
    """Record one job per sub-district (unknown codes: failed at once) and start the run.

    The snapshots are read and the jobs started in a background thread (a city has
    dozens to hundreds of sub-districts): on the local engine each goes to the
    service's job manager (one solve at a time, machine-wide, as every plan job);
    with ``GONGJIAN_RAY_ADDRESS`` set they go to Ray together, each result landing in
    its job as it comes. Returns the engine's name.
    """
    engine = "ray" if os.environ.get("GONGJIAN_RAY_ADDRESS") else "local"
    order = [*run.subdistricts, *run.unknown]
    ids: dict[str, str] = {}
    for k, sd in enumerate(order):
        job_id = new_job_id()
        request = {
            "quarter": run.quarter,
            "time_limit": run.time_limit,
            "seed": run.seed,
            "subdistrict": sd,
            "subdistrict_name": run.subdistricts.get(sd, sd),
            "city_run": run.run_id,
            "city_index": k,
            "engine": engine,
        }
        if sd in run.centroids:
            request["lat"], request["lon"] = run.centroids[sd]
        if sd in run.subdistricts:
            state.create_job(job_id, run.quarter, request, run.created_by, owner=jobs.owner)
            ids[sd] = job_id
        else:
            state.create_job(
                job_id,
                run.quarter,
                request,
                run.created_by,
                status=JobStatus.failed,
                finished_at=utc_iso(),
                error=f"未知街道 {sd} (unknown sub-district)",
            )
    target = _run_ray if engine == "ray" else _run_local
    threading.Thread(
        target=target, args=(store, state, jobs, run, ids), name="gongjian-city-run", daemon=True
    ).start()
    return engine


def _task(store: GraphStore, run: CityRun, sd: str) -> CityTask:
    """Sub-district ``sd``'s task: its planning snapshot (carried needs too), packed."""
    snap = planning_snapshot(store, run.quarter, sd)
    return city_tasks({sd: snap}, run.quarter, time_limit=run.time_limit, seed=run.seed)[0]


def _fail(state: ServiceState, job_id: str, error: str) -> None:
    state.update_job(
        job_id,
        only_if=(JobStatus.queued, JobStatus.running),
        status=JobStatus.failed,
        finished_at=utc_iso(),
        error=error[:2000],
        plan_input=None,
    )


def _run_local(
    store: GraphStore, state: ServiceState, jobs: JobManager, run: CityRun, ids: dict[str, str]
) -> None:
    for sd, job_id in ids.items():
        try:
            if state.job_status(job_id) != JobStatus.queued:
                continue  # cancelled before its turn came
            if state.update_job(
                job_id, only_if=(JobStatus.queued,), plan_input=_task(store, run, sd).plan_input
            ):
                jobs.submit(job_id)
        except Exception as exc:  # one sub-district's failure does not stop the others
            log.exception("city run %s: %s", run.run_id, sd)
            _fail(state, job_id, f"读取街道数据失败 (reading the sub-district failed): {exc}")


def _ray_executor() -> RayExecutor:
    address = os.environ.get("GONGJIAN_RAY_ADDRESS", "")
    with _RAY_LOCK:
        if address not in _RAY:
            _RAY[address] = RayExecutor(address)
        return _RAY[address]


def cancel_run(
    state: ServiceState, jobs: JobManager, run_id: str, job_ids: Iterable[str] | None = None
) -> list[str]:
    """Cancel the run's unfinished jobs (those of ``job_ids`` only, when given); the ids
    cancelled. Each goes through the job manager (:meth:`JobManager.cancel`: the same
    rule as any plan job's), last first, so that no queued one starts meanwhile; on
    Ray the run's tasks are force-cancelled at once when the run is this process's."""
    wanted = set(job_ids) if job_ids is not None else None
    chosen = [
        j
        for j in run_jobs(state, run_id)
        if not j.status.finished and (wanted is None or j.id in wanted)
    ]
    done: list[str] = []
    for job in reversed(chosen):
        try:
            jobs.cancel(job.id)
        except ConflictError:  # it finished meanwhile: it keeps its plan
            continue
        done.append(job.id)
    active = _ACTIVE.get(run_id)
    if active is not None and done:
        active[0].cancel(j.request.get("subdistrict", "") for j in chosen if j.id in done)
    return done


def _end(state: ServiceState, job_id: str, status: JobStatus, **fields: Any) -> None:
    """End an unfinished job of a run as ``status`` (its packed input dropped)."""
    state.update_job(
        job_id,
        only_if=(JobStatus.queued, JobStatus.running),
        status=status,
        finished_at=utc_iso(),
        plan_input=None,
        **fields,
    )


def stop_runs(timeout: float = 10.0) -> int:
    """The service stops: each Ray run of this process ends as the job manager's jobs do
    (:meth:`JobManager.shutdown`): its unfinished jobs become ``interrupted`` and its
    tasks are force-cancelled. Waits up to ``timeout`` seconds for the runs to end;
    returns how many there were. Call it before the state file closes."""
    runs = list(_ACTIVE.items())
    reason = "服务停止，计划未完成 (the service stopped before the job finished)"
    for _run_id, (token, state, job_ids) in runs:
        for job_id in job_ids:
            _end(state, job_id, JobStatus.interrupted, error=reason)
        token.cancel()
    deadline = time.monotonic() + timeout
    while any(run_id in _ACTIVE for run_id, _ in runs) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(runs)


def _watch(
    state: ServiceState,
    run_id: str,
    by_sd: dict[str, str],
    token: CancelToken,
    over: threading.Event,
) -> None:
    """Cancel the task of each job that left ``running`` (cancelled in any process)."""
    while not over.wait(WATCH):
        try:
            status = {j.id: j.status for j in run_jobs(state, run_id)}
        except Exception:  # the state file is busy: look again
            continue
        gone = [
            sd
            for sd, job_id in by_sd.items()
            if status.get(job_id, JobStatus.cancelled) != JobStatus.running
            and not token.cancelled(sd)
        ]
        if gone:
            token.cancel(gone)


def _run_ray(
    store: GraphStore, state: ServiceState, jobs: JobManager, run: CityRun, ids: dict[str, str]
) -> None:
    token = CancelToken()
    _ACTIVE[run.run_id] = (token, state, list(ids.values()))
    try:
        _ray_run(store, state, run, ids, token)
    finally:
        _ACTIVE.pop(run.run_id, None)


def _ray_run(
    store: GraphStore, state: ServiceState, run: CityRun, ids: dict[str, str], token: CancelToken
) -> None:
    read: list[tuple[CityTask, str]] = []
    for sd, job_id in ids.items():
        try:
            if state.job_status(job_id) != JobStatus.queued:
                continue  # cancelled while the snapshots were read
            read.append((_task(store, run, sd), job_id))
        except Exception as exc:
            log.exception("city run %s: %s", run.run_id, sd)
            _fail(state, job_id, f"读取街道数据失败 (reading the sub-district failed): {exc}")
    tasks: list[CityTask] = []
    by_sd: dict[str, str] = {}
    started = time.time()
    for task, job_id in read:
        if state.update_job(  # not if cancelled meanwhile
            job_id,
            only_if=(JobStatus.queued,),
            status=JobStatus.running,
            started_at=utc_iso(),
            progress={
                "stage": "ray",
                "elapsed": 0.0,
                "started": started,
                "time_limit": run.time_limit,
            },
        ):
            tasks.append(task)
            by_sd[task.subdistrict] = job_id

    def landed(res: TaskResult) -> None:
        job_id = by_sd[res.subdistrict]
        if res.cancelled:  # its job was cancelled (the watch, or cancel_run): it says so
            _end(state, job_id, JobStatus.cancelled)
            return
        if res.plan is None:
            _fail(state, job_id, f"求解失败 (solve failed): {res.error}")
            return
        plan = Plan.model_validate(res.plan)
        state.update_job(
            job_id,
            only_if=(JobStatus.running,),
            status=JobStatus.done,
            finished_at=utc_iso(),
            plan=res.plan,
            progress={**stage_progress("full", plan, res.seconds), "time_limit": run.time_limit},
        )

    over = threading.Event()
    threading.Thread(
        target=_watch,
        args=(state, run.run_id, by_sd, token, over),
        name="gongjian-city-watch",
        daemon=True,
    ).start()
    try:
        _ray_executor().run(tasks, on_result=landed, cancel=token)
    except Exception as exc:
        log.exception("city run %s on Ray", run.run_id)
        for job_id in by_sd.values():
            _fail(state, job_id, f"Ray 运行失败 (the Ray run failed): {exc}")
    finally:
        over.set()
