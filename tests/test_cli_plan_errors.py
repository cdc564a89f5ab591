"""Bad files given to the planner commands get a one-line message and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FILES = {
    "not-utf8.json": b"\xff\xfe\x00 bad",
    "schema.json": b'{"units": [{"id": "u1", "capacity": -1}]}',
    "broken.json": b"{not json",
    "gap.txt": b"7 x\n1 2",
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "solve", "not-utf8.json"], "utf-8"),
        (["plan", "solve", "schema.json"], "units.0.capacity"),
        (["plan", "solve", "missing.json"], "No such file"),
        (["plan", "explain", "broken.json"], "Invalid JSON"),
        (["plan", "solve", "schema.json", "--time-limit", "-3"], "time-limit"),
        (["bench", "gap", "gap.txt", "--time-limit", "1"], "GAP"),
    ],
)
def test_bad_planner_input_is_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    out = subprocess.run(
        [sys.executable, "-m", "gongjian.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
