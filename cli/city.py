"""``gongjian plan city`` and ``gongjian bench city``: one plan per sub-district, in parallel.

The engine is the executor's (:mod:`gongjian.service.plans.executor`): Ray when
``GONGJIAN_RAY_ADDRESS`` is set (or ``--ray``), else one local child process at a time.
A failed sub-district is tried once more; failing twice it is reported (exit 1)
while the others keep their plans. Ctrl-C cancels the run as the service does (the
tasks still out are stopped: their processes killed, or their Ray tasks
force-cancelled), prints the sub-districts already planned and exits 130.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from gongjian.cli.common import (
    SeedOpt,
    StoreOpt,
    console,
    err_console,
    handle_errors,
    open_selected_store,
)

#: the exit code of a run cancelled with Ctrl-C (128 + SIGINT, as shells do)
CANCELLED_EXIT = 130


def register(*, plan_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach ``plan city`` and ``bench city``."""

    @plan_app.command("city")
    @handle_errors
    def plan_city(
        quarter: Annotated[str, typer.Option("--quarter", help="季度，如 2026Q4")],
        subdistricts: Annotated[
            str | None, typer.Option("--subdistricts", help="街道编号，逗号分隔 (默认全部)")
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="每个街道的求解时限（秒）")
        ] = 10.0,
        seed: SeedOpt = 1,
        store: StoreOpt = None,
    ) -> None:
        """全市计划：每个街道一份计划，并行求解 (one plan per sub-district, in parallel)."""
        from rich.progress import Progress

        from gongjian.graph.model import parse_quarter
        from gongjian.service.plans.city import city_tasks
        from gongjian.service.plans.executor import TaskResult, get_executor

        quarter = parse_quarter(quarter)
        try:
            known, snapshots = _read_city(store, quarter, subdistricts)
        except KeyboardInterrupt:  # before any solve: nothing to stop
            err_console.print("已取消 (cancelled)", highlight=False)
            raise typer.Exit(CANCELLED_EXIT) from None
        tasks = city_tasks(snapshots, quarter, time_limit=time_limit, seed=seed)
        landed: list[TaskResult] = []
        try:
            executor = get_executor()
        except KeyboardInterrupt:  # while Ray started: nothing was sent to it
            err_console.print("已取消 (cancelled)", highlight=False)
            raise typer.Exit(CANCELLED_EXIT) from None
        try:
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(
                    f"全市 {len(tasks)} 个街道求解中 ({executor.engine})", total=len(tasks)
                )

                def land(res: TaskResult) -> None:
                    landed.append(res)
                    bar.advance(task)

                results = executor.run(tasks, on_result=land)
        except KeyboardInterrupt:
            # the executor stopped every task still out before this reached here
            done = [r for r in landed if r.ok]
            _print_results(done, known)
            err_console.print(
                f"已取消：{len(done)} 个街道已完成，其余 {len(tasks) - len(done)} 个已停止"
                f" (cancelled: {len(done)} sub-districts planned, the others stopped)",
                highlight=False,
            )
            raise typer.Exit(CANCELLED_EXIT) from None
        finally:
            executor.close()
        _print_results(results, known)
        if any(not r.ok for r in results):
            raise typer.Exit(1)

    @bench_app.command("city")
    def bench_city(
        subdistricts: Annotated[int, typer.Option("--subdistricts")] = 8,
        units: Annotated[int, typer.Option("--units")] = 250,
        needs: Annotated[int, typer.Option("--needs")] = 2500,
        activities: Annotated[int, typer.Option("--activities")] = 100,
        time_limit: Annotated[float, typer.Option("--time-limit")] = 10.0,
        seed: SeedOpt = 1,
    ) -> None:
        """全市基准：顺序、1 个与 2 个 Ray 工作进程 (one JSON line: sequential, 1 and 2 Ray workers)."""
        typer.echo(
            json.dumps(run_bench_city(subdistricts, units, needs, activities, time_limit, seed))
        )


def _read_city(
    store: Any, quarter: str, subdistricts: str | None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The known sub-districts (code → name) and the snapshots of those asked for."""
    from gongjian.core.errors import InvalidInputError
    from gongjian.matching.from_graph import planning_snapshot

    graph = open_selected_store(store)
    try:
        # sub-districts by code (the code every community, unit and need carries)
        known = {s.id: s.name for s in graph.subdistricts()}
        wanted = (
            [s.strip() for s in subdistricts.split(",") if s.strip()]
            if subdistricts
            else list(known)
        )
        unknown = [s for s in wanted if s not in known]
        if unknown or not wanted:
            raise InvalidInputError(
                f"未知街道 (unknown sub-districts): {', '.join(unknown) or '-'}；"
                f"已有 (known): {', '.join(known) or '-'}"
            )
        return known, {sd: planning_snapshot(graph, quarter, sd) for sd in wanted}
    finally:
        graph.close()


def _print_results(results: list[Any], known: dict[str, str]) -> None:
    """One line per sub-district: its figures, or its error."""
    from gongjian.service.plans.city import summary

    for res in results:
        line = summary(res)
        name = known.get(res.subdistrict, res.subdistrict)
        if res.ok:
            gap = f"{100 * line['gap']:.3f}%" if line["gap"] is not None else "-"
            console.print(
                f"{name}：目标 {line['objective']}，上界 {line['bound']}，差距 {gap}，{line['seconds']} 秒",
                highlight=False,
            )
        else:
            console.print(f"{name}：求解失败 (failed) {res.error}", highlight=False)


def run_bench_city(
    subdistricts: int, units: int, needs: int, activities: int, time_limit: float, seed: int
) -> dict[str, Any]:
    """Sequential (in this process), then local Ray with 1 and with 2 CPUs; plans compared."""
    from gongjian.seeds.city import generate_city
    from gongjian.service.plans.city import city_tasks, summary
    from gongjian.service.plans.executor import RayExecutor, solve_packed

    quarter = "2026Q4"
    city = generate_city(subdistricts, units, needs, activities, seed, quarter)
    tasks = city_tasks(
        {sd: net.snapshot(quarter) for sd, net in city.items()},
        quarter,
        time_limit=time_limit,
        seed=seed,
    )
    t0 = time.perf_counter()
    sequential = [solve_packed(t.subdistrict, t.plan_input, t.time_limit, t.seed) for t in tasks]
    sequential_seconds = time.perf_counter() - t0
    walls: dict[int, float] = {}
    rss: dict[int, dict[str, float]] = {}
    runs: dict[int, list[Any]] = {}
    for cpus in (1, 2):
        ex = RayExecutor("local", num_cpus=cpus)
        try:
            ex.run(tasks[:0])
            t0 = time.perf_counter()
            runs[cpus] = ex.run(tasks)
            walls[cpus] = time.perf_counter() - t0
        finally:
            ex.close()
        peak: dict[str, float] = {}
        for r in runs[cpus]:
            peak[str(r.pid)] = max(peak.get(str(r.pid), 0.0), r.peak_rss_mb)
        rss[cpus] = peak

    differ = sorted(
        {
            k
            for run in (runs[1], runs[2])
            for s, r in zip(sequential, run, strict=True)
            if r.plan is not None
            for k in s["plan"]
            if k != "seconds" and s["plan"][k] != r.plan.get(k)
        }
    )
    same = not differ and all(r.ok for run in runs.values() for r in run)
    return {
        "engine": "ray",
        "subdistricts": [summary(r) for r in runs[2]],
        "units": units,
        "needs": needs,
        "activities": activities,
        "time_limit": time_limit,
        "sequential_seconds": round(sequential_seconds, 2),
        "wall_seconds_1": round(walls[1], 2),
        "wall_seconds_2": round(walls[2], 2),
        "speedup": round(walls[1] / walls[2], 3) if walls[2] else None,
        "peak_rss_mb_per_worker": {"1": rss[1], "2": rss[2]},
        "plans_identical": same,
        "plan_fields_differing": differ,
        "failed": [r.subdistrict for r in runs[2] if not r.ok],
    }
