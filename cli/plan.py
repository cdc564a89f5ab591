"""CLI commands of the planner: ``plan schema|example|solve|explain|run|export``, ``bench gap|district``.

``plan run`` and ``plan export`` are the CLI side of ``POST /plans`` and
``GET /plans/{id}/export``: the same problem building, staged solve, publishing
and exports (:mod:`gongjian.service.plans.service`, :mod:`gongjian.service.plans.exports`),
with the job recorded in the service state file (``GONGJIAN_STATE_DB``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from gongjian.cli.common import (
    SeedOpt,
    StoreChoice,
    StoreOpt,
    TimeLimitOpt,
    WorkersOpt,
    command,
    console,
    open_selected_store,
    run_plan_job,
)

M = TypeVar("M", bound=BaseModel)


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    ics = "ics"
    pdf = "pdf"


def register(*, plan_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach the planner commands to the sub-apps."""

    @plan_app.command("schema")
    def schema() -> None:
        """打印问题的 JSON Schema (print the problem JSON schema)."""
        from gongjian.matching.problem import Problem

        typer.echo(json.dumps(Problem.model_json_schema(), ensure_ascii=False, indent=2))

    @plan_app.command("example")
    def example(
        out: Annotated[Path, typer.Option("--out", help="where to write problem.json")] = Path(
            "problem.json"
        ),
    ) -> None:
        """写出一个小型示例问题 (write a small realistic example problem)."""
        from gongjian.matching.examples import example_problem

        out.write_text(example_problem().model_dump_json(indent=2), encoding="utf-8")
        typer.echo(f"wrote {out}")

    @plan_app.command("solve")
    def solve_cmd(
        problem: Annotated[Path, typer.Argument(help="problem.json")],
        time_limit: TimeLimitOpt = 10.0,
        workers: WorkersOpt = 2,
        seed: SeedOpt = 0,
        out: Annotated[
            Path | None, typer.Option("--out", help="plan.json (default: stdout)")
        ] = None,
    ) -> None:
        """求解季度计划 (solve a problem, write the plan as JSON)."""
        from gongjian.matching.problem import Problem
        from gongjian.matching.solver import solve

        prob = _read_json_model(Problem, problem, "问题 problem")
        plan = solve(prob, time_limit=time_limit, workers=workers, seed=seed)
        text = plan.model_dump_json(indent=2)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(
                f"{plan.status} objective={plan.objective} bound={plan.bound} "
                f"seconds={plan.seconds} -> {out}",
                err=True,
            )

    @plan_app.command("explain")
    def explain_cmd(
        plan: Annotated[Path, typer.Argument(help="plan.json")],
        problem: Annotated[
            Path | None, typer.Option("--problem", help="problem.json, adds unit names")
        ] = None,
    ) -> None:
        """用中文说明计划 (print a readable Chinese account of a plan)."""
        from gongjian.matching.explain import render_plan
        from gongjian.matching.problem import Plan, Problem

        p = _read_json_model(Plan, plan, "计划 plan")
        prob = _read_json_model(Problem, problem, "问题 problem") if problem else None
        typer.echo(render_plan(p, prob))

    @command(plan_app, "run")
    def run_cmd(
        quarter: Annotated[str, typer.Option("--quarter", help="季度，如 2026Q2")],
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="求解时限（秒）seconds, ≤ 600")
        ] = 10.0,
        seed: Annotated[int, typer.Option("--seed", help="随机种子 (same seed, same plan)")] = 1,
        max_distance: Annotated[
            int, typer.Option("--max-distance", help="单位与社区的最大相邻步数")
        ] = 2,
        pin: Annotated[
            list[str] | None,
            typer.Option("--pin", help="固定分配 ITEM=UNIT (可重复; 活动角色写 a15/r1=u04)"),
        ] = None,
        forbid: Annotated[
            list[str] | None, typer.Option("--forbid", help="禁止分配 ITEM=UNIT (可重复)")
        ] = None,
        previous: Annotated[
            str | None, typer.Option("--previous", help="上一计划编号 (re-plan against it)")
        ] = None,
        publish: Annotated[
            bool, typer.Option("--publish", help="求解后发布：生成活动安排与接单")
        ] = False,
        store: StoreOpt = None,
    ) -> None:
        """从图中制定季度计划并记录为计划任务 (plan a quarter from the store; record the job)."""
        _plan_run(
            quarter=quarter,
            time_limit=time_limit,
            seed=seed,
            max_distance=max_distance,
            pins=pin or [],
            forbids=forbid or [],
            previous=previous,
            publish=publish,
            store=store,
        )

    @command(plan_app, "export")
    def export_cmd(
        plan_id: Annotated[
            str, typer.Argument(help="计划编号 plan id (from plan run / POST /plans)")
        ],
        fmt: Annotated[
            ExportFormat,
            typer.Option("--format", help="xlsx (Excel)、csv、ics (日历) 或 pdf (打印)"),
        ] = ExportFormat.xlsx,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="输出文件 (默认 gongjian-plan-<季度>-<编号>.<格式>)"),
        ] = None,
        store: StoreOpt = None,
    ) -> None:
        """导出已记录的计划 (export a recorded plan as xlsx, csv, ics or pdf)."""
        _plan_export(plan_id, fmt.value, out, store)

    @bench_app.command("gap")
    def bench_gap(
        paths: Annotated[
            list[Path] | None, typer.Argument(help="OR-Library GAP files or folders")
        ] = None,
        time_limit: TimeLimitOpt = 10.0,
        workers: WorkersOpt = 2,
        seed: SeedOpt = 0,
        generate: Annotated[
            str | None, typer.Option("--generate", help="生成实例类型 instance types, e.g. C,D,E")
        ] = None,
        agents: Annotated[str, typer.Option("--agents", help="e.g. 20,40,80")] = "20,40,80",
        items: Annotated[str, typer.Option("--items", help="e.g. 400,900,1600")] = "400,900,1600",
        gen_seed: Annotated[int, typer.Option("--gen-seed", help="generator seed")] = 1,
        out: Annotated[
            Path | None, typer.Option("--out", help="folder for generated files (default: temp)")
        ] = None,
        best_known: Annotated[
            Path | None, typer.Option("--best-known", help="best_known.csv (Path, ..., value)")
        ] = None,
        baselines: Annotated[
            bool, typer.Option("--baselines/--no-baselines", help="plain CP-SAT and HiGHS MIP")
        ] = True,
        deterministic: Annotated[
            bool,
            typer.Option("--deterministic/--wall-clock", help="work budgets instead of the clock"),
        ] = False,
    ) -> None:
        """GAP 基准 (one JSON line per instance; costs, minimised; + CP-SAT / HiGHS baselines)."""
        from gongjian.matching.gap_bench import (
            DEFAULT_BEST_KNOWN,
            bench_files,
            expand_paths,
            generated_files,
            load_best_known,
        )

        files = expand_paths(paths or [])
        for p in files:
            if not p.is_file():
                typer.echo(f"无法读取 GAP 文件 cannot read GAP file {p}", err=True)
                raise typer.Exit(2)
        if generate:
            try:
                kinds = [k.strip().upper() for k in generate.split(",") if k.strip()]
                ms = [int(v) for v in agents.split(",") if v.strip()]
                ns = [int(v) for v in items.split(",") if v.strip()]
                files += generated_files(kinds, ms, ns, gen_seed, out)
            except ValueError as exc:
                raise typer.BadParameter(str(exc)) from None
        if not files:
            raise typer.BadParameter("give GAP files or --generate")
        bk = load_best_known(best_known or DEFAULT_BEST_KNOWN)
        try:
            for line in bench_files(
                files,
                time_limit,
                workers,
                seed,
                best_known=bk,
                baselines=baselines,
                deterministic=deterministic,
            ):
                typer.echo(json.dumps(line))
        except (OSError, UnicodeDecodeError, ValueError, IndexError) as exc:
            typer.echo(f"无法读取 GAP 文件 cannot read GAP file: {exc}", err=True)
            raise typer.Exit(2) from None

    @bench_app.command("district")
    def bench_district_cmd(
        units: Annotated[int, typer.Option("--units")] = 2000,
        needs: Annotated[int, typer.Option("--needs")] = 20000,
        activities: Annotated[int, typer.Option("--activities")] = 800,
        seed: SeedOpt = 1,
        time_limit: TimeLimitOpt = 20.0,
        workers: WorkersOpt = 2,
        baselines: Annotated[bool, typer.Option("--baselines/--no-baselines")] = True,
        source: Annotated[
            str,
            typer.Option(
                "--source",
                help="graph: 合成网络 → 内嵌存储 → 快照 → 编译 (默认); seeds: 合成网络 → 快照 → 编译",
            ),
        ] = "graph",
    ) -> None:
        """城区规模基准 (district-scale benchmark with greedy and plain CP-SAT baselines).

        The production path (:func:`gongjian.matching.bench.bench_district`): the seeds
        generator's network in an embedded store, its snapshot, the production
        compiler, the staged solve; ``--source seeds`` skips the store.
        """
        from gongjian.matching.bench import bench_district

        if source not in ("seeds", "graph"):
            raise typer.BadParameter("--source must be seeds or graph")
        res = bench_district(
            units, needs, activities, seed, time_limit, workers, baselines, source=source
        )
        typer.echo(json.dumps(res, ensure_ascii=False))


def _parse_pairs(values: list[str], option: str) -> list[dict[str, str]]:
    from gongjian.core.errors import InvalidInputError

    pairs = []
    for v in values:
        item, sep, unit = v.rpartition("=")
        if not sep or not item.strip() or not unit.strip():
            raise InvalidInputError(f"{option} 应写成 ITEM=UNIT，例如 n101=u03 (got '{v}')")
        pairs.append({"item": item.strip(), "unit": unit.strip()})
    return pairs


def _plan_run(
    *,
    quarter: str,
    time_limit: float,
    seed: int,
    max_distance: int,
    pins: list[str],
    forbids: list[str],
    previous: str | None,
    publish: bool,
    store: StoreChoice | None,
) -> None:
    """``gongjian plan run``: a plan job like ``POST /plans``, waited for with a spinner.

    The job goes through the service's job runner (:class:`JobManager`): the same
    machine-wide solver lock (a solve of the API or of another ``plan run`` is
    waited for), the same child process and the same job records and states.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from gongjian.core.settings import get_settings
    from gongjian.matching.explain import render_plan
    from gongjian.service.plans.service import job_plan, job_problem, parse_request, publish_job
    from gongjian.service.state import Job, ServiceState

    request = parse_request(
        {
            "quarter": quarter,
            "time_limit": time_limit,
            "seed": seed,
            "max_distance": max_distance,
            "pins": _parse_pairs(pins, "--pin"),
            "forbids": _parse_pairs(forbids, "--forbid"),
            "previous_plan_id": previous,
        }
    )
    state = ServiceState(get_settings().state_db)
    graph = open_selected_store(store)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"读取 {request.quarter} 快照 (reading the snapshot)…")

            def show(job: Job) -> None:
                bar.update(task, description=_progress_text(job, request.time_limit))

            job = run_plan_job(graph, state, request, by="cli", on_update=show)
        console.print(render_plan(job_plan(job), job_problem(state, job.id)), highlight=False)
        console.print(f"计划编号 plan id: [bold]{job.id}[/]", highlight=False)
        if publish:
            report = publish_job(graph, state, job.id)
            console.print(
                f"已发布 published：活动安排 {report.assignments} 项，接单 {report.claims} 件，"
                f"跳过 {len(report.skipped)} 项",
                highlight=False,
            )
            for s in report.skipped:
                console.print(f"  - 跳过 skipped {s.item} → {s.unit}：{s.reason}", highlight=False)
    finally:
        graph.close()
        state.close()


def _progress_text(job: Any, time_limit: float) -> str:
    """The spinner's line for a job's status and progress."""
    progress = job.progress or {}
    stage = progress.get("stage")
    if job.status.value == "queued":
        return "排队等待求解 (queued: another plan is being solved)…"
    if stage in (None, "starting"):
        return "编译 compiling…"
    if stage == "compiled":
        return f"求解 solving（时限 {time_limit:g} 秒）…"
    gap = f"{100 * progress['gap']:.3f}%" if progress.get("gap") is not None else "-"
    return (
        f"求解 solving（{stage} 阶段完成：目标 {progress.get('objective')}"
        f"，上界 {progress.get('bound')}，差距 {gap}）…"
    )


def _community_names(store: StoreChoice | None) -> dict[str, str]:
    """Community names for an export, when the store is there to ask (else ids only)."""
    from gongjian.core.errors import GongjianError
    from gongjian.core.settings import get_settings
    from gongjian.graph.model import Community

    settings = get_settings()
    kind = store.value if store else settings.store_kind()
    if kind == "embedded" and not Path(settings.db).exists():
        return {}  # do not create an empty database just to look up names
    try:
        graph = open_selected_store(store)
    except GongjianError:
        return {}
    try:
        return {c.id: c.name for c in graph.list(Community, limit=None)}
    except GongjianError:
        return {}
    finally:
        graph.close()


def _plan_export(plan_id: str, fmt: str, out: Path | None, store: StoreChoice | None) -> None:
    """``gongjian plan export``: a recorded job's plan as a file."""
    from datetime import datetime

    from gongjian.core.settings import get_settings
    from gongjian.service.plans.exports import PlanDocument, export_plan
    from gongjian.service.plans.naming import plan_version
    from gongjian.service.plans.service import job_plan, job_problem
    from gongjian.service.state import ServiceState

    state = ServiceState(get_settings().state_db)
    try:
        job = state.get_job(plan_id)
        doc = PlanDocument(
            plan=job_plan(job),
            problem=job_problem(state, plan_id),
            job_id=job.id,
            quarter=job.quarter,
            community_names=_community_names(store),
            job_status=job.status.label_zh,
            stamp=datetime.fromisoformat(job.finished_at or job.created_at),
            version=plan_version(state, job.id, job.quarter),
        )
    finally:
        state.close()
    export = export_plan(doc, fmt)
    target = out or Path(export.ascii_filename)
    target.write_bytes(export.content)
    console.print(f"已导出 exported {plan_id} ({fmt}) → {target}", highlight=False)


def _read_json_model(model: type[M], path: Path, what: str) -> M:
    """Read and validate a JSON file; any problem with it is a one-line message and exit 2."""
    from pydantic import ValidationError

    try:
        return model.model_validate_json(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"无法读取{what} (cannot read {path}): {exc}", err=True)
    except ValidationError as exc:
        shown = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        more = f" …（共 {exc.error_count()} 处）" if exc.error_count() > 5 else ""
        typer.echo(f"{what}文件无效 (invalid {path}): {shown}{more}", err=True)
    raise typer.Exit(2)
