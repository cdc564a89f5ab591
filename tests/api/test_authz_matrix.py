"""Authorisation matrix: every role × every write endpoint, in and out of scope.

Each case prepares a fresh target with the committee token, then sends the same
write as each user of ``tests.api.server.USERS``. Users in ``allowed`` must get a
2xx; everyone else a 403 — and a refused write must leave the data unchanged.

The field matrix at the end runs over the field table
(:data:`gongjian.service.auth.fields.FIELD_TABLE`): every role × entity × protected
field, refused for a role the table denies (403 naming the field when the object
itself is in the role's scope), allowed for the committee.

Length: ~570 lines: the matrix is one table of every write endpoint's case, kept in
one module so that a new write route has one place to be added and checked.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gongjian.service.auth.fields import FIELD_TABLE, Access
from gongjian.service.auth.schemas import UserRole
from tests.api.attack import need_body
from tests.api.server import USERS, ApiServer

ALL = frozenset(USERS)


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] | None = None
    check: str | None = None  # a GET path whose body must not change when refused
    files: dict[str, Any] | None = None
    content: bytes | None = None


@dataclass
class Case:
    name: str
    allowed: frozenset[str]
    prepare: Callable[[httpx.Client], Req]
    #: ``(method, path template)`` of the operation, as ``/openapi.json`` names it
    operation: tuple[str, str] = ("", "")
    #: refusals other than 403 (e.g. a community's out-of-scope import rows: 422)
    refused: dict[str, int] | None = None


def _community(c: httpx.Client) -> str:
    cid = _id("c")
    assert c.post("/communities", json={"id": cid, "name": "测试社区"}).status_code == 201
    return cid


def _grid(c: httpx.Client, community: str = "c01") -> str:
    gid = _id("g")
    r = c.post("/grids", json={"id": gid, "name": "测试网格", "community_id": community})
    assert r.status_code == 201, r.text
    return gid


def _unit(c: httpx.Client) -> str:
    uid = _id("u")
    body = {"id": uid, "name": "测试单位", "type": "bank", "community_id": "c01"}
    assert c.post("/units", json=body).status_code == 201
    return uid


def _resource(c: httpx.Client, unit: str) -> str:
    rid = _id("r")
    body = {"id": rid, "unit_id": unit, "kind": "volunteer", "name": "志愿服务", "capacity": 3}
    assert c.post("/resources", json=body, headers={"If-Match": "*"}).status_code == 201
    return rid


def _need_body(community: str, nid: str | None = None) -> dict[str, Any]:
    return need_body(community, nid or _id("n"))


def _need(c: httpx.Client, community: str = "c01") -> str:
    body = _need_body(community)
    assert c.post("/needs", json=body).status_code == 201
    return body["id"]


def _member_body(unit: str, community: str) -> dict[str, Any]:
    return {"id": _id("m"), "name": "张三", "unit_id": unit, "community_id": community}


def _activity_body() -> dict[str, Any]:
    return {
        "id": _id("a"),
        "title": "联学：党课进社区",
        "joint_type": "joint_activities",
        "quarter": "2026Q4",
        "date": "2026-11-20",
        "community_id": "c01",
        "roles": [{"kind": "venue_learning", "count": 1}],
    }


def _need_at(c: httpx.Client, *steps: str, community: str = "c01") -> str:
    """A fresh need of ``community`` moved by the committee through ``steps``."""
    nid = _need(c, community)
    for step in steps:
        body: dict[str, Any] = {}
        if step == "claim":
            body = {"unit_id": "u01"}
        elif step == "follow-up":
            body = {"satisfaction": 5}
        elif step == "resolve":
            body = {"note": "已修复"}
        r = c.post(f"/needs/{nid}/{step}", json=body)
        assert r.status_code == 200, r.text
    return nid


#: the framing of a PNG (signature, IEND): what the photo upload goes by
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82"
_U01_TOKENS: dict[str, str] = {}


def _pending_extension(c: httpx.Client) -> str:
    """A need u01 holds with an extension request waiting for the committee."""
    nid = _need_at(c, "claim", "start")
    key = str(c.base_url)
    if key not in _U01_TOKENS:
        r = c.post("/users", json={"name": "u01 延期申请人", "role": "unit", "unit_id": "u01"})
        assert r.status_code == 201, r.text
        _U01_TOKENS[key] = r.json()["token"]
    due = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    r = c.post(
        f"/needs/{nid}/extension",
        json={"due": due, "reason": "等零件"},
        headers={"Authorization": f"Bearer {_U01_TOKENS[key]}"},
    )
    assert r.status_code == 200, r.text
    return nid


def _whistled(c: httpx.Client) -> str:
    nid = _need(c)
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = c.post(f"/needs/{nid}/whistle", json={"deadline": deadline, "units": ["u01", "u02"]})
    assert r.status_code == 200, r.text
    return nid


def _user(c: httpx.Client) -> str:
    r = c.post("/users", json={"name": "临时用户", "role": "viewer"})
    assert r.status_code == 201, r.text
    return r.json()["user"]["id"]


def _import_file(community: str) -> dict[str, Any]:
    rows = (
        f"id,title,category,community_id,quarter\n{_id('n')},路灯不亮,repair,{community},2026Q4\n"
    )
    return {"file": ("needs.csv", rows.encode("utf-8"), "text/csv")}


def _channel(c: httpx.Client, **extra: Any) -> str:
    """A committee channel to a closed local port (its sends fail at once)."""
    body = {
        "kind": "wecom",
        "url": "http://127.0.0.1:9/hook",
        "events": ["need.dispatched"],
        **extra,
    }
    r = c.post("/notifications/channels", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _failing_delivery(c: httpx.Client) -> str:
    """The outbox id of a delivery that failed (waiting for its retry, or dead)."""
    channel = _channel(c)
    need = need_body()
    assert c.post("/needs", json=need).status_code == 201
    r = c.post(f"/needs/{need['id']}/claim", json={"unit_id": "u01", "override": True})
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = c.get("/notifications/outbox", params={"kind": "delivery", "limit": 500}).json()
        for row in rows:
            if (
                row["channel_id"] == channel
                and row["status"] in ("pending", "dead")
                and row["attempts"]
            ):
                return str(row["id"])
        time.sleep(0.1)
    raise AssertionError("no failed delivery")


def _once(make: Callable[[httpx.Client], Req]) -> Callable[[httpx.Client], Req]:
    """One target per server for every user: the committee (asked first) gets it fresh,
    the others are refused before its state matters."""
    made: dict[str, Req] = {}

    def prepare(c: httpx.Client) -> Req:
        key = str(c.base_url)
        if key not in made:
            made[key] = make(c)
        return made[key]

    return prepare


def _plan_job(c: httpx.Client, *, wait: bool, quarter: str = "2026Q4") -> str:
    r = c.post("/plans", json={"quarter": quarter, "time_limit": 2})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    deadline = time.monotonic() + 120
    while wait and time.monotonic() < deadline:
        if c.get(f"/plans/{job}").json()["status"] not in ("queued", "running"):
            break
        time.sleep(0.2)
    return job


def _publishable(c: httpx.Client) -> str:
    """A finished plan of a quarter of its own (the other cases crowd 2026Q4's dates)."""
    body = {**_need_body("c01"), "quarter": "2027Q1"}
    assert c.post("/needs", json=body).status_code == 201
    return _plan_job(c, wait=True, quarter="2027Q1")


def _queued_job(c: httpx.Client) -> str:
    """The last of three jobs: still waiting behind the others when it is stopped."""
    for _ in range(2):
        _plan_job(c, wait=False)
    return _plan_job(c, wait=False)


#: the server of each base URL under test (a case's preparation gets the committee's
#: client only; a city run needs the city's token)
_SERVERS: dict[str, ApiServer] = {}


def _city_run(c: httpx.Client) -> str:
    """A city run still queued when it is cancelled: behind two of the committee's jobs."""
    for _ in range(2):
        _plan_job(c, wait=False)
    with _SERVERS[str(c.base_url)].client("city") as city:
        r = city.post("/plans/city", json={"quarter": "2026Q4", "time_limit": 2})
        assert r.status_code == 202, r.text
        return str(r.json()["id"])


def _outline_file(community: str) -> bytes:
    ring = [[116.0, 39.7], [116.001, 39.7], [116.001, 39.701], [116.0, 39.7]]
    feature = {
        "type": "Feature",
        "properties": {"id": community},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _commitment() -> dict[str, Any]:
    return {
        "title": "联建活动",
        "joint_type": "joint_organization",
        "measure": "activities",
        "target": 2,
        "due_month": 6,
    }


COMMITTEE = frozenset({"committee"})
C01 = frozenset({"committee", "community:c01"})
U01 = frozenset({"committee", "unit:u01"})


def _put_community(c: httpx.Client, cid: str) -> Req:
    return Req(
        "PUT", f"/communities/{cid}", {"id": cid, "name": "改名社区"}, check=f"/communities/{cid}"
    )


CASES = [
    Case("create community", COMMITTEE, lambda c: Req("POST", "/communities", {"id": _id("c"), "name": "新社区"})),
    Case("replace own community", C01, lambda c: _put_community(c, "c01")),
    Case("replace community c02", frozenset({"committee", "community:c02"}), lambda c: _put_community(c, "c02")),
    Case("delete community", COMMITTEE, lambda c: (lambda cid: Req("DELETE", f"/communities/{cid}", check=f"/communities/{cid}"))(_community(c))),
    Case("create grid in c01", C01, lambda c: Req("POST", "/grids", {"id": _id("g"), "name": "新网格", "community_id": "c01"})),
    Case("create grid in c02", frozenset({"committee", "community:c02"}), lambda c: Req("POST", "/grids", {"id": _id("g"), "name": "新网格", "community_id": "c02"})),
    Case("replace grid of c01", C01, lambda c: (lambda g: Req("PUT", f"/grids/{g}", {"id": g, "name": "改名网格", "community_id": "c01"}, check=f"/grids/{g}"))(_grid(c))),
    Case("move grid c01 → c02", COMMITTEE, lambda c: (lambda g: Req("PUT", f"/grids/{g}", {"id": g, "name": "移走", "community_id": "c02"}, check=f"/grids/{g}"))(_grid(c))),
    Case("delete grid of c01", C01, lambda c: (lambda g: Req("DELETE", f"/grids/{g}", check=f"/grids/{g}"))(_grid(c))),
    Case("create unit", COMMITTEE, lambda c: Req("POST", "/units", {"id": _id("u"), "name": "新单位", "type": "bank", "community_id": "c01"})),
    Case("replace own unit u01", U01, lambda c: Req("PUT", "/units/u01", c.get("/units/u01").json(), check="/units/u01")),
    Case("replace unit u02", frozenset({"committee", "unit:u02"}), lambda c: Req("PUT", "/units/u02", c.get("/units/u02").json(), check="/units/u02")),
    Case("delete unit", COMMITTEE, lambda c: (lambda u: Req("DELETE", f"/units/{u}", check=f"/units/{u}"))(_unit(c))),
    Case("create resource of u01", U01, lambda c: Req("POST", "/resources", {"id": _id("r"), "unit_id": "u01", "kind": "volunteer", "name": "志愿", "capacity": 2})),
    Case("replace resource of u02", frozenset({"committee", "unit:u02"}), lambda c: (lambda r: Req("PUT", f"/resources/{r}", {"id": r, "unit_id": "u02", "kind": "volunteer", "name": "改", "capacity": 9}, check=f"/resources/{r}"))(_resource(c, "u02"))),
    Case("delete resource of u01", U01, lambda c: (lambda r: Req("DELETE", f"/resources/{r}", check=f"/resources/{r}"))(_resource(c, "u01"))),
    Case("declare resources of u01", U01, lambda c: Req("PUT", "/units/u01/resources", c.get("/units/u01/resources").json()["items"], {"If-Match": "*"}, check="/units/u01/resources")),
    Case("declare resources of u09", frozenset({"committee", "unit:u09"}), lambda c: Req("PUT", "/units/u09/resources", c.get("/units/u09/resources").json()["items"], {"If-Match": "*"}, check="/units/u09/resources")),
    Case("create activity", COMMITTEE, lambda c: Req("POST", "/activities", _activity_body())),
    Case("create member of u01 in c01", C01, lambda c: Req("POST", "/party-members", _member_body("u01", "c01"))),
    Case("create member of u01 in its own c03", U01, lambda c: Req("POST", "/party-members", _member_body("u01", "c03"))),
    Case("create member of u02 in c02", frozenset({"committee", "unit:u02", "community:c02"}), lambda c: Req("POST", "/party-members", _member_body("u02", "c02"))),
    Case("create need in c01", C01, lambda c: Req("POST", "/needs", _need_body("c01"))),
    Case("replace need of c02", frozenset({"committee", "community:c02"}), lambda c: (lambda n: Req("PUT", f"/needs/{n}", {**_need_body("c02", n), "priority": 5}, check=f"/needs/{n}"))(_need(c, "c02"))),
    Case("delete need of c01", C01, lambda c: (lambda n: Req("DELETE", f"/needs/{n}", check=f"/needs/{n}"))(_need(c))),
    Case("pair", COMMITTEE, lambda c: Req("POST", "/pairings", {"unit_id": _unit(c), "community_id": "c02"})),
    Case("unpair", COMMITTEE, lambda c: (lambda u: (c.post("/pairings", json={"unit_id": u, "community_id": "c02"}), Req("DELETE", f"/pairings/{u}/c02", check=f"/pairings?unit_id={u}"))[1])(_unit(c))),
    Case("adjacency", COMMITTEE, lambda c: Req("POST", "/adjacency", {"a": _community(c), "b": "c01"})),
    Case("add user", COMMITTEE, lambda c: Req("POST", "/users", {"name": "新用户", "role": "viewer"})),
    Case("disable user", COMMITTEE, lambda c: (lambda u: Req("DELETE", f"/users/{u}"))(_user(c)), ("DELETE", "/users/{user_id}")),
    Case("give a user a login", COMMITTEE, lambda c: (lambda u: Req("PUT", f"/users/{u}/login", {"username": f"m{u[-8:]}", "password": "matrix-2026-pw"}))(_user(c)), ("PUT", "/users/{user_id}/login")),
    # a console sign-in: the body's token decides who is signed in, whoever calls
    Case("sign in (session)", ALL, lambda c: Req("POST", "/session", {"token": c.post("/users", json={"name": "会话", "role": "viewer"}).json()["token"]}), ("POST", "/session")),
    Case("sign out (session)", ALL, lambda c: Req("DELETE", "/session"), ("DELETE", "/session")),
    Case("create subdistrict", COMMITTEE, lambda c: Req("POST", "/subdistricts", {"id": _id("s"), "name": "新街道"}), ("POST", "/subdistricts")),
    Case("replace subdistrict", COMMITTEE, lambda c: (lambda sid: Req("PUT", f"/subdistricts/{sid}", {"id": sid, "name": "改名街道"}, check=f"/subdistricts/{sid}"))(c.post("/subdistricts", json={"id": _id("s"), "name": "街道"}).json()["id"]), ("PUT", "/subdistricts/{item_id}")),
    Case("delete subdistrict", COMMITTEE, lambda c: (lambda sid: Req("DELETE", f"/subdistricts/{sid}", check=f"/subdistricts/{sid}"))(c.post("/subdistricts", json={"id": _id("s"), "name": "街道"}).json()["id"]), ("DELETE", "/subdistricts/{item_id}")),
    Case("replace activity", COMMITTEE, lambda c: (lambda a: Req("PUT", f"/activities/{a['id']}", {**a, "title": "改名活动"}, check=f"/activities/{a['id']}"))(c.post("/activities", json=_activity_body()).json()), ("PUT", "/activities/{item_id}")),
    Case("delete activity", COMMITTEE, lambda c: (lambda a: Req("DELETE", f"/activities/{a['id']}", check=f"/activities/{a['id']}"))(c.post("/activities", json=_activity_body()).json()), ("DELETE", "/activities/{item_id}")),
    Case("replace member of u01 in c01", frozenset({"committee", "unit:u01", "community:c01"}), lambda c: (lambda m: Req("PUT", f"/party-members/{m['id']}", {**m, "name": "李四"}, check=f"/party-members/{m['id']}"))(c.post("/party-members", json=_member_body("u01", "c01")).json()), ("PUT", "/party-members/{item_id}")),
    Case("delete member of u02 in c02", frozenset({"committee", "unit:u02", "community:c02"}), lambda c: (lambda m: Req("DELETE", f"/party-members/{m['id']}", check=f"/party-members/{m['id']}"))(c.post("/party-members", json=_member_body("u02", "c02")).json()), ("DELETE", "/party-members/{item_id}")),
    Case("remove adjacency", COMMITTEE, lambda c: (lambda a: (c.post("/adjacency", json={"a": a, "b": "c01"}), Req("DELETE", f"/adjacency/{a}/c01", check="/adjacency"))[1])(_community(c)), ("DELETE", "/adjacency/{a}/{b}")),
    Case("claim for u01", U01, lambda c: Req("POST", f"/needs/{_need(c)}/claim", {"unit_id": "u01"}), ("POST", "/needs/{need_id}/claim")),
    Case("start u01's claim", U01, lambda c: (lambda n: Req("POST", f"/needs/{n}/start", {}, check=f"/needs/{n}"))(_need_at(c, "claim")), ("POST", "/needs/{need_id}/start")),
    Case("resolve u01's claim", U01, lambda c: (lambda n: Req("POST", f"/needs/{n}/resolve", {"note": "已修复"}, check=f"/needs/{n}"))(_need_at(c, "claim", "start")), ("POST", "/needs/{need_id}/resolve")),
    Case("follow up c01's need", C01, lambda c: (lambda n: Req("POST", f"/needs/{n}/follow-up", {"satisfaction": 4}, check=f"/needs/{n}"))(_need_at(c, "claim", "start", "resolve")), ("POST", "/needs/{need_id}/follow-up")),
    Case("cancel c01's need", C01, lambda c: (lambda n: Req("POST", f"/needs/{n}/cancel", {"reason": "重复登记"}, check=f"/needs/{n}"))(_need(c)), ("POST", "/needs/{need_id}/cancel")),
    Case("dispatch c01's need", COMMITTEE, lambda c: (lambda n: Req("POST", f"/needs/{n}/dispatch", {"unit_id": "u02", "note": "派单"}, check=f"/needs/{n}"))(_need(c)), ("POST", "/needs/{need_id}/dispatch")),
    Case("release u01's claim", COMMITTEE, lambda c: (lambda n: Req("POST", f"/needs/{n}/release", {"reason": "重新派单"}, check=f"/needs/{n}"))(_need_at(c, "claim")), ("POST", "/needs/{need_id}/release")),
    Case("return u01's claim", frozenset({"unit:u01"}), lambda c: (lambda n: Req("POST", f"/needs/{n}/return", {"reason": "不在服务范围"}, check=f"/needs/{n}"))(_need_at(c, "claim")), ("POST", "/needs/{need_id}/return")),
    Case("ask to extend u01's claim", frozenset({"unit:u01"}), lambda c: (lambda n: Req("POST", f"/needs/{n}/extension", {"due": (datetime.now(UTC) + timedelta(days=60)).date().isoformat(), "reason": "等零件"}, check=f"/needs/{n}"))(_need_at(c, "claim", "start")), ("POST", "/needs/{need_id}/extension")),
    Case("decide u01's extension", COMMITTEE, lambda c: (lambda n: Req("POST", f"/needs/{n}/extension/decide", {"approve": True, "note": "同意"}, check=f"/needs/{n}"))(_pending_extension(c)), ("POST", "/needs/{need_id}/extension/decide")),
    Case("supervise c01's need", COMMITTEE, lambda c: (lambda n: Req("POST", f"/needs/{n}/supervise", {"deadline": (datetime.now(UTC) + timedelta(days=2)).isoformat(), "note": "加快办理"}, check=f"/needs/{n}"))(_need_at(c, "claim")), ("POST", "/needs/{need_id}/supervise")),
    Case("reopen c01's resolved need", C01, lambda c: (lambda n: Req("POST", f"/needs/{n}/reopen", {"reason": "复查未修好"}, check=f"/needs/{n}"))(_need_at(c, "claim", "start", "resolve")), ("POST", "/needs/{need_id}/reopen")),
    Case("whistle", COMMITTEE, lambda c: (lambda n: Req("POST", f"/needs/{n}/whistle", {"deadline": (datetime.now(UTC) + timedelta(days=2)).isoformat(), "units": ["u01"]}, check=f"/needs/{n}"))(_need(c)), ("POST", "/needs/{need_id}/whistle")),
    Case("report for u01", U01, lambda c: (lambda n: Req("POST", f"/needs/{n}/report", {"unit_id": "u01"}, check=f"/needs/{n}"))(_whistled(c)), ("POST", "/needs/{need_id}/report")),
    Case("start a plan", COMMITTEE, lambda c: Req("POST", "/plans", {"quarter": "2026Q4", "time_limit": 1}), ("POST", "/plans")),
    Case("stop a plan", COMMITTEE, _once(lambda c: Req("DELETE", f"/plans/{_queued_job(c)}")), ("DELETE", "/plans/{plan_id}")),
    Case("publish a plan", COMMITTEE, _once(lambda c: Req("POST", f"/plans/{_publishable(c)}/publish")), ("POST", "/plans/{plan_id}/publish")),
    Case("start a city plan", frozenset({"city"}), lambda c: Req("POST", "/plans/city", {"quarter": "2026Q4", "time_limit": 1}), ("POST", "/plans/city")),
    # the city (asked first) cancels the run; the committee's own sub-district is then
    # already cancelled: nothing left to cancel (409), not a refusal of its role
    Case("cancel a city plan", frozenset({"city"}), _once(lambda c: Req("POST", f"/plans/city/{_city_run(c)}/cancel")), ("POST", "/plans/city/{run_id}/cancel"), refused={"committee": 409}),
    Case("record points for a member in c01", C01, lambda c: (lambda m: Req("POST", f"/party-members/{m['id']}/points", {"delta": 1, "reason": "参加活动"}, check=f"/party-members/{m['id']}"))(c.post("/party-members", json=_member_body("u01", "c01")).json()), ("POST", "/party-members/{member_id}/points")),
    Case("edit the suitability table", COMMITTEE, lambda c: Req("PUT", "/suitability", {"rows": c.get("/suitability").json()["rows"]}, check="/suitability"), ("PUT", "/suitability")),
    Case("upload the suitability csv", COMMITTEE, lambda c: Req("PUT", "/suitability.csv", headers={"If-Match": c.get("/suitability").headers["etag"], "Content-Type": "text/csv"}, content=c.get("/suitability.csv").content, check="/suitability"), ("PUT", "/suitability.csv")),
    Case("add a committee channel", COMMITTEE, lambda c: Req("POST", "/notifications/channels", {"kind": "wecom", "url": "http://127.0.0.1:9/hook", "events": ["*"], "owner": "committee"}), ("POST", "/notifications/channels")),
    Case("add u01's channel", U01, lambda c: Req("POST", "/notifications/channels", {"kind": "wecom", "url": "http://127.0.0.1:9/hook", "events": ["*"], "owner": "unit:u01"})),
    Case("delete a committee channel", COMMITTEE, lambda c: Req("DELETE", f"/notifications/channels/{_channel(c)}"), ("DELETE", "/notifications/channels/{channel_id}")),
    Case("test a committee channel", COMMITTEE, lambda c: Req("POST", f"/notifications/channels/{_channel(c)}/test"), ("POST", "/notifications/channels/{channel_id}/test")),
    Case("retry a delivery", COMMITTEE, _once(lambda c: Req("POST", f"/notifications/outbox/{_failing_delivery(c)}/retry")), ("POST", "/notifications/outbox/{row_id}/retry")),
    Case("import community outlines", COMMITTEE, lambda c: Req("PUT", "/map/outlines", headers={"If-Match": c.get("/map/outlines").headers["etag"], "Content-Type": "application/geo+json"}, content=_outline_file(_community(c)), check="/map/outlines"), ("PUT", "/map/outlines")),
    Case("replace u01's commitments", U01, lambda c: Req("PUT", "/commitments/unit/u01/2024", {"items": [_commitment()]}, check="/commitments/unit/u01/2024"), ("PUT", "/commitments/{owner_kind}/{owner_id}/{year}")),
    Case("add a commitment of c01", C01, lambda c: Req("POST", "/commitments/community/c01/2024/items", _commitment(), check="/commitments/community/c01/2024"), ("POST", "/commitments/{owner_kind}/{owner_id}/{year}/items")),
    Case("remove a commitment of u01", U01, lambda c: (lambda k: Req("DELETE", f"/commitments/unit/u01/2024/items/{k}", check="/commitments/unit/u01/2024"))(c.post("/commitments/unit/u01/2024/items", json=_commitment()).json()["id"]), ("DELETE", "/commitments/{owner_kind}/{owner_id}/{year}/items/{item_id}")),
    Case("add a photo to u01's order", U01, lambda c: (lambda n: Req("POST", f"/needs/{n}/photos", files={"file": ("p.png", _PNG, "image/png")}, check=f"/needs/{n}/photos"))(_need_at(c, "claim")), ("POST", "/needs/{need_id}/photos")),
    Case("import c01's needs", C01, lambda c: Req("POST", "/needs/import", files=_import_file("c01"), check="/needs?community_id=c01&limit=1000"), ("POST", "/needs/import"), refused={"community:c02": 422}),
]  # fmt: skip


@pytest.fixture(scope="module")
def roomy_u01(api: ApiServer) -> None:
    """The matrix claims dozens of needs for u01: give it room, so that what the cases
    meet is the role rules, not the capacity rule (tested in test_claim_capacity)."""
    with api.client("committee") as c:
        got = c.get("/units/u01")
        body = {**got.json(), "capacity": 10_000}
        r = c.put("/units/u01", json=body, headers={"If-Match": got.headers["etag"]})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_matrix(api: ApiServer, case: Case, roomy_u01: None) -> None:
    outcomes: dict[str, int] = {}
    with api.client("committee") as admin:
        _SERVERS[str(admin.base_url)] = api
        for who in sorted(ALL):
            req = case.prepare(admin)
            before = admin.get(req.check).json() if req.check else None
            headers = req.headers
            if not headers and (req.method == "PUT" or req.path.startswith("/resources")):
                # every PUT of a mutable entity (and every write of a resource, guarded by
                # its unit's declared set) is conditional: the ETag just read
                etag = admin.get(req.path).headers.get("etag") if req.method != "POST" else None
                headers = {"If-Match": etag or "*"}
            with api.client(who) as c:
                r = c.request(
                    req.method,
                    req.path,
                    json=req.json,
                    headers=headers,
                    files=req.files,
                    content=req.content,
                )
            outcomes[who] = r.status_code
            if who in case.allowed:
                assert 200 <= r.status_code < 300, (who, r.status_code, r.text)
            else:
                expected = (case.refused or {}).get(who, 403)
                assert r.status_code == expected, (who, r.status_code, r.text)
                if expected == 403:
                    assert r.json()["error"]["code"] == "forbidden"
                if req.check:
                    assert admin.get(req.check).json() == before, who
    assert any(200 <= s < 300 for s in outcomes.values())


def test_refused_writes_are_not_audited_as_done_and_denials_are_recorded(api: ApiServer) -> None:
    with api.client("viewer") as c:
        assert c.post("/communities", json={"id": _id("c"), "name": "x"}).status_code == 403
    with api.client("committee") as c:
        log = c.get("/audit", params={"limit": 5}).json()["items"]
    assert log[0]["status"] == 403 and log[0]["role"] == "viewer"


#: the operations of the registry cases above that do not name theirs
_INFERRED = [
    ("POST", "/communities"), ("PUT", "/communities/{item_id}"), ("DELETE", "/communities/{item_id}"),
    ("POST", "/grids"), ("PUT", "/grids/{item_id}"), ("DELETE", "/grids/{item_id}"),
    ("POST", "/units"), ("PUT", "/units/{item_id}"), ("DELETE", "/units/{item_id}"),
    ("POST", "/resources"), ("PUT", "/resources/{item_id}"), ("DELETE", "/resources/{item_id}"),
    ("PUT", "/units/{unit_id}/resources"), ("POST", "/activities"), ("POST", "/party-members"),
    ("POST", "/needs"), ("PUT", "/needs/{item_id}"), ("DELETE", "/needs/{item_id}"),
    ("POST", "/pairings"), ("DELETE", "/pairings/{unit_id}/{community_id}"),
    ("POST", "/adjacency"), ("POST", "/users"),
]  # fmt: skip


def test_matrix_covers_every_write_operation() -> None:
    """Each write operation the app documents has a case here (new routes must add one)."""
    from gongjian.core.settings import Settings
    from gongjian.service.app import create_app

    spec = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
    writes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method.upper() in {"POST", "PUT", "PATCH", "DELETE"}
    }
    covered = {c.operation for c in CASES if c.operation[0]} | set(_INFERRED)
    missing = sorted(writes - covered)
    assert not missing, f"write operations without an authorisation case: {missing}"


# --------------------------------------------------------------------------- the field table

#: the user of each role, and its objects in scope (so a refusal is the field's, not the object's)
_ROLE_USER = {
    UserRole.unit: "unit:u01",
    UserRole.community: "community:c01",
    UserRole.viewer: "viewer",
    UserRole.city: "city",
}
_IN_SCOPE = {("unit:u01", "Unit"), ("community:c01", "Community"), ("unit:u01", "PartyMember"), ("community:c01", "PartyMember")}  # fmt: skip
_DENIED = sorted(
    (role, label, field)
    for (role, label, field), cell in FIELD_TABLE.items()
    if cell in (Access.deny, Access.own_community)
    and role != UserRole.committee
    and label != "Need"  # a need's grid: test_needs_only_on_their_own_communitys_grids
)


def _target(c: httpx.Client, label: str) -> str:
    """A path of an object of ``label`` in scope of unit:u01 and community:c01 where it can be."""
    if label == "Unit":
        return "/units/u01"
    if label == "Community":
        return "/communities/c01"
    assert label == "PartyMember", label
    r = c.post("/party-members", json=_member_body("u01", "c01"))
    assert r.status_code == 201, r.text
    return f"/party-members/{r.json()['id']}"


def _other_value(field: str, before: Any) -> Any:
    """A value of ``field`` different from ``before`` that the model accepts."""
    return {
        "type": "hospital" if before != "hospital" else "bank",
        "community_id": "c05" if before != "c05" else "c06",
        "stars": 1 if before != 1 else 2,
        "subdistrict_id": None if before is not None else "xingcheng",
        "points": 1_000_000,
    }[field]


def _put(c: httpx.Client, path: str, body: dict[str, Any], etag: str | None) -> httpx.Response:
    return c.put(path, json=body, headers={"If-Match": etag} if etag else {})


def test_the_field_table_protects_every_field_it_lists() -> None:
    protected = {(label, field) for _role, label, field in _DENIED}
    assert {("Unit", "type"), ("Unit", "community_id"), ("Community", "stars")} <= protected
    assert {("Community", "subdistrict_id"), ("PartyMember", "points")} <= protected
    assert all(FIELD_TABLE[(UserRole.viewer, lab, f)] == Access.deny for lab, f in protected)


@pytest.mark.parametrize("row", _DENIED, ids=lambda r: f"{r[0].value}-{r[1]}-{r[2]}")
def test_field_matrix(api: ApiServer, row: tuple[UserRole, str, str]) -> None:
    role, label, field = row
    who = _ROLE_USER[role]
    with api.client("committee") as admin, api.client(who) as c:
        path = _target(admin, label)
        got = c.get(path)
        original, etag = got.json(), got.headers.get("etag")
        changed = {**original, field: _other_value(field, original[field])}
        r = _put(c, path, changed, etag)
        assert r.status_code == 403, (who, path, field, r.status_code, r.text)
        assert r.json()["error"]["code"] == "forbidden"
        if (who, label) in _IN_SCOPE and role != UserRole.viewer:
            assert r.json()["error"].get("field") == field, r.text
            assert "（" in r.json()["error"]["message"]  # a Chinese message
        assert admin.get(path).json() == original, f"{who} changed {path} {field}"
        if field == "points":
            _committee_changes_points(admin, path, original)
            return
        # the committee may make the same change (and puts it back)
        got = admin.get(path)
        r = _put(admin, path, {**got.json(), field: changed[field]}, got.headers.get("etag"))
        assert r.status_code == 200, (path, field, r.text)
        assert admin.get(path).json()[field] == changed[field]
        got = admin.get(path)
        r = _put(admin, path, {**got.json(), field: original[field]}, got.headers.get("etag"))
        assert r.status_code == 200, r.text


def _committee_changes_points(admin: httpx.Client, path: str, original: dict[str, Any]) -> None:
    """Points change through a recorded entry, never a PUT — the committee's included."""
    got = admin.get(path)
    r = _put(admin, path, {**got.json(), "points": 1_000_000}, got.headers.get("etag"))
    assert r.status_code == 409, r.text
    assert f"{path}/points" in r.json()["error"]["message"], r.text
    r = admin.post(f"{path}/points", json={"delta": 5, "reason": "矩阵测试"})
    assert r.status_code == 201, r.text
    assert admin.get(path).json()["points"] == original["points"] + 5


#: who may record point entries, by the table's points cell (member registered in c01)
_ENTRY_EXPECTED = {Access.entries: 201, Access.own_entries: 201, Access.deny: 403}


@pytest.mark.parametrize("who", sorted(ALL))
def test_the_points_row_decides_who_records_entries(api: ApiServer, who: str) -> None:
    role = UserRole(who.split(":")[0])
    cell = FIELD_TABLE[(role, "PartyMember", "points")]
    expected = _ENTRY_EXPECTED[cell]
    if cell == Access.own_entries and who != "community:c01":
        expected = 403  # a community records only for members registered in it
    with api.client("committee") as admin, api.client(who) as c:
        member = admin.post("/party-members", json=_member_body("u01", "c01")).json()["id"]
        r = c.post(f"/party-members/{member}/points", json={"delta": 3, "reason": "矩阵"})
        assert r.status_code == expected, (who, cell, r.status_code, r.text)
        stored = admin.get(f"/party-members/{member}").json()["points"]
    assert stored == (3 if expected == 201 else 0), (who, stored)


@pytest.mark.parametrize("who", ["unit:u01", "community:c01"])
def test_a_new_member_carries_no_points_but_the_committees(api: ApiServer, who: str) -> None:
    body = {**_member_body("u01", "c03" if who.startswith("unit") else "c01"), "points": 50}
    with api.client(who) as c:
        r = c.post("/party-members", json=body)
        assert r.status_code == 403 and r.json()["error"]["field"] == "points", r.text
        assert c.post("/party-members", json={**body, "points": 0}).status_code == 201
    with api.client("committee") as admin:
        assert admin.post("/party-members", json={**body, "id": _id("m")}).status_code == 201


@pytest.mark.parametrize("who", ["committee", "community:c01"])
def test_needs_only_on_their_own_communitys_grids(api: ApiServer, who: str) -> None:
    with api.client(who) as c:
        r = c.post("/needs", json={**_need_body("c01"), "grid_id": "c02-g1"})
        assert r.status_code == 422, r.text
        assert any(e["field"] == "grid_id" for e in r.json()["error"]["errors"]), r.text
        assert c.post("/needs", json={**_need_body("c01"), "grid_id": "c01-g1"}).status_code == 201
