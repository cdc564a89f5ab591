"""The ``gongjian`` command line (typer).

Sub-commands are registered from modules beside this one so that each part of
the project owns its own commands:

* :mod:`gongjian.cli.graph` — ``seed``, ``stats``, ``bench load``, ``bench xingcheng``
* :mod:`gongjian.cli.demo` — ``demo``
* :mod:`gongjian.cli.plan` — ``plan …``, ``bench gap``, ``bench district``
* :mod:`gongjian.cli.service` — ``serve``, ``users add|list``
* :mod:`gongjian.cli.imports` — ``import needs``
* :mod:`gongjian.cli.bench_api` — ``bench api``
* :mod:`gongjian.cli.city` — ``plan city``, ``bench city`` (Ray)
* :mod:`gongjian.cli.suitability` — ``suitability show|export|import``
* :mod:`gongjian.cli.notify` — ``notify run``
"""

from __future__ import annotations

import typer

from gongjian.cli import bench_api, city, demo, graph, imports, notify, plan, service, suitability

app = typer.Typer(
    help="共建 gongjian — 驻区单位共建网络与季度计划 (joint-building network and planner)",
    no_args_is_help=True,
    add_completion=False,
)
seed_app = typer.Typer(help="载入示例数据 Load seed networks.", no_args_is_help=True)
plan_app = typer.Typer(help="季度计划 Quarterly planner.", no_args_is_help=True)
bench_app = typer.Typer(help="性能基准 Benchmarks (print JSON lines).", no_args_is_help=True)
app.add_typer(seed_app, name="seed")
app.add_typer(plan_app, name="plan")
users_app = typer.Typer(help="用户与令牌 Users and tokens.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(users_app, name="users")
import_app = typer.Typer(help="导入 Import work orders from Excel / CSV.", no_args_is_help=True)
app.add_typer(import_app, name="import")
notify_app = typer.Typer(help="通知 Notifications (outbox delivery).", no_args_is_help=True)
app.add_typer(notify_app, name="notify")

graph.register(app, seed_app=seed_app, bench_app=bench_app)
demo.register(app)
plan.register(plan_app=plan_app, bench_app=bench_app)
service.register(app, users_app=users_app)
imports.register(import_app)
bench_api.register(bench_app)
city.register(plan_app=plan_app, bench_app=bench_app)
suitability.register(app)
notify.register(notify_app)


def main() -> None:
    """Entry point of the ``gongjian`` console script."""
    app()


if __name__ == "__main__":
    main()
