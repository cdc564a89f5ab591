"""Writing an import (all or nothing, one create-only ``create_many``) and building the xlsx
template. The rules are in :mod:`gongjian.service.needs.importing`.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from gongjian.core.cells import put
from gongjian.core.clock import current_quarter
from gongjian.core.errors import ConflictError
from gongjian.graph.model import (
    Community,
    Grid,
    Need,
    NeedCategory,
)
from gongjian.graph.store import CreateResult, GraphStore
from gongjian.service.needs import steps
from gongjian.service.needs.import_check import validate_rows
from gongjian.service.needs.import_dedupe import Duplicate
from gongjian.service.needs.import_format import (
    COLUMNS,
    MAX_ROWS,
    ImportRejectedError,
    ImportReport,
    Progress,
    RowError,
    file_error,
)
from gongjian.service.needs.import_read import read_table

__all__ = [
    "build_template",
    "import_needs",
]

# --------------------------------------------------------------------------- the import


def import_needs(
    store: GraphStore,
    data: bytes,
    filename: str | None = None,
    *,
    community_scope: str | None = None,
    subdistrict_scope: str | None = None,
    skip_errors: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Parse, validate and (unless ``dry_run``) write the needs of an xlsx / csv file.

    Parameters
    ----------
    store:
        Where the needs go (one create-only ``create_many`` call, atomic).
    data, filename:
        The file's bytes; the name only sharpens error messages (format is by content).
    community_scope:
        The community of a community-role user: rows of other communities are errors.
    subdistrict_scope:
        The sub-district of a scoped user: a row of another sub-district's community
        refuses the whole file (:class:`~gongjian.service.errors.ForbiddenError`, 403).
    skip_errors:
        Write the good rows even when some are bad (``skipped`` counts the bad ones).
    dry_run:
        Validate only; ``imported`` is 0 and ``valid`` says how many would be written.

    Raises
    ------
    ImportRejectedError
        Some row is bad and ``skip_errors`` is false (nothing written; HTTP 422).
    InvalidInputError
        The file itself is unusable (format, encoding, header, no data rows).
    PayloadTooLargeError
        Too many rows (HTTP 413).
    """
    table = read_table(data, filename, progress)
    checked = validate_rows(
        store,
        table,
        community_scope=community_scope,
        subdistrict_scope=subdistrict_scope,
        progress=progress,
    )
    good, errors = checked.good, checked.errors
    report = ImportReport(
        rows=checked.rows,
        valid=len(good),
        errors=errors,
        dry_run=dry_run,
        format=table.format,
        warnings=[*table.warnings, *checked.warnings],
        duplicates=list(checked.duplicates),
    )
    if not good and not errors and not checked.duplicates:
        raise file_error(
            "文件中没有交办单数据行（模板示例行不会导入）(the file has no data rows; the template example row is never imported)"
        )
    taken = {number for number, _ in checked.taken}
    if not dry_run and taken and (skip_errors or all(e.row in taken for e in errors)):
        # the validation read which ids exist outside the write's transaction (and may
        # have seen half of a concurrent import's commit): the write decides those rows,
        # naming every conflict itself
        errors = [e for e in errors if e.row not in taken]
        good = sorted([*good, *checked.taken], key=lambda pair: pair[0])
        report.errors = errors
    if errors and not skip_errors:
        raise ImportRejectedError(report)
    report.skipped = report.bad_rows
    needs = [n for _, n in good]
    report.ids = [n.id for n in needs]
    if dry_run or not needs:
        return report
    if progress is not None:
        progress("write", 0, len(needs))
    rows = [number for number, _ in good]
    try:
        # create-only, one transaction: an id that exists (even one created since the
        # validation above) is a conflict of its row, never overwritten; a row whose id
        # is its duplicate key's was created by a concurrent import of the same row
        result, raced = _create(store, needs, rows, checked.derived, skip_errors)
    except ConflictError as exc:
        if not exc.details.get("rows"):
            raise  # no row to name (a concurrent writer kept winning): 409, try again
        report.errors = [*errors, *_conflict_errors(rows, exc.details["rows"])]
        report.errors.sort(key=lambda e: e.row)
        report.valid = len(needs) - len(exc.details["rows"])
        report.skipped = 0
        report.ids = []
        raise ImportRejectedError(report) from None
    if raced:
        report.duplicates = sorted([*report.duplicates, *raced], key=lambda d: d.row)
        gone_ids = {d.need_id for d in raced}
        report.ids = [i for i in report.ids if i not in gone_ids]
        report.valid -= len(raced)
    if result.skipped:
        report.errors = sorted(
            [*errors, *_conflict_errors(rows, result.skipped)], key=lambda e: e.row
        )
        report.valid = len(needs) - len(result.skipped) - len(raced)
        gone = {s["id"] for s in result.skipped}
        report.ids = [i for i in report.ids if i not in gone]
        report.skipped = report.bad_rows
    report.imported = result.created
    if progress is not None:
        progress("write", len(needs), len(needs))
    return report


def _create(
    store: GraphStore,
    needs: list[Need],
    rows: list[int],
    derived: set[int],
    skip_errors: bool,
) -> tuple[CreateResult, list[Duplicate]]:
    """``create_many`` of ``needs`` (at ``rows`` of the file); the rows with a derived id
    that a concurrent import created first become duplicates, the others are written.

    Without ``skip_errors`` it stays all or nothing: a taken id of the file's own is the
    :class:`ConflictError` of before (nothing written); taken derived ids only drop their
    rows, and the rest is written again in a new transaction (each round drops rows).
    With ``skip_errors`` the taken ids are skipped in the one transaction.
    """
    raced: list[Duplicate] = []
    todo = list(zip(rows, needs, strict=True))
    while todo:
        try:
            batch = [n for _, n in todo]
            result = store.create_many(
                batch,
                skip_existing=skip_errors,
                outbox=steps.claimable_on_import(store, batch),
            )
        except ConflictError as exc:
            conflicts = exc.details.get("rows") or []
            if not conflicts:
                raise
            if any(todo[c["index"]][0] not in derived for c in conflicts):
                # the file's own id is taken: nothing written; name rows as the caller does
                exc.details["rows"] = [
                    {**c, "index": rows.index(todo[c["index"]][0])} for c in conflicts
                ]
                raise
            taken = {c["index"] for c in conflicts}
            raced += [Duplicate(todo[i][0], todo[i][1].id, "same") for i in sorted(taken)]
            todo = [t for i, t in enumerate(todo) if i not in taken]
            continue
        own = [c for c in result.skipped if todo[c["index"]][0] not in derived]
        dup = [c for c in result.skipped if todo[c["index"]][0] in derived]
        raced += [Duplicate(todo[c["index"]][0], todo[c["index"]][1].id, "same") for c in dup]
        # the skipped rows of the file's own ids, indexed into ``rows`` again
        kept = [{**c, "index": rows.index(todo[c["index"]][0])} for c in own]
        return CreateResult(created=result.created, skipped=kept), raced
    return CreateResult(created=0), raced


def _conflict_errors(rows: list[int], conflicts: list[dict]) -> list[RowError]:
    """One error per row whose id already exists (``conflicts`` index the written needs)."""
    return [
        RowError(
            rows[c["index"]],
            "id",
            f"编号 '{c['id']}' 已存在，未导入 (id already exists; not imported)",
        )
        for c in conflicts
    ]


# --------------------------------------------------------------------------- the template


def build_template(store: GraphStore) -> bytes:
    """The xlsx template: header + one example row, the options and a help sheet.

    Sheet 1 ``交办单 needs`` holds the header row (``标题 title`` …) and an example
    row (id ``示例 example``: ignored by the import). Sheet 2 ``选项 options`` lists
    the need categories (label and code) and the communities and grids of the store;
    the category, community, effort, priority and due columns have data validation.
    Sheet 3 ``说明 help`` explains each column.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    communities = store.list(Community, limit=None)
    grids = store.list(Grid, limit=None)
    book = Workbook()
    sheet = book.active
    sheet.title = "交办单 needs"
    options = book.create_sheet("选项 options")
    help_sheet = book.create_sheet("说明 help")

    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFE699")
    optional_fill = PatternFill("solid", fgColor="DDEBF7")
    for col, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=column.header)
        cell.font = bold
        cell.fill = required_fill if column.required else optional_fill
        cell.alignment = Alignment(horizontal="center")
        cell.comment = Comment(
            ("必填 required. " if column.required else "选填 optional. ") + column.hint, "gongjian"
        )
        sheet.column_dimensions[cell.column_letter].width = 16 if column.field != "title" else 30
    sheet.column_dimensions["J"].width = 36
    sheet.column_dimensions["K"].width = 22
    sheet.freeze_panes = "A2"

    quarter = current_quarter()
    first = communities[0] if communities else None
    grid = next((g for g in grids if first is not None and g.community_id == first.id), None)
    year, q = int(quarter[:4]), int(quarter[-1])
    due = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    example = {
        "id": "示例 example",
        "title": "3号楼楼道灯不亮（示例）",
        "category": NeedCategory.repair.label_zh,
        "community_id": first.id if first else "c01",
        "grid_id": grid.id if grid else None,
        "quarter": quarter,
        "effort": 1,
        "priority": 3,
        "due": due,
        "description": "网格员巡查发现。示例行导入时自动忽略，可删除 (example row: ignored)",
        "source_no": "12345-20261201-0001",
    }
    grey = Font(italic=True, color="808080")
    for col, column in enumerate(COLUMNS, start=1):
        cell = put(sheet, 2, col, example[column.field])
        cell.font = grey
        if column.field == "due":
            cell.number_format = "yyyy-mm-dd"

    # options: categories A:B, communities D:E, grids G:I
    heads = {1: "需求类别 need category", 2: "代码 code", 4: "社区编号 id", 5: "社区名称 name"}
    heads |= {7: "网格编号 id", 8: "网格名称 name", 9: "所属社区 community"}
    for col, text in heads.items():
        options.cell(row=1, column=col, value=text).font = bold
    # need categories (需求类别), not resource kinds: what meets each is the 适配表's business
    categories = list(NeedCategory)
    for i, category in enumerate(categories, start=2):
        options.cell(row=i, column=1, value=category.label_zh)
        options.cell(row=i, column=2, value=category.value)
    for i, c in enumerate(communities, start=2):
        put(options, i, 4, c.id)
        put(options, i, 5, c.name)  # names typed by users: never a formula
    for i, g in enumerate(grids, start=2):
        put(options, i, 7, g.id)
        put(options, i, 8, g.name)
        put(options, i, 9, g.community_id)
    for letter, width in {"A": 14, "B": 18, "D": 12, "E": 16, "G": 12, "H": 22, "I": 12}.items():
        options.column_dimensions[letter].width = width

    last = MAX_ROWS + 1
    letter = {c.field: sheet.cell(row=1, column=i).column_letter for i, c in enumerate(COLUMNS, 1)}
    validations = [
        (
            DataValidation(
                type="list",
                formula1=f"='选项 options'!$A$2:$A${len(categories) + 1}",
                allow_blank=False,
                showErrorMessage=False,
            ),
            "category",
        ),
        (
            DataValidation(type="whole", operator="between", formula1="1", formula2="1000"),
            "effort",
        ),
        (DataValidation(type="whole", operator="between", formula1="1", formula2="5"), "priority"),
        (
            DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True),
            "due",
        ),
    ]
    if communities:
        validations.append(
            (
                DataValidation(
                    type="list",
                    formula1=f"='选项 options'!$D$2:$D${len(communities) + 1}",
                    showErrorMessage=False,
                ),
                "community_id",
            )
        )
    for dv, name in validations:
        dv.error = "取值无效 (invalid value)"
        dv.prompt = next(c.hint for c in COLUMNS if c.field == name)
        dv.showInputMessage = True
        dv.add(f"{letter[name]}2:{letter[name]}{last}")
        sheet.add_data_validation(dv)

    help_rows = [("列 column", "字段 field", "必填 required", "说明 rule")]
    help_rows += [(c.zh, c.field, "是 yes" if c.required else "否 no", c.hint) for c in COLUMNS]
    help_rows += [
        ("", "", "", ""),
        ("表头可用中文、英文或两者 (headers: Chinese, English or both)", "", "", ""),
        ("导入的交办单均为待认领状态 (imported needs start open)", "", "", ""),
        (f"每个文件最多 {MAX_ROWS} 行 (at most {MAX_ROWS} rows per file)", "", "", ""),
        ("有错误的文件不会导入任何数据，除非选择跳过错误行 (all or nothing)", "", "", ""),
        (
            "重复的行不会再次导入：来源编号相同，或无来源编号时标题、社区、网格、截止日期都相同"
            "（与已有交办单或文件中前面的行相同）；导入结果列出新建、重复、有误各几行"
            " (duplicates — same source number, or same title, community, grid and due date"
            " — are reported, not imported again)",
            "",
            "",
            "",
        ),
        ("CSV 请保存为 CSV UTF-8 (CSV files must be UTF-8)", "", "", ""),
    ]
    for r, values in enumerate(help_rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = help_sheet.cell(row=r, column=col, value=value)
            if r == 1:
                cell.font = bold
    for letter_, width in {"A": 16, "B": 14, "C": 12, "D": 60}.items():
        help_sheet.column_dimensions[letter_].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
