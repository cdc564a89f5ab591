"""``GET /vocab``: the vocabularies with both labels, the weight defaults, the quarter.

The expected labels come from the domain's enums (``label_zh``), the defaults from the
planner's ``Weights``: the endpoint must serve those, never a copy that could drift.
The endpoint reads no store, so one embedded server is enough.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gongjian.core.clock import current_quarter
from gongjian.matching.problem import Weights
from gongjian.service.vocab.service import ENGLISH, vocab
from tests.api.server import USERS, ApiServer

#: every vocabulary the endpoint serves, by name: the domain's enum (one table, the service's)
VOCABS = {name: enum for name, (enum, _english) in ENGLISH.items()}


@pytest.mark.parametrize("who", sorted(USERS))
def test_every_role_reads_the_vocab(embedded_api: ApiServer, who: str) -> None:
    with embedded_api.client(who) as c:
        r = c.get("/vocab")
    assert r.status_code == 200, r.text
    assert set(r.json()) == {*VOCABS, "weights", "current_quarter"}


def test_no_token_no_vocab(embedded_api: ApiServer) -> None:
    with embedded_api.client(None) as c:
        assert c.get("/vocab").status_code == 401


def test_labels_are_the_domains(embedded_api: ApiServer) -> None:
    with embedded_api.client("viewer") as c:
        body = c.get("/vocab").json()
    for name, enum in VOCABS.items():
        terms = body[name]
        assert [t["value"] for t in terms] == [m.value for m in enum], name
        for t, member in zip(terms, enum, strict=True):
            assert t["zh"] == member.label_zh
            assert t["en"] and t["en"] != t["zh"], (name, t)
    labels = {t["value"]: (t["zh"], t["en"]) for t in body["resource_kinds"]}
    assert labels["medical"] == ("医疗义诊", "Medical")
    assert {t["value"]: t["zh"] for t in body["user_roles"]}["committee"] == "共建委员会"


def test_defaults_and_quarter(embedded_api: ApiServer) -> None:
    before = current_quarter()
    with embedded_api.client("unit:u01") as c:
        body = c.get("/vocab").json()
    assert body["weights"] == Weights().model_dump()
    assert body["weights"]["coverage"] == 20
    # a quarter may turn between the two readings of the clock
    assert body["current_quarter"] in {before, current_quarter()}


def test_quarter_is_beijing_time() -> None:
    # 2026-12-31 16:30 UTC is already 2027-01-01 in Beijing
    assert vocab(now=datetime(2026, 12, 31, 16, 30, tzinfo=UTC)).current_quarter == "2027Q1"
    assert vocab(now=datetime(2026, 12, 31, 15, 59, tzinfo=UTC)).current_quarter == "2026Q4"
