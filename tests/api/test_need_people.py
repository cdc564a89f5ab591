"""Who and where of a work order (issue 13), over HTTP on both stores: the complainant's
name, phone and address in full for the committee and the raising community, masked for
everyone else in every answer and export; the photos of 办结 (kind by content, size and
count limits, generated names beside the database, served as what they are).

Every test creates its own orders (fresh ids) in c01 in a quarter no seed data uses, so
the module shares its servers with the other shared modules (``SHARED_MODULES``).
"""

from __future__ import annotations

import io
import re
import struct
import threading
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.attack import fresh_id, need_body
from tests.api.server import ApiServer

QUARTER = "2097Q3"  # no seed data: the seed's figures stay what the CSVs say
PERSON = {
    "complainant_name": "张三丰",
    "complainant_phone": "13812345678",
    "address": "幸福路12号3栋201室",
    "source": "hotline",
    "source_no": "12345-20261201-0007",
}
FULL = ("张三丰", "13812345678", "幸福路12号3栋201室")
MASKED = ("张**", "138****5678", "幸福路****")
#: who sees the complainant in full (the order is raised in c01)
SEES_ALL = {
    "committee": True,
    "community:c01": True,
    "unit:u01": False,
    "viewer": False,
    "community:c02": False,
}


def _person(body: dict[str, Any]) -> tuple[Any, Any, Any]:
    return body["complainant_name"], body["complainant_phone"], body["address"]


def _body() -> dict[str, Any]:
    return need_body("c01", fresh_id("ppl"), quarter=QUARTER, due="2026-12-20")


def _order(c: httpx.Client, **extra: Any) -> str:
    """A new open order in c01 with :data:`PERSON` (and ``extra``); its id."""
    body = {**_body(), **PERSON, **extra}
    r = c.post("/needs", json=body)
    assert r.status_code == 201, r.text
    return str(body["id"])


def _listed(c: httpx.Client, nid: str) -> dict[str, Any]:
    r = c.get("/needs", params={"community_id": "c01", "quarter": QUARTER, "limit": 1000})
    assert r.status_code == 200, r.text
    return next(n for n in r.json()["items"] if n["id"] == nid)


def test_who_sees_the_complainant_in_the_orders_answers(api: ApiServer) -> None:
    with api.client("committee") as admin:
        r = admin.post("/needs", json={**_body(), **PERSON})
        assert r.status_code == 201 and _person(r.json()) == FULL, r.text
        nid = r.json()["id"]
    for who, full in SEES_ALL.items():
        with api.client(who) as c:
            one = c.get(f"/needs/{nid}")
            assert one.status_code == 200, (who, one.text)
            # the list once for a reader who sees it all and one who does not
            listed = [_listed(c, nid)] if who in ("community:c01", "unit:u01") else []
            for body in (one.json(), *listed):
                assert _person(body) == (FULL if full else MASKED), (api.store_kind, who, body)
                assert body["source"] == "hotline" and body["source_no"] == PERSON["source_no"]
            if not full:
                assert "13812345678" not in one.text and "张三丰" not in one.text, who


def test_the_steps_answers_and_the_units_to_do_list_and_tasks_are_masked(api: ApiServer) -> None:
    nid = _claimed(api)  # by the committee for u01
    with api.client("unit:u01") as u01:
        r = u01.post(f"/needs/{nid}/start")
        assert r.status_code == 200, r.text
        assert _person(r.json()) == MASKED and "13812345678" not in r.text, r.json()
        todo = u01.get("/me/todo", params={"limit": 500})
        assert todo.status_code == 200 and "13812345678" not in todo.text, todo.text
        items = [i for s in todo.json()["sections"] for i in s["items"] if i["id"] == nid]
        assert items and all(i["address"] == MASKED[2] for i in items), items
        r = u01.get("/me/tasks.xlsx", params={"quarter": QUARTER})
        assert r.status_code == 200, r.text
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        assert "13812345678" not in repr(rows) and "张三丰" not in repr(rows)
        [row] = [[str(v) for v in x if v is not None] for x in rows if x[1] == nid]
        assert not [v for v in row if "12号" in v], row
        assert {MASKED[0], MASKED[1], MASKED[2]} <= set(row), row
    with api.client("committee") as admin:  # the committee's answer to a step is full
        r = admin.post(f"/needs/{nid}/resolve", json={"note": "已更换灯泡"})
        assert r.status_code == 200 and _person(r.json()) == FULL, r.text
    with api.client("community:c01") as c01:
        todo = c01.get("/me/todo", params={"limit": 500}).json()
        items = [i for s in todo["sections"] for i in s["items"] if i["id"] == nid]
        assert items and all(i["address"] == FULL[2] for i in items), items


def test_only_the_committee_and_the_raising_community_write_the_complainant(
    api: ApiServer,
) -> None:
    with api.client("committee") as admin:
        nid = _order(admin)
    for who in ("community:c02", "unit:u01", "viewer"):
        with api.client(who) as c, api.client("committee") as admin:
            got = admin.get(f"/needs/{nid}")
            body = {**got.json(), "complainant_phone": "13900000000"}
            r = c.put(f"/needs/{nid}", json=body, headers={"If-Match": got.headers["etag"]})
            assert r.status_code == 403, (who, r.status_code, r.text)
    with api.client("community:c01") as c01:
        got = c01.get(f"/needs/{nid}")
        body = {**got.json(), "complainant_phone": "139 0000 1111", "address": "幸福路14号"}
        r = c01.put(f"/needs/{nid}", json=body, headers={"If-Match": got.headers["etag"]})
        assert r.status_code == 200, r.text
    with api.client("committee") as admin:
        stored = admin.get(f"/needs/{nid}").json()
    assert (stored["complainant_phone"], stored["address"]) == ("139 0000 1111", "幸福路14号")
    with api.client("unit:u01") as u01:
        assert _person(u01.get(f"/needs/{nid}").json())[1:] == ("139****1111", "幸福路****")


def test_hostile_complainant_text_is_kept_as_text(api: ApiServer) -> None:
    hostile = {
        "complainant_name": "<img src=x onerror=alert(1)>",
        "address": "'\"}) MATCH (n) DETACH DELETE n //",
    }
    with api.client("committee") as admin:
        nid = _order(admin, **hostile)
        got = admin.get(f"/needs/{nid}").json()
        assert (got["complainant_name"], got["address"]) == tuple(hostile.values())
        assert admin.get("/communities/c01").status_code == 200  # nothing was deleted
    with api.client("unit:u01") as u01:
        got = u01.get(f"/needs/{nid}").json()
    assert got["complainant_name"] == "<**"
    assert got["address"].endswith("****") and "DELETE" not in got["address"]


# --------------------------------------------------------------------------- photos


def png(width: int = 2, height: int = 2, pad: int = 0) -> bytes:
    """A real PNG of ``width`` × ``height`` red pixels, ``pad`` bytes of comment after."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    if pad:
        out += chunk(b"tEXt", b"c\x00" + b"x" * pad)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


#: a JPEG's framing: SOI, a JFIF APP0 segment, the scan (its data), EOI
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    + b"image data"
    + b"\xff\xd9"
)
#: a WebP's framing: RIFF, WEBP, one VP8 chunk of ten bytes
WEBP = b"RIFF\x16\x00\x00\x00WEBPVP8 \x0a\x00\x00\x00" + b"0123456789"
SECRET = b"GPS 39.9042N 116.4074E"


def _upload(
    c: httpx.Client, nid: str, data: bytes, name: str = "photo.png", kind: str = "image/png"
) -> httpx.Response:
    return c.post(f"/needs/{nid}/photos", files={"file": (name, data, kind)})


def _photo_dir(api: ApiServer, nid: str) -> Path:
    return api.workdir / "service-photos" / nid


def _claimed(api: ApiServer) -> str:
    with api.client("committee") as admin:
        nid = _order(admin)
        r = admin.post(f"/needs/{nid}/claim", json={"unit_id": "u01", "override": True})
        assert r.status_code == 200, r.text
    return nid


def test_photos_are_kept_beside_the_database_and_served_as_what_they_are(api: ApiServer) -> None:
    nid = _claimed(api)
    image = png()
    with api.client("unit:u02") as u02:
        assert _upload(u02, nid, image).status_code == 403  # not the unit holding it
    with api.client("unit:u01") as u01:
        r = _upload(u01, nid, image, name="../../evil.png")
        assert r.status_code == 201, r.text
        [photo] = r.json()["items"]
        assert re.fullmatch(r"[0-9a-f]{32}\.png", photo["name"]), photo
        # what the client called it is never used
        files = sorted(p.name for p in _photo_dir(api, nid).iterdir())
        assert files == [photo["name"]]
        assert (_photo_dir(api, nid) / photo["name"]).read_bytes() == image
        for data, name, kind in (
            (
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                "a.svg",
                "image/svg+xml",
            ),
            (b"<!doctype html><script>alert(1)</script>", "a.png", "image/png"),
            (b"GIF89a" + b"\x00" * 20, "a.gif", "image/gif"),
        ):
            r = _upload(u01, nid, data, name, kind)
            assert r.status_code == 415, (name, r.status_code, r.text)
            assert "JPEG" in r.json()["error"]["message"]
        r = _upload(u01, nid, png(pad=6 * 1024 * 1024))
        assert r.status_code == 413, r.text
        assert sorted(p.name for p in _photo_dir(api, nid).iterdir()) == [photo["name"]]
    for who in ("viewer", "community:c02", "unit:u09"):
        with api.client(who) as c:
            listed = c.get(f"/needs/{nid}/photos")
            assert listed.status_code == 200 and listed.json()["items"] == [photo], listed.text
            r = c.get(photo["url"])
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "image/png"
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.content == image
    with api.client("viewer") as v:
        for name in ("0" * 32 + ".png", "..%2F..%2Fservice.sqlite", "%2e%2e"):
            assert v.get(f"/needs/{nid}/photos/{name}").status_code == 404, name
        assert _upload(v, nid, image).status_code == 403
    with api.client("committee") as admin:
        open_need = _order(admin)
        r = _upload(admin, open_need, image)
        assert r.status_code == 409 and "派单" in r.json()["error"]["message"], r.text


def test_at_most_six_photos_even_when_uploads_race(api: ApiServer) -> None:
    nid = _claimed(api)
    with api.client("unit:u01") as u01:
        for _ in range(5):
            assert _upload(u01, nid, png()).status_code == 201
    answers: list[int] = []
    barrier = threading.Barrier(3)

    def send() -> None:
        with api.client("unit:u01") as c:
            barrier.wait()
            answers.append(_upload(c, nid, png(3, 3)).status_code)

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201, 409, 409], answers
    with api.client("unit:u01") as u01:
        names = [p["name"] for p in u01.get(f"/needs/{nid}/photos").json()["items"]]
        r = _upload(u01, nid, png())
        assert r.status_code == 409 and "6" in r.json()["error"]["message"], r.text
    assert len(names) == 6
    assert sorted(p.name for p in _photo_dir(api, nid).iterdir()) == sorted(names)


@pytest.mark.parametrize("kind", ["jpg", "webp"])
def test_jpeg_and_webp_are_taken_by_their_first_bytes(api: ApiServer, kind: str) -> None:
    data = {"jpg": JPEG, "webp": WEBP}[kind]
    nid = _claimed(api)
    with api.client("committee") as admin:
        r = _upload(admin, nid, data, name="photo.bin", kind="application/octet-stream")
        assert r.status_code == 201, r.text
        photo = r.json()["items"][0]
        assert photo["name"].endswith(f".{kind}")
        got = admin.get(photo["url"])
    media = {"jpg": "image/jpeg", "webp": "image/webp"}[kind]
    assert got.headers["content-type"] == media and got.content == data


def test_where_a_photo_was_taken_is_dropped_and_a_damaged_one_refused(api: ApiServer) -> None:
    exif = b"Exif\x00\x00" + SECRET
    jpeg = JPEG[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + JPEG[2:]
    text = b"Location\x00" + SECRET
    image = png()
    at = image.index(b"IDAT") - 4
    tagged = image[:at] + struct.pack(">I", len(text)) + b"tEXt" + text + b"\x00" * 4 + image[at:]
    nid = _claimed(api)
    with api.client("unit:u01") as u01:
        for data, plain in ((jpeg, JPEG), (tagged, image)):
            r = _upload(u01, nid, data)
            assert r.status_code == 201, r.text
            got = u01.get(r.json()["items"][-1]["url"])
            assert SECRET not in got.content and got.content == plain
        r = _upload(u01, nid, image[: len(image) // 2])  # a truncated PNG
        assert r.status_code == 422 and "损坏" in r.json()["error"]["message"], r.text
    assert not [p for p in _photo_dir(api, nid).iterdir() if SECRET in p.read_bytes()]


def _sections(c: httpx.Client) -> dict[str, list[str]]:
    """The ids of each section of the user's to-do list."""
    todo = c.get("/me/todo", params={"limit": 500})
    assert todo.status_code == 200, todo.text
    return {s["key"]: [i["id"] for i in s["items"]] for s in todo.json()["sections"]}


def test_the_to_do_lists_follow_the_desks_steps(api: ApiServer) -> None:
    with api.client("committee") as admin:
        asked, returned, reopened = (_order(admin) for _ in range(3))
    with api.client("unit:u01") as u01, api.client("committee") as admin:
        for nid in (asked, returned, reopened):
            assert u01.post(f"/needs/{nid}/claim").status_code == 200
        r = u01.post(f"/needs/{asked}/extension", json={"due": "2027-01-15", "reason": "等零件"})
        assert r.status_code == 200 and _person(r.json()) == MASKED, r.text
        r = u01.post(f"/needs/{returned}/return", json={"reason": "不属于本单位职责"})
        assert r.status_code == 200 and _person(r.json()) == MASKED, r.text
        for step, body in (("start", None), ("resolve", {"note": "已修好"})):
            assert u01.post(f"/needs/{reopened}/{step}", json=body).status_code == 200
        with api.client("community:c01") as c01:
            r = c01.post(f"/needs/{reopened}/follow-up", json={"satisfaction": 1})
            assert r.status_code == 200 and r.json()["status"] == "in_progress", r.text
            assert _person(r.json()) == FULL

        committee, unit = _sections(admin), _sections(u01)
        assert asked in committee["extensions"]
        assert returned in committee["returned"] and returned not in committee["unclaimed"]
        assert reopened in unit["to_redo"] and reopened not in unit["to_resolve"]
        assert asked in unit["to_resolve"]

        r = admin.post(
            f"/needs/{asked}/supervise", json={"deadline": "2097-08-01T18:00:00", "note": "抓紧"}
        )
        assert r.status_code == 200, r.text
        unit = _sections(u01)
        assert asked in unit["supervised"] and asked not in unit["to_resolve"]
        r = admin.post(f"/needs/{asked}/extension/decide", json={"approve": True, "note": "同意"})
        assert r.status_code == 200 and r.json()["due"] == "2027-01-15", r.text
        assert asked not in _sections(admin)["extensions"]
