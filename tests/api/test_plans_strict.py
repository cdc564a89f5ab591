"""Issue 10, point 9: the integers of ``POST /plans`` are strict, on both stores.

``true``, ``"5"`` and ``5.0`` are not integers: each is a 422 naming its field, and no
job is queued for it. The same values written as integers are accepted.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.server import ApiServer

QUARTER = "2026Q4"

#: (field path in the body, where the value goes)
_INTEGER_FIELDS = [
    ("seed", ()),
    ("max_distance", ()),
    ("weights.fit", ("weights",)),
    ("weights.coverage", ("weights",)),
    ("weights.fairness", ("weights",)),
    ("weights.joint_coverage", ("weights",)),
    ("weights.stability", ("weights",)),
]


def _body(field: str, value: Any) -> dict[str, Any]:
    *outer, name = field.split(".")
    body: dict[str, Any] = {"quarter": QUARTER, "time_limit": 1}
    if outer:
        body[outer[0]] = {name: value}
    else:
        body[name] = value
    return body


@pytest.mark.parametrize("value", [True, "5", 5.0], ids=["true", "text", "float"])
@pytest.mark.parametrize("field", [f for f, _ in _INTEGER_FIELDS])
def test_a_plan_integer_that_is_not_an_integer_is_422(
    api: ApiServer, field: str, value: Any
) -> None:
    with api.client("committee") as c:
        before = c.get("/plans", params={"limit": 200}).json()["total"]
        r = c.post("/plans", json=_body(field, value))
        after = c.get("/plans", params={"limit": 200}).json()["total"]
    assert r.status_code == 422, (
        f"[{api.store_kind}] {field}={value!r} answered {r.status_code}: {r.text[:200]}"
    )
    fields = [e["field"] for e in r.json()["error"]["errors"]]
    assert field in fields, fields
    assert after == before, "a refused request queued a job"


@pytest.mark.parametrize("value", [True, "5"], ids=["true", "text"])
def test_the_time_limit_is_a_number_not_a_flag_or_text(api: ApiServer, value: Any) -> None:
    with api.client("committee") as c:
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": value})
    assert r.status_code == 422, r.text
    assert "time_limit" in [e["field"] for e in r.json()["error"]["errors"]]


def test_the_same_values_as_integers_are_accepted(api: ApiServer) -> None:
    body = {
        "quarter": QUARTER,
        "time_limit": 1,
        "seed": 5,
        "max_distance": 2,
        "weights": {"fit": 1, "coverage": 5, "fairness": 2, "joint_coverage": 5, "stability": 1},
    }
    with api.client("committee") as c:
        r = c.post("/plans", json=body)
    assert r.status_code == 202, r.text
