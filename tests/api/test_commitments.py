"""清单制 over HTTP, both stores: commitments round-trip (list, add, remove, version
guard, races), per-role rights, the year-end report's figures equal what ``GET
/metrics`` says for the same unit/community and year, hostile titles stay text in
the xlsx and the PDF.

It shares the session's servers (``SHARED_MODULES``): what it writes goes to fresh
units and communities, to a year no seed data uses, or to lists (documents) only."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.server import ApiServer

YEAR = 2026


def _item(title: str = "组织联建活动", **kw: Any) -> dict[str, Any]:
    return {
        "title": title,
        "joint_type": "joint_organization",
        "measure": "activities",
        "target": 4,
        "due_month": 12,
        **kw,
    }


def _fresh_unit(c: Any) -> str:
    uid = f"u-k-{uuid.uuid4().hex[:6]}"
    body = {"id": uid, "name": "清单单位", "type": "bank", "community_id": "c01"}
    assert c.post("/units", json=body).status_code == 201
    return uid


def test_a_list_round_trips(api: ApiServer) -> None:
    with api.client("committee") as c:
        uid = _fresh_unit(c)
        base = f"/commitments/unit/{uid}/{YEAR}"
        r = c.get(base)
        assert r.status_code == 200 and r.json()["items"] == [] and r.headers["etag"] == '"0"'
        assert r.json()["owner_name"] == "清单单位"
        items = [
            _item("=1+1 <script>alert(1)</script>"),
            _item("办结群众诉求", measure="orders_resolved", target=20, due_month=6, note="半年"),
        ]
        r = c.put(base, json={"items": items}, headers={"If-Match": '"0"'})
        assert r.status_code == 200, r.text
        got = r.json()
        assert [i["id"] for i in got["items"]] == ["k1", "k2"] and r.headers["etag"] == '"1"'
        assert got["items"][0]["title"] == "=1+1 <script>alert(1)</script>"
        assert got["items"][1]["note"] == "半年"
        # stale and missing guards; create never overwrites a list it did not read
        assert c.put(base, json={"items": []}, headers={"If-Match": '"0"'}).status_code == 412
        assert c.put(base, json={"items": []}).status_code == 428
        r = c.post(base + "/items", json=_item("党员积分", measure="member_points", target=500))
        assert r.status_code == 201 and r.json()["id"] == "k3"
        assert c.delete(base + "/items/k1").status_code == 204
        assert c.delete(base + "/items/k1").status_code == 404
        stored = c.get(base).json()
        assert [i["id"] for i in stored["items"]] == ["k2", "k3"] and stored["version"] == 3
        # an edit keeps the ids; a new item after a removal never reuses one
        edit = [{**stored["items"][0], "target": 25}, _item("新增")]
        r = c.put(base, json={"items": edit}, headers={"If-Match": '"3"'})
        assert [(i["id"], i["target"]) for i in r.json()["items"]] == [("k2", 25), ("k4", 4)]
        # 年中查清单: June is past on the servers' today, and nothing was resolved
        prog = {i["item"]["id"]: i for i in c.get(base + "/progress").json()["items"]}
        assert (prog["k2"]["actual"], prog["k2"]["status"]) == (0, "overdue")
        assert prog["k4"]["status"] == "in_progress"
        # another year is another list
        assert c.get(f"/commitments/unit/{uid}/{YEAR + 1}").json()["items"] == []

        bad = [
            _item(target=0),
            _item(measure="satisfaction", target=150),
            _item(joint_type="nonsense"),
            _item(due_month=13),
            _item(title=""),
            _item(title="a\x00b"),
            {**_item(), "extra": 1},
        ]
        for body in bad:
            r = c.post(base + "/items", json=body)
            assert r.status_code == 422, (body, r.text)
        assert c.get(f"/commitments/unit/nobody/{YEAR}").status_code == 404
        assert c.get(f"/commitments/unit/{uid}/1999").status_code == 422
        assert c.get(f"/commitments/team/{uid}/{YEAR}").status_code == 422


def test_racing_adds_are_all_kept(api: ApiServer) -> None:
    with api.client("committee") as c:
        uid = _fresh_unit(c)
    base = f"/commitments/unit/{uid}/{YEAR}"

    def add(n: int) -> int:
        with api.client("committee") as c:
            return c.post(base + "/items", json=_item(f"事项{n}")).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(add, range(4)))
    assert codes == [201] * 4
    with api.client("viewer") as c:
        items = c.get(base).json()["items"]
    assert sorted(i["title"] for i in items) == [f"事项{n}" for n in range(4)]
    assert len({i["id"] for i in items}) == 4


@pytest.mark.parametrize(
    ("who", "path", "allowed"),
    [
        ("unit:u01", "unit/u01", True),
        ("unit:u01", "unit/u02", False),
        ("unit:u01", "community/c03", False),
        ("community:c01", "community/c01", True),
        ("community:c01", "community/c02", False),
        ("community:c01", "unit/u01", False),
        ("viewer", "unit/u01", False),
        ("committee", "community/c02", True),
    ],
)
def test_rights_per_role(api: ApiServer, who: str, path: str, allowed: bool) -> None:
    base = f"/commitments/{path}/{YEAR - 1}"
    with api.client(who) as c:
        before = c.get(base)
        assert before.status_code == 200  # every role reads
        r = c.post(base + "/items", json=_item())
        assert r.status_code == (201 if allowed else 403), r.text
        if not allowed:
            assert r.json()["error"]["code"] == "forbidden"
            assert c.get(base).json() == before.json()
            assert "无权" in r.json()["error"]["message"]


# --------------------------------------------------------------------------- figures


def _metrics_of_unit(c: Any, uid: str, year: int) -> dict[str, Any]:
    out = {"resolved": 0, "claimed": 0, "satisfied": 0, "rated": 0, "activities": 0}
    for q in (f"{year}Q{k}" for k in range(1, 5)):
        row = next(
            i
            for i in c.get("/metrics/units", params={"quarter": q, "min_cases": 0}).json()["items"]
            if i["id"] == uid
        )
        out["resolved"] += row["resolution_rate"]["numerator"]
        out["claimed"] += row["resolution_rate"]["denominator"]
        out["satisfied"] += row["satisfaction_rate"]["numerator"]
        out["rated"] += row["satisfaction_rate"]["denominator"]
        loads = c.get("/metrics/fairness", params={"quarter": q}).json()["loads"]
        out["activities"] += next(x for x in loads if x["unit_id"] == uid)["activities"]
    out["points"] = c.get("/metrics/members", params={"unit_id": uid}).json()["total_points"]
    return out


def _metrics_of_community(c: Any, cid: str, year: int) -> dict[str, Any]:
    out = {"resolved": 0, "claimed": 0, "satisfied": 0, "rated": 0}
    for q in (f"{year}Q{k}" for k in range(1, 5)):
        row = next(
            i
            for i in c.get("/metrics/communities", params={"quarter": q, "min_cases": 0}).json()[
                "items"
            ]
            if i["id"] == cid
        )
        out["resolved"] += row["resolution_rate"]["numerator"]
        out["claimed"] += row["resolution_rate"]["denominator"]
        out["satisfied"] += row["satisfaction_rate"]["numerator"]
        out["rated"] += row["satisfaction_rate"]["denominator"]
    out["points"] = c.get("/metrics/members", params={"community_id": cid}).json()["total_points"]
    return out


def _xlsx_figures(data: bytes) -> dict[str, Any]:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data))["述清单"]
    rows = {r[0].value: r[3].value for r in ws.iter_rows(min_row=5, max_row=12)}
    return rows


def _resolved_need(c: Any, uid: str, cid: str, quarter: str, satisfaction: int) -> None:
    nid = f"n-k-{uuid.uuid4().hex[:8]}"
    body = {"id": nid, "title": "楼道照明", "category": "repair", "community_id": cid}
    assert c.post("/needs", json={**body, "quarter": quarter}).status_code == 201
    for step, payload in (
        ("claim", {"unit_id": uid}),
        ("start", {}),
        ("resolve", {"note": "已修复"}),
        ("follow-up", {"satisfaction": satisfaction}),
    ):
        r = c.post(f"/needs/{nid}/{step}", json=payload)
        assert r.status_code == 200, (step, r.text)


def _assert_unit_report(c: Any, uid: str, year: int) -> dict[str, Any]:
    """The unit's progress figures and xlsx/PDF report against GET /metrics; the progress."""
    m = _metrics_of_unit(c, uid, year)
    base = f"/commitments/unit/{uid}/{year}"
    progress = c.get(base + "/progress").json()
    f = progress["figures"]
    assert (f["orders_resolved"], f["orders_claimed"]) == (m["resolved"], m["claimed"])
    assert (f["satisfied"], f["rated"]) == (m["satisfied"], m["rated"])
    assert (f["activities"], f["member_points"]) == (m["activities"], m["points"])
    xlsx = c.get(base + "/report", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats"
    )
    cells = _xlsx_figures(xlsx.content)
    assert cells["办结交办单（件）"] == str(m["resolved"])
    assert cells["认领交办单（件）"] == str(m["claimed"])
    assert cells["党员积分（分，截至制表日）"] == str(m["points"])
    assert cells["参与活动（场）"].startswith(f"{m['activities']}（")
    assert cells["满意率（满意 / 已评价）"].endswith(f"（{m['satisfied']} / {m['rated']}）")
    return progress | {"metrics": m}


def test_the_year_end_report_equals_the_metrics(api: ApiServer) -> None:
    """A seed unit and community in the seed's year (read only), and a fresh unit whose
    year's work is made here (a year no other data uses)."""
    tag = uuid.uuid4().hex[:6]
    cid, uid, later = f"c-k-{tag}", f"u-k-{tag}", YEAR + 5
    with api.client("committee") as c:
        seed = _assert_unit_report(c, "u01", YEAR)
        assert seed["metrics"]["activities"] + seed["metrics"]["resolved"] > 0
        cm = _metrics_of_community(c, "c01", YEAR)
        cf = c.get(f"/commitments/community/c01/{YEAR}/progress").json()["figures"]
        assert (cf["orders_resolved"], cf["orders_claimed"]) == (cm["resolved"], cm["claimed"])
        assert (cf["satisfied"], cf["rated"], cf["member_points"]) == (
            cm["satisfied"],
            cm["rated"],
            cm["points"],
        )
        cxlsx = c.get(f"/commitments/community/c01/{YEAR}/report").content
        assert _xlsx_figures(cxlsx)["办结交办单（件）"] == str(cm["resolved"])

        body = {"id": cid, "name": "清单社区", "subdistrict_id": "xingcheng"}
        assert c.post("/communities", json=body).status_code == 201
        unit = {"id": uid, "name": "清单单位", "type": "bank", "community_id": cid}
        assert c.post("/units", json=unit).status_code == 201
        _resolved_need(c, uid, cid, f"{later}Q2", 5)
        _resolved_need(c, uid, cid, f"{later}Q3", 3)
        base = f"/commitments/unit/{uid}/{later}"
        items = [
            _item("办结诉求", measure="orders_resolved", target=2, due_month=12),
            _item("群众满意", measure="satisfaction", target=90, due_month=12),
            _item("党员积分", measure="member_points", target=100, due_month=6),
        ]
        assert c.put(base, json={"items": items}, headers={"If-Match": '"0"'}).status_code == 200
        fresh = _assert_unit_report(c, uid, later)
        pdf = c.get(base + "/report", params={"format": "pdf"})
    m = fresh["metrics"]
    # (no party member is added: the shared servers' member totals stay the seed's)
    assert (m["resolved"], m["satisfied"], m["rated"], m["points"]) == (2, 1, 2, 0)
    by_id = {i["item"]["id"]: i for i in fresh["items"]}
    assert (by_id["k1"]["actual"], by_id["k1"]["status"]) == (2, "done")
    assert (by_id["k2"]["actual"], by_id["k2"]["status"]) == (50.0, "in_progress")
    assert (by_id["k3"]["actual"], by_id["k3"]["share"]) == (0, 0.0)
    assert seed["metrics"]["points"] > 0  # the seed unit's members' points were compared

    import pypdfium2 as pdfium

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    doc = pdfium.PdfDocument(pdf.content)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    doc.close()
    compact = text.replace(" ", "")
    assert "星城" in compact and "述清单" in compact and "办结诉求" in compact


def test_hostile_titles_are_text_in_the_reports(api: ApiServer) -> None:
    from openpyxl import load_workbook

    hostile = ['=HYPERLINK("http://x","点我")', "+1+1", "@SUM(A1)", "<b>粗</b>"]
    with api.client("committee") as c:
        uid = _fresh_unit(c)
        base = f"/commitments/unit/{uid}/{YEAR}"
        items = [_item(t) for t in hostile]
        assert c.put(base, json={"items": items}, headers={"If-Match": '"0"'}).status_code == 200
        with api.client("unit:u01") as other:  # any role downloads
            assert other.get(base + "/report").status_code == 200
        data = c.get(base + "/report", params={"format": "xlsx"}).content
        pdf = c.get(base + "/report", params={"format": "pdf"}).content
    ws = load_workbook(io.BytesIO(data))["述清单"]
    titles = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                titles[cell.value] = cell
    for t in hostile[:3]:
        assert "'" + t in titles, t  # neutralised, shown as typed
    assert "<b>粗</b>" in titles
    assert not [c for c in titles if c.startswith(("=", "+", "@"))]
    # dates as dates, landscape, fit to width, print titles
    made = ws.cell(row=2, column=10)
    assert made.is_date and made.value.year == YEAR
    dues = [r[7] for r in ws.iter_rows() if r[1].value in {"'" + hostile[0], hostile[3]}]
    assert len(dues) == 2 and all(d.is_date and d.value.month == 12 for d in dues)
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    text = doc[0].get_textpage().get_text_range()
    doc.close()
    assert "<b>粗</b>" in text.replace(" ", "")
