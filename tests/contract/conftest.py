"""Fixtures shared by the contract modules that compare the two stores."""

from __future__ import annotations

import pytest

from gongjian.graph.store import GraphStore
from gongjian.seeds.network import load_network
from gongjian.seeds.xingcheng import load_xingcheng


@pytest.fixture
def both(embedded_store: GraphStore, neo4j_store: GraphStore) -> tuple[GraphStore, GraphStore]:
    """The 星城 network loaded into a fresh embedded store and into Neo4j."""
    network = load_xingcheng()
    for store in (embedded_store, neo4j_store):
        load_network(store, network)
    return embedded_store, neo4j_store
