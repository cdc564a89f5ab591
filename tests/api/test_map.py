"""服务一张图 over HTTP, both stores: every community of the 星城 seed an area holding
its own centre and no other, every unit a point where the seed puts it, the coverage
gaps following what units a community has, the kind filter, personal data for the
committee only."""

from __future__ import annotations

import csv
import itertools
import uuid
from typing import Any

import pytest

from gongjian.seeds.xingcheng import xingcheng_dir
from tests.api.server import ApiServer


def _csv(name: str) -> list[dict[str, str]]:
    text = xingcheng_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting: whether ``point`` lies inside the closed ``ring``."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _map(api: ApiServer, who: str = "committee", **params: Any) -> dict[str, Any]:
    with api.client(who) as c:
        r = c.get("/map", params=params)
        assert r.status_code == 200, r.text
        return r.json()


def _features(fc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in fc["features"] if f["properties"]["kind"] == kind}


def test_every_community_is_an_area_and_every_unit_a_point(api: ApiServer) -> None:
    fc = _map(api)
    assert fc["type"] == "FeatureCollection" and not fc["meta"]["aggregated"]
    seed = {c["id"]: c for c in _csv("communities.csv")}
    areas = _features(fc, "community")
    assert set(seed) <= set(areas)
    for cid, c in seed.items():
        f = areas[cid]
        assert f["properties"]["name"] == c["name"]
        ring = f["geometry"]["coordinates"][0]
        assert f["geometry"]["type"] == "Polygon" and ring[0] == ring[-1]
        here = (float(c["lon"]), float(c["lat"]))
        owners = [
            o
            for o, g in areas.items()
            if o in seed and _inside(here, g["geometry"]["coordinates"][0])
        ]
        assert owners == [cid], (cid, owners)  # its own area, hidden under no other
    points = _features(fc, "unit")
    for u in _csv("units.csv"):
        p = points[u["id"]]
        assert p["geometry"]["coordinates"] == pytest.approx([float(u["lon"]), float(u["lat"])])
        assert p["properties"]["name"] == u["name"] and not p["properties"]["approximate"]
        assert p["properties"]["contact"] == u["contact"]  # the committee sees contacts
    for who in ("viewer", "unit:u01", "community:c01"):
        seen = _features(_map(api, who), "unit")
        assert all("contact" not in p["properties"] for p in seen.values()), who


def test_gaps_follow_the_units_a_community_has(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    cid, uid, nid = f"c-map-{tag}", f"u-map-{tag}", f"n-map-{tag}"
    with api.client("committee") as c:
        body = {
            "id": cid,
            "name": "地图社区",
            "subdistrict_id": "xingcheng",
            "lat": 39.76,
            "lon": 116.02,
        }
        assert c.post("/communities", json=body).status_code == 201
        need = {
            "id": nid,
            "title": "自习室预约",
            "category": "venue_learning",
            "community_id": cid,
            "quarter": "2026Q4",
        }
        assert c.post("/needs", json=need).status_code == 201
    area = _features(_map(api), "community")[cid]["properties"]
    assert (area["open_needs"], area["gaps"], area["gap_share"]) == (1, 1, 1.0)
    assert (
        _features(_map(api, kind="venue_learning"), "community")[cid]["properties"]["open_needs"]
        == 1
    )
    assert _features(_map(api, kind="medical"), "community")[cid]["properties"]["open_needs"] == 0

    with api.client("committee") as c:
        unit = {"id": uid, "name": "地图学校", "type": "school", "community_id": cid, "capacity": 5}
        assert c.post("/units", json=unit).status_code == 201, unit
        etag = c.get(f"/units/{uid}/resources").headers["etag"]
        res = [{"id": f"r-map-{tag}", "kind": "venue_learning", "name": "自习室", "capacity": 3}]
        r = c.put(f"/units/{uid}/resources", json=res, headers={"If-Match": etag})
        assert r.status_code == 200, r.text
    fc = _map(api)
    area = _features(fc, "community")[cid]["properties"]
    assert (area["open_needs"], area["gaps"], area["units"]) == (1, 0, 1)
    point = _features(fc, "unit")[uid]
    # no coordinates of its own: drawn at its community's centre, and said so
    assert point["properties"]["approximate"] and point["geometry"]["coordinates"] == [
        116.02,
        39.76,
    ]
    assert point["properties"]["offers"] == ["venue_learning"]


def test_one_community_expanded_and_bad_filters(api: ApiServer) -> None:
    fc = _map(api, community="c01")
    units = _features(fc, "unit")
    assert units and all(u["properties"]["community_id"] == "c01" for u in units.values())
    assert len(_features(fc, "community")) >= 8  # the areas stay
    with api.client("viewer") as c:
        assert c.get("/map", params={"kind": "nonsense"}).status_code == 422
    with api.client(None) as c:
        assert c.get("/map").status_code == 401
