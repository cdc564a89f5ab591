"""``gongjian demo``: the 星城 demo in one command — load, summarise, plan, optionally serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gongjian.cli.common import command, console, run_plan_job
from gongjian.cli.graph import DEMO_QUARTER, load_with_progress, print_summary
from gongjian.graph import GraphStore
from gongjian.graph.embedded import EmbeddedStore

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @command(app, "demo")
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
        state_db = db.with_name("gongjian-demo-service.sqlite")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{state_db}{suffix}").unlink(missing_ok=True)
        try:
            graph.migrate()
            graph.clear()
            load_with_progress(graph, load_xingcheng())
            console.print(f"已载入星城街道示例网络 → {db}")
            print_summary(graph)
            _demo_plan(graph, state_db, db.with_name("gongjian-demo-plan.json"))
        finally:
            graph.close()
        if serve:
            _demo_serve(db, state_db, host, port)


def _demo_plan(graph: GraphStore, state_db: Path, out: Path) -> None:
    """Plan the demo's next quarter as a plan job (the one the console then lists), print
    it in Chinese, write JSON and xlsx."""
    from gongjian.graph.model import Community
    from gongjian.matching.explain import render_plan
    from gongjian.service.plans.exports import PlanDocument, plan_xlsx
    from gongjian.service.plans.service import job_plan, job_problem, parse_request
    from gongjian.service.state import ServiceState

    state = ServiceState(state_db)
    try:
        request = parse_request({"quarter": DEMO_QUARTER, "time_limit": 10, "seed": 1})
        job = run_plan_job(graph, state, request, by="demo")
        job_id = job.id
        plan, problem = job_plan(job), job_problem(state, job_id)
    finally:
        state.close()
    console.rule(f"[bold]{DEMO_QUARTER} 季度共建计划 (quarterly plan)")
    console.print(render_plan(plan, problem), highlight=False)
    console.print(f"计划编号 plan id: {job_id}（控制台“共建计划”页可查看 shown in the console）")
    out.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    console.print(f"计划已写入 plan written to {out}")
    xlsx = out.with_name("gongjian-demo-plan.xlsx")
    doc = PlanDocument(
        plan=plan,
        problem=problem,
        job_id=job_id,
        quarter=DEMO_QUARTER,
        community_names={c.id: c.name for c in graph.list(Community, limit=None)},
    )
    xlsx.write_bytes(plan_xlsx(doc))
    console.print(f"计划表已写入 plan workbook written to {xlsx}")


#: who signs in to the demo console: (role, name, unit, community, user name)
DEMO_USERS = [
    ("committee", "街道共建办（演示）", None, None, "demo-committee"),
    ("unit", "星城中学联络员（演示）", "u01", None, "demo-u01"),
    ("unit", "星城小学联络员（演示）", "u02", None, "demo-u02"),
    ("community", "第一社区工作人员（演示）", None, "c01", "demo-c01"),
    ("viewer", "街道领导（只读演示）", None, None, "demo-viewer"),
]
#: the demo accounts' password (printed; the demo's data is public anyway)
DEMO_PASSWORD = "xingcheng-2026"


def _demo_serve(db: Path, state_db: Path, host: str, port: int) -> None:
    """Serve the console on the demo store and its plan, with demo tokens (one per role)."""
    import os

    import uvicorn

    from gongjian.service.auth.passwords import set_login
    from gongjian.service.state import ServiceState, UserRole

    state = ServiceState(state_db)
    try:
        tokens = []
        for role, name, unit, community, login in DEMO_USERS:
            user, token = state.add_user(name, role, unit_id=unit, community_id=community)
            set_login(state, user_id=user.id, username=login, password=DEMO_PASSWORD)
            tokens.append((user, token, login))
    finally:
        state.close()
    os.environ.update(
        GONGJIAN_STORE="embedded", GONGJIAN_DB=str(db), GONGJIAN_STATE_DB=str(state_db)
    )
    url = f"http://{host}:{port}/"
    console.rule("[bold]网页控制台 Web console")
    console.print(f"打开 open  {url}  （接口文档 API docs: {url}docs）", highlight=False)
    console.print(
        f"用下面的用户名登录，密码都是 {DEMO_PASSWORD}；API 客户端用令牌"
        f" (sign in with a user name, password {DEMO_PASSWORD}; API clients use the tokens;"
        " demo only):",
        highlight=False,
    )
    for user, token, login in tokens:
        scope = user.unit_id or user.community_id or ""
        console.print(
            f"  {UserRole(user.role).label_zh:<6} {scope:<4} {login:<15} {token}",
            highlight=False,
            soft_wrap=True,
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
