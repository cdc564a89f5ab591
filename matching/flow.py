"""Min-cost-flow engines (OR-Tools ``SimpleMinCostFlow``, arcs built with numpy).

Network (flow is measured in *effort units*)::

    commodity node (need class / role / pinned slot) --gain--> unit [--> unit-kind] node
    unit node --segment arcs with rising fairness cost--> sink
    optional commodity --0--> sink                      (item left unmet)

A need class of ``count`` needs of effort ``e`` supplies ``count * e``; a role
supplies ``(count - pins) * e`` with one arc of capacity ``e`` per candidate (at
most one place per unit); a pinned pair is a commodity with a single arc.  Arc
costs are ``-gain * L / e`` per effort unit with ``L`` the lcm of all efforts, so
they are integers; the fairness segment of marginal ``m`` costs ``w * m * L``.

Unit-kind nodes: a resource capacity counts uses (次)
----------------------------------------------------
A unit's capacity is effort; the capacity of its resources of one kind is a
number of uses, one per assignment whatever the effort.  Flow is effort, so the
arc from the unit-kind node ``(u, K)`` to the unit carries at most
``(uses left) * E`` where ``E`` is the largest effort of an item of kind ``K``
on ``u`` (:attr:`~gongjian.matching.grouped.Compiled.kind_effort_max`).  A plan
that takes ``n <= uses`` items of kind ``K`` on ``u`` sends at most ``n * E``
through that arc, so it stays a feasible flow: a relaxation, exact when every
item of the kind has the same effort on ``u`` (then the arc holds exactly
``uses`` of them).  The primal users (:func:`needs_given_roles`,
:func:`repair_needs`) count uses themselves and never keep more than the cap.

Why the relaxation bound is valid
---------------------------------
Every feasible plan maps to a feasible flow of the same value: send ``e`` effort
units along each assigned pair and route each unit's load through its cheapest
segments, whose cost is exactly the convex penalty ``P`` because the marginals
are non-decreasing.  The flow only *drops* or relaxes constraints (the uses of
a resource kind, see above; activity min/max, one
activity per date, one place per activity across roles, and integrality of
``flow / e``), so the min-cost flow value is at least the plan optimum of the
linear part.  The joint-coverage bonus is bounded by its maximum (every
(community, joint type) pair that has a role with an eligible candidate).
Flow values are integers, so ``floor(-cost / L)`` is still an upper bound.

Activity hubs (``min_units`` / ``max_units`` kept as counts)
------------------------------------------------------------
The places of an activity's *optional* roles (not pinned) are fed by one hub
node per activity instead of each role dropping freely: the hub supplies
``P * e`` with ``P = min(places of those roles, max_units - F)``, sends at most
``count * e`` to each role, and may drop at most ``(P - need) * e`` to the sink,
where ``F`` are the forced places (required roles and pins) and
``need = max(0, min_units - F)``.  In a feasible plan the units of an activity
are distinct, so its number of places equals its number of units and lies in
``[min_units, max_units]``; its optional places therefore lie in
``[need, P]`` and the plan still maps to a feasible flow of the same value.  The
relaxation stays a relaxation: the bound remains valid, and it now pays for
the places that ``min_units`` forces on units whose marginal gain is negative.
Hubs are built only when all optional roles of the activity share one effort.

Length: one module on purpose (~740 lines) — the commodity network, its solver and
its three users (relaxation, repair, Lagrangian activity flow) share the private
arc-building helpers; split them only together with the GAP engine rewrite.

Length: ~760 lines: the flow network, its relaxation argument and the repair passes
that turn a flow into a plan read the same arc layout, so they stay together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from gongjian.matching.grouped import CItem, Compiled
from gongjian.matching.objective import fairness_segments

__all__ = [
    "FlowResult",
    "activity_flow",
    "flow_relaxation",
    "lagrangian_prices",
    "needs_given_roles",
    "repair_needs",
]


@dataclass
class FlowResult:
    """Result of a flow solve.

    Attributes
    ----------
    value : int
        Upper bound on the modelled part (``floor(-cost / L)``), without constants.
    class_units : list of dict
        For each need class, whole needs per unit (``flow // e``).
    class_fraction : list of dict
        Raw effort flow per class and unit (for hints and diagnostics).
    role_flow : list of dict
        Effort flow per role and unit.
    """

    value: int
    class_units: list[dict[int, int]]
    class_fraction: list[dict[int, int]]
    role_flow: list[dict[int, int]]


@dataclass
class _Commodity:
    kind: str  # "class" | "role"
    index: int
    supply: int
    units: np.ndarray
    arc_cap: np.ndarray
    gain: np.ndarray
    effort: int
    droppable: bool
    item_kind: str


def _commodities(
    cp: Compiled,
    include_classes: bool,
    include_roles: bool,
    start: np.ndarray,
    counts: list[int] | None = None,
    all_droppable: bool = False,
) -> list[_Commodity] | None:
    out: list[_Commodity] = []
    if include_classes:
        for ci, cl in enumerate(cp.classes):
            rep = cl.rep
            count = cl.count if counts is None else counts[ci]
            if count <= 0:
                continue
            if rep.units.size == 0:
                if rep.required and not all_droppable:
                    return None
                continue
            e = int(rep.effort[0])
            drop = all_droppable or not rep.required
            if rep.pinned:
                out.append(_pinned_commodity("class", ci, rep, rep.pinned[0], e, all_droppable))
                continue
            full = np.full(rep.units.size, count * e, dtype=np.int64)
            out.append(
                _Commodity(
                    "class",
                    ci,
                    count * e,
                    rep.units,
                    full,
                    rep.gain,
                    e,
                    drop,
                    rep.kind,
                )
            )
    if include_roles:
        for ri, r in enumerate(cp.roles):
            out.extend(_role_commodities(ri, r))
    return out


def _pinned_commodity(
    kind: str, index: int, item: CItem, unit: int, e: int, droppable: bool
) -> _Commodity:
    """One place of ``item`` (effort ``e``) that only the pinned ``unit`` can fill."""
    pos = int(np.searchsorted(item.units, unit))
    sl = slice(pos, pos + 1)
    return _Commodity(
        kind, index, e, item.units[sl], np.array([e]), item.gain[sl], e, droppable, item.kind
    )


def _role_commodities(ri: int, r: CItem) -> list[_Commodity]:
    e = int(r.effort[0]) if r.effort.size else 1
    out = []
    pinned = sorted(set(r.pinned))
    for u in pinned:
        out.append(_pinned_commodity("role", ri, r, u, e, False))
    rest = r.count - len(pinned)
    if rest > 0:
        mask = ~np.isin(r.units, pinned)
        out.append(
            _Commodity(
                "role",
                ri,
                rest * e,
                r.units[mask],
                np.full(int(mask.sum()), e, dtype=np.int64),
                r.gain[mask],
                e,
                not r.required,
                r.kind,
            )
        )
    elif rest < 0:
        out.append(
            _Commodity("role", ri, rest * e, r.units[:0], r.units[:0], r.gain[:0], e, False, r.kind)
        )
    return out


@dataclass
class _Hub:
    """An activity hub (module docstring): supply, droppable part, fed commodities."""

    supply: int
    drop: int
    members: list[int]


def _activity_hubs(cp: Compiled, comms: list[_Commodity]) -> list[_Hub]:
    """Hubs for the activities whose ``min_units`` or ``max_units`` constrain optional places."""
    by_act: dict[int, list[int]] = {}
    forced = [0] * len(cp.activities)
    for i, c in enumerate(comms):
        if c.kind != "role":
            continue
        ai = cp.roles[c.index].activity
        if c.droppable and c.units.size:
            by_act.setdefault(ai, []).append(i)
        elif not c.droppable:
            forced[ai] += c.supply // c.effort
    hubs = []
    for ai, members in sorted(by_act.items()):
        efforts = {comms[i].effort for i in members}
        if len(efforts) != 1:
            continue
        e = efforts.pop()
        a = cp.activities[ai]
        places = sum(comms[i].supply // e for i in members)
        if a.max_units is not None:
            places = min(places, max(0, a.max_units - forced[ai]))
        need = min(places, max(0, a.min_units - forced[ai]))
        if need == 0 and places == sum(comms[i].supply // e for i in members):
            continue  # nothing to enforce: free drops are the same relaxation
        hubs.append(_Hub(supply=places * e, drop=(places - need) * e, members=members))
    return hubs


@dataclass
class _Dual:
    """A dual solution of a needs network (see :func:`lagrangian_prices`)."""

    base: int  # dual objective L(pi; b0) (scaled by lcm) without injected loads
    unit_price: np.ndarray  # pi_u - pi_sink per unit node (scaled)
    kind_price: dict[tuple[int, str], int]
    lcm: int


def _solve(
    cp: Compiled,
    comms: list[_Commodity],
    start: np.ndarray,
    start_kind: dict[tuple[int, str], int],
    *,
    inject: np.ndarray | None = None,
    inject_kind: dict[tuple[int, str], int] | None = None,
    want_dual: bool = False,
    hubs: list[_Hub] | None = None,
) -> tuple[int, list[np.ndarray]] | tuple[int, list[np.ndarray], _Dual] | None:
    """Build and solve the network; returns (value, flows per commodity[, dual]) or None.

    ``inject`` adds fixed load (activity efforts) as supply at the unit nodes
    (``inject_kind``, the part of it on capped kinds, in effort, at the unit-kind
    nodes); it then flows through the unit's fairness segments like any need.
    ``start`` is effort already taken per unit, ``start_kind`` uses (次) already
    taken per capped (unit, kind).  ``hubs`` feed optional role commodities
    (see the module docstring); their nodes follow the sink.
    """
    m = cp.m
    hubs = hubs or []
    hubbed = {i for h in hubs for i in h.members}
    if any(c.supply < 0 for c in comms):
        return None
    lcm = cp.effort_lcm()
    wf = cp.problem.weights.fairness
    k = len(comms)
    unit0 = k
    kind_nodes: dict[tuple[int, str], int] = {}
    for key in sorted(cp.kind_cap):
        kind_nodes[key] = unit0 + m + len(kind_nodes)
    sink = unit0 + m + len(kind_nodes)
    lens = np.array([c.units.size for c in comms], dtype=np.int64)
    if k:
        tails = np.repeat(np.arange(k, dtype=np.int64), lens)
        units = np.concatenate([c.units for c in comms]).astype(np.int64)
        caps = np.concatenate([c.arc_cap for c in comms]).astype(np.int64)
        per = np.repeat(np.array([lcm // c.effort for c in comms], dtype=np.int64), lens)
        costs = -np.concatenate([c.gain for c in comms]).astype(np.int64) * per
    else:
        tails = units = caps = costs = np.zeros(0, dtype=np.int64)
    heads = units + unit0
    if kind_nodes and k:
        # arcs of an item of kind K into a unit that caps K go to its unit-kind node
        kind_list = sorted({kind for _, kind in kind_nodes})
        kidx = {kind: i for i, kind in enumerate(kind_list)}
        node_of = np.full((len(kind_list), m), -1, dtype=np.int64)
        for (u, kind), node in kind_nodes.items():
            node_of[kidx[kind], u] = node
        arc_kind = np.repeat(
            np.array([kidx.get(c.item_kind, -1) for c in comms], dtype=np.int64), lens
        )
        has = arc_kind >= 0
        mapped = np.full(heads.size, -1, dtype=np.int64)
        mapped[has] = node_of[arc_kind[has], units[has]]
        sel = mapped >= 0
        heads[sel] = mapped[sel]
    t_list = [tails]
    h_list = [heads]
    c_list = [caps]
    w_list = [costs]
    n_item_arcs = tails.size
    # drop arcs
    drop = np.array(
        [i for i, c in enumerate(comms) if c.droppable and i not in hubbed], dtype=np.int64
    )
    if drop.size:
        t_list.append(drop)
        h_list.append(np.full(drop.size, sink, dtype=np.int64))
        c_list.append(np.array([comms[i].supply for i in drop], dtype=np.int64))
        w_list.append(np.zeros(drop.size, dtype=np.int64))
    # kind nodes -> units
    if kind_nodes:
        keys = sorted(kind_nodes)
        t_list.append(np.array([kind_nodes[key] for key in keys], dtype=np.int64))
        h_list.append(np.array([unit0 + key[0] for key in keys], dtype=np.int64))
        emax = cp.kind_effort_max
        c_list.append(
            np.array(
                [
                    max(0, cp.kind_cap[key] - start_kind.get(key, 0)) * emax.get(key, 0)
                    for key in keys
                ],
                dtype=np.int64,
            )
        )
        w_list.append(np.zeros(len(keys), dtype=np.int64))
    # units -> sink: fairness segments
    st, sh, sc, sw = [], [], [], []
    for u in range(m):
        room = int(cp.cap[u] - start[u])
        if room <= 0:
            continue
        if wf == 0:
            st.append(unit0 + u)
            sh.append(sink)
            sc.append(room)
            sw.append(0)
            continue
        for length, marg in fairness_segments(int(cp.cap[u]), int(start[u])):
            st.append(unit0 + u)
            sh.append(sink)
            sc.append(length)
            sw.append(wf * marg * lcm)
    t_list.append(np.array(st, dtype=np.int64))
    h_list.append(np.array(sh, dtype=np.int64))
    c_list.append(np.array(sc, dtype=np.int64))
    w_list.append(np.array(sw, dtype=np.int64))
    # activity hubs: hub -> role commodity (its places), hub -> sink (droppable part)
    for hi, hub in enumerate(hubs):
        node = sink + 1 + hi
        t_list.append(np.full(len(hub.members) + 1, node, dtype=np.int64))
        h_list.append(np.array([*hub.members, sink], dtype=np.int64))
        c_list.append(np.array([*(comms[i].supply for i in hub.members), hub.drop], dtype=np.int64))
        w_list.append(np.zeros(len(hub.members) + 1, dtype=np.int64))
    n_nodes = sink + 1 + len(hubs)
    all_t = np.concatenate(t_list)
    all_h = np.concatenate(h_list)
    all_c = np.concatenate(c_list)
    all_w = np.concatenate(w_list)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(all_t, all_h, all_c, all_w)
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[:k] = [0 if i in hubbed else c.supply for i, c in enumerate(comms)]
    for hi, hub in enumerate(hubs):
        supplies[sink + 1 + hi] = hub.supply
    base_supplies = supplies.copy()
    base_supplies[sink] = 0
    base_supplies[sink] = -int(base_supplies.sum())
    if inject is not None:
        supplies[unit0 : unit0 + m] += inject
        for key, v in (inject_kind or {}).items():
            if key in kind_nodes:
                supplies[kind_nodes[key]] += v
                supplies[unit0 + key[0]] -= v
    supplies[sink] = 0
    supplies[sink] = -int(supplies.sum())
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return None
    value = (-int(smcf.optimal_cost())) // lcm
    bounds = np.concatenate(([0], np.cumsum(lens)))
    if not want_dual:
        flows = smcf.flows(np.arange(n_item_arcs, dtype=np.int64))
        return value, [flows[bounds[i] : bounds[i + 1]] for i in range(k)]
    all_f = smcf.flows(np.arange(all_t.size, dtype=np.int64))
    flows = all_f[:n_item_arcs]
    pi = _potentials(n_nodes, all_t, all_h, all_c, all_w, all_f)
    slack = np.maximum(0, pi[all_t] - pi[all_h] - all_w)
    base = int((base_supplies * pi).sum()) - int((all_c * slack).sum())
    dual = _Dual(
        base=base,
        unit_price=pi[unit0 : unit0 + m] - pi[sink],
        kind_price={key: int(pi[node] - pi[sink]) for key, node in kind_nodes.items()},
        lcm=lcm,
    )
    return value, [flows[bounds[i] : bounds[i + 1]] for i in range(k)], dual


def _potentials(
    n: int,
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    costs: np.ndarray,
    flows: np.ndarray,
    max_iter: int = 5000,
) -> np.ndarray:
    """Node potentials ``pi = -d`` with ``d`` shortest distances in the residual graph.

    Any ``pi`` gives a valid dual bound (the arc duals absorb violations); the
    shortest-path potentials of an optimal flow give the optimal one.
    """
    fw = flows < caps
    bw = flows > 0
    rt = np.concatenate((tails[fw], heads[bw]))
    rh = np.concatenate((heads[fw], tails[bw]))
    rc = np.concatenate((costs[fw], -costs[bw]))
    d = np.zeros(n, dtype=np.int64)
    for _ in range(max_iter):
        new = d.copy()
        np.minimum.at(new, rh, d[rt] + rc)
        if np.array_equal(new, d):
            break
        d = new
    return -d


def flow_relaxation(cp: Compiled) -> FlowResult | None:
    """Solve the flow relaxation of the whole problem (needs and roles).

    Returns
    -------
    FlowResult or None
        ``None`` proves the problem infeasible (the relaxation already is).
        ``value + cp.constant + max joint bonus`` is a valid upper bound.
    """
    start = np.zeros(cp.m, dtype=np.int64)
    comms = _commodities(cp, True, True, start)
    if comms is None:
        return None
    res = _solve(cp, comms, start, {}, hubs=_activity_hubs(cp, comms))
    if res is None:
        return None
    value, flows = res
    return _collect(cp, comms, flows, value)


def _collect(
    cp: Compiled, comms: list[_Commodity], flows: list[np.ndarray], value: int
) -> FlowResult:
    class_units: list[dict[int, int]] = [{} for _ in cp.classes]
    class_frac: list[dict[int, int]] = [{} for _ in cp.classes]
    role_flow: list[dict[int, int]] = [{} for _ in cp.roles]
    for c, f in zip(comms, flows, strict=True):
        nz = np.flatnonzero(f)
        for i in nz.tolist():
            u = int(c.units[i])
            if c.kind == "class":
                class_frac[c.index][u] = class_frac[c.index].get(u, 0) + int(f[i])
            else:
                role_flow[c.index][u] = role_flow[c.index].get(u, 0) + int(f[i])
    for ci, cl in enumerate(cp.classes):
        if not class_frac[ci]:
            continue
        e = int(cl.rep.effort[0])
        class_units[ci] = {u: v // e for u, v in class_frac[ci].items() if v // e}
    return FlowResult(value, class_units, class_frac, role_flow)


def needs_given_roles(
    cp: Compiled,
    role_load: np.ndarray,
    role_kind_load: dict[tuple[int, str], int],
) -> list[dict[int, int]] | None:
    """Best need assignment when the activity loads are fixed.

    The min-cost flow is exact when all need efforts are 1; with larger efforts
    the whole needs (``flow // e``) are kept, the rest is re-flowed on the
    capacity left (``REFLOW_ROUNDS``), and what still remains is placed greedily
    (best net gain, required first).  ``None`` if a required need cannot be placed.
    ``role_kind_load`` counts uses (次) per capped (unit, kind); whole needs kept
    from a flow never take more uses than are left (the flow only relaxes them).
    """
    load = role_load.astype(np.int64).copy()
    kload = dict(role_kind_load)
    left = [cl.count for cl in cp.classes]
    total: list[dict[int, int]] = [{} for _ in cp.classes]
    for it in range(REFLOW_ROUNDS):
        comms = _commodities(cp, True, False, load, counts=left, all_droppable=it > 0)
        if comms is None:
            return None
        if not comms:
            break
        res = _solve(cp, comms, load, kload)
        if res is None:
            if it == 0:
                return None
            break
        value, flows = res
        fr = _collect(cp, comms, flows, value)
        placed = 0
        for ci, d in enumerate(fr.class_units):
            rep = cp.classes[ci].rep
            for u, k in sorted(d.items()):
                kk = (u, rep.kind)
                if kk in cp.kind_cap:
                    k = min(k, max(0, cp.kind_cap[kk] - kload.get(kk, 0)))
                    if k <= 0:
                        continue
                    kload[kk] = kload.get(kk, 0) + k
                e = int(rep.effort[0]) * k
                total[ci][u] = total[ci].get(u, 0) + k
                left[ci] -= k
                placed += k
                load[u] += e
        if placed == 0:
            break
    return repair_needs(cp, total, role_load, role_kind_load)


#: Rounds of "flow, keep whole needs, re-flow the rest on the capacity left".
REFLOW_ROUNDS = 3


def repair_needs(
    cp: Compiled,
    class_units: list[dict[int, int]],
    role_load: np.ndarray,
    role_kind_load: dict[tuple[int, str], int],
) -> list[dict[int, int]] | None:
    """Place the needs a class still has unplaced, greedily by net gain.

    Returns the completed ``class_units`` or ``None`` if a required need fits nowhere.
    """
    load = role_load.astype(np.int64).copy()
    kload = dict(role_kind_load)
    out = [dict(d) for d in class_units]
    for ci, d in enumerate(out):
        rep = cp.classes[ci].rep
        for u, k in d.items():
            e = int(rep.effort[np.searchsorted(rep.units, u)])
            load[u] += k * e
            if (u, rep.kind) in cp.kind_cap:
                kload[(u, rep.kind)] = kload.get((u, rep.kind), 0) + k
    marg = {}
    wf = cp.problem.weights.fairness
    todo = []
    for ci, cl in enumerate(cp.classes):
        left = cl.count - sum(out[ci].values())
        if left > 0 and cl.rep.units.size:
            todo.append((0 if cl.rep.required else 1, -int(cl.rep.gain.max()), ci, left))
        elif left > 0 and cl.rep.required:
            return None
    todo.sort()
    for _, _, ci, left in todo:
        rep = cp.classes[ci].rep
        for _ in range(left):
            best, best_u = None, -1
            for u, e, g in zip(
                rep.units.tolist(), rep.effort.tolist(), rep.gain.tolist(), strict=True
            ):
                if rep.pinned and u not in rep.pinned:
                    continue
                if load[u] + e > cp.cap[u]:
                    continue
                kk = (u, rep.kind)
                if kk in cp.kind_cap and kload.get(kk, 0) + 1 > cp.kind_cap[kk]:
                    continue
                pen = 0
                if wf:
                    if u not in marg:
                        marg[u] = cp.marginals(u)
                    pen = int(marg[u][load[u] : load[u] + e].sum())
                net = g - pen
                if best is None or net > best:
                    best, best_u = net, u
            if best_u < 0 or (not rep.required and best <= 0):
                if rep.required:
                    return None
                break
            e = int(rep.effort[np.searchsorted(rep.units, best_u)])
            out[ci][best_u] = out[ci].get(best_u, 0) + 1
            load[best_u] += e
            if (best_u, rep.kind) in cp.kind_cap:
                kload[(best_u, rep.kind)] = kload.get((best_u, rep.kind), 0) + 1
    return out


def lagrangian_prices(
    cp: Compiled, act_load: np.ndarray, act_kind_load: dict[tuple[int, str], int]
) -> _Dual | None:
    """Dual prices of unit capacity for the need part, taken at activity loads ``act_load``.

    ``act_kind_load`` is the part of ``act_load`` (effort) on capped (unit, kind)
    pairs; it enters at the unit-kind nodes.  The flow at any role loads ``A`` is
    still a relaxation of the need part: roles taking ``r`` uses of ``(u, K)``
    inject at most ``r * E`` effort there, and the needs may take the ``uses - r``
    left, at most ``(uses - r) * E`` effort (module docstring).

    Why the resulting bound is valid
    --------------------------------
    Let ``F(A)`` be the best value of the need part (gains minus the fairness
    penalty of the *total* load, within capacity) when activities put load ``A`` on
    the units, and ``F_LP(A) >= F(A)`` its flow relaxation, where ``A`` enters as
    supply at the unit nodes.  For any node potentials ``pi``, weak LP duality gives
    ``-L * F_LP(A) >= base + sum_u A_u * price_u`` (``base`` and ``price`` returned
    here, scaled by ``L``), because the dual constraints do not depend on the
    supplies.  Hence for every plan with roles ``R``::

        total(R, needs) <= G(R) + F(A(R)) <= (-base + max_R [L G(R) - price . A(R)]) / L

    where ``G`` is the activity part (role gains + joint coverage).  The max over
    ``R`` is an activity-only problem with linear unit prices whose CP-SAT bound is
    valid, so the whole expression is a proven upper bound for any ``pi``; ``pi``
    from the optimal flow at ``act_load`` makes it tight near that point.
    """
    start = np.zeros(cp.m, dtype=np.int64)
    comms = _commodities(cp, True, False, start)
    if comms is None:
        return None
    res = _solve(cp, comms, start, {}, inject=act_load, inject_kind=act_kind_load, want_dual=True)
    if res is None:
        return None
    return res[2]  # type: ignore[misc]


def _role_hubs(cp: Compiled) -> list[tuple[int, int, list[int]]]:
    """Per activity with binding min/max units: (places, droppable places, optional roles).

    Pins are dropped in :func:`activity_flow`, so the forced places are those of
    the required roles only.
    """
    out = []
    for a in cp.activities:
        members = [ri for ri in a.roles if not cp.roles[ri].required and cp.roles[ri].units.size]
        if not members:
            continue
        forced = sum(cp.roles[ri].count for ri in a.roles if cp.roles[ri].required)
        total = sum(cp.roles[ri].count for ri in members)
        places = total
        if a.max_units is not None:
            places = min(places, max(0, a.max_units - forced))
        need = min(places, max(0, a.min_units - forced))
        if need == 0 and places == total:
            continue
        out.append((places, places - need, members))
    return out


def activity_flow(cp: Compiled, dual: _Dual) -> tuple[int, list[set[int]]] | None:
    """Best role assignment under linear unit prices, as a b-matching (min-cost flow).

    Roles send ``count`` units of flow to *slots* ``(unit, date)`` of capacity 1
    (this keeps "one activity per unit and date" and "one place per unit and
    activity"); the arc value is ``lcm * gain - price * effort``.  The optional
    roles of an activity are fed by a hub that keeps ``min_units`` and
    ``max_units`` as counts of places (valid because a unit takes at most one
    place per activity).  Capacity, kind capacity and pins are dropped, and the
    joint-coverage bonus is counted for every pair that has an eligible role: the returned
    value is therefore an upper bound on ``max_R [lcm * G(R) - price . A(R)]``
    (see :func:`lagrangian_prices`).

    Returns
    -------
    (value, roles) or None
        Scaled value (upper bound) and the integral role assignment of the flow;
        ``None`` if even this relaxation cannot fill the required roles.
    """
    lcm = dual.lcm
    slot_of: dict[tuple[int, int], int] = {}
    tails, heads, costs = [], [], []
    n_roles = len(cp.roles)
    for ri, r in enumerate(cp.roles):
        date = cp.activities[r.activity].date
        price = np.array(
            [dual.kind_price.get((u, r.kind), int(dual.unit_price[u])) for u in r.units.tolist()],
            dtype=np.int64,
        )
        coef = r.gain * lcm - price * r.effort
        for u, c in zip(r.units.tolist(), coef.tolist(), strict=True):
            s = slot_of.setdefault((u, date), len(slot_of))
            tails.append(ri)
            heads.append(s)
            costs.append(-c)
    n_slots = len(slot_of)
    sink = n_roles + n_slots
    t = np.array(tails, dtype=np.int64)
    h = np.array(heads, dtype=np.int64) + n_roles
    c = np.array(costs, dtype=np.int64)
    caps = np.ones(t.size, dtype=np.int64)
    # optional roles of one activity share a hub that keeps min/max units as
    # counts (same argument as the activity hubs of the flow relaxation)
    hubs = _role_hubs(cp)
    hubbed = {ri for _, _, members in hubs for ri in members}
    opt = np.array(
        [ri for ri, r in enumerate(cp.roles) if not r.required and ri not in hubbed],
        dtype=np.int64,
    )
    hub_t, hub_h, hub_c = [], [], []
    for hi, (_, drop, members) in enumerate(hubs):
        node = sink + 1 + hi
        for ri in members:
            hub_t.append(node)
            hub_h.append(ri)
            hub_c.append(cp.roles[ri].count)
        hub_t.append(node)
        hub_h.append(sink)
        hub_c.append(drop)
    n_nodes = sink + 1 + len(hubs)
    all_t = np.concatenate(
        (t, opt, np.arange(n_roles, sink, dtype=np.int64), np.array(hub_t, dtype=np.int64))
    )
    all_h = np.concatenate(
        (h, np.full(opt.size + n_slots, sink, dtype=np.int64), np.array(hub_h, dtype=np.int64))
    )
    all_c = np.concatenate(
        (
            caps,
            np.array([cp.roles[i].count for i in opt], dtype=np.int64),
            np.ones(n_slots, dtype=np.int64),
            np.array(hub_c, dtype=np.int64),
        )
    )
    all_w = np.zeros(all_t.size, dtype=np.int64)
    all_w[: c.size] = c
    smcf = min_cost_flow.SimpleMinCostFlow()
    if all_t.size:
        smcf.add_arcs_with_capacity_and_unit_cost(all_t, all_h, all_c, all_w)
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[:n_roles] = [0 if ri in hubbed else r.count for ri, r in enumerate(cp.roles)]
    for hi, (supply, _, _) in enumerate(hubs):
        supplies[sink + 1 + hi] = supply
    supplies[sink] = -int(supplies.sum())
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
    if smcf.solve() != smcf.OPTIMAL:
        return None
    flows = smcf.flows(np.arange(t.size, dtype=np.int64))
    inv = {s: key for key, s in slot_of.items()}
    roles: list[set[int]] = [set() for _ in cp.roles]
    for i in np.flatnonzero(flows).tolist():
        roles[tails[i]].add(inv[heads[i]][0])
    joint = set()
    for a in cp.activities:
        if any(cp.roles[ri].units.size for ri in a.roles):
            joint.add((a.community, a.joint_type))
    value = -int(smcf.optimal_cost()) + lcm * cp.problem.weights.joint_coverage * len(joint)
    return value, roles
