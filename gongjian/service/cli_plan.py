"""CLI commands of the planner: ``plan schema|example|solve|explain``, ``bench gap|district``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import BaseModel

if TYPE_CHECKING:
    from gongjian.matching.problem import Problem

M = TypeVar("M", bound=BaseModel)


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
        from gongjian.matching.synthetic import example_problem

        out.write_text(example_problem().model_dump_json(indent=2), encoding="utf-8")
        typer.echo(f"wrote {out}")

    @plan_app.command("solve")
    def solve_cmd(
        problem: Annotated[Path, typer.Argument(help="problem.json")],
        time_limit: Annotated[
            float, typer.Option("--time-limit", help="seconds", min=0.1, max=86400)
        ] = 10.0,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 2,
        seed: Annotated[int, typer.Option("--seed")] = 0,
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

    @bench_app.command("gap")
    def bench_gap(
        paths: Annotated[list[Path], typer.Argument(help="OR-Library GAP files")],
        time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, max=86400)] = 10.0,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 2,
        seed: Annotated[int, typer.Option("--seed")] = 0,
    ) -> None:
        """OR-Library GAP 基准 (one JSON line per instance; costs, minimised)."""
        from gongjian.matching.bench import bench_gap_file

        for p in paths:
            try:
                line = bench_gap_file(p, time_limit, workers, seed)
            except (OSError, UnicodeDecodeError, ValueError, IndexError) as exc:
                typer.echo(f"无法读取 GAP 文件 cannot read GAP file {p}: {exc}", err=True)
                raise typer.Exit(2) from None
            typer.echo(json.dumps(line))

    @bench_app.command("district")
    def bench_district_cmd(
        units: Annotated[int, typer.Option("--units")] = 2000,
        needs: Annotated[int, typer.Option("--needs")] = 20000,
        activities: Annotated[int, typer.Option("--activities")] = 800,
        seed: Annotated[int, typer.Option("--seed")] = 1,
        time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, max=86400)] = 20.0,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 2,
        baselines: Annotated[bool, typer.Option("--baselines/--no-baselines")] = True,
        source: Annotated[
            str,
            typer.Option(
                "--source",
                help="problem: 直接生成规划问题; graph: 合成共建网络 → 内嵌存储 → 快照 → 编译",
            ),
        ] = "problem",
    ) -> None:
        """城区规模基准 (district-scale benchmark with greedy and plain CP-SAT baselines)."""
        from gongjian.matching.bench import bench_district

        if source not in ("problem", "graph"):
            raise typer.BadParameter("--source must be problem or graph")
        problem = _graph_problem(units, needs, activities, seed) if source == "graph" else None
        res = bench_district(
            units, needs, activities, seed, time_limit, workers, baselines, problem=problem
        )
        res["source"] = source
        typer.echo(json.dumps(res, ensure_ascii=False))


def _graph_problem(units: int, needs: int, activities: int, seed: int) -> Problem:
    """The real pipeline: synthetic network → embedded store → snapshot → compiler."""
    import tempfile

    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.matching.compile import compile_snapshot
    from gongjian.seeds.network import load_network
    from gongjian.seeds.synthetic import generate

    quarter = "2026Q4"
    network = generate(units=units, needs=needs, activities=activities, seed=seed, quarter=quarter)
    with tempfile.TemporaryDirectory(prefix="gongjian-district-") as tmp:
        store = EmbeddedStore(Path(tmp) / "district.sqlite")
        try:
            store.migrate()
            load_network(store, network)
            snapshot = store.snapshot(quarter)
        finally:
            store.close()
    return compile_snapshot(
        snapshot, name=f"graph-district-{units}u-{needs}n-{activities}a-s{seed}"
    )


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
