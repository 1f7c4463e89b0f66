"""Certified big-M boxes for best subset: bounds every optimal coefficient must satisfy."""

from __future__ import annotations

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve


def safe_big_m(
    X: np.ndarray,
    y: np.ndarray,
    l0: float | None,
    l2: float,
    upper_bound: float,
    max_eigen_features: int = 3000,
) -> np.ndarray:
    """Boxes ``|b_i| <= M_i`` that keep every optimal solution of the unboxed problem.

    Let ``UB`` be the objective of any solution and ``paid = l0`` (penalized form) or 0
    (cardinality form): a nonzero optimal coefficient pays at least ``paid``, so every optimal
    ``b`` with ``b_i != 0`` satisfies ``F(b) <= UB - paid`` for the smooth part
    ``F(b) = 0.5 ||y - X b||^2 + l2 ||b||^2``. Two proofs, the smaller box is kept per
    coordinate:

    * ``l2 > 0``: ``l2 b_i^2 <= l2 ||b||^2 <= UB - paid``.
    * ``H = X^T X + 2 l2 I`` positive definite (``p`` not too large; with ``n < p`` and
      ``l2 > 0`` it adds nothing to the first box and is skipped):
      ``F(b) = F_r + 0.5 (b - b_r)^T H (b - b_r)`` with ``b_r`` its minimizer, and the
      largest ``|b_i|`` on that ellipsoid is ``|b_r,i| + sqrt(2 (UB - paid - F_r) (H^-1)_ii)``.

    The second box scales with the column: multiplying ``X_i`` by ``s`` divides ``M_i`` by
    ``s``, so the relaxation does not depend on the units of the features.

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
    max_eigen_features : int, default=3000
        Largest ``p`` for which the ellipsoid bound is computed.

    Returns
    -------
    ndarray of shape (n_features,)
        Valid boxes (slightly enlarged against rounding).

    Raises
    ------
    ValueError
        When no bound can be proved (``l2 = 0`` and ``X`` rank deficient or too wide).
    """
    paid = 0.0 if l0 is None else float(l0)
    slack = max(upper_bound - paid, 0.0)
    n, p = X.shape
    box = np.full(p, np.sqrt(slack / l2) if l2 > 0 else np.inf)
    yy = float(y @ y)
    # With n < p the Hessian's smallest eigenvalue is 2 l2 and the ellipsoid box is no
    # tighter than the ridge box, while its Cholesky costs seconds at p in the thousands.
    if p <= max_eigen_features and (n >= p or not l2 > 0):
        hessian = X.T @ X
        hessian[np.diag_indices_from(hessian)] += 2.0 * l2
        ellipsoid = _ellipsoid_box(hessian, X.T @ y, yy, upper_bound - paid)
        if ellipsoid is not None:
            box = np.minimum(box, ellipsoid)
    if not np.all(np.isfinite(box)):
        raise ValueError(
            "With l2 = 0 no big-M can be certified for this X (rank deficient, or "
            f"p = {p} > {max_eigen_features} for an eigenvalue bound): "
            "pass an explicit M, or use l2 > 0."
        )
    return box * (1 + 1e-9) + 1e-300


def _ellipsoid_box(hessian, c, yy, level):
    """``|b_r| + sqrt(2 (level - F_r) diag(H^-1))``, or ``None`` if ``H`` is near singular."""
    diag = np.diag(hessian).copy()
    try:
        factor = cho_factor(hessian, lower=True)
    except LinAlgError:
        return None
    pivots = np.diag(factor[0]) ** 2
    if not np.all(pivots > 1e-10 * diag):
        return None
    b_r = cho_solve(factor, c)
    h_inv_diag = np.diag(cho_solve(factor, np.eye(hessian.shape[0])))
    f_r = 0.5 * (yy - float(c @ b_r))
    # F_r comes from a difference of large numbers: widen the level set by its rounding.
    excess = max(level - f_r, 0.0) + 1e-10 * yy
    return np.abs(b_r) + np.sqrt(2.0 * excess * np.maximum(h_inv_diag, 0.0))
