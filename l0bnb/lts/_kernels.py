"""Numba kernels of penalised least trimmed squares (LTS): objective, C-steps, swaps, relaxation.

A fit is ``theta = (b0, beta)`` (``b0 = 0`` without an intercept); residuals are
``r = y - b0 - X beta``. Modes: 0 = trimmed (sum of the ``h`` smallest squared residuals),
1 = capped (``sum min(r^2, mu)``); both plus ``l2 ||beta||^2``. Point types in a node:
``-1`` free, ``0`` inlier, ``1`` outlier above (``r >= tau``), ``2`` outlier below.

All kernels here call each other, so they live in one module (Numba's cache does not track
changes across modules). No fastmath: the dual bound must be computed exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TRIMMED = 0
CAPPED = 1
FREE = -1
INLIER = 0
OUT_ABOVE = 1
OUT_BELOW = 2


# --------------------------------------------------------------------------- objective


@njit(cache=True)
def residuals(X, y, theta):
    """``y - theta[0] - X @ theta[1:]`` (columns read contiguously from Fortran order)."""
    n, p = X.shape
    r = np.empty(n)
    for i in range(n):
        r[i] = y[i] - theta[0]
    for j in range(p):
        c = theta[1 + j]
        if c != 0.0:
            for i in range(n):
                r[i] -= X[i, j] * c
    return r


@njit(cache=True)
def kth_smallest(values, k):
    """The ``k``-th smallest entry (0-based) of ``values`` by quickselect on a copy.

    Hand-written rather than ``np.partition``: Numba compiles this in a fraction of the
    time (first use of the package). The median-of-three pivot keeps it deterministic and
    the three-way split keeps it linear when many entries tie (exact fits: many zeros).
    """
    a = values.copy()
    lo, hi = 0, a.size - 1
    while lo < hi:
        x, y, z = a[lo], a[(lo + hi) // 2], a[hi]
        pivot = max(min(x, y), min(max(x, y), z))
        lt, i, gt = lo, lo, hi
        while i <= gt:
            if a[i] < pivot:
                a[lt], a[i] = a[i], a[lt]
                lt += 1
                i += 1
            elif a[i] > pivot:
                a[i], a[gt] = a[gt], a[i]
                gt -= 1
            else:
                i += 1
        # a[lo:lt] < pivot, a[lt:gt + 1] == pivot, a[gt + 1:hi + 1] > pivot.
        if k < lt:
            hi = lt - 1
        elif k > gt:
            lo = gt + 1
        else:
            return pivot
    return a[k]


@njit(cache=True)
def smallest_indices(values, idx, k):
    """The (at most) ``k`` entries of ``idx`` with the smallest ``values[idx]``, in
    increasing order of value (ties by position in ``idx``); no sort of all of ``idx``."""
    m = idx.size
    k = min(k, m)
    out = np.empty(k, dtype=np.int64)
    if k == 0:
        return out
    sub = np.empty(m)
    for i in range(m):
        sub[i] = values[idx[i]]
    t = kth_smallest(sub, k - 1)
    count = 0
    for i in range(m):
        if sub[i] < t:
            out[count] = idx[i]
            count += 1
    for i in range(m):
        if count >= k:
            break
        if sub[i] == t:
            out[count] = idx[i]
            count += 1
    # Stable insertion sort of the k picked (k is small: a few dozen).
    for i in range(1, k):
        j = i
        cur = out[i]
        while j > 0 and values[out[j - 1]] > values[cur]:
            out[j] = out[j - 1]
            j -= 1
        out[j] = cur
    return out


@njit(cache=True)
def loss_from_residuals(r, mode, h, mu):
    """Trimmed: sum of the ``h`` smallest ``r^2``; capped: ``sum min(r^2, mu)``."""
    n = r.size
    total = 0.0
    if mode == CAPPED:
        for i in range(n):
            total += min(r[i] * r[i], mu)
        return total
    if h >= n:
        for i in range(n):
            total += r[i] * r[i]
        return total
    if h <= 0:
        return 0.0
    # The h smallest squares: all those below the h-th, plus copies of it for the ties.
    r2 = np.empty(n)
    for i in range(n):
        r2[i] = r[i] * r[i]
    t = kth_smallest(r2, h - 1)
    count = 0
    for i in range(n):
        v = r[i] * r[i]
        if v < t:
            total += v
            count += 1
    return total + (h - count) * t


@njit(cache=True)
def objective(X, y, theta, l2, mode, h, mu):
    """The penalised LTS objective ``F(theta)``."""
    r = residuals(X, y, theta)
    ridge = 0.0
    for j in range(1, theta.size):
        ridge += theta[j] * theta[j]
    return loss_from_residuals(r, mode, h, mu) + l2 * ridge


@njit(cache=True)
def best_mask(r, mode, h, mu):
    """Best inlier set for fixed residuals: the ``h`` smallest ``|r|`` (ties by index), or
    ``r^2 <= mu`` (capped)."""
    n = r.size
    r2 = np.empty(n)
    for i in range(n):
        r2[i] = r[i] * r[i]
    mask = np.zeros(n, dtype=np.bool_)
    if mode == CAPPED:
        for i in range(n):
            mask[i] = r2[i] <= mu
        return mask
    if h >= n:
        for i in range(n):
            mask[i] = True
        return mask
    t = kth_smallest(r2, h - 1)
    count = 0
    for i in range(n):
        if r2[i] < t:
            mask[i] = True
            count += 1
    for i in range(n):
        if count >= h:
            break
        if r2[i] == t:
            mask[i] = True
            count += 1
    return mask


# --------------------------------------------------------------------------- ridge refits


@njit(cache=True)
def _cholesky(G):
    """Lower Cholesky factor of a symmetric positive (semi)definite ``G``.

    Callers add a relative jitter to the diagonal; a pivot that rounding still leaves at or
    below 0 (exactly dependent columns) is floored at the jitter's size. Hand-written so
    that no LAPACK glue is compiled on first use.
    """
    q = G.shape[0]
    L = np.zeros((q, q))
    top = 0.0
    for j in range(q):
        top = max(top, abs(G[j, j]))
    floor = 1e-300 + 1e-15 * top
    for j in range(q):
        acc = G[j, j]
        for k in range(j):
            acc -= L[j, k] * L[j, k]
        L[j, j] = np.sqrt(max(acc, floor))
        for i in range(j + 1, q):
            acc = G[i, j]
            for k in range(j):
                acc -= L[i, k] * L[j, k]
            L[i, j] = acc / L[j, j]
    return L


@njit(cache=True)
def _cholesky_solve(L, b):
    """``x`` with ``L L^T x = b``."""
    q = b.size
    x = b.copy()
    for i in range(q):
        acc = x[i]
        for k in range(i):
            acc -= L[i, k] * x[k]
        x[i] = acc / L[i, i]
    for i in range(q - 1, -1, -1):
        acc = x[i]
        for k in range(i + 1, q):
            acc -= L[k, i] * x[k]
        x[i] = acc / L[i, i]
    return x


@njit(cache=True)
def solve_spd(G, b):
    """Solve ``G x = b`` for a symmetric positive definite ``G`` (Cholesky)."""
    return _cholesky_solve(_cholesky(G), b)


@njit(cache=True)
def inverse_spd(G):
    """Inverse of a symmetric positive definite ``G`` (Cholesky, column by column)."""
    q = G.shape[0]
    L = _cholesky(G)
    inv = np.empty((q, q))
    e = np.zeros(q)
    for j in range(q):
        for i in range(q):
            e[i] = 0.0
        e[j] = 1.0
        col = _cholesky_solve(L, e)
        for i in range(q):
            inv[i, j] = col[i]
    return inv


@njit(cache=True)
def _gram(A):
    """``A^T A`` by explicit loops: BLAS threads oversubscribe a loaded machine."""
    m, q = A.shape
    G = np.zeros((q, q))
    for i in range(m):  # row by row: A is C-ordered
        for j in range(q):
            a = A[i, j]
            for k in range(j, q):
                G[j, k] += a * A[i, k]
    for j in range(q):
        for k in range(j + 1, q):
            G[k, j] = G[j, k]
    return G


@njit(cache=True)
def ridge_fit(X, y, idx, l2, fit_intercept, box):
    """Exact ridge fit on the rows ``idx`` with a free, unpenalised intercept.

    Returns ``theta = (b0, beta)``. A relative jitter of 1e-12 keeps rank-deficient systems
    solvable (l2 = 0 with duplicate rows). With ``box > 0`` (used when l2 = 0) the
    coefficients are clipped to ``[-box, box]`` and the intercept re-centred: a feasible
    point of the boxed problem, not necessarily its best one.
    """
    p = X.shape[1]
    m = idx.size
    theta = np.zeros(p + 1)
    if m == 0:
        return theta
    XH = np.empty((m, p))
    yH = np.empty(m)
    for k in range(m):
        yH[k] = y[idx[k]]
        for j in range(p):
            XH[k, j] = X[idx[k], j]
    xm = np.zeros(p)
    ym = 0.0
    if fit_intercept:
        # Explicit loops: slice arithmetic and .mean() each compile Numba glue on first use.
        for k in range(m):
            ym += yH[k]
            for j in range(p):
                xm[j] += XH[k, j]
        ym /= m
        for j in range(p):
            xm[j] /= m
        for k in range(m):
            yH[k] -= ym
            for j in range(p):
                XH[k, j] -= xm[j]
    G = _gram(XH)
    rhs = np.zeros(p)
    for j in range(p):
        acc = 0.0
        for k in range(m):
            acc += XH[k, j] * yH[k]
        rhs[j] = acc
    scale = 0.0
    for j in range(p):
        scale = max(scale, G[j, j])
    jitter = 1e-12 * max(scale, 1e-300)
    for j in range(p):
        G[j, j] += l2 + jitter
    beta = solve_spd(G, rhs)
    if box > 0.0:
        for j in range(p):
            beta[j] = min(max(beta[j], -box), box)
    for j in range(p):
        theta[1 + j] = beta[j]
    if fit_intercept:
        b0 = ym
        for j in range(p):
            b0 -= xm[j] * beta[j]
        theta[0] = b0
    return theta


@njit(cache=True)
def mask_indices(mask):
    """``np.flatnonzero(mask)`` by a loop (no Numba glue to compile on first use)."""
    count = 0
    for i in range(mask.size):
        if mask[i]:
            count += 1
    idx = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(mask.size):
        if mask[i]:
            idx[count] = i
            count += 1
    return idx


@njit(cache=True)
def c_steps(X, y, theta, l2, fit_intercept, box, mode, h, mu, max_steps):
    """Concentration steps: best inlier set for the fit, exact ridge on it, repeat.

    Never increases the objective (an increase would mean the refit is not optimal on its
    set; we keep the better of the two). Returns ``(theta, objective, steps)``.
    """
    best = theta.copy()
    best_obj = objective(X, y, best, l2, mode, h, mu)
    steps = 0
    for _ in range(max_steps):
        r = residuals(X, y, best)
        mask = best_mask(r, mode, h, mu)
        idx = mask_indices(mask)
        cand = ridge_fit(X, y, idx, l2, fit_intercept, box)
        obj = objective(X, y, cand, l2, mode, h, mu)
        steps += 1
        if obj < best_obj - 1e-13 * abs(best_obj):
            best, best_obj = cand, obj
        else:
            break
    return best, best_obj, steps


@njit(cache=True)
def fast_lts(
    X, y, l2, fit_intercept, box, mode, h, mu, n_starts, n_best, seed, start_steps, final_steps
):
    """FAST-LTS (Rousseeuw and Van Driessen) with ridge C-steps.

    ``n_starts`` random elemental starts (``d`` points), ``start_steps`` C-steps each; the
    ``n_best`` best get up to ``final_steps`` more (to convergence). Step counts are
    arguments, not constants: a constant argument would make Numba compile ``c_steps``
    once per value. Returns the best ``theta``, its objective and the
    ``n_best`` converged fits (rows), best first.
    """
    # Numba seeds and draws from its own legacy-API generator (Generators are not cached).
    np.random.seed(seed)  # noqa: NPY002
    n, p = X.shape
    d = p + (1 if fit_intercept else 0)
    size = min(max(d, 1), n)
    keep_theta = np.zeros((n_best, p + 1))
    keep_obj = np.empty(n_best)
    for k in range(n_best):
        keep_obj[k] = np.inf
    perm = np.empty(n, dtype=np.int64)
    idx = np.empty(size, dtype=np.int64)
    for _ in range(n_starts):
        # np.random.permutation(n)[:size] drawn the way Numba draws it (same numbers), by
        # hand: Numba's permutation and fancy indexing compile for seconds on first use.
        for i in range(n):
            perm[i] = i
        for i in range(n - 1, 0, -1):
            j = np.random.randint(i + 1)  # noqa: NPY002
            perm[i], perm[j] = perm[j], perm[i]
        for i in range(size):
            idx[i] = perm[i]
        theta = ridge_fit(X, y, idx, l2, fit_intercept, box)
        theta, obj, _ = c_steps(X, y, theta, l2, fit_intercept, box, mode, h, mu, start_steps)
        worst = 0
        for k in range(1, n_best):
            if keep_obj[k] > keep_obj[worst]:
                worst = k
        if obj < keep_obj[worst]:
            duplicate = False
            for k in range(n_best):
                if abs(keep_obj[k] - obj) <= 1e-12 * max(1.0, abs(obj)):
                    duplicate = True
            if not duplicate:
                keep_obj[worst] = obj
                for j in range(p + 1):
                    keep_theta[worst, j] = theta[j]
    for k in range(n_best):
        if keep_obj[k] < np.inf:
            theta, obj, _ = c_steps(
                X, y, keep_theta[k], l2, fit_intercept, box, mode, h, mu, final_steps
            )
            for j in range(p + 1):
                keep_theta[k, j] = theta[j]
            keep_obj[k] = obj
    positions = np.empty(n_best, dtype=np.int64)
    for k in range(n_best):
        positions[k] = k
    order = smallest_indices(keep_obj, positions, n_best)
    sorted_theta = np.empty((order.size, p + 1))
    sorted_obj = np.empty(order.size)
    for k in range(order.size):
        sorted_obj[k] = keep_obj[order[k]]
        for j in range(p + 1):
            sorted_theta[k, j] = keep_theta[order[k], j]
    return sorted_theta[0].copy(), sorted_obj[0], sorted_theta, sorted_obj


@njit(cache=True)
def _design_row(X, i, fit_intercept):
    p = X.shape[1]
    a = np.empty(p + 1)
    a[0] = 1.0 if fit_intercept else 0.0
    for j in range(p):
        a[1 + j] = X[i, j]
    return a


@njit(cache=True)
def _gram_inverse(X, mask, l2, fit_intercept):
    """Inverse of ``A_H^T A_H + l2 diag(0, 1, ..., 1)`` in the ``(b0, beta)`` coordinates
    (without an intercept the ``b0`` row and column are an identity placeholder)."""
    p = X.shape[1]
    G = np.zeros((p + 1, p + 1))
    for i in range(X.shape[0]):
        if mask[i]:
            a = _design_row(X, i, fit_intercept)
            for j in range(p + 1):
                for k in range(p + 1):
                    G[j, k] += a[j] * a[k]
    scale = 0.0
    for j in range(p + 1):
        scale = max(scale, G[j, j])
    for j in range(1, p + 1):
        G[j, j] += l2
    if not fit_intercept:
        G[0, 0] = 1.0
    for j in range(p + 1):
        G[j, j] += 1e-12 * max(scale, 1e-300)
    return inverse_spd(G)


@njit(cache=True)
def _dot(a, b):
    acc = 0.0
    for i in range(a.size):
        acc += a[i] * b[i]
    return acc


@njit(cache=True)
def _matvec(G, a):
    q = a.size
    out = np.zeros(q)
    for i in range(q):
        acc = 0.0
        for j in range(q):
            acc += G[i, j] * a[j]
        out[i] = acc
    return out


@njit(cache=True)
def _quadratic_form(G, a):
    """``a^T G a`` by loops (no BLAS glue to compile on first use)."""
    return _dot(a, _matvec(G, a))


@njit(cache=True)
def swap_search(X, y, theta, l2, fit_intercept, mode, h, mu, width, max_rounds, max_steps):
    """Hawkins' pairwise swaps (trimmed) or single flips (capped) with rank-one updates.

    From the best inlier set of ``theta``: removing inlier ``i`` lowers the ridge objective
    by ``e_i^2 / (1 - a_i^T G^-1 a_i)``; adding ``o`` afterwards raises it by
    ``e_o'^2 / (1 + a_o^T G_1^-1 a_o)``, with ``e_o'`` and ``G_1`` after the removal. The
    ``width`` largest-residual inliers are paired with the ``width`` smallest-residual
    outliers; the best improving move is applied (exact refit and up to ``max_steps``
    C-steps) until none improves.
    Unboxed (use with l2 > 0, or l2 = 0 when the box is inactive). Returns ``(theta, obj)``.
    """
    best = theta.copy()
    best_obj = objective(X, y, best, l2, mode, h, mu)
    r = residuals(X, y, best)
    mask = best_mask(r, mode, h, mu)
    for _ in range(max_rounds):
        ins = mask_indices(mask)
        cur = ridge_fit(X, y, ins, l2, fit_intercept, 0.0)
        e = residuals(X, y, cur)
        Ginv = _gram_inverse(X, mask, l2, fit_intercept)
        outs = mask_indices(~mask)
        ae = np.empty(e.size)
        neg = np.empty(e.size)
        for i in range(e.size):
            ae[i] = abs(e[i])
            neg[i] = -ae[i]
        ins = smallest_indices(neg, ins, width)
        outs = smallest_indices(ae, outs, width)
        best_delta = 0.0
        bi = -1
        bo = -1
        if mode == CAPPED:
            for i in ins:
                a = _design_row(X, i, fit_intercept)
                lev = _quadratic_form(Ginv, a)
                if 1.0 - lev > 1e-10:
                    delta = -(e[i] ** 2) / (1.0 - lev) + mu
                    if delta < best_delta:
                        best_delta, bi, bo = delta, i, -1
            for o in outs:
                a = _design_row(X, o, fit_intercept)
                delta = e[o] ** 2 / (1.0 + _quadratic_form(Ginv, a)) - mu
                if delta < best_delta:
                    best_delta, bi, bo = delta, -1, o
        else:
            if ins.size == 0 or outs.size == 0:
                break
            for i in ins:
                ai = _design_row(X, i, fit_intercept)
                gi = _matvec(Ginv, ai)
                lev = _dot(ai, gi)
                if 1.0 - lev <= 1e-10:
                    continue
                drop = e[i] ** 2 / (1.0 - lev)
                for o in outs:
                    ao = _design_row(X, o, fit_intercept)
                    cross = _dot(ao, gi)
                    eo = e[o] + cross * e[i] / (1.0 - lev)
                    levo = _quadratic_form(Ginv, ao) + cross * cross / (1.0 - lev)
                    delta = -drop + eo * eo / (1.0 + levo)
                    if delta < best_delta:
                        best_delta, bi, bo = delta, i, o
        if best_delta >= -1e-10 * abs(best_obj):
            break
        if bi >= 0:
            mask[bi] = False
        if bo >= 0:
            mask[bo] = True
        cand = ridge_fit(X, y, mask_indices(mask), l2, fit_intercept, 0.0)
        cand, obj, _ = c_steps(X, y, cand, l2, fit_intercept, 0.0, mode, h, mu, max_steps)
        if obj < best_obj - 1e-13 * abs(best_obj):
            best, best_obj = cand, obj
            mask = best_mask(residuals(X, y, best), mode, h, mu)
        else:
            break
    return best, best_obj


# --------------------------------------------------------------------------- relaxation


@njit(cache=True)
def kappa(M, eta):
    """Huber thresholds ``M_i - sqrt(max(M_i^2 - eta, 0))`` of the convexified points."""
    k = np.empty(M.size)
    for i in range(M.size):
        k[i] = M[i] - np.sqrt(max(M[i] * M[i] - eta, 0.0))
    return k


@njit(cache=True)
def _derivatives(r, types, kap):
    """``alpha_i = psi_i'(r_i)``: ``2r`` inliers, ``clip(2r, +-2 kappa)`` free, 0 outliers."""
    n = r.size
    alpha = np.zeros(n)
    for i in range(n):
        t = types[i]
        if t == INLIER:
            alpha[i] = 2.0 * r[i]
        elif t == FREE:
            c = 2.0 * kap[i]
            alpha[i] = min(max(2.0 * r[i], -c), c)
    return alpha


@njit(cache=True)
def relaxed_value(r, beta, types, kap, l2, const):
    """``Phi = sum_I r^2 + sum_F huber_kappa(r) + l2 ||beta||^2 + const``."""
    v = 0.0
    for i in range(r.size):
        t = types[i]
        if t == INLIER:
            v += r[i] * r[i]
        elif t == FREE:
            a = abs(r[i])
            k = kap[i]
            v += a * a if a <= k else 2.0 * k * a - k * k
    return v + l2 * (beta @ beta) + const


@njit(cache=True)
def dual_value(X, y, alpha, types, M, kap, eta, l2, box, fit_intercept, const):
    """Dual bound ``D(alpha, eta)`` of a node, valid for any ``alpha`` (after projection).

    With an intercept ``alpha`` is first shifted onto ``sum(alpha) = 0`` (the shift is spread
    over inliers and free points). Terms: ``alpha^T y``; inliers ``-alpha^2/4``; free points
    ``-alpha^2/4`` if ``|alpha| <= 2 kappa`` else ``-(M|alpha| - eta)`` (conjugate of the
    Huber function restricted to ``|r| <= M``); outliers ``-M|alpha|``; ridge
    ``-||X^T alpha||^2 / (4 l2)`` or, with l2 = 0, ``-box ||X^T alpha||_1``; plus ``const``.
    """
    n, p = X.shape
    a = alpha.copy()
    if fit_intercept:
        s = a.sum()
        m = 0
        for i in range(n):
            if types[i] == INLIER or types[i] == FREE:
                m += 1
        if m > 0:
            shift = s / m
            for i in range(n):
                if types[i] == INLIER or types[i] == FREE:
                    a[i] -= shift
        else:
            shift = s / n
            a -= shift
    val = 0.0
    for i in range(n):
        t = types[i]
        ai = a[i]
        val += ai * y[i]
        if t == INLIER:
            val -= 0.25 * ai * ai
        elif t == FREE:
            if abs(ai) <= 2.0 * kap[i]:
                val -= 0.25 * ai * ai
            else:
                val -= M[i] * abs(ai) - eta
        else:
            val -= M[i] * abs(ai)
    for j in range(p):
        v = 0.0
        for i in range(n):
            v += X[i, j] * a[i]
        if l2 > 0.0:
            val -= v * v / (4.0 * l2)
        else:
            val -= box * abs(v)
    return val + const


@njit(cache=True)
def minimize_relaxation(X, y, theta0, types, kap, l2, box, fit_intercept, const, max_iter, tol):
    """Damped Newton on ``Phi(theta)`` (piecewise quadratic, C^1), warm-started.

    The Hessian uses inliers and free points in their quadratic zone; an Armijo line search
    keeps every step a descent. With l2 = 0 the coefficients are clipped to the box.
    Returns ``(theta, Phi, iterations)``. Only the dual value is used as a bound.
    """
    n, p = X.shape
    theta = theta0.copy()
    if not fit_intercept:
        theta[0] = 0.0
    r = residuals(X, y, theta)
    val = relaxed_value(r, theta[1:], types, kap, l2, const)
    it = 0
    while it < max_iter:
        it += 1
        alpha = _derivatives(r, types, kap)
        grad = np.zeros(p + 1)
        grad[0] = -alpha.sum() if fit_intercept else 0.0
        for j in range(p):
            v = 0.0
            for i in range(n):
                v += X[i, j] * alpha[i]
            grad[1 + j] = -v + 2.0 * l2 * theta[1 + j]
        H = np.zeros((p + 1, p + 1))
        cnt = 0
        for i in range(n):
            t = types[i]
            if t == INLIER or (t == FREE and abs(r[i]) <= kap[i]):
                cnt += 1
        Q = np.empty(cnt, dtype=np.int64)
        cnt = 0
        for i in range(n):
            t = types[i]
            if t == INLIER or (t == FREE and abs(r[i]) <= kap[i]):
                Q[cnt] = i
                cnt += 1
        if cnt > 0:
            A = np.empty((cnt, p + 1))
            for k in range(cnt):
                A[k, 0] = 1.0 if fit_intercept else 0.0
                for j in range(p):
                    A[k, 1 + j] = X[Q[k], j]
            H = 2.0 * _gram(A)
        scale = 1.0
        for j in range(p + 1):
            scale = max(scale, H[j, j])
        for j in range(1, p + 1):
            H[j, j] += 2.0 * l2
        if not fit_intercept:
            H[0, 0] = 1.0
        for j in range(p + 1):
            H[j, j] += 1e-9 * scale
        step = -solve_spd(H, grad)
        if not fit_intercept:
            step[0] = 0.0
        slope = grad @ step
        if not slope < 0.0:
            break
        Astep = np.empty(n)
        for i in range(n):
            Astep[i] = step[0] if fit_intercept else 0.0
        for j in range(p):
            c = step[1 + j]
            for i in range(n):
                Astep[i] += X[i, j] * c
        t = 1.0
        accepted = False
        for _ in range(40):
            cand = theta + t * step
            if l2 == 0.0 and box > 0.0:
                for j in range(p):
                    cand[1 + j] = min(max(cand[1 + j], -box), box)
                rc = residuals(X, y, cand)
            else:
                rc = r - t * Astep
            vc = relaxed_value(rc, cand[1:], types, kap, l2, const)
            if vc <= val + 1e-4 * t * slope:
                theta, r, accepted = cand, rc, True
                decrease = val - vc
                val = vc
                break
            t *= 0.5
        if not accepted:
            break
        if decrease <= tol * max(1.0, abs(val)):
            break
    return theta, val, it


@njit(cache=True)
def outlier_weights(r, types, M, kap, eta):
    """Relaxed outlier indicators ``z_i*`` of free points (0 elsewhere)."""
    n = r.size
    z = np.zeros(n)
    for i in range(n):
        if types[i] != FREE:
            continue
        a = abs(r[i])
        if a <= kap[i]:
            continue
        root = np.sqrt(max(M[i] * M[i] - eta, 0.0))
        if root <= 0.0 or a >= M[i]:
            z[i] = 1.0
        else:
            z[i] = min(1.0, max(0.0, 1.0 - (M[i] - a) / root))
    return z


@njit(cache=True)
def node_bound(X, y, theta, types, M, eta, l2, box, fit_intercept, const):
    """Dual bound at the fit ``theta`` for multiplier ``eta`` (``const`` includes ``C_eta``)."""
    kap = kappa(M, eta)
    r = residuals(X, y, theta)
    alpha = _derivatives(r, types, kap)
    return dual_value(X, y, alpha, types, M, kap, eta, l2, box, fit_intercept, const)


@njit(cache=True)
def ellipsoid_radii(X, y, mask, l2, fit_intercept):
    """Residual ranges over ``{theta : sum_{i in mask} r_i^2 + l2 ||beta||^2 <= UB}``.

    Returns ``(|r_i(theta_I)|, a_i^T G^-1 a_i, S_I)`` with ``theta_I`` the ridge fit on the
    mask and ``S_I`` its value: for any ``theta`` in the set,
    ``|r_i(theta)| <= |r_i(theta_I)| + sqrt((UB - S_I) a_i^T G^-1 a_i)``.
    """
    n, p = X.shape
    idx = np.flatnonzero(mask)
    theta = ridge_fit(X, y, idx, l2, fit_intercept, 0.0)
    r = residuals(X, y, theta)
    S = 0.0
    for i in idx:
        S += r[i] * r[i]
    S += l2 * (theta[1:] @ theta[1:])
    Ginv = _gram_inverse(X, mask, l2, fit_intercept)
    lev = np.empty(n)
    for i in range(n):
        a = _design_row(X, i, fit_intercept)
        lev[i] = max(a @ Ginv @ a, 0.0)
    return np.abs(r), lev, S


# --- Parameter-box relaxation (solver='box') --------------------------------------------------
# Numba kernels of the parameter-box relaxation of penalised LTS.
#
# A node is a box ``lo <= theta <= hi`` on ``theta = (b0, beta)``. Over a box every residual
# ``r_i = y_i - a_i^T theta`` (``a_i = (1, x_i)``) stays in an interval ``[l_i, u_i]``, and
# the budget-dualised loss ``min(r^2, eta)`` is replaced by its convex envelope on that
# interval: at most three pieces (a tangent line, the parabola, a tangent line) or one chord.
# The relaxation is ``min`` over the box of ``sum_i psi_i(r_i) - eta k``, where
# rows flagged ``quad`` (the ridge, ``sqrt(l2) beta_j``) keep ``r^2`` and are never trimmed.
# The Fenchel dual gives a bound valid for any multipliers ``alpha``:
#
#     D(alpha, eta) = alpha^T y - sum_i f_i*(alpha_i) + sum_j min(-v_j lo_j, -v_j hi_j) - eta k,
#
# ``v = A^T alpha``, with ``f_i*(a) = max(a c - c^2, max(a l_i, a u_i) - eta)``,
# ``c = clip(a / 2, l_i, u_i)``, the conjugate of ``min(r^2, eta)`` restricted to
# ``[l_i, u_i]`` (``a^2 / 4`` for ``quad`` rows).
# No fastmath: the bound must be computed exactly.


@njit(cache=True)
def residual_intervals(A, y, lo, hi):
    """Exact range ``[l_i, u_i]`` of ``y_i - a_i^T theta`` over the box, widened by rounding."""
    n, d = A.shape
    rl, ru, scale = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        rl[i] = ru[i] = y[i]
        scale[i] = abs(y[i])
    for j in range(d):
        lj, hj = lo[j], hi[j]
        mj = max(abs(lj), abs(hj))
        for i in range(n):
            a = A[i, j]
            if a >= 0.0:
                rl[i] -= a * hj
                ru[i] -= a * lj
            else:
                rl[i] -= a * lj
                ru[i] -= a * hj
            scale[i] += abs(a) * mj
    for i in range(n):
        s = 1e-12 * (scale[i] + 1e-300)
        rl[i] -= s
        ru[i] += s
    return rl, ru


@njit(cache=True)
def envelope(rl, ru, eta):
    """Pieces of the convex envelope of ``min(r^2, eta)`` on each ``[l_i, u_i]``.

    Returns ``(qa, qb, chord)``: the parabola is kept on ``[qa, qb]`` with tangent lines
    outside it, or (``chord`` true) the envelope is the chord between the end points.
    """
    n = rl.size
    qa = np.empty(n)
    qb = np.empty(n)
    chord = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        lo, up = rl[i], ru[i]
        a = lo
        if lo < 0.0 and lo * lo > eta:
            a = lo + np.sqrt(lo * lo - eta)
        b = up
        if up > 0.0 and up * up > eta:
            b = up - np.sqrt(up * up - eta)
        qa[i] = a
        qb[i] = b
        chord[i] = a > b
    return qa, qb, chord


@njit(cache=True)
def _piece(r, lo, up, a, b, is_chord, quad, eta):
    """Value, slope, curvature and flat weight (d/d eta) of one point's envelope at ``r``."""
    if quad:
        return r * r, 2.0 * r, 2.0, 0.0
    if is_chord:
        fl = min(lo * lo, eta)
        fu = min(up * up, eta)
        width = up - lo
        m = (fu - fl) / width if width > 0.0 else 0.0
        lam = min(max((r - lo) / width, 0.0), 1.0) if width > 0.0 else 0.0
        z = 0.0
        if lo * lo >= eta:
            z += 1.0 - lam
        if up * up >= eta:
            z += lam
        return fl + m * (r - lo), m, 0.0, z
    if r < a:
        z = min(max((a - r) / (a - lo), 0.0), 1.0) if a > lo else 0.0
        return a * a + 2.0 * a * (r - a), 2.0 * a, 0.0, z
    if r > b:
        z = min(max((r - b) / (up - b), 0.0), 1.0) if up > b else 0.0
        return b * b + 2.0 * b * (r - b), 2.0 * b, 0.0, z
    return r * r, 2.0 * r, 2.0, 0.0


@njit(cache=True)
def envelope_value(r, rl, ru, qa, qb, chord, quad, eta):
    """``sum_i psi_i(r_i)`` (without the ``-eta k`` constant)."""
    total = 0.0
    for i in range(r.size):
        total += _piece(r[i], rl[i], ru[i], qa[i], qb[i], chord[i], quad[i], eta)[0]
    return total


@njit(cache=True)
def flat_weights(r, rl, ru, qa, qb, chord, quad, eta):
    """Outlier weights ``z_i``: the budget supergradient is ``sum z - k``."""
    z = np.empty(r.size)
    for i in range(r.size):
        z[i] = _piece(r[i], rl[i], ru[i], qa[i], qb[i], chord[i], quad[i], eta)[3]
    return z


@njit(cache=True)
def _coordinate_slope(A, j, r, t, theta_j, rl, ru, qa, qb, chord, quad, eta):
    g = 0.0
    c = 0.0
    shift = t - theta_j
    for i in range(r.size):
        a = A[i, j]
        if a != 0.0:
            _, s, k, _ = _piece(
                r[i] - a * shift, rl[i], ru[i], qa[i], qb[i], chord[i], quad[i], eta
            )
            g -= a * s
            c += a * a * k
    return g, c


@njit(cache=True)
def minimize_box(A, y, theta0, lo, hi, rl, ru, qa, qb, chord, quad, eta, max_sweeps, tol):
    """Cyclic coordinate descent on the envelope relaxation over the box.

    Each coordinate's problem is a convex piecewise quadratic in one variable, minimised
    by Newton steps safeguarded by bisection on the bracket ``[lo_j, hi_j]``.
    Returns ``(theta, residuals, value, sweeps)``.
    """
    n, d = A.shape
    theta = np.empty(d)
    for j in range(d):
        theta[j] = min(max(theta0[j], lo[j]), hi[j])
    r = np.empty(n)
    for i in range(n):
        r[i] = y[i]
    for j in range(d):
        t = theta[j]
        for i in range(n):
            r[i] -= A[i, j] * t
    value = envelope_value(r, rl, ru, qa, qb, chord, quad, eta)
    sweeps = 0
    for _ in range(max_sweeps):
        sweeps += 1
        for j in range(d):
            if hi[j] <= lo[j]:
                continue
            t0 = theta[j]
            a_lo, a_hi = lo[j], hi[j]
            t = t0
            for _ in range(60):
                g, c = _coordinate_slope(A, j, r, t, t0, rl, ru, qa, qb, chord, quad, eta)
                if g == 0.0:
                    break
                if g > 0.0:
                    a_hi = t
                else:
                    a_lo = t
                if a_hi - a_lo <= 1e-13 * (1.0 + abs(t)):
                    break
                step = t - g / c if c > 0.0 else 0.5 * (a_lo + a_hi)
                if not (a_lo < step < a_hi):
                    step = 0.5 * (a_lo + a_hi)
                if step == t:
                    break
                t = step
            if t != t0:
                delta = t - t0
                for i in range(n):
                    r[i] -= A[i, j] * delta
                theta[j] = t
        new = envelope_value(r, rl, ru, qa, qb, chord, quad, eta)
        done = value - new <= tol * max(1.0, abs(new))
        value = new
        if done:
            break
    return theta, r, value, sweeps


@njit(cache=True)
def dual_bound(A, y, r, lo, hi, rl, ru, qa, qb, chord, quad, eta, k):
    """``D(alpha, eta)`` at the envelope slopes ``alpha_i = psi_i'(r_i)``; valid for any ``r``."""
    n, d = A.shape
    alpha = np.empty(n)
    for i in range(n):
        alpha[i] = _piece(r[i], rl[i], ru[i], qa[i], qb[i], chord[i], quad[i], eta)[1]
    total = 0.0
    for i in range(n):
        a = alpha[i]
        lo_i, up_i = rl[i], ru[i]
        if quad[i]:
            conj = 0.25 * a * a
        else:
            c = min(max(0.5 * a, lo_i), up_i)
            conj = max(a * c - c * c, max(a * lo_i, a * up_i) - eta)
        total += a * y[i] - conj
    for j in range(d):
        v = 0.0
        for i in range(n):
            v += A[i, j] * alpha[i]
        total += min(-v * lo[j], -v * hi[j])
    return total - eta * k


@njit(cache=True)
def _value_at(A, y, u, n_points, mode, h, mu):
    """The objective at ``u``: the LTS loss of the first ``n_points`` rows plus the rest's
    squares (the ridge rows)."""
    n, d = A.shape
    r = y.copy()
    for j in range(d):
        c = u[j]
        for i in range(n):
            r[i] -= A[i, j] * c
    tail = 0.0
    for i in range(n_points, n):
        tail += r[i] * r[i]
    return loss_from_residuals(r[:n_points], mode, h, mu) + tail


@njit(cache=True)
def lipschitz_bound(A, y, lo, hi, n_points, mode, h, mu, lipschitz, target, max_evals):
    """Lower bound on the objective over the box from ``sqrt F`` being 1-Lipschitz in ``u``.

    For every set of kept points the norm of their residuals, with the ridge rows, moves by
    at most ``|A (u - v)| <= lipschitz |u - v|`` (``lipschitz`` = the spectral norm of
    ``A``, 1 up to rounding when ``A`` is whitened); ``sqrt F`` is the smallest of these
    norms. A piece with centre ``c`` and half-diagonal ``rho`` thus has
    ``F >= (sqrt F(c) - lipschitz rho)_+^2``. Pieces whose bound is below ``target`` are
    halved along their longest side (depth first, at most ``max_evals`` values of ``F``);
    the bound is the smallest over a partition of the box. The search stops at the first piece that
    cannot be pruned (its halves would not be: ``sqrt F(c) - sqrt(target) < rho / 2``), or
    when the budget is spent, and then returns the one-piece bound of the whole box.
    """
    d = lo.size
    stack_lo = np.empty((max_evals + 2, d))
    stack_hi = np.empty((max_evals + 2, d))
    for j in range(d):
        stack_lo[0, j] = lo[j]
        stack_hi[0, j] = hi[j]
    top = 1
    evals = 0
    whole = 0.0
    best = np.inf
    while top > 0:
        top -= 1
        low, high, centre = np.empty(d), np.empty(d), np.empty(d)
        diagonal = 0.0
        for i in range(d):
            low[i] = stack_lo[top, i]
            high[i] = stack_hi[top, i]
            centre[i] = 0.5 * (low[i] + high[i])
            diagonal += (high[i] - low[i]) ** 2
        value = _value_at(A, y, centre, n_points, mode, h, mu)
        evals += 1
        half = 0.5 * lipschitz * np.sqrt(diagonal)
        reach = np.sqrt(max(value, 0.0)) - half
        bound = (1.0 - 1e-9) * reach * reach if reach > 0.0 else 0.0
        if evals == 1:
            whole = bound
        if bound >= target:
            best = min(best, bound)
            continue
        # Give up on a piece whose centre is too close to the target for its halves to be
        # pruned (it holds F < target, or needs pieces under half its size), or when the
        # budget is spent.
        if np.sqrt(max(value, 0.0)) - np.sqrt(target) < 0.5 * half or evals + top + 2 > max_evals:
            return whole
        j = 0
        for i in range(1, d):
            if high[i] - low[i] > high[j] - low[j]:
                j = i
        mid = centre[j]
        # Row copies by hand: a row assignment compiles Numba's shape-error glue.
        for i in range(d):
            stack_lo[top, i] = low[i]
            stack_hi[top, i] = high[i]
            stack_lo[top + 1, i] = low[i]
            stack_hi[top + 1, i] = high[i]
        stack_hi[top, j] = mid
        stack_lo[top + 1, j] = mid
        top += 2
    return best
