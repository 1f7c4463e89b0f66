"""Certified big-M boxes for best subset: bounds every optimal coefficient must satisfy."""

from __future__ import annotations

import numpy as np


def safe_big_m(
    X: np.ndarray,
    y: np.ndarray,
    l0: float | None,
    l2: float,
    upper_bound: float,
    max_eigen_features: int = 5000,
) -> float:
    """A box ``|b_i| <= M`` that provably keeps every optimal solution of the unboxed problem.

    With ``l2 > 0``: an optimal ``b`` pays ``l0 + l2 b_i^2`` for each nonzero, so
    ``l2 b_i^2 <= UB - l0`` for any upper bound ``UB`` (the objective of any solution).
    With ``l2 = 0`` and full column rank: ``0.5||X(b - b_ols)||^2 = 0.5||y - Xb||^2 - RSS/2
    <= UB - RSS/2``, so ``|b_i| <= |b_ols,i| + sqrt(2 (UB - RSS/2) / lambda_min(X^T X))``.

    Parameters
    ----------
    X, y : ndarray
        The data as the solver sees them.
    l0 : float or None
        L0 penalty (``None`` for the cardinality form).
    l2 : float
        Ridge penalty.
    upper_bound : float
        Objective of any feasible solution of the unboxed problem.
    max_eigen_features : int, default=5000
        Largest ``p`` for which the eigenvalue bound (``l2 = 0``) is attempted.

    Returns
    -------
    float
        A valid ``M`` (slightly enlarged against rounding).

    Raises
    ------
    ValueError
        When no bound can be proved (``l2 = 0`` and ``X`` is rank deficient or too wide).
    """
    if l2 > 0:
        paid = 0.0 if l0 is None else float(l0)
        return float(np.sqrt(max(upper_bound - paid, 0.0) / l2) * (1 + 1e-9) + 1e-12)
    n, p = X.shape
    if p > n or p > max_eigen_features:
        raise ValueError(
            "With l2 = 0 no big-M can be certified for this X "
            f"(p = {p} > n = {n} or p too large for an eigenvalue bound): "
            "pass an explicit M, or use l2 > 0."
        )
    gram = X.T @ X
    lam_min = float(np.linalg.eigvalsh(gram)[0])
    if lam_min <= 1e-10 * max(float(np.trace(gram)) / p, 1e-300):
        raise ValueError(
            "With l2 = 0 no big-M can be certified: X^T X is singular. "
            "Pass an explicit M, or use l2 > 0."
        )
    b_ols = np.linalg.solve(gram, X.T @ y)
    resid = y - X @ b_ols
    slack = max(upper_bound - 0.5 * float(resid @ resid), 0.0)
    radius = np.sqrt(2.0 * slack / lam_min)
    return float((np.max(np.abs(b_ols)) + radius) * (1 + 1e-9) + 1e-12)
