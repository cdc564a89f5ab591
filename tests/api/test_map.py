"""服务一张图 over HTTP, both stores: every community of the 星城 seed an area holding
its own centre and no other, every unit a point where the seed puts it, the coverage
gaps following what units a community has, the kind filter, personal data for the
committee only; imported community outlines round-trip, bad ones are refused."""

from __future__ import annotations

import csv
import itertools
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gongjian.seeds.xingcheng import xingcheng_dir
from tests.api.server import ApiServer


def _csv(name: str) -> list[dict[str, str]]:
    text = xingcheng_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def inside_ring(point: tuple[float, float], ring: list[list[float]]) -> bool:
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
            if o in seed and inside_ring(here, g["geometry"]["coordinates"][0])
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


# --------------------------------------------------------------------------- outlines


def _square(lon: float, lat: float, d: float = 0.002) -> list[list[float]]:
    return [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]


def _geojson(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _put_outlines(
    c: Any, data: bytes, etag: str | None, *, content_type: str = "application/geo+json"
) -> Any:
    headers = {"Content-Type": content_type}
    if etag is not None:
        headers["If-Match"] = etag
    return c.put("/map/outlines", content=data, headers=headers)


def _fresh_communities(c: Any, tag: str) -> tuple[str, str, str]:
    a, b = f"c-ol-{tag}-a", f"c-ol-{tag}-b"
    name_b = f"边界社区{tag}"
    body = {"id": a, "name": f"<b>边界</b>{tag}", "subdistrict_id": "xingcheng"}
    assert c.post("/communities", json={**body, "lat": 39.75, "lon": 116.05}).status_code == 201
    assert (
        c.post(
            "/communities", json={"id": b, "name": name_b, "subdistrict_id": "xingcheng"}
        ).status_code
        == 201
    )
    return a, b, name_b


def test_imported_outlines_round_trip(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    with api.client("committee") as c:
        a, b, name_b = _fresh_communities(c, tag)
        etag = c.get("/map/outlines").headers["etag"]
        poly = {"type": "Polygon", "coordinates": [_square(116.05, 39.75)]}
        multi = {
            "type": "MultiPolygon",
            "coordinates": [[_square(116.1, 39.8)], [_square(116.11, 39.81, 0.001)]],
        }
        # one by id, one by its Chinese name (no coordinates of its own)
        r = _put_outlines(c, _geojson(_feature(poly, id=a), _feature(multi, 名称=name_b)), etag)
        assert r.status_code == 200, r.text
        new_etag = r.headers["etag"]
        assert new_etag != etag
        # a second import with the old ETag is refused, and one without any
        assert _put_outlines(c, _geojson(_feature(poly, id=a)), etag).status_code == 412
        assert _put_outlines(c, _geojson(_feature(poly, id=a)), None).status_code == 428
        exported = {f["id"]: f for f in c.get("/map/outlines").json()["features"]}
    assert exported[a]["geometry"] == poly and exported[b]["geometry"] == multi
    assert exported[b]["properties"]["name"] == name_b
    areas = _features(_map(api), "community")
    assert areas[a]["geometry"] == poly and areas[a]["properties"]["outline"] == "imported"
    # placed by its outline although it has no coordinates
    assert areas[b]["geometry"] == multi and b not in _map(api)["meta"]["unplaced"]
    lon, lat = areas[b]["properties"]["centre"]
    assert 116.1 < lon < 116.112 and 39.8 < lat < 39.812
    assert areas["c01"]["properties"]["outline"] in {"derived", "imported"}
    # the import was audited
    with api.client("committee") as c:
        log = c.get("/audit", params={"q": "/map/outlines", "limit": 50}).json()
    assert any("import community outlines" in (e.get("summary") or "") for e in log["items"])


def test_bad_outlines_are_refused_in_chinese_and_nothing_changes(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    with api.client("committee") as c:
        a, _b, _name = _fresh_communities(c, tag)
        etag = c.get("/map/outlines").headers["etag"]
        before = c.get("/map/outlines").json()
        ok = _square(116.0, 39.7)
        cases = {
            "not a collection": json.dumps({"type": "Feature"}).encode(),
            "not json": b"{nope",
            "a point": _geojson(_feature({"type": "Point", "coordinates": [116, 39]}, id=a)),
            "out of range": _geojson(
                _feature(
                    {"type": "Polygon", "coordinates": [[[200, 39], *ok[1:-1], [200, 39]]]}, id=a
                )
            ),
            "not closed": _geojson(
                _feature({"type": "Polygon", "coordinates": [[*ok[:-1], [1, 1]]]}, id=a)
            ),
            "too short": _geojson(
                _feature({"type": "Polygon", "coordinates": [[*ok[:2], ok[0]]]}, id=a)
            ),
            "a string position": _geojson(
                _feature({"type": "Polygon", "coordinates": [[["116", 39], *ok[1:]]]}, id=a)
            ),
            "twice": _geojson(
                _feature({"type": "Polygon", "coordinates": [ok]}, id=a),
                _feature({"type": "Polygon", "coordinates": [ok]}, id=a),
            ),
            "unnamed": _geojson(_feature({"type": "Polygon", "coordinates": [ok]})),
        }
        for what, data in cases.items():
            r = _put_outlines(c, data, etag)
            assert r.status_code == 422, (what, r.text)
            assert re.search(r"[\u4e00-\u9fff]", r.json()["error"]["message"]), what
        # unknown communities are listed by what the file calls them, nothing imported
        r = _put_outlines(
            c,
            _geojson(
                _feature({"type": "Polygon", "coordinates": [ok]}, id=a),
                _feature({"type": "Polygon", "coordinates": [ok]}, name="=1+1不存在社区"),
            ),
            etag,
        )
        assert r.status_code == 422 and "=1+1不存在社区" in r.json()["error"]["message"]
        big = b'{"type":"FeatureCollection","features":[' + b" " * (5 * 1024 * 1024) + b"]}"
        assert _put_outlines(c, big, etag).status_code in (413, 422)
        r = _put_outlines(c, _geojson(), etag, content_type="text/plain")
        assert r.status_code == 422
        assert c.get("/map/outlines").json() == before
        assert c.get("/map/outlines").headers["etag"] == etag
    for who in ("viewer", "unit:u01", "community:c01"):
        with api.client(who) as c:
            data = _geojson(_feature({"type": "Polygon", "coordinates": [ok]}, id="c01"))
            assert _put_outlines(c, data, etag).status_code == 403, who
            assert c.get("/map/outlines").status_code == 200


def test_racing_imports_one_wins(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    with api.client("committee") as c:
        a, _b, _name = _fresh_communities(c, tag)
        etag = c.get("/map/outlines").headers["etag"]

    def once(d: float) -> int:
        data = _geojson(_feature({"type": "Polygon", "coordinates": [_square(116, 39.7, d)]}, id=a))
        with api.client("committee") as c:
            return _put_outlines(c, data, etag).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(once, [0.001, 0.002, 0.003, 0.004]))
    assert codes == [200, 412, 412, 412], codes
