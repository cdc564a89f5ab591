"""Compile a graph :class:`~gongjian.graph.model.Snapshot` into a planner :class:`Problem`.

Eligibility
    A unit is a candidate for a need when, in the snapshot's quarter, it
    declares a resource of the need's category, and its community is within
    ``max_distance`` steps of the need's community in the community adjacency
    graph (networkx breadth-first search). For an activity role the resource
    must also be open on the activity's weekday. Units offering the kind but
    farther away are counted in ``excluded_by_distance`` so that an unmet need
    can be explained by the distance limit.

Fit score (integer, higher is better) = sum of its parts:
    ``kind_match`` (+10, the unit declares the kind), ``distance`` (−3 per step),
    ``pairing`` (+5 when the unit is paired 结对 with the community),
    ``cooperation`` (+1 per earlier need/activity the unit served in that
    community, at most +5).

Effort: a need costs its own ``effort``; an activity role costs ``role_effort``
per unit. A unit's capacity is its quarterly capacity; its capacity per kind is
the sum of the capacities of its resources of that kind in the quarter.

Interchangeable needs (same category, community, effort, priority) compile to
identical candidate lists; the solver groups them.

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
    ('u1', 2, 12, {'kind_match': 10, 'distance': -3, 'pairing': 5, 'cooperation': 0})

Complexity: O(C·(C+A)) for the distances plus O(N + R·U) for the candidates,
where C communities, A adjacencies, N needs and roles, U units per kind.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from gongjian.graph.model import Snapshot
from gongjian.matching.problem import (
    Activity,
    Candidate,
    Need,
    Pair,
    Problem,
    RoleSlot,
    Unit,
    Weights,
)

__all__ = ["FitRules", "compile_snapshot"]


class FitRules:
    """The integer weights of the fit score's parts (see the module docstring)."""

    kind_match = 10
    per_step = -3
    pairing = 5
    cooperation_per_case = 1
    cooperation_max = 5


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
) -> Problem:
    """Build the planning problem of a quarter from its graph snapshot.

    Parameters
    ----------
    snapshot:
        What the store read for the quarter (:meth:`GraphStore.snapshot`).
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
    """
    rules = FitRules
    g = nx.Graph()
    g.add_nodes_from(c.id for c in snapshot.communities)
    g.add_edges_from(snapshot.adjacency)
    distance: dict[str, dict[str, int]] = {
        c: dict(nx.single_source_shortest_path_length(g, c)) for c in g.nodes
    }
    paired = {(p.unit_id, p.community_id) for p in snapshot.pairings}
    history = {(u, c): n for u, c, n in snapshot.history}
    unit_community = {u.id: u.community_id for u in snapshot.units}

    # units offering each kind, with the weekdays their resources are open
    offers: dict[str, dict[str, set[int]]] = defaultdict(dict)
    kind_capacity: dict[str, dict[str, int]] = defaultdict(dict)
    for r in snapshot.resources:
        if not r.available_in(snapshot.quarter) or r.unit_id not in unit_community:
            continue
        days = offers[r.kind.value].setdefault(r.unit_id, set())
        days.update(r.weekdays or range(1, 8))
        caps = kind_capacity[r.unit_id]
        caps[r.kind.value] = caps.get(r.kind.value, 0) + r.capacity

    def candidates(
        kind: str, community: str, effort: int, weekday: int | None
    ) -> tuple[list[Candidate], int]:
        near = distance.get(community, {})
        out: list[Candidate] = []
        too_far = 0
        for unit_id in sorted(offers.get(kind, {})):
            if weekday is not None and weekday not in offers[kind][unit_id]:
                continue
            d = near.get(unit_community[unit_id])
            if d is None or d > max_distance:
                too_far += 1
                continue
            parts = {
                "kind_match": rules.kind_match,
                "distance": rules.per_step * d,
                "pairing": rules.pairing if (unit_id, community) in paired else 0,
                "cooperation": min(
                    rules.cooperation_max,
                    rules.cooperation_per_case * history.get((unit_id, community), 0),
                ),
            }
            out.append(
                Candidate(unit=unit_id, effort=effort, score=sum(parts.values()), parts=parts)
            )
        return out, too_far

    units = [
        Unit(
            id=u.id,
            name=u.name,
            capacity=u.capacity,
            kind_capacity=dict(sorted(kind_capacity.get(u.id, {}).items())),
        )
        for u in sorted(snapshot.units, key=lambda u: u.id)
    ]
    needs = []
    for n in sorted(snapshot.needs, key=lambda n: n.id):
        cands, too_far = candidates(n.category.value, n.community_id, n.effort, None)
        needs.append(
            Need(
                id=n.id,
                name=n.title,
                kind=n.category.value,
                priority=5 if n.whistle else n.priority,
                community=n.community_id,
                category=f"{n.category.value}|{n.community_id}|{n.effort}",
                candidates=cands,
                excluded_by_distance=too_far,
            )
        )
    activities = []
    for a in sorted(snapshot.activities, key=lambda a: a.id):
        roles = []
        for i, role in enumerate(a.roles, start=1):
            cands, _ = candidates(role.kind.value, a.community_id, role_effort, a.date.isoweekday())
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
    return Problem(
        name=name or f"quarter-{snapshot.quarter}",
        units=units,
        needs=needs,
        activities=activities,
        pinned=pinned or [],
        forbidden=forbidden or [],
        previous=previous,
        weights=weights or Weights(),
    )
