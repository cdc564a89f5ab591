"""Compile a graph :class:`~gongjian.graph.model.Snapshot` into a planner :class:`Problem`.

Eligibility
    A need asks for a *need category*; a unit offers *resource kinds*. The
    suitability table (:mod:`gongjian.graph.suitability`, default
    ``seeds/suitability.csv``) says, per need category, which kinds from which
    unit types meet it (0–100). A unit is a candidate for a need when, in the
    snapshot's quarter, it offers a kind with a suitability above 0 for the
    need's category (the best such kind is the one it uses, ``Candidate.kind``),
    and its community is within ``max_distance`` steps of the need's community in
    the community adjacency graph. A work order goes to a *last resort* — a unit
    whose suitability is below ``FitRules.last_resort_below`` (50: a school for a
    basement fire hazard, city management for a stuck lift) — only when no unit
    at or above it is a candidate: suitable units come first, whatever their load
    (a full suitable unit leaves the order unmet, with that reason, for the
    committee to dispatch or whistle). An activity role asks for a resource kind: it
    is looked up as the need category of the same name, and the resource must be
    open on the activity's weekday. Units that would fit but are farther away are
    counted in ``excluded_by_distance``.

Fit score (integer, higher is better) = sum of its parts (:class:`FitRules`):
    ``suitability`` (table value // 5, so 0–20); ``distance`` (−2 per km,
    rounded, when the community and the unit both have coordinates, else −3 per
    adjacency step); ``pairing`` (+5 when the unit is paired 结对 with the
    community); ``cooperation`` (+1 per earlier need/activity the unit served in
    that community, at most +5); ``satisfaction`` (only when the unit has at
    least 2 followed-up needs of that category: 2 × (mean satisfaction − 3),
    rounded, so −4…+4).

Carry-over and dates
    Needs of earlier quarters still open (``snapshot.carried``) enter the plan;
    their priority rises by one per quarter of age, and an overdue one (due
    before ``today``) gets priority 5 (``Need.carried_from``, ``overdue_days``).
    Activities dated before ``today`` are not planned; ``Problem.left_out`` says
    which and why. ``today`` defaults to :func:`gongjian.core.clock.today`.

Capacity: a unit's capacity is effort (a need costs its ``effort``, a role
``role_effort``); a resource's capacity is a number of uses (次) per quarter,
summed per unit and kind into ``Unit.kind_capacity`` (the engines cap the item
kind's uses; see :mod:`gongjian.matching.grouped`).

Interchangeable needs (same category, community, effort) share one candidate
list object; the solver groups them.

Doctest (a two-community snapshot)::

    >>> from gongjian.graph import model as m
    >>> snap = m.Snapshot(
    ...     quarter="2026Q4",
    ...     communities=[m.Community(id="c1", name="一"), m.Community(id="c2", name="二")],
    ...     adjacency=[("c1", "c2")],
    ...     units=[m.Unit(id="u1", name="医院", type="hospital", community_id="c2", capacity=8)],
    ...     resources=[m.Resource(id="r1", unit_id="u1", kind="medical", name="义诊", capacity=6)],
    ...     needs=[m.Need(id="n1", title="体检", category="medical", community_id="c1",
    ...                   quarter="2026Q4", effort=2)],
    ...     activities=[], pairings=[m.Pairing(unit_id="u1", community_id="c1")], history=[],
    ... )
    >>> problem = compile_snapshot(snap)
    >>> c = problem.needs[0].candidates[0]
    >>> (c.unit, c.effort, c.score, c.parts)
    ('u1', 2, 22, {'suitability': 20, 'distance': -3, 'pairing': 5, 'cooperation': 0})

Complexity: O(C·(C+A)) for the distances plus, per distinct (category,
community, effort, weekday), one numpy pass over the units offering a fitting
kind; candidates are built without re-validation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np

from gongjian.core.clock import today as clock_today
from gongjian.core.gcpause import gc_paused
from gongjian.graph.model import Need as GraphNeed
from gongjian.graph.model import NeedStatus, Snapshot, SuitabilityTable
from gongjian.graph.suitability import stored_suitability
from gongjian.matching.problem import (
    Activity,
    Candidate,
    LeftOut,
    Need,
    Pair,
    Problem,
    RoleSlot,
    Unit,
    Weights,
    item_key,
)

__all__ = [
    "FitRules",
    "compile_snapshot",
    "planning_snapshot",
    "quarters_between",
    "with_stored_suitability",
]


class FitRules:
    """The integer weights of the fit score's parts (see the module docstring)."""

    suitability_divisor = 5
    per_step = -3
    per_km = -2
    pairing = 5
    cooperation_per_case = 1
    cooperation_max = 5
    satisfaction_min_followups = 2
    satisfaction_per_point = 2
    #: a work order's candidates below this suitability (0–100) are dropped while one
    #: at or above it is a candidate (activity roles keep them: a role may need several)
    last_resort_below = 50
    carry_per_quarter = 1
    overdue_priority = 5

    @classmethod
    def is_last_resort(cls, parts: dict[str, int]) -> bool:
        """Whether a candidate with these fit parts is a last resort: its suitability
        part (the table value // ``suitability_divisor``) is below ``last_resort_below``.

        >>> FitRules.is_last_resort({"suitability": 8}), FitRules.is_last_resort({"suitability": 10})
        (True, False)
        """
        value = parts.get("suitability", 0)
        return value * cls.suitability_divisor < cls.last_resort_below


_EARTH_KM = 6371.0088


def quarters_between(earlier: str, later: str) -> int:
    """Quarters from ``earlier`` to ``later`` (``2026Q3`` → ``2026Q4`` is 1).

    >>> quarters_between("2025Q4", "2026Q2")
    2
    """
    return (int(later[:4]) * 4 + int(later[5])) - (int(earlier[:4]) * 4 + int(earlier[5]))


@gc_paused()
def planning_snapshot(store: Any, quarter: str, subdistrict: str | None = None) -> Snapshot:
    """The store's snapshot plus what the planner also reads: carried needs and follow-ups.

    ``store.snapshot`` reads the quarter in one transaction; the open needs of
    earlier quarters and the follow-ups of earlier quarters are read after it
    with ``store.list`` (both only change through later work orders, so a read
    a moment later plans the same quarter). The committee's suitability table comes
    with it (:func:`with_stored_suitability`). ``subdistrict``: that sub-district only
    (its carried needs and follow-ups too); None: everything.
    """
    snap = store.snapshot(quarter, subdistrict)
    scope = None if subdistrict is None else {"subdistrict": subdistrict}
    needs: list[GraphNeed] = store.list(GraphNeed, filters=scope, limit=None)
    followups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for n in needs:
        if n.quarter < snap.quarter and n.claimed_by is not None and n.satisfaction is not None:
            cell = followups[(n.claimed_by, n.category.value)]
            cell[0] += 1
            cell[1] += n.satisfaction
    return with_stored_suitability(store, snap).model_copy(
        update={
            "carried": [
                n for n in needs if n.quarter < snap.quarter and n.status == NeedStatus.open
            ],
            "followups": sorted((u, c, k, t) for (u, c), (k, t) in followups.items()),
        }
    )


def with_stored_suitability(store: Any, snapshot: Snapshot) -> Snapshot:
    """``snapshot`` carrying the suitability table stored in ``store`` (the committee's
    edits, :func:`~gongjian.graph.suitability.stored_suitability`), so the compiler —
    in whichever process it runs — uses it; the shipped default when none is stored."""
    return snapshot.model_copy(update={"suitability": stored_suitability(store)[0]})


def _most_units(roles: list[RoleSlot]) -> int:
    """Most distinct units an activity's roles can hold: a maximum matching of slots to units."""
    g = nx.Graph()
    slots = []
    for role in roles:
        for k in range(role.count):
            slot = ("slot", role.id, k)
            slots.append(slot)
            g.add_node(slot)
            g.add_edges_from((slot, ("unit", c.unit)) for c in role.candidates)
    matching = nx.bipartite.hopcroft_karp_matching(g, top_nodes=slots)
    return sum(1 for s in slots if s in matching)


def _built(cls: type[Any], values: dict[str, Any]) -> Any:
    """A pydantic model from values valid by construction, every field given.

    ``model_construct`` costs ~10 µs a call, which at district size (200 000
    candidates) is seconds; this sets the same four slots directly.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _default_table() -> SuitabilityTable:
    from gongjian.seeds.suitability import default_suitability

    return default_suitability()


class _Fit:
    """Per-unit arrays and lookups the candidate lists are computed from (numpy, not per pair)."""

    def __init__(self, snapshot: Snapshot, table: SuitabilityTable, max_distance: int) -> None:
        self.table = table
        self.max_distance = max_distance
        self.units = sorted(snapshot.units, key=lambda u: u.id)
        self.uid = [u.id for u in self.units]
        uindex = {u.id: i for i, u in enumerate(self.units)}
        comms = sorted(c.id for c in snapshot.communities)
        self.cindex = {c: i for i, c in enumerate(comms)}
        n_c = len(comms)
        g = nx.Graph()
        g.add_nodes_from(comms)
        g.add_edges_from(snapshot.adjacency)
        steps = np.full((n_c, n_c), -1, dtype=np.int64)
        for c in comms:
            row = steps[self.cindex[c]]
            for other, d in nx.single_source_shortest_path_length(g, c).items():
                row[self.cindex[other]] = d
        self.steps = steps
        self.ucomm = np.array([self.cindex.get(u.community_id, -1) for u in self.units])
        self.utype = [u.type.value for u in self.units]
        # coordinates: NaN where missing
        cl = {c.id: (c.lat, c.lon) for c in snapshot.communities}
        self.clat = np.array([np.nan if cl[c][0] is None else cl[c][0] for c in comms])
        self.clon = np.array([np.nan if cl[c][1] is None else cl[c][1] for c in comms])
        self.ulat = np.array([np.nan if u.lat is None else u.lat for u in self.units])
        self.ulon = np.array([np.nan if u.lon is None else u.lon for u in self.units])
        self.paired = {(p.unit_id, p.community_id) for p in snapshot.pairings}
        self.history = {(u, c): n for u, c, n in snapshot.history}
        self.followups = {(u, c): (k, t) for u, c, k, t in snapshot.followups}
        # who offers each kind this quarter, and on which weekdays
        self.days: dict[str, dict[int, set[int]]] = defaultdict(dict)
        self.kind_capacity: dict[str, dict[str, int]] = defaultdict(dict)
        for r in snapshot.resources:
            i = uindex.get(r.unit_id)
            if i is None or not r.available_in(snapshot.quarter):
                continue
            self.days[r.kind.value].setdefault(i, set()).update(r.weekdays or range(1, 8))
            caps = self.kind_capacity[r.unit_id]
            caps[r.kind.value] = caps.get(r.kind.value, 0) + r.capacity
        self._offer_cache: dict[tuple[str, int | None], tuple[np.ndarray, ...]] = {}
        self._primary: dict[str, str] = {}
        self._cand_cache: dict[
            tuple[str, str, int, int | None, bool], tuple[list[Candidate], int]
        ] = {}

    def offers(self, category: str, weekday: int | None) -> tuple[np.ndarray, ...]:
        """Units that fit ``category`` (suitability > 0): index, suitability, kind, sorted by id."""
        key = (category, weekday)
        hit = self._offer_cache.get(key)
        if hit is not None:
            return hit
        best: dict[int, tuple[int, str]] = {}
        for kind, by_type in sorted(self.table.kinds_for(category).items()):
            for i, days in self.days.get(kind, {}).items():
                if weekday is not None and weekday not in days:
                    continue
                value = by_type.get(self.utype[i], by_type.get(None))
                if value is None or value <= 0:
                    continue
                # the best kind wins; on a tie the kind first in sort order
                if i not in best or value > best[i][0]:
                    best[i] = (value, kind)
        idx = np.array(sorted(best), dtype=np.int64)
        suit = np.array([best[i][0] for i in idx.tolist()], dtype=np.int64)
        kinds = np.array([best[i][1] for i in idx.tolist()], dtype=object)
        out = (idx, suit, kinds)
        self._offer_cache[key] = out
        return out

    def candidates(
        self,
        category: str,
        community: str,
        effort: int,
        weekday: int | None,
        *,
        suitable_first: bool = False,
    ) -> tuple[list[Candidate], int]:
        """The candidate list of an item (one shared list per key) and the too-far count.

        ``suitable_first`` (work orders): last resorts (suitability below
        ``FitRules.last_resort_below``) are left out while a suitable unit is near.
        """
        key = (category, community, effort, weekday, suitable_first)
        hit = self._cand_cache.get(key)
        if hit is not None:
            return hit
        rules = FitRules
        idx, suit, kinds = self.offers(category, weekday)
        ci = self.cindex.get(community, -1)
        if ci < 0 or idx.size == 0:
            out: tuple[list[Candidate], int] = ([], 0)
            self._cand_cache[key] = out
            return out
        uc = self.ucomm[idx]
        d = np.where(uc >= 0, self.steps[ci][np.maximum(uc, 0)], -1)
        near = (d >= 0) & (d <= self.max_distance)
        too_far = int(idx.size - near.sum())
        idx, suit, kinds, d = idx[near], suit[near], kinds[near], d[near]
        if suitable_first:
            suitable = suit >= rules.last_resort_below
            if suitable.any():
                idx, suit, kinds, d = idx[suitable], suit[suitable], kinds[suitable], d[suitable]
        # straight-line distance where both ends have coordinates (haversine)
        lat1, lon1 = np.radians(self.clat[ci]), np.radians(self.clon[ci])
        lat2, lon2 = np.radians(self.ulat[idx]), np.radians(self.ulon[idx])
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        )
        km = 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        has_km = ~np.isnan(km)
        dist_part = np.where(
            has_km, np.rint(rules.per_km * np.nan_to_num(km)), rules.per_step * d
        ).astype(np.int64)
        # plain Python values, once per list: a numpy scalar per field of 200 000
        # candidates cost seconds at district size
        suit_part = (suit // rules.suitability_divisor).tolist()
        dist_part = dist_part.tolist()
        km_list = [
            round(x, 2) if ok else None for x, ok in zip(km.tolist(), has_km.tolist(), strict=True)
        ]
        kind_list = [str(k) for k in kinds.tolist()]
        paired, history, followups = self.paired, self.history, self.followups
        pairing, coop_max, coop_per = (
            rules.pairing,
            rules.cooperation_max,
            rules.cooperation_per_case,
        )
        follow_min, per_point = rules.satisfaction_min_followups, rules.satisfaction_per_point
        cands: list[Candidate] = []
        for j, i in enumerate(idx.tolist()):
            unit_id = self.uid[i]
            parts = {
                "suitability": suit_part[j],
                "distance": dist_part[j],
                "pairing": pairing if (unit_id, community) in paired else 0,
                "cooperation": min(coop_max, coop_per * history.get((unit_id, community), 0)),
            }
            follow = followups.get((unit_id, category))
            if follow is not None and follow[0] >= follow_min:
                k, total = follow
                parts["satisfaction"] = round(per_point * (total - 3 * k) / k)
            cands.append(
                _built(
                    Candidate,
                    {
                        "unit": unit_id,
                        "effort": effort,
                        "score": sum(parts.values()),
                        "parts": parts,
                        "kind": kind_list[j],
                        "distance_km": km_list[j],
                        "beyond_distance_limit": False,
                    },
                )
            )
        out = (cands, too_far)
        self._cand_cache[key] = out
        return out

    def primary_kind(self, category: str) -> str:
        """The kind the table rates highest for ``category`` (the item's kind for kind caps)."""
        hit = self._primary.get(category)
        if hit is None:
            kinds = self.table.kinds_for(category)
            hit = max(sorted(kinds), key=lambda k: max(kinds[k].values())) if kinds else category
            self._primary[category] = hit
        return hit


def _carry(n: GraphNeed, quarter: str, today: dt.date) -> tuple[int, str | None, int]:
    """Priority, quarter carried from and days overdue of a need planned in ``quarter``."""
    priority = 5 if n.whistle else n.priority
    overdue = max(0, (today - n.due).days) if n.due is not None else 0
    if n.quarter >= quarter:
        return priority, None, overdue
    rules = FitRules
    age = quarters_between(n.quarter, quarter)
    priority = min(5, priority + rules.carry_per_quarter * age)
    if overdue:
        priority = max(priority, rules.overdue_priority)
    return priority, n.quarter, overdue


@gc_paused()
def compile_snapshot(
    snapshot: Snapshot,
    *,
    max_distance: int = 2,
    role_effort: int = 2,
    weights: Weights | None = None,
    pinned: list[Pair] | None = None,
    forbidden: list[Pair] | None = None,
    previous: list[Pair] | None = None,
    roles_required: bool = False,
    name: str | None = None,
    suitability: SuitabilityTable | None = None,
    today: dt.date | None = None,
    last_resorts: bool = False,
) -> Problem:
    """Build the planning problem of a quarter from its graph snapshot.

    Parameters
    ----------
    snapshot:
        What the store read for the quarter (:meth:`GraphStore.snapshot`, or
        :func:`planning_snapshot` to carry open needs over and use follow-ups).
    max_distance:
        Largest number of community adjacency steps between a unit and the
        community it serves.
    role_effort:
        Effort one unit spends on an activity role.
    roles_required:
        When true, a role with enough candidates must get exactly ``count`` units;
        otherwise roles are filled as far as it pays (the default: one missing
        venue should not make the whole quarter infeasible). An activity's
        ``min_units`` always holds, clipped to its number of distinct candidates.
    suitability:
        The suitability table (default: the snapshot's, the committee's stored one
        when read by :func:`planning_snapshot`; else the one shipped in
        ``seeds/suitability.csv``).
    today:
        The day the plan is made (default :func:`gongjian.core.clock.today`):
        activities before it are left out, needs due before it are overdue.
    last_resorts:
        Keep a work order's last resorts among its candidates even where a suitable
        unit is near (the recommendations' second look, when no suitable unit can
        take it); the planner never sets it.
    """
    table = suitability if suitability is not None else snapshot.suitability
    table = table if table is not None else _default_table()
    today = today if today is not None else clock_today()
    fit = _Fit(snapshot, table, max_distance)

    units = [
        Unit(
            id=u.id,
            name=u.name,
            capacity=u.capacity,
            kind_capacity=dict(sorted(fit.kind_capacity.get(u.id, {}).items())),
        )
        for u in fit.units
    ]
    needs = []
    seen: set[str] = set()
    for n in sorted([*snapshot.needs, *snapshot.carried], key=lambda n: n.id):
        if n.id in seen:
            continue
        seen.add(n.id)
        category = n.category.value
        cands, too_far = fit.candidates(
            category, n.community_id, n.effort, None, suitable_first=not last_resorts
        )
        priority, carried_from, overdue = _carry(n, snapshot.quarter, today)
        needs.append(
            Need.model_construct(
                id=n.id,
                name=n.title,
                kind=fit.primary_kind(category),
                priority=priority,
                required=False,
                community=n.community_id,
                category=f"{category}|{n.community_id}|{n.effort}",
                candidates=cands,
                excluded_by_distance=too_far,
                carried_from=carried_from,
                overdue_days=overdue if carried_from else 0,
            )
        )
    activities = []
    left_out: list[LeftOut] = []
    for a in sorted(snapshot.activities, key=lambda a: a.id):
        if a.date < today:
            left_out.append(
                LeftOut(
                    item=a.id,
                    name=a.title,
                    reason="activity_date_passed",
                    detail=f"活动日期 {a.date} 已过（今天 {today}），不再安排 "
                    f"(the activity's date has passed; not planned)",
                )
            )
            continue
        roles = []
        for i, role in enumerate(a.roles, start=1):
            cands, _ = fit.candidates(
                role.kind.value, a.community_id, role_effort, a.date.isoweekday()
            )
            roles.append(
                RoleSlot(
                    id=f"r{i}",
                    kind=role.kind.value,
                    count=role.count,
                    required=roles_required and len(cands) >= role.count,
                    candidates=cands,
                )
            )
        activities.append(
            Activity(
                id=a.id,
                name=a.title,
                joint_type=a.joint_type.value,
                community=a.community_id,
                date=a.date,
                roles=roles,
                # a minimum no set of candidates can reach would only make the quarter
                # infeasible; clip it to what eligibility allows
                min_units=min(a.min_units, _most_units(roles)),
                max_units=a.max_units,
            )
        )
    gone = {lo.item for lo in left_out}

    def kept(pairs: list[Pair] | None) -> list[Pair]:
        # pins and earlier pairs on an activity left out have nothing left to hold
        return [p for p in pairs or [] if p.item.partition("/")[0] not in gone]

    return Problem(
        name=name or f"quarter-{snapshot.quarter}",
        units=units,
        needs=needs,
        activities=activities,
        pinned=kept(pinned),
        forbidden=kept(forbidden),
        previous=kept(previous) if previous is not None else None,
        weights=weights or Weights(),
        left_out=left_out,
    )


def role_key(activity_id: str, index: int) -> str:
    """Item key of role ``index`` (from 1) of an activity, as compiled here."""
    return item_key(activity_id, f"r{index}")
