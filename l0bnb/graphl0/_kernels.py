"""Numba kernels of GraphL0: hull-relaxation CD, its dual bound, L0L2 heuristics.

The smooth part is ``G(T) = sum_i [-log T_ii + T_i' S T_i / T_ii]`` over the columns ``T_i`` of
the symmetric matrix ``T`` (Theta). Kernels keep ``W = S T`` and ``quad_i = T_i' S T_i`` up to
date in place, so one coordinate update costs O(p). ``W`` is column-major (Fortran order) and
``S`` is read by rows (it is symmetric), so those O(p) updates run over contiguous memory
(strided column updates made sweeps several times slower at p = 1000). Pair states live in
a symmetric int8 matrix: ``FREE`` (-1), ``ZERO`` (0, edge fixed absent), ``ONE`` (1, edge
fixed present). Kernels that call each other live in this one module (Numba's cache does not
track cross-module changes). No fastmath: the bound kernels must round honestly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FREE = -1
ZERO = 0
ONE = 1


@njit(cache=True, nogil=True)
def product_with(S, T):
    """Return ``W = S T`` and ``quad_i = T_i' S T_i``, skipping the zeros of T."""
    p = S.shape[0]
    # Row i of Wt is column i of W; returning Wt.T gives W in Fortran order.
    Wt = np.zeros((p, p))
    quad = np.zeros(p)
    for i in range(p):
        for k in range(p):
            t = T[i, k]
            if t != 0.0:
                for m in range(p):
                    Wt[i, m] += S[k, m] * t
        acc = 0.0
        for k in range(p):
            t = T[i, k]
            if t != 0.0:
                acc += t * Wt[i, k]
        quad[i] = acc
    return Wt.T, quad


@njit(cache=True, nogil=True)
def _move_edge(S, T, W, quad, i, j, x):
    """Set ``T_ij = T_ji = x`` and update W and quad."""
    delta = x - T[i, j]
    if delta == 0.0:
        return 0.0
    p = S.shape[0]
    quad[i] += 2.0 * delta * W[j, i] + S[j, j] * delta * delta
    quad[j] += 2.0 * delta * W[i, j] + S[i, i] * delta * delta
    T[i, j] = x
    T[j, i] = x
    for m in range(p):
        W[m, i] += S[j, m] * delta
        W[m, j] += S[i, m] * delta
    return delta


@njit(cache=True, nogil=True)
def _update_diagonal(S, T, W, quad, i):
    """Minimize G over ``T_ii`` in closed form; return the change."""
    d = T[i, i]
    sii = S[i, i]
    q = W[i, i] - sii * d
    c = quad[i] - 2.0 * d * q - sii * d * d
    if c < 0.0:
        c = 0.0
    new = (1.0 + np.sqrt(1.0 + 4.0 * sii * c)) / (2.0 * sii)
    delta = new - d
    if delta != 0.0:
        p = S.shape[0]
        quad[i] += 2.0 * delta * W[i, i] + sii * delta * delta
        T[i, i] = new
        for m in range(p):
            W[m, i] += S[i, m] * delta
    return delta


@njit(cache=True, nogil=True)
def edge_coefficients(S, T, W, i, j):
    """``(a, b)`` with ``G = a x^2 + b x + const`` along ``x = T_ij = T_ji``."""
    di = T[i, i]
    dj = T[j, j]
    x = T[i, j]
    a = S[j, j] / di + S[i, i] / dj
    b = 2.0 * (W[j, i] - S[j, j] * x) / di + 2.0 * (W[i, j] - S[i, i] * x) / dj
    return a, b


@njit(cache=True, nogil=True)
def smooth_value(T, quad):
    """``G(T)`` from the diagonal and ``quad``."""
    total = 0.0
    for i in range(T.shape[0]):
        total += -np.log(T[i, i]) + quad[i] / T[i, i]
    return total


@njit(cache=True, nogil=True)
def integer_value(T, quad, l0, l2):
    """The GraphL0 objective F of an integer point (every nonzero edge pays l0)."""
    total = smooth_value(T, quad)
    p = T.shape[0]
    for i in range(p):
        for j in range(i + 1, p):
            x = T[i, j]
            if x != 0.0:
                total += l0 + l2 * x * x
    return total


@njit(cache=True, nogil=True)
def l0_edge_choice(a, b, state, l0, l2, M):
    """Best ``x`` of ``a x^2 + b x + l0 [x != 0] + l2 x^2`` on ``|x| <= M`` (hard threshold)."""
    if state == ZERO:
        return 0.0
    x = -b / (2.0 * (a + l2))
    if x > M:
        x = M
    elif x < -M:
        x = -M
    if state == ONE:
        return x
    gain = -((a + l2) * x * x + b * x)
    if gain > l0:
        return x
    return 0.0


@njit(cache=True, nogil=True)
def l0_sweep(S, T, W, quad, rows, cols, state, l0, l2, M):
    """One L0L2 CD pass (hard thresholding) over the listed edges then the diagonal."""
    biggest = 0.0
    for k in range(rows.size):
        i = rows[k]
        j = cols[k]
        a, b = edge_coefficients(S, T, W, i, j)
        x = l0_edge_choice(a, b, state[i, j], l0, l2, M)
        delta = abs(_move_edge(S, T, W, quad, i, j, x))
        if delta > biggest:
            biggest = delta
    for i in range(S.shape[0]):
        delta = abs(_update_diagonal(S, T, W, quad, i)) / T[i, i]
        if delta > biggest:
            biggest = delta
    return biggest


@njit(cache=True, nogil=True)
def l0_entrants(S, T, W, state, l0, l2, M):
    """Free pairs at zero whose L0 coordinate step would switch them on: rows, cols, gain."""
    p = T.shape[0]
    count = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                a, b = edge_coefficients(S, T, W, i, j)
                if l0_edge_choice(a, b, FREE, l0, l2, M) != 0.0:
                    count += 1
    rows = np.empty(count, np.int64)
    cols = np.empty(count, np.int64)
    gain = np.empty(count)
    k = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                a, b = edge_coefficients(S, T, W, i, j)
                x = l0_edge_choice(a, b, FREE, l0, l2, M)
                if x != 0.0:
                    rows[k] = i
                    cols[k] = j
                    gain[k] = -((a + l2) * x * x + b * x) - l0
                    k += 1
    return rows, cols, gain


@njit(cache=True, nogil=True)
def best_row_swap(S, T, W, quad, i, j, state, l0, l2, M):
    """Try moving edge (i, j) to the best (i, k) or (j, k); keep the move if F drops.

    Removing the edge and adding the new one are single-coordinate moves with the diagonal
    fixed, so the change of F is exact for that pair of moves. Returns True if it moved.
    """
    p = T.shape[0]
    x_old = T[i, j]
    a, b = edge_coefficients(S, T, W, i, j)
    # F change of removing (i, j): G drops by a x^2 + b x; penalties drop by l0 + l2 x^2.
    removal = -(a * x_old * x_old + b * x_old) - l0 - l2 * x_old * x_old
    _move_edge(S, T, W, quad, i, j, 0.0)
    best_gain = 0.0
    best_r = -1
    best_c = -1
    best_x = 0.0
    for end in range(2):
        row = i if end == 0 else j
        for k in range(p):
            if k == row:
                continue
            r, c = (row, k) if row < k else (k, row)
            if (r == i and c == j) or state[r, c] != FREE or T[r, c] != 0.0:
                continue
            a2, b2 = edge_coefficients(S, T, W, r, c)
            x = -b2 / (2.0 * (a2 + l2))
            if x > M:
                x = M
            elif x < -M:
                x = -M
            gain = -((a2 + l2) * x * x + b2 * x) - l0
            if gain > best_gain:
                best_gain = gain
                best_r = r
                best_c = c
                best_x = x
    if best_r >= 0 and removal - best_gain < -1e-12 * (1.0 + abs(best_gain)):
        _move_edge(S, T, W, quad, best_r, best_c, best_x)
        return True
    _move_edge(S, T, W, quad, i, j, x_old)
    return False


# ---- the curvature-hull relaxation ---------------------------------------------------------
#
# With a diagonal D >= 0 and S - diag(D) positive semidefinite, G = G~ + sum_i sum_{j != i}
# D_j T_ji^2 / T_ii where G~ (S replaced by Q_i = S - diag(D) + D_i e_i e_i' in column i)
# stays convex. Every optimum has T_ii >= L_i = 1 / S_ii, and over T_ii >= L_i the convex hull
# of an edge's share D_j x^2 / T_ii with its indicator z is D_j x^2 / (T_ii - (1 - z) L_i).
# An edge (i, j) then costs
#
#     P(x, z) = l0 z + l2 x^2 / z + D_j x^2 / y_i + D_i x^2 / y_j,  y_k = T_kk - (1-z) L_k,
#
# with |x| <= M z: exact at z in {0, 1}, convex, and much stronger than the perspective of the
# ridge term alone when l2 is small against the curvature of G. D = lambda_min(S) (1, ..., 1)
# is the uniform shift; a larger-trace D (from a max-trace problem) moves more curvature;
# D = 0 gives back the plain perspective relaxation.


@njit(cache=True, nogil=True)
def hull_curvature(z, di, dj, Li, Lj, l2, ei, ej):
    """``c(z)`` with ``P = l0 z + c x^2`` at fixed z > 0, and its partials in z, T_ii, T_jj.

    ``ei = D_j`` is the shift over ``y_i`` (column i's share), ``ej = D_i`` over ``y_j``.
    """
    # (d - L) + z L, not d - (1 - z) L: at d = L and tiny z the latter rounds to 0.
    yi = (di - Li) + z * Li
    yj = (dj - Lj) + z * Lj
    c = ei / yi + ej / yj
    dz = -ei * Li / (yi * yi) - ej * Lj / (yj * yj)
    if l2 > 0.0:
        c += l2 / z
        dz -= l2 / (z * z)
    return c, dz, -ei / (yi * yi), -ej / (yj * yj)


@njit(cache=True, nogil=True)
def _edge_at(z, A, B, di, dj, Li, Lj, l0, l2, M, ei, ej):
    """At fixed z: ``(value, x, d value / dz, d value / dT_ii, d value / dT_jj)`` of
    ``l0 z + min_{|x| <= M z} (A + c(z)) x^2 + B x``."""
    c, cz, ci, cj = hull_curvature(z, di, dj, Li, Lj, l2, ei, ej)
    q = A + c
    limit = M * z
    # No curvature (l2 = 0 and no shift): the linear term alone puts x on the box.
    if q > 0.0:
        x = -B / (2.0 * q)
    elif B > 0.0:
        x = -np.inf
    elif B < 0.0:
        x = np.inf
    else:
        x = 0.0
    clipped = False
    if x > limit:
        x = limit
        clipped = True
    elif x < -limit:
        x = -limit
        clipped = True
    value = l0 * z + q * x * x + B * x
    slope = l0 + cz * x * x
    if clipped:
        slope += (2.0 * q * x + B) * (x / z)
    return value, x, slope, ci * x * x, cj * x * x


@njit(cache=True, nogil=True)
def _entry_slope(B, l0, l2, M):
    """Right derivative at z = 0 of the edge value, a lower bound on it for every diagonal."""
    if l2 > 0.0:
        y = -B / (2.0 * l2)
        if y > M:
            y = M
        elif y < -M:
            y = -M
        return l0 + l2 * y * y + B * y
    return l0 - abs(B) * M


@njit(cache=True, nogil=True)
def hull_edge(A, B, state, di, dj, Li, Lj, l0, l2, M, ei, ej):
    """Minimize the edge value over (x, z): returns ``(value, x, z, slope, g_i, g_j)``.

    ``slope`` is the z-derivative at the minimizer (a one-sided lower bound at z = 0) and
    ``g_i, g_j`` the derivatives in the diagonals; the value is convex in (z, T_ii, T_jj).
    """
    if state == ZERO:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    if state == ONE:
        value, x, slope, gi, gj = _edge_at(1.0, A, B, di, dj, Li, Lj, l0, l2, M, ei, ej)
        return value, x, 1.0, 0.0, gi, gj
    start = _entry_slope(B, l0, l2, M)
    if start >= 0.0:
        return 0.0, 0.0, 0.0, start, 0.0, 0.0
    value, x, slope, gi, gj = _edge_at(1.0, A, B, di, dj, Li, Lj, l0, l2, M, ei, ej)
    if slope <= 0.0:
        return value, x, 1.0, slope, gi, gj
    # The slope is increasing in z: Illinois false position on the bracket (a few steps
    # where bisection took ~45), bisecting whenever the secant step is unusable. Any z
    # gives a valid bound (value and derivatives are exact at the z returned).
    lo, f_lo, hi, f_hi = 0.0, start, 1.0, slope
    tol = 1e-13 * (l0 - start)
    side = 0
    z = 1.0
    for _ in range(100):
        z = 0.5 * (lo + hi)
        if np.isfinite(f_lo) and np.isfinite(f_hi) and f_hi > f_lo:
            secant = lo - f_lo * (hi - lo) / (f_hi - f_lo)
            margin = 0.01 * (hi - lo)
            z = min(max(secant, lo + margin), hi - margin)
        value, x, slope, gi, gj = _edge_at(z, A, B, di, dj, Li, Lj, l0, l2, M, ei, ej)
        if slope > 0.0:
            hi, f_hi = z, slope
            if side == 1:
                f_lo *= 0.5
            side = 1
        elif slope < 0.0:
            lo, f_lo = z, slope
            if side == -1:
                f_hi *= 0.5
            side = -1
        else:
            break
        if hi - lo <= 1e-13 or abs(slope) <= tol:
            break
    return value, x, z, slope, gi, gj


@njit(cache=True, nogil=True)
def _set_diagonal(S, T, W, quad, i, new):
    delta = new - T[i, i]
    if delta != 0.0:
        quad[i] += 2.0 * delta * W[i, i] + S[i, i] * delta * delta
        T[i, i] = new
        for m in range(S.shape[0]):
            W[m, i] += S[i, m] * delta
    return delta


@njit(cache=True, nogil=True)
def _diagonal_slope(d, sii, c_off, Li, xs, zs, es, count):
    """Derivative in T_ii of ``-log d + S_ii d + c_off / d + sum e x^2 / (d - (1-z) L)``."""
    g = -1.0 / d + sii - c_off / (d * d)
    h = 1.0 / (d * d) + 2.0 * c_off / (d * d * d)
    for k in range(count):
        y = (d - Li) + zs[k] * Li
        t = es[k] * xs[k] * xs[k]
        g -= t / (y * y)
        h += 2.0 * t / (y * y * y)
    return g, h


@njit(cache=True, nogil=True)
def _hull_diagonal(S, T, W, quad, Z, i, L, D, xs, zs, es):
    """Minimize the relaxation over ``T_ii >= L_i`` (safeguarded Newton); return the move."""
    p = S.shape[0]
    d = T[i, i]
    sii = S[i, i]
    q = W[i, i] - sii * d
    vv = 0.0
    count = 0
    for j in range(p):
        if j != i and T[j, i] != 0.0:
            vv += D[j] * T[j, i] * T[j, i]
            xs[count] = T[j, i]
            zs[count] = Z[j, i]
            es[count] = D[j]
            count += 1
    c_off = quad[i] - 2.0 * d * q - sii * d * d - vv
    if c_off < 0.0:
        c_off = 0.0
    Li = L[i]
    g, h = _diagonal_slope(Li, sii, c_off, Li, xs, zs, es, count)
    if g >= 0.0:
        return abs(_set_diagonal(S, T, W, quad, i, Li)) / Li
    lo = Li
    hi = max(d, Li) * 2.0
    g, h = _diagonal_slope(hi, sii, c_off, Li, xs, zs, es, count)
    while g < 0.0:
        lo = hi
        hi *= 2.0
        g, h = _diagonal_slope(hi, sii, c_off, Li, xs, zs, es, count)
    x = min(max(d, lo), hi)
    for _ in range(100):
        g, h = _diagonal_slope(x, sii, c_off, Li, xs, zs, es, count)
        if g > 0.0:
            hi = x
        else:
            lo = x
        step = x - g / h
        if step <= lo or step >= hi:
            step = 0.5 * (lo + hi)
        if abs(step - x) <= 1e-15 * x:
            x = step
            break
        x = step
    return abs(_set_diagonal(S, T, W, quad, i, x)) / x


@njit(cache=True, nogil=True)
def hull_sweep(S, T, W, quad, Z, rows, cols, state, L, l0, l2, M, D):
    """One CD pass of the hull relaxation: each listed edge jointly in (x, z), then every
    diagonal over ``T_ii >= L_i``. Returns the largest relative move."""
    biggest = 0.0
    for k in range(rows.size):
        i = rows[k]
        j = cols[k]
        a, b = edge_coefficients(S, T, W, i, j)
        A = a - D[j] / T[i, i] - D[i] / T[j, j]
        if A < 0.0:
            A = 0.0
        _, x, z, _, _, _ = hull_edge(
            A, b, state[i, j], T[i, i], T[j, j], L[i], L[j], l0, l2, M, D[j], D[i]
        )
        Z[i, j] = z
        Z[j, i] = z
        move = abs(_move_edge(S, T, W, quad, i, j, x))
        if move > biggest:
            biggest = move
    p = S.shape[0]
    xs = np.empty(p)
    zs = np.empty(p)
    es = np.empty(p)
    for i in range(p):
        move = _hull_diagonal(S, T, W, quad, Z, i, L, D, xs, zs, es)
        if move > biggest:
            biggest = move
    return biggest


@njit(cache=True, nogil=True)
def hull_value(T, quad, Z, state, L, l0, l2, D):
    """The hull relaxation's objective at (T, Z)."""
    p = T.shape[0]
    total = 0.0
    for i in range(p):
        vv = 0.0
        for j in range(p):
            if j != i:
                vv += D[j] * T[j, i] * T[j, i]
        total += -np.log(T[i, i]) + (quad[i] - vv) / T[i, i]
    for i in range(p):
        for j in range(i + 1, p):
            x = T[i, j]
            s = state[i, j]
            z = 1.0 if s == ONE else Z[i, j]
            if s == ONE:
                total += l0
            elif x == 0.0:
                if s == FREE:
                    total += l0 * z
                continue
            else:
                total += l0 * z
            yi = (T[i, i] - L[i]) + z * L[i]
            yj = (T[j, j] - L[j]) + z * L[j]
            total += l2 * x * x / z + D[j] * x * x / yi + D[i] * x * x / yj
    return total


@njit(cache=True, nogil=True)
def _minimized_diagonal(kappa, Li):
    """``min_{d >= L} -log d + kappa d`` (``-inf`` unless kappa > 0)."""
    if not kappa > 0.0:
        return -np.inf
    d = 1.0 / kappa
    if d < Li:
        d = Li
    return -np.log(d) + kappa * d


@njit(cache=True, nogil=True)
def _pair_terms(T, W, i, j, s, L, l0, l2, M, D):
    """Dual contribution of one pair: ``(constant, g_i, g_j, slope at the minimizer, z)``.

    The edge value is linearized at (z*, T_ii, T_jj): constant = value - g_i T_ii - g_j T_jj
    plus the minimum over z in [0, 1] of the z-linear term.
    """
    di = T[i, i]
    dj = T[j, j]
    x = T[i, j]
    w = 2.0 * (W[j, i] - D[j] * x) / di + 2.0 * (W[i, j] - D[i] * x) / dj
    value, _, z, slope, gi, gj = hull_edge(0.0, w, s, di, dj, L[i], L[j], l0, l2, M, D[j], D[i])
    constant = value - gi * di - gj * dj
    if s == FREE:
        constant += min(-slope * z, slope * (1.0 - z))
    return constant, gi, gj, slope, z


@njit(cache=True, nogil=True)
def hull_dual_bound(T, W, quad, state, L, l0, l2, M, D):
    """Lower bound of the hull relaxation, valid for every completion of the node.

    Tangent of each column's ``theta' Q_i theta / T_ii`` at ``lambda_i = T_i / T_ii`` (valid as
    Q_i is positive semidefinite), tangent plane of every pair's edge value in (z, diagonals)
    (convex), then exact minimization over z in [0, 1] and ``T_ii >= L_i``. Pairs fixed absent
    drop out; pairs that cannot enter (non-negative slope at z = 0) contribute zero. Returns
    ``(bound, number of free pairs at zero that would enter, kappa')``; a relative margin of
    1e-10 is subtracted for rounding.
    """
    p = T.shape[0]
    kappa = np.empty(p)
    for i in range(p):
        d = T[i, i]
        vv = 0.0
        for j in range(p):
            if j != i:
                vv += D[j] * T[j, i] * T[j, i]
        kappa[i] = 2.0 * W[i, i] / d - (quad[i] - vv) / (d * d)
    total = 0.0
    n_violators = 0
    for i in range(p):
        for j in range(i + 1, p):
            s = state[i, j]
            if s == ZERO:
                continue
            constant, gi, gj, slope, z = _pair_terms(T, W, i, j, s, L, l0, l2, M, D)
            if s == FREE and z == 0.0:
                continue
            total += constant
            kappa[i] += gi
            kappa[j] += gj
            if s == FREE and T[i, j] == 0.0:
                n_violators += 1
    for i in range(p):
        total += _minimized_diagonal(kappa[i], L[i])
    if not np.isfinite(total):
        return -np.inf, n_violators, kappa
    return total - 1e-10 * max(1.0, abs(total)), n_violators, kappa


@njit(cache=True, nogil=True)
def hull_violators(T, W, state, L, l0, l2, M, D):
    """Free pairs at zero whose edge would enter (negative slope at z = 0): rows, cols, -slope."""
    p = T.shape[0]
    count = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                w = 2.0 * W[j, i] / T[i, i] + 2.0 * W[i, j] / T[j, j]
                if _entry_slope(w, l0, l2, M) < 0.0:
                    count += 1
    rows = np.empty(count, np.int64)
    cols = np.empty(count, np.int64)
    excess = np.empty(count)
    k = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                w = 2.0 * W[j, i] / T[i, i] + 2.0 * W[i, j] / T[j, j]
                slope = _entry_slope(w, l0, l2, M)
                if slope < 0.0:
                    rows[k] = i
                    cols[k] = j
                    excess[k] = -slope
                    k += 1
    return rows, cols, excess


@njit(cache=True, nogil=True)
def _child_change(T, W, i, j, s_new, kappa, L, l0, l2, M, D, old):
    """Bound change when pair (i, j) moves from free to ``s_new`` at the same dual point."""
    constant, gi, gj, _, z = old
    if z == 0.0:
        constant, gi, gj = 0.0, 0.0, 0.0
    if s_new == ZERO:
        n_const, n_gi, n_gj = 0.0, 0.0, 0.0
    else:
        n_const, n_gi, n_gj, _, _ = _pair_terms(T, W, i, j, ONE, L, l0, l2, M, D)
    ki = kappa[i] - gi + n_gi
    kj = kappa[j] - gj + n_gj
    change = n_const - constant
    change += _minimized_diagonal(ki, L[i]) - _minimized_diagonal(kappa[i], L[i])
    change += _minimized_diagonal(kj, L[j]) - _minimized_diagonal(kappa[j], L[j])
    return change


@njit(cache=True, nogil=True)
def hull_reduced_costs(T, W, state, kappa, L, l0, l2, M, D, bound, cutoff):
    """Free pairs fixed by the dual point: rows, cols, fixed state, removed child's bound."""
    p = T.shape[0]
    n = 0
    rows = np.empty(16, np.int64)
    cols = np.empty(16, np.int64)
    fixed = np.empty(16, np.int8)
    removed = np.empty(16)
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] != FREE:
                continue
            old = _pair_terms(T, W, i, j, FREE, L, l0, l2, M, D)
            to_one = bound + _child_change(T, W, i, j, ONE, kappa, L, l0, l2, M, D, old)
            fix = FREE
            value = 0.0
            if to_one >= cutoff:
                fix, value = ZERO, to_one
            else:
                to_zero = bound + _child_change(T, W, i, j, ZERO, kappa, L, l0, l2, M, D, old)
                if to_zero >= cutoff:
                    fix, value = ONE, to_zero
            if fix == FREE:
                continue
            if n == rows.size:
                rows = np.concatenate((rows, np.empty(n, np.int64)))
                cols = np.concatenate((cols, np.empty(n, np.int64)))
                fixed = np.concatenate((fixed, np.empty(n, np.int8)))
                removed = np.concatenate((removed, np.empty(n)))
            rows[n] = i
            cols[n] = j
            fixed[n] = fix
            removed[n] = value
            n += 1
    return rows[:n], cols[:n], fixed[:n], removed[:n]
