"""Sub-district scoping (issue 17): a committee sees its own sub-district only, the city
role every sub-district; another sub-district's entity read by id is 404."""

from __future__ import annotations

import secrets

from tests.api.server import ApiServer


def test_scoping_of_units_lists_and_reads(api: ApiServer) -> None:
    community, unit = f"cyb-{secrets.token_hex(3)}", f"uyb-{secrets.token_hex(3)}"
    with api.client("committee") as c:
        r = c.post("/communities", json={"id": community, "name": "乙社区", "subdistrict": "YB"})
        assert r.status_code == 201, r.text
        body = {"id": unit, "name": "乙单位", "type": "school", "community_id": community}
        r = c.post("/units", json={**body, "subdistrict": "YB"})
        assert r.status_code == 201, r.text
    seen: dict[str, tuple[int, bool, int]] = {}
    for who in ("committee", "unit:u01", "viewer", "city"):
        with api.client(who) as c:
            read = c.get(f"/units/{unit}").status_code
            listed = unit in {
                u["id"] for u in c.get("/units", params={"limit": 1000}).json()["items"]
            }
            other = c.get("/units", params={"subdistrict": "YB", "limit": 1000}).json()["total"]
            own = c.get("/units", params={"subdistrict": "XC", "limit": 1}).json()["total"]
            seen[who] = (read, listed, other)
            assert own > 0, who  # everyone sees the default sub-district's units
    assert seen["city"] == (200, True, 1)
    for who in ("committee", "unit:u01", "viewer"):
        assert seen[who] == (404, False, 0), (who, seen[who])
    with api.client("city") as c:
        subs = {u["subdistrict"] for u in c.get("/units", params={"limit": 1000}).json()["items"]}
        assert subs == {"XC", "YB"}
        assert c.post("/units", json={**body, "id": unit + "x"}).status_code == 403
