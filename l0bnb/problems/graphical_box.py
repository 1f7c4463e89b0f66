"""A box on the off-diagonal entries of GraphL0 that provably keeps every optimum."""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq


def _column_floor(rho: float, sigma: float) -> float:
    """``h(rho) = min_{d > 0} [-log d + sigma d + sigma rho^2 / d]`` (closed-form minimiser)."""
    d = (1.0 + np.sqrt(1.0 + 4.0 * sigma**2 * rho**2)) / (2.0 * sigma)
    return -np.log(d) + sigma * d + sigma * rho**2 / d


def certified_box_l2_zero(S: np.ndarray, upper_bound: float) -> float:
    """Largest ``|T_ij|`` any T with ``F(T) <= upper_bound`` can have, when ``l2 = 0``.

    With ``sigma = lambda_min(S) > 0``, each column satisfies
    ``G_k >= h(rho_k)`` with ``rho_k = ||T_{-k,k}||``, and ``G_i >= 1 + log sigma`` for the
    others; penalties are non-negative, so ``h(rho_k) <= upper_bound - (p-1)(1 + log sigma)``.
    ``h`` increases in ``rho``, and ``|T_ij| <= rho_k``: the root is the box.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Positive definite empirical covariance.
    upper_bound : float
        The objective of any feasible point (e.g. a heuristic solution).

    Returns
    -------
    float
        The certified box ``M``.
    """
    p = S.shape[0]
    sigma = float(np.linalg.eigvalsh(S)[0])
    if not sigma > 1e-12 * float(np.max(np.diag(S))):
        raise ValueError(
            "S is singular and l2 = 0: the problem is unbounded without a box. "
            "Give M (a bound on |precision_ij|) or use l2 > 0."
        )
    budget = upper_bound - (p - 1) * (1.0 + np.log(sigma))
    if budget <= _column_floor(0.0, sigma):
        return 1e-12
    hi = 1.0
    while _column_floor(hi, sigma) < budget:
        hi *= 2.0
    return float(brentq(lambda r: _column_floor(r, sigma) - budget, 0.0, hi, xtol=1e-12)) * (
        1.0 + 1e-9
    )
