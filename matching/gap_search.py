"""Compiled (numba) kernels of the GAP engine: regret greedy, shift descent, tabu search.

Length: ~850 lines: two tabu-search kernels (full and sampled neighbourhoods) and
the construction kernels share their state layout, so they stay in one module.

All kernels are ``@njit(cache=True, nogil=True)``: the JIT cost is paid once per
machine (the cache lives next to this file, or in ``NUMBA_CACHE_DIR``), and the
kernels release the GIL, so two searches (or a search and CP-SAT) run on two
cores.  :func:`warm_up` compiles (or loads) every kernel on a tiny instance and
returns the seconds it took.

Arrays: ``c``, ``w`` are ``float64 (m, n)`` (integer-valued), ``cap`` is
``float64 (m,)``, ``allowed`` ``bool (m, n)``, assignments ``int64 (n,)``.

Tabu search (:func:`ts_chunk`)
------------------------------
Penalised objective ``cost + sum_i pen_i * max(0, load_i - cap_i)``; the per-agent
weights rise while an agent is overloaded and fall (never below a floor) while it
is not -- strategic oscillation.  Every iteration evaluates

* all shift moves of every item to its candidate agents (``cand``: the agents
  with the best LP reduced costs, all agents on small instances),
* swap moves ``j <-> k`` and two-step ejection chains (``j: a -> b``, ``k: b -> c``
  with ``c`` the best or second-best exit of ``k``) for the items of a window
  that rotates over a random permutation of the items, against all items ``k``,

and makes the best non-tabu one (aspiration: a move to a new best feasible
solution is always allowed).  The move just undone is tabu for a random tenure.
A chunk returns after ``iters`` iterations, on a stall (no new best for
``stall`` iterations -- the caller then restarts, path relinking over an elite
pool), or on reaching ``target``.  The state lives in the caller's arrays, so
chunks continue one another exactly; with the same inputs and seeds a run is
reproducible.

Sampled kernel (:func:`fs_chunk`)
---------------------------------
The same state and moves, but each iteration looks at a few items only and
stops at the first improving move; see its docstring.  Its work unit (for the
deterministic budgets) is the evaluated move.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

__all__ = ["fs_chunk", "greedy_regret", "shift_descent", "ts_chunk", "warm_up"]

# slots of the float state vector of ts_chunk
S_CUR, S_BEST, S_IT, S_LAST, S_POS, S_MOVES, S_EBEST, S_EVALS = 0, 1, 2, 3, 4, 5, 6, 7


@njit(cache=True, nogil=True)
def _heap_push(hk, hv, size, key, val):
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] >= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(hk, hv, size):
    key = hk[0]
    val = hv[0]
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        lft = 2 * i + 1
        if lft >= size:
            break
        big = lft
        if lft + 1 < size and hk[lft + 1] > hk[lft]:
            big = lft + 1
        if hk[big] <= hk[i]:
            break
        hk[big], hk[i] = hk[i], hk[big]
        hv[big], hv[i] = hv[i], hv[big]
        i = big
    return key, val, size


@njit(cache=True, nogil=True)
def _regret_key(d, w, residual, allowed, j):
    m = d.shape[0]
    b1 = -1
    v1 = np.inf
    v2 = np.inf
    for i in range(m):
        if allowed[i, j] and w[i, j] <= residual[i]:
            v = d[i, j]
            if v < v1:
                v2 = v1
                v1 = v
                b1 = i
            elif v < v2:
                v2 = v
    if b1 < 0:
        return -1, 0.0
    if v2 == np.inf:
        return b1, 1e300  # only one agent left: place it now
    return b1, v2 - v1


@njit(cache=True, nogil=True)
def greedy_regret(d, w, cap, allowed):
    """Regret greedy (Martello & Toth): place the item with the largest gap between its
    best and second-best fitting agent (by desirability ``d``, smaller is better).

    Lazy priority queue: a popped item's regret is recomputed against the current
    residual capacities and the item is pushed back when it fell, so a run costs
    O(n m log n) in practice.  Items that fit nowhere get ``-1``.
    """
    n = d.shape[1]
    residual = cap.copy()
    assign = np.full(n, -1, np.int64)
    cap_heap = 4 * n + 16
    hk = np.empty(cap_heap, np.float64)
    hv = np.empty(cap_heap, np.int64)
    size = 0
    for j in range(n):
        b, r = _regret_key(d, w, residual, allowed, j)
        if b >= 0:
            size = _heap_push(hk, hv, size, r, j)
    pushes = size
    while size > 0:
        key, j, size = _heap_pop(hk, hv, size)
        b, r = _regret_key(d, w, residual, allowed, j)
        if b < 0:
            continue
        if r < key - 1e-9 and pushes < cap_heap - 1 and size < cap_heap - 1:
            size = _heap_push(hk, hv, size, r, j)
            pushes += 1
            continue
        assign[j] = b
        residual[b] -= w[b, j]
    return assign


@njit(cache=True, nogil=True)
def shift_descent(c, w, cap, allowed, assign, max_passes):
    """First-improvement shift (and feasible swap) descent that keeps feasibility."""
    m, n = c.shape
    loads = np.zeros(m)
    for j in range(n):
        loads[assign[j]] += w[assign[j], j]
    for _ in range(max_passes):
        improved = False
        for j in range(n):
            a = assign[j]
            bi = -1
            bv = -0.5
            for i in range(m):
                if i != a and allowed[i, j] and loads[i] + w[i, j] <= cap[i]:
                    dv = c[i, j] - c[a, j]
                    if dv < bv:
                        bv = dv
                        bi = i
            if bi >= 0:
                loads[a] -= w[a, j]
                loads[bi] += w[bi, j]
                assign[j] = bi
                improved = True
        if not improved:
            break
    return assign


@njit(cache=True, nogil=True)
def _excess(loads, cap):
    t = 0.0
    for i in range(loads.size):
        if loads[i] > cap[i]:
            t += loads[i] - cap[i]
    return t


@njit(cache=True, nogil=True)
def _apply(c, w, loads, assign, tabu, kind, j, k, i, until):
    """Make a move and mark its reversal tabu until ``until``; returns the cost change.

    ``kind`` 0: shift ``j -> i``; 1: swap ``j <-> k``; 2: ejection chain
    ``j -> agent of k``, ``k -> i``.
    """
    a = assign[j]
    if kind == 0:
        loads[a] -= w[a, j]
        loads[i] += w[i, j]
        assign[j] = i
        tabu[a, j] = until
        return c[i, j] - c[a, j]
    b = assign[k]
    cc = a if kind == 1 else i
    loads[a] -= w[a, j]
    loads[b] += w[b, j] - w[b, k]
    loads[cc] += w[cc, k]
    assign[j] = b
    assign[k] = cc
    tabu[a, j] = until
    tabu[b, k] = until
    return c[b, j] - c[a, j] + c[cc, k] - c[b, k]


@njit(cache=True, nogil=True)
def _store(st, cur, bestc, it, last, pos, moves, ebc):
    """Write a chunk's scalars back into the state vector."""
    st[S_CUR] = cur
    st[S_BEST] = bestc
    st[S_IT] = it
    st[S_LAST] = last
    st[S_POS] = pos
    st[S_MOVES] = moves
    st[S_EBEST] = ebc


@njit(cache=True, nogil=True)
def ts_chunk(
    c,
    w,
    cap,
    allowed,
    cand,
    ncand,
    iscand,
    perm,
    assign,
    loads,
    pen,
    pen_floor,
    tabu,
    best,
    ebest,
    st,
    iters,
    stall,
    window,
    t_min,
    t_max,
    step,
    target,
    seed,
):
    """Run up to ``iters`` tabu-search iterations on the state (see module docstring).

    ``st`` holds ``[cur_cost, best_cost, iteration, last_improvement, window_pos,
    moves, epoch_best_cost]``; ``best`` / ``ebest`` receive the best feasible
    solution overall / since the last restart.  Returns 0 (iterations done), 1 (stall), 2 (target reached) or 3 (no
    move exists).
    """
    np.random.seed(seed)
    m, n = c.shape
    ex = np.empty(m)
    e1v = np.empty(n)
    e1a = np.empty(n, np.int64)
    e2v = np.empty(n)
    e2a = np.empty(n, np.int64)
    cur = st[S_CUR]
    bestc = st[S_BEST]
    it = np.int64(st[S_IT])
    last = np.int64(st[S_LAST])
    pos = np.int64(st[S_POS])
    moves = st[S_MOVES]
    ebc = st[S_EBEST]
    evals = 0.0
    inf = np.inf
    code = 0
    for _ in range(iters):
        it += 1
        extot = 0.0
        for i in range(m):
            e = loads[i] - cap[i]
            ex[i] = e if e > 0.0 else 0.0
            extot += ex[i]
        # ---- shift moves (and the two best exits of every item, for the chains)
        bs_v = inf
        bs_j = -1
        bs_i = -1
        for j in range(n):
            a = assign[j]
            ra = loads[a] - w[a, j] - cap[a]
            exf = (ra if ra > 0.0 else 0.0) - ex[a]
            dfrom = pen[a] * exf
            ca = c[a, j]
            v1 = inf
            a1 = -1
            v2 = inf
            a2 = -1
            for t in range(ncand[j]):
                i = cand[j, t]
                if i == a:
                    continue
                r = loads[i] + w[i, j] - cap[i]
                ext = (r if r > 0.0 else 0.0) - ex[i]
                dc = c[i, j] - ca
                pe = dc + pen[i] * ext
                if tabu[i, j] > it:
                    if not (extot + ext + exf <= 0.0 and cur + dc < bestc - 0.5):
                        continue
                else:
                    if pe < v1:
                        v2 = v1
                        a2 = a1
                        v1 = pe
                        a1 = i
                    elif pe < v2:
                        v2 = pe
                        a2 = i
                val = pe + dfrom
                if val < bs_v:
                    bs_v = val
                    bs_j = j
                    bs_i = i
            evals += ncand[j]
            e1v[j] = v1
            e1a[j] = a1
            e2v[j] = v2
            e2a[j] = a2
        # ---- swaps and ejection chains for the items of the window
        bw_v = inf
        bw_j = -1
        bw_k = -1
        be_v = inf
        be_j = -1
        be_k = -1
        be_c = -1
        for r in range(window):
            j = perm[(pos + r) % n]
            a = assign[j]
            waj = w[a, j]
            caj = c[a, j]
            ra = loads[a] - waj - cap[a]
            exf = (ra if ra > 0.0 else 0.0) - ex[a]
            for k in range(n):
                b = assign[k]
                if b == a or not iscand[b, j]:
                    continue
                evals += 2.0
                wbj = w[b, j]
                cbj = c[b, j]
                dcj = cbj - caj
                tab_j = tabu[b, j] > it
                rb = loads[b] + wbj - w[b, k] - cap[b]
                exb = (rb if rb > 0.0 else 0.0) - ex[b]
                # swap: k goes to a
                if allowed[a, k]:
                    rs = loads[a] - waj + w[a, k] - cap[a]
                    exa = (rs if rs > 0.0 else 0.0) - ex[a]
                    dc = dcj + c[a, k] - c[b, k]
                    val = dc + pen[a] * exa + pen[b] * exb
                    if val < bw_v:
                        ok = True
                        if tab_j or tabu[a, k] > it:
                            ok = extot + exa + exb <= 0.0 and cur + dc < bestc - 0.5
                        if ok:
                            bw_v = val
                            bw_j = j
                            bw_k = k
                # ejection chain: k leaves b for its best exit other than a
                if e1a[k] >= 0:
                    if e1a[k] != a:
                        ev = e1v[k]
                        ec = e1a[k]
                    else:
                        ev = e2v[k]
                        ec = e2a[k]
                    if ec >= 0 and not tab_j:
                        val = dcj + pen[a] * exf + pen[b] * exb + ev
                        if val < be_v:
                            be_v = val
                            be_j = j
                            be_k = k
                            be_c = ec
        pos = (pos + window) % n
        ten = t_min + np.random.randint(0, t_max - t_min + 1)
        if be_v < bs_v and be_v < bw_v:
            cur += _apply(c, w, loads, assign, tabu, 2, be_j, be_k, be_c, it + ten)
        elif bw_v < bs_v:
            cur += _apply(c, w, loads, assign, tabu, 1, bw_j, bw_k, -1, it + ten)
        elif bs_j >= 0:
            cur += _apply(c, w, loads, assign, tabu, 0, bs_j, -1, bs_i, it + ten)
        else:
            # everything tabu: clear the list (or no move exists at all)
            anytabu = False
            for i in range(m):
                for j in range(n):
                    if tabu[i, j] > it:
                        anytabu = True
                        tabu[i, j] = 0
            if not anytabu:
                code = 3
                break
            continue
        moves += 1
        feasible = True
        for i in range(m):
            if loads[i] > cap[i] + 1e-9:
                feasible = False
                pen[i] *= step
            else:
                p = pen[i] / step
                pen[i] = p if p > pen_floor[i] else pen_floor[i]
        if feasible and cur < ebc - 0.5:
            ebc = cur
            for j in range(n):
                ebest[j] = assign[j]
        if feasible and cur < bestc - 0.5:
            bestc = cur
            last = it
            for j in range(n):
                best[j] = assign[j]
            if bestc <= target:
                code = 2
                break
        if it - last > stall:
            code = 1
            break
    _store(st, cur, bestc, it, last, pos, moves, ebc)
    st[S_EVALS] += evals
    return code


def warm_up() -> float:
    """Compile (first call on a machine) or load every kernel; returns the seconds taken."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    m, n = 3, 8
    c = rng.integers(1, 20, size=(m, n)).astype(np.float64)
    w = rng.integers(1, 10, size=(m, n)).astype(np.float64)
    cap = np.full(m, 20.0)
    allowed = np.ones((m, n), dtype=np.bool_)
    a = greedy_regret(c, w, cap, allowed)
    a[a < 0] = 0
    a = shift_descent(c, w, cap, allowed, a, 2)
    cand = np.tile(np.arange(m, dtype=np.int64), (n, 1))
    loads = np.bincount(a, weights=w[a, np.arange(n)], minlength=m).astype(np.float64)
    st = np.array([float(c[a, np.arange(n)].sum())] * 2 + [0.0] * 4 + [np.inf, 0.0])
    ts_chunk(
        c,
        w,
        cap,
        allowed,
        cand,
        np.full(n, m, np.int64),
        allowed.copy(),
        np.arange(n, dtype=np.int64),
        a.copy(),
        loads,
        np.ones(m),
        np.ones(m),
        np.zeros((m, n), np.int64),
        a.copy(),
        a.copy(),
        st,
        10,
        100,
        n,
        2,
        3,
        1.1,
        -1e18,
        1,
    )
    loads = np.bincount(a, weights=w[a, np.arange(n)], minlength=m).astype(np.float64)
    st = np.array([float(c[a, np.arange(n)].sum())] * 2 + [0.0] * 4 + [np.inf, 0.0])
    fs_chunk(
        c,
        w,
        cap,
        allowed,
        cand,
        np.full(n, m, np.int64),
        np.arange(n, dtype=np.int64),
        a.copy(),
        loads,
        np.ones(m),
        np.ones(m),
        np.zeros((m, n), np.int64),
        a.copy(),
        a.copy(),
        st,
        1000,
        100,
        4,
        2,
        2,
        3,
        1.1,
        -1e18,
        1,
        True,
        3,
    )
    return time.perf_counter() - t0


@njit(cache=True, nogil=True)
def lagrangian(c, w, cap, allowed, u, assign):
    """``L(u) = sum_j min_i (c_ij + u_i w_ij) - sum_i u_i cap_i``; the minimisers go to ``assign``."""
    m, n = c.shape
    val = 0.0
    for j in range(n):
        bv = np.inf
        bi = -1
        for i in range(m):
            if allowed[i, j]:
                v = c[i, j] + u[i] * w[i, j]
                if v < bv:
                    bv = v
                    bi = i
        assign[j] = bi
        val += bv
    for i in range(m):
        val -= u[i] * cap[i]
    return val


@njit(cache=True, nogil=True)
def _log_change(log, nlog, x):
    """Append item ``x`` to a change log; ``-1`` marks overflow (full copy needed)."""
    if nlog < 0:
        return nlog
    if nlog >= log.size:
        return -1
    log[nlog] = x
    return nlog + 1


@njit(cache=True, nogil=True)
def _sync(dst, src, log, nlog):
    """Bring ``dst`` up to ``src`` over the logged items (all items on overflow)."""
    if nlog < 0:
        for x in range(src.size):
            dst[x] = src[x]
    else:
        for t in range(nlog):
            x = log[t]
            dst[x] = src[x]
    return 0


@njit(cache=True, nogil=True)
def fs_chunk(
    c,
    w,
    cap,
    allowed,
    cand,
    ncand,
    perm,
    assign,
    loads,
    pen,
    pen_floor,
    tabu,
    best,
    ebest,
    st,
    max_evals,
    stall,
    sample,
    partners,
    t_min,
    t_max,
    step,
    target,
    seed,
    hold,
    exits,
):
    """Sampled-neighbourhood tabu search: many cheap moves (see :func:`ts_chunk` for the state).

    One iteration looks at up to ``sample`` items of the rotating permutation and,
    for each, at all its shifts to its candidate agents and at ``partners`` random
    partners ``k`` (an item now held by a random candidate agent ``b`` of ``j``):
    the swap ``j <-> k`` and the ejection chain ``j -> b``, ``k -> c`` with ``c``
    the best non-tabu exit of ``k`` among its first ``exits`` candidates under the
    current loads.  It stops at the
    first item whose best move lowers the penalised objective (first
    improvement) and otherwise makes the best non-tabu move seen (aspiration:
    a move to a new best feasible solution is always allowed).  Per-agent item
    lists make partner sampling O(1); the loads' excesses are kept incrementally.
    The same strategic oscillation as :func:`ts_chunk` updates the penalties
    after every move.  The chunk stops once ``max_evals`` moves were evaluated
    (the work unit of the deterministic mode), on a stall (``stall`` iterations
    without a new best), or on reaching ``target``; it returns the codes of
    :func:`ts_chunk`.  ``st[S_EVALS]`` accumulates the evaluated moves.
    """
    np.random.seed(seed)
    m, n = c.shape
    # per-agent item lists
    mcount = np.zeros(m, np.int64)
    for j in range(n):
        mcount[assign[j]] += 1
    mstart = np.zeros(m + 1, np.int64)
    for i in range(m):
        mstart[i + 1] = mstart[i] + mcount[i]
    # members[i] lives in a row of width n (any agent may end up holding every item)
    members = np.empty((m, n), np.int64)
    mpos = np.empty(n, np.int64)
    for i in range(m):
        mcount[i] = 0
    for j in range(n):
        a = assign[j]
        members[a, mcount[a]] = j
        mpos[j] = mcount[a]
        mcount[a] += 1
    ex = np.empty(m)
    extot = 0.0
    nover = 0
    for i in range(m):
        e = loads[i] - cap[i]
        ex[i] = e if e > 0.0 else 0.0
        extot += ex[i]
        if loads[i] > cap[i] + 1e-9:
            nover += 1
    blog = np.empty(n, np.int64)
    elog = np.empty(n, np.int64)
    nb = -1  # full copy at the first new best of the chunk
    ne = -1
    cur = st[S_CUR]
    bestc = st[S_BEST]
    it = np.int64(st[S_IT])
    last = np.int64(st[S_LAST])
    pos = np.int64(st[S_POS])
    moves = st[S_MOVES]
    ebc = st[S_EBEST]
    evals0 = st[S_EVALS]
    evals = 0
    inf = np.inf
    code = 0
    while evals < max_evals:
        it += 1
        bv = inf
        kind = -1
        mj = -1
        mk = -1
        mi = -1
        for _r in range(sample):
            j = perm[pos]
            pos += 1
            if pos >= n:
                pos = 0
            a = assign[j]
            waj = w[a, j]
            caj = c[a, j]
            ra = loads[a] - waj - cap[a]
            exf = (ra if ra > 0.0 else 0.0) - ex[a]
            dfrom = pen[a] * exf
            nc = ncand[j]
            for t in range(nc):
                i = cand[j, t]
                if i == a:
                    continue
                evals += 1
                r = loads[i] + w[i, j] - cap[i]
                ext = (r if r > 0.0 else 0.0) - ex[i]
                dc = c[i, j] - caj
                val = dc + pen[i] * ext + dfrom
                if val < bv:
                    if tabu[i, j] > it and not (
                        extot + ext + exf <= 0.0 and cur + dc < bestc - 0.5
                    ):
                        continue
                    bv = val
                    kind = 0
                    mj = j
                    mi = i
            if nc > 1:
                for _s in range(partners):
                    b = cand[j, np.random.randint(0, nc)]
                    if b == a or mcount[b] == 0:
                        continue
                    k = members[b, np.random.randint(0, mcount[b])]
                    wbj = w[b, j]
                    wbk = w[b, k]
                    dcj = c[b, j] - caj
                    tab_j = tabu[b, j] > it
                    rb = loads[b] + wbj - wbk - cap[b]
                    exb = (rb if rb > 0.0 else 0.0) - ex[b]
                    if allowed[a, k]:
                        evals += 1
                        rs = loads[a] - waj + w[a, k] - cap[a]
                        exa = (rs if rs > 0.0 else 0.0) - ex[a]
                        dc = dcj + c[a, k] - c[b, k]
                        val = dc + pen[a] * exa + pen[b] * exb
                        if val < bv:
                            ok = True
                            if tab_j or tabu[a, k] > it:
                                ok = extot + exa + exb <= 0.0 and cur + dc < bestc - 0.5
                            if ok:
                                bv = val
                                kind = 1
                                mj = j
                                mk = k
                    if tab_j:
                        continue
                    base = dcj + dfrom + pen[b] * exb - c[b, k]
                    nk = ncand[k] if ncand[k] < exits else exits
                    for t2 in range(nk):
                        cc = cand[k, t2]
                        if cc in (b, a) or tabu[cc, k] > it:
                            continue
                        evals += 1
                        r3 = loads[cc] + w[cc, k] - cap[cc]
                        e3 = (r3 if r3 > 0.0 else 0.0) - ex[cc]
                        val = base + c[cc, k] + pen[cc] * e3
                        if val < bv:
                            bv = val
                            kind = 2
                            mj = j
                            mk = k
                            mi = cc
            if bv < -1e-9:
                break  # first improvement
        if hold and bv >= -1e-9:
            # no improving move in the sample: reshape the landscape (oscillation)
            # instead of moving, unless every penalty is at rest
            changed = False
            for i in range(m):
                if loads[i] > cap[i] + 1e-9:
                    pen[i] *= step
                    changed = True
                elif pen[i] > pen_floor[i]:
                    p2 = pen[i] / step
                    pen[i] = p2 if p2 > pen_floor[i] else pen_floor[i]
                    changed = True
            if changed:
                if it - last > stall:
                    code = 1
                    break
                continue
        if kind < 0:
            if it - last > stall:
                code = 1
                break
            continue
        ten = t_min + np.random.randint(0, t_max - t_min + 1)
        j = mj
        a = assign[j]
        b = assign[mk] if kind > 0 else mi
        ch0 = a
        ch1 = b
        ch2 = mi if kind == 2 else b
        cur += _apply(c, w, loads, assign, tabu, kind, j, mk, mi, it + ten)
        # member lists: move j (and k) to their new agents
        if kind == 0:
            mk = -1
        for t in range(2):
            x = j if t == 0 else mk
            if x < 0:
                continue
            old = a if t == 0 else ch1
            new = assign[x]
            p = mpos[x]
            last_item = members[old, mcount[old] - 1]
            members[old, p] = last_item
            mpos[last_item] = p
            mcount[old] -= 1
            members[new, mcount[new]] = x
            mpos[x] = mcount[new]
            mcount[new] += 1
            nb = _log_change(blog, nb, x)
            ne = _log_change(elog, ne, x)
        for i in (ch0, ch1, ch2):
            e = loads[i] - cap[i]
            e = e if e > 0.0 else 0.0
            extot += e - ex[i]
            ex[i] = e
        nover = 0
        for i in range(m):
            if loads[i] > cap[i] + 1e-9:
                nover += 1
                if not hold:
                    pen[i] *= step
            elif not hold:
                p2 = pen[i] / step
                pen[i] = p2 if p2 > pen_floor[i] else pen_floor[i]
        moves += 1
        if nover == 0 and cur < ebc - 0.5:
            ebc = cur
            _sync(ebest, assign, elog, ne)
            ne = 0
        if nover == 0 and cur < bestc - 0.5:
            bestc = cur
            last = it
            _sync(best, assign, blog, nb)
            nb = 0
            if bestc <= target:
                code = 2
                break
        if it - last > stall:
            code = 1
            break
    _store(st, cur, bestc, it, last, pos, moves, ebc)
    st[S_EVALS] = evals0 + evals
    return code
