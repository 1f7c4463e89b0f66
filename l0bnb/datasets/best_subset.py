"""The paper-style sparse linear regression generator of the best-subset benchmark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SparseRegressionData:
    """A generated instance.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (n_features,)
        The true coefficients (``k`` equispaced ones).
    support : ndarray of int
        Indices of the true nonzeros.
    noise_std : float
        Standard deviation of the added Gaussian noise.
    """

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    support: np.ndarray
    noise_std: float


def _correlated_rows(rng, n, p, rho, correlation):
    z = rng.standard_normal((n, p))
    if rho == 0:
        return z
    if correlation == "constant":
        # Sigma = (1 - rho) I + rho 11^T: add a shared factor to every column.
        shared = rng.standard_normal((n, 1))
        return np.sqrt(1.0 - rho) * z + np.sqrt(rho) * shared
    # Exponential correlation rho^|i-j| is an AR(1) process along the columns.
    x = np.empty((n, p))
    x[:, 0] = z[:, 0]
    scale = np.sqrt(1.0 - rho**2)
    for j in range(1, p):
        x[:, j] = rho * x[:, j - 1] + scale * z[:, j]
    return x


def make_sparse_regression(
    n_samples: int = 1000,
    n_features: int = 1000,
    k: int = 10,
    rho: float = 0.1,
    snr: float = 5.0,
    correlation: str = "constant",
    random_state: int | None = 0,
) -> SparseRegressionData:
    """Generate the paper-style best-subset instance.

    Rows of ``X`` are i.i.d. ``N(0, Sigma)`` with constant (``Sigma_ij = rho``) or
    exponential (``Sigma_ij = rho^|i-j|``) correlation; the true coefficients are ``k``
    equispaced ones; ``y = X b* + e`` with ``Var(e) = Var(X b*) / snr``.

    Parameters
    ----------
    n_samples, n_features : int
        Shape of ``X``.
    k : int, default=10
        Number of true nonzeros.
    rho : float, default=0.1
        Correlation parameter, in ``[0, 1)``.
    snr : float, default=5.0
        Signal-to-noise ratio.
    correlation : {"constant", "exponential"}, default="constant"
    random_state : int or None, default=0

    Returns
    -------
    SparseRegressionData

    Examples
    --------
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=50, n_features=20, k=3, random_state=1)
    >>> data.X.shape, int(data.coef.sum())
    ((50, 20), 3)
    """
    if correlation not in ("constant", "exponential"):
        raise ValueError(f"correlation must be 'constant' or 'exponential', got {correlation!r}.")
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1), got {rho}.")
    if not 1 <= k <= n_features:
        raise ValueError(f"k must be in [1, n_features], got k={k}, n_features={n_features}.")
    if not snr > 0:
        raise ValueError(f"snr must be positive, got {snr}.")
    rng = np.random.default_rng(random_state)
    X = _correlated_rows(rng, n_samples, n_features, rho, correlation)
    support = np.unique(np.linspace(0, n_features - 1, k).round().astype(np.int64))
    coef = np.zeros(n_features)
    coef[support] = 1.0
    signal = X @ coef
    noise_std = float(np.sqrt(np.var(signal) / snr))
    y = signal + noise_std * rng.standard_normal(n_samples)
    return SparseRegressionData(X=X, y=y, coef=coef, support=support, noise_std=noise_std)


def preprocess_like_l0bnb1(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Center ``y`` and every column of ``X``, then scale each to unit L2 norm.

    This is what l0bnb 1.0's ``fit_path`` does before solving; the benchmark states every
    problem on these arrays so that all solvers see the same objective.
    """
    X = X - X.mean(axis=0)
    y = y - y.mean()
    norms = np.linalg.norm(X, axis=0)
    if np.any(norms == 0):
        raise ValueError("X has a constant column; it cannot be scaled to unit norm.")
    return X / norms, y / np.linalg.norm(y)
