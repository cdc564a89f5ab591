"""``gongjian notify run``: the notification delivery worker on its own.

The service runs the same worker in each of its processes
(``GONGJIAN_NOTIFY_WORKER=false`` turns that off, e.g. to run this one beside it);
leases on the outbox rows keep several workers from sending one row at once.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Annotated

import typer

from gongjian.cli.common import command, console, print_json_line
from gongjian.core.settings import get_settings
from gongjian.graph import open_store

__all__ = ["register"]


def register(notify_app: typer.Typer) -> None:
    @command(notify_app, "run")
    def run(
        once: Annotated[
            bool, typer.Option("--once", help="处理一轮后退出 One pass (plus a scan), then exit")
        ] = False,
    ) -> None:
        """投递通知 Deliver the outbox: robots (WeCom, DingTalk, Feishu) and e-mail."""
        from gongjian.service.notifications.worker import NotificationWorker
        from gongjian.service.state import ServiceState

        settings = get_settings()
        store = open_store(settings=settings)
        channels = ServiceState(settings.state_db)
        worker = NotificationWorker(store, channels, settings)
        try:
            if once:
                worker.scan()
                while worker.run_once():
                    pass
            else:
                console.print("通知投递中 delivering notifications (Ctrl-C to stop)")
                signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
                with contextlib.suppress(KeyboardInterrupt):
                    worker.run_forever()
        finally:
            worker.stop(timeout=0)
            channels.close()
            store.close()
        s = worker.stats
        print_json_line(
            {"sent": s.sent, "retried": s.retried, "dead": s.dead, "deliveries": s.expanded}
        )
