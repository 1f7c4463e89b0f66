"""Seeded contaminated regression data for robust (least trimmed squares) regression."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OUTLIER_TYPES = ("vertical", "bad_leverage", "good_leverage", "clustered")


@dataclass
class LTSData:
    """A contaminated regression instance.

    Attributes
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    coef : ndarray of shape (p,)
        True coefficients ``beta*``.
    intercept : float
        True intercept ``b0*``.
    outliers : ndarray of shape (n,), dtype=bool
        Contaminated points (for ``good_leverage``: the leverage points, which follow the
        clean model).
    sigma : float
        Noise level of the clean points.
    """

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    intercept: float
    outliers: np.ndarray
    sigma: float


def make_lts_instance(
    n,
    p,
    contamination=0.1,
    outlier_type="vertical",
    rho=0.0,
    beta="ones",
    intercept=0.0,
    sigma=1.0,
    snr=None,
    shift=10.0,
    leverage=10.0,
    spread=1.0,
    sign="+",
    seed=None,
) -> LTSData:
    """Linear data with a fraction of outliers of a chosen kind.

    Clean points: ``x_i ~ N(0, Sigma)``, ``Sigma_jk = rho^|j-k|``,
    ``y_i = b0* + x_i^T beta* + sigma eps_i``. Then ``m = ceil(contamination n)`` points at
    random indices are contaminated.

    Parameters
    ----------
    n, p : int
        Samples and features.
    contamination : float, default=0.1
        Fraction of outliers, in ``[0, 0.5)``.
    outlier_type : {"vertical", "bad_leverage", "good_leverage", "clustered"}, \
default="vertical"
        ``vertical``: ``y_i += s_i (shift sigma + sigma N(0, 1))``;
        ``bad_leverage``: ``x_i = leverage 1 + spread N(0, Sigma)``, ``y_i = b0* + sigma
        N(0, 1)``; ``good_leverage``: the same ``x_i`` with ``y_i`` from the clean model;
        ``clustered``: bad leverage with a tight cluster (``spread = 0.1`` unless given
        otherwise), the case where random-start heuristics fail.
    rho : float, default=0.0
        Correlation of neighbouring features.
    beta : {"ones", "random"}, default="ones"
        ``beta* = 1`` or random signs.
    intercept : float, default=0.0
    sigma : float, default=1.0
        Noise level (overridden by ``snr``).
    snr : float, default=None
        If given, ``sigma = sqrt(beta*^T Sigma beta* / snr)``.
    shift, leverage, spread : float, default=10.0, 10.0, 1.0
    sign : {"+", "+-"}, default="+"
        Vertical outliers all shifted up, or with random signs.
    seed : int, default=None

    Returns
    -------
    LTSData

    Examples
    --------
    >>> from l0bnb.datasets import make_lts_instance
    >>> d = make_lts_instance(100, 3, contamination=0.2, seed=0)
    >>> d.X.shape, int(d.outliers.sum())
    ((100, 3), 20)
    """
    if outlier_type not in OUTLIER_TYPES:
        raise ValueError(f"outlier_type must be one of {OUTLIER_TYPES}, got {outlier_type!r}")
    if not 0 <= contamination < 0.5:
        raise ValueError(f"contamination must be in [0, 0.5), got {contamination!r}")
    if sign not in ("+", "+-"):
        raise ValueError(f"sign must be '+' or '+-', got {sign!r}")
    rng = np.random.default_rng(seed)
    idx = np.arange(p)
    cov = rho ** np.abs(idx[:, None] - idx[None, :])
    chol = np.linalg.cholesky(cov)
    X = rng.standard_normal((n, p)) @ chol.T
    coef = np.ones(p) if beta == "ones" else rng.choice([-1.0, 1.0], size=p)
    if snr is not None:
        sigma = math.sqrt(float(coef @ cov @ coef) / snr)
    y = intercept + X @ coef + sigma * rng.standard_normal(n)
    m = int(math.ceil(contamination * n - 1e-12))
    out = np.zeros(n, dtype=bool)
    out[rng.choice(n, size=m, replace=False)] = True
    k = int(out.sum())
    if outlier_type == "vertical":
        s = np.ones(k) if sign == "+" else rng.choice([-1.0, 1.0], size=k)
        y[out] += s * (shift * sigma + sigma * rng.standard_normal(k))
    else:
        sp = 0.1 if (outlier_type == "clustered" and spread == 1.0) else spread
        X[out] = leverage + sp * (rng.standard_normal((k, p)) @ chol.T)
        if outlier_type == "good_leverage":
            y[out] = intercept + X[out] @ coef + sigma * rng.standard_normal(k)
        else:
            y[out] = intercept + sigma * rng.standard_normal(k)
    return LTSData(
        X=X, y=y, coef=coef, intercept=float(intercept), outliers=out, sigma=float(sigma)
    )
