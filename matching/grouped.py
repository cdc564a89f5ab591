"""Compile a :class:`~gongjian.matching.problem.Problem` into index arrays.

This is where eligibility is applied (forbidden pairs, distance-excluded
candidates, unavailable dates, efforts above the unit's capacity and units with
no use (次) left of the item's resource kind are removed) and where
interchangeable needs are grouped into classes:

two needs are interchangeable when they have the same eligible units with the
same effort and the same per-pair gain, the same priority, the same
``required`` flag, the same kind (when kind capacities exist) and no pin.  A
class with ``count`` members is then one integer decision per unit instead of
``count`` booleans.  Callers may pass needs one by one; grouping is detected here.

Capacities: ``cap[u]`` is the unit's quarterly capacity in effort; ``kind_cap[(u,
kind)]`` is the quarterly capacity of the unit's resources of that kind as a
number of uses (次): every assignment of an item of that kind to the unit takes
one use, whatever its effort.

The *gain* of a pair is its linear objective contribution::

    gain = w.fit * score + w.coverage * priority (needs only) + w.stability * [pair in previous plan]
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from gongjian.matching.objective import fairness_marginals
from gongjian.matching.problem import Candidate, Conflict, Problem, item_key

__all__ = ["CItem", "Compiled", "NeedClass", "compile_problem"]


@dataclass
class CItem:
    """A need or a role with its eligible candidates as arrays."""

    key: str
    is_role: bool
    activity: int
    count: int
    required: bool
    kind: str
    priority: int
    units: np.ndarray
    effort: np.ndarray
    score: np.ndarray
    gain: np.ndarray
    pinned: list[int] = field(default_factory=list)

    @property
    def uniform_effort(self) -> bool:
        """True when the effort does not depend on the unit."""
        return self.effort.size == 0 or bool((self.effort == self.effort[0]).all())


@dataclass
class NeedClass:
    """Interchangeable needs: ``members`` share ``rep``'s candidates and gains."""

    members: list[int]
    rep: CItem

    @property
    def count(self) -> int:
        """Number of needs in the class."""
        return len(self.members)


@dataclass
class CActivity:
    """An activity's scheduling data."""

    id: str
    community: str
    joint_type: str
    date: int
    roles: list[int]
    min_units: int
    max_units: int | None


@dataclass
class Compiled:
    """Index form of a problem (see module docstring)."""

    problem: Problem
    unit_ids: list[str]
    cap: np.ndarray
    kind_cap: dict[tuple[int, str], int]  # uses (次) per (unit, kind), not effort
    needs: list[CItem]
    roles: list[CItem]
    activities: list[CActivity]
    classes: list[NeedClass]
    joint_pairs: list[tuple[str, str]]
    constant: int
    conflicts: list[Conflict]
    dates: list[str]

    @property
    def m(self) -> int:
        """Number of units."""
        return len(self.unit_ids)

    def unit_name(self, u: int) -> str:
        """What staff read for unit ``u``: its name (its id when it has none)."""
        return self.problem.units[u].name or self.unit_ids[u]

    def marginals(self, u: int) -> np.ndarray:
        """Weighted fairness marginals of unit ``u``."""
        return self.problem.weights.fairness * fairness_marginals(int(self.cap[u]))

    @property
    def flowable(self) -> bool:
        """True when every item's effort is the same on all its candidates."""
        return all(c.rep.uniform_effort for c in self.classes) and all(
            r.uniform_effort for r in self.roles
        )

    @functools.cached_property
    def role_table(self) -> list[dict[int, tuple[int, int]]]:
        """Per role: unit index -> (effort, gain)."""
        return [
            dict(
                zip(
                    r.units.tolist(),
                    zip(r.effort.tolist(), r.gain.tolist(), strict=True),
                    strict=True,
                )
            )
            for r in self.roles
        ]

    @functools.cached_property
    def kind_effort_max(self) -> dict[tuple[int, str], int]:
        """Per capped (unit, kind): the largest effort of an item of that kind on that unit.

        The flow engines measure flow in effort, so they can only relax a cap of
        ``uses`` to ``uses * kind_effort_max`` effort (exact when one effort).
        """
        out: dict[tuple[int, str], int] = {}
        if not self.kind_cap:
            return out
        seen: set[tuple[int, int, str]] = set()
        for it in [*self.needs, *self.roles]:
            # items compiled from one candidate list share their arrays: once each
            arrays = (id(it.units), id(it.effort), it.kind)
            if arrays in seen:
                continue
            seen.add(arrays)
            for u, e in zip(it.units.tolist(), it.effort.tolist(), strict=True):
                key = (u, it.kind)
                if key in self.kind_cap and e > out.get(key, 0):
                    out[key] = e
        return out

    def effort_lcm(self) -> int:
        """Least common multiple of all item efforts (for integer flow costs)."""
        vals = {int(c.rep.effort[0]) for c in self.classes if c.rep.effort.size}
        vals |= {int(r.effort[0]) for r in self.roles if r.effort.size}
        out = 1
        for v in vals:
            out = math.lcm(out, v)
        return out


def _conflict(code: str, zh: str, en: str, items: list[str], units: list[str]) -> Conflict:
    return Conflict(code=code, message_zh=zh, message_en=en, items=items, units=units)


def compile_problem(problem: Problem) -> Compiled:
    """Compile ``problem`` (eligibility filtering, grouping, pins, constants).

    Parameters
    ----------
    problem : Problem
        A validated problem.

    Returns
    -------
    Compiled
        Arrays for the engines; ``conflicts`` lists pins that can never hold.
    """
    w = problem.weights
    uidx = {u.id: i for i, u in enumerate(problem.units)}
    unit_ids = [u.id for u in problem.units]
    cap = np.array([u.capacity for u in problem.units], dtype=np.int64)
    kind_cap: dict[tuple[int, str], int] = {}
    for i, u in enumerate(problem.units):
        for k, v in u.kind_capacity.items():
            kind_cap[(i, k)] = int(v)
    has_kind_cap = bool(kind_cap)
    forbidden = {(p.item, p.unit) for p in problem.forbidden}
    prev = {(p.item, p.unit) for p in problem.previous or []}
    pins: dict[str, list[str]] = {}
    for p in problem.pinned:
        if p.unit not in pins.setdefault(p.item, []):
            pins[p.item].append(p.unit)
    conflicts: list[Conflict] = []
    constant = 0
    prev_items = {i for i, _ in prev}
    forbidden_items = {i for i, _ in forbidden}
    special_items = prev_items | forbidden_items | set(pins)
    cache: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    unavailable_on: dict[dt.date, set[int]] = {}
    for i, u in enumerate(problem.units):
        for d in u.unavailable_dates:
            unavailable_on.setdefault(d, set()).add(i)

    def build(
        key: str,
        cands: list[Candidate],
        *,
        is_role: bool,
        activity: int,
        count: int,
        required: bool,
        kind: str,
        priority: int,
        unavailable: set[int],
    ) -> CItem:
        nonlocal constant
        special = key in special_items
        ck = (id(cands), kind, is_role, priority, frozenset(unavailable))
        if not special and ck in cache:
            arrays = cache[ck]
        else:
            us = np.fromiter((uidx[c.unit] for c in cands), dtype=np.int64, count=len(cands))
            eff = np.fromiter((c.effort for c in cands), dtype=np.int64, count=len(cands))
            sc = np.fromiter((c.score for c in cands), dtype=np.int64, count=len(cands))
            ok = ~np.fromiter(
                (c.beyond_distance_limit for c in cands), dtype=bool, count=len(cands)
            )
            ok &= eff <= cap[us]
            if unavailable:
                ok &= ~np.isin(us, list(unavailable))
            if has_kind_cap:
                # a resource capacity counts uses (次): any effort fits one use left
                kc = np.array([kind_cap.get((int(u), kind), 1 << 40) for u in us], dtype=np.int64)
                ok &= kc >= 1
            gain = w.fit * sc + (0 if is_role else w.coverage * priority)
            if special:
                ids = [c.unit for c in cands]
                if key in prev_items:
                    in_prev = np.array([(key, u) in prev for u in ids], dtype=bool)
                    constant -= w.stability * int(in_prev.sum())
                    gain = gain + w.stability * in_prev
                if key in forbidden_items:
                    ok &= ~np.array([(key, u) in forbidden for u in ids], dtype=bool)
            order = np.argsort(us[ok], kind="stable")
            arrays = (us[ok][order], eff[ok][order], sc[ok][order], gain[ok][order])
            if not special:
                cache[ck] = arrays
        item = CItem(
            key=key,
            is_role=is_role,
            activity=activity,
            count=count,
            required=required,
            kind=kind,
            priority=priority,
            units=arrays[0],
            effort=arrays[1],
            score=arrays[2],
            gain=arrays[3],
        )
        if key not in pins:
            return item
        cand_units = {c.unit for c in cands}
        eligible = set(item.units.tolist())
        for unit in pins.get(key, []):
            u = uidx[unit]
            if u in eligible:
                item.pinned.append(u)
                continue
            if (key, unit) in forbidden:
                why_zh, why_en, code = "该配对被禁止", "the pair is forbidden", "pin_forbidden"
            elif unit not in cand_units:
                why_zh, why_en, code = (
                    "该单位不是候选单位",
                    "the unit is not a candidate",
                    "pin_not_candidate",
                )
            elif u in unavailable:
                why_zh, why_en, code = (
                    "该单位当天不可用",
                    "the unit is unavailable that day",
                    "pin_unavailable",
                )
            elif any(c.unit == unit and c.beyond_distance_limit for c in cands):
                why_zh, why_en, code = (
                    "超出距离限制",
                    "beyond the distance limit",
                    "pin_beyond_distance",
                )
            else:
                why_zh, why_en, code = (
                    "工作量超过单位容量",
                    "its effort exceeds the unit's capacity",
                    "pin_exceeds_capacity",
                )
            conflicts.append(
                _conflict(
                    code,
                    f"固定分配 {key} → {unit} 无法成立：{why_zh}",
                    f"pin {key} -> {unit} cannot hold: {why_en}",
                    [key],
                    [unit],
                )
            )
        return item

    needs = []
    for n in problem.needs:
        needs.append(
            build(
                n.id,
                n.candidates,
                is_role=False,
                activity=-1,
                count=1,
                required=n.required,
                kind=n.kind,
                priority=n.priority,
                unavailable=set(),
            )
        )
    dates = sorted({a.date.isoformat() for a in problem.activities})
    didx = {d: i for i, d in enumerate(dates)}
    roles: list[CItem] = []
    acts: list[CActivity] = []
    joint: set[tuple[str, str]] = set()
    for ai, a in enumerate(problem.activities):
        unavailable = unavailable_on.get(a.date, set())
        ridx = []
        for r in a.roles:
            ridx.append(len(roles))
            roles.append(
                build(
                    item_key(a.id, r.id),
                    r.candidates,
                    is_role=True,
                    activity=ai,
                    count=r.count,
                    required=r.required,
                    kind=r.kind,
                    priority=0,
                    unavailable=unavailable,
                )
            )
        acts.append(
            CActivity(
                id=a.id,
                community=a.community,
                joint_type=a.joint_type,
                date=didx[a.date.isoformat()],
                roles=ridx,
                min_units=a.min_units,
                max_units=a.max_units,
            )
        )
        joint.add((a.community, a.joint_type))

    # group interchangeable needs
    groups: dict[tuple, list[int]] = {}
    classes: list[NeedClass] = []
    for i, it in enumerate(needs):
        if it.pinned:
            classes.append(NeedClass(members=[i], rep=it))
            continue
        sig = (
            it.units.tobytes(),
            it.effort.tobytes(),
            it.gain.tobytes(),
            it.required,
            it.priority,
            it.kind if has_kind_cap else "",
        )
        if sig in groups:
            groups[sig].append(i)
        else:
            groups[sig] = [i]
            classes.append(NeedClass(members=groups[sig], rep=it))
    return Compiled(
        problem=problem,
        unit_ids=unit_ids,
        cap=cap,
        kind_cap=kind_cap,
        needs=needs,
        roles=roles,
        activities=acts,
        classes=classes,
        joint_pairs=sorted(joint),
        constant=constant,
        conflicts=conflicts,
        dates=dates,
    )
