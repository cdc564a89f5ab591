"""Pausing Python's cyclic garbage collector around work that builds many small objects.

Compiling a district (200 000 candidates), reading its snapshot or generating one makes
millions of small objects that live on; the collector would scan the growing heap again
and again meanwhile (half of compiling's time at district size). Reference counting
still frees what is dropped; only cycles wait for the collector's next run.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "gc_paused_call"]

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def _paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate ``fn`` to run with the cyclic collector off (as it was again after)."""

    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        with _paused():
            return fn(*args, **kwargs)

    return paused


def gc_paused_call(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` with the cyclic collector off."""
    with _paused():
        return fn(*args, **kwargs)
