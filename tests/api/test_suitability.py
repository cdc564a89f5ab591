"""``/suitability`` on both stores: read, edit, stale 412, bad rows 422, roles, CSV,
and the next plan uses the edited table.

The module's server is its own (edits change what every later plan of it compiles).
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from gongjian.seeds.suitability import default_suitability
from tests.api.server import ApiServer
from tests.api.test_plans import pairs, solve


def _table(c: httpx.Client) -> tuple[dict[str, Any], str]:
    r = c.get("/suitability")
    assert r.status_code == 200, r.text
    return r.json(), r.headers["etag"]


def _put(c: httpx.Client, rows: list[dict[str, Any]], etag: str | None) -> httpx.Response:
    headers = {"If-Match": etag} if etag is not None else {}
    return c.put("/suitability", json={"rows": rows}, headers=headers)


def _elevator(rows: list[dict[str, Any]], score: int) -> list[dict[str, Any]]:
    return [
        {**r, "suitability": score} if r["need_category"] == "elevator_fault" else r for r in rows
    ]


def test_everyone_reads_the_seeded_table(api: ApiServer) -> None:
    shipped = default_suitability().as_rows()
    for who in ("committee", "unit:u01", "community:c01", "viewer"):
        with api.client(who) as c:
            body, etag = _table(c)
        assert [{**r, "suitability": str(r["suitability"])} for r in body["rows"]] == shipped
        assert body["version"] >= 1 and etag == f'"{body["version"]}"'  # stored on seeding
        assert body["missing_categories"] == []
    with api.client(None) as anon:
        assert anon.get("/suitability").status_code == 401


def test_committee_edits_and_the_plan_follows(api: ApiServer) -> None:
    with api.client("committee") as c:
        before = solve(c, time_limit=3)
        # 7号楼电梯困人 (n135) goes to the property company while the table says so
        assert ("n135", "u06") in pairs(before)
        body, etag = _table(c)
        r = _put(c, _elevator(body["rows"], 0), etag)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == body["version"] + 1
        assert r.headers["etag"] == f'"{body["version"] + 1}"'
        # the gaps and the plan use the stored table: nobody may take an elevator fault now
        gaps = c.get("/network/gaps", params={"quarter": "2026Q4"}).json()["gaps"]
        assert {"n135": "no_eligible_unit"}.items() <= {
            g["need_id"]: g["reason"] for g in gaps
        }.items()
        after = solve(c, time_limit=3)
        assert not [p for p in pairs(after) if p[0] == "n135"]
        assert "n135" in {u["item"] for u in after["plan"]["unmet"]}
        # restored: the old ETag is stale now
        stale = _put(c, body["rows"], etag)
        assert stale.status_code == 412, stale.text
        assert stale.json()["error"]["code"] == "precondition_failed"
        restored = _put(c, body["rows"], r.headers["etag"])
        assert restored.status_code == 200, restored.text
        log = c.get("/audit", params={"limit": 50}).json()["items"]
    edits = [e for e in log if e["path"] == "/suitability" and e["status"] == 200]
    assert len(edits) >= 2 and "suitability" in edits[0]["summary"]


def test_without_if_match_428_and_bad_rows_422(api: ApiServer) -> None:
    with api.client("committee") as c:
        body, etag = _table(c)
        assert _put(c, body["rows"], None).status_code == 428
        bad = [*body["rows"], {**body["rows"][0], "resource_kind": "teleport"}]
        r = _put(c, bad, etag)
        assert r.status_code == 422, r.text
        message = r.json()["error"]["message"]
        # names the row (1-based, as sent) and lists the allowed values in Chinese
        assert f"第 {len(bad)} 行" in message and "资源类别" in message and "fire_safety" in message
        r = _put(c, [{**body["rows"][0], "unit_type": "castle"}], etag)
        assert r.status_code == 422 and "单位类型" in r.json()["error"]["message"]
        r = _put(c, [{**body["rows"][0], "need_category": "moon"}], etag)
        assert r.status_code == 422 and "需求类别" in r.json()["error"]["message"]
        r = _put(c, [{**body["rows"][0], "suitability": 101}], etag)
        assert r.status_code == 422 and "0–100" in r.json()["error"]["message"]
        assert _put(c, [], etag).status_code == 422
        assert _table(c) == (body, etag)  # nothing of it was stored


def test_only_the_committee_edits(api: ApiServer) -> None:
    with api.client("committee") as c:
        body, etag = _table(c)
    for who in ("unit:u01", "community:c01", "viewer"):
        with api.client(who) as c:
            r = _put(c, _elevator(body["rows"], 0), etag)
            assert r.status_code == 403, (who, r.text)
            r = c.put(
                "/suitability.csv",
                content=b"need_category,resource_kind,unit_type,suitability\n",
                headers={"If-Match": etag, "Content-Type": "text/csv"},
            )
            assert r.status_code == 403, (who, r.text)
    with api.client("committee") as c:
        assert _table(c) == (body, etag)


def test_csv_round_trip_through_excel_encodings(api: ApiServer) -> None:
    with api.client("viewer") as v:
        got = v.get("/suitability.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))
    hazard = [r for r in rows if r["need_category"] == "fire_hazard"]
    assert hazard and "消防隐患" in hazard[0]["说明 note"]
    assert all(not r["suitability"].startswith(("=", "+", "-", "@")) for r in rows)
    # staff edit a cell in Excel and save as CSV (GB18030 on a Chinese Windows)
    for r in rows:
        if r["need_category"] == "elevator_fault" and r["unit_type"] == "property_company":
            r["suitability"] = "55"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    with api.client("committee") as c:
        _, etag = _table(c)
        r = c.put(
            "/suitability.csv",
            content=out.getvalue().encode("gb18030"),
            headers={"If-Match": etag, "Content-Type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        edited = {(x["need_category"], x["unit_type"]): x["suitability"] for x in r.json()["rows"]}
        assert edited[("elevator_fault", "property_company")] == 55
        assert c.get("/suitability").headers["etag"] == r.headers["etag"]
        bad = c.put(
            "/suitability.csv",
            content=b"need_category,resource_kind,unit_type,suitability\nfire_hazard,magic,*,5\n",
            headers={"If-Match": r.headers["etag"], "Content-Type": "text/csv"},
        )
        assert bad.status_code == 422 and "第 2 行" in bad.json()["error"]["message"]
        assert (
            c.put(
                "/suitability.csv", content=b"x", headers={"If-Match": r.headers["etag"]}
            ).status_code
            == 422
        )  # not text/csv


def test_concurrent_saves_with_one_etag_one_wins(api: ApiServer) -> None:
    """The version check and the write are one store transaction: of several saves naming
    the same version, exactly one is stored and the others get 412."""
    with api.client("committee") as c:
        body, etag = _table(c)

    def save(score: int) -> int:
        with api.client("committee") as c:
            return _put(c, _elevator(body["rows"], score), etag).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(save, [5, 10, 15, 20, 25, 30]))
    assert sorted(codes) == [200] + [412] * 5, codes
    with api.client("committee") as c:
        after, _ = _table(c)
        assert after["version"] == body["version"] + 1
        # put the shipped rows back for the other tests of the module
        assert _put(c, body["rows"], f'"{after["version"]}"').status_code == 200
