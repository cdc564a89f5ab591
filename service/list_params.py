"""Query parameters every list route shares: the filters of a label and the keyword ``q``.

The registry's generic list routes (:func:`gongjian.service.registry.views.register_crud`)
and the work-order list (:mod:`gongjian.service.needs.listing`) read them the same way,
so ``GET /units?q=…`` and ``GET /needs?q=…`` mean the same thing.
"""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, get_args

from fastapi import Query

from gongjian.graph.listing import MAX_KEYWORD
from gongjian.graph.model import Entity
from gongjian.graph.store import LIST_FILTERS

__all__ = ["Keyword", "filters_dependency"]

#: the keyword of a list: a substring of the id or the name (title), any case
Keyword = Annotated[
    str | None,
    Query(max_length=MAX_KEYWORD, description="关键词：编号或名称包含 (id or name contains)"),
]


def _filter_annotation(kind: type[Entity], field: str) -> Any:
    annotation = kind.model_fields[field].annotation
    if annotation is bool:
        return bool | None
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg | None
    return Annotated[str | None, Query(max_length=64)]


def filters_dependency(kind: type[Entity]) -> Callable[..., dict[str, Any]]:
    """A dependency whose query parameters are the list filters of ``kind``."""
    fields = sorted(LIST_FILTERS[kind.LABEL])

    async def dependency(**kwargs: Any) -> dict[str, Any]:
        return {k: getattr(v, "value", v) for k, v in kwargs.items() if v is not None}

    dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                f,
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=_filter_annotation(kind, f),
            )
            for f in fields
        ]
    )
    return dependency
