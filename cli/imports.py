"""``gongjian import needs FILE [--skip-errors] [--dry-run] [--store embedded|neo4j]``.

The same parser and rules as ``POST /needs/import`` (:mod:`gongjian.service.needs.importing`),
with the committee's scope (every community). Prints a Chinese summary and every bad
row; exit code 0 when every row was imported (or would be, with ``--dry-run``), 2 when
anything was refused (bad rows, a bad file, an unreachable store) — never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    TaskID,
)
from rich.table import Table

from gongjian.cli.common import (
    StoreOpt,
    command,
    console,
    err_console,
    open_selected_store,
    progress_bar,
    read_input_file,
)
from gongjian.service.needs.importing import (
    ImportRejectedError,
    ImportReport,
    RowError,
    import_needs,
)

__all__ = ["register"]

#: largest file the command reads (the service's default upload limit is 5 MB)
MAX_FILE_BYTES = 64 * 1024 * 1024

_STAGES = {"read": "读取 reading", "check": "校验 checking", "write": "写入 writing"}


def _error_table(errors: list[RowError]) -> Table:
    table = Table(title=f"错误行 Bad rows（{len({e.row for e in errors})} 行，{len(errors)} 处）")
    table.add_column("行 row", justify="right")
    table.add_column("字段 field")
    table.add_column("原因 reason")
    for e in errors:
        table.add_row(str(e.row), e.field, e.message)
    return table


def _print_report(report: ImportReport, *, rejected: bool) -> None:
    for note in report.warnings:
        console.print(f"[yellow]提示 (note):[/] {note}", highlight=False)
    if report.errors:
        err_console.print(_error_table(report.errors))
    if rejected:
        err_console.print(
            f"[bold red]未导入任何交办单[/]：共 {report.rows} 行，{report.bad_rows} 行有误。"
            "修正后重试，或加 --skip-errors 只导入正确的行 (nothing imported)",
            highlight=False,
        )
    elif report.dry_run:
        console.print(
            f"[bold]试运行（未写入）[/]：共 {report.rows} 行，可导入 {report.valid} 行，"
            f"有误 {report.bad_rows} 行 (dry run: nothing written)",
            highlight=False,
        )
    else:
        console.print(
            f"[bold green]导入完成[/]：共 {report.rows} 行，导入 {report.imported} 件交办单，"
            f"跳过 {report.skipped} 行 (imported {report.imported}, skipped {report.skipped})",
            highlight=False,
        )


def register(import_app: typer.Typer) -> None:
    """Add the import commands to ``import_app``."""

    @command(import_app, "needs")
    def needs(
        file: Annotated[
            Path, typer.Argument(help="xlsx 或 UTF-8 CSV 文件 (模板: GET /templates/needs.xlsx)")
        ],
        skip_errors: Annotated[
            bool, typer.Option("--skip-errors", help="跳过错误行，导入其余行 (import good rows)")
        ] = False,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="只校验，不写入 (validate only)")
        ] = False,
        store: StoreOpt = None,
    ) -> None:
        """导入民情交办单 Import work orders from an xlsx / CSV file (all or nothing)."""
        data = read_input_file(file, MAX_FILE_BYTES)
        graph = open_selected_store(store)
        try:
            with progress_bar("[bold]{task.description}", out=err_console) as bar:
                tasks: dict[str, TaskID] = {}

                def progress(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total or None)
                    bar.update(tasks[stage], completed=done, total=total or None)

                try:
                    report = import_needs(
                        graph,
                        data,
                        file.name,
                        skip_errors=skip_errors,
                        dry_run=dry_run,
                        progress=progress,
                    )
                except ImportRejectedError as exc:
                    bar.stop()
                    _print_report(exc.report, rejected=True)
                    raise typer.Exit(2) from None
        finally:
            graph.close()
        _print_report(report, rejected=False)
        if report.errors:
            raise typer.Exit(2)
