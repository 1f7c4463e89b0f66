"""Estimator plumbing shared by the families: centring, the limit warning, linear predict."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .exceptions import SearchLimitWarning


def center(X, y, fit_intercept: bool):
    """Center ``X`` and ``y`` when an intercept is fitted; return the means too."""
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), 0.0
    X_mean = X.mean(axis=0)
    y_mean = float(y.mean())
    return X - X_mean, y - y_mean, X_mean, y_mean


def warn_if_limited(result, what: str = "Branch-and-bound search") -> None:
    """Emit a :class:`SearchLimitWarning` when a limit stopped the search."""
    if result.stopped_by_limit:
        warnings.warn(
            f"{what} stopped by {result.status} with a relative gap of {result.gap:.3g}; "
            "the solution is the best found, not certified optimal. Raise time_limit or "
            "max_nodes to close the gap.",
            SearchLimitWarning,
            stacklevel=3,
        )


class LinearPredictMixin:
    """``predict`` for estimators with fitted ``coef_`` and ``intercept_`` on dense input."""

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_
