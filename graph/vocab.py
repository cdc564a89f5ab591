"""Vocabularies of the joint-building graph, each value with its Chinese label.

Unit types (驻区单位类型), resource kinds (资源/需求类别, one vocabulary for what a
unit offers and what a need asks for), the five joints (五联) and the statuses of
a work order (民情交办单). Re-exported by :mod:`gongjian.graph.model`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["JointType", "NeedStatus", "ResourceKind", "UnitType"]


class UnitType(StrEnum):
    """Type of a resident unit (驻区单位类型)."""

    school = "school"
    kindergarten = "kindergarten"
    hospital = "hospital"
    bank = "bank"
    property_company = "property_company"
    police = "police"
    government = "government"
    retirees_centre = "retirees_centre"
    enterprise = "enterprise"
    social_org = "social_org"
    other = "other"

    @property
    def label_zh(self) -> str:
        return _UNIT_TYPE_ZH[self]


_UNIT_TYPE_ZH = {
    UnitType.school: "学校",
    UnitType.kindergarten: "幼儿园",
    UnitType.hospital: "医院",
    UnitType.bank: "银行",
    UnitType.property_company: "物业公司",
    UnitType.police: "派出所",
    UnitType.government: "政府部门",
    UnitType.retirees_centre: "离退休活动站",
    UnitType.enterprise: "企业",
    UnitType.social_org: "社会组织",
    UnitType.other: "其他",
}


class ResourceKind(StrEnum):
    """What a unit can offer and what a need asks for (资源/需求类别).

    One vocabulary serves both sides: a need of category ``medical`` can be
    met by a unit offering a ``medical`` resource.
    """

    venue_learning = "venue_learning"
    venue_culture = "venue_culture"
    venue_sports = "venue_sports"
    library = "library"
    medical = "medical"
    education = "education"
    finance = "finance"
    anti_fraud = "anti_fraud"
    legal_aid = "legal_aid"
    mediation = "mediation"
    security_patrol = "security_patrol"
    fire_safety = "fire_safety"
    traffic_safety = "traffic_safety"
    repair = "repair"
    environment = "environment"
    culture_arts = "culture_arts"
    elderly_care = "elderly_care"
    children = "children"
    employment = "employment"
    poverty_relief = "poverty_relief"
    party_building = "party_building"
    volunteer = "volunteer"

    @property
    def label_zh(self) -> str:
        return _KIND_ZH[self]


_KIND_ZH = {
    ResourceKind.venue_learning: "学习场地",
    ResourceKind.venue_culture: "文化场地",
    ResourceKind.venue_sports: "体育场地",
    ResourceKind.library: "图书阅览",
    ResourceKind.medical: "医疗义诊",
    ResourceKind.education: "教育讲座",
    ResourceKind.finance: "金融服务",
    ResourceKind.anti_fraud: "反诈宣传",
    ResourceKind.legal_aid: "法律援助",
    ResourceKind.mediation: "矛盾调解",
    ResourceKind.security_patrol: "治安巡逻",
    ResourceKind.fire_safety: "消防安全",
    ResourceKind.traffic_safety: "交通安全",
    ResourceKind.repair: "设施维修",
    ResourceKind.environment: "环境整治",
    ResourceKind.culture_arts: "文化文艺",
    ResourceKind.elderly_care: "助老服务",
    ResourceKind.children: "少儿活动",
    ResourceKind.employment: "就业帮扶",
    ResourceKind.poverty_relief: "帮困救助",
    ResourceKind.party_building: "党建共建",
    ResourceKind.volunteer: "志愿服务",
}


class JointType(StrEnum):
    """The five joints (五联)."""

    joint_activities = "joint_activities"
    joint_organization = "joint_organization"
    shared_resources = "shared_resources"
    joint_member_management = "joint_member_management"
    joint_services = "joint_services"

    @property
    def label_zh(self) -> str:
        return _JOINT_ZH[self]


_JOINT_ZH = {
    JointType.joint_activities: "活动联搞",
    JointType.joint_organization: "组织联建",
    JointType.shared_resources: "资源联用",
    JointType.joint_member_management: "党员联管",
    JointType.joint_services: "服务联做",
}


class NeedStatus(StrEnum):
    """Life cycle of a work order (民情交办单)."""

    open = "open"
    claimed = "claimed"
    in_progress = "in_progress"
    resolved = "resolved"
    followed_up = "followed_up"
    cancelled = "cancelled"

    @property
    def label_zh(self) -> str:
        return _STATUS_ZH[self]


_STATUS_ZH = {
    NeedStatus.open: "待认领",
    NeedStatus.claimed: "已认领",
    NeedStatus.in_progress: "办理中",
    NeedStatus.resolved: "已办结",
    NeedStatus.followed_up: "已回访",
    NeedStatus.cancelled: "已撤销",
}
