"""Seeded generator of regression data with many-level categorical features, and its metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CategoricalRegressionData:
    """A generated instance and its truth.

    Attributes
    ----------
    X : pandas.DataFrame or ndarray of object
        Categorical columns ``c0, c1, ...`` (pandas categories, levels ``"L00", ...``) then
        continuous columns ``z0, z1, ...``. Without pandas installed: an object array with
        the same columns (level strings, then floats), which
        ``CategoricalFusionRegressor(categorical_features="auto")`` reads the same way.
    y : ndarray of shape (n_samples,)
    groups : list of ndarray
        True group of each level per categorical feature (0: the zero group).
    level_values : list of ndarray
        True value of each level.
    theta : ndarray
        True continuous coefficients.
    levels : list of list of str
        Level names per categorical feature.
    noise_std : float
    """

    X: object
    y: np.ndarray
    groups: list
    level_values: list
    theta: np.ndarray
    levels: list
    noise_std: float


def make_categorical_regression(
    n_samples: int = 500,
    n_categorical: int = 2,
    n_levels: int = 10,
    n_relevant: int | None = None,
    n_groups: int = 3,
    n_continuous: int = 0,
    n_continuous_relevant: int = 0,
    level_dist: str = "uniform",
    zipf_a: float = 1.0,
    spacing: float = 1.0,
    rho: float = 0.0,
    snr: float = 2.0,
    random_state=None,
) -> CategoricalRegressionData:
    """Regression data whose categorical levels fall into a few true groups.

    Levels are drawn iid (uniform, or with probability proportional to ``(k+1)^-zipf_a``).
    On a relevant feature the levels are permuted, the first ``n_groups`` go to groups
    ``0 .. n_groups-1`` (so none is empty) and the others uniformly at random; group ``g`` has
    value ``g * spacing`` (group 0 is zero). Irrelevant features are all zero. Continuous
    features are ``N(0, Sigma)`` with ``Sigma_ab = rho^|a-b|`` and coefficient 1 on the first
    ``n_continuous_relevant``. Noise variance ``var(signal) / snr``.

    Parameters
    ----------
    n_samples : int, default=500
    n_categorical : int, default=2
    n_levels : int, default=10
    n_relevant : int, default=None
        Relevant categorical features (``None``: all).
    n_groups : int, default=3
        True groups per relevant feature, the zero group included.
    n_continuous : int, default=0
    n_continuous_relevant : int, default=0
    level_dist : {"uniform", "zipf"}, default="uniform"
    zipf_a : float, default=1.0
    spacing : float, default=1.0
    rho : float, default=0.0
    snr : float, default=2.0
    random_state : int, Generator or None, default=None

    Returns
    -------
    CategoricalRegressionData

    Examples
    --------
    >>> from l0bnb.datasets import make_categorical_regression
    >>> d = make_categorical_regression(n_samples=100, n_levels=8, random_state=0)
    >>> d.X.shape, len(d.groups[0])
    ((100, 2), 8)
    """
    if not 1 <= n_groups <= n_levels:
        raise ValueError(f"n_groups must be in [1, n_levels={n_levels}], got {n_groups}.")
    if level_dist not in ("uniform", "zipf"):
        raise ValueError(f"level_dist must be 'uniform' or 'zipf', got {level_dist!r}.")
    if n_continuous_relevant > n_continuous:
        raise ValueError("n_continuous_relevant cannot exceed n_continuous.")
    if snr <= 0:
        raise ValueError(f"snr must be positive, got {snr}.")
    rng = np.random.default_rng(random_state)
    n_relevant = n_categorical if n_relevant is None else n_relevant
    if level_dist == "uniform":
        prob = np.full(n_levels, 1.0 / n_levels)
    else:
        prob = (np.arange(n_levels) + 1.0) ** (-zipf_a)
        prob /= prob.sum()
    names = [f"L{k:0{len(str(n_levels - 1))}d}" for k in range(n_levels)]
    columns, groups, values = {}, [], []
    signal = np.zeros(n_samples)
    for j in range(n_categorical):
        codes = rng.choice(n_levels, size=n_samples, p=prob)
        group = np.zeros(n_levels, dtype=np.int64)
        if j < n_relevant:
            perm = rng.permutation(n_levels)
            group[perm[:n_groups]] = np.arange(n_groups)
            group[perm[n_groups:]] = rng.integers(0, n_groups, n_levels - n_groups)
        value = group * float(spacing)
        signal += value[codes]
        groups.append(group)
        values.append(value)
        columns[f"c{j}"] = codes
    theta = np.zeros(n_continuous)
    theta[:n_continuous_relevant] = 1.0
    if n_continuous:
        idx = np.arange(n_continuous)
        cov = rho ** np.abs(idx[:, None] - idx[None, :])
        Z = rng.multivariate_normal(np.zeros(n_continuous), cov, size=n_samples)
        signal += Z @ theta
        for k in range(n_continuous):
            columns[f"z{k}"] = Z[:, k]
    var = float(signal.var())
    noise_std = float(np.sqrt(var / snr)) if var > 0 else 1.0
    y = signal + noise_std * rng.standard_normal(n_samples)
    X = _table(columns, names, n_samples)
    return CategoricalRegressionData(
        X, y, groups, values, theta, [names] * n_categorical, noise_std
    )


def group_labels(level_groups: list, levels: list) -> np.ndarray:
    """Labels of ``levels`` from a fitted ``level_groups_`` entry (0: zero group)."""
    index = {lv: g for g, members in enumerate(level_groups) for lv in members}
    return np.array([index.get(lv, 0) for lv in levels])


def fusion_metrics(model, data: CategoricalRegressionData, X_test=None, y_test=None) -> dict:
    """Recovery metrics of a fitted CategoricalFusionRegressor against the truth.

    Returns the adjusted Rand index of each feature's fitted partition against the true one
    (zero group = one cluster; mean over features), the exact-recovery rate, the number of
    distinct nonzero level values and of nonzero continuous coefficients, and test MSE when
    test data are given.
    """
    from sklearn.metrics import adjusted_rand_score

    aris, exact = [], []
    for j, levels in enumerate(data.levels):
        fitted = group_labels(model.level_groups_[j], levels)
        ari = adjusted_rand_score(data.groups[j], fitted)
        aris.append(1.0 if len(set(data.groups[j])) == 1 and len(set(fitted)) == 1 else ari)
        exact.append(aris[-1] == 1.0)
    out = {
        "ari": float(np.mean(aris)),
        "exact_recovery": float(np.mean(exact)),
        "n_values": int(sum(len(g) - 1 for g in model.level_groups_)),
        "n_continuous": int(np.count_nonzero(model.coef_)),
    }
    if X_test is not None:
        out["test_mse"] = float(np.mean((model.predict(X_test) - y_test) ** 2))
    return out


def _table(columns: dict, names: list, n_samples: int):
    """A DataFrame with categorical level columns when pandas is importable, else an object
    array of level strings and floats (pandas is an optional dependency)."""
    try:
        import pandas as pd
    except ImportError:
        out = np.empty((n_samples, len(columns)), dtype=object)
        for t, (name, col) in enumerate(columns.items()):
            out[:, t] = np.asarray(names, dtype=object)[col] if name[0] == "c" else col
        return out
    return pd.DataFrame(
        {
            name: pd.Categorical.from_codes(col, categories=names) if name[0] == "c" else col
            for name, col in columns.items()
        }
    )
