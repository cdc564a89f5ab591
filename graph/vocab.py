"""Vocabularies of the joint-building graph, each value with its Chinese label.

Unit types (驻区单位类型), resource kinds (资源类别: what a unit offers), need
categories (需求类别: what residents ask for), the five joints (五联) and the
statuses of a work order (民情交办单). Re-exported by :mod:`gongjian.graph.model`.

Need categories and resource kinds are two vocabularies, joined by the
suitability table (:mod:`gongjian.graph.suitability`): a basement fire hazard to
clear (``fire_hazard``) and fire-safety teaching (``fire_safety_education``) both
use a ``fire_safety`` resource, but not from the same units. Every resource kind
is also a need category of the same name ("a need for that kind of service"), so
work orders written before the split load unchanged; the table gives each of
them a row.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["JointType", "NeedCategory", "NeedStatus", "ResourceKind", "UnitType"]


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
    fire_station = "fire_station"
    city_management = "city_management"
    utility = "utility"
    elevator_maintenance = "elevator_maintenance"
    elderly_care_post = "elderly_care_post"
    law_firm = "law_firm"
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
    UnitType.fire_station: "消防救援站",
    UnitType.city_management: "城市管理",
    UnitType.utility: "公用事业（供热、供水）",
    UnitType.elevator_maintenance: "电梯维保",
    UnitType.elderly_care_post: "养老驿站",
    UnitType.law_firm: "律师事务所",
    UnitType.other: "其他",
}


class ResourceKind(StrEnum):
    """What a unit can offer and what a need asks for (资源/需求类别).

    What a need asks for is a :class:`NeedCategory`; which kinds (and which
    unit types) can meet it is the suitability table's business.
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


class NeedCategory(StrEnum):
    """What a resident need asks for (需求类别).

    The first block are the resource kinds themselves (a need "for a medical
    service"), kept so old work orders load unchanged; the second block are the
    categories re-derived from the Xingcheng case report, where the same
    resource kind serves different problems.
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
    # re-derived from the case report
    fire_hazard = "fire_hazard"
    fire_safety_education = "fire_safety_education"
    elevator_fault = "elevator_fault"
    heating_fault = "heating_fault"
    drainage = "drainage"
    road_damage = "road_damage"
    street_light = "street_light"
    door_access = "door_access"
    health_checkup = "health_checkup"
    traffic_calming = "traffic_calming"

    @property
    def label_zh(self) -> str:
        return _CATEGORY_ZH.get(self) or ResourceKind(self.value).label_zh


_CATEGORY_ZH = {
    NeedCategory.fire_hazard: "消防隐患整改",
    NeedCategory.fire_safety_education: "消防安全宣传",
    NeedCategory.elevator_fault: "电梯故障",
    NeedCategory.heating_fault: "供暖故障",
    NeedCategory.drainage: "下水疏通",
    NeedCategory.road_damage: "路面破损",
    NeedCategory.street_light: "路灯维修",
    NeedCategory.door_access: "门禁维修",
    NeedCategory.health_checkup: "健康义诊",
    NeedCategory.traffic_calming: "交通设施（减速带）",
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
