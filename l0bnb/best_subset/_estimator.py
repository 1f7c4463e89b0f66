"""BestSubsetRegressor: certified L0L2 best-subset linear regression, scikit-learn style."""

from __future__ import annotations

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from .._estimator import LinearPredictMixin, center, interruptible, warn_if_limited
from .._validation import (
    check_magnitude,
    check_no_zero_columns,
    check_numeric_input,
    check_penalties,
)
from ._solve import _solve_best_subset


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
    time_limit : float or None, default=60.0
        Wall-clock limit in seconds of one fit, counted from the call to ``fit`` (the
        package's one policy: every estimator stops a single fit after 60 s by default,
        with a :class:`~l0bnb.SearchLimitWarning`, the best solution and a true gap;
        ``None`` removes the limit).
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

    _parameter_constraints: dict = {
        "n_nonzero_coefs": [Interval(Integral, 1, None, closed="left"), None],
        "l0": [Interval(Real, 0, None, closed="left"), None],
        "l2": [Interval(Real, 0, None, closed="left")],
        "M": [Interval(Real, 0, None, closed="neither"), None],
        "fit_intercept": ["boolean"],
        "time_limit": [Interval(Real, 0, None, closed="neither"), None],
        "gap_tol": [Interval(Real, 0, 1, closed="left")],
        "max_nodes": [Interval(Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        n_nonzero_coefs=None,
        l0=None,
        l2=1e-2,
        M=None,
        fit_intercept=True,
        time_limit=60.0,
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

    @_fit_context(prefer_skip_nested_validation=True)
    @interruptible
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
        started = time.perf_counter()
        check_numeric_input(X, y)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        check_magnitude(X=X, y=y)
        # Cross-parameter rules the declared constraints cannot express.
        check_penalties(self.l0, self.n_nonzero_coefs, self.l2, self.M, X.shape[1])
        Xc, yc, X_mean, y_mean = center(X, y, self.fit_intercept)
        Xc = np.asfortranarray(Xc)
        check_no_zero_columns(Xc, centered=self.fit_intercept)
        start = None
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == (X.shape[1],):
                start = self.coef_
        self.result_ = _solve_best_subset(
            Xc, yc, self.l0, self.l2, self.M, self.n_nonzero_coefs, self.time_limit,
            self.gap_tol, self.max_nodes, start, "bnb", self.verbose, started=started,
        )  # fmt: skip
        warn_if_limited(self.result_)
        self.coef_ = np.asarray(self.result_.solution, dtype=np.float64).copy()
        self.support_ = self.coef_ != 0
        self.intercept_ = float(y_mean - X_mean @ self.coef_) if self.fit_intercept else 0.0
        return self
