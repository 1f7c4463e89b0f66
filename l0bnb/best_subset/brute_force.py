"""Brute-force enumeration of supports: the ground truth for small best-subset problems."""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
from scipy.optimize import lsq_linear

from ..engine.result import SolveResult

#: Enumeration visits ``2**p`` supports; beyond this it is hopeless.
MAX_BRUTE_FORCE_FEATURES = 20


def box_ridge(
    X: np.ndarray, y: np.ndarray, l2: float, M: float, support: np.ndarray | list
) -> tuple[np.ndarray, float]:
    """Exactly solve the box-constrained ridge problem restricted to a support.

    Minimizes ``0.5 * ||y - X_S b||^2 + l2 * ||b||^2`` subject to ``|b_i| <= M``.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, p)
        Design matrix.
    y : numpy.ndarray, shape (n,)
        Response.
    l2 : float
        Ridge penalty, ``l2 >= 0``.
    M : float
        Box bound on every coefficient; ``numpy.inf`` for no box.
    support : array-like of int
        Indices of the columns allowed to be nonzero.

    Returns
    -------
    coef : numpy.ndarray, shape (p,)
        The minimizer, zero outside the support.
    objective : float
        ``0.5 * ||y - X coef||^2 + l2 * ||coef||^2`` (no L0 term).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    support = np.asarray(support, dtype=int).reshape(-1)
    coef = np.zeros(X.shape[1])
    if support.size:
        coef[support] = _box_ridge_on_columns(X[:, support], y, l2, M)
    return coef, _fit_objective(X, y, coef, l2)


def _box_ridge_on_columns(Xs: np.ndarray, y: np.ndarray, l2: float, M: float) -> np.ndarray:
    """Box-constrained ridge on the given columns, as least squares on an augmented system."""
    s = Xs.shape[1]
    # 0.5||y - Xb||^2 + l2||b||^2 = 0.5||[X; sqrt(2 l2) I] b - [y; 0]||^2.
    A = np.vstack([Xs, np.sqrt(2.0 * l2) * np.eye(s)]) if l2 > 0 else Xs
    rhs = np.concatenate([y, np.zeros(s)]) if l2 > 0 else y
    b = np.linalg.lstsq(A, rhs, rcond=None)[0]
    # The problem is convex, so an unconstrained minimizer inside the box is the answer.
    if not np.isfinite(M) or np.max(np.abs(b)) <= M:
        return b
    # BVLS is an active-set method: exact up to round-off on these small systems.
    res = lsq_linear(A, rhs, bounds=(-M, M), method="bvls", tol=1e-12)
    return np.clip(res.x, -M, M)


def _fit_objective(X: np.ndarray, y: np.ndarray, coef: np.ndarray, l2: float) -> float:
    """Smooth part of the objective: ``0.5 * ||y - X coef||^2 + l2 * ||coef||^2``."""
    r = y - X @ coef
    return float(0.5 * (r @ r) + l2 * (coef @ coef))


def best_subset_objective(
    X: np.ndarray, y: np.ndarray, coef: np.ndarray, l0: float | None, l2: float
) -> float:
    """Full objective of a coefficient vector; the L0 term counts its nonzeros."""
    extra = 0.0 if l0 is None else l0 * np.count_nonzero(coef)
    return _fit_objective(X, y, coef, l2) + float(extra)


def _check_form(l0: float | None, n_nonzero_coefs: int | None) -> None:
    """Exactly one of the penalized (``l0``) and cardinality (``k``) forms must be asked for."""
    if (l0 is None) == (n_nonzero_coefs is None):
        raise ValueError("give exactly one of l0 (penalized form) and n_nonzero_coefs (k)")
    if l0 is not None and l0 < 0:
        raise ValueError(f"l0 must be >= 0, got {l0}")
    if n_nonzero_coefs is not None and n_nonzero_coefs < 0:
        raise ValueError(f"n_nonzero_coefs must be >= 0, got {n_nonzero_coefs}")


def brute_force_best_subset(
    X: np.ndarray,
    y: np.ndarray,
    l0: float | None = None,
    l2: float = 0.0,
    M: float = np.inf,
    n_nonzero_coefs: int | None = None,
) -> SolveResult:
    """Solve best-subset selection by enumerating every support.

    Penalized form (``l0`` given)::

        min_b 0.5 ||y - X b||^2 + l0 ||b||_0 + l2 ||b||^2,  |b_i| <= M

    Cardinality form (``n_nonzero_coefs=k`` given): no ``l0`` term and ``||b||_0 <= k``.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, p)
        Design matrix, used as given (no centering or intercept).
    y : numpy.ndarray, shape (n,)
        Response.
    l0 : float, optional
        L0 penalty (penalized form).
    l2 : float, default 0.0
        Ridge penalty.
    M : float, default numpy.inf
        Box bound on the coefficients.
    n_nonzero_coefs : int, optional
        Cardinality bound ``k`` (cardinality form).

    Returns
    -------
    SolveResult
        ``status="optimal"``, ``bound == objective``, ``gap=0``, ``solver="brute_force"``;
        ``n_nodes`` is the number of supports visited.

    Raises
    ------
    ValueError
        If ``p > 20``, or not exactly one of ``l0`` and ``n_nonzero_coefs`` is given.
    """
    start = time.perf_counter()
    _check_form(l0, n_nonzero_coefs)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    p = X.shape[1]
    if p > MAX_BRUTE_FORCE_FEATURES:
        raise ValueError(f"brute force refuses p={p} > {MAX_BRUTE_FORCE_FEATURES} features")
    max_size = p if n_nonzero_coefs is None else min(p, int(n_nonzero_coefs))
    penalty = 0.0 if l0 is None else float(l0)

    best_obj, best_coef, visited = np.inf, np.zeros(p), 0
    for size in range(max_size + 1):
        for support in combinations(range(p), size):
            coef, fit = box_ridge(X, y, l2, M, list(support))
            visited += 1
            if fit + penalty * size < best_obj:
                best_obj, best_coef = fit + penalty * size, coef
    # Report the objective of the returned vector itself (a refit coefficient can be 0).
    objective = best_subset_objective(X, y, best_coef, l0, l2)
    info = {"supports_visited": visited}
    return SolveResult.enumerated(objective, best_coef, visited, start, info)
