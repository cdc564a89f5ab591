"""Sub-district scoping (issue 17), both stores, one shared server per store.

Two fresh sub-districts A and B are built through the API by their own committees
(communities, units, needs of an unused quarter, a whistle each, a plan each). For every
list, metric, export and network route the matrix checks who sees which of these items:
committee A only A's, committee B only B's, the city role both (and, with
``?subdistrict=``, one). Another sub-district's entity is a 404 to read; a write across
sub-districts is a 403 and changes nothing (community outlines naming another's
communities, a channel for another's unit or community among them). Everything here uses fresh ids, fresh
sub-district codes and the quarter 2041Q2, so the module shares its server.

Length: ~680 lines, because one shared server per store serves the whole scoping
matrix (two sub-districts, their committees and the city); split, each part would
need its own sub-districts and servers.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from gongjian.core.errors import InvalidInputError
from gongjian.service.state import ServiceState
from tests.api.server import ApiServer

QUARTER = "2041Q2"


@dataclass
class Side:
    """One sub-district's committee token and the ids its committee created."""

    code: str
    token: str
    #: the committee user's id
    user: str = ""
    community: str = ""
    units: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    plan: str = ""
    #: need title → id (the ledger shows numbers and titles)
    titles: dict[str, str] = field(default_factory=dict)

    def ids(self) -> set[str]:
        return {self.community, *self.units, *self.needs, self.plan} - {""}


@dataclass
class World:
    api: ApiServer
    sides: dict[str, Side]
    city: str

    clients: dict[str, httpx.Client] = field(default_factory=dict)

    @contextlib.contextmanager
    def client(self, who: str) -> Iterator[httpx.Client]:
        """``who``'s client (A, B or city), opened once for the module."""
        if who not in self.clients:
            token = self.city if who == "city" else self.sides[who].token
            self.clients[who] = httpx.Client(
                base_url=self.api.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
        yield self.clients[who]

    def ours(self) -> set[str]:
        return set().union(*(s.ids() for s in self.sides.values()))


def _id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r


def _build(c: httpx.Client, side: Side, *, plan: bool) -> None:
    """A community, two units and two needs of ``QUARTER``, the first whistled, and with
    ``plan`` a plan job — none naming a sub-district: a committee's creations land in its own."""
    side.community = _id("csd")
    _ok(c.post("/communities", json={"id": side.community, "name": f"{side.code}社区"}), 201)
    for i in range(2):
        uid = _id("usd")
        body = {"id": uid, "name": f"{side.code}单位{i}", "type": "enterprise"}
        created = _ok(c.post("/units", json={**body, "community_id": side.community}), 201)
        assert created["subdistrict"] == side.code
        side.units.append(uid)
    for i in range(2):
        nid = _id("nsd")
        body = {"id": nid, "title": f"{side.code}诉求{i}", "category": "repair"}
        need = _ok(
            c.post("/needs", json={**body, "community_id": side.community, "quarter": QUARTER}),
            201,
        )
        assert need["subdistrict"] == side.code
        side.needs.append(nid)
        side.titles[body["title"]] = nid
    whistle = {"deadline": "2041-05-01T10:00:00", "units": side.units[:1]}
    _ok(c.post(f"/needs/{side.needs[0]}/whistle", json=whistle))
    if plan:  # one plan job only (a job costs a child process); B's list shows none of ours
        job = {"quarter": QUARTER, "time_limit": 1.0}
        side.plan = _ok(c.post("/plans", json=job), 202)["id"]


def _wait_done(c: httpx.Client, plan_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _ok(c.get(f"/plans/{plan_id}"))
        if job["status"] in ("done", "failed", "cancelled"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"plan {plan_id} did not finish")


@pytest.fixture(scope="module")
def world(api: ApiServer) -> Iterator[World]:
    tag = secrets.token_hex(3).upper()
    state = ServiceState(api.workdir / "service.sqlite")
    try:
        sides = {}
        for who, code in (("A", f"A{tag}"), ("B", f"B{tag}")):
            user, token = state.add_user(f"委员会{code}", "committee", subdistrict=code)
            sides[who] = Side(code, token, user.id)
        _user, city = state.add_user("区组织部", "city", subdistrict=f"A{tag}")
    finally:
        state.close()
    w = World(api, sides, city)
    for who, side in sides.items():
        with w.client(who) as c:
            _build(c, side, plan=who == "A")
    yield w
    for client in w.clients.values():
        client.close()


# --------------------------------------------------------------------------- the read matrix
def _all_ids(body: Any) -> set[str]:
    """Every string anywhere in a JSON body (ids among them)."""
    if isinstance(body, dict):
        return set().union(*(_all_ids(v) for v in body.values())) if body else set()
    if isinstance(body, list):
        return set().union(*(_all_ids(v) for v in body)) if body else set()
    return {body} if isinstance(body, str) else set()


def _ledger_ids(r: httpx.Response, w: World) -> set[str]:
    sheet = load_workbook(io.BytesIO(_ok(r).content), read_only=True).worksheets[0]
    cells = {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    titles = {t: i for s in w.sides.values() for t, i in s.titles.items()}
    return {titles[t] for t in cells & set(titles)}


def _network_json(r: httpx.Response, _w: World) -> set[str]:
    return {str(n.get("id", "")) for n in _ok(r)["nodes"]}


def _audit_sides(r: httpx.Response, w: World) -> set[str]:
    """The sides whose committee user wrote some of the entries (by their community)."""
    users = {e["user_id"] for e in _ok(r)["items"]}
    return {s.community for s in w.sides.values() if s.user in users}


def _pieces(body: Any) -> set[str]:
    """Every string of a body and its parts between ``:``, ``|`` and ``=`` (an outbox
    row's id names its need: ``whistle.summoned:<need>:v2``; a path ``#/needs?id=<need>``)."""
    return {p for text in _all_ids(body) for p in re.split(r"[:|=]", text)}


#: route → (request, what of it names our ids)
ROUTES: dict[str, tuple[Callable[[httpx.Client], httpx.Response], Callable[..., set[str]]]] = {
    "/needs": (lambda c: c.get("/needs", params={"quarter": QUARTER, "limit": 1000}), None),
    "/needs/ledger.xlsx": (
        lambda c: c.get("/needs/ledger.xlsx", params={"quarter": QUARTER}),
        _ledger_ids,
    ),
    "/whistles": (lambda c: c.get("/whistles", params={"limit": 1000}), None),
    "/units": (lambda c: c.get("/units", params={"limit": 1000}), None),
    "/communities": (lambda c: c.get("/communities", params={"limit": 1000}), None),
    "/metrics/units": (
        lambda c: c.get("/metrics/units", params={"quarter": QUARTER, "min_cases": 0}),
        None,
    ),
    "/metrics/communities": (
        lambda c: c.get("/metrics/communities", params={"quarter": QUARTER, "min_cases": 0}),
        None,
    ),
    "/metrics/fairness": (lambda c: c.get("/metrics/fairness", params={"quarter": QUARTER}), None),
    "/network/gaps": (lambda c: c.get("/network/gaps", params={"quarter": QUARTER}), None),
    "/network/central": (lambda c: c.get("/network/central", params={"limit": 1000}), None),
    "/network/export": (
        lambda c: c.get("/network/export", params={"format": "json"}),
        _network_json,
    ),
    "/plans": (lambda c: c.get("/plans", params={"quarter": QUARTER, "limit": 1000}), None),
    # the sub-districts' communities have no coordinates: they are listed as unplaced
    "/map": (lambda c: c.get("/map"), None),
    "/audit": (lambda c: c.get("/audit", params={"limit": 1000}), _audit_sides),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_shows_only_the_callers_sub_district(world: World, route: str) -> None:
    call, names = ROUTES[route]
    names = names or (lambda r, _w: _all_ids(_ok(r)))
    a, b = world.sides["A"], world.sides["B"]
    with world.client("A") as c:
        seen_a = names(call(c), world) & world.ours()
    with world.client("B") as c:
        seen_b = names(call(c), world) & world.ours()
    with world.client("city") as c:
        seen_city = names(call(c), world) & world.ours()
    assert seen_a and (seen_b or route == "/plans"), route  # each sees some of its own
    assert seen_a <= a.ids() and seen_b <= b.ids(), route
    assert seen_city == seen_a | seen_b, route


def test_counts_and_city_narrowing(world: World) -> None:
    """Totals count the caller's sub-district only; the city narrows with ?subdistrict=."""
    a = world.sides["A"]

    def figures(c: httpx.Client, **params: str) -> tuple[int, int, int, int]:
        needs = _ok(c.get("/needs", params={"quarter": QUARTER, **params}))["total"]
        summary = _ok(c.get("/metrics/summary", params={"quarter": QUARTER, **params}))
        quarters = _ok(c.get("/metrics/quarters", params=params))["items"]
        cases = next(g["cases"] for g in quarters if g["id"] == QUARTER)
        gaps = _ok(c.get("/network/gaps", params={"quarter": QUARTER, **params}))["open_needs"]
        return needs, summary["needs"], cases, gaps

    with world.client("A") as c:
        assert figures(c) == (2, 2, 2, 2)
        # a committee asking for another sub-district reads nothing of it
        assert _ok(c.get("/needs", params={"subdistrict": world.sides["B"].code}))["total"] == 0
    with world.client("city") as c:
        assert figures(c) == (4, 4, 4, 4)
        assert figures(c, subdistrict=a.code) == (2, 2, 2, 2)
        units = _ok(c.get("/metrics/units", params={"subdistrict": a.code, "min_cases": 0}))
        assert {g["id"] for g in units["items"]} == set(a.units)


def test_another_sub_districts_entities_are_not_found(world: World) -> None:
    a = world.sides["A"]
    with world.client("A") as c:  # solved meanwhile (the route matrix ran first)
        assert _wait_done(c, a.plan)["request"]["subdistrict"] == a.code
    reads = [
        f"/units/{a.units[0]}",
        f"/needs/{a.needs[0]}",
        f"/communities/{a.community}",
        f"/network/units/{a.units[0]}",
        f"/network/communities/{a.community}",
        f"/plans/{a.plan}",
        f"/plans/{a.plan}/explain",
        f"/needs/{a.needs[0]}/timeline",
        f"/plans/{a.plan}/export?format=csv",
    ]
    with world.client("B") as c:
        assert {p: c.get(p).status_code for p in reads} == dict.fromkeys(reads, 404)
        coverage = c.get("/network/coverage", params={"community_id": a.community})
        assert coverage.status_code == 404
        assert c.get(f"/needs/{a.needs[1]}/recommendations").status_code == 404
    with world.client("A") as c:
        assert c.get(f"/needs/{a.needs[1]}/recommendations").status_code == 200
    for who in ("A", "city"):
        with world.client(who) as c:
            assert {p: c.get(p).status_code for p in reads} == dict.fromkeys(reads, 200), who


# --------------------------------------------------------------------------- writes across scope
def test_cross_scope_writes_are_refused_and_change_nothing(world: World) -> None:
    a, b = world.sides["A"], world.sides["B"]
    with world.client("A") as c:
        unit = c.get(f"/units/{a.units[0]}")
        need = _ok(c.get(f"/needs/{a.needs[1]}"))
        before = (unit.json(), need, _ok(c.get(f"/plans/{a.plan}"))["published_at"])
    etag = {"If-Match": unit.headers["ETag"]}
    attempts = {
        "edit A's unit": lambda c: c.put(
            f"/units/{a.units[0]}", json={**before[0], "name": "乙改名"}, headers=etag
        ),
        "move A's unit to B": lambda c: c.put(
            f"/units/{a.units[0]}", json={**before[0], "subdistrict": b.code}, headers=etag
        ),
        "create in A": lambda c: c.post(
            "/units",
            json={
                "id": _id("usd"),
                "name": "越界",
                "type": "bank",
                "community_id": a.community,
                "subdistrict": a.code,
            },
        ),
        "unit in A's community": lambda c: c.post(
            "/units",
            json={"id": _id("usd"), "name": "越界", "type": "bank", "community_id": a.community},
        ),
        "delete A's need": lambda c: c.delete(f"/needs/{a.needs[1]}"),
        "whistle A's need": lambda c: c.post(
            f"/needs/{a.needs[1]}/whistle",
            json={"deadline": "2041-05-01T10:00:00", "units": b.units[:1]},
        ),
        "cancel A's need": lambda c: c.post(f"/needs/{a.needs[1]}/cancel", json={"reason": "越界"}),
        "dispatch A's need": lambda c: c.post(
            f"/needs/{a.needs[1]}/dispatch", json={"unit_id": a.units[1]}
        ),
        "plan A": lambda c: c.post(
            "/plans", json={"quarter": QUARTER, "time_limit": 1.0, "subdistrict": a.code}
        ),
        "publish A's plan": lambda c: c.post(f"/plans/{a.plan}/publish"),
        "user in A": lambda c: c.post(
            "/users", json={"name": "越界", "role": "committee", "subdistrict": a.code}
        ),
        "unit user of A's unit": lambda c: c.post(
            "/users", json={"name": "越界", "role": "unit", "unit_id": a.units[0]}
        ),
        "disable A's committee": lambda c: c.delete(f"/users/{a.user}"),
    }
    with world.client("B") as c:
        refused = {what: attempt(c) for what, attempt in attempts.items()}
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(attempts, 403)
    for r in refused.values():
        message = r.json()["error"]["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message  # Chinese
    with world.client("city") as c:  # the city reads everything, writes no registry data
        assert attempts["edit A's unit"](c).status_code == 403
    with world.client("A") as c:
        after = (
            _ok(c.get(f"/units/{a.units[0]}")),
            _ok(c.get(f"/needs/{a.needs[1]}")),
            _ok(c.get(f"/plans/{a.plan}"))["published_at"],
        )
        assert after == before
        listed = {j["id"] for j in _ok(c.get("/plans", params={"quarter": QUARTER}))["items"]}
        assert listed == {a.plan}  # B's refused plan of A was never queued


def test_a_committee_adds_users_of_its_own_sub_district(world: World) -> None:
    a = world.sides["A"]
    with world.client("A") as c:
        user = _ok(
            c.post(
                "/users", json={"name": "甲社区", "role": "community", "community_id": a.community}
            ),
            201,
        )["user"]
        assert user["subdistrict"] == a.code
        listed = {u["id"]: u["subdistrict"] for u in _ok(c.get("/users"))}
        assert user["id"] in listed and set(listed.values()) == {a.code}
        bad = c.post("/users", json={"name": "x", "role": "viewer", "subdistrict": "xc-1"})
        assert bad.status_code == 422, bad.text
    token = _ok(
        httpx.post(
            f"{world.api.base_url}/users",
            json={"name": "甲单位", "role": "unit", "unit_id": a.units[1]},
            headers={"Authorization": f"Bearer {world.sides['A'].token}"},
        ),
        201,
    )["token"]
    with httpx.Client(
        base_url=world.api.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as c:
        me = _ok(c.get("/me"))
        assert (me["subdistrict"], me["unit_id"]) == (a.code, a.units[1])
        needs = {n["id"] for n in _ok(c.get("/needs", params={"quarter": QUARTER}))["items"]}
        assert needs == set(a.needs)


# --------------------------------------------------------------------------- the users table
def test_users_table_migrates_old_rows_to_the_default_sub_district(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
        " unit_id TEXT, community_id TEXT, token_hash TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)"
    )
    conn.executemany(
        "INSERT INTO users VALUES (?, ?, ?, NULL, NULL, ?, '2026-01-01', 0)",
        [("u1", "老委员会", "committee", "h1"), ("u2", "老区", "city", "h2")],
    )
    conn.commit()
    conn.close()
    state = ServiceState(path)
    try:
        got = {u.id: u.subdistrict for u in state.users()}
        assert got == {"u1": "XC", "u2": None}
        stored = state._conn().execute("SELECT id, subdistrict FROM users ORDER BY id").fetchall()
        assert stored == [("u1", "XC"), ("u2", None)]
        user, _token = state.add_user("新", "viewer", subdistrict="yb2")
        assert user.subdistrict == "YB2"
        with pytest.raises(InvalidInputError, match="街道代码"):
            state.add_user("坏", "committee", subdistrict="街道")
    finally:
        state.close()


def test_cli_adds_users_of_a_sub_district(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from gongjian.cli.service import register

    # the users commands alone (the whole CLI imports the planner and more)
    app, users_app = typer.Typer(), typer.Typer()
    app.add_typer(users_app, name="users")
    register(app, users_app=users_app)
    env = {"GONGJIAN_STATE_DB": str(tmp_path / "service.sqlite"), "COLUMNS": "200"}
    runner = CliRunner()
    args = ["users", "add", "--role", "committee", "--name", "乙委员会", "--json"]
    ok = runner.invoke(app, [*args, "--subdistrict", "yb"], env=env)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["user"]["subdistrict"] == "YB"
    bad = runner.invoke(app, [*args, "--subdistrict", "乙"], env=env)
    assert bad.exit_code != 0 and "街道代码" in bad.output, bad.output
    assert "Traceback" not in bad.output


# --------------------------------------------------------------------------- committees' own lists
#: a committee's lists the city role has none of (no to-do, no outbox, no bell)
COMMITTEE_LISTS: dict[str, Callable[[httpx.Client], httpx.Response]] = {
    "/me/todo": lambda c: c.get("/me/todo", params={"limit": 500}),
    "/notifications/outbox": lambda c: c.get(
        "/notifications/outbox", params={"kind": "event", "limit": 500}
    ),
    "/me/notifications": lambda c: c.get("/me/notifications", params={"limit": 500}),
}


def test_a_committees_todo_outbox_bell_and_channels_are_its_sub_districts(world: World) -> None:
    a, b = world.sides["A"], world.sides["B"]
    for route, call in COMMITTEE_LISTS.items():
        seen = {}
        for who, side in (("A", a), ("B", b)):
            with world.client(who) as c:
                seen[who] = _pieces(_ok(call(c))) & world.ours()
            assert seen[who] and seen[who] <= side.ids(), (route, who, seen[who])
    # channels: each committee's own (the city manages none)
    made = {}
    for who in ("A", "B"):
        with world.client(who) as c:
            body = {"kind": "wecom", "url": "http://127.0.0.1:9/hook", "events": ["digest.daily"]}
            made[who] = _ok(c.post("/notifications/channels", json=body), 201)["id"]
    try:
        for who, other in (("A", "B"), ("B", "A")):
            with world.client(who) as c:
                listed = {ch["id"] for ch in _ok(c.get("/notifications/channels"))}
                assert made[who] in listed and made[other] not in listed, who
                # another sub-district's channel is not found to delete
                assert c.delete(f"/notifications/channels/{made[other]}").status_code == 404
    finally:
        for who, channel in made.items():
            with world.client(who) as c:
                assert c.delete(f"/notifications/channels/{channel}").status_code == 204


def test_commitments_read_and_write_within_the_sub_district(world: World) -> None:
    item = {"title": "联建活动", "joint_type": "joint_organization", "measure": "activities"}
    item |= {"target": 2, "due_month": 6}
    base = {who: f"/commitments/unit/{s.units[0]}/2041" for who, s in world.sides.items()}
    for who in ("A", "B"):
        with world.client(who) as c:
            r = c.put(base[who], json={"items": [item]}, headers={"If-Match": '"0"'})
            assert _ok(r)["version"] == 1
    paths = {who: [p, f"{p}/progress", f"{p}/report?format=xlsx"] for who, p in base.items()}
    with world.client("A") as c:
        assert {p: c.get(p).status_code for p in paths["A"]} == dict.fromkeys(paths["A"], 200)
        assert {p: c.get(p).status_code for p in paths["B"]} == dict.fromkeys(paths["B"], 404)
        refused = c.post(f"{base['B']}/items", json=item)
        assert refused.status_code == 403 and "街道" in refused.json()["error"]["message"]
    with world.client("city") as c:
        every = paths["A"] + paths["B"]
        assert {p: c.get(p).status_code for p in every} == dict.fromkeys(every, 200)
        assert _ok(c.get(base["B"]))["version"] == 1  # the refused add changed nothing


# --------------------------------------------------------------------------- needs' sub-district
def _csv(*rows: tuple[str, str, str]) -> dict[str, Any]:
    """An import file of rows (id, community, sub-district code or "")."""
    lines = ["id,title,category,community_id,quarter,subdistrict"]
    lines += [f"{i},导入诉求,repair,{community},{QUARTER},{code}" for i, community, code in rows]
    return {"file": ("needs.csv", "\n".join(lines).encode("utf-8"), "text/csv")}


def _absent(w: World, *ids: str) -> None:
    with w.client("city") as c:
        assert {i: c.get(f"/needs/{i}").status_code for i in ids} == dict.fromkeys(ids, 404)


def test_imports_and_needs_keep_their_communitys_sub_district(world: World) -> None:
    a, b = world.sides["A"], world.sides["B"]
    mine, theirs, wrong = _id("nim"), _id("nim"), _id("nim")
    with world.client("A") as c:
        # a row of B's community refuses the whole file: 403, nothing written
        r = c.post("/needs/import", files=_csv((mine, a.community, ""), (theirs, b.community, "")))
        assert r.status_code == 403, r.text
        assert "其他街道" in r.json()["error"]["message"]
        _absent(world, mine, theirs)
        # a sub-district code that contradicts the community's: 422, nothing written
        r = c.post(
            "/needs/import", files=_csv((mine, a.community, ""), (wrong, a.community, b.code))
        )
        assert r.status_code == 422, r.text
        errors = r.json()["error"]["report"]["errors"]
        assert [(e["row"], e["field"]) for e in errors] == [(3, "subdistrict")]
        _absent(world, mine, wrong)
        # create and edit with a contradicting sub-district: 422 in Chinese
        body = {"id": wrong, "title": "越界", "category": "repair", "quarter": QUARTER}
        r = c.post("/needs", json={**body, "community_id": b.community, "subdistrict": a.code})
        assert r.status_code == 422 and "不符" in r.json()["error"]["message"], r.text
        got = c.get(f"/needs/{a.needs[1]}")
        need, etag = _ok(got), got.headers["ETag"]
        moved = c.put(
            f"/needs/{a.needs[1]}",
            json={**need, "community_id": b.community},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 422 and "不符" in moved.json()["error"]["message"], moved.text
        assert _ok(c.get(f"/needs/{a.needs[1]}")) == need
    with world.client("B") as c:  # B's community of A's community's name
        twin = {"id": _id("csd"), "name": f"{a.code}社区"}
        _ok(c.post("/communities", json=twin), 201)
    with world.client("A") as c:
        # the committee's own rows are imported into its sub-district; a name two
        # sub-districts share is its own community's
        r = c.post("/needs/import", files=_csv((mine, f"{a.code}社区", a.code.lower())))
        assert _ok(r)["imported"] == 1
    _absent(world, wrong, theirs)
    with world.client("city") as c:
        got = _ok(c.get(f"/needs/{mine}"))
        assert (got["subdistrict"], got["community_id"]) == (a.code, a.community)
    with world.client("B") as c:
        assert c.get(f"/needs/{mine}").status_code == 404


# --------------------------------------------------------------------------- map outlines
def _outline_file(*features: tuple[dict[str, Any], float]) -> bytes:
    """A FeatureCollection of squares at ``lon`` 116 + offset, each naming a community by
    the properties given."""
    out = []
    for props, offset in features:
        lon, lat, d = 116.0 + offset, 39.8, 0.002
        ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
        out.append({"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": out}).encode()


def _put_outlines(c: httpx.Client, data: bytes, *, replace: bool = False) -> httpx.Response:
    etag = c.get("/map/outlines").headers["ETag"]
    headers = {"Content-Type": "application/geo+json", "If-Match": etag}
    params = {"replace": "true"} if replace else {}
    return c.put("/map/outlines", content=data, headers=headers, params=params)


def _outlines(c: httpx.Client) -> tuple[dict[str, Any], str]:
    r = c.get("/map/outlines")
    return {f["id"]: f["geometry"] for f in _ok(r)["features"]}, r.headers["ETag"]


def test_outlines_are_imported_within_the_sub_district(world: World) -> None:
    a, b = world.sides["A"], world.sides["B"]
    extra = _id("csd")  # a second community of A's, outlined, then replaced away
    with world.client("A") as c:
        _ok(c.post("/communities", json={"id": extra, "name": f"{a.code}二社区"}), 201)
        _ok(_put_outlines(c, _outline_file(({"id": a.community}, 0.1), ({"id": extra}, 0.2))))
    with world.client("B") as c:
        fc = _ok(_put_outlines(c, _outline_file(({"name": f"{b.code}社区"}, 0.3))))
        assert {f["id"] for f in fc["features"]} & world.ours() == {b.community}
    with world.client("city") as c:
        before, etag = _outlines(c)
    assert {a.community, extra, b.community} <= set(before)
    refused = {
        "B's community by id": _outline_file(
            ({"id": a.community}, 0.4), ({"id": b.community}, 0.5)
        ),
        "B's community by name": _outline_file(({"name": f"{b.code}社区"}, 0.5)),
        "replacing with B's": _outline_file(({"id": b.community}, 0.5)),
    }
    with world.client("A") as c:
        for what, data in refused.items():
            r = _put_outlines(c, data, replace=what.startswith("replacing"))
            assert r.status_code == 403, (what, r.text)
            message = r.json()["error"]["message"]
            assert "其他街道" in message and "nothing imported" in message, message
            assert f"{b.code}社区" in message or b.community in message, message
        # A reads its own outlines only
        assert set(_outlines(c)[0]) & (world.ours() | {extra}) == {a.community, extra}
    with world.client("city") as c:  # the city writes no registry data: 403 too
        r = _put_outlines(c, _outline_file(({"id": a.community}, 0.6)))
        assert r.status_code == 403, r.text
        assert _outlines(c) == (before, etag)  # nothing of the refused files was stored
    with world.client("A") as c:  # replace: A's own outlines only, B's stay
        fc = _ok(_put_outlines(c, _outline_file(({"id": a.community}, 0.7)), replace=True))
        assert {f["id"] for f in fc["features"]} & (world.ours() | {extra}) == {a.community}
    with world.client("city") as c:
        after, _etag = _outlines(c)
    assert extra not in after and after[b.community] == before[b.community]
    assert after[a.community] != before[a.community]
    assert {k: v for k, v in after.items() if k not in {a.community}} == {
        k: v for k, v in before.items() if k not in {a.community, extra}
    }


# --------------------------------------------------------------------------- channel owners
def _channel(owner: str | None = None) -> dict[str, Any]:
    body = {"kind": "wecom", "url": "http://127.0.0.1:9/hook", "events": ["*"]}
    return body if owner is None else {**body, "owner": owner}


def _channel_ids(c: httpx.Client) -> set[str]:
    return {ch["id"] for ch in _ok(c.get("/notifications/channels"))}


def test_a_channel_is_owned_within_the_sub_district(world: World) -> None:
    a, b = world.sides["A"], world.sides["B"]
    with world.client("A") as c:
        unit_token = _ok(
            c.post("/users", json={"name": "甲单位渠道", "role": "unit", "unit_id": a.units[0]}),
            201,
        )["token"]
    listed = {}
    for who in ("A", "B"):
        with world.client(who) as c:
            listed[who] = _channel_ids(c)
    with world.client("A") as c:
        for owner in (f"unit:{b.units[0]}", f"community:{b.community}"):
            r = c.post("/notifications/channels", json=_channel(owner))
            assert r.status_code == 403, (owner, r.text)
            assert "其他街道" in r.json()["error"]["message"], r.text
        r = c.post("/notifications/channels", json=_channel("unit:no-such-unit"))
        assert r.status_code == 404, r.text
    with world.client("city") as c:  # the city role manages no channels
        assert c.post("/notifications/channels", json=_channel()).status_code == 403
    with httpx.Client(
        base_url=world.api.base_url, headers={"Authorization": f"Bearer {unit_token}"}
    ) as u:
        r = u.post("/notifications/channels", json=_channel(f"unit:{a.units[1]}"))
        assert r.status_code == 403, r.text  # a unit: its own channels only
        r = u.post("/notifications/channels", json=_channel(f"unit:{b.units[0]}"))
        assert r.status_code == 403, r.text
        own = _ok(u.post("/notifications/channels", json=_channel()), 201)
        assert own["owner"] == f"unit:{a.units[0]}"
    for who in ("A", "B"):  # nothing refused was stored
        with world.client(who) as c:
            assert _channel_ids(c) - {own["id"]} == listed[who], who
    with world.client("A") as c:  # A's own unit and community: allowed, A's to list
        made = [
            _ok(c.post("/notifications/channels", json=_channel(owner)), 201)["id"]
            for owner in (f"unit:{a.units[1]}", f"community:{a.community}")
        ]
        assert {own["id"], *made} <= _channel_ids(c)
    with world.client("B") as c:
        assert not {own["id"], *made} & _channel_ids(c)
    with world.client("A") as c:
        for channel in (own["id"], *made):
            assert c.delete(f"/notifications/channels/{channel}").status_code == 204
