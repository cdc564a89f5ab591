"""``POST /plans/city`` over HTTP: one plan job per sub-district of a generated city.

The server is the real service on the embedded store, with a tiny generated city
(three sub-districts of 12 units) loaded beside the 星城 seed, in a quarter of its own
(2027Q2). Each sub-district's plan is proven optimal and equals the plan of that
sub-district solved alone; an unknown code fails while the others finish; only the
city role may start or read a run (403 in Chinese for the others). Cancelling a run
(the city role: all of it; a sub-district's committee: its own) ends its unfinished
sub-districts ``cancelled`` while the finished keep their plans; an unknown run is a
404, a finished one a 409. The test holds the server's solver lock (the file lock
every plan job takes before it solves) to keep the run's jobs queued until it lets go.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
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
from gongjian.service.state import ServiceState
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


@contextlib.contextmanager
def _solver_lock(server: ApiServer) -> Iterator[None]:
    """Hold the server's solver lock: its plan jobs wait, queued, until this lets go."""
    fd = os.open(server.workdir / "service.sqlite.solver.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _statuses(run: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["status"] for s in run["subdistricts"]}


def test_cancelling_a_city_run(city_api: ApiServer) -> None:
    state = ServiceState(city_api.workdir / "service.sqlite")
    try:
        _user, sd02 = state.add_user("committee-sd02", "committee", subdistrict="SD02")
    finally:
        state.close()
    body = {"quarter": QUARTER, "subdistricts": ["SD01", "SD02"], "time_limit": TIME_LIMIT}
    with city_api.client("city") as c:
        with _solver_lock(city_api):
            # a committee cancels its own sub-district of the run, not the others
            r = c.post("/plans/city", json=body)
            assert r.status_code == 202, r.text
            location = r.headers["location"]
            for who in ("viewer", "unit:u01"):
                with city_api.client(who) as other:
                    r = other.post(f"{location}/cancel")
                    assert r.status_code == 403 and "仅区/市组织部或本街道" in r.text, (who, r.text)
            with city_api.client("committee") as other:  # the 星城 committee: none of the run's
                r = other.post(f"{location}/cancel")
                assert r.status_code == 403 and "不含本街道" in r.json()["error"]["message"]
            with httpx.Client(
                base_url=city_api.base_url, headers={"Authorization": f"Bearer {sd02}"}
            ) as mine:
                r = mine.post(f"{location}/cancel")
                assert r.status_code == 200, r.text
            assert _statuses(r.json()) == {"SD01": "queued", "SD02": "cancelled"}
            assert not r.json()["finished"]
        # the lock let go: SD01 is planned; its plan is kept, and the run has ended
        run = _wait(c, location)
        assert _statuses(run) == {"SD01": "done", "SD02": "cancelled"}
        r = c.post(f"{location}/cancel")
        assert r.status_code == 409 and "已结束" in r.json()["error"]["message"], r.text
        assert c.get(f"/plans/{run['subdistricts'][0]['job_id']}").json()["plan"]["assignments"]
        r = c.post("/plans/city/city-2027Q2-0123456789/cancel")
        assert r.status_code == 404 and "不存在" in r.json()["error"]["message"]
        assert c.post("/plans/city/nonsense/cancel").status_code == 404
        # the city cancels a whole run: nothing of it is left to run
        with _solver_lock(city_api):
            r = c.post("/plans/city", json={**body, "subdistricts": ["SD01", "SD02", "SD03"]})
            assert r.status_code == 202, r.text
            location = r.headers["location"]
            r = c.post(f"{location}/cancel")
            assert r.status_code == 200, r.text
            assert r.json()["finished"] and r.json()["counts"] == {"cancelled": 3}
        time.sleep(0.6)  # the solver lock is free: a cancelled job must not start now
        run = c.get(location).json()
        assert run["counts"] == {"cancelled": 3}
        for s in run["subdistricts"]:
            job = c.get(f"/plans/{s['job_id']}").json()
            assert job["status"] == "cancelled" and job["started_at"] is None
