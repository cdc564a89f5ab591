"""The shapes of ``/commitments``: a year's list of commitments (承诺事项) of one owner."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from gongjian.graph.vocab import JointType

__all__ = [
    "MEASURE_LABELS",
    "MEASURE_UNITS",
    "Commitment",
    "CommitmentIn",
    "CommitmentList",
    "CommitmentsIn",
    "Figures",
    "ItemProgress",
    "Measure",
    "OwnerKind",
    "Progress",
]


class OwnerKind(StrEnum):
    """Whose list it is: a unit's or a community's."""

    unit = "unit"
    community = "community"


class Measure(StrEnum):
    """What a commitment's target counts, all computed from the data."""

    activities = "activities"
    orders_resolved = "orders_resolved"
    member_points = "member_points"
    satisfaction = "satisfaction"


MEASURE_LABELS = {
    Measure.activities: "开展活动",
    Measure.orders_resolved: "办结交办单",
    Measure.member_points: "党员积分",
    Measure.satisfaction: "群众满意率",
}
MEASURE_UNITS = {
    Measure.activities: "场",
    Measure.orders_resolved: "件",
    Measure.member_points: "分",
    Measure.satisfaction: "%",
}

Title = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
Note = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=300, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
    ),
]
ItemId = Annotated[str, StringConstraints(pattern=r"^k[0-9]{1,4}$")]


class CommitmentIn(BaseModel):
    """One commitment as entered (``id`` given when editing an existing one)."""

    model_config = ConfigDict(extra="forbid")

    id: ItemId | None = Field(default=None, description="条目编号（新条目不填）")
    title: Title = Field(description="承诺事项")
    joint_type: JointType = Field(description="五联类别")
    measure: Measure = Field(description="衡量指标")
    target: int = Field(ge=1, le=100_000, description="目标值（满意率为百分数）")
    due_month: int = Field(ge=1, le=12, description="完成月份")
    note: Note | None = Field(default=None, description="说明")

    @model_validator(mode="after")
    def _percent(self) -> CommitmentIn:
        if self.measure == Measure.satisfaction and self.target > 100:
            raise ValueError("满意率目标须在 1–100 之间 (a satisfaction target is a percentage)")
        return self


class Commitment(CommitmentIn):
    id: ItemId  # type: ignore[assignment]


class CommitmentsIn(BaseModel):
    """The whole list of a year (replaces what is stored)."""

    model_config = ConfigDict(extra="forbid")

    items: list[CommitmentIn] = Field(max_length=50)


class CommitmentList(BaseModel):
    owner_kind: OwnerKind
    owner_id: str
    owner_name: str
    year: int
    version: int = Field(description="0: nothing recorded yet")
    items: list[Commitment]


class Figures(BaseModel):
    """The owner's figures of the year, as the metrics define them."""

    activities: int = Field(description="开展/参与活动场次 (all joints)")
    activities_by_joint: dict[str, int]
    cases: int = Field(description="交办单件数")
    orders_resolved: int = Field(description="办结交办单 (resolution_rate.numerator)")
    orders_claimed: int = Field(description="认领交办单 (resolution_rate.denominator)")
    satisfied: int
    rated: int
    satisfaction: float | None = Field(description="满意率 satisfied / rated, 0–1")
    mean_satisfaction: float | None
    party_members: int
    member_points: int


class ItemProgress(BaseModel):
    item: Commitment
    actual: float | None = Field(description="实际值（满意率为百分数）")
    share: float | None = Field(description="完成比例 actual / target")
    status: Literal["done", "in_progress", "overdue", "no_data"]


class Progress(BaseModel):
    owner_kind: OwnerKind
    owner_id: str
    owner_name: str
    year: int
    as_of: date
    version: int
    figures: Figures
    items: list[ItemProgress]
