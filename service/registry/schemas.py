"""Request and response models of the registry's own routes (declared resources, adjacency)."""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from pydantic import BaseModel, Field

from gongjian.graph.model import Resource

__all__ = ["Adjacent", "DeclaredResources", "ResourceIn"]


class ResourceIn(BaseModel):
    """One declared resource; ``unit_id`` defaults to the unit in the path."""

    id: str = Field(max_length=64)
    kind: str
    name: str
    capacity: int
    quarters: list[str] = Field(default_factory=list, max_length=40)
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    unit_id: str | None = Field(default=None, max_length=64)


class DeclaredResources(BaseModel):
    unit_id: str
    etag: str
    items: list[Resource]


class Adjacent(BaseModel):
    a: str = Field(max_length=64)
    b: str = Field(max_length=64)
