"""Issue 10, finding 8: claims are bounded by a unit's remaining capacity (both stores).

星城中学 (u01) has capacity 12 and offers venue_learning, venue_sports,
venue_culture, fire_safety and party_building. In a quarter of its own
(:data:`QUARTER`, no other work there) it claims fire_safety needs of effort 5:

* claims go through while the claimed effort fits; the claim that would take it
  over 12 gets 409 whose Chinese message says how much is left (the number);
* a claim in a kind the unit does not offer (repair) is refused (409 / 422) or
  flagged in the answer (``warnings``);
* the committee may override (``{"unit_id": "u01", "override": true}``): 200, and
  the override is in ``GET /audit``; without the flag the committee gets the
  same 409.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.api.attack import await_audit, error_of, fresh_id
from tests.api.server import ApiServer

QUARTER = "2027Q3"
CAPACITY = 12
EFFORT = 5
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _need(c: httpx.Client, category: str = "fire_safety", effort: int = EFFORT) -> str:
    body = {
        "id": fresh_id("cap"),
        "title": "消防安全宣传",
        "category": category,
        "community_id": "c03",
        "quarter": QUARTER,
        "effort": effort,
    }
    r = c.post("/needs", json=body)
    assert r.status_code == 201, r.text
    return body["id"]


def _claimed_effort(c: httpx.Client, unit: str) -> int:
    items = c.get("/needs", params={"claimed_by": unit, "quarter": QUARTER, "limit": 1000}).json()[
        "items"
    ]
    return sum(n["effort"] for n in items if n["status"] in ("claimed", "in_progress"))


def test_a_claim_beyond_the_remaining_capacity_is_409_saying_what_is_left(
    api: ApiServer,
) -> None:
    with api.client() as committee, api.client("unit:u01") as u01:
        assert committee.get("/units/u01").json()["capacity"] == CAPACITY
        needs = [_need(committee) for _ in range(4)]  # 20 > 12
        answers = [u01.post(f"/needs/{n}/claim") for n in needs]
        statuses = [r.status_code for r in answers]
        total = _claimed_effort(committee, "u01")
        figures = f"[{api.store_kind}] 4 claims of effort {EFFORT} against capacity {CAPACITY}: {statuses}, claimed effort {total}"
        print(figures)
        assert total <= CAPACITY, figures
        refused = [r for r in answers if r.status_code == 409]
        assert refused, figures
        message = error_of(refused[0]).get("message", "")
        left = CAPACITY - total
        assert CHINESE.search(message) and re.search(rf"(?<!\d){left}(?!\d)", message), (
            f"the 409 should say in Chinese that {left} is left: {message}"
        )


def test_a_claim_in_a_kind_the_unit_does_not_offer_is_refused_or_flagged(
    api: ApiServer,
) -> None:
    with api.client() as committee, api.client("unit:u01") as u01:
        nid = _need(committee, category="repair", effort=1)
        r = u01.post(f"/needs/{nid}/claim")
    body: dict[str, Any] = r.json() if r.status_code == 200 else {}
    flagged = bool(body.get("warnings"))
    assert r.status_code in (409, 422) or flagged, (
        f"[{api.store_kind}] u01 (no repair resource) claimed a repair need: {r.status_code}"
        f" {r.text[:200]}"
    )


def test_the_committee_may_override_the_capacity_and_it_is_audited(api: ApiServer) -> None:
    with api.client() as committee:
        big = _need(committee, effort=CAPACITY + 1)
        r = committee.post(f"/needs/{big}/claim", json={"unit_id": "u02"})
        assert r.status_code == 409, (
            f"[{api.store_kind}] the committee claimed {CAPACITY + 1} for a unit of capacity 10"
            f" without override: {r.status_code}"
        )
        r = committee.post(f"/needs/{big}/claim", json={"unit_id": "u02", "override": True})
        assert r.status_code == 200, r.text
        assert r.json()["claimed_by"] == "u02"
        entries = await_audit(committee, big)
        assert any("override" in (e.get("summary") or "") for e in entries), entries
