"""A running plan job streams its objective, bound and gap (``GET /plans/{id}``).

The solver's child reports each better plan and bound as it finds them (CP-SAT
solution and bound callbacks, the relaxations, the window searches); the job's
``progress.series`` holds them as ``{t, objective, bound, gap}``. On both stores,
with a synthetic network large enough that the solve takes its time limit.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gongjian.seeds.network import load_network
from gongjian.seeds.synthetic import generate
from tests.api.server import ApiServer, neo4j_credentials, seeded_store, start_api

QUARTER = "2026Q4"
TIME_LIMIT = 6.0


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def progress_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A server whose store holds a 100-unit synthetic network (a few seconds to solve)."""
    neo4j = neo4j_credentials(request, request.param)
    workdir = tmp_path_factory.mktemp(f"api-progress-{request.param}")
    store = seeded_store(workdir, request.param, neo4j)
    try:
        store.clear()
        load_network(store, generate(units=100, needs=1000, activities=40, seed=1, quarter=QUARTER))
    finally:
        store.close()
    server = start_api(workdir, request.param, neo4j, seed=False)
    yield server
    server.stop()


def _monotone(series: list[dict[str, Any]]) -> None:
    """Time goes on, the objective never falls, the bound never rises, the gap shrinks."""
    for a, b in itertools.pairwise(series):
        assert b["t"] >= a["t"], series
        if a["objective"] is not None:
            assert b["objective"] is not None and b["objective"] >= a["objective"], series
        if a["bound"] is not None:
            assert b["bound"] is not None and b["bound"] <= a["bound"], series
        if a["gap"] is not None:
            assert b["gap"] is not None and b["gap"] <= a["gap"], series
    for p in series:
        assert p["gap"] is None or p["gap"] >= 0, series
        if p["objective"] is not None and p["bound"] is not None:
            assert p["bound"] >= p["objective"], series


def test_the_job_streams_a_monotone_series_that_ends_at_the_plan(
    progress_api: ApiServer,
) -> None:
    seen: list[list[dict[str, Any]]] = []  # the series of each poll while running
    with progress_api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": TIME_LIMIT, "seed": 2})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        deadline = time.monotonic() + 180
        while True:
            job = c.get(f"/plans/{job_id}").json()
            if job["status"] not in ("queued", "running"):
                break
            progress = job["progress"] or {}
            if job["status"] == "running" and progress.get("series"):
                assert progress["time_limit"] == TIME_LIMIT
                seen.append(progress["series"])
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    assert job["status"] == "done", job
    plan, progress = job["plan"], job["progress"]
    series = progress["series"]

    # figures arrived while the job ran, before its final plan, and more than once
    assert seen, "no objective or bound was shown while the job ran"
    assert len({len(s) for s in seen}) >= 2, "the series never grew while the job ran"
    assert len(series) >= 2
    # what a poll saw is the start of what came after (nothing rewritten)
    for earlier in seen:
        assert series[: len(earlier)] == earlier
    _monotone(series)
    assert any(p["objective"] is not None for p in seen[0]) or seen[0][0]["bound"] is not None

    # the series ends at the final plan's figures
    last = series[-1]
    assert last["objective"] == plan["objective"] == progress["objective"]
    assert last["bound"] == plan["bound"] == progress["bound"]
    assert last["gap"] == pytest.approx(plan["gap"], abs=1e-9)
    assert progress["gap"] == last["gap"]
    # the time limit is the user's clock: the plan comes soon after it
    assert last["t"] <= progress["elapsed"] <= 2 * TIME_LIMIT + 5


def test_the_status_route_follows_the_job_without_its_plan(progress_api: ApiServer) -> None:
    """``GET /plans/{id}/status``: what a poll needs, no plan, 304 while unchanged."""
    with progress_api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": 3.0, "seed": 3})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        etag = None
        unchanged = changed = 0
        deadline = time.monotonic() + 180
        while True:
            headers = {"If-None-Match": etag} if etag else {}
            r = c.get(f"/plans/{job_id}/status", headers=headers)
            if r.status_code == 304:
                assert etag and r.headers["ETag"] == etag and not r.content
                unchanged += 1
            else:
                assert r.status_code == 200, r.text
                brief = r.json()
                assert brief["plan"] is None  # never the plan, even once there is one
                assert brief["id"] == job_id
                assert r.headers["ETag"] != etag
                etag = r.headers["ETag"]
                changed += 1
                if brief["status"] not in ("queued", "running"):
                    break
            assert time.monotonic() < deadline
            time.sleep(0.05)
        full = c.get(f"/plans/{job_id}").json()
    assert brief["status"] == full["status"] == "done"
    assert full["plan"] is not None
    # the figures a poll shows are the finished plan's
    for key in ("stage", "objective", "bound", "gap", "series"):
        assert brief["progress"][key] == full["progress"][key], key
    assert full["progress"]["objective"] == full["plan"]["objective"]
    assert changed >= 2 and unchanged >= 1, (changed, unchanged)
    # the tag of a finished job is stable: a repeat poll is a 304
    with progress_api.client() as c:
        assert c.get(f"/plans/{job_id}/status", headers={"If-None-Match": etag}).status_code == 304
        assert c.get("/plans/no-such-plan/status").status_code == 404


def test_a_draft_status_is_hidden_like_the_draft(progress_api: ApiServer) -> None:
    """Unit users read published plans only: a draft's status is a 404 for them too."""
    with progress_api.client() as c:
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": 1.0, "seed": 4})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        c.delete(f"/plans/{job_id}")
    with progress_api.client("unit:u01") as u:
        r = u.get(f"/plans/{job_id}/status")
        assert r.status_code == 404, r.text
        assert u.get(f"/plans/{job_id}").status_code == 404
