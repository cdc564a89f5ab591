"""``gongjian bench api`` (placeholder: being written)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(bench_app: typer.Typer) -> None:
    """Add ``bench api`` to ``bench_app``."""
