"""The suitability table as an editable CSV (``seeds/suitability.csv``, shipped as the default).

Columns ``need_category, resource_kind, unit_type, suitability``; ``unit_type``
``*`` means every type without a row of its own. A bad row raises
:class:`~gongjian.core.errors.InvalidInputError` naming the row (header = row 1,
as in Excel) and the allowed values.

>>> table = default_suitability()
>>> table.lookup("fire_hazard", "fire_safety", "school") < table.lookup(
...     "fire_hazard", "fire_safety", "property_company")
True
>>> table.lookup("elevator_fault", "repair", "utility") is None  # not the heating station
True
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from gongjian.core.errors import InvalidInputError, PreconditionFailedError
from gongjian.graph.suitability import SUITABILITY_COLUMNS, SUITABILITY_DOCUMENT, SuitabilityTable

__all__ = [
    "SUITABILITY_FILE",
    "default_suitability",
    "markdown_table",
    "read_suitability",
    "seed_suitability",
    "write_suitability",
]

SUITABILITY_FILE = "suitability.csv"


def read_suitability(text: str, *, ignore: Iterable[str] = ()) -> SuitabilityTable:
    """Parse and validate the CSV text of a suitability table; columns in ``ignore``
    (an export's read-only label column) are dropped."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    if not reader.fieldnames:
        raise InvalidInputError("适配表缺少表头 (suitability table has no header row)")
    missing = [c for c in SUITABILITY_COLUMNS if c not in reader.fieldnames]
    if missing:
        raise InvalidInputError(f"适配表缺少列 (suitability table lacks columns) {missing}")
    dropped = set(ignore)
    rows = [
        {k: v for k, v in row.items() if k is not None and k not in dropped}
        for row in reader
        if any((v or "").strip() for k, v in row.items() if k is not None and k not in dropped)
    ]
    return SuitabilityTable.from_rows(rows)


@lru_cache(maxsize=1)
def default_suitability() -> SuitabilityTable:
    """The table shipped with the seeds (read once per process)."""
    text = resources.files("gongjian.seeds").joinpath(SUITABILITY_FILE).read_text("utf-8-sig")
    return read_suitability(text)


def write_suitability(table: SuitabilityTable, path: Path) -> None:
    """Write ``table`` as CSV with a BOM (so Excel opens the Chinese-free cells as UTF-8)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(SUITABILITY_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table.as_rows())


def seed_suitability(store: Any) -> bool:
    """Store the shipped table in ``store`` unless one is stored (the committee's edits
    are kept across re-seeding); True when it was written."""
    try:
        store.put_document(
            SUITABILITY_DOCUMENT, default_suitability().to_document(), expected_version=0
        )
    except PreconditionFailedError:
        return False
    return True


def markdown_table(table: SuitabilityTable) -> str:
    """The table as a Markdown table in Chinese (with the codes), for ``seeds/README.md``."""
    from gongjian.graph.vocab import NeedCategory, ResourceKind, UnitType

    lines = [
        "| 需求类别 need category | 资源类别 resource kind | 单位类型 unit type | 适配度 |",
        "| --- | --- | --- | ---: |",
    ]
    for r in table.as_rows():
        unit_type = r["unit_type"]
        type_zh = "其他所有类型" if unit_type == "*" else UnitType(unit_type).label_zh
        lines.append(
            f"| {NeedCategory(r['need_category']).label_zh} `{r['need_category']}` "
            f"| {ResourceKind(r['resource_kind']).label_zh} `{r['resource_kind']}` "
            f"| {type_zh} `{unit_type}` | {r['suitability']} |"
        )
    return "\n".join(lines) + "\n"
