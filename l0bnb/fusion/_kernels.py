"""Numba kernels of categorical fusion: the exact univariate DP and the node bounds built on it.

The univariate problem over units ``u`` (levels, or classes of levels forced equal) is::

    min_c  sum_u [a_u c_u^2 - 2 b_u c_u + l_u 1(c_u != 0)] + lf * max(#distinct nonzero c, omega)

with ``a_u > 0``, ``l_u >= 0`` and some units forced nonzero.  Some optimum groups the
nonzero units in runs that are contiguous in the order of ``m_u = b_u / a_u``; the zero units
need not be contiguous when ``l_u > 0`` (a unit inside a run may drop to zero).  The DP over
runs uses ``G(s, t) = min_c sum_{u=s..t} phi_u(c)`` with ``phi_u(c) = min(q_u(c), 0)``
(forced: ``q_u(c)``), found by a sweep over the breakpoints where ``q_u`` changes sign.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def stable_argsort(values):
    """Indices that sort ``values`` in increasing order, ties in index order.

    ``np.argsort(values, kind="mergesort")`` for finite values; a hand-written bottom-up
    merge sort because Numba's takes seconds to compile on first use.
    """
    n = values.size
    order = np.empty(n, dtype=np.int64)
    buf = np.empty(n, dtype=np.int64)
    for i in range(n):
        order[i] = i
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if values[order[j]] < values[order[i]]:
                    buf[k] = order[j]
                    j += 1
                else:
                    buf[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                buf[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                buf[k] = order[j]
                j += 1
                k += 1
        order, buf = buf, order
        width *= 2
    return order


@njit(cache=True)
def _cross_breakpoint(k, kind, who, a, b, l, A, B, L, n_active, A0, B0, L0):
    """Sums of the active units after the sweep crosses breakpoint ``k`` (entry or exit)."""
    u = who[k]
    if kind[k] == 1:
        return A + a[u], B + b[u], L + l[u], n_active + 1
    n_active -= 1
    if n_active == 0:
        # Exact sums again: no round-off left over from removed units.
        return A0, B0, L0, 0
    return A - a[u], B - b[u], L - l[u], n_active


@njit(cache=True)
def span_minimum(a, b, l, forced, lo, hi, s, t):
    """``min_c sum_{u=s..t} phi_u(c)`` and its minimiser, by a breakpoint sweep.

    ``lo``/``hi`` are the interval ends where ``q_u <= 0`` (``lo > hi`` when never active).
    Units are indexed in the sorted order; ``s..t`` inclusive.
    """
    m = 0
    for u in range(s, t + 1):
        if not forced[u] and lo[u] <= hi[u]:
            m += 2
    pos = np.empty(m)
    kind = np.empty(m, dtype=np.int64)
    who = np.empty(m, dtype=np.int64)
    A0 = 0.0
    B0 = 0.0
    L0 = 0.0
    i = 0
    for u in range(s, t + 1):
        if forced[u]:
            A0 += a[u]
            B0 += b[u]
            L0 += l[u]
        elif lo[u] <= hi[u]:
            pos[i] = lo[u]
            kind[i] = 1
            who[i] = u
            pos[i + 1] = hi[u]
            kind[i + 1] = -1
            who[i + 1] = u
            i += 2
    order = stable_argsort(pos)
    A = A0
    B = B0
    L = L0
    n_active = 0
    best = INF
    best_c = 0.0
    left = -INF
    for e in range(m + 1):
        right = INF if e == m else pos[order[e]]
        if A > 0.0:
            c = B / A
            if c < left:
                c = left
            if c > right:
                c = right
            val = (A * c - 2.0 * B) * c + L
        else:
            c = 0.0 if (left <= 0.0 <= right) else left
            val = L
        if val < best:
            best = val
            best_c = c
        if e < m:
            A, B, L, n_active = _cross_breakpoint(
                order[e], kind, who, a, b, l, A, B, L, n_active, A0, B0, L0
            )
            left = right
    return best, best_c


@njit(cache=True)
def _span_minima(a, b, l, forced, lo, hi):
    """:func:`span_minimum` for every span ``s <= t``, from one sort of all breakpoints.

    A span's sweep visits the breakpoints of its own units in the stably sorted global
    order, which is the order :func:`span_minimum` sorts them into, so the values are the
    same to the bit; sorting once and skipping other units' breakpoints costs ``O(K)`` per
    span with no allocation, instead of a sort and three arrays per span.
    """
    K = a.size
    m = 0
    for u in range(K):
        if not forced[u] and lo[u] <= hi[u]:
            m += 2
    pos = np.empty(m)
    kind = np.empty(m, dtype=np.int64)
    who = np.empty(m, dtype=np.int64)
    i = 0
    for u in range(K):
        if not forced[u] and lo[u] <= hi[u]:
            pos[i] = lo[u]
            kind[i] = 1
            who[i] = u
            pos[i + 1] = hi[u]
            kind[i + 1] = -1
            who[i + 1] = u
            i += 2
    order = stable_argsort(pos)
    G = np.empty((K, K))
    C = np.empty((K, K))
    for s in range(K):
        A0 = 0.0
        B0 = 0.0
        L0 = 0.0
        for t in range(s, K):
            if forced[t]:
                A0 += a[t]
                B0 += b[t]
                L0 += l[t]
            A = A0
            B = B0
            L = L0
            n_active = 0
            best = INF
            best_c = 0.0
            left = -INF
            e = 0
            while True:
                # Next breakpoint of a unit inside the span (m: none left).
                while e < m and (who[order[e]] < s or who[order[e]] > t):
                    e += 1
                right = INF if e == m else pos[order[e]]
                if A > 0.0:
                    c = B / A
                    if c < left:
                        c = left
                    if c > right:
                        c = right
                    val = (A * c - 2.0 * B) * c + L
                else:
                    c = 0.0 if (left <= 0.0 <= right) else left
                    val = L
                if val < best:
                    best = val
                    best_c = c
                if e == m:
                    break
                A, B, L, n_active = _cross_breakpoint(
                    order[e], kind, who, a, b, l, A, B, L, n_active, A0, B0, L0
                )
                left = right
                e += 1
            G[s, t] = best
            C[s, t] = best_c
    return G, C


@njit(cache=True)
def _active_interval(a, b, l, forced):
    """Interval where ``q_u(c) = a c^2 - 2 b c + l <= 0`` (empty: lo > hi)."""
    K = a.size
    lo = np.empty(K)
    hi = np.empty(K)
    for u in range(K):
        if forced[u]:
            lo[u] = -INF
            hi[u] = INF
            continue
        D = b[u] * b[u] - a[u] * l[u]
        if D <= 0.0 and l[u] > 0.0:
            lo[u] = 1.0
            hi[u] = -1.0
        else:
            r = np.sqrt(max(D, 0.0))
            x1 = (b[u] - r) / a[u]
            x2 = (b[u] + r) / a[u]
            lo[u] = min(x1, x2)
            hi[u] = max(x1, x2)
    return lo, hi


@njit(cache=True)
def _unit_takes(a, b, l, forced, u, c):
    """Whether unit ``u`` of a run with value ``c`` takes ``c`` (else it is zero)."""
    if forced[u]:
        return True
    return (a[u] * c - 2.0 * b[u]) * c + l[u] < 0.0


@njit(cache=True)
def fusion_dp(a, b, l, forced, lf, omega):
    """Exact univariate fusion DP (general form: ``l_u >= 0``, forced units, count floor).

    Parameters
    ----------
    a, b, l : ndarray of shape (K,)
        Unit coefficients (``a > 0``, ``l >= 0``).
    forced : ndarray of shape (K,), dtype=bool
        Units that must be nonzero (the DP may still return them at 0 in the closure of
        that set, where their value is the limit of nonzero values).
    lf : float
        Price of one distinct nonzero value.
    omega : int
        At least this many distinct nonzero values are paid for: the penalty is
        ``lf * max(count, omega)``.

    Returns
    -------
    value : float
        The minimum.
    c : ndarray of shape (K,)
        A minimiser (units of one run share one float exactly).
    """
    plain = omega == 0
    for u in range(a.size):
        if forced[u] or l[u] != 0.0:
            plain = False
    # Without l0, forcing or a count floor every group is a run (zero included): O(K^2)
    # instead of O(K^3 log K), which is what lets the root of hundreds of levels finish.
    # (The general DP comes first in the source so that Numba compiles it first; the compile
    # helper compiles the smaller one meanwhile.)
    if not plain:
        return fusion_dp_runs(a, b, l, forced, lf, omega)
    return fusion_dp_l0free(a, b, lf)


@njit(cache=True)
def fusion_dp_runs(a, b, l, forced, lf, omega):
    """The general DP of :func:`fusion_dp` (zero units anywhere), ``O(K^3)``."""
    K = a.size
    m = np.empty(K)
    for u in range(K):
        m[u] = b[u] / a[u]
    order = stable_argsort(m)
    # Gathers and scatters by loops: fancy indexing compiles Numba glue on first use.
    sa, sb, sl = np.empty(K), np.empty(K), np.empty(K)
    sf = np.empty(K, dtype=np.bool_)
    for u in range(K):
        sa[u], sb[u], sl[u], sf[u] = a[order[u]], b[order[u]], l[order[u]], forced[order[u]]
    lo, hi = _active_interval(sa, sb, sl, sf)
    G, C = _span_minima(sa, sb, sl, sf, lo, hi)
    # V[t, k]: best over the first t units with k runs; back[t, k] = run start + 1 (0: skip).
    V = np.empty((K + 1, K + 1))
    for t in range(K + 1):
        for k in range(K + 1):
            V[t, k] = INF
    back = np.zeros((K + 1, K + 1), dtype=np.int64)
    V[0, 0] = 0.0
    for t in range(1, K + 1):
        for k in range(0, t + 1):
            best = INF
            arg = -1
            if not sf[t - 1]:
                best = V[t - 1, k]
                arg = 0
            if k >= 1:
                for s in range(1, t + 1):
                    v = V[s - 1, k - 1] + G[s - 1, t - 1]
                    if v < best:
                        best = v
                        arg = s
            V[t, k] = best
            back[t, k] = arg
    value = INF
    kbest = 0
    for k in range(K + 1):
        v = V[K, k] + lf * max(k, omega)
        if v < value:
            value = v
            kbest = k
    sc = np.zeros(K)
    t = K
    k = kbest
    while t > 0:
        s = back[t, k]
        if s == 0:
            t -= 1
            continue
        c = C[s - 1, t - 1]
        for u in range(s - 1, t):
            if _unit_takes(sa, sb, sl, sf, u, c):
                sc[u] = c
        t = s - 1
        k -= 1
    out = np.empty(K)
    for u in range(K):
        out[order[u]] = sc[u]
    return value, out


@njit(cache=True)
def fusion_dp_l0free(a, b, lf):
    """O(K^2) DP when ``l = 0`` and nothing is forced: all groups, zero included, are runs.

    ``V[t] = min_s V[s-1] + min(0, lf - B_st^2 / A_st)`` with prefix sums of ``a`` and ``b``.
    """
    K = a.size
    m = np.empty(K)
    for u in range(K):
        m[u] = b[u] / a[u]
    order = stable_argsort(m)
    sa, sb = np.empty(K), np.empty(K)
    for u in range(K):
        sa[u], sb[u] = a[order[u]], b[order[u]]
    pa = np.zeros(K + 1)
    pb = np.zeros(K + 1)
    for u in range(K):
        pa[u + 1] = pa[u] + sa[u]
        pb[u + 1] = pb[u] + sb[u]
    V = np.empty(K + 1)
    for t in range(K + 1):
        V[t] = INF
    back = np.zeros(K + 1, dtype=np.int64)
    V[0] = 0.0
    for t in range(1, K + 1):
        for s in range(1, t + 1):
            A = pa[t] - pa[s - 1]
            B = pb[t] - pb[s - 1]
            v = V[s - 1] + min(0.0, lf - B * B / A)
            if v < V[t]:
                V[t] = v
                back[t] = s
    sc = np.zeros(K)
    t = K
    while t > 0:
        s = back[t]
        A = pa[t] - pa[s - 1]
        B = pb[t] - pb[s - 1]
        if lf - B * B / A < 0.0:
            c = B / A
            for u in range(s - 1, t):
                sc[u] = c
        t = s - 1
    out = np.empty(K)
    for u in range(K):
        out[order[u]] = sc[u]
    return V[K], out


@njit(cache=True)
def dual_value(alpha, y, codes, offsets, Z, l0, lf, l2):
    """``D(alpha)`` at the root (no branching decisions); a lower bound on ``min F``.

    Valid for any ``alpha`` (with ``sum(alpha) = 0`` when an intercept is fitted).
    """
    n = y.size
    p = codes.shape[1]
    val = 0.0
    for i in range(n):
        val += alpha[i] * y[i] - 0.5 * n * alpha[i] * alpha[i]
    for j in range(p):
        off = offsets[j]
        K = offsets[j + 1] - off
        v = np.zeros(K)
        for i in range(n):
            v[codes[i, j]] += alpha[i]
        a = np.full(K, l2)
        b = v / 2.0
        if l0 == 0.0:
            psi, _ = fusion_dp_l0free(a, b, lf)
        else:
            psi, _ = fusion_dp(a, b, np.full(K, l0), np.zeros(K, dtype=np.bool_), lf, 0)
        val += psi
    for k in range(Z.shape[1]):
        w = 0.0
        for i in range(n):
            w += Z[i, k] * alpha[i]
        val -= max(0.0, w * w / (4.0 * l2) - l0)
    return val


@njit(cache=True)
def separable_dp(a, b, l, forced, lf, omega):
    """Lower bound on the :func:`fusion_dp` minimum in ``O(K)``: each unit alone, ``lf``
    paid only for the ``omega`` values that any feasible point must have."""
    K = a.size
    c = np.zeros(K)
    value = lf * omega
    for u in range(K):
        q = l[u] - b[u] * b[u] / a[u]
        if forced[u] or q < 0.0:
            value += q
            c[u] = b[u] / a[u]
    return value, c


@njit(cache=True)
def node_dual(alpha, y, cls, cls_off, size, forced, omega, Z, zstate, l0, lf, l2, exact):
    """``D(alpha)`` at a branch-and-bound node, a supergradient in ``alpha``, and the DP
    minimisers ``c`` (flat over classes) that define it.

    ``cls[i, j]`` is the class (within feature ``j``, ``0 .. cls_off[j+1]-cls_off[j]-1``) of
    row ``i``, or -1 when its level sits in the zero class; ``size`` the number of levels of
    each class (flat over features), ``forced`` the classes split from the zero class,
    ``omega[j]`` a lower bound on the number of distinct nonzero values of feature ``j``
    (a clique of pairwise-split forced classes). ``zstate[k]``: -1 free, 0 zero, 1 nonzero.
    Weak duality makes the value a lower bound on every completion of the node for *any*
    ``alpha`` (summing to zero when an intercept is fitted). ``exact=False`` replaces each
    DP by :func:`separable_dp` (a weaker bound in ``O(K)``, for when the DP would not finish
    before the deadline).
    """
    n = y.size
    p = cls.shape[1]
    val = 0.0
    g = np.empty(n)
    for i in range(n):
        g[i] = y[i] - n * alpha[i]
    c_all = np.zeros(cls_off[p])
    for i in range(n):
        val += alpha[i] * y[i] - 0.5 * n * alpha[i] * alpha[i]
    for j in range(p):
        off = cls_off[j]
        C = cls_off[j + 1] - off
        if C == 0:
            continue
        v = np.zeros(C)
        for i in range(n):
            k = cls[i, j]
            if k >= 0:
                v[k] += alpha[i]
        # Loops, not array expressions: each of those compiles a ufunc on first use.
        a, half, lv = np.empty(C), np.empty(C), np.empty(C)
        for u in range(C):
            a[u] = l2 * size[off + u]
            lv[u] = l0 * size[off + u]
            half[u] = v[u] / 2.0
        if exact:
            psi, c = fusion_dp(a, half, lv, forced[off : off + C], lf, omega[j])
        else:
            psi, c = separable_dp(a, half, lv, forced[off : off + C], lf, omega[j])
        val += psi
        for u in range(C):  # not a slice assignment: that compiles Numba's shape-error glue
            c_all[off + u] = c[u]
        for i in range(n):
            k = cls[i, j]
            if k >= 0:
                g[i] -= c[k]
    for k in range(Z.shape[1]):
        if zstate[k] == 0:
            continue
        w = 0.0
        for i in range(n):
            w += Z[i, k] * alpha[i]
        gain = w * w / (4.0 * l2) - l0
        if zstate[k] == 1 or gain > 0.0:
            val -= gain
            th = w / (2.0 * l2)
            for i in range(n):
                g[i] -= Z[i, k] * th
    return val, g, c_all


@njit(cache=True)
def shifted_dp(g, pi, size, forced, omega, t, s, l0, lf, l2):
    """``min_c sum_u [(t pi_u/2 + l2 |u|) c_u^2 + (g_u - t s pi_u) c_u + l0 |u| 1(c_u != 0)]
    + lf max(#values, omega)``: ``(value, c)``."""
    K = g.size
    a, b, lv = np.empty(K), np.empty(K), np.empty(K)
    for u in range(K):
        a[u] = 0.5 * t * pi[u] + l2 * size[u]
        b[u] = 0.5 * (t * s * pi[u] - g[u])
        lv[u] = l0 * size[u]
    return fusion_dp(a, b, lv, forced, lf, omega)


@njit(cache=True)
def curvature_feature_bound(g, pi, size, forced, omega, t, centered, M, l0, lf, l2, max_evals):
    """Lower bound on ``min_c g'c + (t/2) c'B c + pen(c)`` over one feature's classes.

    ``B = diag(pi) - pi pi'`` when ``centered`` (else ``diag(pi)``). The ``-(pi'c)^2`` part is
    written ``min_s s^2 - 2 s pi'c`` with ``|s| <= M``; the DP value is concave in ``s`` (a
    minimum of concave quadratics), so on an interval ``[s1, s2]`` it lies above its chord and
    the minimum of ``(t/2) s^2 + chord(s)`` bounds the interval. Intervals are bisected where
    that bound is lowest; the smallest interval bound is returned, valid whenever the search
    stops, together with the evaluated shift ``s`` of least upper value and the
    ``shifted_dp`` minimiser ``c`` there (a near-minimiser of the feature's problem).
    """
    if not centered or t == 0.0:
        f_0, c_0 = shifted_dp(g, pi, size, forced, omega, t, 0.0, l0, lf, l2)
        return f_0, 0.0, c_0
    cap = max_evals + 3
    lo = np.empty(cap)
    hi = np.empty(cap)
    flo = np.empty(cap)
    fhi = np.empty(cap)
    lb = np.empty(cap)
    alive = np.zeros(cap, dtype=np.bool_)
    f_m, c_m = shifted_dp(g, pi, size, forced, omega, t, -M, l0, lf, l2)
    f_0, c_0 = shifted_dp(g, pi, size, forced, omega, t, 0.0, l0, lf, l2)
    f_p, c_p = shifted_dp(g, pi, size, forced, omega, t, M, l0, lf, l2)
    best_upper, best_s, best_c = f_0, 0.0, c_0
    if f_m + 0.5 * t * M * M < best_upper:
        best_upper, best_s, best_c = f_m + 0.5 * t * M * M, -M, c_m
    if f_p + 0.5 * t * M * M < best_upper:
        best_upper, best_s, best_c = f_p + 0.5 * t * M * M, M, c_p
    lo[0], hi[0], flo[0], fhi[0] = -M, 0.0, f_m, f_0
    lo[1], hi[1], flo[1], fhi[1] = 0.0, M, f_0, f_p
    n_int = 2
    for k in range(2):
        alive[k] = True
    evals = 3
    while True:
        for k in range(n_int):
            if alive[k]:
                # DP is concave in s, so it lies above its chord: the convex quadratic
                # (t/2) s^2 + chord(s) under-estimates f on the interval.
                slope = (fhi[k] - flo[k]) / (hi[k] - lo[k])
                x = min(max(-slope / t, lo[k]), hi[k])
                lb[k] = 0.5 * t * x * x + flo[k] + slope * (x - lo[k])
        worst = -1
        for k in range(n_int):
            if alive[k] and (worst < 0 or lb[k] < lb[worst]):
                worst = k
        if evals >= max_evals or best_upper - lb[worst] <= 1e-12 * max(1.0, abs(best_upper)):
            return lb[worst], best_s, best_c
        mid = 0.5 * (lo[worst] + hi[worst])
        f_mid, c_mid = shifted_dp(g, pi, size, forced, omega, t, mid, l0, lf, l2)
        evals += 1
        if f_mid + 0.5 * t * mid * mid < best_upper:
            best_upper, best_s, best_c = f_mid + 0.5 * t * mid * mid, mid, c_mid
        lo[n_int], hi[n_int], flo[n_int], fhi[n_int] = mid, hi[worst], f_mid, fhi[worst]
        alive[n_int] = True
        hi[worst], fhi[worst] = mid, f_mid
        n_int += 1
