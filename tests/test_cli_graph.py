"""The graph commands of the CLI, run as a user would (a subprocess per command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Neo4jEndpoint

GONGJIAN = [sys.executable, "-m", "gongjian.cli.main"]


def run(
    args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop(
        "GONGJIAN_NEO4J_URI", None
    ) if env is None or "GONGJIAN_NEO4J_URI" not in env else None
    return subprocess.run(
        [*GONGJIAN, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300
    )


def test_demo_loads_xingcheng_and_prints_a_chinese_summary(tmp_path: Path) -> None:
    out = run(["demo", "--db", str(tmp_path / "demo.sqlite")], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "共建网络概况" in out.stdout
    assert "学校 (school)" in out.stdout and "待认领交办单" in out.stdout
    assert "2026Q4 季度共建计划" in out.stdout and "未满足需求" in out.stdout
    plan = json.loads((tmp_path / "gongjian-demo-plan.json").read_text(encoding="utf-8"))
    assert plan["status"] in ("optimal", "feasible") and plan["assignments"]
    assert plan["bound"] >= plan["objective"]
    again = run(["demo", "--db", str(tmp_path / "demo.sqlite")], cwd=tmp_path)
    assert (
        again.returncode == 0
        and again.stdout.count("驻区单位 20 家") == out.stdout.count("驻区单位 20 家") == 1
    )


def test_seed_load_is_idempotent_and_stats_counts(tmp_path: Path) -> None:
    env = {"GONGJIAN_DB": str(tmp_path / "g.sqlite")}
    first = run(["seed", "load", "xingcheng"], env)
    assert first.returncode == 0, first.stderr
    second = run(["seed", "load", "xingcheng"], env)
    stats = run(["stats"], env)
    assert second.returncode == 0 and stats.returncode == 0
    assert "Need" in stats.stdout and "交办单" in stats.stdout
    # the same table after loading twice
    assert first.stdout.split("\n")[-30:] == second.stdout.split("\n")[-30:]


def test_seed_load_synthetic(tmp_path: Path) -> None:
    env = {"GONGJIAN_DB": str(tmp_path / "s.sqlite")}
    out = run(
        [
            "seed",
            "load",
            "synthetic",
            "--units",
            "40",
            "--needs",
            "300",
            "--activities",
            "12",
            "--seed",
            "3",
        ],
        env,
    )
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "│ Unit " in x)
    assert line.split("│")[3].strip() == "40"


def test_bench_load_prints_one_json_line() -> None:
    out = run(["bench", "load", "--units", "40", "--needs", "300", "--activities", "12"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip())
    assert data["store"] == "embedded" and data["nodes"] > 340
    assert data["relationships"] > 300 and data["relationships_per_second"] > 0
    assert data["peak_rss_mb"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed", "load", "synthetic", "--units", "0"], "规模超出范围"),
        (["stats", "--store", "neo4j"], "GONGJIAN_NEO4J_URI"),
        (["seed", "load", "nowhere"], "Invalid value"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = run(args, {"GONGJIAN_DB": str(tmp_path / "x.sqlite")})
    assert out.returncode == 2
    assert message in out.stderr + out.stdout
    assert "Traceback" not in out.stderr


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes("这不是数据库 — just some notes\n".encode() * 100)
    before = bad.read_bytes()
    out = run(["seed", "load", "xingcheng"], {"GONGJIAN_DB": str(bad)})
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "数据库" in out.stderr
    assert bad.read_bytes() == before


@pytest.mark.neo4j
def test_seed_load_into_neo4j(neo4j_server: Neo4jEndpoint) -> None:
    env = {
        "GONGJIAN_NEO4J_URI": neo4j_server.uri,
        "GONGJIAN_NEO4J_USER": neo4j_server.user,
        "GONGJIAN_NEO4J_PASSWORD": neo4j_server.password,
    }
    out = run(["seed", "load", "xingcheng", "--store", "neo4j", "--replace"], env)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "│ Unit " in x)
    assert line.split("│")[3].strip() == "20"


def test_bench_xingcheng_solves_the_demo_quarter_to_proven_optimum() -> None:
    out = run(["bench", "xingcheng", "--time-limit", "10"])
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip())
    assert data["status"] == "optimal" and data["objective"] == data["bound"]
    assert data["needs"] >= 30 and data["activities"] >= 10


def test_demo_plan_speaks_in_titles_not_only_ids(tmp_path: Path) -> None:
    out = run(["demo", "--db", str(tmp_path / "demo.sqlite")], env={"COLUMNS": "300"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    decisions = [x for x in out.stdout.splitlines() if x.strip().startswith("- 需求 n")]
    # the fit parts by their names (适配度 since the suitability table)
    assert decisions and all("「" in x and "适配度" in x for x in decisions)
