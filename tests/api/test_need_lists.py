"""The work-order list for daily use and its ledger, over HTTP on both stores.

``GET /needs``: keyword search (number, title, address, source number, id), sorting,
filters, server-side paging with ``X-Total-Count``; hostile keywords are plain text.
``GET /needs/ledger.xlsx``: exactly the filtered list (every page), Chinese headers,
dates as dates, formulas neutralised, printable page setup. ``GET /units?q=``.

The module's needs live in a quarter of their own (``QUARTER``), so the seed's needs
never mix in; they are created once per store by the committee with the fields each
sort needs (status, due, priority, created time).
"""

from __future__ import annotations

import io
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.api.server import ApiServer

QUARTER = "2033Q2"
MARK = uuid.uuid4().hex[:6]

#: (title, status, claimed_by, due, priority) of the module's needs
ROWS: list[tuple[str, str, str | None, str | None, int]] = [
    (f"Road 路面破损 {MARK}", "open", None, "2033-05-20", 3),
    (f"路灯不亮 {MARK}", "claimed", "u01", "2033-04-10", 5),
    (f"下水道堵塞 {MARK}", "in_progress", "u02", None, 2),
    (f"暖气不热 {MARK}", "resolved", "u01", "2033-04-01", 4),
    (f"=1+1 公式 {MARK}", "cancelled", None, "2033-06-30", 1),
    (f"100%_达标 {MARK}", "open", None, "2033-04-15", 5),
    (f"老人体检 {MARK}", "followed_up", "u02", "2033-05-01", 3),
]


def _created(i: int) -> str:
    return (datetime(2033, 4, 1, 8, tzinfo=UTC) + timedelta(hours=i)).isoformat()


@pytest.fixture(scope="module")
def needs(api: ApiServer) -> list[dict[str, Any]]:
    """The module's needs as the server stored them."""
    out = []
    with api.client("committee") as c:
        for i, (title, status, unit, due, priority) in enumerate(ROWS):
            body: dict[str, Any] = {
                "id": f"nl-{MARK}-{i}",
                "title": title,
                "category": "repair",
                "community_id": "c01" if i % 2 == 0 else "c02",
                "quarter": QUARTER,
                "status": status,
                "claimed_by": unit,
                "due": due,
                "priority": priority,
                "created_at": _created(i),
            }
            if status == "followed_up":
                body["satisfaction"] = 4
            if i == 2:
                body |= {"address": "幸福路12号3栋201室", "source": "hotline"}
                body |= {"source_no": f"HX{MARK}-0042".upper()}
            if i == 3:
                body |= {"complainant_name": "张三丰", "complainant_phone": "13812345678"}
            r = c.post("/needs", json=body)
            assert r.status_code == 201, r.text
            out.append(r.json())
    return out


def _list(c: httpx.Client, **params: Any) -> tuple[list[dict[str, Any]], int]:
    r = c.get("/needs", params={"quarter": QUARTER, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["X-Total-Count"] == str(body["total"])
    return body["items"], body["total"]


def _titles(items: list[dict[str, Any]]) -> list[str]:
    return [n["title"] for n in items]


# --------------------------------------------------------------------------- search
def test_search_by_title_id_address_source_any_case(
    api: ApiServer, needs: list[dict[str, Any]]
) -> None:
    with api.client("committee") as c:
        items, _ = _list(c, q="幸福路12号")  # the address (门牌)
        assert _titles(items) == [ROWS[2][0]]
        items, _ = _list(c, q=f"hx{MARK}-0042")  # the source number, any case
        assert _titles(items) == [ROWS[2][0]]
    with api.client("viewer") as c:
        items, total = _list(c, q="road")
        assert total == 1 and _titles(items) == [ROWS[0][0]]
        items, total = _list(c, q="  ROAD  ")  # trimmed, any case
        assert total == 1
        items, total = _list(c, q="路灯")
        assert _titles(items) == [ROWS[1][0]]
        items, total = _list(c, q=f"nl-{MARK}-3")  # the id
        assert [n["id"] for n in items] == [f"nl-{MARK}-3"]
        items, total = _list(c, q=MARK)
        assert total == len(ROWS)
        # the keyword combines with the filters
        items, total = _list(c, q=MARK, status="open")
        assert sorted(_titles(items)) == sorted([ROWS[0][0], ROWS[5][0]])
        items, total = _list(c, q=MARK, community_id="c02")
        assert total == 3


@pytest.mark.parametrize(
    ("hostile", "matches"),
    [
        ("'\") OR 1=1 //", []),
        ("' OR '1'='1", []),
        ("%", [5]),  # the one title holding a % (never "any text")
        ("_", [5]),
        ("\\", []),
        ("(]*", []),
    ],
)
def test_hostile_keywords_are_plain_text(
    api: ApiServer, needs: list[dict[str, Any]], hostile: str, matches: list[int]
) -> None:
    with api.client("viewer") as c:
        items, total = _list(c, q=hostile)
        assert _titles(items) == [ROWS[i][0] for i in matches] and total == len(matches)
        r = c.get("/units", params={"q": hostile})
        assert r.status_code == 200 and r.json()["total"] == 0


def test_like_metacharacters_match_only_themselves(
    api: ApiServer, needs: list[dict[str, Any]]
) -> None:
    with api.client("viewer") as c:
        items, _ = _list(c, q="%_")
        assert _titles(items) == [ROWS[5][0]]
        items, _ = _list(c, q="=1+1")
        assert _titles(items) == [ROWS[4][0]]


def test_bad_query_parameters_are_422_in_chinese(api: ApiServer) -> None:
    with api.client("viewer") as c:
        for params in (
            {"sort": "title"},
            {"order": "up"},
            {"page_size": 201},
            {"page": 0},
            {"q": "x" * 101},
            {"page": 2, "offset": 10},
        ):
            r = c.get("/needs", params=params)
            assert r.status_code == 422, (params, r.text)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"]["message"])


# --------------------------------------------------------------------------- sorting
def _key_due(n: dict[str, Any]) -> tuple[Any, ...]:
    return (n["due"] is None, n["due"] or "")


def test_default_order_is_unfinished_first_by_due(
    api: ApiServer, needs: list[dict[str, Any]]
) -> None:
    with api.client("viewer") as c:
        items, _ = _list(c)
    unfinished = {"open", "claimed", "in_progress"}
    expected = sorted(
        needs,
        key=lambda n: (n["status"] not in unfinished, *_key_due(n), -n["priority"], n["id"]),
    )
    assert [n["id"] for n in items] == [n["id"] for n in expected]
    assert items[0]["status"] in unfinished and items[-1]["status"] not in unfinished


RANK = ["open", "claimed", "in_progress", "resolved", "followed_up", "cancelled"]


@pytest.mark.parametrize(
    ("sort", "order", "key"),
    [
        ("due", "asc", lambda n: (*_key_due(n), n["id"])),
        ("priority", "desc", lambda n: (-n["priority"], *_key_due(n), n["id"])),
        ("created", "desc", lambda n: n["created_at"]),
        ("status", "asc", lambda n: (RANK.index(n["status"]), *_key_due(n), n["id"])),
        ("number", "desc", lambda n: n.get("number") or n["id"]),
    ],
)
def test_each_sort_both_ways(
    api: ApiServer, needs: list[dict[str, Any]], sort: str, order: str, key: Any
) -> None:
    with api.client("viewer") as c:
        natural, _ = _list(c, sort=sort)
        explicit, _ = _list(c, sort=sort, order=order)
        other, _ = _list(c, sort=sort, order="desc" if order == "asc" else "asc")
    ids = [n["id"] for n in natural]
    assert ids == [n["id"] for n in explicit]  # each key's natural order
    if sort in ("created", "number"):  # keys without ties: the reverse is exact
        expected = sorted(needs, key=key, reverse=True)
        assert ids == [n["id"] for n in expected]
        assert [n["id"] for n in other] == ids[::-1]
    else:
        assert ids == [n["id"] for n in sorted(needs, key=key)]
        if sort == "due":  # no due date stays last either way
            assert natural[-1]["due"] is None and other[-1]["due"] is None
            assert [n["due"] for n in other[:-1]] == sorted(
                [n["due"] for n in natural[:-1]], reverse=True
            )


# --------------------------------------------------------------------------- paging
def test_pages_and_totals(api: ApiServer, needs: list[dict[str, Any]]) -> None:
    with api.client("viewer") as c:
        everything, total = _list(c, sort="created")
        assert total == len(ROWS)
        pages = [_list(c, sort="created", page=p, page_size=3) for p in (1, 2, 3, 4)]
        assert [len(items) for items, _ in pages] == [3, 3, 1, 0]
        assert all(t == len(ROWS) for _, t in pages)
        assert [n["id"] for items, _ in pages for n in items] == [n["id"] for n in everything]
        # the older offset / limit still work
        items, total = _list(c, sort="created", offset=2, limit=2)
        assert [n["id"] for n in items] == [n["id"] for n in everything[2:4]]
        r = c.get("/needs", params={"quarter": QUARTER, "page": 2, "page_size": 3})
        assert r.json()["offset"] == 3 and r.json()["limit"] == 3


# --------------------------------------------------------------------------- units
def test_units_keyword_search(api: ApiServer) -> None:
    with api.client("viewer") as c:
        everything = c.get("/units", params={"limit": 1000}).json()["items"]
        name = everything[-1]["name"]
        part = name[1:4]
        r = c.get("/units", params={"q": part, "limit": 20})
        assert r.status_code == 200
        got = r.json()["items"]
        assert name in [u["name"] for u in got]
        assert {u["id"] for u in got} == {u["id"] for u in everything if part in u["name"]}
        assert r.headers["X-Total-Count"] == str(len(got))
        assert c.get("/communities", params={"q": "第一"}).json()["total"] >= 1


# --------------------------------------------------------------------------- ledger
def _ledger(c: httpx.Client, **params: Any) -> Any:
    r = c.get("/needs/ledger.xlsx", params={"quarter": QUARTER, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    return load_workbook(io.BytesIO(r.content)).active


def _header_row(sheet: Any) -> int:
    for r in range(1, 10):
        if sheet.cell(r, 1).value == "编号":
            return r
    raise AssertionError("no header row")


def test_ledger_is_the_filtered_list(api: ApiServer, needs: list[dict[str, Any]]) -> None:
    with api.client("committee") as c:
        listed, total = _list(c, q=MARK, sort="due", limit=1000)
        sheet = _ledger(c, q=MARK, sort="due")
        head = _header_row(sheet)
        headers = [cell.value for cell in sheet[head]]
        assert headers[:4] == ["编号", "标题", "类别", "社区"]
        assert {"截止日期", "状态", "承办单位", "登记时间", "诉求人", "联系电话"} <= set(headers)
        col = {h: i for i, h in enumerate(headers)}
        data = [row for row in sheet.iter_rows(min_row=head + 1, values_only=True)]
        assert len(data) == total == len(ROWS)
        assert [row[col["标题"]] for row in data][:4] == [
            n["title"] if not n["title"].startswith("=") else "'" + n["title"] for n in listed[:4]
        ]
        by_title = {row[col["标题"]]: row for row in data}
        # a formula is shown as typed, never run
        assert f"'=1+1 公式 {MARK}" in by_title
        road = by_title[ROWS[0][0]]
        assert road[col["状态"]] == "待认领" and road[col["类别"]] == "设施维修"
        assert road[col["社区"]] == "第一社区"
        # dates are dates, times are Beijing times, with number formats
        due_cell = sheet.cell(head + 1 + list(by_title).index(ROWS[0][0]), col["截止日期"] + 1)
        assert isinstance(due_cell.value, datetime) and due_cell.value.date() == date(2033, 5, 20)
        assert due_cell.number_format == "yyyy-mm-dd"
        created = sheet.cell(due_cell.row, col["登记时间"] + 1)
        assert created.value == datetime(2033, 4, 1, 16, 0)  # 08:00 UTC = 16:00 Beijing
        assert "hh:mm" in created.number_format
        hotline = by_title[ROWS[2][0]]
        assert hotline[col["门牌地址"]] == "幸福路12号3栋201室"
        assert hotline[col["来源"]] == "12345 热线"
        assert hotline[col["来源编号"]] == f"HX{MARK}-0042".upper()
        # the committee sees the complainant in full
        resident = by_title[ROWS[3][0]]
        assert (resident[col["诉求人"]], resident[col["联系电话"]]) == ("张三丰", "13812345678")
        unit_row = by_title[ROWS[1][0]]
        assert unit_row[col["承办单位"]] and unit_row[col["承办单位"]] != "u01"  # a name
        # the title block names the filters and the count
        block = " ".join(str(sheet.cell(r, 1).value or "") for r in range(1, head))
        assert "民情交办单台账" in str(sheet.cell(1, 1).value)
        subdistricts = c.get("/subdistricts").json()["items"]
        if len(subdistricts) == 1:  # (a shared server may hold others: then no name)
            assert subdistricts[0]["name"] in block
        assert "季度 2033Q2" in block and MARK in block and f"共 {total} 条" in block
        # filters narrow it exactly as they narrow the list
        sheet = _ledger(c, q=MARK, status="open")
        rows = list(sheet.iter_rows(min_row=_header_row(sheet) + 1, values_only=True))
        assert sorted(r[1] for r in rows) == sorted([ROWS[0][0], ROWS[5][0]])
        assert "状态 待认领" in str(sheet.cell(2, 1).value)
        # a keyword with control characters (which xlsx cannot hold) still exports
        sheet = _ledger(c, q="\x14\x01" + MARK)
        assert MARK in str(sheet.cell(2, 1).value)


def test_ledger_prints_landscape_one_page_wide(api: ApiServer, needs: list[dict[str, Any]]) -> None:
    with api.client("viewer") as c:
        sheet = _ledger(c, q=MARK)
    head = _header_row(sheet)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == f"${head}:${head}"
    assert sheet.freeze_panes == f"A{head + 1}"
    widths = {k: d.width for k, d in sheet.column_dimensions.items()}
    assert widths["B"] >= 24  # the title column fits its titles
    assert all(8 <= w <= 50 for w in widths.values()), widths


def test_ledger_export_is_audited(api: ApiServer, needs: list[dict[str, Any]]) -> None:
    with api.client("viewer") as c:
        _ledger(c, q=MARK, status="open")
    with api.client("committee") as c:
        r = c.get("/audit", params={"q": "export ledger", "limit": 5})
        assert r.status_code == 200, r.text
        entries = r.json()["items"]
    assert entries and entries[0]["method"] == "GET"
    assert entries[0]["path"] == "/needs/ledger.xlsx"
    assert "2 needs" in entries[0]["summary"] and "状态 待认领" in entries[0]["summary"]


# --------------------------------------------------------------------------- import without duplicates
IMPORT_QUARTER = "2033Q3"


def _csv(rows: list[list[str]]) -> bytes:
    head = "标题,类别,社区,网格,季度,截止日期,来源编号"
    return "\n".join([head, *(",".join(r) for r in rows)]).encode("utf-8")


def _import(api: ApiServer, data: bytes, **params: Any) -> dict[str, Any]:
    with api.client("committee") as c:
        r = c.post("/needs/import", files={"file": ("needs.csv", data)}, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _imported(api: ApiServer, tag: str) -> list[dict[str, Any]]:
    with api.client("committee") as c:
        items, total = _list(c, quarter=IMPORT_QUARTER, q=tag, limit=1000)
    assert total == len(items)
    return items


def test_import_twice_creates_nothing_the_second_time(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    with api.client("committee") as c:  # an order entered by hand, with a 12345 number
        r = c.post(
            "/needs",
            json={
                "id": f"nh-{tag}",
                "title": f"手工登记 {tag}",
                "category": "repair",
                "community_id": "c01",
                "quarter": IMPORT_QUARTER,
                "source": "hotline",
                "source_no": f"HX-{tag}-1",
            },
        )
        assert r.status_code == 201, r.text
    rows = [
        [f"路灯不亮 {tag}", "repair", "c01", "c01-g1", IMPORT_QUARTER, "2033-08-01", ""],  # 2
        [f"路灯不亮 {tag}", "repair", "c01", "c01-g1", IMPORT_QUARTER, "2033-08-02", ""],  # 3
        [f"井盖松动 {tag}", "repair", "c02", "", IMPORT_QUARTER, "", f"hx-{tag}-1"],  # 4: hand
        [f"噪音扰民 {tag}", "mediation", "c02", "", IMPORT_QUARTER, "", f"HX-{tag}-2"],  # 5
        [f"噪音扰民（又报）{tag}", "mediation", "c03", "", IMPORT_QUARTER, "", f"HX-{tag}-2"],
        [f"路灯不亮 {tag}", "repair", "第一社区", "c01-g1", IMPORT_QUARTER, "2033/8/1", ""],  # 7
        [f"坏行 {tag}", "castle", "c01", "", IMPORT_QUARTER, "", ""],  # 8: refused
    ]
    first = _import(api, _csv(rows), skip_errors="true")
    assert (first["new"], first["duplicate"], first["refused"]) == (3, 3, 1)
    assert first["imported"] == 3 and [e["row"] for e in first["errors"]] == [8]
    dups = {d["row"]: d for d in first["duplicates"]}
    assert dups[4]["need_id"] == f"nh-{tag}" and dups[4]["by"] == "source_no"
    assert dups[6]["earlier_row"] == 5 and dups[6]["by"] == "source_no"
    assert dups[7]["earlier_row"] == 2 and dups[7]["by"] == "same"
    created = _imported(api, tag)
    assert len(created) == 4  # the hand-entered one and three imported
    # the whole file again (the bad row fixed): only the fixed row is new
    rows[6][1] = "repair"
    again = _import(api, _csv(rows))
    assert (again["new"], again["duplicate"], again["refused"]) == (1, 6, 0)
    assert {d["row"] for d in again["duplicates"]} == {2, 3, 4, 5, 6, 7}
    assert len(_imported(api, tag)) == 5
    # a dry run reports the same and writes nothing
    dry = _import(api, _csv(rows), dry_run="true")
    assert (dry["new"], dry["duplicate"], dry["valid"]) == (0, 7, 0)


def test_concurrent_imports_of_one_file_create_each_order_once(api: ApiServer) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = [
        [f"并发导入 {tag} {i}", "repair", f"c0{1 + i % 3}", "", IMPORT_QUARTER, "", ""]
        for i in range(30)
    ] + [
        [f"并发来源 {tag} {i}", "repair", "c01", "", IMPORT_QUARTER, "", f"CC-{tag}-{i}"]
        for i in range(10)
    ]
    data = _csv(rows)
    barrier = threading.Barrier(4)
    reports: list[dict[str, Any]] = []
    failures: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(_import(api, data))
        except AssertionError as exc:  # a refusal would be a failure of the rule
            failures.append(str(exc))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures
    assert len(reports) == 4
    assert sum(r["new"] for r in reports) == 40  # each order created once in all
    assert all(r["new"] + r["duplicate"] == 40 for r in reports)
    created = _imported(api, tag)
    assert len(created) == 40
    assert len({n["title"] for n in created}) == 40


def test_search_by_number(api: ApiServer, needs: list[dict[str, Any]]) -> None:
    numbers = [n["number"] for n in needs]
    assert all(numbers) and len(set(numbers)) == len(numbers)  # assigned at creation
    with api.client("viewer") as c:
        items, total = _list(c, q=numbers[4])
        assert total == 1 and items[0]["id"] == needs[4]["id"]
        items, _ = _list(c, q=numbers[4].lower())  # any case
        assert [n["id"] for n in items] == [needs[4]["id"]]


def _ledger_rows(c: httpx.Client) -> dict[str, dict[str, Any]]:
    sheet = _ledger(c, q=MARK)
    head = _header_row(sheet)
    headers = [cell.value for cell in sheet[head]]
    rows = [
        dict(zip(headers, r, strict=True))
        for r in sheet.iter_rows(min_row=head + 1, values_only=True)
    ]
    return {r["标题"]: r for r in rows}


def test_a_units_ledger_and_list_mask_the_complainant(
    api: ApiServer, needs: list[dict[str, Any]]
) -> None:
    resident, hotline = ROWS[3][0], ROWS[2][0]
    with api.client("unit:u01") as c:
        rows = _ledger_rows(c)
        items, _ = _list(c, q=MARK)
    assert (rows[resident]["诉求人"], rows[resident]["联系电话"]) == ("张**", "138****5678")
    assert rows[hotline]["门牌地址"] == "幸福路****"
    listed = {n["title"]: n for n in items}
    assert listed[resident]["complainant_phone"] == "138****5678"
    assert "13812345678" not in str(rows) + str(items)  # never a full phone
    # the raising community (c02: the resident's order) sees it in full, another does not
    with api.client("community:c02") as c:
        assert _ledger_rows(c)[resident]["联系电话"] == "13812345678"
    with api.client("community:c01") as c:
        assert _ledger_rows(c)[resident]["联系电话"] == "138****5678"
