"""清单制 (annual responsibility lists): 年初列清单、年中查清单、年底述清单.

At the start of a year each unit and each community lists its commitments
(承诺事项): a title, one of the five joints, a measure with a target and the month
it is due. The list of one owner and year is one settings document beside the
graph (``commitments:<kind>:<id>:<year>``, versioned like the suitability table;
version 0 = nothing recorded), so both stores keep it and every write checks the
version in its own transaction.

Rights: the committee edits every list of its sub-district, a unit role its own
unit's, a community role its own community's; every signed-in role reads the lists
of its sub-district (the viewer too; the city role every list). A list of another
sub-district's owner is not found to read (the routes read through
:data:`gongjian.service.scope.ScopedReads`) and refused (403) to write. The figures
of an owner in scope count all its data (a unit may serve across a border).

Progress (年中查清单) and the year-end report (年底述清单) come from the data with
the metrics' own functions (:mod:`gongjian.service.metrics.service`), over the
needs and activities of the year's four quarters:

* **activities** — a unit: the activities it is assigned to (``unit_loads``' count,
  per quarter, summed); a community: the activities hosted in it. A commitment
  counts those of its own joint type;
* **orders resolved / claimed, satisfaction** — ``unit_rates`` /
  ``community_rates`` over the year's needs (``resolution_rate`` and
  ``satisfaction_rate``, numerators and denominators);
* **members' points** — ``member_points`` of the unit's (or community's) members:
  their total now (points carry no year).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from gongjian.core.clock import today as clock_today
from gongjian.core.errors import ConflictError, NotFoundError, PreconditionFailedError
from gongjian.graph.model import Activity, Community, Need, PartyMember, Unit
from gongjian.graph.store import GraphStore
from gongjian.graph.vocab import JointType
from gongjian.service.auth.permissions import (
    require_community,
    require_subdistrict,
    require_unit,
    require_writer,
)
from gongjian.service.auth.schemas import User
from gongjian.service.commitments.schemas import (
    Commitment,
    CommitmentIn,
    CommitmentList,
    Figures,
    ItemProgress,
    Measure,
    OwnerKind,
    Progress,
)
from gongjian.service.metrics.service import (
    community_rates,
    member_points,
    unit_loads,
    unit_rates,
)
from gongjian.service.registry.service import expected_version
from gongjian.service.scope import unscoped

__all__ = [
    "add_item",
    "document_name",
    "figures",
    "owner_name",
    "progress",
    "read_list",
    "remove_item",
    "replace_list",
]

MIN_YEAR, MAX_YEAR = 2000, 2100
#: attempts of an item add/remove that lost a race with another write (re-read, re-apply)
_ATTEMPTS = 5


def document_name(kind: OwnerKind, owner_id: str, year: int) -> str:
    """>>> document_name(OwnerKind.unit, "u01", 2026)
    'commitments:unit:u01:2026'
    """
    return f"commitments:{kind.value}:{owner_id}:{year}"


def owner_name(store: GraphStore, kind: OwnerKind, owner_id: str) -> str:
    """The owner's name (404 for an unknown unit or community)."""
    entity = store.get(Unit if kind == OwnerKind.unit else Community, owner_id)
    return entity.name


def _owner_in_scope(store: GraphStore, user: User, kind: OwnerKind, owner_id: str) -> None:
    """404 for an unknown owner, 403 for one of another sub-district than ``user``'s."""
    entity = store.get(Unit if kind == OwnerKind.unit else Community, owner_id)
    require_subdistrict(user, entity.subdistrict, f"修改其他街道{entity.LABEL_ZH}的清单")


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFoundError("年度", str(year))


def require_editor(user: User, kind: OwnerKind, owner_id: str) -> None:
    """The committee; the unit role of this unit; the community role of this community."""
    require_writer(user)
    if kind == OwnerKind.unit:
        require_unit(user, owner_id, "修改其他单位的清单")
    else:
        require_community(user, owner_id, "修改其他社区的清单")


def _stored(store: GraphStore, name: str) -> tuple[list[Commitment], int]:
    doc = store.get_document(name)
    if doc is None:
        return [], 0
    return [Commitment.model_validate(i) for i in json.loads(doc.body)["items"]], doc.version


def read_list(*, store: GraphStore, kind: OwnerKind, owner_id: str, year: int) -> CommitmentList:
    _check_year(year)
    name = owner_name(store, kind, owner_id)
    items, version = _stored(store, document_name(kind, owner_id, year))
    return CommitmentList(
        owner_kind=kind, owner_id=owner_id, owner_name=name, year=year, version=version, items=items
    )


def _numbered(items: list[CommitmentIn], taken: list[Commitment]) -> list[Commitment]:
    """Every item with an id: the given ones kept (each once), new ones ``k<n>`` after the
    highest id so far (ids are never reused within a list)."""
    seen: set[str] = set()
    for i in items:
        if i.id is not None:
            if i.id in seen:
                raise ConflictError(f"条目编号 {i.id} 重复 (item id given twice)", id=i.id)
            seen.add(i.id)
    high = max((int(x[1:]) for x in seen | {t.id for t in taken}), default=0)
    out = []
    for i in items:
        if i.id is None:
            high += 1
            out.append(Commitment(**{**i.model_dump(), "id": f"k{high}"}))
        else:
            out.append(Commitment(**i.model_dump()))
    return out


def _write(store: GraphStore, name: str, items: list[Commitment], version: int) -> int:
    body = json.dumps(
        {"items": [i.model_dump(mode="json") for i in items]},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return store.put_document(name, body, expected_version=version)


def replace_list(
    *,
    store: GraphStore,
    user: User,
    kind: OwnerKind,
    owner_id: str,
    year: int,
    items: list[CommitmentIn],
    if_match: str | None,
) -> CommitmentList:
    """Replace the whole list (``If-Match``: the version read, ``"0"`` for a first list)."""
    require_editor(user, kind, owner_id)
    _check_year(year)
    version = expected_version(if_match)
    _owner_in_scope(store, user, kind, owner_id)
    name = document_name(kind, owner_id, year)
    stored, stored_version = _stored(store, name)
    if version is not None and version != stored_version:
        raise PreconditionFailedError(
            f"清单已被他人修改（当前版本 {stored_version}），请刷新后重试"
            " (the list changed since you read it; reload and try again)",
            etag=f'"{stored_version}"',
        )
    # the version checked again in the write's transaction (put_document)
    _write(store, name, _numbered(items, stored), stored_version)
    return read_list(store=store, kind=kind, owner_id=owner_id, year=year)


def _edit(
    store: GraphStore, name: str, change: Callable[[list[Commitment]], list[Commitment]]
) -> None:
    """Apply ``change`` to the stored list; a lost race re-reads and re-applies."""
    for attempt in range(_ATTEMPTS):
        items, version = _stored(store, name)
        try:
            _write(store, name, change(items), version)
            return
        except PreconditionFailedError:
            if attempt == _ATTEMPTS - 1:
                raise


def add_item(
    *,
    store: GraphStore,
    user: User,
    kind: OwnerKind,
    owner_id: str,
    year: int,
    item: CommitmentIn,
) -> Commitment:
    """Add one commitment (a new id; an ``id`` in the body is refused)."""
    require_editor(user, kind, owner_id)
    _check_year(year)
    _owner_in_scope(store, user, kind, owner_id)
    if item.id is not None:
        raise ConflictError("新条目不能指定编号 (a new item gets its id from the server)")
    added: list[Commitment] = []

    def change(items: list[Commitment]) -> list[Commitment]:
        if len(items) >= 50:
            raise ConflictError("每年最多 50 条承诺事项 (at most 50 commitments a year)")
        new = _numbered([item], items)[0]
        added[:] = [new]
        return [*items, new]

    _edit(store, document_name(kind, owner_id, year), change)
    return added[0]


def remove_item(
    *, store: GraphStore, user: User, kind: OwnerKind, owner_id: str, year: int, item_id: str
) -> None:
    require_editor(user, kind, owner_id)
    _check_year(year)
    _owner_in_scope(store, user, kind, owner_id)

    def change(items: list[Commitment]) -> list[Commitment]:
        if not any(i.id == item_id for i in items):
            raise NotFoundError("承诺事项", item_id)
        return [i for i in items if i.id != item_id]

    _edit(store, document_name(kind, owner_id, year), change)


# --------------------------------------------------------------------------- figures


def _quarters(year: int) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def figures(*, store: GraphStore, kind: OwnerKind, owner_id: str, year: int) -> Figures:
    """The owner's figures of ``year`` (definitions in the module docstring)."""
    _check_year(year)
    needs: list[Need] = []
    activities: dict[str, list[Activity]] = {}
    for q in _quarters(year):
        needs += store.list(Need, filters={"quarter": q}, limit=None)
        activities[q] = store.list(Activity, filters={"quarter": q}, limit=None)
    units = store.list(Unit, limit=None)
    communities = store.list(Community, limit=None)
    members = store.list(PartyMember, limit=None)
    by_joint: dict[str, int] = {}
    if kind == OwnerKind.unit:
        unit = store.get(Unit, owner_id)
        rates = unit_rates([unit], needs)[0]
        assignments = store.assignments()
        for jt in JointType:
            by_joint[jt.value] = sum(
                unit_loads(
                    [unit],
                    needs,
                    [a for a in activities[q] if a.joint_type == jt],
                    assignments,
                    quarter=q,
                )[0].activities
                for q in activities
            )
        points = member_points(members, units, communities, unit_id=owner_id)
    else:
        community = store.get(Community, owner_id)
        rates = community_rates([community], needs)[0]
        for jt in JointType:
            by_joint[jt.value] = sum(
                1
                for q in activities
                for a in activities[q]
                if a.community_id == owner_id and a.joint_type == jt
            )
        points = member_points(members, units, communities, community_id=owner_id)
    return Figures(
        activities=sum(by_joint.values()),
        activities_by_joint=by_joint,
        cases=rates.cases,
        orders_resolved=rates.resolution_rate.numerator,
        orders_claimed=rates.resolution_rate.denominator,
        satisfied=rates.satisfaction_rate.numerator,
        rated=rates.satisfaction_rate.denominator,
        satisfaction=rates.satisfaction_rate.value,
        mean_satisfaction=rates.mean_satisfaction,
        party_members=points.total_members,
        member_points=points.total_points,
    )


def _actual(item: Commitment, f: Figures) -> float | None:
    match item.measure:
        case Measure.activities:
            return float(f.activities_by_joint.get(item.joint_type.value, 0))
        case Measure.orders_resolved:
            return float(f.orders_resolved)
        case Measure.member_points:
            return float(f.member_points)
        case Measure.satisfaction:
            return None if f.satisfaction is None else round(f.satisfaction * 100, 1)
    return None  # pragma: no cover - every measure is matched above


def progress(
    *, store: GraphStore, kind: OwnerKind, owner_id: str, year: int, as_of: date | None = None
) -> Progress:
    """The list with each commitment's actual value, share of target and status as of
    ``as_of`` (today): done, overdue (its month is past), in progress, or no data."""
    listed = read_list(store=store, kind=kind, owner_id=owner_id, year=year)
    day = as_of or clock_today()
    f = figures(store=unscoped(store), kind=kind, owner_id=owner_id, year=year)
    items = []
    for item in listed.items:
        actual = _actual(item, f)
        share = None if actual is None else round(actual / item.target, 4)
        past_due = (day.year, day.month) > (year, item.due_month)
        status: Any
        if actual is None:
            status = "overdue" if past_due else "no_data"
        elif actual >= item.target:
            status = "done"
        else:
            status = "overdue" if past_due else "in_progress"
        items.append(ItemProgress(item=item, actual=actual, share=share, status=status))
    return Progress(
        owner_kind=kind,
        owner_id=owner_id,
        owner_name=listed.owner_name,
        year=year,
        as_of=day,
        version=listed.version,
        figures=f,
        items=items,
    )
