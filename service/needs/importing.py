"""Bulk import of work orders (民情交办单) from xlsx / csv, and the xlsx template.

Shared by ``POST /needs/import`` and ``gongjian import needs FILE``. The work is
split by stage: :mod:`~gongjian.service.needs.import_format` (columns, limits,
report types), :mod:`~gongjian.service.needs.import_read` (xlsx / csv into rows),
:mod:`~gongjian.service.needs.import_check` (cells and references) and
:mod:`~gongjian.service.needs.import_write` (the all-or-nothing write, the
template); this module names what callers use.

Rules
-----
* **Format by content**, not by name: a zip holding ``xl/workbook.xml`` is xlsx;
  an OLE2 file (old ``.xls``, or an encrypted workbook) is refused with a hint;
  anything else must be UTF-8 text (a BOM is fine) and is read as CSV
  (comma, or tab when the header has tabs and no commas).
* **Header row**: the first non-blank row. Each header cell may be the Chinese
  name, the English field, or both as in the template (``标题 title``,
  ``标题 (title)``); case, spaces, brackets and a trailing ``*`` are ignored.
  Required columns: title, category, community_id, quarter. The id column is
  optional (blank cells get ``n-<12 hex>``, derived from the row's duplicate key).
  Unknown columns are ignored with a
  warning. A ``status`` column may only hold ``open`` / ``待认领``: imported needs
  always start open.
* **Rows** are numbered as Excel shows them (the header row is row 1 when it is
  the first row). Blank rows are ignored; so is the template's example row
  (its id cell reads ``示例 example``). Every bad cell of every row is reported
  (``row``, ``field``, ``message`` in Chinese and English).
* An id that already exists in the store, or that occurs twice in the file, is an
  error (an import never overwrites). Communities and grids may be given by id or
  by their exact name; a grid must belong to the row's community. With a
  community scope (the community role), rows of other communities are errors
  (``超出本社区范围``).
* **Duplicates** (:mod:`~gongjian.service.needs.import_dedupe`): a row whose source
  number (``来源编号 source_no``, optional) an existing order or an earlier row has, or —
  without one — whose title, community, grid and due date match one, is reported in
  ``duplicates`` (row, the order it repeats, why) and not created; importing a file
  twice creates nothing the second time, and two concurrent imports of it create each
  order once (new rows get ids derived from their duplicate key, unique in both
  stores). The report counts ``new``, ``duplicate`` and ``refused`` rows.
* **All or nothing**: with any bad row and ``skip_errors`` false nothing is written
  and :class:`ImportRejectedError` (HTTP 422) carries the full report. The good
  rows are written with ONE ``store.upsert_many`` call whose ``batch_size`` covers
  them all (atomic in both stores). ``created_at`` is the import time.
* **Limits**, all checked while the file is read (nothing is parsed whole first):
  the xlsx is streamed part by part through a guarded expat parser
  (:mod:`~gongjian.service.needs.import_xlsx`). From the zip directory, before
  anything is unpacked: at most :data:`MAX_MEMBERS` parts, none unpacking to more
  than :data:`MAX_MEMBER_BYTES`, :data:`MAX_UNPACKED_BYTES` in all (and the bytes
  actually unpacked are counted again). While reading: :data:`MAX_PHYSICAL_ROWS`
  rows (blank ones included; Excel's limit), :data:`MAX_CELLS` cells,
  :data:`MAX_CELL_CHARS` characters in a cell, :data:`MAX_SHARED_STRINGS` shared
  strings of :data:`MAX_SHARED_CHARS` characters in all; a CSV line of at most
  :data:`MAX_CSV_LINE_CHARS` characters and :data:`MAX_CSV_COLUMNS` fields; at most
  :data:`MAX_ROWS` data rows; and reading within ``GONGJIAN_IMPORT_MAX_SECONDS``
  (8 s; checking is bounded by the row limit). Over a limit:
  :class:`~gongjian.service.errors.PayloadTooLargeError` (HTTP 413) naming it. At
  most :data:`MAX_COLUMNS` columns are read (cells further right are ignored). A
  file of blank rows only is "没有数据行 (no data rows)", 422. Malformed files give
  :class:`InvalidInputError`, never a crash.
"""

from gongjian.service.needs.import_check import Checked, validate_rows
from gongjian.service.needs.import_format import (
    COLUMNS,
    MAX_ROWS,
    SHANGHAI,
    TEMPLATE_ASCII_FILENAME,
    TEMPLATE_FILENAME,
    XLSX_MEDIA_TYPE,
    Column,
    ImportRejectedError,
    ImportReport,
    Progress,
    RowError,
)
from gongjian.service.needs.import_read import Table, read_table
from gongjian.service.needs.import_write import build_template, import_needs

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "SHANGHAI",
    "TEMPLATE_ASCII_FILENAME",
    "TEMPLATE_FILENAME",
    "XLSX_MEDIA_TYPE",
    "Checked",
    "Column",
    "ImportRejectedError",
    "ImportReport",
    "Progress",
    "RowError",
    "Table",
    "build_template",
    "import_needs",
    "read_table",
    "validate_rows",
]
