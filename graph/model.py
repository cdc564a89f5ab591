"""Domain model of the joint-building (共建) graph, as pydantic v2 models.

Every entity is a node with a stable string ``id``. Foreign-key fields (for
example ``Unit.community_id``) are how an entity names its relationships; each
entity class lists them in ``REFS`` so that both stores derive the same
relationships (``(:Unit)-[:LOCATED_IN]->(:Community)`` and so on) from them.
Relationships that are not owned by one entity — community adjacency, pairing
(结对) and activity assignments — have their own store methods.

The vocabularies live in :mod:`gongjian.graph.vocab` and the need life cycle in
:mod:`gongjian.graph.lifecycle`; both are re-exported here, where callers import them.

Length: ~550 lines: one class per entity with its field rules (ids, quarters, strict
integers, one-line names, coordinates) — the schema of the graph, read as one page.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gongjian.core.clock import now_utc, quarter_of
from gongjian.core.errors import InvalidInputError, PreconditionFailedError
from gongjian.core.messages import field_message
from gongjian.graph.lifecycle import (
    NEED_TRANSITIONS,
    STATUS_TIME_FIELD,
    check_actor,
    check_claimable,
    check_transition,
    transition_update,
)
from gongjian.graph.vocab import (
    JointType,
    NeedCategory,
    NeedSource,
    NeedStatus,
    ResourceKind,
    UnitType,
)

__all__ = [
    "ENTITY_TYPES",
    "NEED_TRANSITIONS",
    "STATUS_TIME_FIELD",
    "Activity",
    "ActivityRole",
    "Assignment",
    "Community",
    "Entity",
    "ExtensionRequest",
    "Grid",
    "JointType",
    "Need",
    "NeedCategory",
    "NeedSource",
    "NeedStatus",
    "NetEdge",
    "NetNode",
    "Network",
    "Pairing",
    "PartyMember",
    "PointEntry",
    "Ref",
    "Resource",
    "ResourceKind",
    "Snapshot",
    "Subdistrict",
    "SuitabilityRow",
    "SuitabilityTable",
    "Unit",
    "UnitType",
    "apply_change",
    "check_actor",
    "check_claimable",
    "check_etag",
    "check_transition",
    "content_etag",
    "declared_resources",
    "default_subdistrict",
    "entity_type",
    "now_utc",
    "parse_entity",
    "parse_quarter",
    "parse_status",
    "quarter_dates",
    "resources_etag",
    "transition_update",
]

# --------------------------------------------------------------------------- field types

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$"
#: what the OpenAPI document says of a quarter (the validator also checks the year range)
QUARTER_PATTERN = r"^(20[0-9]{2}|2100)Q[1-4]$"
# ASCII digits only: ``\d`` (and str.isdigit) also take full-width ２０２６; fullmatch, as ``$``
# would let a trailing newline through
_ID_RE = re.compile(ID_PATTERN, re.ASCII)
_QUARTER_RE = re.compile(r"^([0-9]{4})Q([1-4])$", re.ASCII)
# every control character, CR / LF / tab included (a name is one line of text)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: the Chinese name of each name-like field, for the messages
_NAME_ZH = {
    "name": "名称",
    "title": "标题",
    "brand": "品牌",
    "contact": "联系人",
    "keeper": "网格员",
    "reason": "原因",
    "complainant_name": "诉求人姓名",
    "address": "地址",
    "source_no": "来源编号",
}


def _pattern_check(pattern: re.Pattern[str], message: str) -> Callable[[str], str]:
    """A validator: the value if ``pattern`` matches all of it, else ``message``."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(message)
        return value

    return check


_check_id = _pattern_check(
    _ID_RE,
    "编号只能用字母、数字和 _ . : -，以字母或数字开头，最长 64 个字符 "
    "(id: letters, digits, _ . : -, starting with a letter or digit, at most 64)",
)


def _check_quarter(value: str) -> str:
    m = _QUARTER_RE.fullmatch(value)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError("季度格式应为 2026Q1 (quarter must look like 2026Q1, year 2000–2100)")
    return value


def check_name(value: str, info: ValidationInfo) -> str:
    value = value.strip()
    field = info.field_name or "name"
    label = _NAME_ZH.get(field, field)
    if not value:
        raise ValueError(f"{label}不能为空 ({field} must not be empty)")
    if _CONTROL_RE.search(value):
        raise ValueError(
            f"{label}不能含换行、制表符等控制字符 ({field} must be one line: no CR, LF, tab"
            " or other control characters)"
        )
    return value


NodeId = Annotated[str, AfterValidator(_check_id), Field(json_schema_extra={"pattern": ID_PATTERN})]
Quarter = Annotated[
    str, AfterValidator(_check_quarter), Field(json_schema_extra={"pattern": QUARTER_PATTERN})
]
Name = Annotated[str, Field(max_length=200), AfterValidator(check_name)]
Note = Annotated[str, Field(max_length=2000)]
#: an integer of a request body: ``true`` / ``1.0`` / ``"1"`` are refused (pydantic strict);
#: :func:`parse_entity` (seed files, imports) still reads numbers written as text
Integer = Annotated[int, Strict()]
Boolean = Annotated[bool, Strict()]
#: a party member's points stay within 0 … MAX_POINTS; one entry moves them at most
#: MAX_POINT_DELTA either way
MAX_POINTS = 1_000_000
MAX_POINT_DELTA = 10_000
#: a number of a request body: an integer or a decimal, never ``true`` or ``"5"``
StrictFloat = Annotated[float, Strict()]


def parse_quarter(value: object) -> str:
    """A valid quarter string, else :class:`InvalidInputError` (for store and API arguments)."""
    try:
        return _check_quarter(value) if isinstance(value, str) else _check_quarter("")
    except ValueError as exc:
        raise InvalidInputError(str(exc), [{"field": "quarter", "message": str(exc)}]) from None


def parse_status(value: object) -> NeedStatus:
    """A :class:`NeedStatus` from its value, else :class:`InvalidInputError`."""
    try:
        return NeedStatus(value)
    except ValueError:
        allowed = "、".join(s.value for s in NeedStatus)
        raise InvalidInputError(
            f"未知状态 '{value}' (unknown status); 可选: {allowed}",
            [{"field": "status", "message": "unknown status"}],
        ) from None


def quarter_dates(quarter: str) -> tuple[date, date]:
    """First and last day of a quarter such as ``2026Q2``.

    >>> quarter_dates("2026Q2")
    (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """
    m = _QUARTER_RE.match(_check_quarter(quarter))
    assert m is not None
    year, q = int(m.group(1)), int(m.group(2))
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


_SUBDISTRICT_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$", re.ASCII)


def default_subdistrict() -> str:
    """The configured sub-district code (``GONGJIAN_SUBDISTRICT_CODE``, default ``XC``):
    the sub-district of every entity that names none (old data, seeds).

    >>> os.environ.pop("GONGJIAN_SUBDISTRICT_CODE", None) and None
    >>> default_subdistrict()
    'XC'
    """
    code = os.environ.get("GONGJIAN_SUBDISTRICT_CODE", "").strip().upper()
    return code if _SUBDISTRICT_RE.fullmatch(code) else "XC"


_check_subdistrict = _pattern_check(
    _SUBDISTRICT_RE,
    "街道代码应为大写字母开头的 1–10 位字母或数字 (sub-district code: an upper-case"
    " letter, then up to 9 upper-case letters or digits)",
)


#: a sub-district code (``XC``): every community, grid, unit, need and activity has one
SubdistrictCode = Annotated[
    str,
    AfterValidator(_check_subdistrict),
    Field(json_schema_extra={"pattern": _SUBDISTRICT_RE.pattern}),
]


def _subdistrict_field() -> Any:
    return Field(default_factory=default_subdistrict, description="所属街道代码 (sub-district)")


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _check_coordinates(entity: Any) -> Any:
    if (entity.lat is None) != (entity.lon is None):
        raise ValueError("纬度和经度须同时填写 (lat and lon go together)")
    return entity


# --------------------------------------------------------------------------- entities


class Ref(NamedTuple):
    """A relationship an entity owns through one of its fields.

    ``(self)-[:rel]->(target)`` where ``target.id == self.<field>``, or
    ``(target)-[:rel]->(self)`` when ``reverse``; ``optional`` when the field may be None.
    """

    field: str
    rel: str
    target: str
    optional: bool = False
    reverse: bool = False


class Entity(BaseModel):
    """Base of every node. ``LABEL`` is the graph label; ``REFS`` its owned relationships."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)

    LABEL: ClassVar[str] = ""
    LABEL_ZH: ClassVar[str] = ""
    REFS: ClassVar[tuple[Ref, ...]] = ()

    id: NodeId
    #: compare-and-set version: 1 when created, +1 on every write through the store's
    #: rules (modify, claim, transitions); the service sends it as the ETag. The
    #: stores set it themselves, whatever a caller's copy says.
    version: int = Field(default=1, ge=1, description="版本号 (version, for If-Match)")

    def ref_targets(self) -> list[tuple[Ref, str]]:
        """The (ref, target id) pairs this entity points at (None fields skipped)."""
        out = []
        for ref in self.REFS:
            target = getattr(self, ref.field)
            if target is not None:
                out.append((ref, target))
        return out


class Subdistrict(Entity):
    """街道 — the sub-district."""

    LABEL: ClassVar[str] = "Subdistrict"
    LABEL_ZH: ClassVar[str] = "街道"
    name: Name


class Community(Entity):
    """社区 — a residents' community inside the sub-district."""

    LABEL: ClassVar[str] = "Community"
    LABEL_ZH: ClassVar[str] = "社区"
    REFS: ClassVar[tuple[Ref, ...]] = (Ref("subdistrict_id", "PART_OF", "Subdistrict", True),)
    name: Name
    subdistrict_id: NodeId | None = None
    subdistrict: SubdistrictCode = _subdistrict_field()
    brand: Name | None = Field(default=None, description="一域一品牌 signature programme")
    stars: Integer | None = Field(
        default=None, ge=0, le=5, description="星级 (five-star branch = 5)"
    )
    lat: Latitude | None = Field(default=None, description="纬度 WGS-84 (optional)")
    lon: Longitude | None = Field(default=None, description="经度 WGS-84 (optional)")

    _both = model_validator(mode="after")(lambda self: _check_coordinates(self))


class Grid(Entity):
    """网格 — a grid of a community with its keeper (定格、定人、定责)."""

    LABEL: ClassVar[str] = "Grid"
    LABEL_ZH: ClassVar[str] = "网格"
    REFS: ClassVar[tuple[Ref, ...]] = (Ref("community_id", "PART_OF", "Community"),)
    name: Name
    community_id: NodeId
    keeper: Name | None = Field(default=None, description="网格员")
    subdistrict: SubdistrictCode = _subdistrict_field()


class Unit(Entity):
    """驻区单位 — a resident unit (school, hospital branch, bank…)."""

    LABEL: ClassVar[str] = "Unit"
    LABEL_ZH: ClassVar[str] = "单位"
    REFS: ClassVar[tuple[Ref, ...]] = (Ref("community_id", "LOCATED_IN", "Community"),)
    name: Name
    type: UnitType
    community_id: NodeId
    capacity: Integer = Field(  # a sane bound: the 星城 seed's largest is 23 (issue 10)
        default=40, ge=0, le=10_000, description="每季度可投入的工作量 effort per quarter"
    )
    brand: Name | None = None
    contact: Name | None = None
    subdistrict: SubdistrictCode = _subdistrict_field()
    lat: Latitude | None = Field(default=None, description="纬度 WGS-84 (optional)")
    lon: Longitude | None = Field(default=None, description="经度 WGS-84 (optional)")

    _both = model_validator(mode="after")(lambda self: _check_coordinates(self))


class Resource(Entity):
    """A resource a unit declares (资源清单): kind, capacity per quarter, when available."""

    LABEL: ClassVar[str] = "Resource"
    LABEL_ZH: ClassVar[str] = "资源"
    REFS: ClassVar[tuple[Ref, ...]] = (Ref("unit_id", "OFFERS", "Unit", reverse=True),)
    unit_id: NodeId
    kind: ResourceKind
    name: Name
    capacity: Integer = Field(
        ge=0,
        le=100_000,
        description="每季度可提供的次数 uses per quarter (one need or one activity role = 1 次)",
    )
    # empty-collection defaults are literals, not ``default_factory=list``: pydantic copies
    # them per instance, and resolving a builtin factory costs an ``inspect.signature``
    # parse on every ``model_construct`` (most of the seed generator's time at 20,000 needs)
    quarters: list[Quarter] = Field(default=[], description="可用季度；空表示每个季度")
    weekdays: list[Integer] = Field(default=[], description="可用星期 1–7；空表示每天")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(not 1 <= d <= 7 for d in v):
            raise ValueError("星期应在 1–7 之间 (weekdays must be 1–7)")
        return sorted(set(v))

    @field_validator("quarters")
    @classmethod
    def _quarters(cls, v: list[str]) -> list[str]:
        return sorted(set(v))

    def available_in(self, quarter: str) -> bool:
        return not self.quarters or quarter in self.quarters


#: a phone number as people write it: digits, +, -, spaces (7–20 digits in all)
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{5,28}[0-9]$", re.ASCII)


def _check_phone(value: str) -> str:
    value = value.strip()
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_RE.fullmatch(value) or not 7 <= digits <= 20:
        raise ValueError(
            "联系电话只能包含数字、+、- 和空格，7–20 位数字 (phone: digits, +, - and spaces,"
            " 7–20 digits)"
        )
    return value


Phone = Annotated[str, Field(max_length=30), AfterValidator(_check_phone)]


class ExtensionRequest(BaseModel):
    """延期申请 — the holding unit asks for a new due date; the committee decides."""

    model_config = ConfigDict(extra="forbid")
    due: date = Field(description="申请的新办结期限")
    reason: Note = Field(description="延期原因")
    requested_at: datetime
    requested_by: str = Field(max_length=200, description="申请人 (user id)")
    unit_id: NodeId | None = Field(default=None, description="申请单位")
    state: Literal["pending", "approved", "refused"] = "pending"
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    note: Note | None = Field(default=None, description="批复意见")


class Need(Entity):
    """民情交办单 — a residents' demand turned into a work order."""

    LABEL: ClassVar[str] = "Need"
    LABEL_ZH: ClassVar[str] = "交办单"
    REFS: ClassVar[tuple[Ref, ...]] = (
        Ref("community_id", "RAISED_IN", "Community"),
        Ref("grid_id", "RAISED_IN", "Grid", True),
        Ref("claimed_by", "CLAIMED", "Unit", True, reverse=True),
    )
    title: Name
    category: NeedCategory
    community_id: NodeId
    grid_id: NodeId | None = None
    quarter: Quarter
    effort: Integer = Field(default=1, ge=1, le=1000, description="工作量")
    priority: Integer = Field(default=3, ge=1, le=5, description="优先级 1 (低) – 5 (紧急)")
    due: date | None = None
    status: NeedStatus = NeedStatus.open
    claimed_by: NodeId | None = None
    satisfaction: Integer | None = Field(default=None, ge=1, le=5)
    whistle: Boolean = Field(default=False, description="街乡吹哨")
    description: Note | None = None
    created_at: datetime | None = Field(default=None, description="登记时间")
    claimed_at: datetime | None = Field(default=None, description="认领时间")
    started_at: datetime | None = Field(default=None, description="开始办理时间")
    resolved_at: datetime | None = Field(default=None, description="办结时间")
    followed_up_at: datetime | None = Field(default=None, description="回访时间")
    cancelled_at: datetime | None = Field(default=None, description="撤销时间")
    whistle_deadline: datetime | None = Field(default=None, description="吹哨报到截止时间")
    summoned: list[NodeId] = Field(default=[], description="吹哨召集的单位")
    reports: dict[str, datetime] = Field(
        default={}, description="单位报到时间 (unit id → time reported)"
    )
    # -- the 12345 desk (issue 13): number, who and where, the steps' notes and counters
    number: str | None = Field(
        default=None,
        max_length=40,
        description="工单编号 XC-2026-000123（创建时分配，只读） (order number, read-only)",
    )
    complainant_name: Name | None = Field(default=None, description="诉求人姓名")
    complainant_phone: Phone | None = Field(default=None, description="联系电话")
    address: Name | None = Field(default=None, description="地址（门牌）")
    source: NeedSource = Field(default=NeedSource.other, description="来源渠道")
    source_no: Name | None = Field(default=None, description="来源编号（如 12345 工单号）")
    resolution_note: Note | None = Field(default=None, description="办结说明")
    cancel_reason: Note | None = Field(default=None, description="撤销原因")
    photos: list[str] = Field(default=[], max_length=20, description="照片文件名")
    supervised: Boolean = Field(default=False, description="督办")
    supervise_deadline: datetime | None = Field(default=None, description="督办期限")
    extension: ExtensionRequest | None = Field(default=None, description="延期申请（最近一次）")
    returns: int = Field(default=0, ge=0, description="退单次数")
    reopens: int = Field(default=0, ge=0, description="重办次数")
    extensions: int = Field(default=0, ge=0, description="批准延期次数")
    supervisions: int = Field(default=0, ge=0, description="督办次数")
    subdistrict: SubdistrictCode = _subdistrict_field()

    @model_validator(mode="after")
    def _consistent(self) -> Need:
        unclaimed = {NeedStatus.open, NeedStatus.cancelled}
        if self.status not in unclaimed and self.claimed_by is None:
            raise ValueError(f"状态 {self.status.value} 需要认领单位 (claimed_by is required)")
        if self.status == NeedStatus.open and self.claimed_by is not None:
            raise ValueError("待认领的交办单不能有认领单位 (an open need has no claimed_by)")
        if self.satisfaction is not None and self.status != NeedStatus.followed_up:
            raise ValueError("满意度只在回访后记录 (satisfaction only when followed_up)")
        return self


class ActivityRole(BaseModel):
    """A role of an activity: ``count`` units offering ``kind``."""

    model_config = ConfigDict(extra="forbid")
    kind: ResourceKind
    count: Integer = Field(default=1, ge=1, le=50)


class Activity(Entity):
    """A five-joint activity (五联活动) planned for a date in a quarter."""

    LABEL: ClassVar[str] = "Activity"
    LABEL_ZH: ClassVar[str] = "活动"
    REFS: ClassVar[tuple[Ref, ...]] = (Ref("community_id", "HOSTED_IN", "Community"),)
    title: Name
    joint_type: JointType
    quarter: Quarter
    date: date
    community_id: NodeId
    roles: list[ActivityRole] = Field(min_length=1, max_length=20)
    min_units: Integer = Field(default=1, ge=0, le=100)
    max_units: Integer = Field(default=10, ge=1, le=100)
    brand: Name | None = None
    subdistrict: SubdistrictCode = _subdistrict_field()

    @model_validator(mode="after")
    def _consistent(self) -> Activity:
        if quarter_of(self.date) != self.quarter:
            raise ValueError(f"日期 {self.date} 不在季度 {self.quarter} 内 (date outside quarter)")
        if self.min_units > self.max_units:
            raise ValueError("最少单位数不能大于最多单位数 (min_units > max_units)")
        return self


class PartyMember(Entity):
    """在职党员 — an in-service party member, registered at home community (双报到)."""

    LABEL: ClassVar[str] = "PartyMember"
    LABEL_ZH: ClassVar[str] = "在职党员"
    REFS: ClassVar[tuple[Ref, ...]] = (
        Ref("unit_id", "WORKS_AT", "Unit"),
        Ref("community_id", "REGISTERED_IN", "Community"),
    )
    name: Name
    unit_id: NodeId
    community_id: NodeId
    points: Integer = Field(default=0, ge=0, le=MAX_POINTS, description="积分")


class PointEntry(BaseModel):
    """积分记录 — one recorded change of a party member's points: who, when, why, how many.

    A member's points change only through entries (``GraphStore.add_points``), each
    written in the transaction that changes the total; ``seq`` numbers a member's
    entries 1, 2, … (the newest is the highest), ``total`` is the points after it.
    Not a graph node of its own: the stores keep entries beside the member.
    """

    model_config = ConfigDict(extra="forbid")
    member_id: NodeId
    seq: int = Field(ge=1, description="该党员的第几条积分记录 (1, 2, …)")
    delta: int = Field(description="增减的积分 (points added, negative: taken off)")
    total: int = Field(ge=0, le=MAX_POINTS, description="记录后的积分 (points after the entry)")
    reason: Name = Field(description="原因 (why)")
    by: str = Field(max_length=200, description="记录人 (who recorded it: user id)")
    by_role: str = Field(default="", max_length=20, description="记录人角色 (their role)")
    at: datetime = Field(description="记录时间 (when, UTC)")


E = TypeVar("E", bound=Entity)

#: every entity class, in dependency order (targets before sources)
ENTITY_TYPES: tuple[type[Entity], ...] = (
    Subdistrict,
    Community,
    Grid,
    Unit,
    Resource,
    Need,
    Activity,
    PartyMember,
)
_BY_LABEL = {t.LABEL: t for t in ENTITY_TYPES}


def entity_type(label: str) -> type[Entity]:
    """The entity class of a graph label (``"Unit"`` → :class:`Unit`)."""
    try:
        return _BY_LABEL[label]
    except KeyError:
        raise InvalidInputError(
            f"未知类型 '{label}' (unknown label); 可选: {', '.join(_BY_LABEL)}"
        ) from None


def parse_entity(kind: type[E], data: Any) -> E:
    """Validate ``data`` as ``kind``, turning pydantic errors into :class:`InvalidInputError`.

    Plain data from files (seed CSVs, a store's rows) may write numbers and booleans as
    text, so this parse is lax (``"40"`` → 40); request bodies are validated strictly.
    """
    try:
        return kind.model_validate(data, strict=False)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]) or "(root)", "message": field_message(e)}
            for e in exc.errors()
        ]
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        msg = f"{kind.LABEL_ZH} 数据无效 (invalid {kind.LABEL}): {text}"
        raise InvalidInputError(msg, errors) from None


def apply_change(kind: type[E], node_id: str, current: E, change: Callable[[E], E]) -> E:
    """Run a store's ``modify`` callback and validate what it returns (same class, same id)."""
    new = change(current)
    if type(new) is not kind or new.id != node_id:
        raise InvalidInputError(
            f"修改不能改变{kind.LABEL_ZH}的类型或编号 (change kept neither class nor id)"
        )
    return parse_entity(kind, new.model_dump())


def declared_resources(unit_id: str, resources: Sequence[Resource]) -> list[Resource]:
    """Check a unit's whole declared set: every resource is the unit's, ids unique; sorted by id."""
    errors = []
    seen: set[str] = set()
    for i, r in enumerate(resources):
        if r.unit_id != unit_id:
            errors.append(
                {"field": f"{i}.unit_id", "message": f"资源属于单位 {r.unit_id}，不是 {unit_id}"}
            )
        if r.id in seen:
            errors.append({"field": f"{i}.id", "message": f"资源编号 {r.id} 重复 (duplicate id)"})
        seen.add(r.id)
    if errors:
        text = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidInputError(f"资源清单无效 (invalid resource list): {text}", errors)
    return sorted(resources, key=lambda r: r.id)


def resources_etag(resources: Sequence[Resource]) -> str:
    """The ETag of a unit's declared resources: a hash of their content, order-free.

    >>> resources_etag([]) == resources_etag([])
    True
    """
    body = json.dumps(
        # content only: a resource's version is bookkeeping, not part of what was declared
        [
            r.model_dump(mode="json", exclude={"version"})
            for r in sorted(resources, key=lambda r: r.id)
        ],
        sort_keys=True,
        ensure_ascii=False,
    )
    return content_etag(body)


def content_etag(text: str) -> str:
    """A strong ETag of some content: the first 32 hex digits of its SHA-256, quoted."""
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def check_etag(current: Sequence[Resource], if_match: str | None) -> None:
    """Raise :class:`PreconditionFailedError` when ``if_match`` is given and stale (``*`` matches)."""
    if if_match is None or if_match.strip() == "*":
        return
    etag = resources_etag(current)
    offered = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if etag not in offered:
        raise PreconditionFailedError(
            "资源清单已被他人修改，请刷新后重试 (the declared resources changed since you read"
            " them; reload and try again)",
            etag=etag,
        )


# --------------------------------------------------------------------------- relationships


class Pairing(BaseModel):
    """结对 — a unit paired with a community."""

    model_config = ConfigDict(extra="forbid")
    unit_id: NodeId
    community_id: NodeId


class Assignment(BaseModel):
    """A unit assigned to an activity in a plan, for a role kind."""

    model_config = ConfigDict(extra="forbid")
    activity_id: NodeId
    unit_id: NodeId
    role: ResourceKind
    plan_id: NodeId = "manual"


# the read models (Snapshot, the cooperation network) are re-exported from graph.reads
from gongjian.graph.reads import NetEdge, NetNode, Network, Snapshot  # noqa: E402
from gongjian.graph.suitability import SuitabilityRow, SuitabilityTable  # noqa: E402
