"""Compatibility: removed after the merge. Use :mod:`gongjian.matching.grouped`."""

from gongjian.matching.grouped import CActivity, CItem, Compiled, NeedClass, compile_problem

__all__ = ["CActivity", "CItem", "Compiled", "NeedClass", "compile_problem"]
