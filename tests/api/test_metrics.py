"""Metrics endpoints over HTTP, both stores: rates per unit / community / quarter with
rankings, load fairness, members' points, the summary. Expected figures are computed
here from the seed CSVs or by hand, not with the service's functions. Data the tests
create goes into fresh communities and units and into quarters no seed data uses (one
quarter per test), so the seed's figures stay what the CSVs say.

Length: ~500 lines: the metrics cases share one seeded server per store (a
shared-server module, see tests/api/conftest.py).
"""

from __future__ import annotations

import csv
import uuid
from collections import Counter, defaultdict
from typing import Any

import httpx
import pytest

from gongjian.seeds.xingcheng import xingcheng_dir
from tests.api.server import USERS, ApiServer

CLAIMED = {"claimed", "in_progress", "resolved", "followed_up"}
RESOLVED = {"resolved", "followed_up"}


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _csv(name: str) -> list[dict[str, str]]:
    text = xingcheng_dir().joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


def _expected_rates(needs: list[dict[str, str]]) -> dict[str, Any]:
    """Rates of a community / quarter group from CSV rows."""
    ever = [
        n
        for n in needs
        if n["status"] in CLAIMED or (n["status"] == "cancelled" and n["claimed_by"])
    ]
    done = [n for n in ever if n["status"] in RESOLVED]
    judged = [n for n in done if n["due"] and n.get("resolved_at")]
    rated = [
        int(n["satisfaction"]) for n in ever if n["status"] == "followed_up" and n["satisfaction"]
    ]
    return {
        "cases": len(needs),
        "response": (len(ever), len(needs)),
        "resolution": (len(done), len(ever)),
        # resolved before the end of the due day, Beijing time (the seed's times are +08:00)
        "on_time": (
            sum(1 for n in judged if n["resolved_at"][:10] <= n["due"]),
            len(judged),
        ),
        "satisfaction": (sum(1 for s in rated if s >= 4), len(rated)),
        "mean": sum(rated) / len(rated) if rated else None,
    }


def _parts(rate: dict[str, Any]) -> tuple[int, int]:
    if rate["denominator"]:
        assert rate["value"] == pytest.approx(rate["numerator"] / rate["denominator"])
    else:
        assert rate["value"] is None
    return rate["numerator"], rate["denominator"]


def _check(group: dict[str, Any], expected: dict[str, Any]) -> None:
    assert group["cases"] == expected["cases"], group["id"]
    assert _parts(group["response_rate"]) == expected["response"], group["id"]
    assert _parts(group["resolution_rate"]) == expected["resolution"], group["id"]
    assert _parts(group["on_time_rate"]) == expected["on_time"], group["id"]
    assert _parts(group["satisfaction_rate"]) == expected["satisfaction"], group["id"]
    if expected["mean"] is None:
        assert group["mean_satisfaction"] is None
    else:
        assert group["mean_satisfaction"] == pytest.approx(expected["mean"])


def _post_need(c: httpx.Client, **fields: Any) -> str:
    need_id = _id("nx")
    body = {"id": need_id, "title": "测试交办单", "category": "repair", **fields}
    r = c.post("/needs", json=body)
    assert r.status_code == 201, r.text
    return need_id


def _fresh(c: httpx.Client, capacity: int = 10) -> tuple[str, str]:
    cid, uid = _id("cx"), _id("ux")
    r = c.post("/communities", json={"id": cid, "name": "测试社区", "subdistrict_id": "xingcheng"})
    assert r.status_code == 201, r.text
    r = c.post(
        "/units",
        json={
            "id": uid,
            "name": "测试单位",
            "type": "enterprise",
            "community_id": cid,
            "capacity": capacity,
        },
    )
    assert r.status_code == 201, r.text
    return cid, uid


# --------------------------------------------------------------------------- rates from the seed


def test_community_rates_match_seed(api: ApiServer) -> None:
    needs = _csv("needs.csv")
    names = {c["id"]: c["name"] for c in _csv("communities.csv")}
    with api.client("viewer") as c:
        for quarter in ("2026Q1", "2026Q3"):
            r = c.get("/metrics/communities", params={"quarter": quarter, "min_cases": 0})
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["quarter"] == quarter and body["min_cases"] == 0
            groups = {g["id"]: g for g in body["items"]}
            assert set(names) <= set(groups)
            for cid, name in names.items():
                rows = [n for n in needs if n["community_id"] == cid and n["quarter"] == quarter]
                assert groups[cid]["name"] == name
                _check(groups[cid], _expected_rates(rows))


def test_quarter_rates_match_seed(api: ApiServer) -> None:
    needs = _csv("needs.csv")
    with api.client("community:c01") as c:
        items = c.get("/metrics/quarters").json()["items"]
        ids = [g["id"] for g in items]
        assert ids == sorted(ids)
        groups = {g["id"]: g for g in items}
        for q in ("2026Q1", "2026Q2", "2026Q3", "2026Q4"):
            _check(groups[q], _expected_rates([n for n in needs if n["quarter"] == q]))
            assert groups[q]["rank"] is None


def test_unit_rates_match_seed(api: ApiServer) -> None:
    needs = [n for n in _csv("needs.csv") if n["quarter"] == "2026Q2"]
    with api.client("unit:u02") as c:
        groups = {
            g["id"]: g
            for g in c.get("/metrics/units", params={"quarter": "2026Q2"}).json()["items"]
        }
        for unit in _csv("units.csv"):
            mine = [n for n in needs if n["claimed_by"] == unit["id"]]
            done = [n for n in mine if n["status"] in RESOLVED]
            rated = [
                int(n["satisfaction"])
                for n in mine
                if n["status"] == "followed_up" and n["satisfaction"]
            ]
            g = groups[unit["id"]]
            assert g["cases"] == len(mine)
            assert _parts(g["response_rate"]) == (len(mine), len(mine))
            assert _parts(g["resolution_rate"]) == (len(done), len(mine))
            assert _parts(g["satisfaction_rate"]) == (sum(s >= 4 for s in rated), len(rated))
        # a unit without cases has every rate null (0/0), never 0
        empty = [g for g in groups.values() if g["cases"] == 0]
        assert empty
        for g in empty:
            for key in ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate"):
                assert g[key] == {"numerator": 0, "denominator": 0, "value": None}
            assert g["mean_satisfaction"] is None and g["rank"] is None and g["ranked"] is False


def test_ranking_only_over_min_cases(api: ApiServer) -> None:
    needs = _csv("needs.csv")
    cases = Counter(n["community_id"] for n in needs if n["quarter"] == "2026Q1")
    min_cases = sorted(cases.values())[len(cases) // 2]  # about half the communities qualify
    with api.client("viewer") as c:
        body = c.get(
            "/metrics/communities",
            params={"quarter": "2026Q1", "min_cases": min_cases, "by": "satisfaction_rate"},
        ).json()
        assert body["by"] == "satisfaction_rate"
        items = body["items"]
        expected_ranked = {
            g["id"]
            for g in items
            if g["cases"] >= min_cases and g["satisfaction_rate"]["value"] is not None
        }
        assert {cid for cid, n in cases.items() if n >= min_cases} >= expected_ranked
        ranked = [g for g in items if g["ranked"]]
        assert {g["id"] for g in ranked} == expected_ranked and 0 < len(ranked) < len(items)
        assert body["ranked"] == len(ranked)
        # ranked first, in rank order; ranks follow the rate (ties share a rank)
        assert items[: len(ranked)] == ranked
        values = [g["satisfaction_rate"]["value"] for g in ranked]
        assert values == sorted(values, reverse=True)
        for i, g in enumerate(ranked):
            better = sum(1 for v in values if v > values[i])
            assert g["rank"] == better + 1
        for g in items[len(ranked) :]:
            assert g["rank"] is None and g["ranked"] is False
        assert all(
            g["cases"] < min_cases
            for g in items[len(ranked) :]
            if g["satisfaction_rate"]["value"] is not None
        )
        # nobody qualifies
        none = c.get("/metrics/units", params={"min_cases": 100000}).json()
        assert none["ranked"] == 0 and all(g["rank"] is None for g in none["items"])
        # default min_cases is 5
        default = c.get("/metrics/units").json()
        assert default["min_cases"] == 5
        assert all(g["cases"] >= 5 for g in default["items"] if g["ranked"])


def test_on_time_boundaries_and_rates_by_hand(api: ApiServer) -> None:
    quarter = "2091Q1"
    with api.client("committee") as c:
        cid, uid = _fresh(c)
        common = {"community_id": cid, "quarter": quarter, "due": "2026-03-31"}
        held = {**common, "claimed_by": uid}
        _post_need(c, **held, status="resolved", resolved_at="2026-03-31T15:59:59Z")  # on time
        _post_need(c, **held, status="resolved", resolved_at="2026-03-31T16:00:00Z")  # late
        _post_need(
            c, **held, status="followed_up", satisfaction=5, resolved_at="2026-03-31T23:59:59+08:00"
        )  # on time (Shanghai's end of the due day)
        _post_need(c, **{**held, "due": None}, status="followed_up", satisfaction=3)  # not judged
        _post_need(c, **held, status="resolved")  # no resolved_at: not judged
        _post_need(c, **held, status="cancelled")  # cancelled after its claim
        _post_need(c, **common)  # open
        _post_need(c, **common, status="cancelled")  # cancelled while open
    expected = {
        "cases": 8,
        "response": (6, 8),
        "resolution": (5, 6),
        "on_time": (2, 3),
        "satisfaction": (1, 2),
        "mean": 4.0,
    }
    with api.client("viewer") as c:
        comm = {
            g["id"]: g
            for g in c.get("/metrics/communities", params={"quarter": quarter}).json()["items"]
        }
        _check(comm[cid], expected)
        assert comm[cid]["ranked"] and comm[cid]["rank"] == 1  # the only community with cases
        units = {
            g["id"]: g for g in c.get("/metrics/units", params={"quarter": quarter}).json()["items"]
        }
        _check(units[uid], {**expected, "cases": 6, "response": (6, 6)})
        assert units[uid]["ranked"]
        quarters = {g["id"]: g for g in c.get("/metrics/quarters").json()["items"]}
        _check(quarters[quarter], expected)


def test_unit_cases_include_whistle_summons(api: ApiServer) -> None:
    quarter = "2092Q1"
    with api.client("committee") as c:
        cid, uid = _fresh(c)
        whistle = {"community_id": cid, "quarter": quarter, "whistle": True, "summoned": [uid]}
        _post_need(c, **whistle, whistle_deadline="2090-01-01T00:00:00Z")  # summoned, silent
        _post_need(
            c,
            **whistle,
            whistle_deadline="2090-01-01T00:00:00Z",
            reports={uid: "2089-12-31T08:00:00Z"},
        )  # summoned, reported
    with api.client("viewer") as c:
        units = {
            g["id"]: g for g in c.get("/metrics/units", params={"quarter": quarter}).json()["items"]
        }
        g = units[uid]
        assert g["cases"] == 2
        assert _parts(g["response_rate"]) == (1, 2)
        assert g["resolution_rate"]["value"] is None  # it claimed nothing


# --------------------------------------------------------------------------- fairness


def _gini(xs: list[float]) -> float:
    n, mean = len(xs), sum(xs) / len(xs)
    if mean == 0:
        return 0.0
    return sum(abs(a - b) for a in xs for b in xs) / (2 * n * n * mean)


def test_fairness_matches_seed(api: ApiServer) -> None:
    quarter = "2026Q3"
    needs = _csv("needs.csv")
    activities = {a["id"] for a in _csv("activities.csv") if a["quarter"] == quarter}
    load: dict[str, int] = defaultdict(int)
    for n in needs:
        if n["quarter"] == quarter and n["status"] in CLAIMED:
            load[n["claimed_by"]] += int(n["effort"])
    pairs = {
        (a["unit_id"], a["activity_id"])
        for a in _csv("assignments.csv")
        if a["activity_id"] in activities
    }
    for u, _ in pairs:
        load[u] += 2
    with api.client("viewer") as c:
        units = {}
        offset = 0
        while True:
            page = c.get("/units", params={"offset": offset, "limit": 1000}).json()
            units.update({u["id"]: u for u in page["items"]})
            offset += len(page["items"])
            if offset >= page["total"]:
                break
        r = c.get("/metrics/fairness", params={"quarter": quarter})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["role_effort"] == 2 and body["units"] == len(units)
        rows = {x["unit_id"]: x for x in body["loads"]}
        ratios = []
        for uid, u in units.items():
            assert rows[uid]["load"] == load.get(uid, 0), uid
            assert rows[uid]["capacity"] == u["capacity"]
            assert rows[uid]["ratio"] == pytest.approx(load.get(uid, 0) / u["capacity"])
            ratios.append(load.get(uid, 0) / u["capacity"])
        assert body["max_load_ratio"] == pytest.approx(max(ratios))
        assert body["gini"] == pytest.approx(_gini(ratios))
        assert body["idle_units"] == sum(1 for uid in units if load.get(uid, 0) == 0)
        assert body["total_load"] == sum(load.values())
        top = max(ratios)
        assert body["max_load_units"] == sorted(
            u for u in units if load.get(u, 0) / units[u]["capacity"] == top
        )


def test_fairness_all_idle_and_by_hand(api: ApiServer) -> None:
    with api.client("viewer") as c:
        empty = c.get("/metrics/fairness", params={"quarter": "2093Q1"}).json()
        assert empty["gini"] == 0.0 and empty["max_load_ratio"] == 0.0
        assert empty["idle_units"] == empty["units"] > 0 and empty["total_load"] == 0
    quarter = "2093Q2"
    with api.client("committee") as c:
        cid, uid = _fresh(c, capacity=10)
        _post_need(
            c, community_id=cid, quarter=quarter, effort=5, status="in_progress", claimed_by=uid
        )
        _post_need(
            c, community_id=cid, quarter=quarter, effort=4, status="cancelled", claimed_by=uid
        )
        _post_need(c, community_id=cid, quarter=quarter, effort=3)  # open: nobody's load
    with api.client("viewer") as c:
        body = c.get("/metrics/fairness", params={"quarter": quarter}).json()
        rows = {x["unit_id"]: x for x in body["loads"]}
        assert rows[uid]["load"] == 5 and rows[uid]["ratio"] == 0.5 and rows[uid]["needs"] == 1
        assert body["max_load_ratio"] == 0.5 and body["max_load_units"] == [uid]
        n = body["units"]
        # one unit at 0.5, the others at 0: Gini = (n - 1) / n
        assert body["gini"] == pytest.approx((n - 1) / n)
        assert body["idle_units"] == n - 1


@pytest.mark.parametrize("params", [{}, {"quarter": "2026Q0"}, {"quarter": "x" * 40}])
def test_fairness_bad_params_422(api: ApiServer, params: dict[str, Any]) -> None:
    with api.client("viewer") as c:
        assert c.get("/metrics/fairness", params=params).status_code == 422


# --------------------------------------------------------------------------- members


def test_member_points_ranked_with_totals(api: ApiServer) -> None:
    members = _csv("party_members.csv")
    with api.client("viewer") as c:
        body = c.get("/metrics/members", params={"limit": 1000}).json()
        assert body["total_members"] == len(members)
        assert body["total_points"] == sum(int(m["points"]) for m in members)
        points = [m["points"] for m in body["items"]]
        assert points == sorted(points, reverse=True) and len(points) == len(members)
        for m in body["items"]:
            assert m["rank"] == 1 + sum(1 for p in points if p > m["points"])
        assert body["items"][0]["name"] and body["items"][0]["unit_name"]
        per_community: dict[str, int] = defaultdict(int)
        for m in members:
            per_community[m["community_id"]] += int(m["points"])
        assert {t["id"]: t["points"] for t in body["communities"]} == dict(per_community)
        assert sum(t["members"] for t in body["units"]) == len(members)

        top3 = c.get("/metrics/members", params={"limit": 3}).json()
        assert top3["items"] == body["items"][:3] and top3["total_members"] == len(members)

        mine = [m for m in members if m["community_id"] == "c01"]
        c01 = c.get("/metrics/members", params={"community_id": "c01"}).json()
        assert {m["id"] for m in c01["items"]} == {m["id"] for m in mine}
        assert c01["total_points"] == sum(int(m["points"]) for m in mine)
        assert [t["id"] for t in c01["communities"]] == ["c01"]
        both = [m for m in mine if m["unit_id"] == mine[0]["unit_id"]]
        r = c.get("/metrics/members", params={"community_id": "c01", "unit_id": mine[0]["unit_id"]})
        assert r.json()["total_members"] == len(both)


def test_member_points_errors(api: ApiServer) -> None:
    with api.client("viewer") as c:
        assert c.get("/metrics/members", params={"community_id": "c999"}).status_code == 404
        assert c.get("/metrics/members", params={"unit_id": "u999"}).status_code == 404
        assert c.get("/metrics/members", params={"limit": 0}).status_code == 422
        assert c.get("/metrics/members", params={"limit": "all"}).status_code == 422


# --------------------------------------------------------------------------- summary


def test_summary_of_seed_quarter(api: ApiServer) -> None:
    quarter = "2026Q4"
    needs = [n for n in _csv("needs.csv") if n["quarter"] == quarter]
    with api.client("viewer") as c:
        r = c.get("/metrics/summary", params={"quarter": quarter})
        assert r.status_code == 200, r.text
        s = r.json()
        assert s["quarter"] == quarter and s["needs"] == len(needs)
        assert s["by_status"] == {
            st: sum(1 for n in needs if n["status"] == st)
            for st in ("open", "claimed", "in_progress", "resolved", "followed_up", "cancelled")
        }
        _check(s["rates"], _expected_rates(needs))
        live = [n for n in needs if n["status"] != "cancelled"]
        assert _parts(s["need_coverage"]) == (sum(n["status"] in CLAIMED for n in live), len(live))
        fair = c.get("/metrics/fairness", params={"quarter": quarter}).json()
        for key in ("max_load_ratio", "gini", "idle_units", "overloaded_units", "total_load"):
            assert s["fairness"][key] == fair[key]
        assert s["activities"] == sum(1 for a in _csv("activities.csv") if a["quarter"] == quarter)
        assert s["overdue_whistles"] == 0  # the seed's whistles have no deadline
        assert s["member_points"] == sum(int(m["points"]) for m in _csv("party_members.csv"))
        everything = c.get("/metrics/summary").json()
        assert everything["quarter"] is None and everything["fairness"] is None
        assert everything["needs"] >= len(_csv("needs.csv"))


def test_summary_overdue_whistles(api: ApiServer) -> None:
    quarter = "2094Q1"
    with api.client("committee") as c:
        cid, uid = _fresh(c)
        base = {"community_id": cid, "quarter": quarter, "whistle": True}
        late = _post_need(
            c,
            **base,
            whistle_deadline="2020-01-01T00:00:00Z",
            summoned=["u01", "u02", "u03"],
            reports={"u01": "2019-12-31T12:00:00Z", "u02": "2020-01-02T00:00:00Z"},
        )
        _post_need(
            c, **base, whistle_deadline="2099-01-01T00:00:00Z", summoned=["u01"]
        )  # not yet due
        _post_need(
            c, **base, whistle_deadline="2020-01-01T00:00:00Z", summoned=["u01"], status="cancelled"
        )
        _post_need(
            c,
            **base,
            whistle_deadline="2020-01-01T00:00:00Z",
            summoned=["u01"],
            reports={"u01": "2019-12-01T00:00:00Z"},
        )  # reported in time
        _post_need(c, community_id=cid, quarter=quarter, status="in_progress", claimed_by=uid)
    with api.client("viewer") as c:
        s = c.get("/metrics/summary", params={"quarter": quarter}).json()
        assert s["overdue_whistles"] == 1
        assert [(w["need_id"], w["late_units"]) for w in s["overdue"]] == [(late, ["u02", "u03"])]
        assert _parts(s["need_coverage"]) == (1, 4)
        assert s["by_status"]["cancelled"] == 1 and s["needs"] == 5


def test_metrics_every_role_and_errors(api: ApiServer) -> None:
    for who in USERS:
        with api.client(who) as c:
            assert c.get("/metrics/summary").status_code == 200
    with api.client(None) as c:
        assert c.get("/metrics/units").status_code == 401
    with api.client("viewer") as c:
        for path, params in [
            ("/metrics/units", {"quarter": "2026"}),
            ("/metrics/units", {"min_cases": -1}),
            ("/metrics/units", {"by": "popularity"}),
            ("/metrics/communities", {"quarter": "2026Q9"}),
            ("/metrics/communities", {"min_cases": "many"}),
            ("/metrics/summary", {"quarter": "1999Q1"}),
        ]:
            r = c.get(path, params=params)
            assert r.status_code == 422, (path, params, r.text)
            assert r.json()["error"]["code"] == "invalid_input"


# --------------------------------------------------------------------------- cached per data version


def test_cached_results_follow_writes(api: ApiServer) -> None:
    """/metrics/quarters, /metrics/communities and /network/gaps are cached per data version:
    repeated calls answer the same, and a write shows at once in the next answer."""
    with api.client("committee") as c:
        cid, _ = _fresh(c)
        quarters = c.get("/metrics/quarters").json()["items"]
        assert c.get("/metrics/quarters").json()["items"] == quarters
        assert "2043Q2" not in {g["id"] for g in quarters}
        communities = c.get("/metrics/communities", params={"quarter": "2043Q2"}).json()
        gaps = c.get("/network/gaps", params={"quarter": "2043Q2"}).json()
        need_id = _post_need(c, community_id=cid, quarter="2043Q2")
        after = {g["id"]: g for g in c.get("/metrics/quarters").json()["items"]}
        assert after["2043Q2"]["cases"] == 1
        groups = c.get("/metrics/communities", params={"quarter": "2043Q2"}).json()["items"]
        assert {g["id"]: g["cases"] for g in groups}[cid] == 1
        assert {g["id"]: g["cases"] for g in communities["items"]}[cid] == 0
        later = c.get("/network/gaps", params={"quarter": "2043Q2"}).json()
        assert later["open_needs"] == gaps["open_needs"] + 1
        assert need_id in {g["need_id"] for g in later["gaps"]}


def test_unit_ranking_pages_and_one_unit(api: ApiServer) -> None:
    """GET /metrics/units pages with offset/limit (pages joined = the whole list, total
    the whole count) and ``unit_id`` keeps that unit's row with its rank."""
    with api.client("viewer") as c:
        params = {"min_cases": 1}
        whole = c.get("/metrics/units", params=params).json()
        assert whole["total"] == len(whole["items"]) > 3
        joined: list[dict[str, Any]] = []
        while len(joined) < whole["total"]:
            page = c.get(
                "/metrics/units", params={**params, "offset": len(joined), "limit": 3}
            ).json()
            assert page["total"] == whole["total"] and len(page["items"]) <= 3
            assert page["ranked"] == whole["ranked"]
            joined.extend(page["items"])
        assert joined == whole["items"]
        last = whole["items"][-1]
        one = c.get("/metrics/units", params={**params, "unit_id": last["id"]}).json()
        assert one["total"] == 1 and one["items"] == [last]
        assert c.get("/metrics/units", params={"unit_id": "u-none"}).status_code == 404
        assert c.get("/metrics/units", params={"limit": 0}).status_code == 422
        assert (
            c.get("/metrics/communities", params={"limit": 2}).json()["items"]
            == (c.get("/metrics/communities").json()["items"][:2])
        )
