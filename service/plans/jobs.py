r"""Plan jobs: one at a time, each solve in a child process — for the API and the CLI.

``POST /plans`` and ``gongjian plan run`` both record a job and hand it to a
:class:`JobManager` (the CLI then :meth:`~JobManager.wait`\ s for it), so both
take the same machine-wide solver lock and leave the same job records.

The solver is CPU-bound, holds the GIL in its Python parts and cannot be
interrupted, and the machine has two cores. So the service runs **one job at a
time** (the rest wait in a queue) and each solve runs in a **child process**
(``python -m gongjian.service.plans.jobs``): the API stays responsive, and ``DELETE
/plans/{id}`` stops a solve by terminating the child.

Protocol with the child (:class:`SolverProcess`)
    stdin: one JSON header line ``{"time_limit", "seed", "workers", "length"}``
    followed by ``length`` bytes of the packed input (the quarter's snapshot and
    the request's options, :class:`~gongjian.service.plans.service.PlanInput`); the
    parent then keeps stdin open. stdout: ``{"type": "compiled", "units", "needs",
    "activities"}`` once the problem is compiled (compiling is slow for a district,
    so it happens here, not in the request), then, as the solve goes on, lines
    ``{"type": "progress", "objective", "bound", "gap"}`` (each better plan or bound,
    at most four a second, :class:`~gongjian.matching.progress.SolveProgress`) and
    one line per finished stage ``{"type": "stage", "stage", "final", "plan"}``
    (:func:`gongjian.matching.staged.solve_in_stages`). Before the first stage line
    whose problem is packed — at the latest before the final one — comes
    ``{"type": "problem", "length"}`` and the packed compiled problem: packing a
    district's problem takes seconds, so a forked copy of the child packs it while
    the solve goes on (:class:`_Packer`), off the plan's clock.

A spare child
    Once the manager has been idle :data:`SPARE_AFTER` seconds it starts the next
    job's child ahead
    (:class:`SpareChild`): the child does its imports (about a second) and waits
    for the header, so a job starts solving that much sooner.

The time limit is the user's clock
    It counts from ``POST /plans`` (``header["started"]``: the child's start less
    the seconds the request spent reading its snapshot, unless the job waited in
    the queue): reading, compiling and packing the problem come out of it, and what is left goes to the stages
    (:func:`gongjian.matching.staged.solve_budget`). The job's ``progress`` carries ``time_limit`` and the
    ``series`` of ``{t, objective, bound, gap}`` so far (``t``: seconds since the
    job started running), which the console draws while the job runs.

The child dies with the server
    * it asks the kernel for ``SIGKILL`` when its parent dies
      (``prctl(PR_SET_PDEATHSIG)``, Linux), and checks it still has the parent it
      was started by;
    * a thread blocks on stdin: EOF (the parent closed it, or died) ends the child;
    * it also polls its parent pid, for systems without ``prctl``.

Several worker processes
    ``docker-compose.yml`` runs one. With ``gongjian serve --workers N`` each
    worker has its own queue, but a file lock beside the state file
    (``<state db>.solver.lock``) still lets only one solve run at a time, a
    cancel reaching another worker is seen by the owner within half a second
    (it watches the job's status in the state file and kills its child), and a
    worker starting up leaves the jobs of live workers alone (each job records
    its owner process, :func:`~gongjian.service.state.process_tag`).

Job states (see :class:`~gongjian.service.state.JobStatus`)
    queued → running → done | failed | cancelled; a job still queued or running
    when the service stops becomes ``interrupted`` (here on a clean shutdown; by
    :meth:`ServiceState.interrupt_unfinished` at the next start after a crash), so
    a job killed with the server is never shown as done. ``cancel`` on a queued
    job drops it; on a running one it kills the child and keeps the best plan of a
    finished stage. A finished job cannot be cancelled (409).

Length: ~720 lines: the job manager, the child process and its protocol are one
unit (each side of the protocol next to the other).

Length: ~730 lines: the job record, the child-process runner and the restart rules
share one state machine (queued → running → done/failed/cancelled), so they stay together.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from gongjian.core.errors import ConflictError, GongjianError
from gongjian.core.gcpause import gc_paused
from gongjian.matching.problem import Plan
from gongjian.service.plans.job_store import JsonText
from gongjian.service.state import Job, JobStatus, ServiceState, process_tag

try:  # one solve at a time across worker processes (POSIX)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "CompiledMessage",
    "JobManager",
    "ProgressMessage",
    "SolverError",
    "SolverProcess",
    "StageMessage",
]

log = logging.getLogger("gongjian.service.plans.jobs")

#: solver threads of one job (the machine has two cores; the API gets the GIL-free rest)
WORKERS = 2
#: a job started within this many seconds of its request counts the request's
#: preparation in its time limit; one that waited longer (queued) starts its clock anew
QUEUE_GRACE = 2.0
#: seconds idle before the next job's child is started ahead (not while a service
#: starts up or completes what a crash left: that has the CPU first)
SPARE_AFTER = 3.0
#: points kept in a job's progress series (older ones are thinned out beyond this)
SERIES_MAX = 240


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class SolverError(GongjianError):
    """The solver's child process failed; the message ends with the tail of its stderr."""

    code = "solver_failed"


@dataclass
class CompiledMessage:
    """The child compiled the problem (``problem`` None, with its size), or here it is, packed."""

    problem: bytes | None
    units: int
    needs: int
    activities: int
    elapsed: float


@dataclass
class ProgressMessage:
    """The solve found a better plan or bound: the best objective and bound so far."""

    objective: int | None
    bound: int | None
    gap: float | None
    elapsed: float


@dataclass
class StageMessage:
    """A stage the child finished: its name, whether it is the last, its (best) plan."""

    stage: str
    final: bool
    plan: Plan
    elapsed: float
    #: the plan as the child sent it (JSON), stored without dumping it again
    plan_json: str | None = None


class SpareChild:
    """A solver child started ahead of its job: its imports (~1 s) are done when it comes.

    It waits for the job's header on stdin; :class:`SolverProcess` takes it over.
    """

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the SolverProcess)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gongjian.service.plans.jobs", "--parent", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            close_fds=True,
        )

    def close(self) -> None:
        """Stop a spare nobody took (it holds nothing: killed at once)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class SolverProcess:
    """Compile and solve in a child process; iterate :meth:`messages` for the results.

    Parameters
    ----------
    plan_input : bytes
        What to solve, as :func:`gongjian.service.plans.service.pack_input` made it.
    time_limit, seed, workers
        Passed to :func:`gongjian.matching.staged.solve_in_stages`.
    spare : SpareChild, optional
        A child started ahead (else one is started now).
    spent : float
        Seconds of the time limit already used before the child got the job (the
        request's snapshot, read while the user waited for ``POST /plans``).
    """

    def __init__(
        self,
        plan_input: bytes,
        *,
        time_limit: float,
        seed: int,
        workers: int = WORKERS,
        spare: SpareChild | None = None,
        spent: float = 0.0,
    ) -> None:
        self.started = time.monotonic()
        if spare is not None and spare.proc.poll() is not None:
            spare.close()  # it died while waiting: start afresh
            spare = None
        spare = spare or SpareChild()
        self.proc, self._stderr = spare.proc, spare.stderr
        assert self.proc.stdin is not None
        header = {
            "time_limit": time_limit,
            "seed": seed,
            "workers": workers,
            "length": len(plan_input),
            # the time limit counts from here, less what preparing the input took
            "started": time.time() - max(0.0, spent),
        }
        try:
            self.proc.stdin.write(json.dumps(header).encode() + b"\n" + plan_input)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the child died at once: stages() reports it
        # stdin stays open: its EOF tells the child that we are gone

    @property
    def pid(self) -> int:
        return self.proc.pid

    def messages(self) -> Iterator[CompiledMessage | ProgressMessage | StageMessage]:
        """The compiled problem, then the solve's progress and each stage's plan, as they arrive.

        Raises :class:`SolverError` when the child ends without a final stage
        (it failed, or was killed).
        """
        out = self.proc.stdout
        assert out is not None
        final = False
        for line in out:
            msg = json.loads(line)
            elapsed = time.monotonic() - self.started
            if msg["type"] in ("compiled", "problem"):
                blob = out.read(int(msg["length"])) if msg["type"] == "problem" else None
                yield CompiledMessage(
                    problem=blob,
                    units=msg.get("units", 0),
                    needs=msg.get("needs", 0),
                    activities=msg.get("activities", 0),
                    elapsed=elapsed,
                )
            elif msg["type"] == "progress":
                yield ProgressMessage(
                    objective=msg.get("objective"),
                    bound=msg.get("bound"),
                    gap=msg.get("gap"),
                    elapsed=elapsed,
                )
            else:
                final = bool(msg["final"])
                # the plan follows its header as JSON bytes: validated once (pydantic-core
                # parses a district plan in ~0.2 s) and stored as received
                raw = out.read(int(msg["length"]))
                with gc_paused():
                    plan = Plan.model_validate_json(raw)
                yield StageMessage(
                    stage=msg["stage"],
                    final=final,
                    plan=plan,
                    elapsed=elapsed,
                    plan_json=raw.decode("utf-8"),
                )
        code = self.wait()
        if not final and code is not None:
            raise SolverError(self.error_text(code))

    def wait(self) -> int | None:
        """Close our end of stdin and wait for the child; its exit code."""
        self._close_stdin()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.proc.returncode

    def error_text(self, code: int) -> str:
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        if code < 0:
            what = f"求解进程被信号 {-code} 终止 (solver process killed by signal {-code})"
        else:
            what = f"求解进程异常退出 {code} (solver process exited with {code})"
        return f"{what}: {tail.splitlines()[-1]}" if tail else what

    def kill(self) -> None:
        """Stop the child now (it cannot be interrupted any other way)."""
        self._close_stdin()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def close(self) -> None:
        self.kill()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()

    def _close_stdin(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def __enter__(self) -> SolverProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Run:
    """The job this process is running (or waiting to run: the solver lock is taken)."""

    job_id: str
    proc: SolverProcess | None = None
    cancelled: bool = False


class JobManager:
    """Runs plan jobs of the service one at a time in a background thread.

    ``enqueue`` records a job in ``state`` (with its packed input) and queues it;
    ``cancel`` stops it; ``shutdown`` kills a running solve and marks what was
    left queued or running as interrupted.
    """

    def __init__(self, state: ServiceState, *, workers: int = WORKERS, spare: bool = True) -> None:
        self.state = state
        self.workers = workers
        #: whether to start a :class:`SpareChild` when idle (``GONGJIAN_SPARE_SOLVER``)
        self.spare = spare
        #: recorded on the jobs this process runs
        self.owner = process_tag()
        self._lock_fd = os.open(f"{state.path}.solver.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._cv = threading.Condition()
        self._queue: deque[str] = deque()
        self._running: _Run | None = None
        self._stopping = False
        self._spare: SpareChild | None = None
        #: job id → (seconds its request spent preparing, when it was queued)
        self._spent: dict[str, tuple[float, float]] = {}
        self._thread = threading.Thread(target=self._loop, name="gongjian-plan-jobs", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ API
    def enqueue(
        self,
        job_id: str,
        quarter: str,
        request: dict[str, Any],
        created_by: str | None,
        plan_input: bytes,
        *,
        spent: float = 0.0,
    ) -> Job:
        """Record a job owned by this process for ``plan_input`` (packed) and queue it.

        ``spent``: seconds the request took preparing the input (its snapshot); a job
        that starts at once counts them in its time limit, the user's clock.
        """
        job = self.state.create_job(
            job_id, quarter, request, created_by, plan_input=plan_input, owner=self.owner
        )
        with self._cv:
            self._spent[job_id] = (spent, time.monotonic())
        self.submit(job_id)
        return job

    def submit(self, job_id: str) -> None:
        """Queue a recorded job."""
        with self._cv:
            if self._stopping:
                raise RuntimeError("job manager is shut down")
            self._queue.append(job_id)
            self._cv.notify_all()

    def queued_count(self) -> int:
        with self._cv:
            return len(self._queue)

    def queue_position(self, job_id: str) -> int | None:
        """0 for the running job, 1… for queued ones, None otherwise."""
        with self._cv:
            if self._running is not None and self._running.job_id == job_id:
                return 0
            try:
                return self._queue.index(job_id) + 1
            except ValueError:
                return None

    def cancel(self, job_id: str) -> Job:
        """Stop a queued or running job (status ``cancelled``); 409 when it has finished."""
        proc: SolverProcess | None = None
        with self._cv:
            job = self.state.get_job(job_id)
            if job.status == JobStatus.queued and job_id in self._queue:
                self._queue.remove(job_id)
                self._finish(job_id, JobStatus.cancelled, None, (JobStatus.queued,))
            elif (
                job.status == JobStatus.running
                and self._running is not None
                and self._running.job_id == job_id
            ):
                run = self._running
                run.cancelled = True
                proc = run.proc
                self._finish(job_id, JobStatus.cancelled, None, (JobStatus.running,))
            elif job.status.finished:
                raise ConflictError(
                    f"计划 {job_id} 已结束（{job.status.label_zh}），无法取消 (the job has"
                    " finished and cannot be cancelled)",
                    status=job.status.value,
                )
            else:  # queued or running in the state file, but not here: an orphan
                self._finish(
                    job_id,
                    JobStatus.cancelled,
                    None,
                    (JobStatus.queued, JobStatus.running),
                )
        if proc is not None:
            proc.kill()
        return self.state.get_job(job_id)

    def wait(
        self, job_id: str, *, on_update: Callable[[Job], None] | None = None, poll: float = 0.2
    ) -> Job:
        """Block until the job has finished (the CLI's ``plan run``); the finished job.

        ``on_update(job)`` is called whenever its status or progress changes (queued
        while another process holds the solver lock, then running with each stage).
        """
        last: tuple[str, str] | None = None
        while True:
            job = self.state.get_job(job_id)
            key = (job.status.value, json.dumps(job.progress, sort_keys=True))
            if on_update is not None and key != last:
                on_update(job)
            last = key
            if job.status.finished:
                return job
            time.sleep(poll)

    def shutdown(self, timeout: float = 15.0) -> None:
        """Kill the running solve; queued and running jobs become interrupted."""
        with self._cv:
            self._stopping = True
            run = self._running
            queued = list(self._queue)
            self._queue.clear()
            self._cv.notify_all()
        if run is not None and run.proc is not None:
            run.proc.kill()
        self._thread.join(timeout)
        with self._cv:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.close()
        reason = "服务停止，计划未完成 (the service stopped before the job finished)"
        for job_id in queued:
            self._finish(job_id, JobStatus.interrupted, reason, (JobStatus.queued,))
        if run is not None:  # running, or queued while waiting for the solver lock
            self._finish(
                run.job_id, JobStatus.interrupted, reason, (JobStatus.queued, JobStatus.running)
            )
        with contextlib.suppress(OSError):
            os.close(self._lock_fd)

    # ------------------------------------------------------------------ worker
    def _finish(
        self,
        job_id: str,
        status: JobStatus,
        error: str | None,
        only_if: tuple[JobStatus, ...],
    ) -> bool:
        return self.state.update_job(
            job_id,
            only_if=only_if,
            status=status,
            finished_at=_now(),
            error=error,
            plan_input=None,
        )

    def _solver_slot(self, job_id: str) -> bool:
        """Wait for the machine-wide solver lock; False if the job stopped waiting meanwhile."""
        if fcntl is None:
            return True
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                pass
            if self._stopping or self.state.job_status(job_id) != JobStatus.queued:
                return False
            time.sleep(0.2)

    def _release_slot(self) -> None:
        if fcntl is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _loop(self) -> None:
        while True:
            with self._cv:
                idle = time.monotonic()
                while not self._queue and not self._stopping:
                    if (
                        self.spare
                        and self._spare is None
                        and time.monotonic() - idle >= SPARE_AFTER
                    ):
                        # idle a while: start the next job's child now, not when it comes
                        self._spare = SpareChild()
                    waiting = self._spare is not None or not self.spare
                    self._cv.wait(None if waiting else SPARE_AFTER / 2)
                if self._stopping:
                    return
                run = _Run(self._queue.popleft())
                self._running = run
            try:
                if self._solver_slot(run.job_id):
                    try:
                        self._run(run)
                    finally:
                        self._release_slot()
            except Exception:
                log.exception("plan job %s: bookkeeping failed", run.job_id)
            finally:
                with self._cv:
                    self._running = None
                if run.proc is not None:
                    run.proc.close()

    def _run(self, run: _Run) -> None:
        with self._cv:
            started = self.state.update_job(
                run.job_id,
                only_if=(JobStatus.queued,),
                status=JobStatus.running,
                started_at=_now(),
                progress={"stage": "starting", "elapsed": 0.0},
            )
        if not started:  # cancelled while waiting
            return
        try:
            self._execute(run)
        except Exception as exc:
            with self._cv:
                stopped = run.cancelled or self._stopping
                if not stopped:
                    self._finish(
                        run.job_id,
                        JobStatus.failed,
                        f"求解失败 (solve failed): {exc}"[:2000],
                        (JobStatus.running,),
                    )
            if not stopped:
                log.exception("plan job %s failed", run.job_id)

    def _watch(self, run: _Run, proc: SolverProcess, finished: threading.Event) -> None:
        """Kill the child when the job stops running in the state file (cancelled elsewhere)."""
        while not finished.wait(0.5):
            try:
                status = self.state.job_status(run.job_id)
            except Exception:
                continue
            if status != JobStatus.running:
                with self._cv:
                    run.cancelled = True
                proc.kill()
                return

    def _execute(self, run: _Run) -> None:
        job = self.state.get_job(run.job_id)
        plan_input = self.state.job_input(run.job_id)
        if plan_input is None:
            raise SolverError("任务没有保存求解输入 (no input stored with the job)")
        time_limit = float(job.request.get("time_limit", 10.0))
        with self._cv:
            spare, self._spare = self._spare, None
            spent, queued_at = self._spent.pop(run.job_id, (0.0, time.monotonic()))
        if time.monotonic() - queued_at > QUEUE_GRACE:
            spent = 0.0  # it waited behind another job: its clock starts now
        proc = SolverProcess(
            plan_input,
            time_limit=time_limit,
            seed=int(job.request.get("seed", 1)),
            workers=self.workers,
            spare=spare,
            spent=spent,
        )
        with self._cv:
            run.proc = proc
            if run.cancelled or self._stopping:
                proc.kill()
                return
        from gongjian.matching.staged import ProgressLog

        figures = ProgressLog(time_limit, started=time.time(), max_points=SERIES_MAX)
        finished = threading.Event()
        threading.Thread(
            target=self._watch, args=(run, proc, finished), name="gongjian-plan-watch", daemon=True
        ).start()
        try:
            final = False
            for msg in proc.messages():
                if isinstance(msg, CompiledMessage):
                    if msg.problem is not None:  # packed while the solve went on
                        self.state.set_job_problem(run.job_id, msg.problem)
                        continue
                    self.state.update_job(
                        run.job_id,
                        only_if=(JobStatus.running,),
                        progress=figures.stage("compiled", None, msg.elapsed),
                    )
                    continue
                if isinstance(msg, ProgressMessage):
                    # at most a few a second (the child throttles): one small write each
                    self.state.update_job(
                        run.job_id,
                        only_if=(JobStatus.running,),
                        progress=figures.point(msg.objective, msg.bound, msg.elapsed),
                    )
                    continue
                with self._cv:
                    if run.cancelled or self._stopping:
                        return
                    # a stage's plan and its progress, in one write
                    self.state.update_job(
                        run.job_id,
                        only_if=(JobStatus.running,),
                        plan=JsonText(msg.plan_json)
                        if msg.plan_json is not None
                        else msg.plan.model_dump(mode="json"),
                        progress=figures.stage(msg.stage, msg.plan, msg.elapsed),
                    )
                    final = msg.final
            with self._cv:
                if run.cancelled or self._stopping:
                    return
                if not final:
                    raise SolverError("求解进程没有给出结果 (the solver gave no result)")
                self._finish(run.job_id, JobStatus.done, None, (JobStatus.running,))
        finally:
            finished.set()


# --------------------------------------------------------------------------- the child
def _die_with_parent(parent: int) -> None:
    """SIGKILL when the parent dies (Linux), and leave if it already has."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(3)

    def watch_parent() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch_parent, daemon=True).start()


def _watch_stdin(stdin: IO[bytes]) -> None:
    """EOF on stdin: the parent closed it or died; stop at once."""
    with contextlib.suppress(Exception):
        while stdin.read(65536):
            pass
    os._exit(4)


class _Packer:
    """Packs the compiled problem in a forked copy of the child, into an unlinked file.

    The copy shares the problem's memory (copy on write) and runs on the core the
    solve leaves free most of the time; :meth:`result` hands the bytes over once
    (None after that). Where ``fork`` is missing or the copy fails, it packs here.
    """

    def __init__(self, problem: Any, pack: Callable[[Any], bytes]) -> None:
        self._problem: Any = problem
        self._pack = pack
        self._pid = 0
        self._file: IO[bytes] | None = None
        self._done = False
        if not hasattr(os, "fork"):  # pragma: no cover - not on Linux
            return
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in result)
        pid = os.fork()
        if pid == 0:  # the copy: pack, write, leave without any clean-up of the child's
            code = 1
            try:
                with contextlib.suppress(Exception):
                    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # dies with the child
                self._file.write(pack(problem))
                self._file.flush()
                code = 0
            finally:
                os._exit(code)
        self._pid = pid

    def result(self, wait: bool) -> bytes | None:
        """The packed problem once: when the copy is done, or (``wait``) after waiting for it."""
        if self._done:
            return None
        packed = None
        if self._pid:
            got, status = os.waitpid(self._pid, 0 if wait else os.WNOHANG)
            if got == 0:
                return None  # still packing
            if os.waitstatus_to_exitcode(status) == 0 and self._file is not None:
                self._file.seek(0)
                packed = self._file.read()
        if self._file is not None:
            self._file.close()
        self._done = True
        if not packed:  # no fork, or the copy failed: pack here
            packed = self._pack(self._problem)
        self._problem = None
        return packed


def _child_main(argv: list[str]) -> None:
    parent = int(argv[argv.index("--parent") + 1]) if "--parent" in argv else os.getppid()
    _die_with_parent(parent)
    # stdout carries the protocol only: whatever a library prints goes to stderr
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # the imports first: a spare child has them done when its job comes
    from gongjian.matching.progress import ProgressPoint, SolveProgress
    from gongjian.matching.staged import solve_budget, solve_in_stages
    from gongjian.service.plans.service import pack_problem, unpack_input

    stdin = sys.stdin.buffer
    line = stdin.readline()
    if not line:
        os._exit(0)  # a spare nobody took: the parent closed our stdin
    header: dict[str, Any] = json.loads(line)
    blob = stdin.read(int(header["length"]))
    threading.Thread(target=_watch_stdin, args=(stdin,), daemon=True).start()

    lock = threading.Lock()  # progress lines come from a timer thread, stages from here

    def send(msg: dict[str, Any]) -> None:
        with lock:
            out.write(json.dumps(msg, ensure_ascii=False).encode("utf-8") + b"\n")
            out.flush()

    def report(p: ProgressPoint) -> None:
        send({"type": "progress", "objective": p.objective, "bound": p.bound, "gap": p.gap})

    problem = unpack_input(blob).compile()
    del blob
    packer = _Packer(problem, pack_problem)
    send(
        {
            "type": "compiled",
            "units": len(problem.units),
            "needs": len(problem.needs),
            "activities": len(problem.activities),
        }
    )

    def send_problem(wait: bool) -> None:
        packed = packer.result(wait)
        if packed is not None:
            with lock:
                head = {"type": "problem", "length": len(packed)}
                out.write(json.dumps(head).encode() + b"\n" + packed)
                out.flush()

    time_limit = float(header["time_limit"])
    spent = time.time() - float(header.get("started", time.time()))
    progress = SolveProgress(report)
    for stage in solve_in_stages(
        problem,
        time_limit=solve_budget(time_limit, spent),
        seed=int(header["seed"]),
        workers=int(header.get("workers", WORKERS)),
        progress=progress,
    ):
        if stage.final:
            progress.close()  # the last figures go before the final plan
        else:
            progress.flush()
        send_problem(wait=stage.final)  # a plan's problem is stored before (or with) it
        # model_dump_json, not model_dump + json.dumps: ~0.1 s for a district plan, not ~1 s
        body = stage.plan.model_dump_json().encode("utf-8")
        head = {"type": "stage", "stage": stage.name, "final": stage.final, "length": len(body)}
        with lock:
            out.write(json.dumps(head).encode() + b"\n" + body)
            out.flush()
    out.close()
    os._exit(0)  # skip interpreter finalisation: nothing is left to clean up


if __name__ == "__main__":
    _child_main(sys.argv[1:])
