"""Request and response models of the registry's own routes (declared resources, adjacency)."""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from typing import Annotated

from pydantic import BaseModel, Field

from gongjian.graph.model import ID_PATTERN, QUARTER_PATTERN, Integer, NodeId, Resource

__all__ = ["Adjacent", "DeclaredResources", "ResourceIn"]


class ResourceIn(BaseModel):
    """One declared resource; ``unit_id`` defaults to the unit in the path."""

    # checked row by row as a Resource (every row's errors in one answer): documented here
    id: str = Field(max_length=64, json_schema_extra={"pattern": ID_PATTERN})
    kind: str
    name: str
    capacity: Integer = Field(
        description="每季度可提供的次数 uses per quarter (one need or one activity role = 1 次)"
    )
    quarters: list[Annotated[str, Field(json_schema_extra={"pattern": QUARTER_PATTERN})]] = Field(
        default_factory=list, max_length=40
    )
    weekdays: list[Integer] = Field(default_factory=list, max_length=7)
    unit_id: str | None = Field(
        default=None, max_length=64, json_schema_extra={"pattern": ID_PATTERN}
    )


class DeclaredResources(BaseModel):
    unit_id: str
    etag: str
    items: list[Resource]


class Adjacent(BaseModel):
    a: NodeId
    b: NodeId
