"""Field-level permissions: which role may set which field of which entity.

Object-level scopes (:mod:`gongjian.service.registry.service`) decide *which*
objects a role may write; this table decides which *fields* inside them. It is
the one place the rule lives: :func:`check_fields` applies it to every create
and update of the registry, and ``tests/api/test_authz_matrix.py`` runs over it.

====================  ==================  =========  ==============  ===========  ======
entity                field               committee  unit            community    viewer
====================  ==================  =========  ==============  ===========  ======
Unit                  type                allow      deny            deny         deny
Unit                  community_id        allow      deny            deny         deny
Community             stars               allow      deny            deny         deny
Community             subdistrict_id      allow      deny            deny         deny
PartyMember           points              entries    deny            own entries  deny
PartyMember           community_id        allow      own community   allow        deny
Need                  grid_id             own grid   own grid        own grid     deny
Need                  complainant_name    allow      deny            allow        deny
Need                  complainant_phone   allow      deny            allow        deny
Need                  address             allow      deny            allow        deny
====================  ==================  =========  ==============  ===========  ======

* **deny**: the field may not change (on create: may not differ from the
  model's default) — 403 naming the field (``error.field``);
* **entries**: changes only through recorded point entries
  (``POST /party-members/{id}/points``: who, when, why, how many, written with the
  new total in one transaction); a PUT that changes it is 409 naming that endpoint.
  On create the committee may give the initial points;
* **own entries**: the same, for members registered in the user's own community
  (``community_id``); a new member's points start at 0 (403 otherwise);
* **own community**: a unit registers members only in its own community;
* **own grid**: a need's grid must be one of the need's community's grids (422,
  as the import says it).

A need's complainant (name, phone, address) is personal data: the committee and the
community the need is raised in write it (a need's object scope already keeps every
other community out) and read it in full; everyone else reads it masked
(:mod:`gongjian.service.needs.privacy`), so no other role may write it either.

A unit's sub-district is its community's, so ``community_id`` covers it. The
fields not in the table are free for whoever passes the object scope; value
bounds (capacities, points) are in the domain model (:mod:`gongjian.graph.model`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from gongjian.core.errors import ConflictError, InvalidInputError, NotFoundError
from gongjian.graph.model import Entity, Grid, PartyMember, Unit
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User, UserRole
from gongjian.service.errors import ForbiddenError

__all__ = [
    "FIELD_TABLE",
    "POINTS_ENDPOINT",
    "Access",
    "access",
    "changed_fields",
    "check_fields",
    "check_point_entry",
]

#: where a member's points change (the only way they do)
POINTS_ENDPOINT = "POST /party-members/{id}/points"


class Access(StrEnum):
    """What a role may do with a field."""

    allow = "allow"
    deny = "deny"
    own_community = "own_community"
    own_grid = "own_grid"
    entries = "entries"
    own_entries = "own_entries"


_A, _D, _OC, _OG, _PE, _OPE = (
    Access.allow,
    Access.deny,
    Access.own_community,
    Access.own_grid,
    Access.entries,
    Access.own_entries,
)
_ROLES = (UserRole.committee, UserRole.unit, UserRole.community, UserRole.viewer)

#: (entity label, field) → access per role, in the order of :data:`_ROLES`
_ROWS: list[tuple[str, str, tuple[Access, Access, Access, Access]]] = [
    ("Unit", "type", (_A, _D, _D, _D)),
    ("Unit", "community_id", (_A, _D, _D, _D)),
    ("Community", "stars", (_A, _D, _D, _D)),
    ("Community", "subdistrict_id", (_A, _D, _D, _D)),
    ("PartyMember", "points", (_PE, _D, _OPE, _D)),
    ("PartyMember", "community_id", (_A, _OC, _A, _D)),
    ("Need", "grid_id", (_OG, _OG, _OG, _D)),
    ("Need", "complainant_name", (_A, _D, _A, _D)),
    ("Need", "complainant_phone", (_A, _D, _A, _D)),
    ("Need", "address", (_A, _D, _A, _D)),
]

#: the table: (role, entity label, field) → access; a field not listed is free
FIELD_TABLE: dict[tuple[UserRole, str, str], Access] = {
    (role, label, field): cell
    for label, field, cells in _ROWS
    for role, cell in zip(_ROLES, cells, strict=True)
} | {
    # the city role reads everything and plans; it writes none of the guarded fields
    (UserRole.city, label, field): Access.deny
    for label, field, _ in _ROWS
}

_FIELD_ZH = {
    "type": "单位类型",
    "community_id": "所属社区",
    "stars": "星级",
    "subdistrict_id": "所属街道",
    "points": "积分",
    "grid_id": "网格",
    "complainant_name": "诉求人",
    "complainant_phone": "联系电话",
    "address": "地址",
}


def access(role: UserRole, label: str, field: str) -> Access:
    """What ``role`` may do with ``field`` of an entity labelled ``label``."""
    return FIELD_TABLE.get((role, label, field), Access.allow)


def changed_fields(old: Entity | None, new: Entity) -> list[str]:
    """The table's fields of ``new`` that differ from ``old`` (from the defaults on create)."""
    label = type(new).LABEL
    out = []
    for (_role, lab, field), _cell in FIELD_TABLE.items():
        if lab != label or field in out:
            continue
        if old is not None:
            before = getattr(old, field)
        else:
            info = type(new).model_fields[field]
            before = None if info.is_required() else info.get_default(call_default_factory=True)
        if getattr(new, field) != before:
            out.append(field)
    return out


def _refuse(user: User, label_zh: str, field: str) -> ForbiddenError:
    return ForbiddenError(
        f"{user.role.label_zh}角色无权修改{label_zh}的{_FIELD_ZH.get(field, field)}"
        f"（{field}），请联系共建委员会 (role '{user.role.value}' may not set '{field}')",
        role=user.role.value,
        field=field,
    )


def check_fields(
    *, store: GraphStore, user: User, old: Entity | None, new: Entity
) -> list[tuple[str, Any, Any]]:
    """Apply the table to a create (``old`` None) or an update of ``new``.

    Raises 403 (:class:`ForbiddenError` with ``field``) for a field the role may
    not set, 409 for an update of a field that changes only through its entries
    (points), 422 for a need on another community's grid. Returns the committee's
    initial values of such fields on create as ``(field, None, after)``.
    """
    kind = type(new)
    audited: list[tuple[str, Any, Any]] = []
    fields = changed_fields(old, new)
    if kind.LABEL == "Need" and getattr(new, "grid_id", None) is not None:
        fields = sorted({*fields, "grid_id"})  # the grid rule holds for any grid, changed or not
    for field in fields:
        cell = access(user.role, kind.LABEL, field)
        after = getattr(new, field)
        if cell in (Access.entries, Access.own_entries) and old is not None:
            raise _through_entries(old, field)
        if cell == Access.deny or (cell == Access.own_entries and old is None):
            raise _refuse(user, kind.LABEL_ZH, field)
        if cell == Access.entries:  # the initial points of a new member
            audited.append((field, None if old is None else getattr(old, field), after))
        elif cell == Access.own_community:
            own = store.get(Unit, user.unit_id).community_id if user.unit_id else None
            if after != own:
                raise ForbiddenError(
                    f"单位只能登记本社区（{own}）的在职党员，不能登记到 {after}"
                    f"（community_id） (a unit registers members only in its own community)",
                    role=user.role.value,
                    field=field,
                )
        elif cell == Access.own_grid and after is not None:
            _check_grid(store, after, new.community_id)  # type: ignore[attr-defined]
    return audited


def _through_entries(old: Entity, field: str) -> ConflictError:
    endpoint = POINTS_ENDPOINT.replace("{id}", old.id)
    return ConflictError(
        f"{_FIELD_ZH.get(field, field)}（{field}）不能直接修改，请用 {endpoint} 记一笔积分"
        f"（分值与原因）(points change only through recorded point entries: {endpoint})",
        field=field,
        endpoint=endpoint,
    )


def check_point_entry(user: User, member: PartyMember) -> None:
    """403 unless the table lets ``user`` record point entries for ``member``."""
    cell = access(user.role, "PartyMember", "points")
    if cell == Access.entries:
        return
    if cell == Access.own_entries and user.community_id == member.community_id:
        return
    raise ForbiddenError(
        f"{user.role.label_zh}角色无权为在职党员 {member.id} 记积分"
        f"（仅共建委员会及其报到社区）(role '{user.role.value}' may not record points"
        " for this member)",
        role=user.role.value,
        field="points",
    )


def _check_grid(store: GraphStore, grid_id: str, community_id: str) -> None:
    """422 unless ``grid_id`` is a grid of ``community_id`` (the import's rule)."""
    try:
        grid = store.get(Grid, grid_id)
    except NotFoundError:
        raise InvalidInputError(
            f"未知网格 {grid_id} (unknown grid)",
            [{"field": "grid_id", "message": "unknown grid"}],
        ) from None
    if grid.community_id != community_id:
        raise InvalidInputError(
            f"网格 {grid.id} 属于社区 {grid.community_id}，不属于 {community_id}（grid_id）"
            " (the grid belongs to another community)",
            [{"field": "grid_id", "message": "the grid belongs to another community"}],
        )
