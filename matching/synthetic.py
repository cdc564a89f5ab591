"""Deterministic synthetic planning problems (no store involved).

:func:`district_problem` mimics a city district: communities of about ten units
laid out on a grid (distance = grid hops), units of the usual types each
offering 2–4 of 12 resource kinds, capacities 20–60 effort units per quarter,
needs with kinds, priorities 1–5 and efforts 1–3 (a few popular categories per
community, so many needs are interchangeable), candidates = units offering the
kind within two communities, fit = kind match + distance + pairing +
cooperation; activities with 1–3 roles of count 1–3 spread over the quarter's
65 working days.

:func:`example_problem` is a small Xingcheng sub-district quarter with Chinese
names, for trying ``gongjian plan solve`` and ``explain``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from gongjian.matching.problem import (
    JOINT_TYPES,
    Activity,
    Candidate,
    Need,
    Problem,
    RoleSlot,
    Unit,
    Weights,
)

__all__ = ["KINDS", "UNIT_TYPES", "district_problem", "example_problem", "working_days"]

KINDS = [
    "education",
    "medical",
    "anti_fraud",
    "cleaning",
    "patrol",
    "legal_aid",
    "culture",
    "sports_venue",
    "elderly_care",
    "children",
    "fire_safety",
    "volunteering",
]

#: unit type -> (Chinese label, preferred kinds)
UNIT_TYPES: dict[str, tuple[str, list[str]]] = {
    "school": ("学校", ["education", "sports_venue", "children", "culture"]),
    "kindergarten": ("幼儿园", ["children", "education"]),
    "hospital": ("医院分院", ["medical", "elderly_care"]),
    "bank": ("银行网点", ["anti_fraud", "volunteering"]),
    "property_company": ("物业公司", ["cleaning", "fire_safety", "patrol"]),
    "police": ("派出所", ["patrol", "anti_fraud", "legal_aid"]),
    "retirees_centre": ("离退中心", ["culture", "elderly_care"]),
    "enterprise": ("企业", ["volunteering", "cleaning"]),
    "city_management": ("城管", ["cleaning", "fire_safety"]),
    "law_firm": ("律师事务所", ["legal_aid"]),
}

_FIT_KIND, _FIT_DIST, _FIT_PAIR = 40, (30, 15, 0), 20


def working_days(start: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` weekdays from ``start``."""
    out, d = [], start
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def _coop(u: int, c: int, seed: int) -> int:
    return (u * 7919 + c * 104729 + seed * 31) % 11


def district_problem(units: int, needs: int, activities: int, seed: int = 1) -> Problem:
    """Generate a district-sized planning problem.

    Parameters
    ----------
    units, needs, activities : int
        Sizes.
    seed : int
        Random seed; the same arguments give the same problem.

    Returns
    -------
    Problem
        With default weights and no previous plan.
    """
    rng = np.random.default_rng(seed)
    n_comm = max(1, round(units / 10))
    width = math.ceil(math.sqrt(n_comm))
    cx = np.arange(n_comm) % width
    cy = np.arange(n_comm) // width
    dist = np.abs(cx[:, None] - cx[None, :]) + np.abs(cy[:, None] - cy[None, :])
    types = list(UNIT_TYPES)
    unit_comm = np.sort(rng.integers(0, n_comm, units))
    unit_comm[: min(units, n_comm)] = np.arange(min(units, n_comm))
    unit_comm = np.sort(unit_comm)
    kind_idx = {k: i for i, k in enumerate(KINDS)}
    offers = np.zeros((units, len(KINDS)), dtype=bool)
    unit_list: list[Unit] = []
    caps = rng.integers(20, 61, units)
    for u in range(units):
        t = types[int(rng.integers(0, len(types)))]
        label, pref = UNIT_TYPES[t]
        n_k = int(rng.integers(2, 5))
        chosen = [pref[0]]
        pool = [k for k in pref[1:]] + [k for k in KINDS if k not in pref]
        while len(chosen) < n_k:
            k = pool[int(rng.integers(0, min(len(pool), 4 if len(chosen) < 2 else len(pool))))]
            if k not in chosen:
                chosen.append(k)
        for k in chosen:
            offers[u, kind_idx[k]] = True
        unit_list.append(
            Unit(
                id=f"U{u:05d}",
                name=f"{label}{u:05d}（社区{int(unit_comm[u]):03d}）",
                capacity=int(caps[u]),
            )
        )
    # pairing: each community pairs with up to two of its own units
    paired = np.zeros((units,), dtype=bool)
    for c in range(n_comm):
        members = np.flatnonzero(unit_comm == c)
        if members.size:
            paired[rng.choice(members, size=min(2, members.size), replace=False)] = True
    # categories: (kind, priority, effort), per community a skewed choice
    n_cat = 24
    cat_kind = rng.integers(0, len(KINDS), n_cat)
    cat_prio = rng.integers(1, 6, n_cat)
    cat_effort = rng.integers(1, 4, n_cat)
    cache: dict[tuple[int, int, int, int], list[Candidate]] = {}
    far_cache: dict[tuple[int, int], int] = {}

    def candidates(c: int, k: int, e: int, maxd: int) -> list[Candidate]:
        key = (c, k, e, maxd)
        if key not in cache:
            near = np.flatnonzero(offers[:, k] & (dist[c, unit_comm] <= maxd))
            out = []
            for u in near.tolist():
                d = int(dist[c, unit_comm[u]])
                pair = _FIT_PAIR if (paired[u] and unit_comm[u] == c) else 0
                co = _coop(u, c, seed)
                parts = {
                    "kind_match": _FIT_KIND,
                    "distance": _FIT_DIST[d],
                    "pairing": pair,
                    "cooperation": co,
                }
                out.append(
                    Candidate.model_construct(
                        unit=unit_list[u].id,
                        effort=e,
                        score=sum(parts.values()),
                        parts=parts,
                        beyond_distance_limit=False,
                    )
                )
            cache[key] = out
        return cache[key]

    def far(c: int, k: int) -> int:
        if (c, k) not in far_cache:
            far_cache[(c, k)] = int((offers[:, k] & (dist[c, unit_comm] == 3)).sum())
        return far_cache[(c, k)]

    need_comm = np.sort(rng.integers(0, n_comm, needs))
    weights = 1.0 / np.arange(1, n_cat + 1) ** 1.1
    weights /= weights.sum()
    need_list: list[Need] = []
    for i in range(needs):
        c = int(need_comm[i])
        # each community favours its own rotation of the categories
        cat = int((rng.choice(n_cat, p=weights) + 7 * c) % n_cat)
        k, p, e = int(cat_kind[cat]), int(cat_prio[cat]), int(cat_effort[cat])
        cands = candidates(c, k, e, 2)
        need_list.append(
            Need.model_construct(
                id=f"N{i:06d}",
                kind=KINDS[k],
                priority=p,
                required=bool(p == 5 and len(cands) >= 8 and rng.random() < 0.2),
                community=f"C{c:03d}",
                category=f"cat{cat:02d}",
                candidates=cands,
                excluded_by_distance=far(c, k),
            )
        )
    days = working_days(dt.date(2026, 1, 5), 65)
    jts = list(JOINT_TYPES)
    acts: list[Activity] = []
    for a in range(activities):
        c = int(rng.integers(0, n_comm))
        n_roles = int(rng.integers(1, 4))
        roles = []
        used_kinds: set[int] = set()
        for r in range(n_roles):
            k = int(rng.integers(0, len(KINDS)))
            if k in used_kinds:
                continue
            used_kinds.add(k)
            count = int(rng.integers(1, 4))
            e = int(rng.integers(1, 3))
            cands = candidates(c, k, e, 1)
            if not cands:
                continue
            roles.append(
                RoleSlot.model_construct(
                    id=f"r{r}",
                    kind=KINDS[k],
                    count=count,
                    required=bool(len(cands) >= count + 2 and rng.random() < 0.8),
                    candidates=cands,
                )
            )
        if not roles:
            continue
        total = sum(r.count for r in roles)
        acts.append(
            Activity.model_construct(
                id=f"A{a:04d}",
                name=f"共建活动{a:04d}",
                joint_type=jts[int(rng.integers(0, 5))],
                community=f"C{c:03d}",
                date=days[int(rng.integers(0, len(days)))],
                roles=roles,
                min_units=1 if any(r.required for r in roles) else 0,
                max_units=total,
            )
        )
    return Problem(
        name=f"district-{units}u-{needs}n-{activities}a-s{seed}",
        units=unit_list,
        needs=need_list,
        activities=acts,
        weights=Weights(),
    )


_EXAMPLE_UNITS = [
    ("xc-middle", "星城中学", 0, 40, ["education", "sports_venue", "fire_safety"]),
    ("xc-primary", "星城小学", 0, 36, ["education", "children", "fire_safety"]),
    ("xc-kinder", "星城幼儿园", 1, 20, ["children", "education"]),
    ("yh-hospital", "燕化医院星城分院", 1, 45, ["medical", "elderly_care"]),
    ("icbc", "工商银行星城分行", 2, 30, ["anti_fraud", "volunteering"]),
    ("xc-property", "星城物业", 2, 50, ["cleaning", "fire_safety", "patrol"]),
    ("retirees", "离退中心活动站", 3, 25, ["culture", "elderly_care"]),
    ("police", "星城派出所", 3, 35, ["patrol", "anti_fraud", "legal_aid"]),
    ("chengguan", "城管中队", 1, 30, ["cleaning", "fire_safety"]),
    ("zongzhi", "综治中心", 2, 25, ["legal_aid", "patrol"]),
    ("library", "社区图书馆", 0, 20, ["culture", "education", "children"]),
    ("law-firm", "星城律师事务所", 3, 20, ["legal_aid"]),
    ("gym", "星城体育中心", 2, 30, ["sports_venue", "culture"]),
    ("pharmacy", "惠民大药房", 3, 20, ["medical", "volunteering"]),
    ("youth-league", "青年志愿者协会", 0, 30, ["volunteering", "cleaning", "children"]),
]
_EXAMPLE_COMMUNITIES = ["第一社区", "第三社区", "第五社区", "第七社区"]
_EXAMPLE_NEEDS = [
    ("老年人健康体检", "medical", 5, 3),
    ("防范电信诈骗宣传", "anti_fraud", 4, 1),
    ("楼道堆物清理", "cleaning", 3, 2),
    ("地下室消防隐患排查", "fire_safety", 5, 2),
    ("邻里纠纷调解", "legal_aid", 3, 1),
    ("暑期儿童托管活动", "children", 4, 3),
    ("夜间治安巡逻", "patrol", 4, 2),
    ("老年大学书法课", "culture", 2, 1),
    ("青少年篮球场开放", "sports_venue", 2, 1),
    ("独居老人探访", "elderly_care", 4, 2),
]


def example_problem() -> Problem:
    """A small, realistic Xingcheng quarter: 15 units, 30 needs, 5 activities."""
    rng = np.random.default_rng(7)
    units = [
        Unit(
            id=i,
            name=n,
            capacity=max(4, cap // 4),
            unavailable_dates=[dt.date(2026, 1, 9)] if j == 3 else [],
        )
        for j, (i, n, _, cap, _) in enumerate(_EXAMPLE_UNITS)
    ]
    paired = {(0, 0), (3, 1), (5, 2), (7, 3), (6, 3)}

    def cands(comm: int, kind: str, effort: int, maxd: int) -> list[Candidate]:
        out = []
        for ui, (uid, _, uc, _, kinds) in enumerate(_EXAMPLE_UNITS):
            if kind not in kinds:
                continue
            d = abs(uc - comm)
            parts = {
                "kind_match": _FIT_KIND,
                "distance": _FIT_DIST[d] if d <= 2 else 0,
                "pairing": _FIT_PAIR if (ui, comm) in paired else 0,
                "cooperation": _coop(ui, comm, 7),
            }
            out.append(
                Candidate(
                    unit=uid,
                    effort=effort,
                    score=sum(parts.values()),
                    parts=parts,
                    beyond_distance_limit=d > maxd,
                )
            )
        return out

    needs = []
    for i in range(28):
        title, kind, prio, effort = _EXAMPLE_NEEDS[i % len(_EXAMPLE_NEEDS)]
        comm = int(rng.integers(0, len(_EXAMPLE_COMMUNITIES)))
        needs.append(
            Need(
                id=f"need-{i + 1:02d}",
                kind=kind,
                priority=prio,
                required=(prio == 5 and i < 10),
                community=_EXAMPLE_COMMUNITIES[comm],
                category=title,
                candidates=cands(comm, kind, effort, 2),
            )
        )
    # nobody offers heating repairs; legal aid in 第一社区 only from far away
    needs.append(
        Need(
            id="need-29",
            kind="heating",
            priority=4,
            community=_EXAMPLE_COMMUNITIES[0],
            category="暖气不热",
        )
    )
    needs.append(
        Need(
            id="need-30",
            kind="legal_aid",
            priority=3,
            community=_EXAMPLE_COMMUNITIES[0],
            category="法律咨询",
            candidates=cands(0, "legal_aid", 1, 1),
        )
    )
    days = working_days(dt.date(2026, 1, 5), 65)
    specs = [
        ("春节慰问文艺演出", "joint_activities", 3, days[3], [("culture", 2), ("volunteering", 1)]),
        ("党组织结对共建", "joint_organization", 0, days[4], [("education", 1)]),
        ("学校体育场地开放", "shared_resources", 2, days[10], [("sports_venue", 1)]),
        ("在职党员进社区", "joint_member_management", 1, days[4], [("volunteering", 2)]),
        ("义诊与反诈宣传", "joint_services", 1, days[20], [("medical", 1), ("anti_fraud", 1)]),
    ]
    acts = []
    for i, (name, jt, comm, date, roles) in enumerate(specs):
        acts.append(
            Activity(
                id=f"act-{i + 1}",
                name=name,
                joint_type=jt,
                community=_EXAMPLE_COMMUNITIES[comm],
                date=date,
                roles=[
                    RoleSlot(
                        id=f"{kind}",
                        kind=kind,
                        count=cnt,
                        required=True,
                        candidates=[
                            c for c in cands(comm, kind, 2, 3) if not c.beyond_distance_limit
                        ],
                    )
                    for kind, cnt in roles
                ],
                min_units=1,
                max_units=sum(c for _, c in roles),
            )
        )
    return Problem(name="星城街道 2026 年第一季度", units=units, needs=needs, activities=acts)
