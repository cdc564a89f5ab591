"""One executor interface for plan jobs: a local child process (default) or Ray tasks.

A city plans one problem per sub-district. :func:`get_executor` picks the engine:
``GONGJIAN_RAY_ADDRESS`` set (``auto``, ``ray://HOST:10001``, ``local``) → :class:`RayExecutor`,
else :class:`LocalExecutor` (one child process at a time, as the service's jobs).

Each task gets **plain data** (the packed :class:`~gongjian.service.plans.service.PlanInput`,
bytes), builds its OR-Tools model inside the task (:func:`solve_packed`) and
declares the CPUs it uses (``num_cpus``, one: the planner's deterministic mode
runs CP-SAT on one worker, so plans equal the sequential run's). A failed Ray
task is retried once (``max_retries=1``, ``retry_exceptions=True``); a task
failing twice is reported as that sub-district's error and the others' plans
are kept.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CityTask",
    "LocalExecutor",
    "RayExecutor",
    "TaskResult",
    "get_executor",
    "solve_packed",
]

#: CPUs one task uses (deterministic mode: one CP-SAT worker)
TASK_CPUS = 1
#: a task's wall-clock safety net, in time limits (+1 s): its budgets are sized by the
#: time limit alone, so the same input gives the same plan on a busy worker too
WALL_GUARD = 3.0


@dataclass
class CityTask:
    """One sub-district's solve: its id, packed input and options (plain data)."""

    subdistrict: str
    plan_input: bytes
    time_limit: float
    seed: int = 1
    #: test hook: {"exit_once": marker path} ends the worker mid-solve on the first attempt
    fault: dict[str, str] | None = None


@dataclass
class TaskResult:
    """A sub-district's outcome: its plan (JSON) or its error, and the worker's figures."""

    subdistrict: str
    plan: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0
    pid: int = 0
    peak_rss_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.plan is not None


def _arm_fault(fault: dict[str, str] | None) -> None:
    """Test hook: on the first attempt (no marker yet) end this process mid-solve."""
    if not fault or "exit_once" not in fault:
        return
    marker = fault["exit_once"]
    if os.path.exists(marker):
        return
    with open(marker, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))

    def die() -> None:
        time.sleep(float(fault.get("after", 0.3)))
        os._exit(17)

    threading.Thread(target=die, daemon=True).start()


def solve_packed(
    subdistrict: str,
    plan_input: bytes,
    time_limit: float,
    seed: int,
    fault: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Compile and solve one packed input here (in the task); plain data out."""
    from gongjian.matching.solver import solve
    from gongjian.service.plans.service import unpack_input

    t0 = time.perf_counter()
    problem = unpack_input(plan_input).compile()
    _arm_fault(fault)
    plan = solve(
        problem,
        time_limit=time_limit,
        workers=TASK_CPUS,
        seed=seed,
        deterministic=True,
        wall_guard=WALL_GUARD * time_limit + 1.0,
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "subdistrict": subdistrict,
        "plan": plan.model_dump(mode="json"),
        "seconds": round(time.perf_counter() - t0, 3),
        "pid": os.getpid(),
        "peak_rss_mb": round(rss, 1),
    }


def _result(raw: dict[str, Any]) -> TaskResult:
    return TaskResult(
        subdistrict=raw["subdistrict"],
        plan=raw["plan"],
        seconds=raw["seconds"],
        pid=raw["pid"],
        peak_rss_mb=raw["peak_rss_mb"],
    )


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"[:500]


def _collect(
    out: dict[str, TaskResult],
    task: CityTask,
    fetch: Callable[[], dict[str, Any]],
    on_result: Callable[[TaskResult], None] | None,
) -> None:
    """One task's result, or its error (one failure does not lose the others)."""
    try:
        res = _result(fetch())
    except Exception as exc:  # (Ray: retried once already)
        res = TaskResult(task.subdistrict, error=_error_text(exc))
    out[task.subdistrict] = res
    if on_result is not None:
        on_result(res)


class LocalExecutor:
    """Child processes on this machine, ``parallel`` at a time (default one, as today)."""

    engine = "local"

    def __init__(self, parallel: int = 1) -> None:
        self.parallel = parallel

    def run(
        self, tasks: Iterable[CityTask], on_result: Callable[[TaskResult], None] | None = None
    ) -> list[TaskResult]:
        tasks = list(tasks)
        out: dict[str, TaskResult] = {}
        with ProcessPoolExecutor(max_workers=self.parallel) as pool:
            futures = {
                pool.submit(
                    solve_packed, t.subdistrict, t.plan_input, t.time_limit, t.seed, t.fault
                ): t
                for t in tasks
            }
            for fut, task in futures.items():
                _collect(out, task, fut.result, on_result)
        return [out[t.subdistrict] for t in tasks]

    def close(self) -> None:
        pass


class RayExecutor:
    """Ray tasks (``num_cpus=1``, retried once) on the cluster at ``address``.

    ``address="local"`` starts a local cluster of ``num_cpus`` CPUs (tests, bench);
    when Ray is already initialised in this process it is used as it is.
    """

    engine = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - the city extra is not installed
            from gongjian.core.errors import GongjianError

            raise GongjianError(
                "未安装 Ray：请安装 city 扩展 pip install 'gongjian[city]' "
                "(Ray is not installed: install the city extra)"
            ) from exc
        self.ray = ray
        self._owns = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address and address != "local":
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=num_cpus, **kwargs)
            self._owns = True
        self._remote = ray.remote(num_cpus=TASK_CPUS, max_retries=1, retry_exceptions=True)(
            solve_packed
        )

    def run(
        self, tasks: Iterable[CityTask], on_result: Callable[[TaskResult], None] | None = None
    ) -> list[TaskResult]:
        ray = self.ray
        tasks = list(tasks)
        refs = {
            self._remote.remote(
                t.subdistrict, ray.put(t.plan_input), t.time_limit, t.seed, t.fault
            ): t
            for t in tasks
        }
        out: dict[str, TaskResult] = {}
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                _collect(out, refs[ref], lambda r=ref: ray.get(r), on_result)
        return [out[t.subdistrict] for t in tasks]

    def close(self) -> None:
        if self._owns:
            self.ray.shutdown()


def get_executor(address: str | None = None) -> LocalExecutor | RayExecutor:
    """Ray when ``address`` or ``GONGJIAN_RAY_ADDRESS`` is set, else the local child process."""
    address = address or os.environ.get("GONGJIAN_RAY_ADDRESS") or None
    if address:
        return RayExecutor(address)
    return LocalExecutor()
