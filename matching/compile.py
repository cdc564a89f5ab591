"""Compatibility: removed after the merge. Use :mod:`gongjian.matching.from_graph`."""

from gongjian.matching.from_graph import FitRules, compile_snapshot

__all__ = ["FitRules", "compile_snapshot"]
