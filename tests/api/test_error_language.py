"""Errors speak Chinese (with English in brackets): pydantic's English never reaches a
user on its own. Many kinds of bad request over HTTP, on the embedded store (the
messages come from the service's validation, whatever the store)."""

from __future__ import annotations

import re

import pytest

from tests.api.server import ApiServer

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# pydantic's own phrasings, which must be translated
PYDANTIC = re.compile(r"Input should|Field required|String should|List should|Value error,")

BAD_NEEDS = [
    ({"priority": 9}, "应不大于 5"),
    ({"priority": 0}, "应不小于 1"),
    ({"priority": "high"}, "应为整数"),
    ({"effort": 2.5}, "应为整数"),
    ({"title": "x" * 300}, "最多"),
    ({"due": "明天"}, "应为日期"),
    ({"category": "nonsense"}, "应为以下之一"),
    ({"whistle": "maybe"}, "true 或 false"),
    ({"colour": "red"}, "不认识的字段"),
    ({"quarter": "2026Q9"}, "季度"),
]


@pytest.mark.parametrize(("change", "expected"), BAD_NEEDS)
def test_request_errors_are_in_chinese(
    embedded_api: ApiServer, change: dict, expected: str
) -> None:
    body = {
        "id": "n-lang",
        "title": "楼道灯不亮",
        "category": "repair",
        "community_id": "c01",
        "quarter": "2026Q4",
        **change,
    }
    with embedded_api.client("committee") as c:
        r = c.post("/needs", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    texts = [error["message"], *(e["message"] for e in error.get("errors", []))]
    assert any(expected in t for t in texts), texts
    for t in texts:
        assert CHINESE.search(t), t
        assert not PYDANTIC.search(t), t


def test_missing_fields_and_query_errors_are_in_chinese(embedded_api: ApiServer) -> None:
    with embedded_api.client("committee") as c:
        r = c.post("/needs", json={"id": "n-lang2"})
        assert r.status_code == 422
        fields = {e["field"]: e["message"] for e in r.json()["error"]["errors"]}
        assert fields["title"] == "必填 (required)"
        r = c.get("/needs", params={"limit": -1})
        assert r.status_code == 422
        assert "应不小于" in r.json()["error"]["message"]
        assert not PYDANTIC.search(r.text)


@pytest.mark.parametrize(("change", "expected"), [BAD_NEEDS[0], BAD_NEEDS[2], BAD_NEEDS[8]])
def test_accept_language_en_gives_the_messages_in_english(
    embedded_api: ApiServer, change: dict, expected: str
) -> None:
    body = {"id": "n-lang-en", "title": "楼道灯不亮", "category": "repair", **change}
    english = {
        "应不大于 5": "must be at most 5",
        "应为整数": "must be an integer",
        "不认识的字段": "unknown field",
    }[expected]
    with embedded_api.client("committee") as c:
        zh = c.post("/needs", json=body).json()["error"]
        en = c.post("/needs", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"}).json()[
            "error"
        ]
        # a browser preferring Chinese, and no header at all, get Chinese
        zh2 = c.post("/needs", json=body, headers={"Accept-Language": "zh-CN,en;q=0.8"}).json()
    assert zh["message"] == zh2["error"]["message"] and CHINESE.search(zh["message"])
    assert en["message"].startswith("invalid request")
    texts = [en["message"], *(e["message"] for e in en["errors"])]
    assert any(english in t for t in texts), texts
    for t in texts:
        assert not CHINESE.search(t), t
        assert not PYDANTIC.search(t), t


def test_project_and_http_errors_follow_accept_language(embedded_api: ApiServer) -> None:
    en = {"Accept-Language": "en"}
    with embedded_api.client("committee") as c:
        zh = c.get("/needs/n-nope-lang").json()["error"]["message"]
        assert "不存在" in zh
        assert c.get("/needs/n-nope-lang", headers=en).json()["error"]["message"] == (
            "Need 'n-nope-lang' not found"
        )
        assert c.get("/no-such-path", headers=en).json()["error"]["message"] == "no such path"
        assert "没有这个地址" in c.get("/no-such-path").json()["error"]["message"]
