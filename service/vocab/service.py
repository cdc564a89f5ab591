"""The vocabularies with their labels, read from where the domain defines them.

The Chinese labels are the enums' own ``label_zh`` (:mod:`gongjian.graph.model`,
the user roles in :mod:`gongjian.service.state`); the weight defaults are the
planner's :class:`~gongjian.matching.problem.Weights`; the quarter is the one
clock's. The domain has no English labels, so the English of each value lives
here, once: the console used to carry its own copy of both languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from gongjian.core.clock import current_quarter
from gongjian.graph.model import (
    JointType,
    NeedCategory,
    NeedSource,
    NeedStatus,
    ResourceKind,
    UnitType,
)
from gongjian.matching.problem import Weights
from gongjian.service.state import UserRole
from gongjian.service.vocab.schemas import Term, Vocab

__all__ = ["ENGLISH", "terms", "vocab"]


class _Labelled(Protocol):
    """A domain vocabulary value: a ``StrEnum`` member with its ``label_zh``."""

    @property
    def value(self) -> str: ...

    @property
    def label_zh(self) -> str: ...


# The English label of every value, one table per vocabulary (values repeat across
# vocabularies, so one table keyed by value could mix them up).
_UNIT_TYPES_EN: dict[UnitType, str] = {
    UnitType.school: "School",
    UnitType.kindergarten: "Kindergarten",
    UnitType.hospital: "Hospital",
    UnitType.bank: "Bank",
    UnitType.property_company: "Property company",
    UnitType.police: "Police",
    UnitType.government: "Government",
    UnitType.retirees_centre: "Retirees' centre",
    UnitType.enterprise: "Enterprise",
    UnitType.social_org: "Social organisation",
    UnitType.fire_station: "Fire station",
    UnitType.city_management: "City management",
    UnitType.utility: "Utility",
    UnitType.elevator_maintenance: "Elevator maintenance",
    UnitType.elderly_care_post: "Elderly care post",
    UnitType.law_firm: "Law firm",
    UnitType.other: "Other",
}
_RESOURCE_KINDS_EN: dict[ResourceKind, str] = {
    ResourceKind.venue_learning: "Learning venue",
    ResourceKind.venue_culture: "Culture venue",
    ResourceKind.venue_sports: "Sports venue",
    ResourceKind.library: "Library",
    ResourceKind.medical: "Medical",
    ResourceKind.education: "Education",
    ResourceKind.finance: "Finance",
    ResourceKind.anti_fraud: "Anti-fraud",
    ResourceKind.legal_aid: "Legal aid",
    ResourceKind.mediation: "Mediation",
    ResourceKind.security_patrol: "Security patrol",
    ResourceKind.fire_safety: "Fire safety",
    ResourceKind.traffic_safety: "Traffic safety",
    ResourceKind.repair: "Repairs",
    ResourceKind.environment: "Environment",
    ResourceKind.culture_arts: "Culture and arts",
    ResourceKind.elderly_care: "Elderly care",
    ResourceKind.children: "Children",
    ResourceKind.employment: "Employment",
    ResourceKind.poverty_relief: "Poverty relief",
    ResourceKind.party_building: "Party building",
    ResourceKind.volunteer: "Volunteers",
}
#: a need category carries the name of the resource kind it grew from, or its own
_NEED_CATEGORIES_EN: dict[NeedCategory, str] = {
    **{NeedCategory(k.value): v for k, v in _RESOURCE_KINDS_EN.items()},
    NeedCategory.fire_hazard: "Fire hazard to clear",
    NeedCategory.fire_safety_education: "Fire-safety education",
    NeedCategory.elevator_fault: "Elevator fault",
    NeedCategory.heating_fault: "Heating fault",
    NeedCategory.drainage: "Drainage",
    NeedCategory.road_damage: "Road damage",
    NeedCategory.street_light: "Street light",
    NeedCategory.door_access: "Door access",
    NeedCategory.health_checkup: "Health check-up",
    NeedCategory.traffic_calming: "Traffic calming",
}
_JOINT_TYPES_EN: dict[JointType, str] = {
    JointType.joint_activities: "Joint activities",
    JointType.joint_organization: "Joint organisation",
    JointType.shared_resources: "Shared resources",
    JointType.joint_member_management: "Joint member management",
    JointType.joint_services: "Joint services",
}
_NEED_STATUSES_EN: dict[NeedStatus, str] = {
    NeedStatus.open: "Open",
    NeedStatus.claimed: "Claimed",
    NeedStatus.in_progress: "In progress",
    NeedStatus.resolved: "Resolved",
    NeedStatus.followed_up: "Followed up",
    NeedStatus.cancelled: "Cancelled",
}
_NEED_SOURCES_EN: dict[NeedSource, str] = {
    NeedSource.visit: "Home visit",
    NeedSource.grid: "Grid keeper",
    NeedSource.council: "Residents' council",
    NeedSource.hotline: "12345 hotline",
    NeedSource.other: "Other",
}
_USER_ROLES_EN: dict[UserRole, str] = {
    UserRole.committee: "Committee",
    UserRole.unit: "Unit",
    UserRole.community: "Community",
    UserRole.viewer: "Viewer",
    UserRole.city: "City (district organisation department)",
}

#: every vocabulary as (its enum, the English of each value)
ENGLISH: dict[str, tuple[type[StrEnum], Mapping[Any, str]]] = {
    "unit_types": (UnitType, _UNIT_TYPES_EN),
    "resource_kinds": (ResourceKind, _RESOURCE_KINDS_EN),
    "need_categories": (NeedCategory, _NEED_CATEGORIES_EN),
    "joint_types": (JointType, _JOINT_TYPES_EN),
    "need_statuses": (NeedStatus, _NEED_STATUSES_EN),
    "need_sources": (NeedSource, _NEED_SOURCES_EN),
    "user_roles": (UserRole, _USER_ROLES_EN),
}


def terms(values: Iterable[_Labelled], english: Mapping[Any, str]) -> list[Term]:
    """The terms of an enum's values, in the enum's order."""
    return [Term(value=v.value, zh=v.label_zh, en=english[v]) for v in values]


def vocab(*, now: datetime | None = None) -> Vocab:
    """Every vocabulary with both labels, the weight defaults and the current quarter."""
    tables = {name: terms(enum, english) for name, (enum, english) in ENGLISH.items()}
    return Vocab(
        **tables,
        weights=Weights(),
        current_quarter=current_quarter(now),
    )
