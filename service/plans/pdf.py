"""A plan on paper (PDF): the committee's filing copy and one task notice per unit.

Built with reportlab's platypus on A4 landscape, in reportlab's built-in CID font
``STSong-Light`` (Adobe-GB1): every PDF reader ships it, so the Chinese shows
without embedding a font file, and text extraction gives the characters back.

* **Filing copy** (first pages): a title block (sub-district, quarter, plan name,
  date made, status), the figures that matter to staff (decisions, needs met and
  unmet, activity roles short), then the decisions by unit as one table whose
  header row repeats on every page, Chinese labels only, dates as dates.
* **一单位一页**: a page per unit with something to do — its activities (date,
  community, role) and its work orders (title, community, priority), with lines
  for the unit's signature and the committee's stamp.

Pure: plan + problem in, bytes out, like the other formats of
:mod:`gongjian.service.plans.exports`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gongjian.core.clock import as_utc
from gongjian.matching.labels import STATUS_LABELS_ZH, reason_label
from gongjian.service.pdf import FONT, landscape_pdf, pdf_grid, pdf_heading, pdf_styles, text_para
from gongjian.service.plans.exports import PlanDocument
from gongjian.service.plans.naming import plan_name, quarter_zh
from gongjian.service.plans.service import kind_zh

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table

__all__ = ["FONT", "landscape_pdf", "pdf_styles", "plan_name", "plan_pdf", "text_para"]


def _beijing(moment: datetime | None) -> str:
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return as_utc(moment).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y年%m月%d日 %H:%M")


class _Tasks:
    """Each unit's activities and work orders in the plan, names resolved."""

    def __init__(self, doc: PlanDocument) -> None:
        self.activities: dict[str, list[list[str]]] = defaultdict(list)
        self.needs: dict[str, list[list[str]]] = defaultdict(list)
        for a in sorted(doc.plan.assignments, key=lambda a: (a.unit, a.item)):
            if a.item in doc.roles:
                act, role = doc.roles[a.item]
                self.activities[a.unit].append(
                    [
                        act.date.strftime("%Y-%m-%d"),
                        act.name or act.id,
                        _community(doc, act.community),
                        kind_zh(role.kind),
                    ]
                )
            elif a.item in doc.needs:
                n = doc.needs[a.item]
                self.needs[a.unit].append(
                    [
                        n.name or n.id,
                        _community(doc, n.community) if n.community else "",
                        kind_zh(n.kind),
                        str(n.priority),
                    ]
                )
        for rows in self.activities.values():
            rows.sort()

    def units(self) -> list[str]:
        return sorted(set(self.activities) | set(self.needs))


def _community(doc: PlanDocument, community_id: str) -> str:
    return doc.community_names.get(community_id) or community_id


def plan_pdf(doc: PlanDocument, *, org: str = "") -> bytes:
    """The plan as a PDF: the filing copy, then one task notice page per unit."""
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Spacer

    base, title, h2, small = pdf_styles("gj", small_size=8.5, small_leading=11)

    def para(text: Any, style: ParagraphStyle = small) -> Paragraph:
        return text_para(text, style)

    def grid(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        return pdf_grid([header, *rows], widths, small)

    name = doc.name
    plan = doc.plan
    tasks = _Tasks(doc)
    story: list[Any] = pdf_heading(
        f"{org}{name}",
        f"季度：{quarter_zh(doc.quarter)}　　编制时间：{_beijing(doc.stamp)}"
        f"　　状态：{STATUS_LABELS_ZH.get(plan.status, plan.status)}",
        title,
        base,
    )
    n_roles = sum(1 for a in plan.assignments if a.type == "role")
    figures = [
        ["安排事项", str(len(plan.assignments))],
        ["活动角色安排", str(n_roles)],
        ["交办单安排（接单）", str(len(plan.assignments) - n_roles)],
        ["未满足的交办单", str(len(plan.unmet))],
        ["参与单位", str(len(tasks.units()))],
    ]
    story += [para("一、概况", h2), grid(["项目", "数量"], figures, [60, 30]), Spacer(1, 3 * mm)]
    rows = []
    for unit in tasks.units():
        uname = doc.unit_name(unit)
        for date_, act, where, role in tasks.activities[unit]:
            rows.append([uname, "活动", act, where, date_, role])
        for title_, where, kind, priority in tasks.needs[unit]:
            rows.append([uname, "交办单", title_, where, f"优先级 {priority}", kind])
    story += [
        para("二、按单位的安排", h2),
        grid(
            ["单位", "类型", "事项", "社区", "日期 / 优先级", "类别 / 角色"],
            rows,
            [48, 18, 86, 40, 30, 45],
        ),
    ]
    if plan.unmet:
        unmet = [
            [doc.needs[u.item].name if u.item in doc.needs else u.item, reason_label(u.reason)]
            for u in plan.unmet
        ]
        story += [para("三、未满足的交办单", h2), grid(["交办单", "原因"], unmet, [120, 140])]

    for unit in tasks.units():
        uname = doc.unit_name(unit)
        story += [
            PageBreak(),
            para("共建任务通知书", title),
            Spacer(1, 3 * mm),
            para(f"{uname}：", h2),
            para(
                f"根据{org}{name}，贵单位本季度承担以下共建任务，请按时完成并及时反馈。",
                base,
            ),
            Spacer(1, 3 * mm),
        ]
        if tasks.activities[unit]:
            story += [
                para("五联活动", h2),
                grid(
                    ["日期", "活动", "社区", "本单位角色"],
                    tasks.activities[unit],
                    [30, 110, 60, 60],
                ),
            ]
        if tasks.needs[unit]:
            story += [
                para("民情交办单", h2),
                grid(["事项", "社区", "类别", "优先级"], tasks.needs[unit], [120, 60, 60, 20]),
            ]
        story += [
            Spacer(1, 10 * mm),
            para("单位负责人（签字）：____________　　日期：____________", base),
            Spacer(1, 6 * mm),
            para(f"{org}共建委员会（盖章）　　{name}", base),
        ]

    return landscape_pdf(story, title=f"{org}{name}", footer=name, author=org or "gongjian")
