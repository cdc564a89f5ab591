"""The daily digest per sub-district (issue 17), on both stores.

Two sub-districts' needs in a real store and a real state file (users, channels); the
outbox worker's scan makes one digest per sub-district (its own figures and need
names) and the whole city's, once per day; its expansion hands each committee channel
its own sub-district's digest and overdue notices only (a channel whose creator was
disabled still its creator's sub-district's), none the city's digest; the committee's
outbox and bell and the city role's bell list what is theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from gongjian.core.settings import Settings
from gongjian.graph.model import Community, Need, Subdistrict
from gongjian.graph.store import GraphStore
from gongjian.service.auth.schemas import User
from gongjian.service.notifications import service
from gongjian.service.notifications.channel_store import Channel
from gongjian.service.notifications.scoping import scoped_outbox
from gongjian.service.notifications.worker import NotificationWorker
from gongjian.service.state import ServiceState

TODAY = date(2041, 5, 10)
DAY = TODAY.isoformat()
CITY_DIGEST = f"digest.daily:{DAY}"


@dataclass
class Digests:
    store: GraphStore
    state: ServiceState
    worker: NotificationWorker
    users: dict[str, User]
    #: committee channel ids by sub-district code ("XC": one of before the scopes;
    #: "SA-gone": of a committee user of SA since disabled)
    channels: dict[str, str]


def _need(nid: str, title: str, community: str, code: str, overdue: bool) -> Need:
    due = TODAY - timedelta(days=3) if overdue else None
    return Need(
        id=nid,
        title=title,
        category="repair",
        community_id=community,
        quarter="2041Q2",
        due=due,
        subdistrict=code,
    )


@pytest.fixture
def digests(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Digests]:
    monkeypatch.setenv("GONGJIAN_TODAY", DAY)
    store.upsert(Subdistrict(id="SA", name="甲街道"))
    store.upsert(Subdistrict(id="SB", name="乙街道"))
    store.upsert(Community(id="dca", name="甲社区", subdistrict="SA", subdistrict_id="SA"))
    store.upsert(Community(id="dcb", name="乙社区", subdistrict="SB", subdistrict_id="SB"))
    store.create(_need("dna1", "甲路灯不亮", "dca", "SA", overdue=True))
    store.create(_need("dna2", "甲楼道堆物", "dca", "SA", overdue=False))
    store.create(_need("dnb1", "乙井盖松动需要尽快修好以免伤人", "dcb", "SB", overdue=True))
    store.create(_need("dnb2", "乙水管漏水", "dcb", "SB", overdue=True))
    state = ServiceState(tmp_path / "state.sqlite")
    users = {
        "SA": state.add_user("甲委员会", "committee", subdistrict="SA")[0],
        "SB": state.add_user("乙委员会", "committee", subdistrict="SB")[0],
        "city": state.add_user("区组织部", "city")[0],
        "SA-gone": state.add_user("甲委员会（已离任）", "committee", subdistrict="SA")[0],
    }
    channels = {
        code: state.add_channel(
            Channel(
                id="-",
                kind="wecom",
                url="http://127.0.0.1:9/hook",
                events=["digest.daily", "need.overdue"],
                created_by=None if code == "XC" else users[code].id,
            )
        ).id
        for code in ("SA", "SB", "XC", "SA-gone")
    }
    state.disable_user(users["SA-gone"].id)
    worker = NotificationWorker(store, state, Settings(notify_digest_hour=0))
    try:
        yield Digests(store, state, worker, users, channels)
    finally:
        worker.stop(timeout=0)
        state.close()


def _digest_rows(store: GraphStore) -> dict[str, dict[str, object]]:
    rows = store.outbox_list(kind="event", limit=500)
    return {r.id: {"audience": r.audience, **r.payload} for r in rows if r.event == "digest.daily"}


def _label(store: GraphStore, nid: str, title: str) -> str:
    need = store.get(Need, nid)
    return f"{title}（{need.number or need.id}）"


def test_each_sub_district_gets_its_own_digest_once_a_day(digests: Digests) -> None:
    store = digests.store
    assert digests.worker.scan() > 0
    rows = _digest_rows(store)
    assert set(rows) == {f"digest.daily:SA:{DAY}", f"digest.daily:SB:{DAY}", CITY_DIGEST}
    a, b, city = rows[f"digest.daily:SA:{DAY}"], rows[f"digest.daily:SB:{DAY}"], rows[CITY_DIGEST]
    assert a["title"] == f"【每日汇总】甲街道 {DAY}" and city["title"] == f"【每日汇总】全区 {DAY}"
    assert a["audience"] == ["committee", "subdistrict:SA"] and city["audience"] == ["city"]
    assert a["lines"] == [
        f"超期交办单 1 件：{_label(store, 'dna1', '甲路灯不亮')}",
        "吹哨督办未报到 0 件：无",
        "待认领交办单 2 件",
    ]
    long_title = _label(store, "dnb1", "乙井盖松动需要尽快修好…")  # 12 characters at most
    assert b["lines"] == [
        f"超期交办单 2 件：{long_title}、{_label(store, 'dnb2', '乙水管漏水')}",
        "吹哨督办未报到 0 件：无",
        "待认领交办单 2 件",
    ]
    assert (
        city["lines"][0].startswith("超期交办单 3 件：") and city["lines"][2] == "待认领交办单 4 件"
    )
    # a second scan the same day adds nothing (ids per sub-district and day)
    assert digests.worker.scan() == 0
    assert _digest_rows(store) == rows


def test_committee_channels_and_lists_get_their_sub_districts_digest(digests: Digests) -> None:
    store, users = digests.store, digests.users
    digests.worker.scan()
    while digests.worker.expand():
        pass
    delivered: dict[str, set[str]] = {}
    for r in store.outbox_list(kind="delivery", limit=500):
        delivered.setdefault(str(r.channel_id), set()).add(r.id.split("|")[0])
    a = {f"digest.daily:SA:{DAY}", f"need.overdue:dna1:{DAY}"}
    b = {f"digest.daily:SB:{DAY}", f"need.overdue:dnb1:{DAY}", f"need.overdue:dnb2:{DAY}"}
    channels = digests.channels
    # the channel of before the scopes is XC's: nothing here; nobody's: the city's digest
    assert delivered == {channels["SA"]: a, channels["SA-gone"]: a, channels["SB"]: b}

    def digest_ids(rows: list[object]) -> set[str]:
        return {i for i in (getattr(r, "id", "") for r in rows) if i.startswith("digest.daily")}

    for code in ("SA", "SB"):
        user = users[code]
        scoped = scoped_outbox(store, user)
        outbox = service.outbox(store=scoped, user=user, status=None, kind="event", limit=500)
        bell = service.inbox(store=scoped, user=user, limit=500)
        assert digest_ids(outbox) == digest_ids(bell) == {f"digest.daily:{code}:{DAY}"}, code
    city_bell = service.inbox(
        store=scoped_outbox(store, users["city"]), user=users["city"], limit=50
    )
    assert digest_ids(city_bell) == {CITY_DIGEST}
    assert next(n for n in city_bell if n.id == CITY_DIGEST).title == f"【每日汇总】全区 {DAY}"
