"""``gongjian bench api``: requests/s and latency of the HTTP service under load.

A fresh embedded store in a temporary folder is seeded with the 星城 network, a
committee user is added to a fresh state file, and ``gongjian serve`` itself (the
production command, in a child process) serves them on a free loopback port; `wrk <https://github.com/wg/wrk>`_ (Debian package
``wrk``) drives it with ``--connections`` keep-alive connections for ``--duration``
seconds per endpoint, after a short warm-up:

* ``GET /units/{id}`` — one unit's record (round robin over the 20 units);
* ``PUT /units/{id}/resources`` — a unit's whole declared set (``If-Match: *``),
  each one a durable SQLite transaction (``synchronous=FULL``).

One JSON line per endpoint: requests/s, p50/p90/p99/max latency in ms, errors and
non-2xx answers. wrk's own Lua ``done`` hook reports the figures (it keeps every
latency, not a sample).

``gongjian bench plan-job`` times a plan as the console sees it: the seeds
generator's network (district size by default) in a fresh embedded store,
``gongjian serve``, one ``POST /plans``, then ``GET /plans/{id}`` every 0.1 s until
the job is done. One JSON line: seconds from the POST to the first bound and the
first objective shown, to the final plan, the plan's figures and the series'
length.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from gongjian.cli.common import err_console, print_json_line, stop_process

__all__ = ["register"]

UNITS = [f"u{i:02d}" for i in range(1, 21)]

_LUA = r"""
local token = "__TOKEN__"
local method = "__METHOD__"
local units = {__UNITS__}
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  n = offset or 0
end

function request()
  n = n + 1
  local unit = units[(n % #units) + 1]
  local headers = {["Authorization"] = "Bearer " .. token}
  if method == "GET" then
    return wrk.format("GET", "/units/" .. unit, headers)
  end
  headers["Content-Type"] = "application/json"
  headers["If-Match"] = "*"
  local body = string.format(
    '[{"id":"%s-bench-1","kind":"volunteer","name":"压测志愿服务","capacity":%d},' ..
    '{"id":"%s-bench-2","kind":"library","name":"压测图书室","capacity":3}]',
    unit, n % 50, unit)
  return wrk.format("PUT", "/units/" .. unit .. "/resources", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "GONGJIAN_JSON {\"requests\": %d, \"duration_us\": %d, \"errors\": %d, \"non2xx\": %d, " ..
    "\"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"mean_us\": %.1f}\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def _lua(tmp: Path, method: str, token: str) -> Path:
    script = (
        _LUA.replace("__TOKEN__", token)
        .replace("__METHOD__", method)
        .replace("__UNITS__", ", ".join(f'"{u}"' for u in UNITS))
    )
    path = tmp / f"{method.lower()}.lua"
    path.write_text(script, encoding="utf-8")
    return path


def _wrk(
    wrk: str, url: str, script: Path, *, connections: int, threads: int, seconds: float
) -> dict[str, Any]:
    cmd = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={script}",
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("GONGJIAN_JSON "):
            return dict(json.loads(line.removeprefix("GONGJIAN_JSON ")))
    raise RuntimeError(f"wrk gave no figures (exit {out.returncode}): {out.stderr or out.stdout}")


def _figures(endpoint: str, raw: dict[str, Any], connections: int, workers: int) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    return {
        "bench": "api",
        "endpoint": endpoint,
        "store": "embedded",
        "connections": connections,
        "server_workers": workers,
        "seconds": round(seconds, 2),
        "requests": raw["requests"],
        "requests_per_second": round(raw["requests"] / seconds, 1) if seconds else None,
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["errors"],
        "non_2xx": raw["non2xx"],
    }


def _server_rss_mb(pid: int) -> float | None:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return round(sum(p.memory_info().rss for p in procs) / 2**20, 1)
    except psutil.Error:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(workdir: Path, network: Any = None) -> tuple[dict[str, str], str]:
    """Seed a fresh embedded store (``network``, default 星城) and state file in ``workdir``:
    the server's env and a committee token."""
    from gongjian.graph.embedded import EmbeddedStore
    from gongjian.seeds.network import load_network
    from gongjian.seeds.xingcheng import load_xingcheng
    from gongjian.service.state import ServiceState, UserRole

    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGJIAN_")}
    env.update(
        GONGJIAN_STORE="embedded",
        GONGJIAN_DB=str(workdir / "graph.sqlite"),
        GONGJIAN_STATE_DB=str(workdir / "service.sqlite"),
        PYTHONUNBUFFERED="1",
    )
    store = EmbeddedStore(workdir / "graph.sqlite")
    try:
        store.migrate()
        load_network(store, network if network is not None else load_xingcheng())
    finally:
        store.close()
    state = ServiceState(workdir / "service.sqlite")
    try:
        _user, token = state.add_user("压测 bench", UserRole.committee)
    finally:
        state.close()
    return env, token


def _serve(
    workdir: Path, env: dict[str, str], port: int, workers: int, timeout: float = 90.0
) -> subprocess.Popen[bytes]:
    """``gongjian serve`` on ``port``, once ``/health`` answers."""
    log_path = workdir / "serve.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "gongjian.cli.main", "serve", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--log-level", "warning",
            ],
            env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2.0).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError(
        f"gongjian serve did not start: {log_path.read_text(errors='replace')[-3000:]}"
    )


def _time_plan_job(base_url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST one plan and poll it to the end: what the console shows, and when."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0) as c:
        t0 = time.monotonic()
        r = c.post("/plans", json=body)
        r.raise_for_status()
        posted = time.monotonic() - t0
        job_id = r.json()["id"]
        first: dict[str, float] = {}
        while True:
            job = c.get(f"/plans/{job_id}").json()
            now = time.monotonic() - t0
            p = job.get("progress") or {}
            if p.get("stage") == "compiled" or p.get("series"):
                first.setdefault("compiled", now)
            for key in ("bound", "objective"):
                if p.get(key) is not None:
                    first.setdefault(key, now)
            if job["status"] not in ("queued", "running"):
                break
            if now > 10 * float(body["time_limit"]) + 300:
                raise RuntimeError(f"plan job {job_id} did not finish: {job['status']}")
            time.sleep(0.1)
    plan = job.get("plan") or {}
    series = (job.get("progress") or {}).get("series") or []
    return {
        "status": job["status"],
        "post_seconds": round(posted, 3),
        "compiled_seconds": round(first["compiled"], 2) if "compiled" in first else None,
        "first_bound_seconds": round(first["bound"], 2) if "bound" in first else None,
        "first_objective_seconds": round(first["objective"], 2) if "objective" in first else None,
        "final_seconds": round(now, 2),
        "plan_status": plan.get("status"),
        "engine": plan.get("engine"),
        "objective": plan.get("objective"),
        "bound": plan.get("bound"),
        "gap": plan.get("gap"),
        "solve_seconds": plan.get("seconds"),
        "points": len(series),
        "series": series,
    }


def register(bench_app: typer.Typer) -> None:
    """Add ``bench api`` and ``bench plan-job`` to ``bench_app``."""

    @bench_app.command("plan-job")
    def bench_plan_job(
        units: Annotated[int, typer.Option("--units", min=1)] = 2000,
        needs: Annotated[int, typer.Option("--needs", min=0)] = 20000,
        activities: Annotated[int, typer.Option("--activities", min=0)] = 800,
        seed: Annotated[int, typer.Option("--seed")] = 1,
        time_limit: Annotated[float, typer.Option("--time-limit", min=1, max=600)] = 20.0,
    ) -> None:
        """计划任务计时 Time one plan job through the service (POST → final plan; JSON line)."""
        from gongjian.matching.examples import EXAMPLE_QUARTER, planning_day
        from gongjian.seeds.synthetic import generate

        with tempfile.TemporaryDirectory(prefix="gongjian-bench-plan-") as tmp_name:
            workdir = Path(tmp_name)
            t0 = time.monotonic()
            network = generate(
                units=units, needs=needs, activities=activities, seed=seed, quarter=EXAMPLE_QUARTER
            )
            env, token = _prepare(workdir, network)
            # the day the benchmarks plan on (the quarter's activities all ahead)
            env["GONGJIAN_TODAY"] = planning_day(EXAMPLE_QUARTER).isoformat()
            seeded = time.monotonic() - t0
            port = _free_port()
            server = _serve(workdir, env, port, 1)
            time.sleep(4.0)  # as a user opens the page first: the solver child is ready
            try:
                body = {"quarter": EXAMPLE_QUARTER, "time_limit": time_limit, "seed": seed}
                line = _time_plan_job(f"http://127.0.0.1:{port}", token, body)
            finally:
                stop_process(server)
        print_json_line(
            {
                "bench": "plan-job",
                "problem": f"district-{units}u-{needs}n-{activities}a-s{seed}",
                "time_limit": time_limit,
                "store_seconds": round(seeded, 1),
                **line,
            }
        )

    @bench_app.command("api")
    def bench_api(
        duration: Annotated[
            float, typer.Option(help="每个接口压测秒数 seconds per endpoint", min=1, max=600)
        ] = 10.0,
        connections: Annotated[int, typer.Option(help="并发连接 connections", min=1)] = 64,
        threads: Annotated[int, typer.Option(help="wrk 线程 load threads", min=1)] = 1,
        workers: Annotated[
            int, typer.Option(help="uvicorn 进程数 server workers", min=1, max=16)
        ] = 1,
        warmup: Annotated[float, typer.Option(help="预热秒数 warm-up seconds", min=0)] = 2.0,
    ) -> None:
        """接口压测 Load-test GET /units/{id} and PUT /units/{id}/resources (JSON lines)."""
        wrk = shutil.which("wrk")
        if wrk is None:
            err_console.print(
                "[bold red]错误 (error):[/] 需要 wrk 压测工具 (wrk is required): "
                "apt-get install wrk",
                highlight=False,
            )
            raise typer.Exit(2)
        with tempfile.TemporaryDirectory(prefix="gongjian-bench-api-") as tmp_name:
            tmp = Path(tmp_name)
            workdir = tmp / "server"
            workdir.mkdir()
            env, token = _prepare(workdir)
            port = _free_port()
            base_url = f"http://127.0.0.1:{port}"
            server = _serve(workdir, env, port, workers)
            try:
                for method, endpoint in (
                    ("GET", "GET /units/{id}"),
                    ("PUT", "PUT /units/{id}/resources"),
                ):
                    script = _lua(tmp, method, token)
                    if warmup:
                        _wrk(
                            wrk,
                            base_url,
                            script,
                            connections=connections,
                            threads=threads,
                            seconds=warmup,
                        )
                    time.sleep(0.2)
                    raw = _wrk(
                        wrk,
                        base_url,
                        script,
                        connections=connections,
                        threads=threads,
                        seconds=duration,
                    )
                    line = _figures(endpoint, raw, connections, workers)
                    line["server_rss_mb"] = _server_rss_mb(server.pid)
                    print_json_line(line)
            finally:
                stop_process(server)
