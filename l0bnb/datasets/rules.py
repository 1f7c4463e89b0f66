"""Synthetic regression with a known sparse set of rules (conjunctions of thresholds)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RuleRegressionData:
    """A generated instance.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    rules : list of list of tuple
        True rules; each is a list of ``(feature, op, threshold)`` with ``op`` in
        ``{"<=", ">"}``.
    weights : ndarray of shape (n_rules,)
    noise_std : float
    """

    X: np.ndarray
    y: np.ndarray
    rules: list
    weights: np.ndarray
    noise_std: float


def make_rule_regression(
    n_samples: int = 500,
    n_features: int = 10,
    n_rules: int = 5,
    max_rule_depth: int = 3,
    snr: float = 3.0,
    random_state: int | None = 0,
) -> RuleRegressionData:
    """Generate ``y = sum_r w_r 1(rule r) + noise`` with ``X ~ U[0, 1]``.

    Each rule has a depth drawn uniformly from ``1..max_rule_depth``, distinct random
    features, and conditions ``x_f <= t`` or ``x_f > t`` (probability 1/2) with
    ``t ~ U[0.2, 0.8]``; weights are ``+-U[1, 2]``; the noise variance is
    ``var(signal) / snr``.

    Parameters
    ----------
    n_samples : int, default=500
    n_features : int, default=10
    n_rules : int, default=5
    max_rule_depth : int, default=3
    snr : float, default=3.0
    random_state : int or None, default=0

    Returns
    -------
    RuleRegressionData

    Examples
    --------
    >>> from l0bnb.datasets import make_rule_regression
    >>> data = make_rule_regression(n_samples=100, random_state=0)
    >>> data.X.shape, len(data.rules)
    ((100, 10), 5)
    """
    if max_rule_depth > n_features:
        raise ValueError("max_rule_depth cannot exceed n_features.")
    rng = np.random.default_rng(random_state)
    X = rng.uniform(size=(n_samples, n_features))
    rules, signal = [], np.zeros(n_samples)
    weights = rng.uniform(1.0, 2.0, size=n_rules) * rng.choice([-1.0, 1.0], size=n_rules)
    for r in range(n_rules):
        depth = int(rng.integers(1, max_rule_depth + 1))
        feats = rng.choice(n_features, size=depth, replace=False)
        rule, mask = [], np.ones(n_samples, dtype=bool)
        for f in feats:
            t = float(rng.uniform(0.2, 0.8))
            op = "<=" if rng.random() < 0.5 else ">"
            mask &= X[:, f] <= t if op == "<=" else X[:, f] > t
            rule.append((int(f), op, t))
        rules.append(rule)
        signal += weights[r] * mask
    var = float(signal.var())
    noise_std = float(np.sqrt(var / snr)) if var > 0 else 0.0
    y = signal + noise_std * rng.standard_normal(n_samples)
    return RuleRegressionData(X, y, rules, weights, noise_std)
