"""``gongjian import needs FILE`` (placeholder: being written)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(import_app: typer.Typer) -> None:
    """Add the import commands to ``import_app``."""
