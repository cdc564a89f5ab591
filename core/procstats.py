"""Figures about this process that benchmarks print."""

from __future__ import annotations

import resource

__all__ = ["peak_rss_mb"]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
