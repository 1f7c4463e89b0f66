"""The prediction shared by the linear estimators: ``X @ coef_ + intercept_``."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data


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
