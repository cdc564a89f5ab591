"""One executor interface for plan jobs: local processes (default) or Ray tasks.

A city plans one problem per sub-district. :func:`get_executor` picks the engine:
``GONGJIAN_RAY_ADDRESS`` set (``auto``, ``ray://HOST:10001``, ``local``) → :class:`RayExecutor`,
else :class:`LocalExecutor` (one process at a time, as the service's jobs).

Each task gets **plain data** (the packed :class:`~gongjian.service.plans.service.PlanInput`,
bytes), builds its OR-Tools model inside the task (:func:`solve_packed`) and
declares the CPUs it uses (``num_cpus``, one: the planner's deterministic mode
runs CP-SAT on one worker, so plans equal the sequential run's).

The same rules on both engines:

* **retry**: a task that raises, or whose process dies, is tried once more
  (Ray: ``max_retries=1``, ``retry_exceptions=True``; locally: in a fresh process
  of its own, so a dying task takes no other with it); a task failing twice is
  reported as that sub-district's error and the others' plans are kept;
* **cancel** (:class:`CancelToken`, and Ctrl-C in the caller): tasks not started
  are dropped, running ones stopped (Ray: ``ray.cancel(ref, force=True)``; locally:
  the process killed), each reported as cancelled; finished ones keep their plans.
  Nothing is left running when :meth:`run` returns or raises.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from multiprocessing.context import BaseContext
from typing import Any

__all__ = [
    "CANCELLED",
    "CancelToken",
    "CityTask",
    "LocalExecutor",
    "RayExecutor",
    "TaskResult",
    "get_executor",
    "solve_packed",
]

log = logging.getLogger("gongjian.service.plans.executor")

#: CPUs one task uses (deterministic mode: one CP-SAT worker)
TASK_CPUS = 1
#: a task's wall-clock safety net, in time limits (+1 s): its budgets are sized by the
#: time limit alone, so the same input gives the same plan on a busy worker too
WALL_GUARD = 3.0
#: further attempts of a failed task (both engines)
RETRIES = 1
#: seconds between looks at the cancel token while tasks run
POLL = 0.2
#: seconds a cancel waits for Ray to settle the cancelled tasks
CANCEL_WAIT = 5.0
#: a cancelled task's error
CANCELLED = "已取消 (cancelled)"


@dataclass
class CityTask:
    """One sub-district's solve: its id, packed input and options (plain data)."""

    subdistrict: str
    plan_input: bytes
    time_limit: float
    seed: int = 1
    #: test hook (:func:`_arm_fault`): kill an attempt mid-solve, stall it, count attempts
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
    #: attempts made (local engine; Ray retries out of sight)
    attempts: int = 1
    #: stopped by a cancel (``error`` is :data:`CANCELLED`)
    cancelled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.plan is not None


def _arm_fault(fault: dict[str, str] | None) -> None:
    """Test hook, on the attempt now starting (keys of :attr:`CityTask.fault`).

    * ``pids``: a file each attempt appends its pid to (attempts counted, processes found);
    * ``exit_once``: a marker path: on the first attempt (no marker yet) write this
      pid there and end the process ``after`` seconds (default 0.3) into the solve;
    * ``exit_always``: end every attempt so (a sub-district failing for good);
    * ``stall``: sleep that many seconds before solving (a long solve's stand-in, for
      cancelling one mid-solve without burning a core).
    """
    if not fault:
        return
    if "pids" in fault:
        with open(fault["pids"], "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
    die = "exit_always" in fault
    if "exit_once" in fault and not os.path.exists(fault["exit_once"]):
        with open(fault["exit_once"], "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))
        die = True
    if die:

        def end() -> None:
            time.sleep(float(fault.get("after", 0.3)))
            os._exit(17)

        threading.Thread(target=end, daemon=True).start()
    if "stall" in fault:
        time.sleep(float(fault["stall"]))


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


def _result(raw: dict[str, Any], attempts: int = 1) -> TaskResult:
    return TaskResult(
        subdistrict=raw["subdistrict"],
        plan=raw["plan"],
        seconds=raw["seconds"],
        pid=raw["pid"],
        peak_rss_mb=raw["peak_rss_mb"],
        attempts=attempts,
    )


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"[:500]


def _cancelled(subdistrict: str) -> TaskResult:
    return TaskResult(subdistrict, error=CANCELLED, cancelled=True)


class CancelToken:
    """Stops a run's tasks: all of them (:meth:`cancel`) or some sub-districts; thread-safe.

    An executor looks at it while it waits (every :data:`POLL` seconds): a task not
    started yet is dropped, a running one is stopped (its process killed); each lands
    as a cancelled :class:`TaskResult`. Tasks already finished keep their results.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all = False
        self._some: set[str] = set()

    def cancel(self, subdistricts: Iterable[str] | None = None) -> None:
        """Cancel every task (``None``) or those of ``subdistricts``."""
        with self._lock:
            if subdistricts is None:
                self._all = True
            else:
                self._some.update(subdistricts)

    def cancelled(self, subdistrict: str) -> bool:
        with self._lock:
            return self._all or subdistrict in self._some


def _die_with_parent() -> None:
    """SIGKILL when the parent dies (Linux): no task outlives the run that started it."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _child_main(conn: Connection, task: CityTask) -> None:
    """One attempt of a task in its own process: ``("ok", raw)`` or ``("error", text)``."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it cancels the run
    try:
        msg: tuple[str, Any] = (
            "ok",
            solve_packed(task.subdistrict, task.plan_input, task.time_limit, task.seed, task.fault),
        )
    except BaseException as exc:
        msg = ("error", _error_text(exc))
    conn.send(msg)
    conn.close()


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"工作进程被信号 {-code} 终止 (worker process killed by signal {-code})"
    return f"工作进程异常退出 {code} (worker process exited with {code})"


class _Child:
    """One attempt of a task: its own process and the pipe its outcome comes on."""

    def __init__(self, ctx: BaseContext, task: CityTask, attempt: int) -> None:
        self.task, self.attempt = task, attempt
        self.conn, child_end = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(  # type: ignore[attr-defined]
            target=_child_main, args=(child_end, task), name=f"gongjian-city-{task.subdistrict}"
        )
        self.proc.daemon = True
        self.proc.start()
        child_end.close()  # ours closed: the child's death is an EOF here

    def outcome(self) -> tuple[str, Any]:
        """``("ok", raw)``, or ``("error", text)`` (raised in the task, or its process died)."""
        msg: tuple[str, Any] | None = None
        if self.conn.poll():
            with contextlib.suppress(EOFError, OSError):
                msg = self.conn.recv()
        self.proc.join(10)
        self.close()
        return msg if msg is not None else ("error", _exit_text(self.proc.exitcode))

    def kill(self) -> None:
        if self.proc.is_alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        self.proc.join(10)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()


#: what the local engine's process server imports once (each task's process has it)
_PRELOAD = (
    "gongjian.service.plans.executor",
    "gongjian.matching.solver",
    "gongjian.service.plans.service",
)


def _context() -> BaseContext:
    """Fresh processes forked from a clean server process that has the solver imported
    (no threads of this process — Ray's, the progress bar's — come along)."""
    if "forkserver" not in mp.get_all_start_methods():  # pragma: no cover - not POSIX
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(_PRELOAD))
    return ctx


class LocalExecutor:
    """Processes on this machine, ``parallel`` at a time (default one, as today).

    Each attempt of a task runs in a process of its own (a task that dies takes no
    other with it); a task that raises, or whose process dies, is tried once more
    in a fresh process, before the tasks still waiting. Failing twice, it is
    reported with its error; the others keep their plans.
    """

    engine = "local"

    def __init__(self, parallel: int = 1) -> None:
        self.parallel = parallel

    def run(
        self,
        tasks: Iterable[CityTask],
        on_result: Callable[[TaskResult], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> list[TaskResult]:
        """Each task's result in the given order (cancelled ones too, with ``cancel``).

        On an exception here (Ctrl-C: :class:`KeyboardInterrupt`) the running
        processes are killed before it goes on.
        """
        tasks = list(tasks)
        stop = cancel or CancelToken()
        ctx = _context()
        out: dict[str, TaskResult] = {}
        waiting: deque[tuple[CityTask, int]] = deque((t, 1) for t in tasks)
        running: dict[str, _Child] = {}

        def land(res: TaskResult) -> None:
            out[res.subdistrict] = res
            if on_result is not None:
                on_result(res)

        try:
            while waiting or running:
                for sd in [sd for sd in running if stop.cancelled(sd)]:
                    running.pop(sd).kill()
                    land(_cancelled(sd))
                for item in [w for w in waiting if stop.cancelled(w[0].subdistrict)]:
                    waiting.remove(item)
                    land(_cancelled(item[0].subdistrict))
                while waiting and len(running) < self.parallel:
                    task, attempt = waiting.popleft()
                    running[task.subdistrict] = _Child(ctx, task, attempt)
                if not running:
                    continue
                handles = [h for c in running.values() for h in (c.conn, c.proc.sentinel)]
                ready = set(mp_wait(handles, timeout=POLL))
                for sd, child in list(running.items()):
                    if child.conn not in ready and child.proc.sentinel not in ready:
                        continue
                    del running[sd]
                    kind, value = child.outcome()
                    if kind == "ok":
                        land(_result(value, child.attempt))
                    elif child.attempt <= RETRIES:
                        log.warning("city task %s failed, retrying: %s", sd, value)
                        waiting.appendleft((child.task, child.attempt + 1))
                    else:
                        land(TaskResult(sd, error=value, attempts=child.attempt))
        finally:
            for child in running.values():
                child.kill()
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
        self._remote = ray.remote(num_cpus=TASK_CPUS, max_retries=RETRIES, retry_exceptions=True)(
            solve_packed
        )

    def run(
        self,
        tasks: Iterable[CityTask],
        on_result: Callable[[TaskResult], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> list[TaskResult]:
        """Each task's result in the given order (cancelled ones too, with ``cancel``).

        A cancelled task is ``ray.cancel(ref, force=True)``: dropped from the queue,
        or its worker killed mid-solve (Ray retries no cancelled task). On an
        exception here (Ctrl-C) every task still out is cancelled so before it goes on.
        """
        ray = self.ray
        tasks = list(tasks)
        stop = cancel or CancelToken()
        refs = {
            self._remote.remote(
                t.subdistrict, ray.put(t.plan_input), t.time_limit, t.seed, t.fault
            ): t
            for t in tasks
        }
        out: dict[str, TaskResult] = {}

        def land(res: TaskResult) -> None:
            out[res.subdistrict] = res
            if on_result is not None:
                on_result(res)

        pending = list(refs)
        try:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1, timeout=POLL)
                for ref in ready:
                    task = refs[ref]
                    try:
                        land(_result(ray.get(ref)))
                    except Exception as exc:  # retried once already
                        land(TaskResult(task.subdistrict, error=_error_text(exc), attempts=2))
                dropped = [r for r in pending if stop.cancelled(refs[r].subdistrict)]
                if dropped:
                    pending = [r for r in pending if r not in dropped]
                    self._cancel(dropped)
                    for ref in dropped:
                        land(_cancelled(refs[ref].subdistrict))
        finally:
            if pending:
                self._cancel(pending)
        return [out[t.subdistrict] for t in tasks]

    def _cancel(self, refs: list[Any]) -> None:
        """Force-cancel ``refs`` and wait (a few seconds at most) until Ray has settled them."""
        for ref in refs:
            with contextlib.suppress(Exception):
                self.ray.cancel(ref, force=True)
        with contextlib.suppress(Exception):
            self.ray.wait(refs, num_returns=len(refs), timeout=CANCEL_WAIT)

    def close(self) -> None:
        if self._owns:
            self.ray.shutdown()


def get_executor(address: str | None = None) -> LocalExecutor | RayExecutor:
    """Ray when ``address`` or ``GONGJIAN_RAY_ADDRESS`` is set, else local processes."""
    address = address or os.environ.get("GONGJIAN_RAY_ADDRESS") or None
    if address:
        return RayExecutor(address)
    return LocalExecutor()
