"""Request and response models of the need life cycle, whistles and the import."""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from gongjian.graph.model import Integer, Need, NeedStatus, NodeId

__all__ = [
    "ClaimIn",
    "ClaimedNeed",
    "FollowUpIn",
    "ImportReportOut",
    "ReportIn",
    "RowErrorOut",
    "UnitState",
    "WhistleIn",
    "WhistleUnit",
    "WhistleView",
]


class ClaimIn(BaseModel):
    """接单: a unit claims for itself (empty body); the committee names the unit."""

    model_config = ConfigDict(extra="forbid")
    unit_id: NodeId | None = Field(default=None, description="认领单位（委员会代认领）")
    override: StrictBool = Field(
        default=False,
        description="委员会越过能力上限派单（记入审计日志） (committee: claim beyond the unit's capacity)",
    )


class ClaimedNeed(Need):
    """The claimed need, with warnings the claimant should read (e.g. an unsuited unit)."""

    warnings: list[str] = Field(default_factory=list)


class FollowUpIn(BaseModel):
    """回访: the residents' satisfaction 1–5 and an optional note (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid")
    satisfaction: Integer = Field(ge=1, le=5, description="满意度 1（很不满意）– 5（很满意）")
    note: str | None = Field(default=None, max_length=500, description="回访记录")


class WhistleIn(BaseModel):
    """吹哨: the deadline to report by and the units summoned."""

    model_config = ConfigDict(extra="forbid")
    deadline: datetime = Field(
        description="报到截止时间；不带时区按北京时间 (naive = Asia/Shanghai)"
    )
    units: list[NodeId] = Field(min_length=1, max_length=200, description="召集的单位编号")

    @field_validator("units")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


class ReportIn(BaseModel):
    """报到: a unit reports for itself (empty body); the committee names the unit."""

    model_config = ConfigDict(extra="forbid")
    unit_id: NodeId | None = None


UnitState = Literal["reported", "late", "pending", "overdue", "cancelled"]


class WhistleUnit(BaseModel):
    unit_id: str
    reported_at: datetime | None
    state: UnitState


class WhistleView(BaseModel):
    """A whistled need with, per summoned unit, when it reported or whether it is overdue."""

    need_id: str
    title: str
    community_id: str
    status: NeedStatus
    claimed_by: str | None
    deadline: datetime | None
    overdue: bool
    overdue_units: list[str]
    units: list[WhistleUnit]


class RowErrorOut(BaseModel):
    row: int = Field(description="Excel 行号 (row number as Excel shows it)")
    field: str
    message: str


class DuplicateRowOut(BaseModel):
    """一行重复：它重复的交办单 (an existing one, or an earlier row of the file)."""

    row: int
    need_id: str
    by: str = Field(description="source_no 来源编号相同; same 标题、社区、网格、截止日期相同")
    earlier_row: int | None = None
    message: str


class ImportReportOut(BaseModel):
    """导入结果. ``new`` needs were written (``imported``, the same; 0 in a dry run: see
    ``valid``), ``duplicate`` rows repeat an order and were not created, ``refused`` rows
    have errors (``errors``)."""

    new: int = Field(description="新建 created")
    duplicate: int = Field(description="重复未导入 duplicates, not created")
    refused: int = Field(description="有错误的行 rows refused")
    duplicates: list[DuplicateRowOut]
    imported: int
    skipped: int
    errors: list[RowErrorOut]
    ids: list[str]
    rows: int
    valid: int
    dry_run: bool
    format: str
    warnings: list[str]
