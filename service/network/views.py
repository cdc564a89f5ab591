"""Network queries (共建网络): cooperation networks, coverage, gaps, central units, export.

Every route is a GET that any signed-in role may call. The computations are the
pure functions of :mod:`gongjian.service.network.service`; this module only reads the
store and checks parameters (422 for bad ones, 404 for unknown ids).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from gongjian.graph.cooperation import node_key
from gongjian.graph.model import (
    Activity,
    Community,
    Need,
    NetEdge,
    Resource,
    Unit,
    parse_quarter,
)
from gongjian.graph.store import GraphStore
from gongjian.matching.from_graph import with_stored_suitability
from gongjian.service.auth.schemas import UserRole
from gongjian.service.deps import CurrentUser
from gongjian.service.metrics.cache import results
from gongjian.service.network.exports import without_personal_data
from gongjian.service.network.service import (
    EXACT_BETWEENNESS_NODES,
    CentralBy,
    CentralUnit,
    Coverage,
    Gaps,
    LabelledNetwork,
    Overview,
    centrality,
    community_overview,
    cooperation_edges,
    cooperation_graph,
    coverage,
    find_gaps,
    graphml_bytes,
    label_network,
    node_link_json,
    rank_central,
)
from gongjian.service.scope import ScopedReads

__all__ = ["router", "stored_cooperation_edges"]

router = APIRouter(prefix="/network", tags=["network 共建网络"])

Hops = Annotated[int, Query(ge=1, le=3, description="跳数 hops (1–3)")]
MaxDistance = Annotated[
    int, Query(ge=0, le=10, description="最大相邻社区步数 max community adjacency steps")
]
_ID = Annotated[str, Query(min_length=1, max_length=64)]


def stored_cooperation_edges(store: GraphStore, units: Sequence[Unit]) -> list[NetEdge]:
    """The cooperation edges of the whole stored graph, ``units`` being all its units."""
    return cooperation_edges(
        units,
        store.pairings(),
        store.list(Need, limit=None),
        store.list(Activity, limit=None),
        store.assignments(),
    )


def _quarter(value: str | None) -> str | None:
    return None if value is None else parse_quarter(value)


def _homes(store: GraphStore) -> dict[str, str]:
    """Unit node key → the id of the community the unit is located in (cached)."""
    return results.get(
        store,
        "network.homes",
        lambda: {node_key("Unit", u.id): u.community_id for u in store.list(Unit, limit=None)},
    )


@router.get("/units/{unit_id}", summary="单位的共建网络 A unit's cooperation network")
def unit_network(
    unit_id: str, user: CurrentUser, store: ScopedReads, hops: Hops = 1
) -> LabelledNetwork:
    """Nodes within ``hops`` of the unit and the cooperation edges among them (type, weight);
    each unit with the community it is located in."""
    return label_network(store.cooperation_network("Unit", unit_id, hops), _homes(store))


@router.get(
    "/communities/{community_id}", summary="社区的共建网络 A community's cooperation network"
)
def community_network(
    community_id: str, user: CurrentUser, store: ScopedReads, hops: Hops = 1
) -> LabelledNetwork:
    """Nodes within ``hops`` of the community and the cooperation edges among them."""
    return label_network(store.cooperation_network("Community", community_id, hops), _homes(store))


@router.get("/overview", summary="按社区汇总的共建网络 The network summed by community")
def network_overview(
    user: CurrentUser,
    store: ScopedReads,
    expand: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=64)]],
        Query(max_length=50, description="展开为单位的社区 communities shown as their units"),
    ] = [],  # noqa: B006 (FastAPI copies a list default per request)
) -> Overview:
    """One node per community (``units``: units located in it) and the cooperation between
    communities summed (a unit counts for its community), for a district-sized graph;
    the communities in ``expand`` are shown as their units, each unit's edges to other
    communities kept. 404 for an unknown community."""
    wanted = set(expand)

    def compute() -> tuple[list[Community], list[Unit], list[NetEdge]]:
        units = store.list(Unit, limit=None)
        return store.list(Community, limit=None), units, stored_cooperation_edges(store, units)

    communities, units, edges = results.get(store, "network.whole", compute)
    known = {c.id for c in communities}
    for cid in sorted(wanted - known):
        store.get(Community, cid)  # the store's own 404
    return results.get(
        store,
        ("network.overview", frozenset(wanted)),
        lambda: community_overview(communities, units, edges, wanted),
    )


@router.get("/coverage", summary="社区资源覆盖 Coverage of a community by resource kind")
def community_coverage(
    user: CurrentUser,
    store: ScopedReads,
    community_id: _ID,
    max_distance: MaxDistance = 2,
    quarter: Annotated[str | None, Query(max_length=16, description="季度 e.g. 2026Q4")] = None,
) -> Coverage:
    """Per resource kind, the units offering it within ``max_distance`` steps (in ``quarter``)."""
    q = _quarter(quarter)
    store.get(Community, community_id)
    return coverage(
        community_id,
        store.list(Community, limit=None),
        store.adjacency(),
        store.list(Unit, limit=None),
        store.list(Resource, limit=None),
        max_distance=max_distance,
        quarter=q,
    )


@router.get("/gaps", summary="覆盖缺口 Open needs no eligible unit can take")
def coverage_gaps(
    user: CurrentUser,
    store: ScopedReads,
    quarter: Annotated[str, Query(max_length=16, description="季度 e.g. 2026Q4")],
    max_distance: MaxDistance = 2,
) -> Gaps:
    """Open needs of the quarter with no eligible unit within ``max_distance`` (planner's rule).

    ``reason``: ``no_eligible_unit`` (nobody offers the kind that quarter) or
    ``beyond_distance_limit`` (only units farther away do).
    """
    q = parse_quarter(quarter)
    return results.get(
        store, ("network.gaps", q, max_distance), lambda: gaps_of(store, q, max_distance)
    )


def gaps_of(store: GraphStore, quarter: str, max_distance: int) -> Gaps:
    """The coverage gaps of ``quarter`` (uncached)."""
    snapshot = with_stored_suitability(store, store.snapshot(quarter))
    return find_gaps(snapshot, max_distance=max_distance)


class CentralUnits(BaseModel):
    by: CentralBy
    graph: str = Field(description="所用的图 which graph the figures are computed on")
    nodes: int
    edges: int
    betweenness_exact: bool = Field(
        description="介数是否精确计算 (false: estimated from a fixed sample of source nodes)"
    )
    units: list[CentralUnit]


_CENTRAL_GRAPH = (
    "单位–单位、单位–社区合作图（驻在、结对、服务、合作边合并，权重相加）；"
    "介数按跳数计算 (undirected unit–unit / unit–community cooperation graph: LOCATED_IN,"
    " PAIRED_WITH, SERVED and COOPERATED_WITH edges merged with summed weights; betweenness"
    " over hop counts, communities included as intermediaries)"
)


@router.get("/central", summary="核心单位 Most central units (degree, betweenness)")
def central_units(
    user: CurrentUser,
    store: ScopedReads,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    by: CentralBy = CentralBy.degree,
) -> CentralUnits:
    """Units ranked by weighted degree or betweenness centrality of the cooperation graph.

    The graph is undirected; its nodes are every unit and community, its edges
    the derived cooperation edges (``LOCATED_IN``, ``PAIRED_WITH``, ``SERVED``,
    ``COOPERATED_WITH``; see :mod:`gongjian.service.network.service`) merged per pair of
    nodes with their weights summed. Weighted degree is the sum of a unit's edge
    weights; betweenness is networkx's normalised betweenness over hop counts
    (estimated from a fixed sample of source nodes on graphs of more than
    1,000 nodes: ``betweenness_exact`` says which).
    """
    units = store.list(Unit, limit=None)
    edges = stored_cooperation_edges(store, units)
    g = cooperation_graph(units, store.list(Community, limit=None), edges)
    ranked = rank_central(centrality(g), by=by, limit=limit)
    return CentralUnits(
        by=by,
        graph=_CENTRAL_GRAPH,
        nodes=g.number_of_nodes(),
        edges=g.number_of_edges(),
        betweenness_exact=g.number_of_nodes() <= EXACT_BETWEENNESS_NODES,
        units=ranked,
    )


class ExportFormat(StrEnum):
    graphml = "graphml"
    json = "json"


@router.get(
    "/export",
    summary="导出整个图 Export the whole graph (GraphML or node-link JSON)",
    response_class=Response,
    responses={
        200: {
            "content": {"application/graphml+xml": {}, "application/json": {}},
            "description": "整个图 the whole graph",
        }
    },
)
def export_graph(
    user: CurrentUser, store: ScopedReads, format: ExportFormat = ExportFormat.graphml
) -> Response:
    """The whole graph (``store.to_networkx()``) as a download.

    GraphML (networkx; lists and other non-scalar attributes as JSON text,
    ``None`` left out) or networkx node-link JSON (``nodes`` with the node key
    under ``key``, ``edges``; read back with ``nx.node_link_graph(data,
    name="key", key="edge_key")``). Node keys are ``"<label>:<id>"``; UTF-8,
    Chinese kept. For every role but the committee, personal data (party members'
    names, unit contacts, grid keepers) is left out.
    """
    g = store.to_networkx()
    if user.role != UserRole.committee:
        g = without_personal_data(g)
    if format == ExportFormat.graphml:
        body, media, ext = graphml_bytes(g), "application/graphml+xml; charset=utf-8", "graphml"
    else:
        body, media, ext = node_link_json(g), "application/json; charset=utf-8", "json"
    return Response(
        content=body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="gongjian-network.{ext}"'},
    )
