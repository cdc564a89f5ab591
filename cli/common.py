"""Helpers shared by the CLI modules: error handling, store selection, output."""

from __future__ import annotations

import functools
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gongjian.core.errors import GongjianError, InvalidInputError
from gongjian.core.procstats import peak_rss_mb
from gongjian.graph import GraphStore, open_store

__all__ = [
    "SeedOpt",
    "StoreChoice",
    "StoreOpt",
    "TimeLimitOpt",
    "WorkersOpt",
    "command",
    "console",
    "err_console",
    "handle_errors",
    "open_selected_store",
    "peak_rss_mb",
    "print_json_line",
    "progress_bar",
    "read_input_file",
    "run_plan_job",
    "stop_process",
]

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


class StoreChoice(StrEnum):
    embedded = "embedded"
    neo4j = "neo4j"


#: the ``--store`` option of the commands that read or write the graph
StoreOpt = Annotated[
    StoreChoice | None,
    typer.Option("--store", help="embedded (默认, SQLite) 或 neo4j (需 GONGJIAN_NEO4J_URI)"),
]

#: the solver options of ``plan solve`` and the benchmarks (defaults per command)
TimeLimitOpt = Annotated[float, typer.Option("--time-limit", help="seconds", min=0.1, max=86400)]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, max=64)]
SeedOpt = Annotated[int, typer.Option("--seed")]


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors (and bad files) into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except GongjianError as exc:
            err_console.print(f"[bold red]错误 (error):[/] {exc.message}", highlight=False)
            raise typer.Exit(2) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            err_console.print(f"[bold red]错误 (error):[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper


def command(app: typer.Typer, name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``@app.command(name)`` for a command whose errors print as one line (:func:`handle_errors`)."""

    def register(func: Callable[P, R]) -> Callable[P, R]:
        app.command(name)(handle_errors(func))
        return func

    return register


def read_input_file(file: Path, max_bytes: int) -> bytes:
    """The bytes of a file named on the command line: a clear message, not a traceback,
    when it is missing or larger than ``max_bytes``."""
    if not file.is_file():
        raise InvalidInputError(f"找不到文件 {file} (no such file)")
    if file.stat().st_size > max_bytes:
        size = f"{max_bytes // (1024 * 1024)} MB"
        raise InvalidInputError(f"文件超过 {size}，请拆分 {file} (file too large; split it)")
    return file.read_bytes()


def open_selected_store(choice: StoreChoice | None) -> GraphStore:
    """The store named on the command line, else the one the settings name."""
    return open_store(choice.value if choice else None)


def print_json_line(data: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (for benchmarks and scripts)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()


def progress_bar(label: str, *, out: Console = console, show: bool = True) -> Progress:
    """A transient progress bar (``label``, bar, done / total, elapsed) on ``out``."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not show,
    )


def stop_process(proc: subprocess.Popen[Any], sig: signal.Signals = signal.SIGTERM) -> None:
    """Send ``sig`` to a child process still running; kill it if it has not ended in 20 s."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def run_plan_job(
    graph: GraphStore,
    state: Any,
    request: Any,
    *,
    by: str,
    on_update: Callable[[Any], None] | None = None,
) -> Any:
    """A plan job like ``POST /plans``, run through the service's job runner and waited
    for: the same machine-wide solver lock, child process and job records. Returns the
    finished :class:`~gongjian.service.state.Job` (Ctrl-C cancels it); a job that did
    not end ``done`` raises with its error.
    """
    from gongjian.service.plans.jobs import JobManager, SolverError
    from gongjian.service.plans.service import new_job_id, pack_input, prepare
    from gongjian.service.state import JobStatus

    t0 = time.monotonic()
    plan_input = pack_input(prepare(graph, state, request))
    spent = time.monotonic() - t0  # the snapshot comes out of the time limit, as in the API
    jobs = JobManager(state)
    try:
        job_id = new_job_id()
        jobs.enqueue(
            job_id, request.quarter, request.model_dump(mode="json"), by, plan_input, spent=spent
        )
        try:
            job = jobs.wait(job_id, on_update=on_update)
        except KeyboardInterrupt:
            jobs.cancel(job_id)
            raise
    finally:
        jobs.shutdown()
    if job.status == JobStatus.failed:
        raise SolverError(job.error or "求解失败 (solve failed)")
    if job.status != JobStatus.done:
        raise GongjianError(
            f"计划 {job.id} 未完成（{job.status.label_zh}）(the job did not finish): "
            f"{job.error or ''}".strip()
        )
    return job
