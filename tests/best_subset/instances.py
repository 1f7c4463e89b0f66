"""Small seeded best-subset instances shared by the tests."""

import numpy as np


def small_instance(seed, n=30, p=9, k_true=3, rho=0.3):
    """Equicorrelated Gaussian design, ``k_true`` coefficients in {+-1, +-2}, unit noise."""
    rng = np.random.default_rng(seed)
    cov = rho * np.ones((p, p)) + (1 - rho) * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), cov, size=n)
    beta = np.zeros(p)
    beta[rng.choice(p, k_true, replace=False)] = rng.choice([-2.0, -1.0, 1.0, 2.0], k_true)
    y = X @ beta + rng.standard_normal(n)
    return X, y
