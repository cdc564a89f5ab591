"""Chinese labels of the planner's codes: unmet reasons, fit parts, plan statuses.

One table each, shared by the rendered account (:func:`gongjian.matching.explain.render_plan`),
the API's explanations and the exports.

>>> part_label("pairing"), reason_label("no_eligible_unit"), STATUS_LABELS_ZH["optimal"]
('结对', '没有符合条件的单位', '最优')
>>> part_label("custom")  # a part the compiler does not produce keeps its code
'custom'
"""

from __future__ import annotations

__all__ = [
    "PART_LABELS_ZH",
    "REASON_LABELS_ZH",
    "STATUS_LABELS_ZH",
    "part_label",
    "parts_text",
    "reason_label",
]

#: why a need stayed unmet (the reason codes of :class:`~gongjian.matching.problem.Unmet`)
REASON_LABELS_ZH: dict[str, str] = {
    "no_eligible_unit": "没有符合条件的单位",
    "beyond_distance_limit": "提供该资源的单位都超出距离限制",
    "eligible_units_full": "符合条件的单位容量已满",
    "lost_to_higher_priority": "容量让给了优先级更高的需求",
    "net_benefit_negative": "再增加负荷的均衡代价大于收益",
}

#: the fit parts the compiler produces (:mod:`gongjian.matching.from_graph`)
PART_LABELS_ZH: dict[str, str] = {
    "kind_match": "类别匹配",
    "distance": "距离",
    "pairing": "结对",
    "cooperation": "以往合作",
}

#: :attr:`~gongjian.matching.problem.Plan.status`
STATUS_LABELS_ZH: dict[str, str] = {
    "optimal": "最优",
    "feasible": "可行",
    "infeasible": "不可行",
    "unknown": "未知",
}


def part_label(part: str) -> str:
    """Chinese name of a fit part (the code itself for a part we do not know)."""
    return PART_LABELS_ZH.get(part, part)


def reason_label(reason: str) -> str:
    """Chinese text of an unmet reason code (the code itself for an unknown one)."""
    return REASON_LABELS_ZH.get(reason, reason)


def parts_text(parts: dict[str, int], *, signed: bool = False) -> str:
    """``类别匹配 10，距离 -3`` (``signed``: ``+10``), in the order of ``parts``.

    >>> parts_text({"kind_match": 10, "distance": -3}, signed=True)
    '类别匹配 +10，距离 -3'
    """
    return "，".join(
        f"{part_label(k)} {v:+d}" if signed else f"{part_label(k)} {v}" for k, v in parts.items()
    )
