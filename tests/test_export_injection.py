"""Issue 10, finding 5: formula injection in exports (OWASP "CSV injection").

Names that a spreadsheet would run — a unit ``=HYPERLINK("http://x","y")``, a
grid ``=1+1``, needs titled ``+cmd|' /C calc'!A0``, ``-2+3``, ``@SUM(1)`` — are put
into the registry over HTTP (both stores), planned, and exported:

* the plan's xlsx (``GET /plans/{id}/export?format=xlsx``, read back with openpyxl):
  no cell is a formula (``data_type == "f"``), no text cell starts with
  ``= + - @`` or tab / CR (neutralised, e.g. with a leading ``'``), and the text is
  still there;
* the plan's csv: no cell starts with ``= + - @ \\t \\r``;
* ``/templates/needs.xlsx`` (its option lists hold the grid and community names):
  the same as the plan xlsx;
* the network export (GraphML / JSON) is data, not a spreadsheet: the names come
  back exactly as stored and the document stays well-formed.

Tab and CR at the start of a name never reach an export: names are stripped on
input (the csv check covers any cell all the same).
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from openpyxl import load_workbook

from tests.api.server import ApiServer, neo4j_credentials, start_api

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
QUARTER = "2027Q2"
UNIT_NAME = '=HYPERLINK("http://x","y")'
GRID_NAME = "=1+1"
COMMUNITY_NAME = "@SUM(1)社区"
TITLES = ["+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx制表", "\rx回车", "=1+1报修"]


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A seeded server per store (this module sits outside ``tests/api``, so its own)."""
    server = start_api(
        tmp_path_factory.mktemp(f"export-injection-{request.param}"),
        request.param,
        neo4j_credentials(request, request.param),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile(api: ApiServer) -> dict[str, Any]:
    """The hostile names in the registry and a finished plan that uses them."""
    tag = uuid.uuid4().hex[:6]
    unit, grid, community = f"xu-{tag}", f"xg-{tag}", f"xc-{tag}"
    with api.client() as c:
        ok = [
            c.post("/communities", json={"id": community, "name": COMMUNITY_NAME, "subdistrict_id": "xingcheng"}),
            c.post(
                "/units",
                json={"id": unit, "name": UNIT_NAME, "type": "enterprise", "community_id": "c01",
                      "capacity": 40, "brand": "-2+3", "contact": "@SUM(1)"},
            ),
            c.post("/grids", json={"id": grid, "name": GRID_NAME, "community_id": "c01"}),
        ]  # fmt: skip
        for r in ok:
            assert r.status_code == 201, r.text
        r = c.put(
            f"/units/{unit}/resources",
            json=[
                {"id": f"{unit}-r", "kind": "repair", "name": "+cmd|' /C calc'!A0", "capacity": 20}
            ],
            headers={"If-Match": "*"},
        )
        assert r.status_code == 200, r.text
        needs = []
        for k, title in enumerate(TITLES):
            body = {
                "id": f"xn-{tag}-{k}",
                "title": title,
                "category": "repair",
                "community_id": "c01",
                "grid_id": grid,
                "quarter": QUARTER,
            }
            r = c.post("/needs", json=body)
            if r.status_code == 201:
                needs.append(body["id"])
        assert needs
        pins = [{"item": n, "unit": unit} for n in needs[:3]]
        r = c.post("/plans", json={"quarter": QUARTER, "time_limit": 5, "pins": pins})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            job = c.get(f"/plans/{job_id}").json()
            if job["status"] in ("done", "failed", "cancelled", "interrupted"):
                break
            time.sleep(0.2)
        assert job["status"] == "done", job
    return {"job": job_id, "unit": unit, "grid": grid, "community": community, "needs": needs}


def _xlsx_problems(content: bytes) -> tuple[list[str], list[str]]:
    """(formula or unneutralised cells, every text cell) of a workbook."""
    book = load_workbook(io.BytesIO(content))
    bad, texts = [], []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                if cell.data_type == "f":
                    bad.append(f"{sheet.title}!{cell.coordinate} formula {cell.value!r}")
                elif isinstance(cell.value, str) and cell.value.startswith(DANGEROUS):
                    bad.append(f"{sheet.title}!{cell.coordinate} text {cell.value!r}")
    return bad, texts


def _kept(texts: list[str], name: str) -> bool:
    """The name is still there, as is or behind a neutralising prefix."""
    return any(name in t for t in texts)


def test_plan_xlsx_has_no_formula_cells(api: ApiServer, hostile: dict[str, Any]) -> None:
    with api.client() as c:
        r = c.get(f"/plans/{hostile['job']}/export", params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    bad, texts = _xlsx_problems(r.content)
    assert not bad, f"[{api.store_kind}] {len(bad)} live cells in the plan xlsx: {bad[:8]}"
    assert _kept(texts, 'HYPERLINK("http://x","y")'), "the unit's name is gone from the export"
    assert _kept(texts, "cmd|' /C calc'!A0")


def test_plan_csv_has_no_cell_a_spreadsheet_would_run(
    api: ApiServer, hostile: dict[str, Any]
) -> None:
    with api.client() as c:
        r = c.get(f"/plans/{hostile['job']}/export", params={"format": "csv"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    cells = [v for row in rows for v in row]
    assert any('HYPERLINK("http://x","y")' in v for v in cells)
    bad = [v for v in cells if v.startswith(DANGEROUS)]
    assert not bad, f"[{api.store_kind}] {len(bad)} cells start with = + - @ tab CR: {bad[:8]}"


def test_needs_template_has_no_formula_cells(api: ApiServer, hostile: dict[str, Any]) -> None:
    with api.client("community:c01") as c:
        r = c.get("/templates/needs.xlsx")
    assert r.status_code == 200, r.text
    bad, texts = _xlsx_problems(r.content)
    assert not bad, f"[{api.store_kind}] {len(bad)} live cells in the template: {bad[:8]}"
    assert _kept(texts, "1+1"), "the grid's name is gone from the template"
    assert _kept(texts, "SUM(1)社区"), "the community's name is gone from the template"


def _nodes_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(n.get("id")): n for n in data["nodes"]}


def test_network_export_keeps_the_names_as_data(api: ApiServer, hostile: dict[str, Any]) -> None:
    with api.client() as c:
        j = c.get("/network/export", params={"format": "json"})
        g = c.get("/network/export", params={"format": "graphml"})
    assert j.status_code == 200 and g.status_code == 200
    nodes = _nodes_by_id(json.loads(j.content))
    assert nodes[hostile["unit"]]["name"] == UNIT_NAME
    assert nodes[hostile["grid"]]["name"] == GRID_NAME
    assert nodes[hostile["community"]]["name"] == COMMUNITY_NAME
    graph = nx.read_graphml(io.BytesIO(g.content))
    names = {d.get("name") for _, d in graph.nodes(data=True)}
    assert {UNIT_NAME, GRID_NAME, COMMUNITY_NAME} <= names
