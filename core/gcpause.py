"""Pausing Python's cyclic garbage collector around work that builds many small objects.

Compiling a district (200 000 candidates), reading its snapshot or generating one makes
millions of small objects that live on; the collector would scan the growing heap again
and again meanwhile (half of compiling's time at district size). Reference counting
still frees what is dropped; only cycles wait for the collector's next run.

``gc_paused()`` is a context manager and, like every ``contextmanager``, a decorator:
``with gc_paused(): ...`` or ``@gc_paused()``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic collector off inside, as it was again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
