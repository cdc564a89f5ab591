"""Helpers shared by the CLI modules: error handling, store selection, output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from gongjian.core.errors import GongjianError
from gongjian.core.procstats import peak_rss_mb
from gongjian.graph import GraphStore, open_store

__all__ = [
    "StoreChoice",
    "console",
    "err_console",
    "handle_errors",
    "open_selected_store",
    "peak_rss_mb",
    "print_json_line",
]

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


class StoreChoice(StrEnum):
    embedded = "embedded"
    neo4j = "neo4j"


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors (and bad files) into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except GongjianError as exc:
            err_console.print(f"[bold red]错误 (error):[/] {exc.message}", highlight=False)
            raise typer.Exit(2) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            err_console.print(f"[bold red]错误 (error):[/] {exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper


def open_selected_store(choice: StoreChoice | None) -> GraphStore:
    """The store named on the command line, else the one the settings name."""
    return open_store(choice.value if choice else None)


def print_json_line(data: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (for benchmarks and scripts)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n")
    sys.stdout.flush()
