"""The planner's CLI commands run and print valid JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gongjian.cli.main import app

GAP1 = (
    Path(__file__).resolve().parents[1] / "data" / "gap" / "instances" / "cattrysse1994" / "gap1-0"
)
runner = CliRunner()


def test_schema() -> None:
    res = runner.invoke(app, ["plan", "schema"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.output)
    assert "units" in schema["properties"] and "needs" in schema["properties"]


def test_example_solve_explain(tmp_path: Path) -> None:
    prob = tmp_path / "problem.json"
    plan = tmp_path / "plan.json"
    res = runner.invoke(app, ["plan", "example", "--out", str(prob)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["plan", "solve", str(prob), "--time-limit", "5", "--seed", "3", "--out", str(plan)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(plan.read_text(encoding="utf-8"))
    assert data["status"] == "optimal" and data["objective"] <= data["bound"]
    res = runner.invoke(app, ["plan", "explain", str(plan), "--problem", str(prob)])
    assert res.exit_code == 0, res.output
    assert "星城" in res.output and "分配" in res.output
    # stdout variant
    res = runner.invoke(app, ["plan", "solve", str(prob), "--time-limit", "5"])
    assert res.exit_code == 0
    assert json.loads(res.output)["status"] == "optimal"


def test_solve_rejects_bad_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"units": [{"id": "A", "capacity": -1}]}', encoding="utf-8")
    res = runner.invoke(app, ["plan", "solve", str(bad)])
    assert res.exit_code == 2


def test_bench_gap() -> None:
    res = runner.invoke(app, ["bench", "gap", str(GAP1), "--time-limit", "3"])
    assert res.exit_code == 0, res.output
    line = json.loads(res.output.strip().splitlines()[0])
    assert line["instance"] == "cattrysse1994/gap1-0"
    assert line["objective"] == 261 and line["bound"] == 261 and line["status"] == "optimal"
    assert {"agents", "items", "seconds"} <= set(line)


def test_bench_district_small() -> None:
    res = runner.invoke(
        app,
        [
            "bench",
            "district",
            "--units",
            "40",
            "--needs",
            "300",
            "--activities",
            "10",
            "--seed",
            "2",
            "--time-limit",
            "2",
        ],
    )
    assert res.exit_code == 0, res.output
    line = json.loads(res.output.strip().splitlines()[-1])
    for key in (
        "objective",
        "bound",
        "gap",
        "seconds",
        "peak_rss_mb",
        "coverage",
        "max_load_ratio",
        "baselines",
    ):
        assert key in line
    assert line["bound"] >= line["objective"]
    assert set(line["baselines"]) == {"greedy", "cpsat_plain"}
    assert line["objective"] >= line["baselines"]["greedy"]["objective"]
