"""CLI commands of the graph: ``seed load``, ``stats``, ``demo``, ``bench load``."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gongjian.cli.common import (
    StoreChoice,
    console,
    handle_errors,
    open_selected_store,
    peak_rss_mb,
    print_json_line,
)
from gongjian.core.errors import InvalidInputError
from gongjian.graph import GraphStore
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import ENTITY_TYPES, Need, NeedStatus, Resource, Unit
from gongjian.graph.store import REL_TYPES
from gongjian.seeds.network import SeedNetwork, load_network

__all__ = ["load_with_progress", "print_summary", "register"]

StoreOpt = Annotated[
    StoreChoice | None,
    typer.Option("--store", help="embedded (默认, SQLite) 或 neo4j (需 GONGJIAN_NEO4J_URI)"),
]


class SeedName(StrEnum):
    xingcheng = "xingcheng"
    synthetic = "synthetic"


def _network(name: SeedName, units: int, needs: int, activities: int, seed: int) -> SeedNetwork:
    if name == SeedName.xingcheng:
        from gongjian.seeds.xingcheng import load_xingcheng

        return load_xingcheng()
    if not (1 <= units <= 20_000 and 0 <= needs <= 200_000 and 0 <= activities <= 10_000):
        raise InvalidInputError(
            "规模超出范围 (size out of range): units 1–20000, needs 0–200000, activities 0–10000"
        )
    from gongjian.seeds.synthetic import generate

    return generate(units=units, needs=needs, activities=activities, seed=seed)


def load_with_progress(
    store: GraphStore, network: SeedNetwork, *, show: bool = True
) -> dict[str, int]:
    """Write a seed network into a store with a progress bar on stderr."""
    total = len(network.entities)
    with Progress(
        TextColumn("[bold]载入 loading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show,
    ) as bar:
        task = bar.add_task("load", total=total)
        return load_network(store, network, progress=lambda n: bar.update(task, completed=n))


def _label_table(stats: dict[str, int]) -> Table:
    table = Table(title="图中数量 Counts per label / relationship type")
    table.add_column("类型 type")
    table.add_column("中文")
    table.add_column("数量 count", justify="right")
    for t in ENTITY_TYPES:
        table.add_row(t.LABEL, t.LABEL_ZH, str(stats.get(t.LABEL, 0)))
    for rel in REL_TYPES:
        table.add_row(rel, "关系", str(stats.get(rel, 0)))
    return table


def print_summary(store: GraphStore, quarter: str | None = None) -> None:
    """A Chinese summary: communities, units by type, resources by kind, open needs by category."""
    stats = store.stats()
    units = store.list(Unit, limit=None)
    resources = store.list(Resource, limit=None)
    open_needs = store.list(Need, filters={"status": NeedStatus.open}, limit=None)
    console.print(
        f"[bold]共建网络概况[/]：社区 {stats['Community']} 个，网格 {stats['Grid']} 个，"
        f"驻区单位 {stats['Unit']} 家，资源 {stats['Resource']} 项，交办单 {stats['Need']} 件，"
        f"五联活动 {stats['Activity']} 场，在职党员 {stats['PartyMember']} 名，"
        f"结对 {stats['PAIRED_WITH']} 对。"
    )
    by_type = Counter(u.type for u in units)
    t1 = Table(title="驻区单位（按类型）Units by type")
    t1.add_column("类型")
    t1.add_column("数量", justify="right")
    for kind, n in by_type.most_common():
        t1.add_row(f"{kind.label_zh} ({kind.value})", str(n))
    by_kind = Counter(r.kind for r in resources)
    cap = Counter()
    for r in resources:
        cap[r.kind] += r.capacity
    t2 = Table(title="资源（按类别）Resources by kind")
    t2.add_column("类别")
    t2.add_column("项数", justify="right")
    t2.add_column("季度容量", justify="right")
    for kind, n in by_kind.most_common():
        t2.add_row(f"{kind.label_zh} ({kind.value})", str(n), str(cap[kind]))
    by_cat = Counter(n.category for n in open_needs)
    t3 = Table(title="待认领交办单（按类别）Open needs by category")
    t3.add_column("类别")
    t3.add_column("件数", justify="right")
    for kind, n in by_cat.most_common():
        t3.add_row(f"{kind.label_zh} ({kind.value})", str(n))
    console.print(t1, t2, t3)


def register(app: typer.Typer, *, seed_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach the graph commands to the app and its sub-apps."""

    @seed_app.command("load")
    @handle_errors
    def seed_load(
        name: Annotated[SeedName, typer.Argument(help="xingcheng (星城示例) 或 synthetic (合成)")],
        store: StoreOpt = None,
        units: Annotated[int, typer.Option(help="合成：单位数")] = 200,
        needs: Annotated[int, typer.Option(help="合成：交办单数")] = 2000,
        activities: Annotated[int, typer.Option(help="合成：活动数")] = 80,
        seed: Annotated[int, typer.Option(help="合成：随机种子")] = 1,
        replace: Annotated[
            bool, typer.Option("--replace", help="先清空存储 (clear the store first)")
        ] = False,
    ) -> None:
        """载入示例网络 Load the Xingcheng demo or a synthetic network (idempotent)."""
        network = _network(name, units, needs, activities, seed)
        graph = open_selected_store(store)
        try:
            if replace:
                graph.clear()
            load_with_progress(graph, network)
            console.print(_label_table(graph.stats()))
        finally:
            graph.close()

    @app.command("stats")
    @handle_errors
    def stats(store: StoreOpt = None) -> None:
        """各类节点与关系的数量 Counts per label and relationship type."""
        graph = open_selected_store(store)
        try:
            console.print(_label_table(graph.stats()))
        finally:
            graph.close()

    @app.command("demo")
    @handle_errors
    def demo(
        db: Annotated[
            Path, typer.Option(help="演示用 SQLite 文件（每次重建）demo database, rebuilt each run")
        ] = Path("gongjian-demo.sqlite"),
        serve: Annotated[
            bool,
            typer.Option(
                "--serve/--no-serve",
                help="之后启动网页控制台（Ctrl-C 结束）then serve the web console on the demo data",
            ),
        ] = False,
        host: Annotated[str, typer.Option(help="控制台监听地址 console host")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="控制台端口 console port", min=1, max=65535)] = 8000,
    ) -> None:
        """演示：载入星城示例、打印概况、规划下一季度并写出计划表 (no server needed)."""
        from gongjian.seeds.xingcheng import load_xingcheng

        graph = EmbeddedStore(db)
        try:
            graph.migrate()
            graph.clear()
            load_with_progress(graph, load_xingcheng())
            console.print(f"已载入星城街道示例网络 → {db}")
            print_summary(graph)
            _demo_plan(graph, db.with_name("gongjian-demo-plan.json"))
        finally:
            graph.close()
        if serve:
            _demo_serve(db, host, port)

    @bench_app.command("xingcheng")
    @handle_errors
    def bench_xingcheng(
        time_limit: Annotated[float, typer.Option(min=0.1, max=3600)] = 10.0, seed: int = 1
    ) -> None:
        """星城示例季度规划基准 Plan the Xingcheng demo quarter; print one JSON line."""
        print_json_line(_bench_xingcheng(time_limit, seed))

    @bench_app.command("load")
    @handle_errors
    def bench_load(
        store: Annotated[StoreChoice, typer.Option("--store")] = StoreChoice.embedded,
        units: int = 2000,
        needs: int = 20000,
        activities: int = 800,
        seed: int = 1,
        clear: Annotated[
            bool, typer.Option("--clear", help="neo4j：允许清空目标库 (allow clearing the target)")
        ] = False,
    ) -> None:
        """载入速度基准 Load a synthetic network; print one JSON line."""
        network = _network(SeedName.synthetic, units, needs, activities, seed)
        with tempfile.TemporaryDirectory(prefix="gongjian-bench-") as tmp:
            if store == StoreChoice.embedded:
                graph: GraphStore = EmbeddedStore(Path(tmp) / "bench.sqlite")
                graph.migrate()
            else:
                graph = open_selected_store(store)
                if sum(graph.stats().values()) and not clear:
                    graph.close()
                    raise InvalidInputError(
                        "目标 Neo4j 非空；加 --clear 以清空后测试 (target not empty: pass --clear)"
                    )
                graph.clear()
            try:
                started = time.perf_counter()
                load_with_progress(graph, network, show=False)
                seconds = time.perf_counter() - started
                stats = graph.stats()
            finally:
                graph.close()
        nodes = sum(stats[t.LABEL] for t in ENTITY_TYPES)
        rels = sum(stats[r] for r in REL_TYPES)
        print_json_line(
            {
                "bench": "load",
                "store": store.value,
                "units": units,
                "needs": needs,
                "activities": activities,
                "nodes": nodes,
                "relationships": rels,
                "seconds": round(seconds, 3),
                "relationships_per_second": round(rels / seconds),
                "nodes_per_second": round(nodes / seconds),
                "peak_rss_mb": peak_rss_mb(),
            }
        )


DEMO_QUARTER = "2026Q4"


def _bench_xingcheng(time_limit: float, seed: int) -> dict[str, object]:
    """Solve the Xingcheng demo quarter from a fresh embedded store; the figures as a dict."""
    from gongjian.graph.model import quarter_dates
    from gongjian.matching.bench import plan_figures
    from gongjian.matching.from_graph import compile_snapshot, planning_snapshot
    from gongjian.matching.solver import solve
    from gongjian.seeds.xingcheng import load_xingcheng

    with tempfile.TemporaryDirectory(prefix="gongjian-xc-") as tmp:
        graph = EmbeddedStore(Path(tmp) / "xingcheng.sqlite")
        try:
            graph.migrate()
            load_with_progress(graph, load_xingcheng(), show=False)
            # a benchmark plans on a fixed day (the quarter's first), not on the clock
            problem = compile_snapshot(
                planning_snapshot(graph, DEMO_QUARTER), today=quarter_dates(DEMO_QUARTER)[0]
            )
        finally:
            graph.close()
    plan = solve(problem, time_limit=time_limit, workers=2, seed=seed)
    return {
        "bench": "xingcheng",
        "quarter": DEMO_QUARTER,
        "units": len(problem.units),
        "needs": len(problem.needs),
        "activities": len(problem.activities),
        **plan_figures(plan),
        "peak_rss_mb": peak_rss_mb(),
    }


def _demo_plan(graph: GraphStore, out: Path) -> None:
    """Plan the demo's next quarter on the graph, print it in Chinese, write JSON and xlsx."""
    from gongjian.matching.explain import render_plan
    from gongjian.matching.from_graph import compile_snapshot, planning_snapshot
    from gongjian.matching.solver import solve

    problem = compile_snapshot(planning_snapshot(graph, DEMO_QUARTER))
    plan = solve(problem, time_limit=10.0, workers=2, seed=1)
    console.rule(f"[bold]{DEMO_QUARTER} 季度共建计划 (quarterly plan)")
    console.print(render_plan(plan, problem), highlight=False)
    out.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    console.print(f"计划已写入 plan written to {out}")
    from gongjian.graph.model import Community
    from gongjian.service.plans.exports import PlanDocument, plan_xlsx

    xlsx = out.with_name("gongjian-demo-plan.xlsx")
    doc = PlanDocument(
        plan=plan,
        problem=problem,
        job_id="demo",
        quarter=DEMO_QUARTER,
        community_names={c.id: c.name for c in graph.list(Community, limit=None)},
    )
    xlsx.write_bytes(plan_xlsx(doc))
    console.print(f"计划表已写入 plan workbook written to {xlsx}")


#: who signs in to the demo console: (role, name, unit, community)
DEMO_USERS = [
    ("committee", "街道共建办（演示）", None, None),
    ("unit", "星城中学联络员（演示）", "u01", None),
    ("unit", "星城小学联络员（演示）", "u02", None),
    ("community", "第一社区工作人员（演示）", None, "c01"),
    ("viewer", "街道领导（只读演示）", None, None),
]


def _demo_serve(db: Path, host: str, port: int) -> None:
    """Serve the console on the demo store with a fresh set of demo tokens (one per role)."""
    import os

    import uvicorn

    from gongjian.service.state import Role, ServiceState

    state_db = db.with_name("gongjian-demo-service.sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state_db}{suffix}").unlink(missing_ok=True)
    state = ServiceState(state_db)
    try:
        tokens = []
        for role, name, unit, community in DEMO_USERS:
            user, token = state.add_user(name, role, unit_id=unit, community_id=community)
            tokens.append((user, token))
    finally:
        state.close()
    os.environ.update(
        GONGJIAN_STORE="embedded", GONGJIAN_DB=str(db), GONGJIAN_STATE_DB=str(state_db)
    )
    url = f"http://{host}:{port}/"
    console.rule("[bold]网页控制台 Web console")
    console.print(f"打开 open  {url}  （接口文档 API docs: {url}docs）", highlight=False)
    console.print(
        "用下面任一令牌登录 sign in with one of these tokens (demo only):", highlight=False
    )
    for user, token in tokens:
        scope = user.unit_id or user.community_id or ""
        console.print(
            f"  {Role(user.role).label_zh:<6} {scope:<4} {token}", highlight=False, soft_wrap=True
        )
    console.print("按 Ctrl-C 结束 (press Ctrl-C to stop)", highlight=False)
    from gongjian.cli.service import UVICORN_LOOP

    uvicorn.run(
        "gongjian.service.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="warning",
        loop=UVICORN_LOOP,
    )
