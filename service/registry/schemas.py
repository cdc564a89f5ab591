"""Request and response models of the registry's own routes (declared resources, adjacency,
a party member's point entries)."""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gongjian.graph.model import (
    ID_PATTERN,
    MAX_POINT_DELTA,
    QUARTER_PATTERN,
    Integer,
    Name,
    NodeId,
    PartyMember,
    PointEntry,
    Resource,
)

__all__ = [
    "Adjacent",
    "DeclaredResources",
    "PointEntries",
    "PointEntryIn",
    "PointsRecorded",
    "ResourceIn",
]


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


class PointEntryIn(BaseModel):
    """One point entry to record: how many (non-zero) and why (one line)."""

    model_config = ConfigDict(extra="forbid")
    delta: Integer = Field(
        ge=-MAX_POINT_DELTA,
        le=MAX_POINT_DELTA,
        description=f"增减的积分，非零整数，绝对值不超过 {MAX_POINT_DELTA} (negative: taken off)",
    )
    reason: Name = Field(description="原因，一行文字 (why: one line)")

    @field_validator("delta")
    @classmethod
    def _non_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("积分变动不能为 0 (delta must not be 0)")
        return value


class PointsRecorded(BaseModel):
    """The member as written (its new total and version) and the entry recorded."""

    member: PartyMember
    entry: PointEntry


class PointEntries(BaseModel):
    """A member's point entries, newest first; ``total`` counts them all."""

    member_id: str
    points: int = Field(description="当前积分 (the member's points now)")
    items: list[PointEntry]
    total: int
    offset: int
    limit: int
