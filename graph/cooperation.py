"""Cooperation edges (合作网络), computed in one place for both stores and the network views.

The cooperation graph is derived, not stored: its undirected edges between units
(``"Unit:<id>"``) and communities (``"Community:<id>"``) are

* ``LOCATED_IN`` and ``PAIRED_WITH`` (unit–community, weight 1);
* ``SERVED`` (unit–community): needs the unit claimed there, whatever their
  status now, plus activities hosted there it was assigned to;
* ``COOPERATED_WITH`` (unit–unit): activities both were assigned to.

An assignment counts once per (unit, activity) whatever the number of plans that
made it. The stores read the plain facts (:class:`CooperationFacts`) with their
own queries and call :func:`edges_from_facts`; the network service builds the
same facts from lists of models with :func:`cooperation_edges`.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gongjian.graph.model import (
    Activity,
    Assignment,
    Need,
    NetEdge,
    NetNode,
    Network,
    Pairing,
    Unit,
)

__all__ = [
    "CooperationFacts",
    "cooperation_edges",
    "edges_from_facts",
    "network_around",
    "node_key",
]


def node_key(label: str, node_id: str) -> str:
    """The key of a node in the cooperation graph and in ``to_networkx``.

    >>> node_key("Unit", "u01")
    'Unit:u01'
    """
    return f"{label}:{node_id}"


@dataclass
class CooperationFacts:
    """The stored facts cooperation edges are derived from (ids only).

    ``located`` / ``paired``: (unit, community) pairs; ``claims``: (unit,
    community, number of needs the unit claimed there); ``assigned``: (unit,
    activity, community hosting it or None) rows, duplicates allowed.
    """

    located: Iterable[tuple[str, str]] = ()
    paired: Iterable[tuple[str, str]] = ()
    claims: Iterable[tuple[str, str, int]] = ()
    assigned: Iterable[tuple[str, str, str | None]] = field(default_factory=list)


def edges_from_facts(facts: CooperationFacts) -> list[NetEdge]:
    """The cooperation edges (module docstring), sorted by ``(source, target, type)``.

    Complexity: O(L + P + N + Σₐ kₐ²) where kₐ is the number of units assigned
    to activity a.

    >>> facts = CooperationFacts(located=[("u1", "c1")], claims=[("u1", "c1", 2)],
    ...     assigned=[("u1", "a1", "c2"), ("u2", "a1", "c2"), ("u1", "a1", "c2")])
    >>> [(e.source, e.target, e.type, e.weight) for e in edges_from_facts(facts)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Community:c1', 'Unit:u1', 'LOCATED_IN', 1), ('Community:c1', 'Unit:u1', 'SERVED', 2),
     ('Community:c2', 'Unit:u1', 'SERVED', 1), ('Community:c2', 'Unit:u2', 'SERVED', 1),
     ('Unit:u1', 'Unit:u2', 'COOPERATED_WITH', 1)]
    """
    weights: Counter[tuple[str, str, str]] = Counter()

    def add(a: str, b: str, rel: str, weight: int = 1) -> None:
        lo, hi = sorted((a, b))
        weights[(lo, hi, rel)] += weight

    for rel, pairs in (("LOCATED_IN", facts.located), ("PAIRED_WITH", facts.paired)):
        for unit, community in set(pairs):
            add(node_key("Unit", unit), node_key("Community", community), rel)
    for unit, community, n in facts.claims:
        if n:
            add(node_key("Unit", unit), node_key("Community", community), "SERVED", n)
    hosted: dict[str, str | None] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for unit, activity, community in facts.assigned:
        hosted[activity] = community
        members[activity].add(unit)
    for activity, unit_ids in members.items():
        community = hosted[activity]
        ordered = sorted(unit_ids)
        for i, u in enumerate(ordered):
            if community is not None:
                add(node_key("Unit", u), node_key("Community", community), "SERVED")
            for v in ordered[i + 1 :]:
                add(node_key("Unit", u), node_key("Unit", v), "COOPERATED_WITH")
    return [
        NetEdge(source=s, target=t, type=r, weight=w) for (s, t, r), w in sorted(weights.items())
    ]


def cooperation_edges(
    units: Sequence[Unit],
    pairings: Sequence[Pairing],
    needs: Sequence[Need],
    activities: Sequence[Activity],
    assignments: Sequence[Assignment],
) -> list[NetEdge]:
    """The cooperation edges of the whole graph, from lists of models.

    The same edges as the stores' ``cooperation_network`` (which restricts them
    to the nodes within its hops). Edges are sorted by ``(source, target, type)``
    with ``source < target``.

    Complexity: that of :func:`edges_from_facts`.

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1"),
    ...       Unit(id="u2", name="乙", type="bank", community_id="c1")]
    >>> acts = [Activity(id="a1", title="义诊", joint_type="joint_services",
    ...     quarter="2026Q1", date="2026-01-05", community_id="c2",
    ...     roles=[{"kind": "medical", "count": 2}])]
    >>> asg = [Assignment(activity_id="a1", unit_id=u, role="medical") for u in ("u1", "u2")]
    >>> [(e.source, e.target, e.type, e.weight)
    ...  for e in cooperation_edges(us, [], [], acts, asg)][:3]
    [('Community:c1', 'Unit:u1', 'LOCATED_IN', 1), ('Community:c1', 'Unit:u2', 'LOCATED_IN', 1), ('Community:c2', 'Unit:u1', 'SERVED', 1)]
    """
    claims: Counter[tuple[str, str]] = Counter(
        (n.claimed_by, n.community_id) for n in needs if n.claimed_by is not None
    )
    hosted = {a.id: a.community_id for a in activities}
    return edges_from_facts(
        CooperationFacts(
            located=[(u.id, u.community_id) for u in units],
            paired=[(p.unit_id, p.community_id) for p in pairings],
            claims=[(u, c, n) for (u, c), n in claims.items()],
            assigned=[(a.unit_id, a.activity_id, hosted.get(a.activity_id)) for a in assignments],
        )
    )


def network_around(
    edges: Sequence[NetEdge],
    center: str,
    hops: int,
    names: Callable[[Iterable[str]], Mapping[str, str]],
) -> Network:
    """The nodes within ``hops`` of ``center`` (a node key) and the edges among them.

    ``names`` maps node keys to node names (a store reads them). Nodes are sorted by
    ``(hops, key)``, edges by ``(source, target, type)``.

    Complexity: O(V + E) (breadth-first search).

    >>> e = [NetEdge(source="Community:c1", target="Unit:u1", type="LOCATED_IN", weight=1)]
    >>> net = network_around(e, "Unit:u1", 1, lambda keys: {k: k[-2:] for k in keys})
    >>> [(n.key, n.hops, n.name) for n in net.nodes], len(net.edges)
    ([('Unit:u1', 0, 'u1'), ('Community:c1', 1, 'c1')], 1)
    """
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        neighbours[e.source].add(e.target)
        neighbours[e.target].add(e.source)
    dist = {center: 0}
    queue = deque([center])
    while queue:
        k = queue.popleft()
        if dist[k] == hops:
            continue
        for n in neighbours[k]:
            if n not in dist:
                dist[n] = dist[k] + 1
                queue.append(n)
    named = names(dist)
    nodes = []
    for k, d in dist.items():
        label, node_id = k.split(":", 1)
        nodes.append(NetNode(key=k, id=node_id, label=label, name=named[k], hops=d))
    nodes.sort(key=lambda n: (n.hops, n.key))
    kept = [e for e in edges if e.source in dist and e.target in dist]
    kept.sort(key=lambda e: (e.source, e.target, e.type))
    return Network(center=center, hops=hops, nodes=nodes, edges=kept)
