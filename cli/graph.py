"""CLI commands of the graph: ``seed load``, ``stats``, ``bench load``, ``bench xingcheng``."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from gongjian.cli.common import (
    StoreChoice,
    StoreOpt,
    command,
    console,
    open_selected_store,
    peak_rss_mb,
    print_json_line,
    progress_bar,
)
from gongjian.core.errors import InvalidInputError
from gongjian.graph import GraphStore
from gongjian.graph.embedded import EmbeddedStore
from gongjian.graph.model import ENTITY_TYPES, Need, NeedStatus, Resource, ResourceKind, Unit
from gongjian.graph.store import REL_TYPES
from gongjian.seeds.network import SeedNetwork, load_network

__all__ = ["DEMO_QUARTER", "load_with_progress", "print_summary", "register"]


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
    with progress_bar("[bold]载入 loading", show=show) as bar:
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


def _count_table(title: str, columns: list[str], rows: list[tuple[Any, list[int]]]) -> Table:
    """A table of counts: first column a vocabulary value (Chinese label and code)."""
    table = Table(title=title)
    table.add_column(columns[0])
    for column in columns[1:]:
        table.add_column(column, justify="right")
    for kind, counts in rows:
        table.add_row(f"{kind.label_zh} ({kind.value})", *(str(n) for n in counts))
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
    by_kind = Counter(r.kind for r in resources)
    cap: Counter[ResourceKind] = Counter()
    for r in resources:
        cap[r.kind] += r.capacity
    by_cat = Counter(n.category for n in open_needs)
    t1 = _count_table(
        "驻区单位（按类型）Units by type",
        ["类型", "数量"],
        [(k, [n]) for k, n in by_type.most_common()],
    )
    t2 = _count_table(
        "资源（按类别）Resources by kind",
        ["类别", "项数", "季度容量"],
        [(k, [n, cap[k]]) for k, n in by_kind.most_common()],
    )
    t3 = _count_table(
        "待认领交办单（按类别）Open needs by category",
        ["类别", "件数"],
        [(k, [n]) for k, n in by_cat.most_common()],
    )
    console.print(t1, t2, t3)


def register(app: typer.Typer, *, seed_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach the graph commands to the app and its sub-apps."""

    @command(seed_app, "load")
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

    @command(app, "stats")
    def stats(store: StoreOpt = None) -> None:
        """各类节点与关系的数量 Counts per label and relationship type."""
        graph = open_selected_store(store)
        try:
            console.print(_label_table(graph.stats()))
        finally:
            graph.close()

    @command(bench_app, "xingcheng")
    def bench_xingcheng(
        time_limit: Annotated[float, typer.Option(min=0.1, max=3600)] = 10.0, seed: int = 1
    ) -> None:
        """星城示例季度规划基准 Plan the Xingcheng demo quarter; print one JSON line."""
        print_json_line(_bench_xingcheng(time_limit, seed))

    @command(bench_app, "load")
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
