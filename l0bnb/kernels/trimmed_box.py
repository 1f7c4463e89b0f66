"""Numba kernels of the parameter-box relaxation of penalised LTS.

A node is a box ``lo <= theta <= hi`` on ``theta = (b0, beta)``. Over a box every residual
``r_i = y_i - a_i^T theta`` (``a_i = (1, x_i)``) stays in an interval ``[l_i, u_i]``, and
the budget-dualised loss ``min(r^2, eta)`` is replaced by its convex envelope on that
interval: at most three pieces (a tangent line, the parabola, a tangent line) or one chord.
The relaxation is ``min`` over the box of ``sum_i psi_i(r_i) - eta k``, where
rows flagged ``quad`` (the ridge, ``sqrt(l2) beta_j``) keep ``r^2`` and are never trimmed.
The Fenchel dual gives a bound valid for any multipliers ``alpha``:

    D(alpha, eta) = alpha^T y - sum_i f_i*(alpha_i) + sum_j min(-v_j lo_j, -v_j hi_j) - eta k,

``v = A^T alpha``, with ``f_i*(a) = max(a c - c^2, max(a l_i, a u_i) - eta)``,
``c = clip(a / 2, l_i, u_i)``, the conjugate of ``min(r^2, eta)`` restricted to
``[l_i, u_i]`` (``a^2 / 4`` for ``quad`` rows).
No fastmath: the bound must be computed exactly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .trimmed import loss_from_residuals


@njit(cache=True)
def residual_intervals(A, y, lo, hi):
    """Exact range ``[l_i, u_i]`` of ``y_i - a_i^T theta`` over the box, widened by rounding."""
    n, d = A.shape
    rl = y.copy()
    ru = y.copy()
    scale = np.abs(y).copy()
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
def relaxed_value(r, rl, ru, qa, qb, chord, quad, eta):
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
    theta = np.minimum(np.maximum(theta0, lo), hi)
    r = y - A @ theta
    value = relaxed_value(r, rl, ru, qa, qb, chord, quad, eta)
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
        new = relaxed_value(r, rl, ru, qa, qb, chord, quad, eta)
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
    v = A.T @ alpha
    for j in range(d):
        total += min(-v[j] * lo[j], -v[j] * hi[j])
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
    stack_lo[0] = lo
    stack_hi[0] = hi
    top = 1
    evals = 0
    whole = 0.0
    best = np.inf
    while top > 0:
        top -= 1
        low = stack_lo[top].copy()
        high = stack_hi[top].copy()
        centre = 0.5 * (low + high)
        value = _value_at(A, y, centre, n_points, mode, h, mu)
        evals += 1
        half = 0.5 * lipschitz * np.sqrt(np.sum((high - low) ** 2))
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
        j = np.argmax(high - low)
        mid = centre[j]
        stack_lo[top] = low
        stack_hi[top] = high
        stack_hi[top, j] = mid
        stack_lo[top + 1] = low
        stack_hi[top + 1] = high
        stack_lo[top + 1, j] = mid
        top += 2
    return best
