"""CP-SAT model of the planning problem over grouped need classes and role slots.

Decision variables
------------------
* ``x[c, u]`` — integer, how many needs of class ``c`` unit ``u`` takes;
* ``b[r, u]`` — boolean, unit ``u`` fills one place of role ``r``;
* ``s[u, j]`` — load of unit ``u`` in its ``j``-th fairness segment (equal marginal);
* ``z[c, t]`` — community ``c`` receives joint type ``t``.

The same builder serves three purposes: the exact whole model (small problems),
the activity sub-problem with the need loads fixed (``fixed_load``), and the
explanation model where every hard rule is guarded by a named literal (``named``)
so that ``SufficientAssumptionsForInfeasibility`` returns conflicting rules.

Hard rules and soft goals are each a small function below.  The fairness segments
are only lower-bounded by the convex penalty for a given assignment; since the
marginals are non-decreasing, the maximisation fills them in order, so the model
optimum (and CP-SAT's bound) equals the true optimum of the objective.

Length: ~570 lines, one CP-SAT model builder (rules and objective read together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from gongjian.matching.grouped import Compiled
from gongjian.matching.objective import fairness_segments
from gongjian.matching.problem import Conflict
from gongjian.matching.progress import SolveProgress

__all__ = [
    "CpBuilder",
    "RuleBook",
    "SolutionFeed",
    "cpsat_parameters",
    "solve_cpsat",
    "watch_bound",
]


@dataclass
class RuleBook:
    """Named enforcement literals of hard rules (only when ``named``)."""

    model: cp_model.CpModel
    named: bool
    literals: list[cp_model.IntVar] = field(default_factory=list)
    rules: list[Conflict] = field(default_factory=list)

    def enforce(
        self,
        ct: cp_model.Constraint,
        code: str,
        zh: str,
        en: str,
        items: list[str] | None = None,
        units: list[str] | None = None,
    ) -> None:
        """Guard ``ct`` with a literal named after the rule (no-op unless ``named``)."""
        if not self.named:
            return
        lit = self.model.NewBoolVar(f"rule{len(self.rules)}")
        ct.OnlyEnforceIf(lit)
        self.literals.append(lit)
        self.rules.append(
            Conflict(code=code, message_zh=zh, message_en=en, items=items or [], units=units or [])
        )


class CpBuilder:
    """Build the CP-SAT model for ``cp``.

    Parameters
    ----------
    cp : Compiled
        The compiled problem.
    include_needs : bool
        Model the need classes (whole model) or not (activity sub-problem).
    fixed_load : numpy.ndarray, optional
        Effort already used at each unit by parts not modelled (need loads).
    fixed_kind_load : dict, optional
        Uses (次) already taken per ``(unit, kind)`` by parts not modelled.
    named : bool
        Guard hard rules with named literals (explanation model).
    activities : set of int, optional
        Model only these activities (large-neighbourhood sub-problem); the others
        are fixed and their effect is passed via ``fixed_load``, ``busy`` and
        ``covered``.
    busy : set of (unit, date index), optional
        Units already taking part in a fixed activity on that date.
    covered : set of (community, joint type), optional
        Pairs already covered by fixed activities (no bonus left to earn).
    prices : object with ``unit_price``, ``kind_price`` and ``lcm``, optional
        Lagrangian bound model (activities only): the objective becomes
        ``lcm * (role gains + joint bonus) - price . load`` and the fairness
        segments are left out (they live in the priced need part).
    """

    def __init__(
        self,
        cp: Compiled,
        *,
        include_needs: bool = True,
        fixed_load: np.ndarray | None = None,
        fixed_kind_load: dict[tuple[int, str], int] | None = None,
        named: bool = False,
        activities: set[int] | None = None,
        busy: set[tuple[int, int]] | None = None,
        covered: set[tuple[str, str]] | None = None,
        prices: Any = None,
    ) -> None:
        self.cp = cp
        self.prices = prices
        self.scale = 1 if prices is None else int(prices.lcm)
        self.active = set(range(len(cp.activities))) if activities is None else activities
        self.busy = busy or set()
        self.covered = covered or set()
        self.model = cp_model.CpModel()
        self.rules = RuleBook(self.model, named)
        self.fixed = np.zeros(cp.m, dtype=np.int64) if fixed_load is None else fixed_load
        self.fixed_kind = fixed_kind_load or {}
        self.include_needs = include_needs
        self.x: list[dict[int, cp_model.IntVar]] = []
        self.b: list[dict[int, cp_model.IntVar]] = []
        self.z: dict[tuple[str, str], cp_model.IntVar] = {}
        self.ub: dict[int, int] = {}
        self.segments: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(cp.m)]
        self.objective_terms: list = []
        # per unit: list of (effort, var, kind)
        self.unit_terms: list[list[tuple[int, cp_model.IntVar, str]]] = [[] for _ in range(cp.m)]
        self._variables(named)
        # hard rules
        self.hard_need_taken_once()
        self.hard_pins()
        self.hard_role_counts()
        self.hard_activity_min_max()
        self.hard_no_unit_twice_in_activity()
        self.hard_one_activity_per_unit_and_date()
        self.hard_capacity()
        self.hard_kind_capacity()
        if named:
            return  # explanation model: feasibility only (segments would cap the load)
        # soft goals
        self.soft_pair_gain()
        self.soft_fair_load()
        self.soft_joint_coverage()
        self.model.Maximize(sum(self.objective_terms))

    # ---------------------------------------------------------------- variables
    def _variables(self, named: bool) -> None:
        cp, model = self.cp, self.model
        if self.include_needs:
            for ci, cl in enumerate(cp.classes):
                d = {}
                rep = cl.rep
                for u, e in zip(rep.units.tolist(), rep.effort.tolist(), strict=True):
                    room = int(cp.cap[u] - self.fixed[u]) // e
                    ub = cl.count if named else max(0, min(cl.count, room))
                    d[u] = model.NewIntVar(0, ub, f"x{ci}_{u}")
                    self.ub[d[u].Index()] = ub
                    self.unit_terms[u].append((e, d[u], rep.kind))
                self.x.append(d)
        for ri, r in enumerate(cp.roles):
            d = {}
            if r.activity not in self.active:
                self.b.append(d)
                continue
            date = cp.activities[r.activity].date
            for u, e in zip(r.units.tolist(), r.effort.tolist(), strict=True):
                if (u, date) in self.busy:
                    continue
                d[u] = model.NewBoolVar(f"b{ri}_{u}")
                self.ub[d[u].Index()] = 1
                self.unit_terms[u].append((e, d[u], r.kind))
            self.b.append(d)

    def _ukey(self, u: int) -> str:
        return self.cp.unit_ids[u]

    # ---------------------------------------------------------------- hard rules
    def hard_need_taken_once(self) -> None:
        """A need goes to at most one unit; a required need to exactly one."""
        if not self.include_needs:
            return
        for ci, cl in enumerate(self.cp.classes):
            total = sum(self.x[ci].values())
            if cl.rep.required:
                ct = self.model.Add(total == cl.count)
                keys = [self.cp.needs[i].key for i in cl.members]
                self.rules.enforce(
                    ct,
                    "required_need",
                    f"必须满足的需求 {', '.join(keys[:5])} 必须分配",
                    f"required need(s) {', '.join(keys[:5])} must be assigned",
                    keys,
                )
            else:
                self.model.Add(total <= cl.count)

    def hard_pins(self) -> None:
        """A pinned (item, unit) pair must be in the plan."""
        cp = self.cp
        if self.include_needs:
            for ci, cl in enumerate(cp.classes):
                for u in cl.rep.pinned:
                    ct = self.model.Add(self.x[ci][u] >= 1)
                    self.rules.enforce(
                        ct,
                        "pin",
                        f"固定分配：{cl.rep.key} → {self._ukey(u)}",
                        f"pin: {cl.rep.key} -> {self._ukey(u)}",
                        [cl.rep.key],
                        [self._ukey(u)],
                    )
        for ri, r in enumerate(cp.roles):
            if r.activity not in self.active:
                continue
            for u in r.pinned:
                if u not in self.b[ri]:
                    self.model.AddBoolOr([])  # pinned unit busy elsewhere: infeasible
                    continue
                ct = self.model.Add(self.b[ri][u] == 1)
                self.rules.enforce(
                    ct,
                    "pin",
                    f"固定分配：{r.key} → {self._ukey(u)}",
                    f"pin: {r.key} -> {self._ukey(u)}",
                    [r.key],
                    [self._ukey(u)],
                )

    def hard_role_counts(self) -> None:
        """A required role gets exactly ``count`` units, an optional one at most ``count``."""
        for ri, r in enumerate(self.cp.roles):
            if r.activity not in self.active:
                continue
            total = sum(self.b[ri].values())
            if r.required:
                ct = self.model.Add(total == r.count)
                self.rules.enforce(
                    ct,
                    "role_count",
                    f"角色 {r.key} 需要恰好 {r.count} 个单位（符合条件的单位 {len(self.b[ri])} 个）",
                    f"role {r.key} needs exactly {r.count} unit(s) ({len(self.b[ri])} eligible)",
                    [r.key],
                )
            else:
                self.model.Add(total <= r.count)

    def _activity_units(self, ai: int) -> list[cp_model.IntVar]:
        out = []
        for ri in self.cp.activities[ai].roles:
            out.extend(self.b[ri].values())
        return out

    def hard_activity_min_max(self) -> None:
        """The number of units in an activity lies in ``[min_units, max_units]``."""
        for ai, a in enumerate(self.cp.activities):
            if ai not in self.active:
                continue
            total = sum(self._activity_units(ai))
            if a.min_units > 0:
                ct = self.model.Add(total >= a.min_units)
                self.rules.enforce(
                    ct,
                    "activity_min_units",
                    f"活动 {a.id} 至少需要 {a.min_units} 个单位",
                    f"activity {a.id} needs at least {a.min_units} unit(s)",
                    [a.id],
                )
            if a.max_units is not None:
                ct = self.model.Add(total <= a.max_units)
                self.rules.enforce(
                    ct,
                    "activity_max_units",
                    f"活动 {a.id} 最多 {a.max_units} 个单位",
                    f"activity {a.id} takes at most {a.max_units} unit(s)",
                    [a.id],
                )

    def hard_no_unit_twice_in_activity(self) -> None:
        """A unit fills at most one place in one activity."""
        for a in self.cp.activities:
            per_unit: dict[int, list] = {}
            for ri in a.roles:
                for u, v in self.b[ri].items():
                    per_unit.setdefault(u, []).append(v)
            for u, vs in per_unit.items():
                if len(vs) > 1:
                    ct = (
                        self.model.AddAtMostOne(vs)
                        if not self.rules.named
                        else self.model.Add(sum(vs) <= 1)
                    )
                    self.rules.enforce(
                        ct,
                        "unit_twice_in_activity",
                        f"单位 {self._ukey(u)} 在活动 {a.id} 中只能担任一个角色",
                        f"unit {self._ukey(u)} may fill only one place in activity {a.id}",
                        [a.id],
                        [self._ukey(u)],
                    )

    def hard_one_activity_per_unit_and_date(self) -> None:
        """A unit takes part in at most one activity per date."""
        cp = self.cp
        per: dict[tuple[int, int], dict[int, list]] = {}
        for ai, a in enumerate(cp.activities):
            for ri in a.roles:
                for u, v in self.b[ri].items():
                    per.setdefault((u, a.date), {}).setdefault(ai, []).append(v)
        for (u, d), by_act in sorted(per.items()):
            if len(by_act) < 2:
                continue
            ct = self.model.Add(sum(sum(vs) for vs in by_act.values()) <= 1)
            acts = [cp.activities[ai].id for ai in sorted(by_act)]
            self.rules.enforce(
                ct,
                "two_activities_one_date",
                f"单位 {self._ukey(u)} 在 {cp.dates[d]} 只能参加一个活动（{', '.join(acts)}）",
                f"unit {self._ukey(u)} can attend only one activity on {cp.dates[d]} "
                f"({', '.join(acts)})",
                acts,
                [self._ukey(u)],
            )

    def hard_capacity(self) -> None:
        """The effort taken by a unit stays within its quarterly capacity."""
        cp = self.cp
        for u in range(cp.m):
            terms = self.unit_terms[u]
            if not terms:
                continue
            room = int(cp.cap[u] - self.fixed[u])
            if sum(e * self.ub[v.Index()] for e, v, _ in terms) <= room and not self.rules.named:
                continue
            self._unit_cap(
                u,
                [(e, v) for e, v, _ in terms],
                room,
                "capacity",
                f"本季度容量为 {int(cp.cap[u])}",
                f"has capacity {int(cp.cap[u])} this quarter",
            )

    def hard_kind_capacity(self) -> None:
        """The uses (次) per resource kind stay within the unit's capacity of that kind.

        Every assignment of an item of the kind takes one use, whatever its effort.
        """
        cp = self.cp
        for (u, kind), kc in sorted(cp.kind_cap.items()):
            terms = [(1, v) for _, v, k in self.unit_terms[u] if k == kind]
            if not terms:
                continue
            self._unit_cap(
                u,
                terms,
                kc - self.fixed_kind.get((u, kind), 0),
                "kind_capacity",
                f"的 {kind} 类资源本季度可用 {kc} 次",
                f"has {kc} uses of kind {kind} this quarter",
            )

    def _unit_cap(
        self,
        u: int,
        terms: list[tuple[int, cp_model.IntVar]],
        room: int,
        code: str,
        zh: str,
        en: str,
    ) -> None:
        """``sum(coef * var)`` over ``terms`` stays within ``room``, as the named rule ``code``."""
        ct = self.model.Add(sum(e * v for e, v in terms) <= room)
        self.rules.enforce(
            ct,
            code,
            f"单位 {self._ukey(u)} {zh}",
            f"unit {self._ukey(u)} {en}",
            [],
            [self._ukey(u)],
        )

    # ---------------------------------------------------------------- soft goals
    def soft_pair_gain(self) -> None:
        """Fit score, priority-weighted coverage and kept previous pairs (linear per pair)."""
        cp = self.cp
        if self.include_needs:
            for ci, cl in enumerate(cp.classes):
                for u, g in zip(cl.rep.units.tolist(), cl.rep.gain.tolist(), strict=True):
                    if g:
                        self.objective_terms.append(g * self.x[ci][u])
        pr = self.prices
        for ri, r in enumerate(cp.roles):
            if not self.b[ri]:
                continue
            for u, g, e in zip(r.units.tolist(), r.gain.tolist(), r.effort.tolist(), strict=True):
                if u not in self.b[ri]:
                    continue
                coef = g * self.scale
                if pr is not None:
                    price = pr.kind_price.get((u, r.kind), int(pr.unit_price[u]))
                    coef -= price * e
                if coef:
                    self.objective_terms.append(coef * self.b[ri][u])

    def soft_fair_load(self) -> None:
        """Convex penalty on each unit's load ratio, as segments of equal marginal cost."""
        cp = self.cp
        wf = cp.problem.weights.fairness
        if wf == 0 or self.prices is not None:
            return
        for u in range(cp.m):
            terms = self.unit_terms[u]
            if not terms:
                continue
            start = int(self.fixed[u])
            reach = min(int(cp.cap[u]) - start, sum(e * self.ub[v.Index()] for e, v, _ in terms))
            segs = fairness_segments(int(cp.cap[u]), start)
            load = sum(e * v for e, v, _ in terms)
            parts = []
            used = 0
            for j, (length, marg) in enumerate(segs):
                if used >= reach:
                    break
                length = min(length, reach - used)
                used += length
                s = self.model.NewIntVar(0, length, f"s{u}_{j}")
                parts.append(s)
                self.segments[u].append((s, length))
                if marg:
                    self.objective_terms.append(-wf * marg * s)
            if parts:
                self.model.Add(sum(parts) == load)

    def soft_joint_coverage(self) -> None:
        """Bonus for each (community, joint type) that gets at least one activity unit."""
        cp = self.cp
        wj = cp.problem.weights.joint_coverage
        if wj == 0:
            return
        by: dict[tuple[str, str], list] = {}
        for ai, a in enumerate(cp.activities):
            if ai in self.active:
                by.setdefault((a.community, a.joint_type), []).extend(self._activity_units(ai))
        for key in cp.joint_pairs:
            if key in self.covered:
                continue
            vs = by.get(key, [])
            if not vs:
                continue
            z = self.model.NewBoolVar(f"z_{key[0]}_{key[1]}")
            self.model.Add(z <= sum(vs))
            self.z[key] = z
            self.objective_terms.append(wj * self.scale * z)

    # ---------------------------------------------------------------- helpers
    def add_hint(
        self, class_units: list[dict[int, int]] | None, role_units: list[set[int]]
    ) -> None:
        """Hint a solution (class counts per unit, role unit sets)."""
        if class_units is not None and self.include_needs:
            for ci, d in enumerate(self.x):
                got = class_units[ci]
                for u, v in d.items():
                    self.model.AddHint(v, min(got.get(u, 0), self.ub[v.Index()]))
        load = np.zeros(self.cp.m, dtype=np.int64)
        for ri, d in enumerate(self.b):
            r = self.cp.roles[ri]
            for u, v in d.items():
                on = u in role_units[ri]
                self.model.AddHint(v, 1 if on else 0)
                if on:
                    load[u] += int(r.effort[np.searchsorted(r.units, u)])
        if class_units is not None and self.include_needs:
            for ci, got in enumerate(class_units):
                rep = self.cp.classes[ci].rep
                for u, k in got.items():
                    load[u] += k * int(rep.effort[np.searchsorted(rep.units, u)])
        # fairness segments filled in order, joint-coverage indicators
        for u, segs in enumerate(self.segments):
            left = int(load[u])
            for s, length in segs:
                take = min(left, length)
                self.model.AddHint(s, take)
                left -= take
        covered = set()
        for ri, us in enumerate(role_units):
            if us and self.cp.roles[ri].activity in self.active:
                a = self.cp.activities[self.cp.roles[ri].activity]
                covered.add((a.community, a.joint_type))
        for key, z in self.z.items():
            self.model.AddHint(z, 1 if key in covered else 0)

    def read(self, solver: cp_model.CpSolver) -> tuple[list[dict[int, int]], list[set[int]]]:
        """Read class counts per unit and role unit sets from a solved model."""
        cls = []
        for d in self.x:
            cls.append({u: int(solver.Value(v)) for u, v in d.items() if solver.Value(v)})
        roles = [{u for u, v in d.items() if solver.Value(v)} for d in self.b]
        return cls, roles


#: CP-SAT deterministic-time units granted per second of time limit (one worker).
DTIME_PER_SECOND = 0.5


def cpsat_parameters(
    time_limit: float,
    workers: int,
    seed: int,
    *,
    deterministic: bool = True,
    budget: float | None = None,
) -> cp_model.CpSolver:
    """A CP-SAT solver with the planner's parameters.

    With ``deterministic`` the search runs on one worker limited by deterministic
    time (``DTIME_PER_SECOND * time_limit``), so the same input and seed give the
    same result, unless the wall-clock limit ``time_limit`` strikes first (on a
    machine much slower or busier than the calibration).  ``interleave_search``
    would allow several deterministic workers but was measured 5-10x slower on
    small plans.  ``budget`` (deterministic only): the seconds the deterministic time
    is sized by, when it must not depend on the wall clock (default ``time_limit``).
    Otherwise ``workers`` threads search under the wall-clock limit.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.random_seed = seed
    if deterministic:
        p.num_workers = 1
        p.max_deterministic_time = max(
            0.05, DTIME_PER_SECOND * (time_limit if budget is None else budget)
        )
        p.max_time_in_seconds = max(0.1, time_limit)
    else:
        p.num_workers = max(1, workers)
        p.max_time_in_seconds = max(0.05, time_limit)
    return solver


def solve_cpsat(
    builder: CpBuilder,
    time_limit: float,
    workers: int,
    seed: int,
    *,
    deterministic: bool = True,
    progress: SolveProgress | None = None,
    offset: int = 0,
    budget: float | None = None,
) -> tuple[cp_model.CpSolver, int]:
    """Solve the built model; returns the solver and the CP-SAT status.

    ``progress`` hears of each solution (a solution callback) and each better bound
    (``best_bound_callback``) as CP-SAT finds them, ``offset`` added (the
    objective's constant, which the model leaves out).
    """
    solver = cpsat_parameters(time_limit, workers, seed, deterministic=deterministic, budget=budget)
    if progress is None:
        return solver, solver.Solve(builder.model)
    watch_bound(solver, progress, offset)
    status = solver.Solve(builder.model, SolutionFeed(progress, offset))
    return solver, status


class SolutionFeed(cp_model.CpSolverSolutionCallback):
    """CP-SAT solution callback: each solution's objective and bound (plus ``offset``)."""

    def __init__(self, progress: SolveProgress, offset: int = 0) -> None:
        super().__init__()
        self._progress = progress
        self._offset = offset

    def on_solution_callback(self) -> None:
        self._progress.objective(self.ObjectiveValue() + self._offset)
        self._progress.bound(self.BestObjectiveBound() + self._offset)


def watch_bound(solver: cp_model.CpSolver, progress: SolveProgress, offset: int = 0) -> None:
    """Have ``solver`` report each improvement of its proven bound (plus ``offset``)."""
    solver.best_bound_callback = lambda b: progress.bound(b + offset)
