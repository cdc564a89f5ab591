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
from gongjian.graph import vocab as gv
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
_UNIT_TYPES_EN: dict[str, str] = {
    "school": "School",
    "kindergarten": "Kindergarten",
    "hospital": "Hospital",
    "bank": "Bank",
    "property_company": "Property company",
    "police": "Police",
    "government": "Government",
    "retirees_centre": "Retirees' centre",
    "enterprise": "Enterprise",
    "social_org": "Social organisation",
    "fire_station": "Fire station",
    "city_management": "City management",
    "utility": "Utility",
    "elevator_maintenance": "Elevator maintenance",
    "elderly_care_post": "Elderly care post",
    "law_firm": "Law firm",
    "other": "Other",
}
_RESOURCE_KINDS_EN: dict[str, str] = {
    "venue_learning": "Learning venue",
    "venue_culture": "Culture venue",
    "venue_sports": "Sports venue",
    "library": "Library",
    "medical": "Medical",
    "education": "Education",
    "finance": "Finance",
    "anti_fraud": "Anti-fraud",
    "legal_aid": "Legal aid",
    "mediation": "Mediation",
    "security_patrol": "Security patrol",
    "fire_safety": "Fire safety",
    "traffic_safety": "Traffic safety",
    "repair": "Repairs",
    "environment": "Environment",
    "culture_arts": "Culture and arts",
    "elderly_care": "Elderly care",
    "children": "Children",
    "employment": "Employment",
    "poverty_relief": "Poverty relief",
    "party_building": "Party building",
    "volunteer": "Volunteers",
}
#: a need category carries the name of the resource kind it grew from, or its own
_NEED_CATEGORIES_EN: dict[str, str] = {
    **_RESOURCE_KINDS_EN,
    "fire_hazard": "Fire hazard to clear",
    "fire_safety_education": "Fire-safety education",
    "elevator_fault": "Elevator fault",
    "heating_fault": "Heating fault",
    "drainage": "Drainage",
    "road_damage": "Road damage",
    "street_light": "Street light",
    "door_access": "Door access",
    "health_checkup": "Health check-up",
    "traffic_calming": "Traffic calming",
}
_JOINT_TYPES_EN: dict[str, str] = {
    "joint_activities": "Joint activities",
    "joint_organization": "Joint organisation",
    "shared_resources": "Shared resources",
    "joint_member_management": "Joint member management",
    "joint_services": "Joint services",
}
_NEED_STATUSES_EN: dict[str, str] = {
    "open": "Open",
    "claimed": "Claimed",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "followed_up": "Followed up",
    "cancelled": "Cancelled",
}
_NEED_SOURCES_EN: dict[str, str] = {
    "visit": "Home visit",
    "grid": "Grid keeper",
    "council": "Residents' council",
    "hotline": "12345 hotline",
    "other": "Other",
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
    "unit_types": (gv.UnitType, _UNIT_TYPES_EN),
    "resource_kinds": (gv.ResourceKind, _RESOURCE_KINDS_EN),
    "need_categories": (gv.NeedCategory, _NEED_CATEGORIES_EN),
    "joint_types": (gv.JointType, _JOINT_TYPES_EN),
    "need_statuses": (gv.NeedStatus, _NEED_STATUSES_EN),
    "need_sources": (gv.NeedSource, _NEED_SOURCES_EN),
    "user_roles": (UserRole, _USER_ROLES_EN),
}


def terms(values: Iterable[_Labelled], english: Mapping[Any, str]) -> list[Term]:
    """The terms of an enum's values, in the enum's order."""
    return [Term(value=v.value, zh=v.label_zh, en=english[v.value]) for v in values]


def vocab(*, now: datetime | None = None) -> Vocab:
    """Every vocabulary with both labels, the weight defaults and the current quarter."""
    tables = {name: terms(enum, english) for name, (enum, english) in ENGLISH.items()}
    return Vocab(
        **tables,
        weights=Weights(),
        current_quarter=current_quarter(now),
    )
