"""Exact refits of penalised LTS in plain numpy/scipy, shared by the solver and the references.

Independent of the Numba kernels (so the references check the kernels, not themselves), and
of the search (so the references import nothing engine-side).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import lsq_linear


def lts_objective(X, y, theta, *, mode="trimmed", h=None, mu=None, l2=0.0) -> float:
    """``F(theta)`` computed in plain numpy (independent of the Numba kernels)."""
    X = np.asarray(X, dtype=float)
    r = np.asarray(y, dtype=float) - theta[0] - X @ theta[1:]
    r2 = np.sort(r * r)
    loss = float(r2[:h].sum()) if mode == "trimmed" else float(np.minimum(r2, mu).sum())
    return loss + l2 * float(theta[1:] @ theta[1:])


def subset_fit(X, y, idx, *, l2=0.0, fit_intercept=True, box=None) -> tuple[np.ndarray, float]:
    """Exact ``min sum_{i in idx} r_i^2 + l2 ||beta||^2`` (``|beta_j| <= box`` if given).

    Returns ``theta = (b0, beta)`` and the value on ``idx``. Bounded least squares (BVLS)
    handles an active box exactly.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    idx = np.asarray(idx, dtype=int)
    n, p = X.shape
    theta = np.zeros(p + 1)
    if idx.size == 0:
        return theta, 0.0
    k = 1 if fit_intercept else 0
    A = np.hstack([np.ones((idx.size, k)), X[idx]])
    b = y[idx]
    if l2 > 0:
        A = np.vstack([A, np.hstack([np.zeros((p, k)), math.sqrt(l2) * np.eye(p)])])
        b = np.concatenate([b, np.zeros(p)])
    sol = np.linalg.lstsq(A, b, rcond=None)[0]
    if box is not None and np.any(np.abs(sol[k:]) > box):
        lower = np.concatenate([np.full(k, -np.inf), np.full(p, -box)])
        upper = np.concatenate([np.full(k, np.inf), np.full(p, box)])
        sol = lsq_linear(A, b, bounds=(lower, upper), method="bvls", tol=1e-14).x
    theta[1 - k :] = sol
    res = b - A @ sol
    return theta, float(res @ res)
