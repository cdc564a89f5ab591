"""Exports of the cooperation graph and the whole graph: GraphML and node-link JSON.

For every role but the committee the whole-graph export leaves out personal data
(:data:`PERSONAL_FIELDS`: party members' names, unit contacts, grid keepers).

Re-exported by :mod:`gongjian.service.network.service`, where the routes import them.
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import networkx as nx

__all__ = ["PERSONAL_FIELDS", "graphml_bytes", "node_link_json", "without_personal_data"]

#: node label → the attributes that name a person (left out for non-committee roles)
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "PartyMember": ("name",),
    "Unit": ("contact",),
    "Grid": ("keeper",),
}


def without_personal_data(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``graph`` with the :data:`PERSONAL_FIELDS` of its nodes removed (in place).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("PartyMember:m1", label="PartyMember", id="m1", name="崔磊", points=3)
    >>> g.add_node("Unit:u1", label="Unit", id="u1", name="星城中学", contact="陶瑶")
    >>> dict(without_personal_data(g).nodes(data=True))["PartyMember:m1"]
    {'label': 'PartyMember', 'id': 'm1', 'points': 3}
    >>> g.nodes["Unit:u1"]["name"], "contact" in g.nodes["Unit:u1"]
    ('星城中学', False)
    """
    for _key, data in graph.nodes(data=True):
        for field in PERSONAL_FIELDS.get(data.get("label", ""), ()):
            data.pop(field, None)
    return graph


def _scalar(value: Any) -> Any:
    """A GraphML-writable value: str/int/float/bool as they are, anything else as JSON text."""
    if isinstance(value, str | bool | int | float):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def graphml_bytes(graph: nx.Graph) -> bytes:
    """The graph as UTF-8 GraphML.

    ``None`` attributes are left out; lists, dicts, dates and other non-scalar
    values are written as JSON text (Chinese kept as is). Node keys and edge
    keys of multigraphs are kept.

    Complexity: O(V + E) (times attribute count).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("Unit:u1", name="星城中学", quarters=["2026Q1"], brand=None)
    >>> back = nx.parse_graphml(graphml_bytes(g).decode())
    >>> back.nodes["Unit:u1"]["name"], back.nodes["Unit:u1"]["quarters"]
    ('星城中学', '["2026Q1"]')
    """
    out = graph.__class__()
    out.graph.update({k: _scalar(v) for k, v in graph.graph.items() if v is not None})
    for n, data in graph.nodes(data=True):
        out.add_node(n, **{k: _scalar(v) for k, v in data.items() if v is not None})
    if graph.is_multigraph():
        for u, v, k, data in graph.edges(keys=True, data=True):
            out.add_edge(u, v, key=k, **{a: _scalar(x) for a, x in data.items() if x is not None})
    else:
        for u, v, data in graph.edges(data=True):
            out.add_edge(u, v, **{a: _scalar(x) for a, x in data.items() if x is not None})
    buffer = BytesIO()
    nx.write_graphml(out, buffer, encoding="utf-8")
    return buffer.getvalue()


def node_link_json(graph: nx.Graph) -> bytes:
    """The graph as UTF-8 node-link JSON (networkx's format: ``nodes``, ``edges``).

    A node's key (``"<label>:<id>"``) is under ``key`` so that the entity's own
    ``id`` attribute is kept; a multigraph edge's key is under ``edge_key``.
    Read it back with ``nx.node_link_graph(data, name="key", key="edge_key")``.
    Values JSON cannot hold (dates) are written as text.

    Complexity: O(V + E).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("Unit:u1", id="u1", name="星城中学")
    >>> g.add_edge("Unit:u1", "Community:c1", type="LOCATED_IN")
    0
    >>> data = json.loads(node_link_json(g))
    >>> data["nodes"][0], data["edges"][0]["type"]
    ({'id': 'u1', 'name': '星城中学', 'key': 'Unit:u1'}, 'LOCATED_IN')
    >>> nx.node_link_graph(data, name="key", key="edge_key").number_of_edges()
    1
    """
    data = nx.node_link_data(graph, edges="edges", name="key", key="edge_key")
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
