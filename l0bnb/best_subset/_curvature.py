"""The least-squares term's own curvature, moved into the perspective relaxation.

When ``G = X^T X`` is positive definite, ``G - diag(d)`` stays positive semidefinite for a
nonnegative ``d``, and

    0.5 ||y - X b||^2 = 0.5 ||y~ - W b||^2 + offset + 0.5 sum_i d_i b_i^2

with ``W^T W = G - diag(d)`` (a Cholesky factor), ``W^T y~ = X^T y`` and
``offset = 0.5 (||y||^2 - ||y~||^2)``. The separable term ``0.5 d_i b_i^2`` is a ridge that the
perspective relaxation strengthens like a user's ``l2``, which is what makes the classic
problem (``l2 = 0``, ``n > p``) tractable (Frangioni & Gentile 2007; Zheng, Sun & Li 2014;
Dong, Chen & Linderoth 2015). The integer objective is unchanged: only the relaxation sees
the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, solve_triangular

#: Share of the correlation matrix's smallest eigenvalue left in ``G - diag(d)``; keeps the
#: Cholesky factor well conditioned and ``y~`` (which grows like the inverse) accurate.
MARGIN = 0.05
#: Largest ``p`` for which the diagonal is improved by max-det Newton steps (O(p^3) each).
SDP_MAX_FEATURES = 600


@dataclass
class SplitDesign:
    """Data of the equivalent problem ``0.5||y~ - W b||^2 + offset + sum_i extra_l2_i b_i^2``.

    Attributes
    ----------
    X : ndarray of shape (p, p) or (n, p)
        ``W`` (Fortran-ordered), or the original ``X`` when no curvature was extracted.
    y : ndarray
        ``y~`` (or the original ``y``).
    offset : float
        Constant added to every objective and bound.
    extra_l2 : ndarray of shape (p,)
        ``d / 2``: ridge weight moved out of the quadratic.
    method : str
        How ``d`` was chosen (``"none"``, ``"equilibrated"`` or ``"sdp"``).
    """

    X: np.ndarray
    y: np.ndarray
    offset: float
    extra_l2: np.ndarray
    method: str


def no_split(X: np.ndarray, y: np.ndarray) -> SplitDesign:
    """The problem as given (nothing extracted)."""
    return SplitDesign(np.asfortranarray(X), y, 0.0, np.zeros(X.shape[1]), "none")


def equilibrated_diagonal(gram: np.ndarray) -> tuple[np.ndarray, float]:
    """``d = mu * diag(G)`` with ``mu`` the smallest eigenvalue of the correlation matrix.

    Scaling a column by ``s`` scales its ``d_i`` by ``s^2``: the extracted ridge does not
    depend on the units of the features. Returns ``(d, mu)`` (``d`` without margin).
    """
    s = np.sqrt(np.diag(gram))
    corr = gram / np.outer(s, s)
    mu = float(np.linalg.eigvalsh(corr)[0])
    return max(mu, 0.0) * s * s, mu


def _max_sum_diagonal(corr: np.ndarray, mu: float, steps: int = 4) -> np.ndarray:
    """Approximately ``max sum(e)`` s.t. ``corr - diag(e) >= 0`` by barrier Newton steps.

    Starts from the feasible ``e = (1 - MARGIN) mu``; every accepted step keeps
    ``corr - diag(e) - 0.5 MARGIN mu I`` positive definite (checked by a Cholesky
    factorization), and the feasible point with the largest ``sum(e)`` is returned, so the
    result is valid whatever the number of steps.
    """
    p = corr.shape[0]
    e = np.full(p, (1.0 - MARGIN) * mu)
    best = e
    for barrier in (0.3 * MARGIN * mu, 0.1 * MARGIN * mu):
        for _ in range(steps):
            inv = np.linalg.inv(corr - np.diag(e))
            grad = 1.0 - barrier * np.diag(inv)
            hess = barrier * inv * inv  # minus the Hessian of the barrier objective
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                return best
            t = 1.0
            while t > 1e-4:
                trial = np.maximum(e + t * step, 0.0)
                try:
                    cho_factor(corr - np.diag(trial) - np.eye(p) * (0.5 * MARGIN * mu))
                except np.linalg.LinAlgError:
                    t *= 0.5
                    continue
                break
            else:
                return best
            e = trial
            if e.sum() > best.sum():
                best = e
    return best


def split_design(
    X: np.ndarray, y: np.ndarray, method: str = "auto", max_features: int = 3000
) -> SplitDesign:
    """Extract a diagonal ``d`` with ``X^T X - diag(d)`` positive definite, if there is one.

    Parameters
    ----------
    X, y : ndarray
        Data as the solver sees them.
    method : {"auto", "sdp", "equilibrated", "none"}, default="auto"
        ``"equilibrated"``: ``d`` proportional to the column norms (the largest such one);
        ``"sdp"``: improved towards the largest ``sum(d_i / ||X_i||^2)`` by a few Newton
        steps of a max-det barrier; ``"auto"``: ``"sdp"`` up to ``p = 600``, else
        ``"equilibrated"``; ``"none"``: return the data unchanged.
    max_features : int, default=3000
        Larger ``p`` are not split (the eigenvalue problem costs ``O(p^3)``).

    Returns
    -------
    SplitDesign
        Unchanged data when ``X`` has no curvature to give (``n <= p``, rank deficient, or
        too wide).
    """
    if method not in ("auto", "sdp", "equilibrated", "none"):
        raise ValueError(
            f"curvature must be 'auto', 'sdp', 'equilibrated' or 'none', got {method!r}."
        )
    n, p = X.shape
    if method == "none" or n <= p or p > max_features:
        return no_split(X, y)
    gram = X.T @ X
    d, mu = equilibrated_diagonal(gram)
    if not mu > 1e-8:
        return no_split(X, y)
    s2 = np.diag(gram).copy()
    used = "equilibrated"
    e = np.full(p, (1.0 - MARGIN) * mu)
    if method == "sdp" or (method == "auto" and p <= SDP_MAX_FEATURES):
        s = np.sqrt(s2)
        e = _max_sum_diagonal(gram / np.outer(s, s), mu)
        used = "sdp"
    d = e * s2
    try:
        chol = np.linalg.cholesky(gram - np.diag(d))
    except np.linalg.LinAlgError:
        return no_split(X, y)
    y_tilde = solve_triangular(chol, X.T @ y, lower=True)
    offset = 0.5 * (float(y @ y) - float(y_tilde @ y_tilde))
    return SplitDesign(np.asfortranarray(chol.T), y_tilde, offset, 0.5 * d, used)
