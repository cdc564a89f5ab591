"""Carry-over in plan jobs over HTTP, on both stores (星城 seed, today = SEED_TODAY).

A plan for 2026Q4 includes the needs of 2026Q3 still open in December (n070–n091),
overdue first and said so (逾期 N 天); the activities of 2026Q4 already past are left
out, and the plan says which and why; every decision names its runner-up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.api.server import SEED_TODAY, ApiServer
from tests.api.test_plans import pairs, solve

QUARTER = "2026Q4"


@pytest.fixture(scope="module")
def planned(api: ApiServer) -> dict[str, Any]:
    """One 2026Q4 plan with its explanation, and the seed's facts to check it against."""
    with api.client("committee") as c:
        job = solve(c)
        ex = c.get(f"/plans/{job['id']}/explain")
        assert ex.status_code == 200, ex.text
        q3 = c.get("/needs", params={"quarter": "2026Q3", "status": "open", "limit": 500})
        acts = c.get("/activities", params={"limit": 500}).json()["items"]
    return {"job": job, "ex": ex.json(), "q3_open": q3.json()["items"], "activities": acts}


def test_needs_still_open_from_2026q3_enter_the_2026q4_plan(planned: dict[str, Any]) -> None:
    q3 = {n["id"]: n for n in planned["q3_open"] if "n070" <= n["id"] <= "n091"}
    assert len(q3) >= 4  # the seed leaves several of them open
    plan = planned["job"]["plan"]
    planned_items = {a["item"] for a in plan["assignments"]} | {u["item"] for u in plan["unmet"]}
    assert set(q3) <= planned_items
    ex = planned["ex"]
    said = {d["item"]: d for d in [*ex["decisions"], *ex["unmet"]]}
    today = date.fromisoformat(SEED_TODAY)
    for nid, n in q3.items():
        days = (today - date.fromisoformat(n["due"])).days
        assert days > 0, n
        assert said[nid]["carried_from"] == "2026Q3"
        assert said[nid]["overdue_days"] == days
        assert f"已逾期 {days} 天" in said[nid]["carry_zh"]
        assert f"2026Q3 遗留需求，已逾期 {days} 天" in ex["text_zh"]
    # needs of the quarter itself are not called carried
    q4 = [d for d in ex["decisions"] if d["type"] == "need" and d["item"] not in q3]
    assert q4 and all(d["carried_from"] is None for d in q4 if d["item"] >= "n095")
    # overdue needs come first: most of them get a unit
    assert sum(1 for nid in q3 if nid in {a["item"] for a in plan["assignments"]}) >= len(q3) - 1


def test_past_activities_are_left_out_and_the_plan_says_why(planned: dict[str, Any]) -> None:
    past = {
        a["id"] for a in planned["activities"] if a["quarter"] == QUARTER and a["date"] < SEED_TODAY
    }
    assert past  # the seed has 2026Q4 activities before December
    plan = planned["job"]["plan"]
    assert {lo["item"] for lo in plan["left_out"]} == past
    assert all(lo["reason"] == "activity_date_passed" for lo in plan["left_out"])
    assert not {a["activity"] for a in plan["assignments"] if a["type"] == "role"} & past
    left = {lo["item"]: lo for lo in planned["ex"]["left_out"]}
    assert set(left) == past
    for lo in left.values():
        assert lo["reason_zh"] == "活动日期已过" and "已过" in lo["detail"] and lo["name"]
    assert "未纳入计划" in planned["ex"]["text_zh"]


def test_every_decision_names_its_runner_up(planned: dict[str, Any]) -> None:
    decisions = planned["ex"]["decisions"]
    assert decisions and all(d["runner_up"] for d in decisions)
    reasons = {d["runner_up"]["reason"] for d in decisions}
    assert "full" in reasons  # in a full quarter some runner-ups are full
    for d in decisions:
        ru = d["runner_up"]
        assert ru["item"] == d["item"] and ru["reason_zh"]
        assert ru["unit"] != d["unit"]
        if ru["unit"] is None:
            assert ru["reason"] == "only_candidate"
    assert "次选" in planned["ex"]["text_zh"]


def test_a_carried_need_can_be_pinned(api: ApiServer, planned: dict[str, Any]) -> None:
    q3 = {n["id"] for n in planned["q3_open"]}
    taken = [a for a in planned["job"]["plan"]["assignments"] if a["item"] in q3]
    # pin a carried need to its runner-up: the request names an item of the plan
    ex = {d["item"]: d for d in planned["ex"]["decisions"]}
    choice = next(
        (a, ex[a["item"]]["runner_up"])
        for a in taken
        if ex[a["item"]]["runner_up"]["unit"] and ex[a["item"]]["runner_up"]["reason"] != "full"
    )
    a, ru = choice
    with api.client("committee") as c:
        job = solve(c, pins=[{"item": a["item"], "unit": ru["unit"]}])
    assert (a["item"], ru["unit"]) in pairs(job)
