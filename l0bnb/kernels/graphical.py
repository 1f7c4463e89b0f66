"""Numba kernels of GraphL0: pseudo-likelihood CD, its dual bound, L0L2 heuristics.

The smooth part is ``G(T) = sum_i [-log T_ii + T_i' S T_i / T_ii]`` over the columns ``T_i`` of
the symmetric matrix ``T`` (Theta). Kernels keep ``W = S T`` and ``quad_i = T_i' S T_i`` up to
date in place, so one coordinate update costs O(p). Pair states live in a symmetric int8
matrix: ``FREE`` (-1), ``ZERO`` (0, edge fixed absent), ``ONE`` (1, edge fixed present).
Kernels that call each other live in this one module (Numba's cache does not track
cross-module changes). No fastmath: the bound kernels must round honestly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FREE = -1
ZERO = 0
ONE = 1


@njit(cache=True, nogil=True)
def penalty_regime(l0, l2, M):
    """Return ``(perspective, threshold, r)`` of the relaxed edge penalty psi.

    With ``r = sqrt(l0 / l2) <= M``: psi(x) = threshold |x| (threshold = 2 sqrt(l0 l2)) for
    ``|x| <= r`` and ``l0 + l2 x^2`` beyond. Otherwise psi(x) = threshold |x| on the box, with
    threshold ``l0 / M + l2 M`` (``M = inf`` and ``l2 = 0`` never reach here).
    """
    if l2 > 0.0 and l0 <= l2 * M * M:
        return True, 2.0 * np.sqrt(l0 * l2), np.sqrt(l0 / l2)
    return False, l0 / M + l2 * M, M


@njit(cache=True, nogil=True)
def edge_penalty(x, state, l0, l2, M):
    """Relaxed penalty of one edge value: psi if free, ``l0 + l2 x^2`` if fixed present."""
    a = abs(x)
    if state == ZERO:
        return 0.0 if a == 0.0 else np.inf
    if a > M * (1.0 + 1e-12):
        return np.inf
    if state == ONE:
        return l0 + l2 * x * x
    perspective, thr, r = penalty_regime(l0, l2, M)
    if perspective and a > r:
        return l0 + l2 * x * x
    return thr * a


@njit(cache=True, nogil=True)
def edge_conjugate(u, state, l0, l2, M):
    """Convex conjugate of the relaxed penalty of one edge (box included); 0 if fixed absent."""
    if state == ZERO:
        return 0.0
    a = abs(u)
    if state == ONE:
        if l2 > 0.0 and a <= 2.0 * l2 * M:
            return a * a / (4.0 * l2) - l0
        return M * a - l0 - l2 * M * M
    perspective, thr, r = penalty_regime(l0, l2, M)
    if a <= thr:
        return 0.0
    if not perspective:
        return M * (a - thr)
    if a <= 2.0 * l2 * M:
        return a * a / (4.0 * l2) - l0
    return M * a - l0 - l2 * M * M


@njit(cache=True, nogil=True)
def edge_minimizer(a, b, state, l0, l2, M):
    """Minimize ``a x^2 + b x + pen(x)`` over ``|x| <= M`` (pen of ``state``; a > 0)."""
    if state == ZERO:
        return 0.0
    beta = -b / (2.0 * a)
    if state == ONE:
        x = beta / (1.0 + l2 / a)
    else:
        perspective, thr, r = penalty_regime(l0, l2, M)
        mag = abs(beta) - thr / (2.0 * a)
        if mag <= 0.0:
            return 0.0
        x = mag if beta > 0.0 else -mag
        if perspective and mag > r:
            x = beta / (1.0 + l2 / a)
    if x > M:
        return M
    if x < -M:
        return -M
    return x


@njit(cache=True, nogil=True)
def product_with(S, T):
    """Return ``W = S T`` and ``quad_i = T_i' S T_i``, skipping the zeros of T."""
    p = S.shape[0]
    W = np.zeros((p, p))
    quad = np.zeros(p)
    for i in range(p):
        for k in range(p):
            t = T[k, i]
            if t != 0.0:
                for m in range(p):
                    W[m, i] += S[m, k] * t
        acc = 0.0
        for k in range(p):
            t = T[k, i]
            if t != 0.0:
                acc += t * W[k, i]
        quad[i] = acc
    return W, quad


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
        W[m, i] += S[m, j] * delta
        W[m, j] += S[m, i] * delta
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
            W[m, i] += S[m, i] * delta
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
def relaxation_sweep(S, T, W, quad, rows, cols, state, l0, l2, M):
    """One cyclic CD pass over the listed edges then every diagonal; return the largest move."""
    biggest = 0.0
    for k in range(rows.size):
        i = rows[k]
        j = cols[k]
        a, b = edge_coefficients(S, T, W, i, j)
        x = edge_minimizer(a, b, state[i, j], l0, l2, M)
        delta = abs(_move_edge(S, T, W, quad, i, j, x))
        if delta > biggest:
            biggest = delta
    for i in range(S.shape[0]):
        delta = abs(_update_diagonal(S, T, W, quad, i)) / T[i, i]
        if delta > biggest:
            biggest = delta
    return biggest


@njit(cache=True, nogil=True)
def smooth_value(T, quad):
    """``G(T)`` from the diagonal and ``quad``."""
    total = 0.0
    for i in range(T.shape[0]):
        total += -np.log(T[i, i]) + quad[i] / T[i, i]
    return total


@njit(cache=True, nogil=True)
def relaxed_value(T, quad, state, l0, l2, M):
    """Relaxation objective: G plus psi on free edges and ``l0 + l2 x^2`` on fixed ones."""
    total = smooth_value(T, quad)
    p = T.shape[0]
    for i in range(p):
        for j in range(i + 1, p):
            s = state[i, j]
            if s == ONE or T[i, j] != 0.0:
                total += edge_penalty(T[i, j], s, l0, l2, M)
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
def dual_bound(T, W, quad, state, l0, l2, M):
    """Lower bound ``D(nu)`` at ``nu_i = -2 X T_i / T_ii``, valid for every completion.

    ``D = p + sum_i log(2 W_ii / T_ii - quad_i / T_ii^2) - sum conj(u_ij)`` with
    ``u_ij = -2 (W_ij / T_jj + W_ji / T_ii)``, summed over *all* non-fixed-absent pairs (so it
    holds whatever the active set). Also returns the number of free pairs with
    ``|u_ij| > threshold`` outside the support (KKT violators). ``-inf`` if a log argument is
    not positive. A relative margin of 1e-10 is subtracted for rounding.
    """
    p = T.shape[0]
    total = float(p)
    for i in range(p):
        d = T[i, i]
        arg = 2.0 * W[i, i] / d - quad[i] / (d * d)
        if not arg > 0.0:
            return -np.inf, 0
        total += np.log(arg)
    perspective, thr, r = penalty_regime(l0, l2, M)
    n_violators = 0
    for i in range(p):
        for j in range(i + 1, p):
            s = state[i, j]
            if s == ZERO:
                continue
            u = -2.0 * (W[i, j] / T[j, j] + W[j, i] / T[i, i])
            total -= edge_conjugate(u, s, l0, l2, M)
            if s == FREE and T[i, j] == 0.0 and abs(u) > thr:
                n_violators += 1
    return total - 1e-10 * max(1.0, abs(total)), n_violators


@njit(cache=True, nogil=True)
def kkt_violators(T, W, state, l0, l2, M, margin):
    """Free pairs at zero with ``|u_ij| > threshold * (1 + margin)``: rows, cols, excess."""
    p = T.shape[0]
    perspective, thr, r = penalty_regime(l0, l2, M)
    limit = thr * (1.0 + margin)
    count = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                u = 2.0 * (W[i, j] / T[j, j] + W[j, i] / T[i, i])
                if abs(u) > limit:
                    count += 1
    rows = np.empty(count, np.int64)
    cols = np.empty(count, np.int64)
    excess = np.empty(count)
    k = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE and T[i, j] == 0.0:
                u = 2.0 * (W[i, j] / T[j, j] + W[j, i] / T[i, i])
                if abs(u) > limit:
                    rows[k] = i
                    cols[k] = j
                    excess[k] = abs(u) - thr
                    k += 1
    return rows, cols, excess


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


@njit(cache=True, nogil=True)
def _pair_fixing(T, W, i, j, l0, l2, M, bound, cutoff):
    """``(state, removed bound)`` a free pair is fixed to, or ``(FREE, inf)``."""
    u = -2.0 * (W[i, j] / T[j, j] + W[j, i] / T[i, i])
    to_zero = bound + edge_conjugate(u, FREE, l0, l2, M)
    to_one = to_zero - edge_conjugate(u, ONE, l0, l2, M)
    if to_one >= cutoff:
        return ZERO, to_one
    if to_zero >= cutoff:
        return ONE, to_zero
    return FREE, np.inf


@njit(cache=True, nogil=True)
def reduced_costs(T, W, state, l0, l2, M, bound, cutoff):
    """Free pairs whose opposite child the dual point already prunes.

    At the same ``nu`` the child with the pair fixed absent has bound ``bound + psi*(u)`` and
    the child with it fixed present ``bound + psi*(u) - phi*(u)``; a child reaching
    ``cutoff`` is pruned, so the pair is fixed the other way for the whole subtree. Returns
    rows, cols, the fixed state and the bound of each removed child.
    """
    p = T.shape[0]
    count = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE:
                s, _ = _pair_fixing(T, W, i, j, l0, l2, M, bound, cutoff)
                if s != FREE:
                    count += 1
    rows = np.empty(count, np.int64)
    cols = np.empty(count, np.int64)
    fixed = np.empty(count, np.int8)
    removed = np.empty(count)
    k = 0
    for i in range(p):
        for j in range(i + 1, p):
            if state[i, j] == FREE:
                s, value = _pair_fixing(T, W, i, j, l0, l2, M, bound, cutoff)
                if s != FREE:
                    rows[k] = i
                    cols[k] = j
                    fixed[k] = s
                    removed[k] = value
                    k += 1
    return rows, cols, fixed, removed
