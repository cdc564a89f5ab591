"""The Xingcheng (星城街道) demo network, kept as editable CSV files.

The CSVs in ``seeds/xingcheng/`` are the source of truth (see the
README there). One file per entity label, with the model's field names as
header; list cells are separated by ``;`` (``2026Q1;2026Q2``, ``1;3;5``) and
activity roles are written ``kind*count`` (``medical*2;education*1``). Files
are read as UTF-8 with or without a BOM (Excel writes one).

:func:`read_network_dir` / :func:`write_network_dir` work for any directory in
this format, so a synthetic network can be exported for editing as well.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from gongjian.core.errors import GongjianError, InvalidInputError
from gongjian.graph.model import (
    ENTITY_TYPES,
    Assignment,
    Entity,
    Pairing,
    entity_type,
    parse_entity,
)
from gongjian.seeds.network import HISTORY_PLAN_ID, SeedNetwork

__all__ = [
    "ADJACENCY_FILE",
    "ASSIGNMENTS_FILE",
    "ENTITY_FILES",
    "PAIRINGS_FILE",
    "SeedDataError",
    "load_xingcheng",
    "read_network_dir",
    "write_network_dir",
    "xingcheng_dir",
]

_FILE_OF_LABEL = {
    "Subdistrict": "subdistricts.csv",
    "Community": "communities.csv",
    "Grid": "grids.csv",
    "Unit": "units.csv",
    "Resource": "resources.csv",
    "Need": "needs.csv",
    "Activity": "activities.csv",
    "PartyMember": "party_members.csv",
}
#: file name of each entity class, in dependency order (that of ``ENTITY_TYPES``)
ENTITY_FILES: dict[type[Entity], str] = {t: _FILE_OF_LABEL[t.LABEL] for t in ENTITY_TYPES}
ADJACENCY_FILE = "adjacency.csv"
PAIRINGS_FILE = "pairings.csv"
ASSIGNMENTS_FILE = "assignments.csv"

ADJACENCY_COLUMNS = ("community_a", "community_b")
PAIRING_COLUMNS = ("unit_id", "community_id")
ASSIGNMENT_COLUMNS = ("activity_id", "unit_id", "role", "plan_id")

#: cells holding a list, separated by ";" (a full-width "；" is accepted too)
_LIST_FIELDS = frozenset({"quarters", "weekdays", "summoned"})
_JSON_FIELDS = frozenset({"reports"})
_ROLES_FIELD = "roles"


class SeedDataError(InvalidInputError):
    """A seed file or one of its rows is invalid; names the file and the row."""

    def __init__(
        self,
        file: str,
        row: int | None,
        message: str,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        where = f"{file} 第 {row} 行 (row {row})" if row is not None else file
        super().__init__(f"{where}: {message}", errors)
        self.file = file
        self.row = row


# --------------------------------------------------------------------------- reading


def xingcheng_dir() -> Traversable:
    """The packaged directory of the Xingcheng CSVs."""
    return resources.files("gongjian.seeds").joinpath("xingcheng")


def load_xingcheng(directory: Path | None = None) -> SeedNetwork:
    """The Xingcheng demo network, from the packaged CSVs or from ``directory``.

    Every row is validated with :func:`~gongjian.graph.model.parse_entity` and every
    reference is checked; a bad row raises :class:`SeedDataError` naming the file
    and the row number (the header is row 1, as in Excel).
    """
    return read_network_dir(directory if directory is not None else xingcheng_dir())


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.replace("；", ";").split(";") if part.strip()]


def _parse_roles(cell: str) -> list[dict[str, Any]]:
    roles = []
    for item in _split(cell):
        kind, sep, count = item.partition("*")
        roles.append({"kind": kind.strip(), "count": count.strip() if sep else 1})
    return roles


def _row_data(row: dict[str | None, Any]) -> dict[str, Any]:
    """A CSV row as model input: blank cells left out (defaults apply), lists split."""
    data: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # more cells than header columns
            if any(str(v).strip() for v in value or []):
                raise InvalidInputError("多出的单元格 (more cells than header columns)")
            continue
        name = key.strip()
        cell = (value or "").strip()
        if not name or not cell:
            continue
        if name in _LIST_FIELDS:
            data[name] = _split(cell)
        elif name == _ROLES_FIELD:
            data[name] = _parse_roles(cell)
        elif name in _JSON_FIELDS:
            try:
                data[name] = json.loads(cell)
            except json.JSONDecodeError:
                raise InvalidInputError(f"{name}: 不是 JSON 对象 (not a JSON object)") from None
        else:
            data[name] = cell
    return data


def _read_rows(directory: Traversable | Path, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, data)`` of each non-blank row; the header is row 1."""
    path = directory.joinpath(name)
    if not path.is_file():
        raise SeedDataError(name, None, "文件不存在 (file missing)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedDataError(name, None, f"不是 UTF-8 编码 (not UTF-8): {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise SeedDataError(name, None, "缺少表头 (no header row)")
    for index, row in enumerate(reader):
        number = index + 2
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue
        try:
            yield number, _row_data(row)
        except GongjianError as exc:
            raise SeedDataError(name, number, exc.message) from None


def read_network_dir(directory: Traversable | Path) -> SeedNetwork:
    """Read and check a network stored as CSV files (see the module doc)."""
    entities: list[Entity] = []
    ids: dict[str, set[str]] = {t.LABEL: set() for t in ENTITY_TYPES}
    for kind, name in ENTITY_FILES.items():
        for number, data in _read_rows(directory, name):
            try:
                entity = parse_entity(kind, data)
            except InvalidInputError as exc:
                raise SeedDataError(name, number, exc.message, exc.errors) from None
            if entity.id in ids[kind.LABEL]:
                raise SeedDataError(name, number, f"编号重复 (duplicate id) '{entity.id}'")
            for ref, target in entity.ref_targets():
                if target not in ids[ref.target]:
                    raise SeedDataError(
                        name,
                        number,
                        f"{ref.field} = '{target}' 找不到对应的 {ref.target} (unknown reference)",
                    )
            claimed_by = getattr(entity, "claimed_by", None)
            if claimed_by is not None and claimed_by not in ids["Unit"]:
                raise SeedDataError(
                    name, number, f"claimed_by = '{claimed_by}' 找不到对应的单位 (unknown Unit)"
                )
            ids[kind.LABEL].add(entity.id)
            entities.append(entity)

    def known(file: str, number: int, label: str, value: str) -> None:
        if value not in ids[label]:
            zh = entity_type(label).LABEL_ZH
            raise SeedDataError(file, number, f"未知{zh} (unknown {label}) '{value}'")

    adjacency: list[tuple[str, str]] = []
    seen_pairs: set[tuple[str, str]] = set()
    for number, data in _read_rows(directory, ADJACENCY_FILE):
        a, b = data.get("community_a"), data.get("community_b")
        if not a or not b:
            raise SeedDataError(ADJACENCY_FILE, number, "需要 community_a 和 community_b")
        for c in (a, b):
            known(ADJACENCY_FILE, number, "Community", c)
        if a == b:
            raise SeedDataError(ADJACENCY_FILE, number, "社区不能与自己相邻 (self-adjacency)")
        pair = (min(a, b), max(a, b))
        if pair not in seen_pairs:
            seen_pairs.add(pair)
            adjacency.append(pair)

    pairings: list[Pairing] = []
    for number, data in _read_rows(directory, PAIRINGS_FILE):
        pairing = _parse_rel(Pairing, PAIRINGS_FILE, number, data)
        known(PAIRINGS_FILE, number, "Unit", pairing.unit_id)
        known(PAIRINGS_FILE, number, "Community", pairing.community_id)
        pairings.append(pairing)

    assignments: list[Assignment] = []
    for number, data in _read_rows(directory, ASSIGNMENTS_FILE):
        data.setdefault("plan_id", HISTORY_PLAN_ID)
        assignment = _parse_rel(Assignment, ASSIGNMENTS_FILE, number, data)
        known(ASSIGNMENTS_FILE, number, "Unit", assignment.unit_id)
        known(ASSIGNMENTS_FILE, number, "Activity", assignment.activity_id)
        assignments.append(assignment)

    return SeedNetwork(entities, adjacency, pairings, assignments)


def _parse_rel(kind: type[Any], file: str, number: int, data: dict[str, Any]) -> Any:
    try:
        return kind.model_validate(data)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        errors = getattr(exc, "errors", None)
        items = errors() if callable(errors) else []
        text = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in items
        )
        raise SeedDataError(file, number, text or str(exc)) from None


# --------------------------------------------------------------------------- writing


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict) and "kind" in value:  # an activity role
        return f"{value['kind']}*{value['count']}"
    if isinstance(value, dict):  # e.g. a need's whistle reports
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    # utf-8-sig: Excel needs the BOM to open a UTF-8 CSV with Chinese text correctly
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_network_dir(network: SeedNetwork, directory: Path) -> None:
    """Write ``network`` as CSV files into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind, name in ENTITY_FILES.items():
        header = list(kind.model_fields)
        rows = []
        for entity in network.of_type(kind):
            data = entity.model_dump(mode="json")
            rows.append([_cell(data[f]) for f in header])
        _write(directory / name, header, rows)
    _write(
        directory / ADJACENCY_FILE, list(ADJACENCY_COLUMNS), [list(p) for p in network.adjacency]
    )
    _write(
        directory / PAIRINGS_FILE,
        list(PAIRING_COLUMNS),
        [[p.unit_id, p.community_id] for p in network.pairings],
    )
    _write(
        directory / ASSIGNMENTS_FILE,
        list(ASSIGNMENT_COLUMNS),
        [[a.activity_id, a.unit_id, a.role.value, a.plan_id] for a in network.assignments],
    )
