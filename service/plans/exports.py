"""A plan as the committee takes it away: Excel, CSV and an iCalendar file.

* **xlsx** (openpyxl, :mod:`gongjian.service.plans.xlsx`): a workbook to print and
  file — 概况, 按单位, 按活动, 未满足需求 and 技术说明, each with a title block,
  landscape, fitted to the page width, header row repeated on every page.
* **csv**: one row per item — decisions and unmet needs — UTF-8 with a BOM so
  that Excel shows the Chinese.
* **ics** (RFC 5545): one all-day ``VEVENT`` per activity that got units
  (``DTSTART;VALUE=DATE``), ``UID`` per activity so a re-plan updates the same
  calendar entry; CRLF line ends, escaped text, lines folded at 75 octets.

Every text a spreadsheet could run as a formula (starting with ``= + - @``, tab or
CR: names typed by units and communities) is neutralised with a leading ``'``
(:func:`gongjian.core.cells.safe_cell`), in all three formats (calendars are
converted to spreadsheets too); xlsx text cells are always string cells.

The functions are pure (plan + problem in, bytes out) and shared by
``GET /plans/{id}/export``, ``gongjian plan export`` and ``gongjian demo``.

Length: ~400 lines: three formats built from the same rows, kept side by side.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from gongjian.core.cells import safe_cell, safe_row
from gongjian.core.errors import InvalidInputError
from gongjian.matching.labels import parts_text, reason_label
from gongjian.matching.problem import (
    JOINT_TYPES,
    Activity,
    Decision,
    Need,
    Plan,
    Problem,
    RoleSlot,
    item_key,
)
from gongjian.service.downloads import content_disposition
from gongjian.service.plans.naming import plan_name
from gongjian.service.plans.service import kind_zh

__all__ = [
    "FORMATS",
    "Export",
    "PlanDocument",
    "content_disposition",
    "export_plan",
    "ics_escape",
    "ics_fold",
    "plan_csv",
    "plan_ics",
    "plan_xlsx",
]

ExportFormat = Literal["xlsx", "csv", "ics", "pdf"]
FORMATS: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass
class PlanDocument:
    """A plan with what an export needs around it."""

    plan: Plan
    problem: Problem | None
    job_id: str
    quarter: str
    community_names: dict[str, str] = field(default_factory=dict)
    job_status: str = "done"
    stamp: datetime | None = None  # when the plan was made (DTSTAMP); default now
    org: str = ""  # the sub-district's name, for the printed title
    version: int | None = None  # the plan's place among its quarter's plans (第n版)

    # -- lookups ------------------------------------------------------------------
    def __post_init__(self) -> None:
        prob = self.problem
        self.units = {u.id: u for u in prob.units} if prob else {}
        self.needs: dict[str, Need] = {n.id: n for n in prob.needs} if prob else {}
        self.activities: dict[str, Activity] = {a.id: a for a in prob.activities} if prob else {}
        self.roles: dict[str, tuple[Activity, RoleSlot]] = (
            {item_key(a.id, r.id): (a, r) for a in prob.activities for r in a.roles} if prob else {}
        )

    def unit_name(self, unit_id: str, fallback: str = "") -> str:
        u = self.units.get(unit_id)
        return (u.name if u else "") or fallback or unit_id

    def community(self, community_id: str) -> str:
        name = self.community_names.get(community_id)
        return f"{name} ({community_id})" if name else community_id

    @property
    def name(self) -> str:
        """The plan's human name (「2026年第四季度计划（第2版）」)."""
        return plan_name(self.quarter, self.version)

    @property
    def base_name(self) -> str:
        return f"{self.quarter}-{self.job_id}"


@dataclass
class Export:
    content: bytes
    media_type: str
    filename: str  # Chinese
    ascii_filename: str


def export_plan(doc: PlanDocument, fmt: str) -> Export:
    """The plan in ``fmt`` (xlsx, csv, ics or pdf); :class:`InvalidInputError` for another."""
    from gongjian.service.plans.pdf import plan_pdf  # it builds on this module's document

    makers = {
        "xlsx": plan_xlsx,
        "csv": plan_csv,
        "ics": plan_ics,
        "pdf": lambda d: plan_pdf(d, org=d.org),
    }
    if fmt not in makers:
        raise InvalidInputError(
            f"未知导出格式 '{fmt}' (unknown format); 可选: xlsx, csv, ics, pdf",
            [{"field": "format", "message": "must be xlsx, csv or ics"}],
        )
    return Export(
        content=makers[fmt](doc),
        media_type=FORMATS[fmt],
        filename=f"共建计划-{doc.base_name}.{fmt}",
        ascii_filename=f"gongjian-plan-{doc.base_name}.{fmt}",
    )


# --------------------------------------------------------------------------- rows
def _item_row(doc: PlanDocument, item: str) -> dict[str, Any]:
    """Title, kind, community and date of an item, as far as the problem knows them."""
    if item in doc.needs:
        n = doc.needs[item]
        return {
            "type": "需求",
            "title": n.name or n.id,
            "kind": kind_zh(n.kind),
            "community": doc.community(n.community) if n.community else "",
            "date": "",
            "priority": n.priority,
        }
    if item in doc.roles:
        a, r = doc.roles[item]
        return {
            "type": "活动角色",
            "title": f"{a.name or a.id} · {r.id}",
            "kind": kind_zh(r.kind),
            "community": doc.community(a.community),
            "date": a.date.isoformat(),
            "priority": "",
        }
    kind = "活动角色" if "/" in item else "需求"
    return {"type": kind, "title": item, "kind": "", "community": "", "date": "", "priority": ""}


#: the columns that say which item a row is about, and how the unit fits it (both the
#: 按单位 sheet and the csv have them)
_ITEM_HEADER = ["类型", "条目编号", "名称", "类别", "社区", "日期"]
_FIT_HEADER = ["工作量", "匹配分", "匹配明细", "固定"]


def _item_cells(doc: PlanDocument, item: str) -> list[Any]:
    """The :data:`_ITEM_HEADER` cells of ``item``."""
    info = _item_row(doc, item)
    return [info["type"], item, info["title"], info["kind"], info["community"], info["date"]]


def _fit_cells(a: Decision) -> list[Any]:
    """The :data:`_FIT_HEADER` cells of a decision."""
    return [a.effort, a.score, parts_text(a.parts, signed=True), "是" if a.pinned else ""]


# --------------------------------------------------------------------------- xlsx
def plan_xlsx(doc: PlanDocument) -> bytes:
    """The plan as an Excel workbook to print and file (:mod:`gongjian.service.plans.xlsx`)."""
    from gongjian.service.plans.xlsx import plan_workbook  # it builds on this module's document

    return plan_workbook(doc)


# --------------------------------------------------------------------------- csv
CSV_HEADER = [*_ITEM_HEADER, "单位编号", "单位名称", *_FIT_HEADER, "未满足原因"]


class _SafeWriter:
    """A csv writer whose every cell is neutralised (:func:`gongjian.core.cells.safe_cell`)."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow(safe_row(row))


def plan_csv(doc: PlanDocument) -> bytes:
    """Every item of the plan, decisions then unmet needs; UTF-8 with BOM, CRLF rows."""
    buf = io.StringIO()
    w = _SafeWriter(csv.writer(buf, lineterminator="\r\n"))
    w.writerow(CSV_HEADER)
    for a in sorted(doc.plan.assignments, key=lambda a: (a.type, a.item, a.unit)):
        w.writerow(
            [
                *_item_cells(doc, a.item),
                a.unit,
                doc.unit_name(a.unit, a.unit_name),
                *_fit_cells(a),
                "",
            ]
        )
    for u in doc.plan.unmet:
        reason = f"{reason_label(u.reason)} ({u.reason}) {u.detail}".strip()
        # no unit and no fit: the need was not placed
        w.writerow([*_item_cells(doc, u.item), *[""] * (2 + len(_FIT_HEADER)), reason])
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- ics
def ics_escape(text: str) -> str:
    r"""Escape a TEXT value (RFC 5545 3.3.11): ``\ ; ,`` and newlines.

    >>> ics_escape("a,b;c\\d\ne")
    'a\\,b\\;c\\\\d\\ne'
    """
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> bytes:
    """One content line, folded so no physical line exceeds 75 octets (never inside a
    UTF-8 character), each ending in CRLF.

    >>> [len(x) for x in ics_fold("X:" + "a" * 200).split(b"\\r\\n")]
    [75, 75, 54, 0]
    """
    out: list[bytes] = []
    cur = bytearray()
    for ch in line:
        b = ch.encode("utf-8")
        if len(cur) + len(b) > 75:
            out.append(bytes(cur))
            cur = bytearray(b" ")
        cur += b
    out.append(bytes(cur))
    return b"".join(x + b"\r\n" for x in out)


def _stamp(moment: datetime | None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _ics_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def plan_ics(doc: PlanDocument) -> bytes:
    """The activities that got units as an iCalendar (one all-day VEVENT each)."""
    units_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a in doc.plan.assignments:
        if a.type == "role" and a.item in doc.roles:
            act, role = doc.roles[a.item]
            units_of[act.id].append((doc.unit_name(a.unit, a.unit_name), f"{kind_zh(role.kind)}"))
    stamp = _stamp(doc.stamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//gongjian//共建计划//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(f'共建计划 {doc.quarter}')}",
    ]
    for act in sorted(doc.activities.values(), key=lambda a: (a.date, a.id)):
        if act.id not in units_of:
            continue
        joint = JOINT_TYPES.get(act.joint_type, act.joint_type)
        who = "、".join(f"{name}（{kind}）" for name, kind in sorted(units_of[act.id]))
        description = (
            f"五联类型：{joint}\n社区：{doc.community(act.community)}\n参加单位：{who}\n"
            f"计划：{doc.job_id}（{doc.quarter}）"
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:activity-{act.id}@gongjian",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_ics_date(act.date)}",
            f"DTEND;VALUE=DATE:{_ics_date(act.date + timedelta(days=1))}",
            f"SUMMARY:{ics_escape(safe_cell(act.name or act.id))}",
            f"LOCATION:{ics_escape(safe_cell(doc.community(act.community)))}",
            f"CATEGORIES:{ics_escape(safe_cell(joint))}",
            f"DESCRIPTION:{ics_escape(safe_cell(description))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(ics_fold(line) for line in lines)
