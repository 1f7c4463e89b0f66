"""Newton steps on the node relaxation's active set, between coordinate-descent passes.

Coordinate descent crawls when the active columns are nearly collinear (polynomial features,
strongly correlated designs). The relaxed objective is piecewise quadratic in each
coordinate (zero, a linear piece ``thr |b|``, the quadratic piece ``l0 + l2 b^2`` beyond
``rho``, the box), so once descent has found the pieces, one linear solve on the coordinates
strictly inside their piece gives the exact minimizer. A step is kept only if it lowers the
objective, so it never hurts, and the bound stays what it always was: the dual value of the
residual the descent ends with.
"""

from __future__ import annotations

import numpy as np


def relaxed_penalties(b, state, lam, l2, M):
    """Vectorized relaxed penalty (psi for free, phi for fixed-one coordinates); inf off-box."""
    a = np.abs(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        perspective = (l2 > 0) & (lam <= l2 * M * M)
        rho = np.where(perspective, np.sqrt(lam / np.where(l2 > 0, l2, 1.0)), M)
        thr = np.where(perspective, 2.0 * np.sqrt(lam * l2), lam / M + l2 * M)
    quad = lam + l2 * b * b
    free = np.where(perspective & (a > rho), quad, thr * a)
    pen = np.where(state == 1, quad, free)
    pen = np.where(a == 0.0, np.where(state == 1, quad, 0.0), pen)
    return np.where(a > M * (1 + 1e-12), np.inf, pen), perspective, rho, thr


def newton_polish(gram, b, grad, state, lam, l2, M, max_steps=4):
    """Improve ``b`` (active entries) by projected Newton steps; updates ``b`` and ``grad``.

    ``gram`` is the active block of ``W^T W``, ``grad = W_A^T r``. Returns the number of
    accepted steps.
    """
    accepted = 0
    for _ in range(max_steps):
        pen, perspective, rho, thr = relaxed_penalties(b, state, lam, l2, M)
        # f(b) = 0.5 b^T G b - c^T b + pen(b) with c = grad + G b (constants dropped).
        value = -grad @ b - 0.5 * b @ (gram @ b) + pen.sum()
        a = np.abs(b)
        on_box = a >= M * (1 - 1e-12)
        inside = (b != 0.0) & ~on_box
        if not inside.any():
            return accepted
        quad = (state == 1) | (perspective & (a > rho))
        c = grad + gram @ b  # W_A^T y~ restricted to the active set
        F = np.flatnonzero(inside)
        rhs = c[F] - gram[np.ix_(F, np.flatnonzero(~inside))] @ b[~inside]
        linear = ~quad[F]
        rhs[linear] -= thr[F][linear] * np.sign(b[F][linear])
        system = gram[np.ix_(F, F)].copy()
        system[np.diag_indices_from(system)] += np.where(quad[F], 2.0 * l2[F], 0.0)
        try:
            target = np.linalg.solve(system, rhs)
        except np.linalg.LinAlgError:
            return accepted
        if not np.all(np.isfinite(target)):
            return accepted
        step = np.zeros_like(b)
        step[F] = target - b[F]
        t = 1.0
        improved = False
        while t >= 1.0 / 64:
            trial = np.clip(b + t * step, -M, M)
            # Leaving a linear piece through zero is a kink: stop at zero instead.
            flipped = (np.sign(trial) != np.sign(b)) & (b != 0.0)
            trial[flipped] = 0.0
            delta = trial - b
            trial_pen = relaxed_penalties(trial, state, lam, l2, M)[0]
            trial_value = value - grad @ delta + 0.5 * delta @ (gram @ delta)
            trial_value += trial_pen.sum() - pen.sum()
            if trial_value < value - 1e-15 * abs(value):
                grad -= gram @ delta
                b[:] = trial
                improved = True
                break
            t *= 0.5
        if not improved:
            return accepted
        accepted += 1
        if t == 1.0 and not np.any(trial[F] == 0.0):
            return accepted
    return accepted
