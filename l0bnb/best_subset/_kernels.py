"""Numba kernels of L0L2 best-subset regression: relaxation CD, dual bounds, L0 heuristics.

Coordinate states: ``FREE`` (-1), ``ZERO`` (0, fixed to zero), ``ONE`` (1, fixed nonzero).
All kernels work on a residual ``r = y - X b`` kept up to date in place. The ridge weight and
the box are per coordinate (arrays ``l2`` and ``M`` of length p, or of the active set where
the kernel works on one): the curvature moved out of ``X^T X`` and the certified boxes differ
from one coordinate to the next. Kernels that call each other live in this one module, as
Numba's cache does not track cross-module changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FREE = -1
ZERO = 0
ONE = 1


@njit(cache=True, nogil=True)
def penalty_regime(l0, l2, M):
    """Return ``(perspective, threshold, rho)`` of the relaxed penalty psi of a free coordinate.

    With ``rho = sqrt(l0 / l2) <= M`` the perspective is active: psi(b) = threshold * |b| for
    ``|b| <= rho`` (threshold = 2 sqrt(l0 l2)) and ``l0 + l2 b^2`` beyond. Otherwise
    (``rho > M`` or ``l2 = 0``) psi(b) = threshold * |b| on the box with threshold
    ``l0 / M + l2 M``.
    """
    if l2 > 0.0 and l0 <= l2 * M * M:
        return True, 2.0 * np.sqrt(l0 * l2), np.sqrt(l0 / l2)
    return False, l0 / M + l2 * M, M


@njit(cache=True, nogil=True)
def relaxed_penalty(b, state, l0, l2, M):
    """Value of the relaxed penalty of one coordinate (psi if free, phi if fixed to one)."""
    a = abs(b)
    if state == ZERO:
        return 0.0 if a == 0.0 else np.inf
    if a > M * (1.0 + 1e-12):
        return np.inf
    if state == ONE:
        return l0 + l2 * b * b
    perspective, thr, rho = penalty_regime(l0, l2, M)
    if perspective and a > rho:
        return l0 + l2 * b * b
    return thr * a


@njit(cache=True, nogil=True)
def penalty_conjugate(u, state, l0, l2, M):
    """Convex conjugate of the relaxed penalty of one coordinate, box included.

    ``phi*(u)`` for a coordinate fixed to one (``phi = l0 + l2 b^2`` on ``|b| <= M``),
    ``psi*(u)`` for a free one, 0 for a coordinate fixed to zero. Every state keeps its box,
    which is what keeps the dual bound valid in the l1 regime ``l0 / l2 > M^2``.
    """
    if state == ZERO:
        return 0.0
    a = abs(u)
    if state == ONE:
        if l2 > 0.0 and a <= 2.0 * l2 * M:
            return a * a / (4.0 * l2) - l0
        return M * a - l0 - l2 * M * M
    perspective, thr, rho = penalty_regime(l0, l2, M)
    if a <= thr:
        return 0.0
    if not perspective:
        return M * (a - thr)
    if a <= 2.0 * l2 * M:
        return a * a / (4.0 * l2) - l0
    return M * a - l0 - l2 * M * M


@njit(cache=True, nogil=True)
def coordinate_minimizer(c, a, state, l0, l2, M):
    """Minimize ``0.5 a b^2 - c b + pen(b)`` over b, with pen the relaxed penalty of ``state``."""
    if state == ZERO or a <= 0.0 and state == FREE:
        return 0.0
    s = 1.0 if c >= 0.0 else -1.0
    ac = abs(c)
    if state == ONE:
        return s * min(ac / (a + 2.0 * l2), M)
    perspective, thr, rho = penalty_regime(l0, l2, M)
    if ac <= thr:
        return 0.0
    soft = (ac - thr) / a
    if not perspective:
        return s * min(soft, M)
    if soft <= rho:
        return s * soft
    return s * min(ac / (a + 2.0 * l2), M)


@njit(cache=True, nogil=True)
def relaxation_cd(X, r, b, col_sq, active, state, l0, l2, M, tol, max_sweeps):
    """Cyclic coordinate descent on the node relaxation over the ``active`` coordinates.

    Updates ``b`` and the residual ``r = y - X b`` in place; stops when the largest
    objective-scaled change of a sweep is below ``tol``. Returns the number of sweeps.
    """
    n = X.shape[0]
    for sweep in range(max_sweeps):
        largest = 0.0
        for idx in range(active.shape[0]):
            i = active[idx]
            a = col_sq[i]
            old = b[i]
            dot = 0.0
            for row in range(n):
                dot += X[row, i] * r[row]
            new = coordinate_minimizer(dot + a * old, a, state[i], l0, l2[i], M[i])
            delta = new - old
            if delta != 0.0:
                for row in range(n):
                    r[row] -= X[row, i] * delta
                b[i] = new
                change = a * delta * delta
                if change > largest:
                    largest = change
        if largest <= tol:
            return sweep + 1
    return max_sweeps


@njit(cache=True, nogil=True)
def relaxation_cd_gram(gram, pos, grad, b, col_sq, state, l0, l2, M, tol, max_sweeps):
    """Coordinate descent on the node relaxation restricted to an active set, Gram form.

    ``gram`` is the cached Gram matrix of a pool of columns and ``pos`` the pool positions
    of the active columns; ``grad`` is ``X_A^T r``. Each update costs ``O(|A|)`` instead of
    ``O(n)``. ``b``, ``col_sq``, ``state``, ``l2`` and ``M`` are the active entries.
    Updates ``b`` and ``grad`` in place and returns the number of sweeps.
    """
    m = b.shape[0]
    for sweep in range(max_sweeps):
        largest = 0.0
        for j in range(m):
            a = col_sq[j]
            old = b[j]
            new = coordinate_minimizer(grad[j] + a * old, a, state[j], l0, l2[j], M[j])
            delta = new - old
            if delta != 0.0:
                row = pos[j]
                for k in range(m):
                    grad[k] -= gram[row, pos[k]] * delta
                b[j] = new
                change = a * delta * delta
                if change > largest:
                    largest = change
        if largest <= tol:
            return sweep + 1
    return max_sweeps


@njit(cache=True, nogil=True, fastmath=True)
def residual(X, y, support, values):
    """``y - X[:, support] @ values`` without copying columns."""
    r = y.copy()
    n = X.shape[0]
    for idx in range(support.shape[0]):
        i = support[idx]
        v = values[idx]
        for row in range(n):
            r[row] -= X[row, i] * v
    return r


@njit(cache=True, nogil=True, fastmath=True)
def correlations_of(X, r, columns):
    """``X[:, columns]^T r``."""
    n = X.shape[0]
    out = np.empty(columns.shape[0])
    for idx in range(columns.shape[0]):
        i = columns[idx]
        acc = 0.0
        for row in range(n):
            acc += X[row, i] * r[row]
        out[idx] = acc
    return out


@njit(cache=True, nogil=True, fastmath=True)
def correlations(X, r, state):
    """``u_i = X_i^T r`` for every coordinate not fixed to zero (0 for those).

    Column-wise dot products on a Fortran-ordered ``X`` (contiguous columns). Serial on
    purpose: Numba's parallel loop cost more in thread start-up than it saved here.
    """
    n, p = X.shape
    u = np.zeros(p)
    for i in range(p):
        if state[i] != ZERO:
            acc = 0.0
            for row in range(n):
                acc += X[row, i] * r[row]
            u[i] = acc
    return u


@njit(cache=True, nogil=True)
def reduced_costs(u, state, l0, l2, M, alpha):
    """Bound increases of the two children of every free coordinate at the dual point.

    For the dual point ``alpha r`` with correlations ``u``, fixing a free coordinate to
    zero replaces its conjugate psi* by 0 and fixing it to one replaces it by phi*, so the
    parent's dual value plus ``psi*(alpha u_i)`` (resp. ``psi* - phi*``) is a valid bound of
    that child. Returns ``(to_zero, to_one)`` (0 for coordinates that are not free).
    """
    p = u.shape[0]
    to_zero = np.zeros(p)
    to_one = np.zeros(p)
    for i in range(p):
        if state[i] == FREE:
            v = alpha * u[i]
            psi = penalty_conjugate(v, FREE, l0, l2[i], M[i])
            to_zero[i] = psi
            to_one[i] = psi - penalty_conjugate(v, ONE, l0, l2[i], M[i])
    return to_zero, to_one


@njit(cache=True, nogil=True)
def dual_terms(u, state, l0, l2, M, alpha):
    """Sum of conjugates ``sum_i g_i*(alpha u_i)`` over coordinates not fixed to zero."""
    total = 0.0
    for i in range(u.shape[0]):
        if state[i] != ZERO:
            total += penalty_conjugate(alpha * u[i], state[i], l0, l2[i], M[i])
    return total


@njit(cache=True, nogil=True)
def scaled_dual(u, state, l0, l2, M, rr, ry, tol=1e-10):
    """Best Fenchel dual value over the ray ``alpha r``, ``alpha`` in [0, 2].

    ``D(alpha r) = -0.5 alpha^2 ||r||^2 + alpha r^T y - sum_i g_i*(alpha X_i^T r)`` is
    concave in ``alpha``; a golden-section search on it (to an interval of ``tol``) returns
    ``(value, alpha)``. Every evaluated point is a valid lower bound, so the best one seen is
    returned.
    """
    best_value = -np.inf
    best_alpha = 1.0
    lo = 0.0
    hi = 2.0
    golden = 0.6180339887498949
    x1 = hi - golden * (hi - lo)
    x2 = lo + golden * (hi - lo)
    f1 = -0.5 * x1 * x1 * rr + x1 * ry - dual_terms(u, state, l0, l2, M, x1)
    f2 = -0.5 * x2 * x2 * rr + x2 * ry - dual_terms(u, state, l0, l2, M, x2)
    f_one = -0.5 * rr + ry - dual_terms(u, state, l0, l2, M, 1.0)
    best_value = f_one
    for _ in range(40):
        if f1 > best_value:
            best_value, best_alpha = f1, x1
        if f2 > best_value:
            best_value, best_alpha = f2, x2
        if f1 < f2:
            lo = x1
            x1 = x2
            f1 = f2
            x2 = lo + golden * (hi - lo)
            f2 = -0.5 * x2 * x2 * rr + x2 * ry - dual_terms(u, state, l0, l2, M, x2)
        else:
            hi = x2
            x2 = x1
            f2 = f1
            x1 = hi - golden * (hi - lo)
            f1 = -0.5 * x1 * x1 * rr + x1 * ry - dual_terms(u, state, l0, l2, M, x1)
        if hi - lo < tol:
            break
    return best_value, best_alpha


@njit(cache=True, nogil=True)
def lagrangian_dual(u, state, l2, M, rr, ry, k, lam_lo, lam_hi):
    """Best Lagrangian bound of the cardinality form over the multiplier, for a fixed r.

    ``h(lam) = max_alpha D_lam(alpha r) - lam k`` is concave in ``lam`` (a partial maximum
    of a jointly concave dual function); golden-section search on ``[lam_lo, lam_hi]`` with
    the ray scale optimized inside (coarsely: any point is a valid bound, the search only
    buys strength). Returns ``(value, lam, alpha)`` of the best point seen.
    """
    golden = 0.6180339887498949
    inner = 1e-6
    lo = lam_lo
    hi = lam_hi
    best_value, best_alpha = scaled_dual(u, state, lo, l2, M, rr, ry, inner)
    best_value -= lo * k
    best_lam = lo
    x1 = hi - golden * (hi - lo)
    x2 = lo + golden * (hi - lo)
    f1, a1 = scaled_dual(u, state, x1, l2, M, rr, ry, inner)
    f1 -= x1 * k
    f2, a2 = scaled_dual(u, state, x2, l2, M, rr, ry, inner)
    f2 -= x2 * k
    for _ in range(60):
        if f1 > best_value:
            best_value, best_lam, best_alpha = f1, x1, a1
        if f2 > best_value:
            best_value, best_lam, best_alpha = f2, x2, a2
        if hi - lo <= 1e-5 * hi:
            break
        if f1 < f2:
            lo = x1
            x1, f1, a1 = x2, f2, a2
            x2 = lo + golden * (hi - lo)
            f2, a2 = scaled_dual(u, state, x2, l2, M, rr, ry, inner)
            f2 -= x2 * k
        else:
            hi = x2
            x2, f2, a2 = x1, f1, a1
            x1 = hi - golden * (hi - lo)
            f1, a1 = scaled_dual(u, state, x1, l2, M, rr, ry, inner)
            f1 -= x1 * k
    # Polish the ray scale at the chosen multiplier.
    value, alpha = scaled_dual(u, state, best_lam, l2, M, rr, ry, 1e-10)
    value -= best_lam * k
    if value > best_value:
        best_value, best_alpha = value, alpha
    return best_value, best_lam, best_alpha


@njit(cache=True, nogil=True)
def kkt_violators(u, state, l0, l2, M, in_active):
    """Free coordinates outside the active set whose ``|X_i^T r|`` exceeds psi's threshold."""
    count = 0
    out = np.empty(u.shape[0], dtype=np.int64)
    for i in range(u.shape[0]):
        if state[i] != FREE or in_active[i]:
            continue
        thr = penalty_regime(l0, l2[i], M[i])[1]
        if abs(u[i]) > thr * (1.0 + 1e-12):
            out[count] = i
            count += 1
    return out[:count]


@njit(cache=True, nogil=True)
def relaxed_value(b, r, state, l0, l2, M):
    """Primal objective of the node relaxation at ``b`` (residual ``r = y - X b``)."""
    total = 0.5 * np.dot(r, r)
    for i in range(b.shape[0]):
        if b[i] != 0.0 or state[i] == ONE:
            total += relaxed_penalty(b[i], state[i], l0, l2[i], M[i])
    return total


# ---------------------------------------------------------------------------------------
# Heuristics on the integer problem: 0.5||r||^2 + l0 |S| + l2 ||b||^2, |b_i| <= M.
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def box_qp(G, c, M, tol, max_iter):
    """Minimize ``0.5 b^T G b - c^T b`` over ``|b_i| <= M_i`` (``G`` positive definite).

    An active-set method (Newton steps on the free coordinates, clamping violators and
    releasing bounds whose multiplier has the wrong sign) finishes in a few steps on the
    small supports of best subset; coordinate descent then polishes to ``tol`` so that the
    result is a minimizer whatever the active-set iterations did.
    """
    m = c.shape[0]
    at = np.zeros(m, dtype=np.int64)
    b = np.zeros(m)
    for _ in range(max_iter):
        free = np.flatnonzero(at == 0)
        bounded = np.flatnonzero(at != 0)
        rhs = c[free].copy()
        for idx in range(free.shape[0]):
            i = free[idx]
            for jdx in range(bounded.shape[0]):
                j = bounded[jdx]
                rhs[idx] -= G[i, j] * b[j]
        sub = np.empty((free.shape[0], free.shape[0]))
        for idx in range(free.shape[0]):
            for jdx in range(free.shape[0]):
                sub[idx, jdx] = G[free[idx], free[jdx]]
        b_free = np.linalg.solve(sub, rhs) if free.shape[0] else rhs
        clamped = False
        for idx in range(free.shape[0]):
            i = free[idx]
            if abs(b_free[idx]) > M[i]:
                at[i] = 1 if b_free[idx] > 0 else -1
                b[i] = M[i] * at[i]
                clamped = True
            else:
                b[i] = b_free[idx]
        if clamped:
            continue
        grad = G @ b - c
        worst = -1
        worst_value = 0.0
        for jdx in range(bounded.shape[0]):
            j = bounded[jdx]
            wrong = grad[j] * at[j]  # > 0: moving inwards lowers the objective
            if wrong > worst_value:
                worst_value = wrong
                worst = j
        if worst < 0:
            break
        at[worst] = 0
    # Coordinate-descent polish on the box (Gram form).
    grad = G @ b - c
    for _ in range(100000):
        largest = 0.0
        for i in range(m):
            old = b[i]
            new = old - grad[i] / G[i, i]
            if new > M[i]:
                new = M[i]
            elif new < -M[i]:
                new = -M[i]
            delta = new - old
            if delta != 0.0:
                for k in range(m):
                    grad[k] += G[k, i] * delta
                b[i] = new
                change = G[i, i] * delta * delta
                if change > largest:
                    largest = change
        if largest <= tol:
            break
    return b


@njit(cache=True, nogil=True)
def best_single_gain(c, d, M):
    """``max_{|t| <= M} c t - 0.5 d t^2`` and its maximizer (``d = ||X_i||^2 + 2 l2``)."""
    t = c / d
    if t > M:
        t = M
    elif t < -M:
        t = -M
    return c * t - 0.5 * d * t * t, t


@njit(cache=True, nogil=True)
def l0_cd(X, r, b, col_sq, candidates, l0, l2, M, tol, max_sweeps):
    """L0L2 coordinate descent (hard thresholding with the box) over ``candidates``.

    Each coordinate moves to its exact minimizer of ``0.5||r||^2 + l0 1[b != 0] + l2 b^2``
    with the others fixed, so the integer objective never increases.
    """
    n = X.shape[0]
    for sweep in range(max_sweeps):
        largest = 0.0
        for idx in range(candidates.shape[0]):
            i = candidates[idx]
            a = col_sq[i]
            old = b[i]
            dot = 0.0
            for row in range(n):
                dot += X[row, i] * r[row]
            c = dot + a * old
            gain, t = best_single_gain(c, a + 2.0 * l2[i], M[i])
            new = t if gain > l0 else 0.0
            delta = new - old
            if delta != 0.0:
                for row in range(n):
                    r[row] -= X[row, i] * delta
                b[i] = new
                change = (a + 2.0 * l2[i]) * delta * delta + (
                    l0 if (old == 0.0) != (new == 0.0) else 0.0
                )
                if change > largest:
                    largest = change
        if largest <= tol:
            return sweep + 1
    return max_sweeps


@njit(cache=True, nogil=True)
def best_addition(u, b, col_sq, l2, M, allowed):
    """Best coordinate to add (``b_j = 0``, ``allowed[j]``) and its gain, given u = X^T r."""
    best = -1
    best_gain = 0.0
    for j in range(u.shape[0]):
        if b[j] == 0.0 and allowed[j]:
            gain, t = best_single_gain(u[j], col_sq[j] + 2.0 * l2[j], M[j])
            if gain > best_gain:
                best_gain = gain
                best = j
    return best, best_gain


@njit(cache=True, nogil=True)
def integer_objective(r, b, l0, l2):
    """``0.5||r||^2 + l0 ||b||_0 + l2 ||b||^2`` for a residual ``r = y - X b``."""
    total = 0.5 * np.dot(r, r)
    for i in range(b.shape[0]):
        if b[i] != 0.0:
            total += l0 + l2[i] * b[i] * b[i]
    return total


@njit(cache=True, nogil=True)
def greedy_diagonal_cycle(inv, e, share):
    """One cycle of the curvature split's greedy diagonal (see ``_curvature``), in place.

    Coordinate ``i`` takes ``t = share / inv[i, i]``; ``inv`` (the inverse of
    ``A - diag(e)``) follows by Sherman-Morrison. Returns ``False`` (leaving ``e`` as it was
    before coordinate ``i``) when a pivot is not positive and finite.
    """
    p = e.size
    col = np.empty(p)
    for i in range(p):
        pivot = inv[i, i]
        if not (pivot > 0.0 and pivot < np.inf):
            return False
        t = share / pivot
        scale = t / (1.0 - share)
        for a in range(p):
            col[a] = inv[a, i]
        for a in range(p):
            ca = col[a] * scale
            for b in range(p):
                inv[a, b] += ca * col[b]
        e[i] += t
    return True


# ---------------------------------------------------------------------------------------
# Exact enumeration of a node's completions (small subtrees).
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def append_column(Q, c, L, w, cols, t, j, value):
    """Extend the Cholesky factor ``L`` of ``Q[cols[:t], cols[:t]]`` by column ``j``.

    Row ``t`` of ``L`` and ``w[t]`` (``w = L^-1 c[cols]``) are written; returns the ridge
    objective after adding ``j``: ``value - 0.5 w[t]^2``. A column in the span of the
    earlier ones (pivot at rounding level) adds nothing and gets a zero row, so that later
    columns skip it.
    """
    norm = 0.0
    dot = 0.0
    for a in range(t):
        s = Q[cols[a], j]
        for b in range(a):
            s -= L[a, b] * L[t, b]
        d = L[a, a]
        s = s / d if d > 0.0 else 0.0
        L[t, a] = s
        norm += s * s
        dot += s * w[a]
    pivot = Q[j, j] - norm
    if pivot <= 1e-12 * Q[j, j]:
        L[t, t] = 0.0
        w[t] = 0.0
        return value
    d = np.sqrt(pivot)
    L[t, t] = d
    w[t] = (c[j] - dot) / d
    return value - 0.5 * w[t] * w[t]


@njit(cache=True, nogil=True)
def best_completion(Q, c, const, ones, free, max_add, l0, first_lo, first_hi):
    """Best ridge fit over ``ones`` plus at most ``max_add`` columns of ``free``.

    The objective of a support ``S`` is ``const - 0.5 c_S^T Q_SS^-1 c_S + l0 |S|``, its
    unboxed ridge minimum (``Q = X^T X + 2 diag(l2)``, ``c = X^T y``). Every subset of
    ``free`` of size at most ``max_add`` whose first (smallest-position) element lies in
    ``free[first_lo:first_hi]`` is visited depth first, each one by a single Cholesky row;
    the empty completion counts when ``first_lo == 0``. Returns ``(value, positions)``: the
    best value and the positions in ``free`` of its added columns (``-1`` padded).
    """
    n_ones = ones.shape[0]
    n_free = free.shape[0]
    size = n_ones + max_add
    L = np.zeros((size, size))
    w = np.zeros(size)
    cols = np.empty(size, dtype=np.int64)
    values = np.empty(max_add + 1)
    pos = np.empty(max_add + 1, dtype=np.int64)
    best_pos = np.full(max_add, -1, dtype=np.int64)
    value = const
    for t in range(n_ones):
        cols[t] = ones[t]
        value = append_column(Q, c, L, w, cols, t, ones[t], value) + l0
    best = value if first_lo == 0 else np.inf
    if max_add == 0:
        return best, best_pos
    values[0] = value
    depth = 0
    pos[0] = first_lo - 1
    while depth >= 0:
        pos[depth] += 1
        if pos[depth] >= (first_hi if depth == 0 else n_free):
            depth -= 1
            continue
        t = n_ones + depth
        j = free[pos[depth]]
        cols[t] = j
        v = append_column(Q, c, L, w, cols, t, j, values[depth]) + l0
        values[depth + 1] = v
        if v < best:
            best = v
            for a in range(max_add):
                best_pos[a] = pos[a] if a <= depth else -1
        if depth + 1 < max_add and pos[depth] + 1 < n_free:
            depth += 1
            pos[depth] = pos[depth - 1]
    return best, best_pos


# ---------------------------------------------------------------------------------------
# Exact solve of a node relaxation on its active set (pieces of the relaxed penalty).
# ---------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def relaxation_active_set(G, c, b, state, l0, l2, M, tol, max_iter):
    """Minimize ``0.5 b^T G b - c^T b + sum_i pen_i(b_i)`` exactly by a primal active set.

    ``pen_i`` is the relaxed penalty of ``state[i]`` (no ``ZERO`` entries here): piecewise
    quadratic, with a kink at 0 (free coordinates), a change of curvature at ``rho_i``
    (perspective regime) and the box ``|b_i| <= M_i``. Coordinates at 0 or on the box are
    held there; the others follow the quadratic model of their current piece, whose
    minimizer is found by one linear solve; the step stops at the first breakpoint. When
    the model's minimizer is reached, the held coordinate whose optimality condition is
    most violated (by more than ``tol`` in derivative) is released. Every step lowers the
    objective, so stopping early leaves a better point than the start. ``b`` is updated in
    place; returns the number of steps, negative if ``max_iter`` ran out first.
    """
    m = b.shape[0]
    thr = np.empty(m)
    rho = np.empty(m)
    persp = np.zeros(m, dtype=np.bool_)
    # held: 0 inside a piece, 1 at zero, 2 on the box.
    held = np.zeros(m, dtype=np.int64)
    quad = np.zeros(m, dtype=np.bool_)
    sign = np.ones(m)
    for i in range(m):
        if state[i] == ONE:
            persp[i], thr[i], rho[i] = False, 0.0, 0.0
        else:
            persp[i], thr[i], rho[i] = penalty_regime(l0, l2[i], M[i])
        if b[i] != 0.0:
            sign[i] = 1.0 if b[i] > 0.0 else -1.0
        if abs(b[i]) >= M[i]:
            b[i] = sign[i] * M[i]
            held[i] = 2
        elif b[i] == 0.0 and state[i] != ONE:
            held[i] = 1
        quad[i] = state[i] == ONE or (persp[i] and abs(b[i]) > rho[i])
    ridge = 0.0
    for i in range(m):
        ridge = max(ridge, G[i, i])
    ridge *= 1e-12
    inside = np.empty(m, dtype=np.int64)
    for step in range(max_iter):
        n_in = 0
        for i in range(m):
            if held[i] == 0:
                inside[n_in] = i
                n_in += 1
        released = False
        if n_in > 0:
            S = np.empty((n_in, n_in))
            rhs = np.empty(n_in)
            for a in range(n_in):
                i = inside[a]
                acc = c[i]
                for j in range(m):
                    if held[j] != 0:
                        acc -= G[i, j] * b[j]
                if quad[i]:
                    S_extra = 2.0 * l2[i]
                else:
                    S_extra = 0.0
                    acc -= thr[i] * sign[i]
                for a2 in range(n_in):
                    S[a, a2] = G[i, inside[a2]]
                # A tiny proximal term keeps the system solvable on collinear columns.
                S[a, a] += S_extra + ridge
                rhs[a] = acc + ridge * b[i]
            target = np.linalg.solve(S, rhs)
            alpha = 1.0
            hit = -1
            kind = 0
            for a in range(n_in):
                i = inside[a]
                d = target[a] - b[i]
                if d == 0.0:
                    continue
                new = target[a]
                s = sign[i]
                if state[i] != ONE and new * s < 0.0:
                    t = -b[i] / d  # reaches zero
                    if t < alpha:
                        alpha, hit, kind = t, i, 1
                if abs(new) > M[i]:
                    t = (s * M[i] - b[i]) / d if new * s > 0.0 else (-s * M[i] - b[i]) / d
                    if t < alpha:
                        alpha, hit, kind = t, i, 2
                if persp[i] and state[i] != ONE:
                    if not quad[i] and new * s > rho[i]:
                        t = (s * rho[i] - b[i]) / d
                        if t < alpha:
                            alpha, hit, kind = t, i, 3
                    elif quad[i] and new * s < rho[i]:
                        t = (s * rho[i] - b[i]) / d
                        if t < alpha:
                            alpha, hit, kind = t, i, 3
            alpha = max(alpha, 0.0)
            for a in range(n_in):
                i = inside[a]
                b[i] += alpha * (target[a] - b[i])
            if hit >= 0:
                if kind == 1:
                    b[hit] = 0.0
                    held[hit] = 1
                elif kind == 2:
                    b[hit] = M[hit] if b[hit] > 0.0 else -M[hit]
                    sign[hit] = 1.0 if b[hit] > 0.0 else -1.0
                    held[hit] = 2
                else:
                    b[hit] = sign[hit] * rho[hit]
                    quad[hit] = not quad[hit]
                continue
        # The model's minimizer is reached: release the most violated held coordinate.
        worst = -1
        worst_value = tol
        for i in range(m):
            if held[i] == 0:
                continue
            g = c[i]
            for j in range(m):
                g -= G[i, j] * b[j]
            if held[i] == 1:
                violation = abs(g) - thr[i]
            else:
                # On the box: moving inwards lowers the objective when slope > sign * g.
                slope = 2.0 * l2[i] * M[i] if quad[i] else thr[i]
                violation = slope - sign[i] * g
            if violation > worst_value:
                worst_value = violation
                worst = i
                released = True
        if not released:
            return step + 1
        if held[worst] == 1:
            g = c[worst]
            for j in range(m):
                g -= G[worst, j] * b[j]
            sign[worst] = 1.0 if g > 0.0 else -1.0
            quad[worst] = False
        held[worst] = 0
    return -max_iter
