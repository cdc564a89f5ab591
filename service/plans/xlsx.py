"""The plan as an Excel workbook that staff print and file.

Sheets 概况 (the summary staff read: name, sub-district, quarter, date made, what
was placed and what was not), 按单位 (decisions by unit, with each unit's load),
按活动 (each activity role and the units placed in it), 未满足需求 (unmet needs with
their reasons) and, last, 技术说明 (the solver's figures: objective, bound, gap,
engine, seed, plan id) for whoever audits the plan.

Every sheet starts with the same title block (rows 1–2: the plan's name, then
sub-district, quarter, date made and the sheet), a blank row, then its header at
:data:`HEADER_ROW`; on paper it is A4 landscape, fitted to one page width
(``fitToHeight 0``: as many pages down as it takes), the title block and header
row repeated on every page (``print_title_rows``), page numbers in the footer.
Labels are Chinese only and cells show names, never codes (unit ids in the
solver's reasons are replaced by the units' names); dates are date cells. Text is
neutralised against formulas (:func:`gongjian.core.cells.put`).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from gongjian.core.cells import put
from gongjian.matching.labels import STATUS_LABELS_ZH, parts_text, reason_label
from gongjian.matching.problem import JOINT_TYPES, item_key
from gongjian.service.plans.exports import PlanDocument, _item_row
from gongjian.service.plans.naming import quarter_zh
from gongjian.service.plans.service import kind_zh

__all__ = ["HEADER_ROW", "SHEETS", "plan_workbook"]

#: the row of each sheet's header (rows 1–2 are the title block, row 3 is blank)
HEADER_ROW = 4
SHEETS = ["概况", "按单位", "按活动", "未满足需求", "技术说明"]
_DATE_FORMAT = "yyyy-mm-dd"
#: widest a column grows (in characters) before its text wraps
_MAX_WIDTH = 44


def _made_on(doc: PlanDocument) -> date | None:
    """The day the plan was made, in Beijing time."""
    if doc.stamp is None:
        return None
    from zoneinfo import ZoneInfo

    from gongjian.core.clock import as_utc

    return as_utc(doc.stamp).astimezone(ZoneInfo("Asia/Shanghai")).date()


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date | datetime):
        return 10
    text = str(value)
    # CJK characters are about two columns wide
    return max(
        (sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in text.split("\n")),
        default=0,
    )


class _Names:
    """Names for what the solver calls by id."""

    def __init__(self, doc: PlanDocument) -> None:
        self.doc = doc
        ids = sorted(doc.units, key=len, reverse=True)
        self._ids = re.compile("|".join(re.escape(i) for i in ids)) if ids else None

    def unit(self, unit_id: str, fallback: str = "") -> str:
        return self.doc.unit_name(unit_id, fallback)

    def community(self, community_id: str) -> str:
        return self.doc.community_names.get(community_id) or community_id

    def role(self, key: str) -> str:
        """``活动名称 · 角色类别`` for an activity role's key (``a17/r2``)."""
        if key in self.doc.roles:
            act, role = self.doc.roles[key]
            return f"{act.name or '活动'} · {kind_zh(role.kind) or '角色'}"
        return key

    def text(self, text: str) -> str:
        """``text`` with unit ids replaced by the units' names."""
        if not text or self._ids is None:
            return text
        return self._ids.sub(lambda m: self.unit(m.group(0)), text)


def _summary(doc: PlanDocument, names: _Names) -> list[list[Any]]:
    p = doc.plan
    n_roles = sum(1 for a in p.assignments if a.type == "role")
    units = {a.unit for a in p.assignments}
    rows: list[list[Any]] = [
        ["计划名称", doc.name],
        ["街道", doc.org or "—"],
        ["季度", quarter_zh(doc.quarter)],
        ["编制日期", _made_on(doc)],
        ["计划状态", _status(doc)],
        ["安排事项（项）", len(p.assignments)],
        ["其中：活动角色安排", n_roles],
        ["其中：交办单安排（接单）", len(p.assignments) - n_roles],
        ["未满足的交办单（件）", len(p.unmet)],
        ["参与单位（家）", len(units)],
    ]
    if p.roles_short:
        rows.append(["人数不足的活动角色", "、".join(names.role(k) for k in p.roles_short)])
    for c in p.conflicts:
        rows.append(["无法同时满足的要求", names.text(c.message_zh)])
    return rows


def _status(doc: PlanDocument) -> str:
    solver = STATUS_LABELS_ZH.get(doc.plan.status, doc.plan.status)
    job = doc.job_status.split(" (")[0]  # "已完成 (done)" from older callers
    return f"{job}，{solver}" if job and job != solver else solver


def _technical(doc: PlanDocument) -> list[list[Any]]:
    p = doc.plan
    rows: list[list[Any]] = [
        ["计划编号", doc.job_id],
        ["求解状态", STATUS_LABELS_ZH.get(p.status, p.status)],
        ["目标值", p.objective],
        ["上界", p.bound],
        ["差距（%）", round(100 * p.gap, 3) if p.gap is not None else None],
        ["用时（秒）", p.seconds],
        ["求解引擎", p.engine],
        ["随机种子", p.seed],
    ]
    if p.objective_parts is not None:
        op = p.objective_parts
        rows += [
            ["匹配度", op.fit],
            ["需求覆盖", op.coverage],
            ["均衡扣分", -op.fairness],
            ["五联覆盖", op.joint_coverage],
            ["变动扣分", -op.changes],
        ]
    return rows


DECISION_HEADER = [
    "单位",
    "类型",
    "事项",
    "类别",
    "社区",
    "活动日期",
    "优先级",
    "工作量",
    "匹配分",
    "匹配明细",
    "固定安排",
    "单位负荷",
    "单位容量",
]


def _decisions(doc: PlanDocument, names: _Names) -> list[list[Any]]:
    loads = {ld.unit: ld for ld in doc.plan.loads}
    rows = []

    def order(a: Any) -> tuple[str, ...]:  # by unit name, then the unit's activities first
        return (names.unit(a.unit, a.unit_name), a.unit, a.type != "role", a.item)

    for a in sorted(doc.plan.assignments, key=order):
        ld = loads.get(a.unit)
        if a.item in doc.roles:
            act, role = doc.roles[a.item]
            what, kind, where, day, prio = (
                act.name or "活动",
                kind_zh(role.kind),
                names.community(act.community),
                act.date,
                None,
            )
        elif a.item in doc.needs:
            n = doc.needs[a.item]
            what, kind, where, day, prio = (
                n.name or "交办单",
                kind_zh(n.kind),
                names.community(n.community) if n.community else "",
                None,
                n.priority,
            )
        else:  # the problem is gone: the title is all there is
            what, kind, where, day, prio = _item_row(doc, a.item)["title"], "", "", None, None
        rows.append(
            [
                names.unit(a.unit, a.unit_name),
                "活动角色" if a.type == "role" else "交办单",
                what,
                kind,
                where,
                day,
                prio,
                a.effort,
                a.score,
                parts_text(a.parts, signed=True),
                "是" if a.pinned else "",
                ld.load if ld else None,
                ld.capacity if ld else None,
            ]
        )
    return rows


ACTIVITY_HEADER = [
    "活动日期",
    "活动名称",
    "五联类型",
    "社区",
    "角色",
    "需要单位数",
    "已安排数",
    "安排单位",
    "缺口",
]


def _activities(doc: PlanDocument, names: _Names) -> list[list[Any]]:
    placed: dict[str, list[str]] = defaultdict(list)
    for a in doc.plan.assignments:
        if a.type == "role":
            placed[a.item].append(names.unit(a.unit, a.unit_name))
    rows = []
    for act in sorted(doc.activities.values(), key=lambda a: (a.date, a.name, a.id)):
        for r in act.roles:
            units = sorted(placed.get(item_key(act.id, r.id), []))
            rows.append(
                [
                    act.date,
                    act.name or "活动",
                    JOINT_TYPES.get(act.joint_type, "其他"),
                    names.community(act.community),
                    kind_zh(r.kind) or "角色",
                    r.count,
                    len(units),
                    "、".join(units),
                    max(0, r.count - len(units)),
                ]
            )
    return rows


UNMET_HEADER = ["交办单", "类别", "社区", "优先级", "原因", "说明"]


def _unmet(doc: PlanDocument, names: _Names) -> list[list[Any]]:
    rows = []
    for u in doc.plan.unmet:
        info = _item_row(doc, u.item)
        n = doc.needs.get(u.item)
        rows.append(
            [
                info["title"],
                info["kind"],
                names.community(n.community) if n and n.community else "",
                info["priority"] if info["priority"] != "" else None,
                reason_label(u.reason),
                names.text(u.detail),
            ]
        )
    return rows


def plan_workbook(doc: PlanDocument) -> bytes:
    """The workbook's bytes (sheets :data:`SHEETS`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    names = _Names(doc)
    wb = Workbook()
    title_font = Font(bold=True, size=14)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    made = _made_on(doc)
    title = f"{doc.org}{doc.name}"
    subtitle = "　".join(
        x
        for x in (
            f"街道：{doc.org}" if doc.org else "",
            f"季度：{quarter_zh(doc.quarter)}",
            f"编制日期：{made.year}年{made.month}月{made.day}日" if made else "",
        )
        if x
    )

    def sheet(name: str, header: list[str], rows: list[list[Any]], first: bool = False) -> Any:
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = name
        last = get_column_letter(len(header))
        put(ws, 1, 1, title).font = title_font
        put(ws, 2, 1, f"{subtitle}　表：{name}")
        ws.merge_cells(f"A1:{last}1")
        ws.merge_cells(f"A2:{last}2")
        ws.row_dimensions[1].height = 24
        for c, h in enumerate(header, start=1):
            cell = put(ws, HEADER_ROW, c, h)
            cell.font, cell.fill, cell.border = head_font, head_fill, box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r, row in enumerate(rows, start=HEADER_ROW + 1):
            for c, value in enumerate(row, start=1):
                cell = put(ws, r, c, value)  # neutralised text, never a formula
                cell.border = box
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                if isinstance(value, date):
                    cell.number_format = _DATE_FORMAT
        # widths that fit the content; long text wraps at _MAX_WIDTH, its row grows
        widths = []
        for c, h in enumerate(header, start=1):
            widest = max([_text_width(row[c - 1]) for row in rows] or [0])
            head = min(_text_width(h), 12)  # a long header wraps onto two lines
            widths.append(min(_MAX_WIDTH, max(6, widest, head) + 2))
            ws.column_dimensions[get_column_letter(c)].width = widths[-1]
        for r, row in enumerate(rows, start=HEADER_ROW + 1):
            lines = max(-(-_text_width(v) // max(1, w)) for v, w in zip(row, widths, strict=True))
            if lines > 1:
                ws.row_dimensions[r].height = 15 * lines
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        # on paper: A4 landscape, one page wide, header row on every page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"1:{HEADER_ROW}"  # the title block and the header
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.8
        ws.page_margins.header, ws.page_margins.footer = 0.3, 0.4
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        return ws

    for i, (name, header, rows) in enumerate(
        [
            ("概况", ["项目", "内容"], _summary(doc, names)),
            ("按单位", DECISION_HEADER, _decisions(doc, names)),
            ("按活动", ACTIVITY_HEADER, _activities(doc, names)),
            ("未满足需求", UNMET_HEADER, _unmet(doc, names)),
            ("技术说明", ["项目", "数值"], _technical(doc)),
        ]
    ):
        ws = sheet(name, header, rows, first=i == 0)
        if name in ("概况", "技术说明"):
            for label, value in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=2):
                label.font = head_font
                value.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
            ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width, 40)
    wb.properties.title = f"共建计划 {doc.name}"
    wb.properties.creator = "gongjian"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
