"""``gongjian demo --serve``: the README's first command ends with the console running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gongjian.cli.common import stop_process
from tests.api.server import free_port


def test_demo_serve_prints_url_and_working_tokens(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env["COLUMNS"] = "200"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongjian.cli.main", "demo", "--serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert (tmp_path / "gongjian-demo-plan.xlsx").is_file()
        tokens = re.findall(r"\bgj_[A-Za-z0-9_\-]{20,}", text)
        assert len(tokens) == 5, text
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        roles = []
        for token in tokens:
            me = httpx.get(base + "/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            roles.append(me.json()["role"])
        assert sorted(roles) == ["committee", "community", "unit", "unit", "viewer"]
        page = httpx.get(base + "/")
        assert page.status_code == 200 and "共建" in page.text
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        assert httpx.get(base + "/units", headers=auth).json()["total"] == 20
        # the plan the demo printed is the one the console lists (a finished job)
        printed = re.search(r"计划编号 plan id: (plan-[0-9a-f]+)", text)
        assert printed, text
        plans = httpx.get(base + "/plans", headers=auth).json()["items"]
        assert [p["id"] for p in plans] == [printed.group(1)]
        assert plans[0]["status"] == "done" and plans[0]["quarter"] == "2026Q4"
        # and staff sign in with the printed user names and password
        password = re.search(r"密码都是 (\S+?)；", text)
        assert password and "demo-c01" in text, text
        r = httpx.post(
            base + "/session", json={"username": "demo-c01", "password": password.group(1)}
        )
        assert r.status_code == 200 and r.json()["user"]["community_id"] == "c01", r.text
    finally:
        stop_process(proc, signal.SIGINT)  # as Ctrl-C in the terminal
