"""``gongjian plan run`` / ``plan export`` and the demo's workbook, run as a user would."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gongjian.graph.model import Need
from gongjian.service.plans.xlsx import HEADER_ROW
from gongjian.service.state import ServiceState
from tests.api.server import seeded_store

GONGJIAN = [sys.executable, "-m", "gongjian.cli.main"]
SHEETS = {"概况", "按单位", "按活动", "未满足需求", "技术说明"}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    full.update(COLUMNS="200", **env)
    return subprocess.run(
        [*GONGJIAN, *args], capture_output=True, text=True, env=full, cwd=cwd, timeout=300
    )


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Environment of a CLI user with the 星城 network in the chosen store."""
    env = {
        "GONGJIAN_DB": str(tmp_path / "graph.sqlite"),
        "GONGJIAN_STATE_DB": str(tmp_path / "service.sqlite"),
        "GONGJIAN_STORE": request.param,
    }
    if request.param == "neo4j":
        endpoint = request.getfixturevalue("neo4j_server")
        env.update(
            GONGJIAN_NEO4J_URI=endpoint.uri,
            GONGJIAN_NEO4J_USER=endpoint.user,
            GONGJIAN_NEO4J_PASSWORD=endpoint.password,
        )
    out = run(["seed", "load", "xingcheng", "--replace"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    return env, tmp_path


def seeded_embedded(tmp_path: Path) -> dict[str, str]:
    """Environment of a CLI user whose embedded store holds the 星城 network, loaded in this
    process (``seed load`` through the CLI is the ``seeded`` fixture's and test_cli_graph's)."""
    seeded_store(tmp_path, "embedded", None).close()
    return {
        "GONGJIAN_DB": str(tmp_path / "graph.sqlite"),
        "GONGJIAN_STATE_DB": str(tmp_path / "s.sqlite"),
    }


def plan_id(stdout: str) -> str:
    m = re.search(r"计划编号 plan id: (plan-[0-9a-f]{12})", stdout)
    assert m, stdout
    return m.group(1)


def open_graph(env: dict[str, str]):
    from gongjian.core.settings import Settings
    from gongjian.graph import open_store

    settings = Settings(
        store=env["GONGJIAN_STORE"],
        db=Path(env["GONGJIAN_DB"]),
        neo4j_uri=env.get("GONGJIAN_NEO4J_URI"),
        neo4j_user=env.get("GONGJIAN_NEO4J_USER", "neo4j"),
        neo4j_password=env.get("GONGJIAN_NEO4J_PASSWORD", ""),
    )
    return open_store(settings=settings)


def test_plan_run_records_a_job_that_exports(seeded: tuple[dict[str, str], Path]) -> None:
    env, cwd = seeded
    out = run(["plan", "run", "--quarter", "2026Q4", "--time-limit", "5", "--seed", "2"], env, cwd)
    assert out.returncode == 0, out.stderr
    assert "2026Q4 季度共建计划" in out.stdout and "目标值 objective" in out.stdout
    assert "未满足需求" in out.stdout
    job_id = plan_id(out.stdout)

    state = ServiceState(env["GONGJIAN_STATE_DB"])
    try:
        job = state.get_job(job_id)
        assert state.job_problem(job_id)
    finally:
        state.close()
    assert job.status == "done" and job.created_by == "cli" and job.quarter == "2026Q4"
    assert job.plan["status"] in ("optimal", "feasible") and job.request["seed"] == 2
    assert job.plan["bound"] >= job.plan["objective"]
    assert job.progress["objective"] == job.plan["objective"]

    xlsx = run(["plan", "export", job_id, "--format", "xlsx", "--out", "p.xlsx"], env, cwd)
    assert xlsx.returncode == 0, xlsx.stderr
    wb = load_workbook(cwd / "p.xlsx")
    assert set(wb.sheetnames) == SHEETS
    assert wb["按单位"].max_row == HEADER_ROW + len(job.plan["assignments"])

    csv_out = run(["plan", "export", job_id, "--format", "csv"], env, cwd)
    assert csv_out.returncode == 0, csv_out.stderr
    default = cwd / f"gongjian-plan-2026Q4-{job_id}.csv"
    rows = list(csv.reader(io.StringIO(default.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "类型"
    assert len(rows) == 1 + len(job.plan["assignments"]) + len(job.plan["unmet"])
    # community names come from the store
    assert any("第七社区" in cell for r in rows for cell in r)

    ics = run(["plan", "export", job_id, "--format", "ics", "--out", "p.ics"], env, cwd)
    assert ics.returncode == 0, ics.stderr
    body = (cwd / "p.ics").read_bytes()
    activities = {a["activity"] for a in job.plan["assignments"] if a["type"] == "role"}
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert body.count(b"BEGIN:VEVENT") == len(activities)


def test_plan_run_publish_claims_the_needs(seeded: tuple[dict[str, str], Path]) -> None:
    env, cwd = seeded
    out = run(["plan", "run", "--quarter", "2026Q4", "--time-limit", "5", "--publish"], env, cwd)
    assert out.returncode == 0, out.stderr
    job_id = plan_id(out.stdout)
    m = re.search(r"活动安排 (\d+) 项，接单 (\d+) 件，跳过 (\d+) 项", out.stdout)
    assert m, out.stdout
    state = ServiceState(env["GONGJIAN_STATE_DB"])
    try:
        job = state.get_job(job_id)
    finally:
        state.close()
    needs = {a["item"]: a["unit"] for a in job.plan["assignments"] if a["type"] == "need"}
    roles = [a for a in job.plan["assignments"] if a["type"] == "role"]
    assert int(m.group(2)) == len(needs) and int(m.group(1)) == len(roles)
    assert job.published_at and job.publish_report["claims"] == len(needs)
    graph = open_graph(env)
    try:
        for need_id, unit in needs.items():
            need = graph.get(Need, need_id)
            assert need.status == "claimed" and need.claimed_by == unit
        written = [a for a in graph.assignments() if a.plan_id == job_id]
    finally:
        graph.close()
    assert {(a.activity_id, a.unit_id) for a in written} == {
        (a["activity"], a["unit"]) for a in roles
    }

    # publishing the recorded job again is refused; planning again sees fewer open needs
    again = run(["plan", "run", "--quarter", "2026Q4", "--time-limit", "2"], env, cwd)
    assert again.returncode == 0, again.stderr
    state = ServiceState(env["GONGJIAN_STATE_DB"])
    try:
        second = state.get_job(plan_id(again.stdout))
    finally:
        state.close()
    assert not {a["item"] for a in second.plan["assignments"]} & set(needs)


def test_same_seed_same_plan(tmp_path: Path) -> None:
    env = seeded_embedded(tmp_path)
    ids = []
    for _ in range(2):
        out = run(["plan", "run", "--quarter", "2026Q4", "--seed", "5"], env, tmp_path)
        assert out.returncode == 0, out.stderr
        ids.append(plan_id(out.stdout))
    state = ServiceState(env["GONGJIAN_STATE_DB"])
    try:
        a, b = (state.get_job(i).plan for i in ids)
    finally:
        state.close()
    assert ids[0] != ids[1]
    assert a["assignments"] == b["assignments"] and a["objective"] == b["objective"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "run", "--quarter", "2026Q5"], "quarter"),
        (["plan", "run", "--quarter", "2026Q4", "--time-limit", "0"], "time_limit"),
        (["plan", "run", "--quarter", "2026Q4", "--time-limit", "900"], "time_limit"),
        (["plan", "run", "--quarter", "2026Q4", "--pin", "n096"], "ITEM=UNIT"),
        (["plan", "run", "--quarter", "2026Q4", "--pin", "nope=u01"], "pins.0.item"),
        (["plan", "run", "--quarter", "2026Q4", "--forbid", "n096=u99"], "forbids.0.unit"),
        (["plan", "run", "--quarter", "2026Q4", "--previous", "plan-nope"], "not found"),
        (["plan", "export", "plan-nope"], "not found"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    env = seeded_embedded(tmp_path)
    out = run(args, env, tmp_path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert message in out.stderr.replace("\n", "")
    assert "Traceback" not in out.stderr + out.stdout


def test_export_of_a_job_without_plan_is_refused(tmp_path: Path) -> None:
    env = {"GONGJIAN_STATE_DB": str(tmp_path / "s.sqlite")}
    state = ServiceState(tmp_path / "s.sqlite")
    try:
        state.create_job("plan-000000000000", "2026Q4", {"quarter": "2026Q4"}, "test")
    finally:
        state.close()
    out = run(["plan", "export", "plan-000000000000"], env, tmp_path)
    assert out.returncode == 2 and "尚无结果" in out.stderr
    assert not (tmp_path / "gongjian.sqlite").exists()  # no empty store made for names


def test_demo_writes_the_plan_workbook(tmp_path: Path) -> None:
    out = run(["demo", "--db", str(tmp_path / "demo.sqlite")], {}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "gongjian-demo-plan.xlsx" in out.stdout
    wb = load_workbook(tmp_path / "gongjian-demo-plan.xlsx")
    assert set(wb.sheetnames) == SHEETS
    assert wb["按单位"].max_row > HEADER_ROW
    summary = {r[0].value: r[1].value for r in wb["概况"].iter_rows(min_row=HEADER_ROW)}
    assert summary["季度"] == "2026年第四季度"
    assert summary["计划名称"].startswith("2026年第四季度计划")


def test_plan_run_waits_for_the_solver_lock_of_a_running_job(tmp_path: Path) -> None:
    """The CLI goes through the API's job runner: while another solve holds the lock, it queues."""
    import fcntl
    import time

    env = seeded_embedded(tmp_path)
    ServiceState(env["GONGJIAN_STATE_DB"]).close()  # the state file exists before the lock
    # what a JobManager of the API holds while its job runs
    lock = os.open(f"{env['GONGJIAN_STATE_DB']}.solver.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    full = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    full.update(COLUMNS="200", **env)
    proc = subprocess.Popen(
        [*GONGJIAN, "plan", "run", "--quarter", "2026Q4", "--time-limit", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full,
        cwd=tmp_path,
    )
    try:
        state = ServiceState(env["GONGJIAN_STATE_DB"])
        try:
            deadline = time.monotonic() + 60
            jobs: list = []
            while not jobs and time.monotonic() < deadline:
                jobs = state.list_jobs(quarter="2026Q4", offset=0, limit=10)
                time.sleep(0.2)
            assert len(jobs) == 1 and jobs[0].created_by == "cli"
            time.sleep(2.0)  # longer than the solve would take: it must still be waiting
            assert state.get_job(jobs[0].id).status == "queued"
            assert proc.poll() is None
        finally:
            state.close()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    state = ServiceState(env["GONGJIAN_STATE_DB"])
    try:
        job = state.get_job(plan_id(stdout))
    finally:
        state.close()
    assert job.status == "done" and job.created_by == "cli" and job.started_at
