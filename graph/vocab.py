"""Vocabularies of the joint-building graph, each value with its Chinese label.

Unit types (驻区单位类型), resource kinds (资源类别: what a unit offers), need
categories (需求类别: what residents ask for), the five joints (五联) and the
statuses of a work order (民情交办单). Re-exported by :mod:`gongjian.graph.model`.
Each value is declared beside its label (:class:`~gongjian.core.labels.LabelledEnum`).

Need categories and resource kinds are two vocabularies, joined by the
suitability table (:mod:`gongjian.graph.suitability`): a basement fire hazard to
clear (``fire_hazard``) and fire-safety teaching (``fire_safety_education``) both
use a ``fire_safety`` resource, but not from the same units. Every resource kind
is also a need category of the same name and label ("a need for that kind of
service"), so work orders written before the split load unchanged; the table gives
each of them a row. The first block of :class:`NeedCategory` names the
:class:`ResourceKind` members themselves, so value and label are written once.
"""

from __future__ import annotations

from gongjian.core.labels import LabelledEnum

__all__ = [
    "JointType",
    "NeedAction",
    "NeedCategory",
    "NeedSource",
    "NeedStatus",
    "ResourceKind",
    "UnitType",
]


class UnitType(LabelledEnum):
    """Type of a resident unit (驻区单位类型)."""

    school = "school", "学校"
    kindergarten = "kindergarten", "幼儿园"
    hospital = "hospital", "医院"
    bank = "bank", "银行"
    property_company = "property_company", "物业公司"
    police = "police", "派出所"
    government = "government", "政府部门"
    retirees_centre = "retirees_centre", "离退休活动站"
    enterprise = "enterprise", "企业"
    social_org = "social_org", "社会组织"
    fire_station = "fire_station", "消防救援站"
    city_management = "city_management", "城市管理"
    utility = "utility", "公用事业（供热、供水）"
    elevator_maintenance = "elevator_maintenance", "电梯维保"
    elderly_care_post = "elderly_care_post", "养老驿站"
    law_firm = "law_firm", "律师事务所"
    other = "other", "其他"


class ResourceKind(LabelledEnum):
    """What a unit can offer and what a need asks for (资源/需求类别).

    What a need asks for is a :class:`NeedCategory`; which kinds (and which
    unit types) can meet it is the suitability table's business.
    """

    venue_learning = "venue_learning", "学习场地"
    venue_culture = "venue_culture", "文化场地"
    venue_sports = "venue_sports", "体育场地"
    library = "library", "图书阅览"
    medical = "medical", "医疗义诊"
    education = "education", "教育讲座"
    finance = "finance", "金融服务"
    anti_fraud = "anti_fraud", "反诈宣传"
    legal_aid = "legal_aid", "法律援助"
    mediation = "mediation", "矛盾调解"
    security_patrol = "security_patrol", "治安巡逻"
    fire_safety = "fire_safety", "消防安全"
    traffic_safety = "traffic_safety", "交通安全"
    repair = "repair", "设施维修"
    environment = "environment", "环境整治"
    culture_arts = "culture_arts", "文化文艺"
    elderly_care = "elderly_care", "助老服务"
    children = "children", "少儿活动"
    employment = "employment", "就业帮扶"
    poverty_relief = "poverty_relief", "帮困救助"
    party_building = "party_building", "党建共建"
    volunteer = "volunteer", "志愿服务"


class NeedCategory(LabelledEnum):
    """What a resident need asks for (需求类别).

    The first block are the resource kinds themselves, each the kind's value with
    its label (a need "for a medical service"), kept so old work orders load
    unchanged; the second block are the categories re-derived from the Xingcheng
    case report, where the same resource kind serves different problems.
    """

    venue_learning = ResourceKind.venue_learning
    venue_culture = ResourceKind.venue_culture
    venue_sports = ResourceKind.venue_sports
    library = ResourceKind.library
    medical = ResourceKind.medical
    education = ResourceKind.education
    finance = ResourceKind.finance
    anti_fraud = ResourceKind.anti_fraud
    legal_aid = ResourceKind.legal_aid
    mediation = ResourceKind.mediation
    security_patrol = ResourceKind.security_patrol
    fire_safety = ResourceKind.fire_safety
    traffic_safety = ResourceKind.traffic_safety
    repair = ResourceKind.repair
    environment = ResourceKind.environment
    culture_arts = ResourceKind.culture_arts
    elderly_care = ResourceKind.elderly_care
    children = ResourceKind.children
    employment = ResourceKind.employment
    poverty_relief = ResourceKind.poverty_relief
    party_building = ResourceKind.party_building
    volunteer = ResourceKind.volunteer
    # re-derived from the case report
    fire_hazard = "fire_hazard", "消防隐患整改"
    fire_safety_education = "fire_safety_education", "消防安全宣传"
    elevator_fault = "elevator_fault", "电梯故障"
    heating_fault = "heating_fault", "供暖故障"
    drainage = "drainage", "下水疏通"
    road_damage = "road_damage", "路面破损"
    street_light = "street_light", "路灯维修"
    door_access = "door_access", "门禁维修"
    health_checkup = "health_checkup", "健康义诊"
    traffic_calming = "traffic_calming", "交通设施（减速带）"


class JointType(LabelledEnum):
    """The five joints (五联)."""

    joint_activities = "joint_activities", "活动联搞"
    joint_organization = "joint_organization", "组织联建"
    shared_resources = "shared_resources", "资源联用"
    joint_member_management = "joint_member_management", "党员联管"
    joint_services = "joint_services", "服务联做"


class NeedStatus(LabelledEnum):
    """Life cycle of a work order (民情交办单)."""

    open = "open", "待认领"
    claimed = "claimed", "已认领"
    in_progress = "in_progress", "办理中"
    resolved = "resolved", "已办结"
    followed_up = "followed_up", "已回访"
    cancelled = "cancelled", "已撤销"


class NeedSource(LabelledEnum):
    """Where a work order came from (来源渠道)."""

    visit = "visit", "上门走访"
    grid = "grid", "网格员"
    council = "council", "议事厅"
    hotline = "hotline", "12345 热线"
    other = "other", "其他"


class NeedAction(LabelledEnum):
    """A step of a work order's timeline (办理记录)."""

    created = "created", "登记"
    dispatched = "dispatched", "派单"
    claimed = "claimed", "接单"
    started = "started", "开始办理"
    returned = "returned", "退单"
    released = "released", "收回"
    extension_requested = "extension_requested", "申请延期"
    extension_approved = "extension_approved", "批准延期"
    extension_refused = "extension_refused", "驳回延期"
    supervised = "supervised", "督办"
    resolved = "resolved", "办结"
    followed_up = "followed_up", "回访"
    reopened = "reopened", "重办"
    cancelled = "cancelled", "撤销"
    whistled = "whistled", "吹哨"
    reported = "reported", "报到"
