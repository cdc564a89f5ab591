"""Every docstring example in the shipped packages runs (numpy-style examples, as networkx).

The packages are mapped from top-level folders into the ``gongjian`` namespace, so
pytest's ``--doctest-modules`` would import them under the wrong names (``graph.model``);
this walks them by their real import names instead.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["core", "graph", "matching", "seeds", "service", "cli"]


def _modules() -> list[str]:
    names: list[str] = []
    for pkg in PACKAGES:
        mod = importlib.import_module(f"gongjian.{pkg}")
        names.append(mod.__name__)
        for info in pkgutil.walk_packages(mod.__path__, prefix=f"gongjian.{pkg}."):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def test_every_package_is_walked() -> None:
    assert "gongjian.graph.model" in MODULES
    assert "gongjian.service.needs.views" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
