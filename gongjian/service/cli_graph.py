"""CLI commands of the graph: ``seed load``, ``stats``, ``demo``, ``bench load``."""

from __future__ import annotations

import typer


def register(app: typer.Typer, *, seed_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach the graph commands to the app and its sub-apps."""
