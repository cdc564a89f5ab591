"""Notifications over HTTP on both stores: channels, every event once, retries, dead rows.

A real service (uvicorn, the outbox worker inside it) sends to local stand-ins
for the WeCom, DingTalk and Feishu robots (they check shape and signatures) and
to a local SMTP server (aiosmtpd): see :mod:`tests.api.notify_receivers`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gongjian.service.notifications.channel_store import Channel
from gongjian.service.state import ServiceState
from tests.api.attack import post_need
from tests.api.notify_receivers import MailReceiver, Received, RobotReceiver
from tests.api.server import SEED_TODAY, ApiServer, start_api
from tests.api.test_plans import _fresh_quarter_data, post_plan, wait

#: short back-off, lease and scan period, so that retries and scans happen within a test
FAST_ENV = {
    "GONGJIAN_NOTIFY_WORKER": "true",
    "GONGJIAN_NOTIFY_POLL_SECONDS": "0.1",
    "GONGJIAN_NOTIFY_BACKOFF_SECONDS": "0.2",
    "GONGJIAN_NOTIFY_MAX_ATTEMPTS": "5",
    "GONGJIAN_NOTIFY_LEASE_SECONDS": "5",
    "GONGJIAN_NOTIFY_TIMEOUT_SECONDS": "3",
    "GONGJIAN_NOTIFY_SCAN_SECONDS": "0.5",
    "GONGJIAN_NOTIFY_DIGEST_HOUR": "0",
    "GONGJIAN_CONSOLE_URL": "https://gongjian.example.org/",
}


@pytest.fixture(scope="module")
def robots() -> Iterator[RobotReceiver]:
    r = RobotReceiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def mail() -> Iterator[MailReceiver]:
    m = MailReceiver()
    yield m
    m.close()


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def notify_api(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    robots: RobotReceiver,
    mail: MailReceiver,
) -> Iterator[ApiServer]:
    """A server with the committee's three channels (all events) set up before it starts,
    so that they hear the first scan's digest too."""
    neo4j = None
    if request.param == "neo4j":
        endpoint = request.getfixturevalue("neo4j_server")
        neo4j = (endpoint.uri, endpoint.user, endpoint.password)
    # the receivers outlive one store's server: what the previous one sent is forgotten
    mail.received.messages.clear()
    mail.received.duplicates.clear()
    robots.received.clear()
    workdir = tmp_path_factory.mktemp(f"notify-{request.param}")
    server = start_api(workdir, request.param, neo4j, start=False)
    server.env.update(FAST_ENV)
    tag = _tag()
    COMMITTEE.clear()
    COMMITTEE.update(
        {k: f"{k}-{tag}" for k in ("dingtalk", "feishu")}, email=f"office-{tag}@example.org"
    )
    robots.secrets[COMMITTEE["dingtalk"]] = "SECdingtalk-secret-0001"
    robots.secrets[COMMITTEE["feishu"]] = "feishu-secret-0002"
    channels = ServiceState(workdir / "service.sqlite")
    for kind, url, secret in (
        ("dingtalk", robots.url("dingtalk", COMMITTEE["dingtalk"]), "SECdingtalk-secret-0001"),
        ("feishu", robots.url("feishu", COMMITTEE["feishu"]), "feishu-secret-0002"),
        ("email", mail.url(COMMITTEE["email"]), None),
    ):
        channels.add_channel(Channel(id="-", kind=kind, url=url, secret=secret, events=["*"]))
    channels.close()
    server.start()
    yield server
    server.stop()


#: the receiver names of the committee's channels of the current server
COMMITTEE: dict[str, str] = {}


def _tag() -> str:
    return uuid.uuid4().hex[:8]


def until(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def channel(c: httpx.Client, **body: Any) -> dict[str, Any]:
    r = c.post("/notifications/channels", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def new_need(c: httpx.Client, **extra: Any) -> str:
    title = "楼道灯不亮 [点我](http://evil.example) **急**"
    return post_need(c, "c01", f"nt-{_tag()}", **{"title": title, **extra})


def keys_for(received: Received, event_id: str) -> list[str]:
    return [k for k in received.messages if k.startswith(event_id + "|")]


# --------------------------------------------------------------------------- channels
def test_channels_are_masked_scoped_and_checked(
    notify_api: ApiServer, robots: RobotReceiver
) -> None:
    secret = "SECd4f0a1b2c3e5f6a7b8c9d0a1b2"
    with (
        notify_api.client() as c,
        notify_api.client("unit:u01") as u01,
        notify_api.client("viewer") as v,
    ):
        url = robots.url("dingtalk", f"mask-{_tag()}") + "?access_token=abcdef0123456789"
        ch = channel(c, kind="dingtalk", url=url, secret=secret, events=["need.overdue"])
        assert ch["secret"] == "SEC…a1b2" and secret not in str(ch)
        assert "abcdef0123456789" not in ch["url"] and ch["owner"] == "committee"
        listed = c.get("/notifications/channels").json()
        assert secret not in str(listed) and any(x["id"] == ch["id"] for x in listed)
        # a unit manages its own channels only
        mine = channel(u01, kind="wecom", url=robots.url("wecom", "u01"), events=["*"])
        assert mine["owner"] == "unit:u01"
        r = u01.post(
            "/notifications/channels",
            json={
                "kind": "wecom",
                "url": robots.url("wecom", "x"),
                "events": ["*"],
                "owner": "unit:u02",
            },
        )
        assert r.status_code == 403, r.text
        assert [x["id"] for x in u01.get("/notifications/channels").json()] == [mine["id"]]
        assert u01.delete(f"/notifications/channels/{ch['id']}").status_code == 403
        assert v.get("/notifications/channels").status_code == 403
        assert u01.get("/notifications/outbox").status_code == 403
        # bad input: unknown event, a URL that is not a webhook, e-mail without a recipient
        for body in (
            {"kind": "wecom", "url": robots.url("wecom", "x"), "events": ["need.exploded"]},
            {"kind": "feishu", "url": "ftp://example.org/hook", "events": ["*"]},
            {"kind": "email", "url": "smtp://127.0.0.1:25/", "events": ["*"]},
        ):
            r = c.post("/notifications/channels", json=body)
            assert r.status_code == 422, r.text
            assert r.json()["error"]["message"]
        assert u01.delete(f"/notifications/channels/{mine['id']}").status_code == 204
        assert c.delete(f"/notifications/channels/{ch['id']}").status_code == 204


def test_test_message_reports_the_robots_answer(
    notify_api: ApiServer, robots: RobotReceiver
) -> None:
    name = f"test-{_tag()}"
    robots.secrets[name] = "feishu-secret"
    with notify_api.client() as c:
        good = channel(
            c,
            kind="feishu",
            url=robots.url("feishu", name),
            secret="feishu-secret",
            events=["need.dissatisfied"],
        )
        bad = channel(
            c,
            kind="feishu",
            url=robots.url("feishu", name),
            secret="wrong",
            events=["need.dissatisfied"],
        )
        r = c.post(f"/notifications/channels/{good['id']}/test")
        assert r.status_code == 200 and r.json() == {"ok": True, "error": None}, r.text
        r = c.post(f"/notifications/channels/{bad['id']}/test")
        assert r.json()["ok"] is False and "sign not match" in r.json()["error"]
        tests = [
            key
            for key, body in robots.received[name].messages.items()
            if body["content"]["post"]["zh_cn"]["title"] == "【测试】共建通知渠道"
        ]
        assert len(tests) == 1 and tests[0].startswith(f"test:{good['id']}:"), tests
        for ch in (good, bad):
            c.delete(f"/notifications/channels/{ch['id']}")


# --------------------------------------------------------------------------- every event once
def test_every_event_reaches_every_channel_once(
    notify_api: ApiServer, robots: RobotReceiver, mail: MailReceiver
) -> None:
    wecom = f"wecom-{_tag()}"
    with (
        notify_api.client() as c,
        notify_api.client("community:c01") as c01,
        notify_api.client("unit:u01") as u01c,
    ):
        # the committee's robots and mail hear everything (the fixture made them); u01's
        # own robot the events addressed to u01
        unit_channel = channel(
            c, kind="wecom", url=robots.url("wecom", wecom), events=["*"], owner="unit:u01"
        )
        # need.dispatched + need.dissatisfied (claim, start, resolve, follow-up 1/5)
        n1 = new_need(c)
        assert (
            c.post(f"/needs/{n1}/claim", json={"unit_id": "u01", "override": True}).status_code
            == 200
        )
        assert c.post(f"/needs/{n1}/start").status_code == 200
        assert c.post(f"/needs/{n1}/resolve", json={"note": "已修复"}).status_code == 200
        r = c01.post(f"/needs/{n1}/follow-up", json={"satisfaction": 1})
        assert r.status_code == 200, r.text
        # the desk's events (issue 13): need.claimable (created, returned),
        # need.extension_decided, need.supervised; need.reopened came with n1's 1/5
        n5 = new_need(c)
        assert u01c.post(f"/needs/{n5}/claim").status_code == 200
        due = "2099-06-30"
        r = u01c.post(f"/needs/{n5}/extension", json={"due": due, "reason": "等零件"})
        assert r.status_code == 200, r.text
        r = c.post(f"/needs/{n5}/extension/decide", json={"approve": True, "note": "同意"})
        assert r.status_code == 200, r.text
        decided = r.json()["version"]
        deadline = "2099-01-01T18:00:00"
        r = c.post(f"/needs/{n5}/supervise", json={"deadline": deadline, "note": "加快"})
        assert r.status_code == 200, r.text
        supervised = r.json()["version"]
        r = u01c.post(f"/needs/{n5}/return", json={"reason": "不在服务范围"})
        assert r.status_code == 200, r.text
        returned = r.json()["version"]
        # need.claimable of an imported order (written in the import's transaction)
        n6 = f"nt-{_tag()}"
        rows = ["编号 id,标题 title,类别 category,社区 community_id,季度 quarter",
                f"{n6},导入的楼道灯,repair,c01,2026Q4"]  # fmt: skip
        r = c.post("/needs/import", files={"file": ("n.csv", "\n".join(rows).encode())})
        assert r.status_code == 200 and r.json()["new"] == 1, r.text
        # whistle.summoned
        n2 = new_need(c)
        r = c.post(
            f"/needs/{n2}/whistle", json={"deadline": "2099-01-01T18:00:00", "units": ["u01"]}
        )
        assert r.status_code == 200, r.text
        # need.due_soon (due today) and need.overdue (due yesterday), claimed by u01
        # (created due later, claimed, then made due: a scan between the create and the
        # claim would address the reminder to an order nobody holds yet)
        n3 = new_need(c, due="2099-01-01")
        n4 = new_need(c, due="2099-01-01")
        for n, due in ((n3, SEED_TODAY), (n4, "2026-11-20")):
            assert (
                c.post(f"/needs/{n}/claim", json={"unit_id": "u01", "override": True}).status_code
                == 200
            )
            r = c.get(f"/needs/{n}")
            body = {k: v for k, v in r.json().items() if k != "version"} | {"due": due}
            r = c.put(f"/needs/{n}", json=body, headers={"If-Match": r.headers["etag"]})
            assert r.status_code == 200, r.text
        # plan.published: a fresh quarter, planned and published
        quarter = "2027Q3"
        _fresh_quarter_data(c, quarter, "2027-08-04")
        job = wait(c, post_plan(c, quarter=quarter)["id"])
        assert job["status"] == "done", job
        assert c.post(f"/plans/{job['id']}/publish").status_code == 200
        units = sorted({a["unit"] for a in job["plan"]["assignments"]})

    expected = {
        f"need.dispatched:{n1}:v2",
        f"need.dissatisfied:{n1}:v5",
        f"need.reopened:{n1}:v5",
        f"need.claimable:{n5}:v1",
        f"need.extension_decided:{n5}:v{decided}",
        f"need.supervised:{n5}:v{supervised}",
        f"need.claimable:{n5}:v{returned}",
        f"need.claimable:{n6}:v1",
        f"whistle.summoned:{n2}:v2",
        f"need.due_soon:{n3}:{SEED_TODAY}",
        f"need.overdue:{n4}:{SEED_TODAY}",
        f"digest.daily:XC:{SEED_TODAY}",  # the seeded sub-district's digest
        *(f"plan.published:{job['id']}:{u}" for u in units),
    }
    committee = [
        robots.received[COMMITTEE["dingtalk"]],
        robots.received[COMMITTEE["feishu"]],
        mail.received,
    ]

    def arrived() -> bool:
        return all(keys_for(r, e) for r in committee for e in expected)

    until("every event on every committee channel", arrived, timeout=90)
    for received in committee:
        for event_id in expected:
            assert len(keys_for(received, event_id)) == 1, (event_id, list(received.messages))
        # the whole city's digest is the city role's (its bell), not the committee's
        assert not keys_for(received, f"digest.daily:{SEED_TODAY}")
    # the unit's robot: the events addressed to u01 (not the digest, not others' plans)
    u01 = robots.received[wecom]
    mine = {
        f"need.dispatched:{n1}:v2",
        f"need.reopened:{n1}:v5",
        f"need.extension_decided:{n5}:v{decided}",
        f"need.supervised:{n5}:v{supervised}",
        f"whistle.summoned:{n2}:v2",
        f"need.due_soon:{n3}:{SEED_TODAY}",
    }
    until("u01's events on its robot", lambda: all(keys_for(u01, e) for e in mine))
    assert not keys_for(u01, f"digest.daily:XC:{SEED_TODAY}")
    # nobody got anything twice, and nothing was refused (shapes and signatures held)
    for received in [*committee, u01]:
        assert not received.duplicates and not received.refused, (
            received.duplicates,
            received.refused,
        )
    # one message of each channel as the receiver saw it (the test output shows them)
    dispatched = f"need.dispatched:{n1}:v2"
    for name, received in [
        ("dingtalk", committee[0]),
        ("feishu", committee[1]),
        ("email", mail.received),
        ("wecom", u01),
    ]:
        (key,) = keys_for(received, dispatched)
        print(f"[{name}] {key}: {received.messages[key]}")
    text = str(u01.messages[keys_for(u01, dispatched)[0]])
    assert "https://gongjian.example.org/#/needs?id=" + n1 in text
    assert "](http://evil" not in text  # the title's markdown is neutralised
    # the bell: u01 sees its dispatch, u02 does not
    with notify_api.client("unit:u01") as u, notify_api.client("unit:u02") as u2:
        assert dispatched in [x["id"] for x in u.get("/me/notifications").json()]
        assert dispatched not in [x["id"] for x in u2.get("/me/notifications").json()]
    with notify_api.client() as c:
        c.delete(f"/notifications/channels/{unit_channel['id']}")


# --------------------------------------------------------------------------- retries, dead rows
def _delivery(c: httpx.Client, event_id: str) -> dict[str, Any] | None:
    rows = c.get("/notifications/outbox", params={"kind": "delivery", "limit": 500}).json()
    return next((r for r in rows if r["id"].startswith(event_id + "|")), None)


def _dispatch_to(
    c: httpx.Client, robots: RobotReceiver, name: str, status: str
) -> tuple[str, str, dict[str, Any]]:
    """u09's wecom channel to receiver ``name``, a need dispatched to u09: (channel id, event
    id, the delivery row once it has ``status``). Nothing else here is dispatched to u09, so
    the receiver hears of this need only."""
    ch = channel(
        c,
        kind="wecom",
        url=robots.url("wecom", name),
        events=["need.dispatched"],
        owner="unit:u09",
    )
    n = new_need(c)
    r = c.post(f"/needs/{n}/claim", json={"unit_id": "u09", "override": True})
    assert r.status_code == 200, r.text
    event_id = f"need.dispatched:{n}:v2"
    row = until(
        f"the delivery {status}",
        lambda: (d := _delivery(c, event_id)) and d["status"] == status and d,
    )
    return ch["id"], event_id, row


def test_three_failures_then_success_arrives_once(
    notify_api: ApiServer, robots: RobotReceiver
) -> None:
    name = f"flaky-{_tag()}"
    robots.fail_first[name] = 3
    with notify_api.client() as c:
        ch, event_id, row = _dispatch_to(c, robots, name, "sent")
        assert row["attempts"] == 4 and "HTTP 500" in row["last_error"]
        got = robots.received[name]
        assert got.requests == 4 and list(got.messages) == [f"{event_id}|{ch}"]
        assert not got.duplicates
        print(f"flaky receiver: {got.requests} requests, 3 refused, delivered once")
        c.delete(f"/notifications/channels/{ch}")


def test_dead_channel_ends_dead_with_its_error_and_can_be_retried(
    notify_api: ApiServer, robots: RobotReceiver
) -> None:
    name = f"dead-{_tag()}"
    robots.always_fail.add(name)
    with notify_api.client() as c:
        ch, event_id, row = _dispatch_to(c, robots, name, "dead")
        assert (
            row["attempts"] == 5 and "HTTP 500" in row["last_error"] and "boom" in row["last_error"]
        )
        dead = c.get("/notifications/outbox", params={"status": "dead"}).json()
        assert row["id"] in [d["id"] for d in dead]
        assert c.get("/notifications/outbox", params={"status": "nope"}).status_code == 422
        # the robot is fixed; the committee retries: delivered once
        robots.always_fail.discard(name)
        r = c.post(f"/notifications/outbox/{row['id']}/retry")
        assert r.status_code == 200 and r.json()["status"] == "pending", r.text
        until("the retried delivery sent", lambda: _delivery(c, event_id)["status"] == "sent")
        assert list(robots.received[name].messages) == [row["id"]]
        assert c.post(f"/notifications/outbox/{row['id']}/retry").status_code == 409
        c.delete(f"/notifications/channels/{ch}")
