"""Network endpoints over HTTP, both stores: cooperation networks, coverage, gaps, central
units, export. Expected figures are computed here from the store's contents or the seed
CSVs, not with the service's functions. Data the tests create uses fresh ids, fresh
isolated communities and quarters no seed data uses.

Length: ~530 lines, because one shared server per store serves every network route's
cases; split, the modules would each need their own.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict, deque
from typing import Any

import httpx
import networkx as nx
import pytest

from gongjian.seeds.xingcheng import xingcheng_dir
from tests.api.server import USERS, ApiServer

ALL_KINDS = 22


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _csv(name: str) -> list[dict[str, str]]:
    text = xingcheng_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def _all(c: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = c.get(path, params={**params, "offset": len(out), "limit": 1000}).json()
        out.extend(page["items"])
        if len(out) >= page["total"]:
            return out


def _distances(adjacency: list[dict[str, str]], source: str) -> dict[str, int]:
    near: dict[str, set[str]] = defaultdict(set)
    for p in adjacency:
        near[p["a"]].add(p["b"])
        near[p["b"]].add(p["a"])
    dist = {source: 0}
    queue = deque([source])
    while queue:
        x = queue.popleft()
        for y in near[x]:
            if y not in dist:
                dist[y] = dist[x] + 1
                queue.append(y)
    return dist


def _fresh_community(c: httpx.Client) -> str:
    cid = _id("cx")
    r = c.post(
        "/communities", json={"id": cid, "name": "测试孤岛社区", "subdistrict_id": "xingcheng"}
    )
    assert r.status_code == 201, r.text
    return cid


def _fresh_unit(c: httpx.Client, community_id: str, name: str = "测试单位") -> str:
    uid = _id("ux")
    r = c.post(
        "/units", json={"id": uid, "name": name, "type": "enterprise", "community_id": community_id}
    )
    assert r.status_code == 201, r.text
    return uid


# --------------------------------------------------------------------------- networks


def test_unit_network_nodes_edges_and_labels(api: ApiServer) -> None:
    units = {u["id"]: u for u in _csv("units.csv")}
    with api.client("viewer") as c:
        r = c.get("/network/units/u01", params={"hops": 1})
        assert r.status_code == 200, r.text
        net = r.json()
        assert net["center"] == "Unit:u01" and net["hops"] == 1
        nodes = {n["key"]: n for n in net["nodes"]}
        assert nodes["Unit:u01"]["hops"] == 0 and nodes["Unit:u01"]["name"] == "星城中学"
        assert all(n["hops"] <= 1 for n in nodes.values())
        zh = {"Unit": "单位", "Community": "社区"}
        assert all(n["label_zh"] == zh[n["label"]] for n in nodes.values())
        for e in net["edges"]:
            assert e["source"] in nodes and e["target"] in nodes and e["source"] < e["target"]
            assert e["weight"] >= 1 and e["type_zh"]
        home = f"Community:{units['u01']['community_id']}"
        located = [
            e
            for e in net["edges"]
            if e["type"] == "LOCATED_IN" and "Unit:u01" in (e["source"], e["target"])
        ]
        assert [(e["source"], e["weight"], e["type_zh"]) for e in located] == [(home, 1, "驻在")]

        # COOPERATED_WITH weights from the seed's activity assignments
        members: dict[str, set[str]] = defaultdict(set)
        for a in _csv("assignments.csv"):
            members[a["activity_id"]].add(a["unit_id"])
        expected: dict[str, int] = defaultdict(int)
        for unit_ids in members.values():
            if "u01" in unit_ids:
                for other in unit_ids - {"u01"}:
                    expected[other] += 1
        got = {
            (e["target"] if e["source"] == "Unit:u01" else e["source"]).split(":")[1]: e["weight"]
            for e in net["edges"]
            if e["type"] == "COOPERATED_WITH" and "Unit:u01" in (e["source"], e["target"])
        }
        assert got == dict(expected) and got

        wider = c.get("/network/units/u01", params={"hops": 2}).json()
        assert set(nodes) < {n["key"] for n in wider["nodes"]}
        assert c.get("/network/units/u01").json()["hops"] == 1


def test_community_network(api: ApiServer) -> None:
    located = {u["id"] for u in _csv("units.csv") if u["community_id"] == "c01"}
    paired = {p["unit_id"] for p in _csv("pairings.csv") if p["community_id"] == "c01"}
    with api.client("community:c02") as c:
        net = c.get("/network/communities/c01", params={"hops": 1}).json()
        assert net["center"] == "Community:c01"
        one_hop = {n["id"] for n in net["nodes"] if n["hops"] == 1}
        assert located | paired <= one_hop
        assert {n["label"] for n in net["nodes"] if n["hops"] == 1} == {"Unit"}
        three = c.get("/network/communities/c01", params={"hops": 3}).json()
        assert max(n["hops"] for n in three["nodes"]) == 3


@pytest.mark.parametrize("hops", ["0", "4", "x", "-1"])
def test_network_bad_hops_422(api: ApiServer, hops: str) -> None:
    with api.client("viewer") as c:
        for path in ("/network/units/u01", "/network/communities/c01"):
            r = c.get(path, params={"hops": hops})
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"


def test_network_unknown_ids_404(api: ApiServer) -> None:
    with api.client("viewer") as c:
        assert c.get("/network/units/u999").status_code == 404
        assert c.get("/network/communities/c999").status_code == 404
        # a unit id is not a community id
        assert c.get("/network/communities/u01").status_code == 404
        assert c.get("/network/coverage", params={"community_id": "c999"}).status_code == 404


def test_every_role_reads_and_token_required(api: ApiServer) -> None:
    for who in USERS:
        with api.client(who) as c:
            assert c.get("/network/central", params={"limit": 1}).status_code == 200
    with api.client(None) as c:
        assert c.get("/network/central").status_code == 401
        assert c.get("/network/export").status_code == 401


# --------------------------------------------------------------------------- coverage


def test_coverage_matches_seed(api: ApiServer) -> None:
    with api.client("viewer") as c:
        adjacency = c.get("/adjacency").json()
        units = {u["id"]: u for u in _all(c, "/units")}
        resources = _all(c, "/resources")
        for quarter in (None, "2026Q4"):
            params: dict[str, Any] = {"community_id": "c01", "max_distance": 1}
            if quarter:
                params["quarter"] = quarter
            r = c.get("/network/coverage", params=params)
            assert r.status_code == 200, r.text
            cov = r.json()
            dist = _distances(adjacency, "c01")
            expected: dict[str, set[str]] = defaultdict(set)
            for res in resources:
                u = units[res["unit_id"]]
                if quarter and res["quarters"] and quarter not in res["quarters"]:
                    continue
                if dist.get(u["community_id"], 99) <= 1:
                    expected[res["kind"]].add(u["id"])
            assert len(cov["kinds"]) == ALL_KINDS
            got = {k["kind"]: {u["id"] for u in k["units"]} for k in cov["kinds"]}
            assert {k: v for k, v in got.items() if v} == dict(expected)
            assert all(k["count"] == len(k["units"]) for k in cov["kinds"])
            zero = {k["kind"] for k in cov["uncovered"]}
            assert zero == {k for k, v in got.items() if not v}
            assert all(k["label_zh"] for k in cov["kinds"])
            for k in cov["kinds"]:
                for u in k["units"]:
                    assert u["distance"] == dist[units[u["id"]]["community_id"]]
                    assert u["name"] == units[u["id"]]["name"]
        # in 2026Q4 nobody offers employment or poverty relief (seed README)
        q4 = c.get("/network/coverage", params={"community_id": "c01", "quarter": "2026Q4"}).json()
        assert {"employment", "poverty_relief"} <= {k["kind"] for k in q4["uncovered"]}
        wide = c.get("/network/coverage", params={"community_id": "c01", "max_distance": 10}).json()
        narrow = c.get(
            "/network/coverage", params={"community_id": "c01", "max_distance": 0}
        ).json()
        assert all(
            w["count"] >= n["count"] for w, n in zip(wide["kinds"], narrow["kinds"], strict=True)
        )


def test_coverage_reacts_to_declared_resource(api: ApiServer) -> None:
    with api.client("committee") as c:
        cid = _fresh_community(c)
        uid = _fresh_unit(c, cid, "孤岛医院")
        params = {"community_id": cid, "max_distance": 0}
        before = c.get("/network/coverage", params=params).json()
        assert before["uncovered"] and len(before["uncovered"]) == ALL_KINDS
        body = [
            {"id": _id("rx"), "kind": "medical", "name": "义诊", "capacity": 3},
            {
                "id": _id("rx"),
                "kind": "library",
                "name": "阅览室",
                "capacity": 1,
                "quarters": ["2026Q3"],
            },
        ]
        r = c.put(f"/units/{uid}/resources", json=body, headers={"If-Match": "*"})
        assert r.status_code == 200, r.text
        after = c.get("/network/coverage", params=params).json()
        kinds = {k["kind"]: k for k in after["kinds"]}
        assert kinds["medical"]["count"] == 1
        assert kinds["medical"]["units"] == [
            {"id": uid, "name": "孤岛医院", "community_id": cid, "distance": 0}
        ]
        assert kinds["library"]["count"] == 1
        assert {k["kind"] for k in after["uncovered"]} == {
            k["kind"] for k in before["uncovered"]
        } - {"medical", "library"}
        q4 = c.get("/network/coverage", params={**params, "quarter": "2026Q4"}).json()
        assert {k["kind"]: k["count"] for k in q4["kinds"]}["library"] == 0
        q3 = c.get("/network/coverage", params={**params, "quarter": "2026Q3"}).json()
        assert {k["kind"]: k["count"] for k in q3["kinds"]}["library"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"community_id": "c01", "max_distance": -1},
        {"community_id": "c01", "max_distance": 11},
        {"community_id": "c01", "max_distance": "far"},
        {"community_id": "c01", "quarter": "2026Q5"},
        {"community_id": "c01", "quarter": "Q4"},
    ],
)
def test_coverage_bad_params_422(api: ApiServer, params: dict[str, Any]) -> None:
    with api.client("viewer") as c:
        assert c.get("/network/coverage", params=params).status_code == 422


# --------------------------------------------------------------------------- gaps


def test_gaps_match_store_contents(api: ApiServer) -> None:
    quarter = "2026Q4"
    with api.client("viewer") as c:
        adjacency = c.get("/adjacency").json()
        units = {u["id"]: u for u in _all(c, "/units")}
        offers: dict[str, set[str]] = defaultdict(set)
        for res in _all(c, "/resources"):
            if not res["quarters"] or quarter in res["quarters"]:
                offers[res["kind"]].add(res["unit_id"])
        needs = _all(c, "/needs", quarter=quarter, status="open")
        # a unit fits a need when the suitability table rates one of its kinds above 0
        from gongjian.seeds.suitability import default_suitability

        table = default_suitability()

        def fitting(category: str) -> set[str]:
            return {
                u
                for kind, us in offers.items()
                for u in us
                if (table.lookup(category, kind, units[u]["type"]) or 0) > 0
            }

        for max_distance in (0, 2):
            expected = {}
            for n in needs:
                dist = _distances(adjacency, n["community_id"])
                near = [
                    u
                    for u in fitting(n["category"])
                    if dist.get(units[u]["community_id"], 99) <= max_distance
                ]
                if not near:
                    far = len(fitting(n["category"]))
                    expected[n["id"]] = (
                        "beyond_distance_limit" if far else "no_eligible_unit",
                        far,
                    )
            r = c.get("/network/gaps", params={"quarter": quarter, "max_distance": max_distance})
            assert r.status_code == 200, r.text
            gaps = r.json()
            got = {g["need_id"]: (g["reason"], g["units_beyond_distance"]) for g in gaps["gaps"]}
            assert got == expected
            assert gaps["open_needs"] == len(needs) and gaps["count"] == len(expected)
            assert sum(gaps["by_reason"].values()) == len(expected)
            assert all(g["reason_zh"] and g["category_zh"] for g in gaps["gaps"])
        # the seed's deliberately uncovered Q4 needs are there (employment, poverty relief)
        kinds = {
            g["category"]
            for g in c.get("/network/gaps", params={"quarter": quarter}).json()["gaps"]
            if g["reason"] == "no_eligible_unit"
        }
        assert {"employment", "poverty_relief"} <= kinds


def test_gaps_hand_built_case(api: ApiServer) -> None:
    quarter = "2096Q4"  # no seed data; employment is only offered in 2026Q1–Q3
    with api.client("committee") as c:
        cid = _fresh_community(c)
        nobody, far, near = _id("nx"), _id("nx"), _id("nx")
        for need_id, category, community in (
            (nobody, "employment", "c01"),
            (far, "medical", cid),  # medical units exist, but none is connected to cid
            (near, "medical", "c04"),
        ):
            r = c.post(
                "/needs",
                json={
                    "id": need_id,
                    "title": "测试需求",
                    "category": category,
                    "community_id": community,
                    "quarter": quarter,
                },
            )
            assert r.status_code == 201, r.text
    with api.client("unit:u09") as c:
        gaps = c.get("/network/gaps", params={"quarter": quarter}).json()
        by_id = {g["need_id"]: g for g in gaps["gaps"]}
        assert by_id[nobody]["reason"] == "no_eligible_unit"
        assert by_id[nobody]["units_beyond_distance"] == 0
        assert by_id[nobody]["category_zh"] == "就业帮扶"
        assert by_id[far]["reason"] == "beyond_distance_limit"
        assert by_id[far]["units_beyond_distance"] >= 1
        assert near not in by_id
        assert gaps["open_needs"] == 3 and gaps["count"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"quarter": "2026"},
        {"quarter": "2026Q4", "max_distance": -1},
        {"quarter": "2026Q4", "max_distance": "x"},
    ],
)
def test_gaps_bad_params_422(api: ApiServer, params: dict[str, Any]) -> None:
    with api.client("viewer") as c:
        assert c.get("/network/gaps", params=params).status_code == 422


# --------------------------------------------------------------------------- central units


def _store_cooperation_graph(c: httpx.Client) -> nx.Graph:
    """The cooperation graph rebuilt from the store's own 1-hop unit networks."""
    g = nx.Graph()
    for comm in _all(c, "/communities"):
        g.add_node(f"Community:{comm['id']}")
    units = _all(c, "/units")
    seen = set()
    for u in units:
        g.add_node(f"Unit:{u['id']}")
        for e in c.get(f"/network/units/{u['id']}", params={"hops": 1}).json()["edges"]:
            k = (e["source"], e["target"], e["type"])
            if k in seen:
                continue
            seen.add(k)
            w = (
                g.edges[e["source"], e["target"]]["weight"]
                if g.has_edge(e["source"], e["target"])
                else 0
            )
            g.add_edge(e["source"], e["target"], weight=w + e["weight"])
    return g


def test_central_units_degree_and_betweenness(api: ApiServer) -> None:
    with api.client("viewer") as c:
        g = _store_cooperation_graph(c)
        n_units = sum(1 for k in g if k.startswith("Unit:"))
        r = c.get("/network/central", params={"limit": 1000})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["by"] == "degree" and body["graph"] and body["betweenness_exact"] is True
        assert body["nodes"] == g.number_of_nodes() and body["edges"] == g.number_of_edges()
        rows = body["units"]
        assert len(rows) == n_units
        between = nx.betweenness_centrality(g)
        for row in rows:
            key = f"Unit:{row['id']}"
            assert row["degree"] == g.degree(key, weight="weight")
            assert row["neighbours"] == g.degree(key)
            assert row["betweenness"] == pytest.approx(between[key], abs=1e-9)
        assert [x["rank"] for x in rows] == list(range(1, n_units + 1))
        degrees = [x["degree"] for x in rows]
        assert degrees == sorted(degrees, reverse=True)

        top = c.get("/network/central", params={"by": "betweenness", "limit": 3}).json()["units"]
        assert len(top) == 3 and [x["rank"] for x in top] == [1, 2, 3]
        best = max(between[f"Unit:{x['id']}"] for x in rows)
        assert top[0]["betweenness"] == pytest.approx(best)
        values = [x["betweenness"] for x in top]
        assert values == sorted(values, reverse=True)
        assert len(c.get("/network/central").json()["units"]) == min(10, n_units)


@pytest.mark.parametrize(
    "params", [{"by": "pagerank"}, {"limit": 0}, {"limit": 1001}, {"limit": "ten"}]
)
def test_central_bad_params_422(api: ApiServer, params: dict[str, Any]) -> None:
    with api.client("viewer") as c:
        assert c.get("/network/central", params=params).status_code == 422


# --------------------------------------------------------------------------- export


def _node_count(c: httpx.Client) -> int:
    paths = (
        "/subdistricts",
        "/communities",
        "/grids",
        "/units",
        "/resources",
        "/needs",
        "/activities",
        "/party-members",
    )
    return sum(c.get(p, params={"limit": 1}).json()["total"] for p in paths)


def test_export_graphml_round_trip(api: ApiServer) -> None:
    with api.client("viewer") as c:
        expected_nodes = _node_count(c)
        n_units = c.get("/units", params={"limit": 1}).json()["total"]
        r = c.get("/network/export", params={"format": "graphml"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/graphml+xml")
        assert 'filename="gongjian-network.graphml"' in r.headers["content-disposition"]
        g = nx.parse_graphml(r.content.decode("utf-8"))
        assert g.is_directed() and g.is_multigraph()
        assert g.number_of_nodes() == expected_nodes
        assert g.nodes["Unit:u01"]["name"] == "星城中学"
        assert g.nodes["Unit:u01"]["label"] == "Unit"
        assert g.nodes["Community:c07"]["name"] == "第七社区"
        assert g.nodes["Subdistrict:xingcheng"]["name"] == "星城街道"
        # non-scalar attributes survive as JSON text
        roles = json.loads(g.nodes["Activity:a01"]["roles"])
        assert {r["kind"] for r in roles} == {"culture_arts", "venue_culture"}
        located = [d for _, _, d in g.edges(data=True) if d["type"] == "LOCATED_IN"]
        assert len(located) == n_units
        # the default format is GraphML
        assert c.get("/network/export").headers["content-type"].startswith("application/graphml")


def test_export_json_has_all_nodes(api: ApiServer) -> None:
    with api.client("unit:u01") as c:
        expected_nodes = _node_count(c)
        r = c.get("/network/export", params={"format": "json"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json")
        assert 'filename="gongjian-network.json"' in r.headers["content-disposition"]
        data = json.loads(r.content.decode("utf-8"))
        assert len(data["nodes"]) == expected_nodes
        nodes = {n["key"]: n for n in data["nodes"]}
        assert nodes["Unit:u01"]["id"] == "u01" and nodes["Unit:u01"]["name"] == "星城中学"
        assert all(e["source"] in nodes and e["target"] in nodes for e in data["edges"])
        g = nx.node_link_graph(data, name="key", key="edge_key")
        graphml = nx.parse_graphml(c.get("/network/export").content.decode("utf-8"))
        assert g.number_of_nodes() == graphml.number_of_nodes()
        assert g.number_of_edges() == graphml.number_of_edges() > 0
        assert c.get("/network/export", params={"format": "xml"}).status_code == 422


def _fold(key: str, home: dict[str, str], expanded: set[str]) -> str:
    c = home.get(key)
    return key if c is None or c in expanded else f"Community:{c}"


def test_overview_sums_the_unit_networks_by_community(api: ApiServer) -> None:
    """GET /network/overview: one node per community with its unit count, the cooperation
    edges summed per pair of communities; an expanded community's units are nodes of their
    own. The edges are read from every community's 2-hop network: each edge touches a unit,
    and a unit and its cooperating units are within 2 hops of the unit's own community."""
    with api.client("viewer") as c:
        units = _all(c, "/units")
        communities = _all(c, "/communities")
        home = {f"Unit:{u['id']}": u["community_id"] for u in units}
        edges: dict[tuple[str, str, str], int] = {}
        for x in {u["community_id"] for u in units}:
            net = c.get(f"/network/communities/{x}", params={"hops": 2}).json()
            for e in net["edges"]:
                edges[e["source"], e["target"], e["type"]] = e["weight"]
            assert {n["key"]: n["community_id"] for n in net["nodes"] if n["label"] == "Unit"} == {
                n["key"]: home[n["key"]] for n in net["nodes"] if n["label"] == "Unit"
            }
        busiest = max(communities, key=lambda x: sum(v == x["id"] for v in home.values()))["id"]
        for expanded in (set(), {busiest}):
            want: dict[tuple[str, str], int] = defaultdict(int)
            for (s, t, _type), w in edges.items():
                a, b = sorted((_fold(s, home, expanded), _fold(t, home, expanded)))
                if a != b:
                    want[a, b] += w
            r = c.get("/network/overview", params={"expand": sorted(expanded)})
            assert r.status_code == 200, r.text
            got = r.json()
            assert {(e["source"], e["target"]): e["weight"] for e in got["edges"]} == want
            assert all(e["weight"] == sum(e["types"].values()) for e in got["edges"])
            shown_units = {k for k, cid in home.items() if cid in expanded}
            assert {n["key"] for n in got["nodes"]} == {
                f"Community:{x['id']}" for x in communities
            } | shown_units
            counts = {n["id"]: n["units"] for n in got["nodes"] if n["label"] == "Community"}
            assert counts == {
                x["id"]: sum(v == x["id"] for v in home.values()) for x in communities
            }
            assert (got["communities"], got["units"]) == (len(communities), len(units))
        assert c.get("/network/overview", params={"expand": "c-none"}).status_code == 404
        assert c.get("/network/overview", params={"expand": "x" * 65}).status_code == 422
