"""Bad input over HTTP: always a clear 4xx in the project's error shape, never a 500.

Oversized bodies, malformed and non-UTF-8 JSON, wrong types, Cypher-looking
strings; and a refused write leaves what was stored untouched.
"""

from __future__ import annotations

import uuid

from tests.api.server import ApiServer


def _error(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()["error"]
    assert body["code"] and body["message"]
    return body


def test_oversized_body_is_413(api: ApiServer) -> None:
    huge = b'{"id": "c-huge", "name": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    with api.client("committee", headers={"Content-Type": "application/json"}) as c:
        body = _error(c.post("/communities", content=huge), 413)
        assert body["code"] == "payload_too_large"
        assert "过大" in body["message"]
        assert c.get("/communities/c-huge").status_code == 404

    def chunks():  # no Content-Length: the limit is counted as the body streams in
        yield b'{"id": "c-huge2", "name": "'
        for _ in range(7):
            yield b"y" * (1024 * 1024)
        yield b'"}'

    with api.client("committee", headers={"Content-Type": "application/json"}) as c:
        r = c.post("/communities", content=chunks())
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    with api.client("committee") as c:
        assert c.get("/communities/c-huge2").status_code == 404


def test_malformed_and_non_utf8_json_are_422(api: ApiServer) -> None:
    with api.client("committee", headers={"Content-Type": "application/json"}) as c:
        body = _error(c.post("/communities", content=b'{"id": "c-x", "name": '), 422)
        assert "JSON" in body["errors"][0]["message"]
        for raw in (b'{"id": "c-x", "name": "\xff\xfe\xb0"}', b"\x89PNG\r\n\x1a\n\x00\x00"):
            r = c.post("/communities", content=raw)
            assert r.status_code in (400, 422), r.text
            assert "UTF-8" in r.json()["error"]["message"] or "JSON" in r.text
        assert c.get("/communities/c-x").status_code == 404


def test_wrong_types_name_the_field(api: ApiServer) -> None:
    with api.client("committee") as c:
        body = _error(
            c.post(
                "/units",
                json={"id": "u-typed", "name": "单位", "type": "bank", "community_id": "c01",
                      "capacity": "很多"},
            ),
            422,
        )  # fmt: skip
        assert any(e["field"] == "capacity" for e in body["errors"])
        body = _error(c.post("/units", json=["not", "an", "object"]), 422)
        _error(c.get("/units", params={"offset": -1}), 422)
        _error(c.get("/needs", params={"status": "whatever"}), 422)
        assert c.get("/units/u-typed").status_code == 404


def test_unknown_reference_is_refused_and_nothing_is_written(api: ApiServer) -> None:
    uid = f"u-{uuid.uuid4().hex[:8]}"
    with api.client("committee") as c:
        r = c.post(
            "/units", json={"id": uid, "name": "单位", "type": "bank", "community_id": "c-nowhere"}
        )
        assert r.status_code in (404, 422), r.text
        assert c.get(f"/units/{uid}").status_code == 404


def test_cypher_looking_text_is_stored_verbatim(api: ApiServer) -> None:
    cid = f"c-{uuid.uuid4().hex[:8]}"
    name = "x'}) MATCH (n) DETACH DELETE n //"
    with api.client("committee") as c:
        before = c.get("/units", params={"limit": 1}).json()["total"]
        assert c.post("/communities", json={"id": cid, "name": name}).status_code == 201
        assert c.get(f"/communities/{cid}").json()["name"] == name
        assert c.get("/units", params={"limit": 1}).json()["total"] == before
        r = c.get("/units", params={"community_id": "c01' OR 1=1 --"})
        assert r.status_code == 200 and r.json()["total"] == 0


def test_unknown_path_and_method(api: ApiServer) -> None:
    with api.client("committee") as c:
        assert _error(c.get("/no-such-thing"), 404)["code"] == "http_error"
        _error(c.patch("/units/u01", json={}), 405)
