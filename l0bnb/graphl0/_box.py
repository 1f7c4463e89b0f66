"""A box on the off-diagonal entries of GraphL0 that provably keeps every optimum."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq, minimize_scalar

#: A covariance whose smallest eigenvalue is below this (relative to the largest) is singular.
_SINGULAR_TOL = 1e-10


def _largest_root(f, start: float) -> float:
    """The largest ``x >= start`` with ``f(x) <= 0``, rounded up, for ``f`` increasing there."""
    if f(start) > 0:
        return start
    hi = max(2.0 * start, 1.0)
    while f(hi) <= 0:
        hi *= 2.0
    root = brentq(f, start, hi, xtol=1e-14, rtol=1e-12)
    # Round up until the bound is certainly on the outside of the sublevel set.
    step = 1e-10 * max(root, 1e-12)
    while f(root) <= 0:
        root += step
        step *= 2.0
    return root


def _lambda_min_row_bound(S: np.ndarray, upper_bound: float) -> float:
    """Bound on ``||theta_{k,-k}||_2`` of every ``Theta`` with ``F <= upper_bound`` (S > 0)."""
    p = S.shape[0]
    sigma = float(np.linalg.eigvalsh(S)[0])

    def h(rho: float) -> float:
        # min_d -log d + sigma d + sigma rho^2 / d, at its closed-form minimiser.
        d = (1.0 + math.sqrt(1.0 + 4.0 * sigma**2 * rho**2)) / (2.0 * sigma)
        return -math.log(d) + sigma * d + sigma * rho**2 / d

    rhs = upper_bound - (p - 1) * (1.0 + math.log(sigma))
    return _largest_root(lambda rho: h(rho) - rhs, 0.0)


def _stationarity_row_bounds(S: np.ndarray, l2: float, upper_bound: float) -> np.ndarray:
    """Bounds on ``||theta_{k,-k}||_2`` of every optimum when ``l2 > 0`` (any PSD ``S``).

    With ``T_i = sum_{j != i} S_jj`` the stationary diagonal satisfies
    ``theta_ii <= (1 + sqrt(1 + 4 S_ii T_i rho_i^2)) / (2 S_ii)``, so
    ``F* >= sum_i k_i(rho_i)`` with ``k_i(rho) = -log(that) + (l2 / 2) rho^2``.
    """
    diag = np.diag(S)
    a = 4.0 * diag * (diag.sum() - diag)

    def k(i: int, rho: float) -> float:
        return -math.log((1.0 + math.sqrt(1.0 + a[i] * rho**2)) / (2.0 * diag[i])) + (
            0.5 * l2 * rho**2
        )

    minima, argmins = [], []
    for i in range(len(diag)):
        # The minimiser satisfies l2 rho < 1 / rho, so it lies in [0, 1 / sqrt(l2)].
        res = minimize_scalar(
            lambda r, i=i: k(i, r),
            bounds=(0.0, 1.0 / math.sqrt(l2)),
            method="bounded",
            options={"xatol": 1e-12},
        )
        value = min(float(res.fun), k(i, 0.0))
        # A slightly high minimum would shrink the box below the truth: step down a little.
        minima.append(value - 1e-9 * max(1.0, abs(value)))
        argmins.append(float(res.x))
    total = sum(minima)
    return np.array(
        [
            _largest_root(lambda r, i=i: k(i, r) - (upper_bound - total + minima[i]), argmins[i])
            for i in range(len(diag))
        ]
    )


def certified_box(S: np.ndarray, l2: float, upper_bound: float) -> float:
    """A box ``|theta_ij| <= M`` that never cuts off an optimum of the unboxed GraphL0.

    For ``l2 = 0`` (``S`` positive definite): with ``sigma = lambda_min(S)`` every ``Theta``
    with ``F(Theta) <= upper_bound`` has ``h(rho_k) <= upper_bound - (p - 1)(1 + log sigma)``,
    ``rho_k = ||theta_{k,-k}||_2``, ``h(rho) = min_d -log d + sigma d + sigma rho^2 / d``.
    For ``l2 > 0`` the stationarity rule of the diagonal bounds each ``rho_k`` of every
    optimum (spec section 2); when ``S`` is also positive definite the smaller of the two
    boxes is returned. Since ``|theta_ij| <= min(rho_i, rho_j)``, the box is the second
    largest row bound.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance with a positive diagonal.
    l2 : float
        Ridge penalty on the edges (``>= 0``).
    upper_bound : float
        The objective of any feasible point (for example a heuristic's).

    Returns
    -------
    float
        The box ``M``.

    Raises
    ------
    ValueError
        If ``l2 = 0`` and ``S`` is singular: then no box is implied (the problem is
        unbounded below without one).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> upper = float(np.sum(np.log(np.diag(S)) + 1.0))  # the empty graph's objective
    >>> round(certified_box(S, 0.0, upper), 4)
    2.9401
    """
    S = np.asarray(S, dtype=float)
    eig = np.linalg.eigvalsh(S)
    positive_definite = eig[0] > _SINGULAR_TOL * max(1.0, eig[-1])
    bounds = []
    if positive_definite:
        bounds.append(np.full(S.shape[0], _lambda_min_row_bound(S, upper_bound)))
    elif l2 == 0:
        raise ValueError(
            "S is singular and l2 = 0: F is unbounded below without a box; give a finite M."
        )
    if l2 > 0:
        bounds.append(_stationarity_row_bounds(S, l2, upper_bound))
    rows = np.min(bounds, axis=0)
    return float(np.sort(rows)[-2])
