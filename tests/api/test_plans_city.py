"""``POST /plans/city`` over HTTP: one plan job per sub-district of a generated city.

The server is the real service on the embedded store, with a tiny generated city
(three sub-districts of 12 units) loaded beside the 星城 seed, in a quarter of its own
(2027Q2). Each sub-district's plan is proven optimal and equals the plan of that
sub-district solved alone; an unknown code fails while the others finish; only the
city role may start or read a run (403 in Chinese for the others).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gongjian.matching.from_graph import planning_snapshot
from gongjian.seeds.city import city_network, generate_city
from gongjian.seeds.network import load_network
from gongjian.service.plans.city import city_tasks, coverage
from gongjian.service.plans.executor import solve_packed
from tests.api.server import ApiServer, start_api

QUARTER = "2027Q2"
TIME_LIMIT = 8.0  # generous: each solve ends when it proves optimality, well before
SEED = 3


def start_city_api(workdir: Path, subdistricts: int = 3) -> ApiServer:
    """A started 星城 server with a city of tiny sub-districts (12 units, 24 needs) loaded
    into its store, in :data:`QUARTER` (each plan is proven optimal in well under a second)."""
    server = start_api(workdir, "embedded", start=False)
    store = server.open_store()
    try:
        city = generate_city(subdistricts, 12, 24, 2, seed=7, quarter=QUARTER)
        load_network(store, city_network(city))
    finally:
        store.close()
    server.start()
    return server


@pytest.fixture(scope="module")
def city_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_city_api(tmp_path_factory.mktemp("api-city"))
    yield server
    server.stop()


def _wait(c: httpx.Client, location: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = c.get(location).json()
        if run["finished"]:
            return run
        time.sleep(0.2)
    raise AssertionError(f"city run not finished: {run}")


def test_city_run_plans_each_subdistrict_as_alone_and_reports_a_failure(
    city_api: ApiServer,
) -> None:
    body = {
        "quarter": QUARTER,
        "subdistricts": ["SD01", "SD99", "SD02"],
        "time_limit": TIME_LIMIT,
        "seed": SEED,
    }
    with city_api.client("city") as c:
        r = c.post("/plans/city", json=body)
        assert r.status_code == 202, r.text
        assert r.headers["location"] == f"/plans/city/{r.json()['id']}"
        assert [s["id"] for s in r.json()["subdistricts"]] == ["SD01", "SD02", "SD99"]
        # each sub-district solved alone here, while the server solves the run
        store = city_api.open_store()
        try:
            alone = {sd: planning_snapshot(store, QUARTER, sd) for sd in ("SD01", "SD02")}
        finally:
            store.close()
        single = {
            sd: solve_packed(
                sd,
                city_tasks({sd: snap}, QUARTER, time_limit=TIME_LIMIT, seed=SEED)[0].plan_input,
                TIME_LIMIT,
                SEED,
            )["plan"]
            for sd, snap in alone.items()
        }
        run = _wait(c, r.headers["location"])
        assert any(x["id"] == run["id"] for x in c.get("/plans/city").json())
        plans = {s["id"]: c.get(f"/plans/{s['job_id']}").json() for s in run["subdistricts"]}
    rows = {s["id"]: s for s in run["subdistricts"]}
    assert run["engine"] == "local"
    assert run["counts"] == {"done": 2, "failed": 1}
    assert rows["SD99"]["status"] == "failed" and "未知街道" in rows["SD99"]["error"]
    assert rows["SD01"]["name"] == "星城街道1"
    for sd, snap in alone.items():
        row, plan = rows[sd], plans[sd]["plan"]
        assert row["status"] == "done", row
        # both proven optimal: the same objective, whichever optimum each found
        assert plan["status"] == single[sd]["status"] == "optimal"
        assert row["objective"] == plan["objective"] == single[sd]["objective"]
        assert row["gap"] == plan["gap"] == 0
        # the plan is of this sub-district only
        prefix = f"s{sd[2:]}-"
        assert plan["assignments"] and all(
            d["unit"].startswith(prefix) for d in plan["assignments"]
        )
        assert row["needs"] == len(snap.needs) + len(snap.carried) > 0
        assert (row["met_needs"], row["needs"]) == coverage(plan)
        assert row["coverage"] == round(row["met_needs"] / row["needs"], 4)
        assert row["seconds"] is not None and row["seconds"] > 0


def test_only_the_city_role_plans_and_reads_city_runs(city_api: ApiServer) -> None:
    for who in ("committee", "viewer", "unit:u01"):
        with city_api.client(who) as c:
            r = c.post("/plans/city", json={"quarter": QUARTER, "time_limit": 1})
            assert r.status_code == 403, (who, r.text)
            assert "仅区/市组织部" in r.json()["error"]["message"]
            assert c.get("/plans/city").status_code == 403
    with city_api.client("city") as c:
        assert c.get("/plans/city/city-2027Q2-0123456789").status_code == 404
        assert c.get("/plans/city/nonsense").status_code == 404
        r = c.post("/plans/city", json={"quarter": QUARTER, "subdistricts": ["SD77"]})
        assert r.status_code == 422 and "没有可计划的街道" in r.json()["error"]["message"]
        r = c.post("/plans/city", json={"quarter": QUARTER, "subdistricts": ["sd01"]})
        assert r.status_code == 422, r.text
