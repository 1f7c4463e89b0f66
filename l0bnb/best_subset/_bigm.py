"""Certified big-M boxes for best subset: bounds every optimal coefficient must satisfy."""

from __future__ import annotations

import numpy as np


def safe_big_m(
    X: np.ndarray,
    y: np.ndarray,
    l0: float | None,
    l2: float,
    upper_bound: float,
    max_eigen_features: int = 2000,
) -> float:
    """A box ``|b_i| <= M`` that provably keeps every optimal solution of the unboxed problem.

    Let ``UB`` be the objective of any solution and ``paid = l0`` (penalized form) or 0
    (cardinality form): a nonzero optimal coefficient pays at least ``paid``. Two proofs,
    the smaller result is returned:

    * ``l2 > 0``: ``l2 b_i^2 <= l2 ||b||^2 <= UB - paid``.
    * ``H = X^T X + 2 l2 I`` positive definite (``p`` not too large): the smooth part equals
      ``F_r + 0.5 (b - b_r)^T H (b - b_r)`` with ``b_r`` its minimizer, so
      ``|b_i| <= |b_r,i| + sqrt(2 (UB - paid - F_r) / lambda_min(H))``.

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
    max_eigen_features : int, default=2000
        Largest ``p`` for which the eigenvalue bound is computed.

    Returns
    -------
    float
        A valid ``M`` (slightly enlarged against rounding).

    Raises
    ------
    ValueError
        When no bound can be proved (``l2 = 0`` and ``X`` rank deficient or too wide).
    """
    paid = 0.0 if l0 is None else float(l0)
    slack = max(upper_bound - paid, 0.0)
    candidates = []
    if l2 > 0:
        candidates.append(np.sqrt(slack / l2))
    n, p = X.shape
    if p <= max_eigen_features:
        hessian = X.T @ X
        hessian[np.diag_indices_from(hessian)] += 2.0 * l2
        lam_min = float(np.linalg.eigvalsh(hessian)[0])
        if lam_min > 1e-10 * max(float(np.trace(hessian)) / p, 1e-300):
            b_r = np.linalg.solve(hessian, X.T @ y)
            resid = y - X @ b_r
            f_r = 0.5 * float(resid @ resid) + l2 * float(b_r @ b_r)
            radius = np.sqrt(2.0 * max(upper_bound - paid - f_r, 0.0) / lam_min)
            candidates.append(float(np.max(np.abs(b_r))) + radius)
    if not candidates:
        raise ValueError(
            "With l2 = 0 no big-M can be certified for this X (rank deficient, or "
            f"p = {p} > {max_eigen_features} for an eigenvalue bound): "
            "pass an explicit M, or use l2 > 0."
        )
    return float(min(candidates) * (1 + 1e-9) + 1e-12)
