"""Network computations over data read from the store (共建网络): pure functions.

Nothing here touches a store or FastAPI: the routes in
:mod:`gongjian.service.network.views` read lists of models and pass them in.

The cooperation graph
    An undirected graph whose nodes are units (``"Unit:<id>"``) and
    communities (``"Community:<id>"``) and whose edges are the derived
    cooperation edges of :mod:`gongjian.graph.cooperation` (computed there once for
    the stores' ``GraphStore.cooperation_network`` and for this module): ``LOCATED_IN`` and
    ``PAIRED_WITH`` (unit–community, weight 1), ``SERVED`` (unit–community: needs
    the unit claimed there, whatever their status now, plus activities hosted
    there it was assigned to) and ``COOPERATED_WITH`` (unit–unit: activities both
    were assigned to). Parallel edges of different types between two nodes are
    merged into one edge whose ``weight`` is the sum and whose ``types`` maps
    each type to its weight.

Eligibility (coverage and gaps) is the planner's: a unit offers a kind when it
declares a resource of that kind (available in the quarter, when one is
given), and it is near enough when its community is within ``max_distance``
steps of the community in the community adjacency graph. Gaps are read from
:func:`gongjian.matching.from_graph.compile_snapshot` itself so the rule cannot
drift.

Length: ~610 lines, because the network's figures (coverage, gaps, centrality, the
community overview) read one graph and share its builders; split, each part would
rebuild it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from enum import StrEnum

import networkx as nx
from pydantic import BaseModel, Field

from gongjian.graph.cooperation import cooperation_edges, node_key
from gongjian.graph.model import (
    Community,
    NeedCategory,
    NetEdge,
    NetNode,
    Network,
    Resource,
    ResourceKind,
    Snapshot,
    Unit,
    entity_type,
)
from gongjian.matching.from_graph import compile_snapshot
from gongjian.service.network.exports import graphml_bytes, node_link_json

__all__ = [
    "BETWEENNESS_PIVOTS",
    "EDGE_TYPE_ZH",
    "EXACT_BETWEENNESS_NODES",
    "GAP_REASON_ZH",
    "CentralBy",
    "CentralUnit",
    "Coverage",
    "CoverageUnit",
    "Gap",
    "Gaps",
    "KindCoverage",
    "KindLabel",
    "LabelledNetwork",
    "centrality",
    "community_distances",
    "cooperation_edges",
    "cooperation_graph",
    "coverage",
    "find_gaps",
    "graphml_bytes",
    "label_network",
    "node_key",
    "node_link_json",
    "rank_central",
]

#: Chinese names of the cooperation edge types
EDGE_TYPE_ZH: dict[str, str] = {
    "LOCATED_IN": "驻在",
    "PAIRED_WITH": "结对",
    "SERVED": "服务",
    "COOPERATED_WITH": "合作",
}

#: Chinese names of the gap reasons (the planner's unmet-need codes)
GAP_REASON_ZH: dict[str, str] = {
    "no_eligible_unit": "本季度没有单位提供该类资源",
    "beyond_distance_limit": "提供该资源的单位都超出距离限制",
}


# --------------------------------------------------------------------------- labelled networks


class LabelledNode(NetNode):
    """A network node with its type's Chinese name (``label_zh``: 单位 / 社区) and, for a
    unit, the community it is located in (``community_id``; the console groups by it)."""

    label_zh: str
    community_id: str | None = None


class LabelledEdge(NetEdge):
    """A network edge with its type's Chinese name (``type_zh``)."""

    type_zh: str


class LabelledNetwork(BaseModel):
    """A cooperation network (nodes, edges with type and weight) with Chinese labels."""

    center: str
    hops: int
    nodes: list[LabelledNode]
    edges: list[LabelledEdge]


def label_network(network: Network, homes: Mapping[str, str] | None = None) -> LabelledNetwork:
    """Add Chinese names of node labels and edge types to a store's network, and to each
    unit the community it is located in (``homes``: unit node key → community id).

    Complexity: O(V + E).

    >>> net = Network(center="Unit:u1", hops=1,
    ...     nodes=[NetNode(key="Unit:u1", id="u1", label="Unit", name="医院", hops=0)],
    ...     edges=[])
    >>> label_network(net).nodes[0].label_zh
    '单位'
    """
    return LabelledNetwork(
        center=network.center,
        hops=network.hops,
        nodes=[
            LabelledNode(
                **n.model_dump(),
                label_zh=entity_type(n.label).LABEL_ZH,
                community_id=(homes or {}).get(n.key),
            )
            for n in network.nodes
        ],
        edges=[
            LabelledEdge(**e.model_dump(), type_zh=EDGE_TYPE_ZH.get(e.type, e.type))
            for e in network.edges
        ],
    )


# --------------------------------------------------------------------------- distances, coverage


def community_distances(
    communities: Iterable[str], adjacency: Iterable[tuple[str, str]], source: str
) -> dict[str, int]:
    """Steps from ``source`` to every reachable community over the adjacency graph.

    Parameters
    ----------
    communities : iterable of str
        Community ids (isolated ones included).
    adjacency : iterable of (str, str)
        Adjacent pairs, undirected.
    source : str
        The community to measure from.

    Returns
    -------
    dict
        community id -> number of adjacency steps (``source`` itself is 0);
        unreachable communities are absent.

    Complexity: O(C + A) (breadth-first search).

    >>> community_distances("abcd", [("a", "b"), ("b", "c")], "a")
    {'a': 0, 'b': 1, 'c': 2}
    """
    g = nx.Graph()
    g.add_nodes_from(communities)
    g.add_edges_from(adjacency)
    if source not in g:
        return {}
    return dict(nx.single_source_shortest_path_length(g, source))


class KindLabel(BaseModel):
    """A resource kind with its Chinese name."""

    kind: ResourceKind
    label_zh: str


class CoverageUnit(BaseModel):
    """A unit offering a kind, with its community and its distance in steps."""

    id: str
    name: str
    community_id: str
    distance: int


class KindCoverage(BaseModel):
    """How many distinct units offer ``kind`` near the community, and which."""

    kind: ResourceKind
    label_zh: str
    count: int
    units: list[CoverageUnit]


class Coverage(BaseModel):
    """Coverage of a community by resource kind (资源覆盖), every kind listed."""

    community_id: str
    max_distance: int
    quarter: str | None
    kinds: list[KindCoverage]
    uncovered: list[KindLabel] = Field(description="无单位提供的类别 kinds with zero coverage")


def coverage(
    community_id: str,
    communities: Sequence[Community],
    adjacency: Sequence[tuple[str, str]],
    units: Sequence[Unit],
    resources: Sequence[Resource],
    *,
    max_distance: int = 2,
    quarter: str | None = None,
) -> Coverage:
    """Per resource kind, the units offering it within ``max_distance`` of a community.

    A unit offers a kind when it declares a resource of that kind; with
    ``quarter``, only resources available that quarter count (an empty
    ``quarters`` list means every quarter), as in the planner. Units whose
    community is farther than ``max_distance`` adjacency steps, or not connected
    at all, do not count. Every :class:`ResourceKind` is listed, in vocabulary
    order; ``uncovered`` lists those with no unit.

    Complexity: O(C + A + R + K·U log U) for C communities, A adjacencies,
    R resources, K kinds and U units per kind.

    >>> cs = [Community(id="c1", name="一"), Community(id="c2", name="二")]
    >>> us = [Unit(id="u1", name="医院", type="hospital", community_id="c2")]
    >>> rs = [Resource(id="r1", unit_id="u1", kind="medical", name="义诊", capacity=2)]
    >>> cov = coverage("c1", cs, [("c1", "c2")], us, rs, max_distance=1)
    >>> [(k.kind.value, k.count) for k in cov.kinds if k.count]
    [('medical', 1)]
    >>> coverage("c1", cs, [("c1", "c2")], us, rs, max_distance=0).kinds[4].count
    0
    """
    distance = community_distances((c.id for c in communities), adjacency, community_id)
    by_id = {u.id: u for u in units}
    offering: dict[ResourceKind, dict[str, CoverageUnit]] = defaultdict(dict)
    for r in resources:
        unit = by_id.get(r.unit_id)
        if unit is None or (quarter is not None and not r.available_in(quarter)):
            continue
        d = distance.get(unit.community_id)
        if d is None or d > max_distance:
            continue
        offering[r.kind][unit.id] = CoverageUnit(
            id=unit.id, name=unit.name, community_id=unit.community_id, distance=d
        )
    kinds = []
    for kind in ResourceKind:
        near = sorted(offering[kind].values(), key=lambda u: (u.distance, u.id))
        kinds.append(KindCoverage(kind=kind, label_zh=kind.label_zh, count=len(near), units=near))
    return Coverage(
        community_id=community_id,
        max_distance=max_distance,
        quarter=quarter,
        kinds=kinds,
        uncovered=[KindLabel(kind=k.kind, label_zh=k.label_zh) for k in kinds if not k.count],
    )


# --------------------------------------------------------------------------- gaps


class Gap(BaseModel):
    """An open need no eligible unit can take within the distance limit."""

    need_id: str
    title: str
    category: NeedCategory
    category_zh: str
    community_id: str
    priority: int
    whistle: bool
    reason: str = Field(description="no_eligible_unit | beyond_distance_limit")
    reason_zh: str
    units_beyond_distance: int = Field(description="提供该类资源但超出距离的单位数")


class Gaps(BaseModel):
    """The gaps of a quarter (覆盖缺口)."""

    quarter: str
    max_distance: int
    open_needs: int
    count: int
    by_reason: dict[str, int]
    gaps: list[Gap]


def find_gaps(snapshot: Snapshot, *, max_distance: int = 2) -> Gaps:
    """Open needs of the snapshot's quarter with no eligible unit within ``max_distance``.

    The rule is the planner's own: the snapshot is compiled with
    :func:`~gongjian.matching.from_graph.compile_snapshot` and a need is a gap when
    its candidate list is empty. The reason is ``beyond_distance_limit`` when
    some units offer the kind that quarter but all are too far
    (``excluded_by_distance > 0``), else ``no_eligible_unit`` (no unit offers
    the kind that quarter at all).

    Complexity: that of ``compile_snapshot`` (O(C·(C+A) + N + R·U)).

    >>> from gongjian.graph import model as m
    >>> snap = m.Snapshot(quarter="2026Q4",
    ...     communities=[m.Community(id="c1", name="一"), m.Community(id="c2", name="二")],
    ...     adjacency=[], units=[m.Unit(id="u1", name="医院", type="hospital",
    ...                                  community_id="c2")],
    ...     resources=[m.Resource(id="r1", unit_id="u1", kind="medical", name="义诊",
    ...                           capacity=2)],
    ...     needs=[m.Need(id="n1", title="体检", category="medical", community_id="c1",
    ...                   quarter="2026Q4"),
    ...            m.Need(id="n2", title="就业", category="employment", community_id="c1",
    ...                   quarter="2026Q4")],
    ...     activities=[], pairings=[], history=[])
    >>> [(g.need_id, g.reason) for g in find_gaps(snap).gaps]
    [('n1', 'beyond_distance_limit'), ('n2', 'no_eligible_unit')]
    """
    problem = compile_snapshot(snapshot, max_distance=max_distance)
    needs = {n.id: n for n in snapshot.needs}
    gaps = []
    for pn in problem.needs:
        if pn.candidates:
            continue
        n = needs[pn.id]
        reason = "beyond_distance_limit" if pn.excluded_by_distance else "no_eligible_unit"
        gaps.append(
            Gap(
                need_id=n.id,
                title=n.title,
                category=n.category,
                category_zh=n.category.label_zh,
                community_id=n.community_id,
                priority=n.priority,
                whistle=n.whistle,
                reason=reason,
                reason_zh=GAP_REASON_ZH[reason],
                units_beyond_distance=pn.excluded_by_distance,
            )
        )
    return Gaps(
        quarter=snapshot.quarter,
        max_distance=max_distance,
        open_needs=len(problem.needs),
        count=len(gaps),
        by_reason=dict(sorted(Counter(g.reason for g in gaps).items())),
        gaps=gaps,
    )


# --------------------------------------------------------------------------- community overview


class OverviewNode(BaseModel):
    """A node of the community overview: a community (``units``: how many units are
    located in it) or a unit of an expanded community."""

    key: str
    id: str
    label: str
    name: str
    units: int = Field(description="驻在单位数 units located in the community (0 for a unit)")
    community_id: str | None = Field(description="单位所在社区 a unit's community")
    expanded: bool = Field(description="社区已展开为单位 the community is shown as its units")


class OverviewEdge(BaseModel):
    """An edge of the overview: the summed cooperation between two nodes (``source <
    target``), ``types`` the weight of each edge type in it."""

    source: str
    target: str
    weight: int
    types: dict[str, int]


class Overview(BaseModel):
    """The cooperation graph summed by community, some communities expanded."""

    communities: int
    units: int
    expanded: list[str]
    nodes: list[OverviewNode]
    edges: list[OverviewEdge]


def community_overview(
    communities: Sequence[Community],
    units: Sequence[Unit],
    edges: Iterable[NetEdge],
    expand: Collection[str] = (),
) -> Overview:
    """The cooperation graph with every unit folded into the community it is located in,
    except the units of the communities in ``expand``, which are nodes of their own.

    An edge's ends are folded (a unit of a community not expanded becomes that
    community); edges between the same two nodes are summed (per type in ``types``);
    edges within one node (a folded unit and its own community, two units of one
    folded community) are left out. Nodes: communities by id, then the expanded
    communities' units by id; edges by ``(source, target)``.

    Complexity: O(C + U + E).

    >>> cs = [Community(id="c1", name="一"), Community(id="c2", name="二")]
    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1"),
    ...       Unit(id="u2", name="乙", type="bank", community_id="c2")]
    >>> es = [NetEdge(source="Community:c1", target="Unit:u1", type="LOCATED_IN", weight=1),
    ...       NetEdge(source="Community:c2", target="Unit:u2", type="LOCATED_IN", weight=1),
    ...       NetEdge(source="Community:c2", target="Unit:u1", type="SERVED", weight=3),
    ...       NetEdge(source="Unit:u1", target="Unit:u2", type="COOPERATED_WITH", weight=2)]
    >>> o = community_overview(cs, us, es)
    >>> [(n.key, n.units) for n in o.nodes], [(e.source, e.target, e.weight) for e in o.edges]
    ([('Community:c1', 1), ('Community:c2', 1)], [('Community:c1', 'Community:c2', 5)])
    >>> o = community_overview(cs, us, es, expand={"c1"})
    >>> [(e.source, e.target, e.types) for e in o.edges]  # doctest: +NORMALIZE_WHITESPACE
    [('Community:c1', 'Unit:u1', {'LOCATED_IN': 1}),
     ('Community:c2', 'Unit:u1', {'SERVED': 3, 'COOPERATED_WITH': 2})]
    """
    expanded = set(expand)
    home = {node_key("Unit", u.id): u.community_id for u in units}
    located = Counter(u.community_id for u in units)

    def fold(key: str) -> str:
        c = home.get(key)
        return key if c is None or c in expanded else node_key("Community", c)

    summed: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for e in edges:
        a, b = sorted((fold(e.source), fold(e.target)))
        if a != b:
            summed[a, b][e.type] += e.weight
    nodes = [
        OverviewNode(
            key=node_key("Community", c.id),
            id=c.id,
            label="Community",
            name=c.name,
            units=located[c.id],
            community_id=None,
            expanded=c.id in expanded,
        )
        for c in sorted(communities, key=lambda c: c.id)
    ]
    nodes += [
        OverviewNode(
            key=node_key("Unit", u.id),
            id=u.id,
            label="Unit",
            name=u.name,
            units=0,
            community_id=u.community_id,
            expanded=False,
        )
        for u in sorted(units, key=lambda u: u.id)
        if u.community_id in expanded
    ]
    return Overview(
        communities=len(communities),
        units=len(units),
        expanded=sorted(expanded),
        nodes=nodes,
        edges=[
            OverviewEdge(source=a, target=b, weight=sum(t.values()), types=dict(t))
            for (a, b), t in sorted(summed.items())
        ],
    )


# --------------------------------------------------------------------------- cooperation graph


def cooperation_graph(
    units: Sequence[Unit], communities: Sequence[Community], edges: Iterable[NetEdge]
) -> nx.Graph:
    """The cooperation graph as an undirected networkx graph with merged, weighted edges.

    Nodes carry ``label`` (``Unit`` / ``Community``), ``id`` and ``name``; every
    unit and community is a node, connected or not. Edges carry ``weight`` (sum
    over types) and ``types`` (type -> weight).

    Complexity: O(U + C + E).

    >>> us = [Unit(id="u1", name="甲", type="bank", community_id="c1")]
    >>> g = cooperation_graph(us, [Community(id="c1", name="一")], [
    ...     NetEdge(source="Community:c1", target="Unit:u1", type="LOCATED_IN", weight=1),
    ...     NetEdge(source="Community:c1", target="Unit:u1", type="SERVED", weight=3)])
    >>> g.edges["Unit:u1", "Community:c1"]["weight"]
    4
    """
    g = nx.Graph()
    for c in communities:
        g.add_node(node_key("Community", c.id), label="Community", id=c.id, name=c.name)
    for u in units:
        g.add_node(node_key("Unit", u.id), label="Unit", id=u.id, name=u.name)
    for e in edges:
        if not (g.has_node(e.source) and g.has_node(e.target)):
            continue
        if g.has_edge(e.source, e.target):
            data = g.edges[e.source, e.target]
            data["weight"] += e.weight
            data["types"][e.type] = data["types"].get(e.type, 0) + e.weight
        else:
            g.add_edge(e.source, e.target, weight=e.weight, types={e.type: e.weight})
    return g


class CentralBy(StrEnum):
    """What to rank central units by."""

    degree = "degree"
    betweenness = "betweenness"


class CentralUnit(BaseModel):
    """A unit's centrality in the cooperation graph."""

    rank: int
    id: str
    name: str
    degree: int = Field(description="加权度 weighted degree: sum of incident edge weights")
    neighbours: int = Field(description="相邻节点数 number of neighbours")
    betweenness: float = Field(description="介数中心性 normalised betweenness (hop counts)")


#: graphs up to this many nodes get exact betweenness; larger ones a pivot sample
EXACT_BETWEENNESS_NODES = 1000
#: source nodes sampled for betweenness on larger graphs (fixed seed: same answer every time)
BETWEENNESS_PIVOTS = 300


def centrality(
    graph: nx.Graph,
    *,
    exact_up_to: int = EXACT_BETWEENNESS_NODES,
    pivots: int = BETWEENNESS_PIVOTS,
) -> list[CentralUnit]:
    """Weighted degree and betweenness of every unit node of the cooperation graph.

    Betweenness is networkx's normalised betweenness centrality over shortest
    paths counted in hops (edge weights are not distances: a strong tie does not
    make a path shorter), taken over the whole graph (communities included as
    intermediaries), reported for units only. On a graph of more than
    ``exact_up_to`` nodes it is estimated from ``pivots`` source nodes drawn
    with a fixed seed (networkx's ``k`` sampling), so a district-sized graph
    answers in about a second rather than a quarter of a minute. ``rank`` is 0
    here; see :func:`rank_central`.

    Complexity: O(V·E) exact (Brandes' algorithm), O(k·E) sampled.

    >>> g = nx.Graph([("Unit:a", "Community:x"), ("Community:x", "Unit:b")])
    >>> nx.set_edge_attributes(g, 1, "weight")
    >>> nx.set_node_attributes(g, {"Unit:a": "甲", "Unit:b": "乙", "Community:x": "一"}, "name")
    >>> [(c.id, c.degree, c.betweenness) for c in centrality(g)]
    [('a', 1, 0.0), ('b', 1, 0.0)]
    """
    n = graph.number_of_nodes()
    k = None if n <= exact_up_to else min(pivots, n)
    between = nx.betweenness_centrality(graph, k=k, normalized=True, seed=0)
    out = []
    for key, data in graph.nodes(data=True):
        label, _, node_id = key.partition(":")
        if label != "Unit":
            continue
        out.append(
            CentralUnit(
                rank=0,
                id=node_id,
                name=data.get("name", node_id),
                degree=int(graph.degree(key, weight="weight")),
                neighbours=graph.degree(key),
                betweenness=between[key],
            )
        )
    return sorted(out, key=lambda c: c.id)


def rank_central(
    units: Sequence[CentralUnit], *, by: CentralBy = CentralBy.degree, limit: int = 10
) -> list[CentralUnit]:
    """The ``limit`` most central units, ranked (1 = most central).

    Sorted by the chosen measure, descending, then by the other measure, then
    by id; ``rank`` is the position (ties broken by those keys, so ranks are
    distinct and stable).

    Complexity: O(U log U).

    >>> cs = [CentralUnit(rank=0, id=i, name=i, degree=d, neighbours=1, betweenness=b)
    ...       for i, d, b in [("a", 5, 0.1), ("b", 3, 0.5), ("c", 5, 0.2)]]
    >>> [c.id for c in rank_central(cs, by=CentralBy.degree)]
    ['c', 'a', 'b']
    >>> [(c.rank, c.id) for c in rank_central(cs, by=CentralBy.betweenness, limit=2)]
    [(1, 'b'), (2, 'c')]
    """
    if by == CentralBy.degree:
        ordered = sorted(units, key=lambda c: (-c.degree, -c.betweenness, c.id))
    else:
        ordered = sorted(units, key=lambda c: (-c.betweenness, -c.degree, c.id))
    return [c.model_copy(update={"rank": i}) for i, c in enumerate(ordered[:limit], start=1)]
