"""BestSubsetRegressor: certified L0L2 best-subset linear regression, scikit-learn style."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import validate_data

from .._estimator import LinearPredictMixin, center, warn_if_limited
from .._validation import check_no_zero_columns, check_penalties
from ._solve import solve_best_subset


class BestSubsetRegressor(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Best-subset linear regression solved to certified optimality (L0L2).

    Solves ``min 0.5 ||y - X b - b0||^2 + l0 ||b||_0 + l2 ||b||^2`` subject to
    ``|b_i| <= M`` (or ``||b||_0 <= n_nonzero_coefs`` without the ``l0`` term) by branch
    and bound with perspective relaxations. The intercept ``b0`` is not penalized (``X`` and
    ``y`` are centered); columns are *not* rescaled, so ``l0`` and ``l2`` act on ``X`` as
    given.

    Parameters
    ----------
    n_nonzero_coefs : int, default=None
        Maximum number of nonzero coefficients (cardinality form).
    l0 : float, default=None
        L0 penalty (penalized form). Give exactly one of ``n_nonzero_coefs`` and ``l0``.
    l2 : float, default=1e-2
        Ridge penalty. ``l2 > 0`` is recommended (strong relaxations); ``l2 = 0`` works
        when ``M`` is given or ``X`` has full column rank.
    M : float, default=None
        Box on the coefficients. ``None``: a bound proved not to cut off any optimal
        solution.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    time_limit : float, default=None
        Wall-clock limit in seconds of one fit.
    gap_tol : float, default=1e-4
        Relative optimality gap at which the search stops.
    max_nodes : int, default=None
        Limit on branch-and-bound nodes.
    warm_start : bool, default=False
        Start the search from the previous fit's coefficients.
    verbose : bool, default=False
        Print the solver log.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients; exactly zero outside the selected subset.
    intercept_ : float
    support_ : ndarray of shape (n_features,), dtype=bool
        Mask of the selected features.
    result_ : SolveResult
        Status, objective, certified bound, gap, nodes and runtime of the fit.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string feature names.

    See Also
    --------
    best_subset_path : Solutions along a decreasing grid of ``l0``.
    BestSubsetRegressorCV : Chooses ``l0`` by cross-validation.
    solve_best_subset : The same problem on raw arrays, returning a SolveResult.

    References
    ----------
    H. Hazimeh, R. Mazumder, A. Saab, "Sparse regression at scale: branch-and-bound rooted
    in first-order optimization", Mathematical Programming 196 (2022),
    doi:10.1007/s10107-021-01712-4.

    Examples
    --------
    >>> from l0bnb import BestSubsetRegressor
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=200, n_features=50, k=5, random_state=0)
    >>> model = BestSubsetRegressor(n_nonzero_coefs=5).fit(data.X, data.y)
    >>> model.support_.nonzero()[0].tolist()
    [0, 12, 24, 37, 49]
    >>> model.result_.status
    'optimal'
    """

    def __init__(
        self,
        n_nonzero_coefs=None,
        l0=None,
        l2=1e-2,
        M=None,
        fit_intercept=True,
        time_limit=None,
        gap_tol=1e-4,
        max_nodes=None,
        warm_start=False,
        verbose=False,
    ):
        self.n_nonzero_coefs = n_nonzero_coefs
        self.l0 = l0
        self.l2 = l2
        self.M = M
        self.fit_intercept = fit_intercept
        self.time_limit = time_limit
        self.gap_tol = gap_tol
        self.max_nodes = max_nodes
        self.warm_start = warm_start
        self.verbose = verbose

    def fit(self, X, y):
        """Select the best subset and fit its coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : BestSubsetRegressor
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        check_penalties(self.l0, self.n_nonzero_coefs, self.l2, self.M, X.shape[1])
        Xc, yc, X_mean, y_mean = center(X, y, self.fit_intercept)
        check_no_zero_columns(Xc, centered=self.fit_intercept)
        start = None
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == (X.shape[1],):
                start = self.coef_
        self.result_ = solve_best_subset(
            Xc,
            yc,
            l0=self.l0,
            l2=self.l2,
            M=self.M,
            n_nonzero_coefs=self.n_nonzero_coefs,
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
            max_nodes=self.max_nodes,
            warm_start=start,
            verbose=self.verbose,
        )
        warn_if_limited(self.result_)
        self.coef_ = np.asarray(self.result_.solution, dtype=np.float64).copy()
        self.support_ = self.coef_ != 0
        self.intercept_ = float(y_mean - X_mean @ self.coef_) if self.fit_intercept else 0.0
        return self
