"""``gongjian suitability show|export FILE|import FILE [--store embedded|neo4j]``.

The committee's suitability table (适配表) as the store keeps it — the same table
``GET/PUT /suitability`` serve and planning uses. ``export`` writes the CSV that
``GET /suitability.csv`` sends (opens in Excel); ``import`` reads one back (UTF-8 or
GB18030), validates every row and replaces the stored table in one write, refused
if the table changed in between. Exit code 2 with a Chinese message on any error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gongjian.cli.common import (
    StoreChoice,
    StoreOpt,
    command,
    console,
    open_selected_store,
    read_input_file,
)
from gongjian.core.errors import InvalidInputError
from gongjian.graph.suitability import SUITABILITY_DOCUMENT
from gongjian.graph.vocab import NeedCategory, ResourceKind, UnitType
from gongjian.service.suitability.schemas import SuitabilityOut
from gongjian.service.suitability.service import parse_csv, read_table, table_csv

__all__ = ["register"]

#: largest CSV the command reads (the shipped table is ~2 KB)
MAX_FILE_BYTES = 4 * 1024 * 1024


def _zh(enum: type[NeedCategory] | type[ResourceKind] | type[UnitType], value: str) -> str:
    return "其他所有类型 *" if value == "*" else f"{enum(value).label_zh} {value}"


def _read(choice: StoreChoice | None) -> SuitabilityOut:
    graph = open_selected_store(choice)
    try:
        return read_table(store=graph)
    finally:
        graph.close()


def register(app: typer.Typer) -> None:
    """Attach ``suitability show|export|import`` to the app."""
    sub = typer.Typer(help="适配表 The suitability table (need category → kinds, unit types).")
    app.add_typer(sub, name="suitability", no_args_is_help=True)

    @command(sub, "show")
    def show(
        category: Annotated[
            str | None, typer.Option(help="只看一个需求类别 only this need category")
        ] = None,
        store: StoreOpt = None,
    ) -> None:
        """显示适配表 Print the table planning uses."""
        table = _read(store)
        rows = [r for r in table.rows if category is None or r.need_category == category]
        if category is not None and not rows:
            allowed = ", ".join(c.value for c in NeedCategory)
            raise InvalidInputError(
                f"适配表中没有需求类别 '{category}' (no rows for that category); 可选: {allowed}"
            )
        version = f"版本 {table.version}" if table.version else "默认表，未修改 (shipped default)"
        out = Table(title=f"适配表 Suitability table（{version}，{len(rows)} 行）")
        for column in ("需求类别 need", "资源类别 kind", "单位类型 unit type", "适配度"):
            out.add_column(column, justify="right" if column == "适配度" else "left")
        for r in rows:
            out.add_row(
                _zh(NeedCategory, r.need_category),
                _zh(ResourceKind, r.resource_kind),
                _zh(UnitType, r.unit_type),
                str(r.suitability),
            )
        console.print(out)
        if table.missing_categories:
            console.print(
                "[yellow]没有任何行的需求类别 (categories without a row):[/] "
                + ", ".join(table.missing_categories),
                highlight=False,
            )

    @command(sub, "export")
    def export(
        file: Annotated[Path, typer.Argument(help="写入的 CSV 文件 (CSV file to write)")],
        store: StoreOpt = None,
    ) -> None:
        """导出适配表为 CSV（可用 Excel 打开）Write the table as CSV."""
        table = _read(store)
        file.write_bytes(table_csv(table))
        console.print(f"已导出 {len(table.rows)} 行到 {file} (exported)", highlight=False)

    @command(sub, "import")
    def import_(
        file: Annotated[Path, typer.Argument(help="要导入的 CSV 文件 (CSV file to read)")],
        store: StoreOpt = None,
    ) -> None:
        """从 CSV 导入并替换适配表 Validate a CSV and replace the stored table."""
        table = parse_csv(read_input_file(file, MAX_FILE_BYTES))
        if not table.rows:
            raise InvalidInputError("适配表不能为空 (the suitability table cannot be empty)")
        graph = open_selected_store(store)
        try:
            version = read_table(store=graph).version
            new = graph.put_document(
                SUITABILITY_DOCUMENT, table.to_document(), expected_version=version
            )
        finally:
            graph.close()
        console.print(
            f"已导入 {len(table.rows)} 行，适配表版本 {new} (imported; version {new})",
            highlight=False,
        )
        if table.missing_categories():
            console.print(
                "[yellow]没有任何行的需求类别，这些需求不会有候选单位:[/] "
                + ", ".join(table.missing_categories()),
                highlight=False,
            )
