"""Request and response models of the need life cycle, whistles and the import."""

# no ``from __future__ import annotations``: FastAPI must see real classes in annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from gongjian.graph.model import Integer, Need, NeedStatus, NodeId, Note
from gongjian.graph.vocab import NeedAction

__all__ = [
    "ClaimIn",
    "ClaimedNeed",
    "DecideIn",
    "DispatchIn",
    "ExtensionIn",
    "FollowUpIn",
    "ImportReportOut",
    "NoteIn",
    "ReasonIn",
    "ReportIn",
    "RowErrorOut",
    "StepOut",
    "SuperviseIn",
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


# --------------------------------------------------------------------------- the desk's steps
class DispatchIn(BaseModel):
    """派单 / 改派: the unit to take the order, an optional note."""

    model_config = ConfigDict(extra="forbid")
    unit_id: NodeId = Field(description="承办单位")
    note: Note | None = Field(default=None, description="派单说明")
    override: StrictBool = Field(
        default=False, description="越过单位本季度能力上限 (beyond the unit's capacity)"
    )


class ReasonIn(BaseModel):
    """收回、退单、重办、撤销: the reason (required)."""

    model_config = ConfigDict(extra="forbid")
    reason: Note | None = Field(default=None, description="原因（必填）")


class NoteIn(BaseModel):
    """办结: the resolution note (办结说明, required)."""

    model_config = ConfigDict(extra="forbid")
    note: Note | None = Field(default=None, description="办结说明（必填）")


class ExtensionIn(BaseModel):
    """申请延期: the new due date and the reason."""

    model_config = ConfigDict(extra="forbid")
    due: date = Field(description="新的办结期限")
    reason: Note | None = Field(default=None, description="延期原因（必填）")


class DecideIn(BaseModel):
    """批准或驳回延期申请."""

    model_config = ConfigDict(extra="forbid")
    approve: StrictBool = Field(description="true 批准，false 驳回")
    note: Note | None = Field(default=None, description="批复意见")


class SuperviseIn(BaseModel):
    """督办: the deadline (naive = Beijing time) and the note."""

    model_config = ConfigDict(extra="forbid")
    deadline: datetime = Field(description="督办期限；不带时区按北京时间")
    note: Note | None = Field(default=None, description="督办意见（必填）")


class StepOut(BaseModel):
    """One step of an order's timeline (办理记录), oldest first."""

    seq: int
    at: datetime
    by: str = Field(description="操作人 (user id)")
    by_name: str = Field(description="操作人姓名")
    by_role: str
    action: NeedAction
    action_zh: str = Field(description="步骤名称")
    note: str | None
    unit_id: str | None = Field(description="涉及的单位")
    unit_name: str | None = Field(default=None, description="单位名称")
