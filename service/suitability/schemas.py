"""What ``/suitability`` reads and writes: the table's rows, its version and what it lacks."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SuitabilityIn", "SuitabilityOut", "SuitabilityRowIn", "SuitabilityRowOut"]

_Code = Annotated[str, Field(max_length=64)]


class SuitabilityRowIn(BaseModel):
    """One row as sent: the codes are checked by the table (422 naming the row and the
    allowed values), not by the schema, so the message is the table's own."""

    model_config = ConfigDict(extra="forbid")
    need_category: _Code = Field(description="需求类别 need category, e.g. fire_hazard")
    resource_kind: _Code = Field(description="资源类别 resource kind, e.g. fire_safety")
    unit_type: _Code = Field(default="*", description="单位类型 unit type; * = 其他所有类型")
    suitability: int | _Code = Field(description="适配度 0–100 (0 = 不适配 never)")


class SuitabilityIn(BaseModel):
    """The whole table (``PUT /suitability`` replaces it)."""

    model_config = ConfigDict(extra="forbid")
    rows: list[SuitabilityRowIn] = Field(max_length=5000, description="适配表各行 the rows")


class SuitabilityRowOut(BaseModel):
    """How well ``unit_type`` units offering ``resource_kind`` meet ``need_category``."""

    need_category: str = Field(description="需求类别 need category")
    resource_kind: str = Field(description="资源类别 resource kind")
    unit_type: str = Field(description="单位类型 unit type; * = 其他所有类型 every other type")
    suitability: int = Field(ge=0, le=100, description="适配度 0–100")


class SuitabilityOut(BaseModel):
    """The table planning uses now (its ``ETag`` is ``"<version>"``)."""

    version: int = Field(description="版本；0 = 未修改过的默认表 the shipped default, never edited")
    rows: list[SuitabilityRowOut]
    missing_categories: list[str] = Field(
        description="没有任何行的需求类别（这些需求不会有候选单位） categories without a row"
    )
