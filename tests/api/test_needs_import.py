"""Import of work orders from xlsx / csv and the xlsx template, over HTTP, on both stores.

Length: ~530 lines: every rule of the import (columns, statuses, scope, errors, the
template round trip) runs against the same shared server per store in one module.
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest

from gongjian.core.settings import Settings
from gongjian.graph.model import NeedCategory
from gongjian.service.needs.importing import MAX_ROWS, TEMPLATE_FILENAME, XLSX_MEDIA_TYPE
from tests.api.server import ApiServer

#: the test servers run with the default upload limit
MAX_UPLOAD: int = Settings.model_fields["max_upload_bytes"].default
HEADER = [
    "编号 id",
    "标题 title",
    "类别 category",
    "社区 community_id",
    "网格 grid_id",
    "季度 quarter",
]


def _id(prefix: str = "ti") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _all_needs(api: ApiServer) -> list[dict[str, Any]]:
    """Every need in the store (the state a refused import must leave untouched)."""
    out: list[dict[str, Any]] = []
    with api.client("viewer") as c:
        while True:
            page = c.get("/needs", params={"offset": len(out), "limit": 1000}).json()
            out += page["items"]
            if len(out) >= page["total"]:
                return out


def _xlsx(rows: list[list[Any]], header: list[str] | None = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if header is not None:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(lines: list[str], *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    return ("\ufeff" if bom else "").encode(encoding) + "\n".join(lines).encode(encoding)


def _upload(
    api: ApiServer,
    data: bytes,
    name: str = "needs.xlsx",
    who: str = "committee",
    **params: Any,
) -> httpx.Response:
    with api.client(who) as c:
        return c.post("/needs/import", files={"file": (name, data)}, params=params)


def _template(api: ApiServer) -> httpx.Response:
    with api.client("community:c01") as c:
        return c.get("/templates/needs.xlsx")


# --------------------------------------------------------------------------- the template
def test_template_download(api: ApiServer) -> None:
    r = _template(api)
    assert r.status_code == 200
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and 'filename="needs-template.xlsx"' in disposition
    star = disposition.split("filename*=", 1)[1]
    assert star.startswith("UTF-8''") and unquote(star[len("UTF-8''") :]) == TEMPLATE_FILENAME
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:6] == HEADER and "截止日期 due" in header and "描述 description" in header
    example = [c.value for c in sheet[2]]
    assert example[0] == "示例 example" and example[3] == "c01"
    options = book.worksheets[1]
    values = [[c.value for c in row] for row in options.iter_rows(min_row=2)]
    kinds = {(row[0], row[1]) for row in values if row[0]}
    # the options sheet lists need categories (需求类别), not resource kinds
    assert kinds == {(k.label_zh, k.value) for k in NeedCategory}
    communities = {row[3] for row in values if row[3]}
    assert {f"c0{i}" for i in range(1, 9)} <= communities
    assert any(row[6] == "c01-g1" and row[8] == "c01" for row in values)
    # dropdowns for the category and community columns
    ranges = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any(k.startswith("C2:") and "选项 options" in (v or "") for k, v in ranges.items())
    assert any(k.startswith("D2:") for k in ranges)
    with api.client(None) as anon:
        assert anon.get("/templates/needs.xlsx").status_code == 401


def test_template_round_trip(api: ApiServer) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_template(api).content))
    sheet = book.worksheets[0]
    mine = _id()
    # the example row (row 2) stays: it is ignored
    sheet.append(
        [
            mine,
            "12号楼路灯不亮",
            "设施维修",
            "c01",
            "c01-g1",
            "2026Q4",
            2,
            5,
            "2026-12-20",
            "网格员反映",
        ]
    )
    sheet.append(
        [None, "老年人健康体检", "medical", "第二社区", None, "2026q4", None, None, None, None]
    )
    sheet.append(
        [None, "反诈宣传进社区", "反诈宣传 anti_fraud", "c03", None, "2026Q4", 1, 2, None, None]
    )
    out = io.BytesIO()
    book.save(out)
    before = len(_all_needs(api))
    r = _upload(api, out.getvalue())
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["imported"] == 3 and report["skipped"] == 0 and report["errors"] == []
    assert report["ids"][0] == mine and len(report["ids"]) == 3
    assert all(i.startswith("n-") for i in report["ids"][1:])
    assert any("示例" in w for w in report["warnings"])
    assert len(_all_needs(api)) == before + 3
    with api.client("viewer") as c:
        first = c.get(f"/needs/{mine}").json()
        assert first["title"] == "12号楼路灯不亮" and first["category"] == "repair"
        assert first["grid_id"] == "c01-g1" and first["effort"] == 2 and first["priority"] == 5
        assert first["due"] == "2026-12-20" and first["status"] == "open"
        assert first["created_at"] is not None and first["claimed_by"] is None
        second = c.get(f"/needs/{report['ids'][1]}").json()
        assert second["community_id"] == "c02" and second["quarter"] == "2026Q4"
        assert second["effort"] == 1 and second["priority"] == 3
        third = c.get(f"/needs/{report['ids'][2]}").json()
        assert third["category"] == "anti_fraud"
    # the same file again: every row repeats an order → reported as duplicates, not created
    again = _upload(api, out.getvalue())
    assert again.status_code == 200, again.text
    rep = again.json()
    assert (rep["new"], rep["duplicate"], rep["refused"], rep["imported"]) == (0, 3, 0, 0)
    assert [d["row"] for d in rep["duplicates"]] == [3, 4, 5]
    assert [d["need_id"] for d in rep["duplicates"]] == report["ids"]
    assert all("重复" in d["message"] for d in rep["duplicates"])
    assert len(_all_needs(api)) == before + 3


def _three_bad_rows() -> tuple[bytes, list[str]]:
    good = [_id(), _id(), _id()]
    rows = [
        [good[0], "下水道堵塞", "repair", "c01", None, "2026Q4"],  # row 2
        [_id(), "", "repair", "c01", None, "2026Q4"],  # row 3: no title
        [good[1], "路面破损", "环境整治", "c02", "c02-g1", "2026Q4"],  # row 4
        [_id(), "暖气不热", "castle", "c99", None, "2026Q9"],  # row 5: three bad cells
        [good[2], "健康讲座", "medical", "c03", None, "2026Q4"],  # row 6
        [_id(), "停车纠纷", "mediation", "c01", "c02-g1", "2026Q4"],  # row 7: grid of c02
    ]
    return _xlsx(rows), good


def test_bad_rows_are_all_reported_and_nothing_is_imported(api: ApiServer) -> None:
    data, good = _three_bad_rows()
    before = _all_needs(api)
    r = _upload(api, data)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and "3" in err["message"]
    assert {e["row"] for e in err["errors"]} == {3, 5, 7}
    assert {(e["row"], e["field"]) for e in err["errors"]} == {
        (3, "title"),
        (5, "category"),
        (5, "community_id"),
        (5, "quarter"),
        (7, "grid_id"),
    }
    for e in err["errors"]:
        assert e["message"] and "(" in e["message"]  # Chinese with English in brackets
    report = err["report"]
    assert report["imported"] == 0 and report["ids"] == [] and report["rows"] == 6
    assert report["valid"] == 3
    assert _all_needs(api) == before
    with api.client("viewer") as c:
        assert all(c.get(f"/needs/{g}").status_code == 404 for g in good)


def test_skip_errors_imports_the_good_rows(api: ApiServer) -> None:
    data, good = _three_bad_rows()
    dry = _upload(api, data, skip_errors=True, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["imported"] == 0 and dry.json()["valid"] == 3 and dry.json()["dry_run"]
    with api.client("viewer") as c:
        assert all(c.get(f"/needs/{g}").status_code == 404 for g in good)
    r = _upload(api, data, skip_errors="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["imported"] == 3 and report["skipped"] == 3
    assert report["ids"] == good
    assert {e["row"] for e in report["errors"]} == {3, 5, 7}
    with api.client("viewer") as c:
        got = [c.get(f"/needs/{g}").json() for g in good]
    assert [n["community_id"] for n in got] == ["c01", "c02", "c03"]
    assert got[1]["category"] == "environment" and got[1]["grid_id"] == "c02-g1"


def test_dry_run_validates_without_writing(api: ApiServer) -> None:
    mine = _id()
    data = _csv(["id,title,category,community_id,quarter", f"{mine},试运行,repair,c01,2026Q4"])
    before = _all_needs(api)
    r = _upload(api, data, "x.csv", dry_run=True)
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 0 and r.json()["valid"] == 1 and r.json()["ids"] == [mine]
    assert _all_needs(api) == before
    bad = _csv(["id,title,category,community_id,quarter", f"{mine},试运行,nope,c01,2026Q4"])
    r = _upload(api, bad, "x.csv", dry_run=True)
    assert r.status_code == 422 and r.json()["error"]["errors"][0]["row"] == 2


def test_csv_headers_in_chinese_or_english(api: ApiServer) -> None:
    a, b, c = _id(), _id(), _id()
    english = _csv(
        [
            "id,title,category,community_id,grid_id,quarter,effort,priority,due,description",
            f'{a},"楼道堆物, 消防隐患",fire_safety,c01,c01-g2,2026Q4,3,4,2026/12/15,"多行\n说明"',
        ],
        bom=True,
    )
    chinese = _csv(
        [
            "编号,标题,类别,社区,季度,优先级,截止日期",
            f"{b},儿童暑期活动,少儿活动,第一社区,2026Q4,2,2026年12月31日",
        ]
    )
    tabbed = _csv(
        [
            "编号 id\t标题 title\t类别 category\t社区 community_id\t季度 quarter",
            f"{c}\t就业帮扶\temployment\tc02\t2026Q4",
        ]
    )
    for data, nid in ((english, a), (chinese, b), (tabbed, c)):
        r = _upload(api, data, "needs.csv")
        assert r.status_code == 200, r.text
        assert r.json()["ids"] == [nid] and r.json()["format"] == "csv"
    with api.client("viewer") as cl:
        first = cl.get(f"/needs/{a}").json()
        assert first["title"] == "楼道堆物, 消防隐患" and first["description"] == "多行\n说明"
        assert first["due"] == "2026-12-15" and first["grid_id"] == "c01-g2"
        second = cl.get(f"/needs/{b}").json()
        assert second["category"] == "children" and second["community_id"] == "c01"
        assert second["due"] == "2026-12-31" and second["priority"] == 2
        assert cl.get(f"/needs/{c}").json()["category"] == "employment"
    # detected by content: a CSV named .txt, an xlsx named .csv
    d = _id()
    r = _upload(api, _xlsx([[d, "名称不对也能识别", "repair", "c01", None, "2026Q4"]]), "needs.csv")
    assert r.status_code == 200 and r.json()["format"] == "xlsx" and r.json()["ids"] == [d]


def test_ids_in_store_or_twice_in_file_are_errors(api: ApiServer) -> None:
    dup = _id()
    data = _csv(
        [
            "id,title,category,community_id,quarter",
            "n001,覆盖已有交办单,repair,c01,2026Q4",
            f"{dup},一,repair,c01,2026Q4",
            f"{dup},二,repair,c01,2026Q4",
            ",没有编号,repair,c01,2026Q4",
        ]
    )
    before = _all_needs(api)
    n001 = next(n for n in before if n["id"] == "n001")
    r = _upload(api, data, "x.csv")
    assert r.status_code == 422
    errors = r.json()["error"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "id"), (3, "id"), (4, "id")]
    assert "重复" in errors[1]["message"] and "已存在" in errors[0]["message"]
    assert _all_needs(api) == before
    r = _upload(api, data, "x.csv", skip_errors=True)
    assert r.status_code == 200 and r.json()["imported"] == 1 and r.json()["skipped"] == 3
    with api.client("viewer") as c:
        assert c.get("/needs/n001").json() == n001
        assert c.get(f"/needs/{dup}").status_code == 404


def test_status_and_lifecycle_cannot_be_imported(api: ApiServer) -> None:
    ok, bad = _id(), _id()
    data = _csv(
        [
            "id,title,category,community_id,quarter,status,claimed_by",
            f"{ok},可以,repair,c01,2026Q4,待认领,u01",
            f"{bad},不行,repair,c01,2026Q4,resolved,",
        ]
    )
    r = _upload(api, data, "x.csv", skip_errors=True)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["ids"] == [ok]
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(3, "status")]
    assert any("claimed_by" in w for w in report["warnings"])
    with api.client("viewer") as c:
        need = c.get(f"/needs/{ok}").json()
    assert need["status"] == "open" and need["claimed_by"] is None


def test_cypher_looking_text_is_just_text(api: ApiServer) -> None:
    nid = _id()
    title = "x'}) MATCH (n) DETACH DELETE n //"
    desc = '"; DROP TABLE nodes; -- ${x} {{y}} $param'
    r = _upload(api, _xlsx([[nid, title, "repair", "c01", None, "2026Q4"]], header=None), "x.xlsx")
    assert r.status_code == 422  # no header row: the first row is taken as the header
    data = _csv(
        [
            "id,title,category,community_id,quarter,description",
            f'{nid},"{title}",repair,c01,2026Q4,"{desc.replace(chr(34), chr(34) * 2)}"',
        ]
    )
    r = _upload(api, data, "x.csv")
    assert r.status_code == 200, r.text
    with api.client("viewer") as c:
        need = c.get(f"/needs/{nid}").json()
        assert need["title"] == title and need["description"] == desc
        assert c.get("/units").json()["total"] == 20


def test_community_scope(api: ApiServer) -> None:
    own, other = _id(), _id()
    data = _csv(
        [
            "id,title,category,community_id,quarter",
            f"{own},本社区,repair,c01,2026Q4",
            f"{other},别的社区,repair,c02,2026Q4",
        ]
    )
    before = _all_needs(api)
    r = _upload(api, data, "x.csv", who="community:c01")
    assert r.status_code == 422
    errors = r.json()["error"]["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(3, "community_id")]
    assert "超出本社区范围" in errors[0]["message"]
    assert _all_needs(api) == before
    for who in ("unit:u01", "viewer"):
        r = _upload(api, data, "x.csv", who=who)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert _all_needs(api) == before
    r = _upload(api, data, "x.csv", who="community:c01", skip_errors=True)
    assert r.status_code == 200 and r.json()["ids"] == [own]
    r = _upload(
        api,
        _csv(["id,title,category,community_id,quarter", f"{_id()},x,repair,c02,2026Q4"]),
        "x.csv",
        who="community:c02",
    )
    assert r.status_code == 200 and r.json()["imported"] == 1
    with api.client(None) as anon:
        assert anon.post("/needs/import", files={"file": ("x.csv", data)}).status_code == 401


def _broken_files() -> dict[str, tuple[str, bytes, str]]:
    """name → (filename, bytes, a word the message must contain)."""
    not_xlsx_zip = io.BytesIO()
    with zipfile.ZipFile(not_xlsx_zip, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    fake_xlsx = io.BytesIO()
    with zipfile.ZipFile(fake_xlsx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<<<not xml")
    empty = _xlsx([], header=None)
    numbers_only = _xlsx([[1, 2, 3], [4, 5, 6]], header=None)
    header_only = _xlsx([], header=HEADER)
    missing_column = _xlsx([["a", "b"]], header=["标题 title", "类别 category"])
    good = _xlsx([[_id(), "t", "repair", "c01", None, "2026Q4"]])
    return {
        "random bytes named xlsx": ("needs.xlsx", os.urandom(4096), "xlsx"),
        "random bytes named csv": ("needs.csv", os.urandom(4096), "UTF-8"),
        "zip that is not xlsx": ("needs.xlsx", not_xlsx_zip.getvalue(), "Excel"),
        "broken workbook xml": ("needs.xlsx", fake_xlsx.getvalue(), "xlsx"),
        "truncated xlsx": ("needs.xlsx", good[: len(good) // 2], "xlsx"),
        "empty workbook": ("needs.xlsx", empty, "表头"),
        "no header": ("needs.xlsx", numbers_only, "表头"),
        "header only": ("needs.xlsx", header_only, "数据"),
        "missing columns": ("needs.xlsx", missing_column, "community_id"),
        "old xls": ("needs.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xlsx"),
        "empty file": ("needs.csv", b"", "空"),
        "utf-16 csv": ("needs.csv", "标题,类别\n".encode("utf-16"), "UTF-8"),
        "binary nul": ("needs.csv", b"title,category\n\x00\x00\x00", "CSV"),
    }


@pytest.mark.parametrize("case", sorted(_broken_files()))
def test_malformed_files_are_422_never_500(api: ApiServer, case: str) -> None:
    filename, data, word = _broken_files()[case]
    before = _all_needs(api)
    r = _upload(api, data, filename)
    assert r.status_code == 422, (case, r.status_code, r.text)
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and word in err["message"], err["message"]
    assert _all_needs(api) == before


def test_non_utf8_csv_gets_a_hint(api: ApiServer) -> None:
    data = _csv(
        ["编号,标题,类别,社区,季度", f"{_id()},暖气不热,设施维修,c01,2026Q4"], encoding="gbk"
    )
    before = _all_needs(api)
    r = _upload(api, data, "needs.csv")
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "CSV UTF-8" in message and "UTF-8" in message
    assert _all_needs(api) == before
    # the same rows as UTF-8 (with a BOM, as Excel writes it) are fine
    r = _upload(api, data.decode("gbk").encode("utf-8-sig"), "needs.csv")
    assert r.status_code == 200 and r.json()["imported"] == 1


def test_oversized_uploads_are_413(api: ApiServer) -> None:
    before = _all_needs(api)
    # a file just over the limit (the body is read, the file part is too large)
    r = _upload(api, b"a" * (MAX_UPLOAD + 1), "big.csv")
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    # a body far over the limit is refused from its Content-Length
    r = _upload(api, b"a" * (3 * MAX_UPLOAD), "big.csv")
    assert r.status_code == 413

    # a chunked body without Content-Length is cut off once past the limit
    def chunks() -> Any:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
        for _ in range(3 * MAX_UPLOAD // 65536):
            yield b"b" * 65536

    with api.client("committee") as c:
        r = c.post(
            "/needs/import",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
    assert r.status_code == 413
    assert _all_needs(api) == before


def test_too_many_rows(api: ApiServer) -> None:
    lines = ["title,category,community_id,quarter"] + ["t,repair,c01,2026Q4"] * (MAX_ROWS + 1)
    data = _csv(lines)
    assert len(data) < MAX_UPLOAD
    before = _all_needs(api)
    r = _upload(api, data, "many.csv")
    assert r.status_code == 413, r.text
    assert str(MAX_ROWS) in r.json()["error"]["message"]
    assert _all_needs(api) == before


def test_request_shape_errors(api: ApiServer) -> None:
    with api.client("committee") as c:
        r = c.post("/needs/import", content=b"title\nx", headers={"Content-Type": "text/csv"})
        assert r.status_code == 422 and "multipart" in r.json()["error"]["message"]
        r = c.post("/needs/import", data={"other": "x"}, files={"nofile": ("a.csv", b"x")})
        assert r.status_code == 422 and "file" in r.json()["error"]["message"]
        r = c.post(
            "/needs/import",
            content=b"--zz\r\ngarbage",
            headers={"Content-Type": "multipart/form-data; boundary=zz"},
        )
        assert r.status_code == 422
        r = c.post("/needs/import", params={"dry_run": "perhaps"}, files={"file": ("a.csv", b"x")})
        assert r.status_code == 422


def test_the_streaming_reader_reads_what_openpyxl_reads() -> None:
    """Shared strings, numbers, booleans, dates, blank rows and far columns, as openpyxl
    (``read_only``, ``data_only``) reads them; a DTD is refused (no entity tricks)."""
    import datetime

    from gongjian.core.errors import InvalidInputError
    from gongjian.service.needs.import_format import Deadline
    from gongjian.service.needs.import_read import read_table
    from gongjian.service.needs.import_xlsx import sheet_rows

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["标题 title", "x", None, "d"])
    sheet.append([1, 2.5, True, datetime.datetime(2026, 12, 20)])
    sheet.append([None, None, None, None])
    sheet.append(["中文", "=1+1", -3, datetime.date(2026, 1, 2)])
    sheet["Z9"] = "far"
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    ours = list(sheet_rows(zipfile.ZipFile(io.BytesIO(data)), Deadline()))
    theirs = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    expected = [
        (n, list(v))
        for n, v in enumerate(theirs.iter_rows(values_only=True), start=1)
        if any(x is not None for x in v)
    ]
    assert [n for n, _ in ours] == [n for n, _ in expected] == [1, 2, 4, 9]
    for (_, got), (_, want) in zip(ours, expected, strict=True):
        assert got == want[: len(got)] and not any(want[len(got) :])

    evil = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aa">]><worksheet', 1)
            dst.writestr(item, body)
    with pytest.raises(InvalidInputError, match="DTD"):
        read_table(evil.getvalue(), "evil.xlsx")
    # the wall-clock cap: a reader past its deadline stops with a 413 naming it
    from gongjian.service.errors import PayloadTooLargeError

    late_csv = b"title,category,community_id,quarter\n" + b"t,repair,c01,2026Q4\n" * 6000
    for blob, name in ((data, "late.xlsx"), (late_csv, "late.csv")):
        with pytest.raises(PayloadTooLargeError, match="秒"):
            read_table(blob, name, deadline=Deadline(0.0))
