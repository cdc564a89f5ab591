"""Registry endpoints over HTTP: CRUD, paging, filters, ETag / If-Match, errors."""

from __future__ import annotations

import uuid

from tests.api.server import ApiServer


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_health_and_openapi(api: ApiServer) -> None:
    with api.client(None) as c:
        assert c.get("/health").json()["status"] == "ok"
        spec = c.get("/openapi.json").json()
        assert "/units/{unit_id}/resources" in spec["paths"]
        assert c.get("/docs").status_code == 200


def test_reads_need_a_token(api: ApiServer) -> None:
    with api.client(None) as c:
        r = c.get("/units")
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["error"]["code"] == "unauthorized"
    with api.client(None, headers={"Authorization": "Bearer nope"}) as c:
        assert c.get("/units").status_code == 401


def test_list_pages_and_filters(api: ApiServer) -> None:
    with api.client("viewer") as c:
        r = c.get("/units", params={"limit": 5})
        assert r.status_code == 200
        page = r.json()
        assert page["total"] == 20 and len(page["items"]) == 5
        ids = [u["id"] for u in page["items"]]
        assert ids == sorted(ids)
        nxt = c.get("/units", params={"limit": 5, "offset": 5}).json()
        assert not set(ids) & {u["id"] for u in nxt["items"]}
        schools = c.get("/units", params={"type": "school", "limit": 100}).json()
        assert schools["total"] >= 1 and all(u["type"] == "school" for u in schools["items"])
        c03 = c.get("/units", params={"community_id": "c03"}).json()
        assert all(u["community_id"] == "c03" for u in c03["items"])
        q = c.get("/needs", params={"quarter": "2026Q4", "status": "open", "limit": 1000}).json()
        assert q["total"] == len(q["items"]) > 0
        assert all(n["quarter"] == "2026Q4" and n["status"] == "open" for n in q["items"])
        assert c.get("/units", params={"type": "castle"}).status_code == 422
        assert c.get("/units", params={"limit": 0}).status_code == 422


def test_get_unknown_is_404(api: ApiServer) -> None:
    with api.client("viewer") as c:
        r = c.get("/units/u999")
        assert r.status_code == 404
        assert "u999" in r.json()["error"]["message"]
        # Cypher-looking ids are just ids that do not exist
        assert c.get("/units/x' OR 1=1 //").status_code == 404
        assert c.get("/units/n) DETACH DELETE n").status_code == 404
        assert c.get("/units", params={"limit": 1}).json()["total"] == 20


def test_community_crud(api: ApiServer) -> None:
    cid = _id("c")
    with api.client("committee") as c:
        r = c.post(
            "/communities", json={"id": cid, "name": "新城社区", "subdistrict_id": "xingcheng"}
        )
        assert r.status_code == 201, r.text
        assert c.post("/communities", json={"id": cid, "name": "重复"}).status_code == 409
        body = {"id": cid, "name": "新城社区（改）", "stars": 3}
        assert c.put(f"/communities/{cid}", json=body).status_code == 428  # If-Match required
        etag = c.get(f"/communities/{cid}").headers["etag"]
        r = c.put(f"/communities/{cid}", json=body, headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["stars"] == 3
        assert r.headers["etag"] != etag
        stale = c.put(f"/communities/{cid}", json=body, headers={"If-Match": etag})
        assert stale.status_code == 412
        assert c.get(f"/communities/{cid}").json()["name"] == "新城社区（改）"
        other = c.put(
            f"/communities/{cid}", json={"id": "other", "name": "x"}, headers={"If-Match": "*"}
        )
        assert other.status_code == 422
        assert c.delete(f"/communities/{cid}").status_code == 204
        assert c.get(f"/communities/{cid}").status_code == 404
        # a community that units are located in cannot be deleted
        r = c.delete("/communities/c01")
        assert r.status_code == 409
        assert c.get("/communities/c01").status_code == 200


def test_validation_errors_are_field_level(api: ApiServer) -> None:
    with api.client("committee") as c:
        r = c.post(
            "/units", json={"id": "bad id!", "name": "", "type": "castle", "community_id": "c01"}
        )
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["error"]["errors"]}
        assert {"id", "name", "type"} <= fields
        r = c.post(
            "/units",
            json={"id": _id("u"), "name": "某单位", "type": "bank", "community_id": "c404"},
        )
        assert r.status_code == 422
        assert "c404" in r.json()["error"]["message"]
        r = c.post(
            "/units", content=b"\xff\xfe not json", headers={"content-type": "application/json"}
        )
        assert r.status_code == 400 and r.json()["error"]["message"]


def test_declared_resources_etag(api: ApiServer) -> None:
    with api.client("unit:u01") as c:
        r = c.get("/units/u01/resources")
        assert r.status_code == 200
        etag = r.headers["etag"]
        items = r.json()["items"]
        assert items and all(i["unit_id"] == "u01" for i in items)
        new = [{k: v for k, v in i.items() if k != "unit_id"} for i in items]
        new[0]["capacity"] = new[0]["capacity"] + 1
        # without If-Match: 428
        assert c.put("/units/u01/resources", json=new).status_code == 428
        r = c.put("/units/u01/resources", json=new, headers={"If-Match": etag})
        assert r.status_code == 200, r.text
        etag2 = r.headers["etag"]
        assert etag2 != etag and r.json()["etag"] == etag2
        # a second editor with the old ETag is refused and told the current one
        r = c.put("/units/u01/resources", json=items, headers={"If-Match": etag})
        assert r.status_code == 412
        assert r.headers["etag"] == etag2
        got = c.get("/units/u01/resources").json()["items"]
        assert got[0]["capacity"] == items[0]["capacity"] + 1
        # removing one resource and adding one
        rid = _id("r")
        newer = [*new[1:], {"id": rid, "kind": "volunteer", "name": "志愿服务队", "capacity": 4}]
        r = c.put("/units/u01/resources", json=newer, headers={"If-Match": etag2})
        assert r.status_code == 200
        ids = {i["id"] for i in c.get("/units/u01/resources").json()["items"]}
        assert ids == {i["id"] for i in newer}
        # another unit's resource id cannot be taken over
        theirs = c.get("/resources", params={"unit_id": "u02", "limit": 1}).json()["items"][0]
        cur = c.get("/units/u01/resources").headers["etag"]
        clash = [{"id": theirs["id"], "kind": "volunteer", "name": "抢占", "capacity": 1}]
        assert (
            c.put("/units/u01/resources", json=clash, headers={"If-Match": cur}).status_code == 409
        )
        assert c.get(f"/resources/{theirs['id']}").json()["unit_id"] == "u02"
        # bad rows: 422 and nothing changed
        bad = [{"id": rid, "kind": "nope", "name": "x", "capacity": -1}]
        assert c.put("/units/u01/resources", json=bad, headers={"If-Match": cur}).status_code == 422
        assert c.get("/units/u01/resources").headers["etag"] == cur


def test_declared_resources_scope(api: ApiServer) -> None:
    with api.client("unit:u02") as c:
        etag = c.get("/units/u01/resources").headers["etag"]
        r = c.put("/units/u01/resources", json=[], headers={"If-Match": etag})
        assert r.status_code == 403
    with api.client("viewer") as c:
        assert c.put("/units/u01/resources", json=[], headers={"If-Match": "*"}).status_code == 403
    with api.client("committee") as c:
        assert c.get("/units/u01/resources").headers["etag"] == etag


def test_pairings_and_adjacency(api: ApiServer) -> None:
    with api.client("committee") as c:
        before = c.get("/pairings", params={"unit_id": "u20"}).json()
        r = c.post("/pairings", json={"unit_id": "u20", "community_id": "c08"})
        assert r.status_code == 201
        after = c.get("/pairings", params={"unit_id": "u20"}).json()
        assert {"unit_id": "u20", "community_id": "c08"} in after
        assert c.delete("/pairings/u20/c08").status_code == 204
        if {"unit_id": "u20", "community_id": "c08"} not in before:
            assert {"unit_id": "u20", "community_id": "c08"} not in c.get(
                "/pairings", params={"unit_id": "u20"}
            ).json()
        assert (
            c.post("/pairings", json={"unit_id": "u404", "community_id": "c01"}).status_code == 404
        )
        adj = c.get("/adjacency").json()
        assert adj and all(a["a"] < a["b"] for a in adj)
        assert c.post("/adjacency", json={"a": "c01", "b": "c01"}).status_code == 422


def test_audit_log_records_writes(api: ApiServer) -> None:
    cid = _id("c")
    with api.client("committee") as c:
        assert c.post("/communities", json={"id": cid, "name": "审计社区"}).status_code == 201
        log = c.get("/audit", params={"limit": 20}).json()["items"]
        hit = [
            e
            for e in log
            if e["path"] == "/communities" and e["method"] == "POST" and e["status"] == 201
        ]
        mine = [e for e in hit if cid in (e["summary"] or "")]
        assert len(mine) == 1
        assert mine[0]["role"] == "committee" and mine[0]["at"]
    with api.client("viewer") as c:
        assert c.get("/audit").status_code == 403


def test_assignments_list_matches_the_seed(api: ApiServer) -> None:
    import csv
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "seeds/xingcheng/assignments.csv"
    with seed.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    first = rows[0]["activity_id"]
    expected = sorted(r["unit_id"] for r in rows if r["activity_id"] == first)
    with api.client("viewer") as c:
        got = c.get("/assignments", params={"activity_id": first}).json()
        assert sorted(a["unit_id"] for a in got) == expected
        assert all(a["activity_id"] == first for a in got)
        assert len(c.get("/assignments").json()) == len(rows)
        assert c.get("/assignments", params={"plan_id": "no-such-plan"}).json() == []
        unit = rows[0]["unit_id"]
        mine = c.get("/assignments", params={"unit_id": unit}).json()
        assert {a["unit_id"] for a in mine} == {unit}


def test_declared_resources_errors_name_the_row(api: ApiServer) -> None:
    rows = [
        {"id": "u03-ok", "kind": "library", "name": "图书角", "capacity": 2},
        {"id": "u03-bad", "kind": "library", "name": "   ", "capacity": 2},
        {"id": "u03-bad2", "kind": "library", "name": "场地", "capacity": 2, "weekdays": [9]},
    ]
    with api.client("committee") as c:
        before = c.get("/units/u03/resources").json()
        r = c.put("/units/u03/resources", json=rows, headers={"If-Match": "*"})
        assert r.status_code == 422, r.text
        fields = {e["field"] for e in r.json()["error"]["errors"]}
        assert fields == {"1.name", "2.weekdays"}, fields
        assert c.get("/units/u03/resources").json() == before
