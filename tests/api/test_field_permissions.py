"""Issue 10, finding 6: field-level permissions (role × entity × field), both stores.

Object-level authorisation already holds (a unit writes only its own unit); these
are the fields inside an object a role may not set:

=========  ==============  ==========================  ============================
role       entity          field                       wanted
=========  ==============  ==========================  ============================
unit       its unit        ``community_id``, ``type``  403 naming the field
unit       its unit        ``capacity`` = 100000       403 or 422 (sane upper bound)
community  its community   ``stars``                   403 naming the field
community  its community   ``subdistrict_id`` cleared  403 naming the field
unit       its member      ``points``                  403 naming the field
community  its member      ``points``                  409 naming the point-entry
                                                       endpoint
unit       new member      another community           403/422 naming ``community_id``
community  new need        another community's grid    403/422 naming ``grid_id``
community  import          another community's grid    422 for the row
community  need with       DELETE                      409 (cancel it instead)
           history
=========  ==============  ==========================  ============================

The committee may make each of these changes (points excepted: they change
through recorded point entries, never by overwrite — a PUT changing them is 409
for everyone who may record entries; see ``test_points.py``). Every PUT here carries the
ETag its GET gave as ``If-Match``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.attack import csv_bytes, error_of, fresh_id, guarded_put, need_body, upload
from tests.api.server import ApiServer


@dataclass(frozen=True)
class FieldCase:
    who: str
    path: str
    changes: dict[str, Any]
    field: str
    statuses: tuple[int, ...] = (403,)

    @property
    def id(self) -> str:
        return f"{self.who}-{self.path}-{self.field}"


# u01 is in c03; m004 works at u01 and is registered in c03; m009 and the like in c01 below
CASES = [
    FieldCase("unit:u01", "/units/u01", {"community_id": "c01"}, "community_id"),
    FieldCase("unit:u01", "/units/u01", {"type": "hospital"}, "type"),
    FieldCase("unit:u01", "/units/u01", {"capacity": 100_000}, "capacity", (403, 422)),
    FieldCase("community:c01", "/communities/c01", {"stars": 5}, "stars"),
    FieldCase("community:c01", "/communities/c01", {"subdistrict_id": None}, "subdistrict_id"),
    FieldCase("unit:u01", "/party-members/m004", {"points": 1_000_000}, "points"),
]


def _message_names(r: Any, field: str) -> bool:
    err = error_of(r)
    return field in json.dumps(err, ensure_ascii=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_role_may_not_set_a_committee_field(api: ApiServer, case: FieldCase) -> None:
    with api.client(case.who) as c, api.client("viewer") as v:
        before = v.get(case.path).json()
        r = guarded_put(c, case.path, **case.changes)
        after = v.get(case.path).json()
    assert r.status_code in case.statuses, (
        f"[{api.store_kind}] {case.who} PUT {case.path} {case.changes} answered"
        f" {r.status_code}: {r.text[:200]}"
    )
    assert _message_names(r, case.field), r.text
    assert after == before, f"the refused change was written: {after}"


def test_a_community_may_not_overwrite_its_members_points(api: ApiServer) -> None:
    member = fresh_id("pm")
    with api.client("committee") as c:
        r = c.post(
            "/party-members",
            json={"id": member, "name": "测试党员", "unit_id": "u05", "community_id": "c01"},
        )
        assert r.status_code == 201, r.text
    with api.client("community:c01") as c01:
        r = guarded_put(c01, f"/party-members/{member}", points=1_000_000)
        stored = c01.get(f"/party-members/{member}").json()
    # the community may record entries for its members, so the answer names the way to
    assert r.status_code == 409, (r.status_code, r.text[:200])
    assert _message_names(r, "points"), r.text
    assert f"/party-members/{member}/points" in error_of(r)["message"], r.text
    assert stored["points"] == 0


@pytest.mark.parametrize(
    "changes",
    [{"community_id": "c01"}, {"type": "hospital"}, {"stars": 5}, {"subdistrict_id": None}],
    ids=["unit-community", "unit-type", "community-stars", "community-subdistrict"],
)
def test_the_committee_may_change_those_fields(api: ApiServer, changes: dict[str, Any]) -> None:
    path = (
        "/communities/c07" if ("stars" in changes or "subdistrict_id" in changes) else "/units/u07"
    )
    with api.client("committee") as c:
        before = c.get(path).json()
        r = guarded_put(c, path, **changes)
        assert r.status_code == 200, r.text
        assert all(c.get(path).json()[k] == v for k, v in changes.items())
        guarded_put(c, path, **{k: before[k] for k in changes})  # put it back


def test_a_unit_may_not_register_members_in_another_community(api: ApiServer) -> None:
    body = {"id": fresh_id("pm"), "name": "外社区党员", "unit_id": "u01", "community_id": "c05"}
    with api.client("unit:u01") as u01:
        r = u01.post("/party-members", json=body)
        assert r.status_code in (403, 422), (r.status_code, r.text[:200])
        assert _message_names(r, "community_id"), r.text
        assert u01.get(f"/party-members/{body['id']}").status_code == 404
    with api.client("committee") as c:
        assert c.post("/party-members", json={**body, "id": fresh_id("pm")}).status_code == 201


def test_a_community_raises_needs_only_on_its_own_grids(api: ApiServer) -> None:
    with api.client("community:c01") as c01:
        body = need_body("c01", grid_id="c02-g1")
        r = c01.post("/needs", json=body)
        assert r.status_code in (403, 422), (
            f"[{api.store_kind}] c01 raised a need on c02's grid: {r.status_code}"
        )
        assert _message_names(r, "grid_id"), r.text
        assert c01.get(f"/needs/{body['id']}").status_code == 404
        # the import already refuses it; it must go on doing so
        row = [fresh_id("imp"), "越界网格", "repair", "c01", "c02-g1", "2026Q4", 1]
        r = upload(c01, csv_bytes([row]), "grid.csv")
        assert r.status_code == 422, r.text
        assert any(e["field"] == "grid_id" for e in error_of(r)["report"]["errors"])
    with api.client("committee") as c:
        assert c.post("/needs", json=need_body("c02", grid_id="c02-g1")).status_code == 201


@pytest.mark.parametrize("history", ["claimed", "resolved", "followed_up"])
def test_a_need_with_history_cannot_be_hard_deleted(api: ApiServer, history: str) -> None:
    body = need_body("c01")
    nid = body["id"]
    with api.client("community:c01") as c01, api.client("unit:u02") as u02:
        assert c01.post("/needs", json=body).status_code == 201
        assert u02.post(f"/needs/{nid}/claim").status_code == 200
        if history in ("resolved", "followed_up"):
            assert u02.post(f"/needs/{nid}/start").status_code == 200
            assert u02.post(f"/needs/{nid}/resolve", json={"note": "已修复"}).status_code == 200
        if history == "followed_up":
            r = c01.post(f"/needs/{nid}/follow-up", json={"satisfaction": 4})
            assert r.status_code == 200
        r = c01.delete(f"/needs/{nid}")
        assert r.status_code == 409, (
            f"[{api.store_kind}] a {history} need was deleted by its community: {r.status_code}"
        )
        stored = c01.get(f"/needs/{nid}")
        assert stored.status_code == 200 and stored.json()["claimed_by"] == "u02"
        # a need nobody touched may still be deleted
        fresh = need_body("c01")
        assert c01.post("/needs", json=fresh).status_code == 201
        assert c01.delete(f"/needs/{fresh['id']}").status_code == 204
