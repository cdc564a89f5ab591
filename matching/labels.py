"""Chinese labels of the planner's codes: unmet reasons, fit parts, plan statuses.

One table each, shared by the rendered account (:func:`gongjian.matching.explain.render_plan`),
the API's explanations and the exports.

>>> part_label("pairing"), reason_label("no_eligible_unit"), STATUS_LABELS_ZH["optimal"]
('结对', '没有符合条件的单位', '最优')
>>> part_label("suitability"), part_label("satisfaction")
('适配度', '以往满意度')
>>> part_label("custom")  # a part the compiler does not produce keeps its code
'custom'
"""

from __future__ import annotations

__all__ = [
    "LEFT_OUT_LABELS_ZH",
    "PART_LABELS_ZH",
    "REASON_LABELS_ZH",
    "STATUS_LABELS_ZH",
    "kind_label",
    "left_out_label",
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
    "suitability": "适配度",
    "distance": "距离",
    "pairing": "结对",
    "cooperation": "以往合作",
    "satisfaction": "以往满意度",
    "kind_match": "类别匹配",  # problems compiled before the suitability table
}

#: why an item was left out of the problem (:class:`~gongjian.matching.problem.LeftOut`)
LEFT_OUT_LABELS_ZH: dict[str, str] = {
    "activity_date_passed": "活动日期已过",
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


def left_out_label(reason: str) -> str:
    """Chinese text of a left-out reason code (the code itself for an unknown one)."""
    return LEFT_OUT_LABELS_ZH.get(reason, reason)


def reason_label(reason: str) -> str:
    """Chinese text of an unmet reason code (the code itself for an unknown one)."""
    return REASON_LABELS_ZH.get(reason, reason)


def parts_text(
    parts: dict[str, int], *, signed: bool = False, distance_km: float | None = None
) -> str:
    """``适配度 20，距离 -3`` (``signed``: ``+20``), in the order of ``parts``.

    With ``distance_km`` the distance part says the kilometres it was scored from.

    >>> parts_text({"suitability": 20, "distance": -3}, signed=True)
    '适配度 +20，距离 -3'
    >>> parts_text({"distance": -2}, distance_km=1.04)
    '距离 -2（1.0 公里）'
    """

    def one(k: str, v: int) -> str:
        text = f"{part_label(k)} {v:+d}" if signed else f"{part_label(k)} {v}"
        if k == "distance" and distance_km is not None:
            text += f"（{distance_km:.1f} 公里）"
        return text

    return "，".join(one(k, v) for k, v in parts.items())


def kind_label(kind: str) -> str:
    """Chinese name of a resource kind (the code itself for one of no vocabulary).

    >>> kind_label("medical"), kind_label("custom")
    ('医疗义诊', 'custom')
    """
    from gongjian.graph.vocab import ResourceKind  # the graph's vocabulary; matching stays pure

    try:
        return ResourceKind(kind).label_zh
    except ValueError:
        return kind
