"""CLI commands of the planner: ``plan schema|solve|explain``, ``bench gap|district``."""

from __future__ import annotations

import typer


def register(*, plan_app: typer.Typer, bench_app: typer.Typer) -> None:
    """Attach the planner commands to the sub-apps."""
