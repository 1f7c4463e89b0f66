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
from scipy.linalg import solve_triangular

from ._kernels import greedy_diagonal_cycle

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
    shifted = corr - np.eye(p) * (0.5 * MARGIN * mu)
    t = 1.0
    for barrier in (0.3 * MARGIN * mu, 0.1 * MARGIN * mu):
        for _ in range(steps):
            before = e.sum()
            inv = np.linalg.inv(corr - np.diag(e))
            grad = 1.0 - barrier * np.diag(inv)
            hess = barrier * inv * inv  # minus the Hessian of the barrier objective
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                return best
            # Backtracking from twice the last accepted length (the steps are damped by a
            # similar factor from one Newton step to the next).
            t = min(1.0, 2.0 * t)
            while t > 1e-4:
                trial = np.maximum(e + t * step, 0.0)
                try:
                    np.linalg.cholesky(shifted - np.diag(trial))
                except np.linalg.LinAlgError:
                    t *= 0.5
                    continue
                break
            else:
                return best
            e = trial
            if e.sum() > best.sum():
                best = e
            # Converged for this barrier (the sums agree to 1e-4 after two or three steps on
            # the HTT designs; each step costs an inverse and a solve).
            if e.sum() - before <= 1e-4 * abs(e.sum()):
                break
    return best


def _greedy_diagonal(mat: np.ndarray, cycles: int = 2, share: float = 0.5) -> np.ndarray:
    """A feasible ``e >= 0`` with ``mat - diag(e)`` positive definite, ``mat`` positive definite.

    Cyclic coordinate ascent: coordinate ``i`` takes ``share`` of its room ``1 / (A^-1)_ii``
    (the largest ``t`` keeping ``A - t e_i e_i^T`` semidefinite), with ``A^-1`` updated by
    Sherman-Morrison. Coordinates tied up in near-collinear groups have little room and get
    little; the others get much, where one smallest eigenvalue would give every coordinate
    almost nothing.
    """
    e = np.zeros(mat.shape[0])
    for _ in range(cycles):
        # A fresh inverse each cycle: the rank-one updates lose accuracy as A nears singular.
        try:
            inv = np.linalg.inv(mat - np.diag(e))
        except np.linalg.LinAlgError:
            return e
        if not greedy_diagonal_cycle(inv, e, share):
            return e
    return e


def _null_free_block(corr: np.ndarray, w: np.ndarray, Q: np.ndarray, tol: float = 1e-11):
    """Coordinates outside the null space of ``corr`` and the matrix bounding their ``e``.

    With ``corr = Q diag(w) Q^T`` singular, ``corr - diag(e) >= 0`` forces ``e = 0`` on the
    coordinates ``J`` that null vectors touch, and for the others ``A`` it is equivalent to
    ``diag(e_A) <= (Q_A diag(1/w) Q_A^T)^-1`` (Q restricted to the rows ``A`` and to the
    range); ``w, Q`` is the eigendecomposition of ``corr``. Returns ``(A, S)`` or ``None``
    when nothing is left.
    """
    null = w <= tol * corr.shape[0]
    if not null.any():
        return np.arange(corr.shape[0]), corr
    touched = np.any(np.abs(Q[:, null]) > 1e-8, axis=1)
    A = np.flatnonzero(~touched)
    if A.size == 0:
        return None
    QA = Q[np.ix_(A, ~null)]
    K = (QA / w[~null]) @ QA.T
    try:
        return A, np.linalg.inv(K)
    except np.linalg.LinAlgError:
        return None


def _factor(matrix: np.ndarray, rhs: np.ndarray):
    """``W`` with ``W^T W = matrix`` (PSD) and ``y~`` with ``W^T y~ = rhs`` (rhs in its range)."""
    try:
        chol = np.linalg.cholesky(matrix)
        return np.asfortranarray(chol.T), solve_triangular(chol, rhs, lower=True)
    except np.linalg.LinAlgError:
        pass
    w, V = np.linalg.eigh(matrix)
    keep = w > 1e-13 * max(float(w[-1]), 1e-300)
    W = np.sqrt(w[keep])[:, None] * V[:, keep].T
    return np.asfortranarray(W), (V[:, keep].T @ rhs) / np.sqrt(w[keep])


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
    s2 = np.diag(gram).copy()
    s = np.sqrt(s2)
    corr = gram / np.outer(s, s)
    w, Q = np.linalg.eigh(corr)
    mu = float(w[0])
    e = np.full(p, (1.0 - MARGIN) * max(mu, 0.0))
    used = "equilibrated"
    if method == "sdp" or (method == "auto" and p <= SDP_MAX_FEATURES):
        if mu > 1e-6:
            e = _max_sum_diagonal(corr, mu)
        # Near-collinear columns leave mu ~ 0: give the room to the other coordinates.
        block = _null_free_block(corr, w, Q)
        if block is not None:
            A, S = block
            greedy = np.zeros(p)
            greedy[A] = (1.0 - MARGIN) * _greedy_diagonal(S)
            if greedy.sum() > e.sum():
                e = greedy
        used = "sdp"
    # Sherman-Morrison drift or rounding must never make corr - diag(e) indefinite: verify
    # and shrink (an indefinite remainder would make the relaxation's bounds invalid).
    for _ in range(30):
        if np.linalg.eigvalsh(corr - np.diag(e))[0] >= -1e-12 or not e.sum() > 0:
            break
        e = 0.5 * e
    else:
        return no_split(X, y)
    if not e.sum() > 1e-8:
        return no_split(X, y)
    d = e * s2
    W, y_tilde = _factor(gram - np.diag(d), X.T @ y)
    offset = 0.5 * (float(y @ y) - float(y_tilde @ y_tilde))
    return SplitDesign(W, y_tilde, offset, 0.5 * d, used)
