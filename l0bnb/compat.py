"""Thin wrappers with the entry points of the public l0bnb 1.0 (``fit_path``, ``BNBTree``).

They keep 1.0 code running on the 2.x engine: same names, arguments and return shapes.
Differences: the big-M is certified (1.0 guessed it as 1.2 x the warm start's largest
coefficient) unless ``m`` is given, and the bound returned is valid in every regime.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .best_subset._path import best_subset_path
from .best_subset._solve import solve_best_subset
from .datasets import make_sparse_regression

Solution = namedtuple("Solution", "cost beta sol_time lower_bound gap")


class BNBTree:
    """l0bnb 1.0's tree object: ``BNBTree(x, y).solve(l0, l2, m, ...)``.

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    int_tol, rel_tol : float
        Accepted for compatibility; the 2.x engine sets its own tolerances.
    """

    def __init__(self, x, y, int_tol=1e-4, rel_tol=1e-4):
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        self.result = None

    def solve(
        self,
        l0,
        l2,
        m,
        gap_tol=1e-2,
        warm_start=None,
        mu=0.95,
        branching="maxfrac",
        l1solver="l1cd",
        number_of_dfs_levels=0,
        verbose=False,
        time_limit=3600,
        cd_max_itr=1000,
        kkt_max_itr=100,
    ):
        """Solve ``min 0.5||y - xb||^2 + l0 ||b||_0 + l2 ||b||^2, |b_i| <= m``.

        Returns
        -------
        Solution
            Named tuple ``(cost, beta, sol_time, lower_bound, gap)`` as in l0bnb 1.0.
        """
        self.result = solve_best_subset(
            self.x,
            self.y,
            l0=l0,
            l2=l2,
            M=m,
            gap_tol=gap_tol,
            warm_start=warm_start,
            time_limit=time_limit,
            verbose=verbose,
        )
        res = self.result
        return Solution(
            cost=res.objective,
            beta=res.solution,
            sol_time=res.runtime,
            lower_bound=res.bound,
            gap=res.gap,
        )


def fit_path(
    x,
    y,
    lambda_2=0.01,
    max_nonzeros=10,
    intercept=True,
    normalize=True,
    m_multiplier=1.2,
    lambda_0_grid=None,
    lambda_0_grid_warm_start=None,
    gap_tol=1e-2,
    time_limit=86400,
    solver="l0bnb",
):
    """l0bnb 1.0's ``fit_path``: a list of dicts with keys B, B0, lambda_0, M, Time_exceeded.

    As in 1.0, ``normalize=True`` centers and scales ``y`` and the columns of ``x`` to unit
    norm before solving, and coefficients are returned on the original scale. The big-M is
    certified per point (``m_multiplier`` is accepted and ignored).
    """
    if solver != "l0bnb":
        raise ValueError(f"Only solver='l0bnb' is available in l0bnb 2.x, got {solver!r}.")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x_mean = x.mean(axis=0) if intercept else np.zeros(x.shape[1])
    y_mean = float(y.mean()) if intercept else 0.0
    xc, yc = x - x_mean, y - y_mean
    x_scale = np.linalg.norm(xc, axis=0) if normalize else np.ones(x.shape[1])
    y_scale = float(np.linalg.norm(yc)) if normalize else 1.0
    if np.any(x_scale == 0) or y_scale == 0:
        raise ValueError("x has a constant column or y is constant: cannot normalize.")
    path = best_subset_path(
        xc / x_scale,
        yc / y_scale,
        l2=lambda_2,
        max_nonzeros=max_nonzeros,
        l0_grid=lambda_0_grid,
        fit_intercept=False,
        time_limit=time_limit,
        gap_tol=gap_tol,
    )
    solutions = []
    for i in range(len(path)):
        beta = path.coef[i] * y_scale / x_scale
        solutions.append(
            {
                "B": beta,
                "B0": y_mean - float(x_mean @ beta),
                "lambda_0": float(path.l0[i]),
                "M": float(path.results[i].info["M"]),
                "Time_exceeded": path.status[i] == "time_limit",
            }
        )
    return solutions


def gen_synthetic(n, p, supp_size=10, rho=0, snr=10, seed=1):
    """l0bnb 1.0's generator signature (constant correlation), returning ``(x, y, b)``.

    The random stream differs from 1.0 (it uses :func:`l0bnb.datasets.make_sparse_regression`).
    """
    data = make_sparse_regression(n, p, supp_size, rho, snr, "constant", seed)
    return data.X, data.y, data.coef
