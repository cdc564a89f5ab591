"""``gongjian serve`` and ``gongjian users …``."""

from __future__ import annotations

from typing import Annotated

import typer

from gongjian.cli.common import command, console, print_json_line
from gongjian.core.settings import get_settings
from gongjian.service.state import ServiceState, UserRole

__all__ = ["UVICORN_LOOP", "register"]

#: the event loop every way of serving the app uses (serve, demo --serve, tests, bench)
UVICORN_LOOP = "asyncio"


def register(app: typer.Typer, *, users_app: typer.Typer) -> None:
    @command(app, "serve")
    def serve(
        host: Annotated[str, typer.Option(help="监听地址 Host")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="端口 Port", min=1, max=65535)] = 8000,
        workers: Annotated[int, typer.Option(help="进程数 Worker processes", min=1, max=16)] = 1,
        log_level: Annotated[str, typer.Option(help="日志级别 Log level")] = "info",
    ) -> None:
        """启动服务 Run the API (uvicorn); OpenAPI at /docs."""
        import uvicorn

        settings = get_settings()
        console.print(
            f"共建 gongjian 控制台 console http://{host}:{port}/  ·  接口文档 API http://{host}:{port}/docs"
            f"  ·  存储 store: {settings.store_kind()}",
            highlight=False,
        )
        uvicorn.run(
            "gongjian.service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            # the standard asyncio loop: under saturation uvloop served some connections
            # hundreds of ms late (p99 194 ms against 49 ms at the same throughput,
            # bench/api_results.md)
            loop=UVICORN_LOOP,
            http="auto",
        )

    @command(users_app, "add")
    def users_add(
        role: Annotated[UserRole, typer.Option(help="角色 committee|unit|community|viewer|city")],
        name: Annotated[str, typer.Option(help="姓名或岗位 Name")] = "",
        unit: Annotated[str | None, typer.Option(help="单位编号 (role unit)")] = None,
        community: Annotated[str | None, typer.Option(help="社区编号 (role community)")] = None,
        subdistrict: Annotated[
            str | None, typer.Option(help="所属街道代码，缺省为配置的街道 (sub-district code)")
        ] = None,
        json_out: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    ) -> None:
        """新建用户并打印令牌（只显示一次）Add a user and print its token once."""
        state = ServiceState(get_settings().state_db)
        try:
            user, token = state.add_user(
                name, role, unit_id=unit, community_id=community, subdistrict=subdistrict
            )
        finally:
            state.close()
        if json_out:
            print_json_line({"user": user.model_dump(mode="json"), "token": token})
            return
        scope = " ".join(filter(None, (user.subdistrict, user.unit_id or user.community_id)))
        scope = scope or "全部"
        console.print(
            f"已创建用户 {user.id}（{user.role.label_zh}，范围 {scope}）。令牌只显示这一次，请妥善保存：",
            highlight=False,
        )
        typer.echo(token)

    @command(users_app, "list")
    def users_list() -> None:
        """列出用户 List users (never their tokens)."""
        state = ServiceState(get_settings().state_db)
        try:
            for user in state.users():
                print_json_line(user.model_dump(mode="json"))
        finally:
            state.close()
