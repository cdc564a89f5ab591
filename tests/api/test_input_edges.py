"""Issue 10, point 9: the smaller input edges, one test each, over HTTP on both stores.

* ``２０２６Q4`` (full-width digits) is refused by every quarter field and parameter;
* ``PUT`` / ``POST`` / ``DELETE /resources/{id}`` honour the declared set's
  ``If-Match`` (428 without, 412 stale) as ``PUT /units/{id}/resources`` does;
* booleans do not coerce to integers (``satisfaction: true`` → 422);
* names with CR / LF are refused;
* the OpenAPI document lists the 401 / 403 / 404 / 409 / 412 / 428 answers and the
  id and quarter patterns;
* unpublished plans (drafts) are visible to the committee and the viewer only;
* the network export for non-committee roles holds no party member's name and no
  unit contact.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.api.attack import csv_bytes, error_of, fresh_id, need_body, upload
from tests.api.server import ApiServer

WIDE = "２０２６Q4"  # full-width digits: str.isdigit() and \d both accept them


# --------------------------------------------------------------------------- full-width quarter
def _quarter_requests() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(name, method, path, kwargs) of every request that takes a quarter."""
    activity = {
        "id": fresh_id("act"), "title": "全角季度活动", "joint_type": "joint_services",
        "quarter": WIDE, "date": "2026-11-11", "community_id": "c01",
        "roles": [{"kind": "volunteer", "count": 1}],
    }  # fmt: skip
    resource = [
        {
            "id": fresh_id("r"),
            "kind": "volunteer",
            "name": "志愿",
            "capacity": 1,
            "quarters": [WIDE],
        }
    ]
    return [
        ("POST /needs", "POST", "/needs", {"json": need_body("c01", quarter=WIDE)}),
        ("POST /activities", "POST", "/activities", {"json": activity}),
        ("PUT /units/u09/resources", "PUT", "/units/u09/resources",
         {"json": resource, "headers": {"If-Match": "*"}}),
        ("POST /plans", "POST", "/plans", {"json": {"quarter": WIDE, "time_limit": 1}}),
        ("GET /needs", "GET", "/needs", {"params": {"quarter": WIDE}}),
        ("GET /plans", "GET", "/plans", {"params": {"quarter": WIDE}}),
        ("GET /metrics/units", "GET", "/metrics/units", {"params": {"quarter": WIDE}}),
        ("GET /metrics/summary", "GET", "/metrics/summary", {"params": {"quarter": WIDE}}),
        ("GET /metrics/fairness", "GET", "/metrics/fairness", {"params": {"quarter": WIDE}}),
        ("GET /network/gaps", "GET", "/network/gaps", {"params": {"quarter": WIDE}}),
        ("GET /network/coverage", "GET", "/network/coverage",
         {"params": {"quarter": WIDE, "community_id": "c01"}}),
    ]  # fmt: skip


def test_full_width_digits_are_refused_in_every_quarter_field(api: ApiServer) -> None:
    accepted = []
    with api.client() as c:
        for name, method, path, kwargs in _quarter_requests():
            r = c.request(method, path, **kwargs)
            if r.status_code != 422:
                accepted.append(f"{name} → {r.status_code}")
        row = [fresh_id("wq"), "全角季度", "repair", "c01", "", WIDE, 1]
        r = upload(c, csv_bytes([row]), "wide.csv", dry_run=True)
        if r.status_code != 422:
            accepted.append(f"POST /needs/import → {r.status_code}")
    assert not accepted, f"[{api.store_kind}] {WIDE} accepted by: {accepted}"


# --------------------------------------------------------------------------- /resources/{id}
def test_resource_routes_honour_the_declared_sets_if_match(api: ApiServer) -> None:
    with api.client("unit:u09") as c:
        got = c.get("/units/u09/resources")
        etag = got.headers["etag"]
        one = got.json()["items"][0]
        new = {
            "id": fresh_id("r"),
            "unit_id": "u09",
            "kind": "volunteer",
            "name": "新增志愿服务",
            "capacity": 2,
        }
        answers = {
            "PUT without If-Match": c.put(f"/resources/{one['id']}", json={**one, "capacity": 1}),
            "POST without If-Match": c.post("/resources", json=new),
            "DELETE without If-Match": c.delete(f"/resources/{one['id']}"),
        }
        stale = '"0000"'
        answers |= {
            "PUT stale": c.put(f"/resources/{one['id']}", json={**one, "capacity": 1}, headers={"If-Match": stale}),
            "POST stale": c.post("/resources", json=new, headers={"If-Match": stale}),
            "DELETE stale": c.delete(f"/resources/{one['id']}", headers={"If-Match": stale}),
        }  # fmt: skip
        after = c.get("/units/u09/resources")
    want = {k: 428 if "without" in k else 412 for k in answers}
    got_statuses = {k: r.status_code for k, r in answers.items()}
    assert got_statuses == want, f"[{api.store_kind}] {got_statuses}"
    assert after.headers["etag"] == etag, "a refused write changed the declared set"
    with api.client("unit:u09") as c:
        r = c.put(
            f"/resources/{one['id']}", json={**one, "capacity": 1}, headers={"If-Match": etag}
        )
        assert r.status_code == 200, r.text
        assert c.get("/units/u09/resources").headers["etag"] != etag


# --------------------------------------------------------------------------- booleans
@pytest.mark.parametrize(
    ("what", "field"),
    [("follow-up", "satisfaction"), ("need", "effort"), ("need", "priority"), ("unit", "capacity")],
)
def test_booleans_do_not_coerce_to_integers(api: ApiServer, what: str, field: str) -> None:
    with api.client() as c:
        if what == "follow-up":
            body = need_body("c01")
            assert c.post("/needs", json=body).status_code == 201
            nid = body["id"]
            c.post(f"/needs/{nid}/claim", json={"unit_id": "u09"})
            c.post(f"/needs/{nid}/start")
            c.post(f"/needs/{nid}/resolve", json={"note": "已修复"})
            r = c.post(f"/needs/{nid}/follow-up", json={"satisfaction": True})
        elif what == "need":
            r = c.post("/needs", json=need_body("c01", **{field: True}))
        else:
            r = c.post(
                "/units",
                json={"id": fresh_id("ub"), "name": "布尔单位", "type": "enterprise",
                      "community_id": "c01", "capacity": True},
            )  # fmt: skip
    assert r.status_code == 422, (
        f"[{api.store_kind}] {what}.{field}: true → {r.status_code} {r.text[:200]}"
    )
    assert any(e["field"].endswith(field) for e in error_of(r).get("errors", [])), r.text


# --------------------------------------------------------------------------- CR / LF
@pytest.mark.parametrize(
    "text", ["第一行\r\n第二行", "第一行\n第二行", "第一行\r第二行"], ids=["crlf", "lf", "cr"]
)
def test_names_with_cr_or_lf_are_refused(api: ApiServer, text: str) -> None:
    accepted = []
    with api.client() as c:
        bodies = {
            "/units": {"id": fresh_id("u"), "name": text, "type": "enterprise", "community_id": "c01"},
            "/communities": {"id": fresh_id("c"), "name": text},
            "/grids": {"id": fresh_id("g"), "name": text, "community_id": "c01"},
            "/needs": need_body("c01", title=text),
        }  # fmt: skip
        for path, body in bodies.items():
            r = c.post(path, json=body)
            if r.status_code != 422:
                accepted.append(f"{path} → {r.status_code}")
    assert not accepted, f"[{api.store_kind}] a name with {text!r} accepted by {accepted}"


# --------------------------------------------------------------------------- OpenAPI
def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "delete", "patch")
    ]


def test_openapi_documents_the_error_answers_and_the_patterns(api: ApiServer) -> None:
    with httpx.Client(base_url=api.base_url, timeout=30) as c:
        doc = c.get("/openapi.json").json()
    missing: list[str] = []
    for method, path, op in _operations(doc):
        codes = set(op.get("responses", {}))
        secured = bool(op.get("security", doc.get("security")))
        want = set()
        if secured:
            want |= {"401", "403"}
        if "{" in path:
            want.add("404")
        if op.get("operationId", "").startswith("create_"):
            want.add("409")
        if op.get("operationId", "").startswith("replace_"):
            want |= {"412", "428"}
        if want - codes:
            missing.append(f"{method} {path}: {sorted(want - codes)}")
    schemas = doc["components"]["schemas"]
    for name in ("Need", "Unit", "Community"):
        props = schemas.get(name, {}).get("properties", {})
        if "pattern" not in str(props.get("id", {})):
            missing.append(f"schema {name}.id has no pattern")
    if "pattern" not in str(schemas.get("Need", {}).get("properties", {}).get("quarter", {})):
        missing.append("schema Need.quarter has no pattern")
    for method, path, op in _operations(doc):
        for p in op.get("parameters", []):
            if (
                p["in"] == "query"
                and p["name"] == "quarter"
                and "pattern" not in str(p.get("schema"))
            ):
                missing.append(f"{method} {path}: query quarter has no pattern")
    figures = f"{len(missing)} gaps in the OpenAPI document"
    print(figures, missing[:10])
    assert not missing, f"{figures}: {missing[:15]}"


# --------------------------------------------------------------------------- drafts
@pytest.fixture(scope="module")
def draft(api: ApiServer) -> str:
    with api.client() as c:
        r = c.post("/plans", json={"quarter": "2026Q4", "time_limit": 3})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        deadline = time.monotonic() + 120
        while c.get(f"/plans/{job_id}").json()["status"] not in ("done", "failed", "cancelled"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert c.get(f"/plans/{job_id}").json()["published_at"] is None
    return job_id


@pytest.mark.parametrize("who", ["unit:u01", "community:c01"])
def test_drafts_are_hidden_from_units_and_communities(api: ApiServer, draft: str, who: str) -> None:
    shown = []
    with api.client(who) as c:
        listed = c.get("/plans", params={"limit": 100})
        if listed.status_code == 200 and any(j["id"] == draft for j in listed.json()["items"]):
            shown.append("GET /plans lists it")
        for path in (f"/plans/{draft}", f"/plans/{draft}/explain", f"/plans/{draft}/export"):
            r = c.get(path)
            if r.status_code not in (403, 404):
                shown.append(f"GET {path} → {r.status_code}")
    assert not shown, f"[{api.store_kind}] a draft plan shown to {who}: {shown}"


@pytest.mark.parametrize("who", ["committee", "viewer"])
def test_drafts_are_visible_to_committee_and_viewer(api: ApiServer, draft: str, who: str) -> None:
    with api.client(who) as c:
        assert any(j["id"] == draft for j in c.get("/plans", params={"limit": 100}).json()["items"])
        for path in (f"/plans/{draft}", f"/plans/{draft}/explain", f"/plans/{draft}/export"):
            assert c.get(path).status_code == 200, path


# --------------------------------------------------------------------------- personal data
MEMBER_NAMES = ["崔磊", "邱欣志", "薛建"]  # m001, m004, m009 of the 星城 seed
CONTACTS = ["陶瑶（党支部书记）", "许燕平（党支部书记）"]  # u01, u02


@pytest.mark.parametrize("who", ["unit:u01", "community:c01", "viewer"])
@pytest.mark.parametrize("fmt", ["json", "graphml"])
def test_network_export_leaves_out_personal_data_for_other_roles(
    api: ApiServer, who: str, fmt: str
) -> None:
    with api.client(who) as c:
        r = c.get("/network/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8")
    found = [n for n in MEMBER_NAMES + CONTACTS if n in text]
    assert not found, f"[{api.store_kind}] {who}'s {fmt} export holds personal data: {found}"
    assert "星城中学" in text  # the unit itself is still there


def test_the_committee_export_keeps_personal_data(api: ApiServer) -> None:
    with api.client() as c:
        text = c.get("/network/export", params={"format": "json"}).content.decode("utf-8")
    assert all(n in text for n in MEMBER_NAMES + CONTACTS)
