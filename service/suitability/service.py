"""Reading and replacing the suitability table kept in the graph store.

The table lives in the store as one versioned document
(:data:`~gongjian.graph.suitability.SUITABILITY_DOCUMENT`); planning reads the
same document (:func:`~gongjian.matching.from_graph.with_stored_suitability`), so
an edit changes the next plan. A replace names the version it read (``If-Match``:
428 without, 412 when stale, checked in the store's write transaction) and is
validated whole by :meth:`SuitabilityTable.from_rows` (422 naming the row and the
allowed values).

The CSV form is for Excel: the four columns of ``seeds/suitability.csv`` plus a
read-only ``说明 note`` column in Chinese (dropped on upload); UTF-8 with a BOM
out, UTF-8 or GB18030 (what Excel saves on a Chinese Windows) in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from gongjian.core.cells import safe_row
from gongjian.core.errors import InvalidInputError
from gongjian.graph.store import GraphStore
from gongjian.graph.suitability import (
    SUITABILITY_COLUMNS,
    SUITABILITY_DOCUMENT,
    SuitabilityTable,
    stored_suitability,
)
from gongjian.graph.vocab import NeedCategory, ResourceKind, UnitType
from gongjian.seeds.suitability import read_suitability
from gongjian.service.auth.permissions import require_committee
from gongjian.service.auth.schemas import User
from gongjian.service.registry.service import expected_version
from gongjian.service.suitability.schemas import SuitabilityOut, SuitabilityRowOut

__all__ = [
    "CSV_FILENAME",
    "NOTE_COLUMN",
    "etag",
    "parse_csv",
    "read_table",
    "replace_table",
    "require_editor",
    "table_csv",
]

#: the export's read-only column of Chinese labels
NOTE_COLUMN = "说明 note"
CSV_FILENAME = "suitability.csv"


def etag(version: int) -> str:
    return f'"{version}"'


def _out(table: SuitabilityTable, version: int) -> SuitabilityOut:
    return SuitabilityOut(
        version=version,
        rows=[SuitabilityRowOut.model_validate(r) for r in table.as_rows()],
        missing_categories=table.missing_categories(),
    )


def read_table(*, store: GraphStore) -> SuitabilityOut:
    """The table planning uses now (the shipped default, version 0, when none is stored)."""
    return _out(*stored_suitability(store))


def require_editor(user: User) -> None:
    """Only the committee edits the table (403 for every other role)."""
    require_committee(user, "修改适配表")


def replace_table(
    *,
    store: GraphStore,
    user: User,
    rows: Iterable[Mapping[str, Any]] | SuitabilityTable,
    if_match: str | None,
    first_row: int = 1,
) -> SuitabilityOut:
    """Replace the whole table (committee only), guarded by ``if_match``.

    ``rows`` are raw cells (validated here; row numbers count from ``first_row``) or
    a table already validated (a CSV upload).
    """
    require_editor(user)
    version = expected_version(if_match)
    table = (
        rows
        if isinstance(rows, SuitabilityTable)
        else SuitabilityTable.from_rows(
            [{k: str(v) for k, v in r.items()} for r in rows], first_row=first_row
        )
    )
    if not table.rows:
        raise InvalidInputError("适配表不能为空 (the suitability table cannot be empty)")
    new_version = store.put_document(
        SUITABILITY_DOCUMENT, table.to_document(), expected_version=version
    )
    return _out(table, new_version)


def _note(row: Mapping[str, str]) -> str:
    category = NeedCategory(row["need_category"]).label_zh
    kind = ResourceKind(row["resource_kind"]).label_zh
    unit_type = "其他所有类型" if row["unit_type"] == "*" else UnitType(row["unit_type"]).label_zh
    return f"{category} ← {kind} · {unit_type}"


def table_csv(table: SuitabilityOut) -> bytes:
    """The table as CSV for Excel (UTF-8 with BOM; cells neutralised by :func:`safe_row`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*SUITABILITY_COLUMNS, NOTE_COLUMN])
    for r in table.rows:
        cells = r.model_dump()
        writer.writerow(safe_row([*(cells[c] for c in SUITABILITY_COLUMNS), _note(cells)]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def parse_csv(data: bytes) -> SuitabilityTable:
    """An uploaded CSV (UTF-8, with or without BOM, or GB18030) as a validated table."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInputError(
                "适配表文件编码无法识别，请另存为 UTF-8 CSV (not UTF-8 or GB18030 text)"
            ) from None
    try:
        return read_suitability(text, ignore=(NOTE_COLUMN,))
    except csv.Error as exc:
        raise InvalidInputError(f"适配表不是有效的 CSV (not valid CSV): {exc}") from None
