"""PenalizedLTSRegressor: certified (penalised) least trimmed squares, scikit-learn style."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._estimator import LinearPredictMixin, interruptible, warn_if_limited
from .._validation import check_numeric_input
from ..exceptions import SearchLimitWarning
from ._solve import SOLVERS, resolve_h, solve_lts


class PenalizedLTSRegressor(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Robust linear regression by (penalised) least trimmed squares, solved with a certificate.

    Trimmed mode minimises the sum of the ``h`` smallest squared residuals plus
    ``l2 ||coef||^2``; capped mode minimises ``sum_i min(r_i^2, mu) + l2 ||coef||^2``.
    Residuals are ``r = y - intercept - X coef``; the intercept is not penalised; sums, not
    means; no standardisation. A branch and bound over inlier / outlier-above /
    outlier-below patterns returns the best fit found and a certified lower bound; the
    fit is always a C-step fixed point (exact ridge on its own best inlier set).

    Parameters
    ----------
    n_inliers : int, default=None
        ``h``, the number of points fitted. Default ``floor((n + d + 1) / 2)`` with
        ``d = n_features + fit_intercept`` (maximum breakdown point).
    trim_fraction : float, default=None
        Alternative to ``n_inliers``: ``h = n - floor(trim_fraction * n)``.
    mode : {"trimmed", "capped"}, default="trimmed"
    mu : float, default=None
        Cap of the capped mode; default ``(2.5 sigma)^2`` with ``sigma = 1.4826 median|r|``
        of the default-``h`` heuristic fit.
    l2 : float, default=0.0
        Ridge penalty, as ``Ridge(alpha)``.
    fit_intercept : bool, default=True
    coef_bound : float, default=None
        Box ``|coef_j| <= coef_bound`` used when ``l2 = 0`` (it makes the relaxation
        bounded). Default: 3 times the largest coefficient of the 10 best heuristic fits,
        doubled up to 3 times while it binds; ``result_.box_binding`` tells.
    solver : {"bnb", "box", "pattern", "heuristic"}, default="bnb"
        ``"box"``: branch-and-bound over boxes of ``(intercept, coef)`` (certifies
        thousands of points when there are few parameters). ``"pattern"``: branch-and-bound
        over inlier / outlier patterns. ``"bnb"`` uses ``"box"`` for at most 8 parameters
        (features plus intercept), else ``"pattern"``. ``"heuristic"``: ridge FAST-LTS +
        pairwise swaps, no certificate (fast).
    time_limit : float, default=60.0
        Wall-clock seconds of one fit.
    gap_tol : float, default=1e-4
        Relative gap at which the search stops.
    max_nodes : int, default=None
        Limit on branch-and-bound nodes.
    n_starts : int, default=500
        Random elemental starts of FAST-LTS.
    random_state : int, RandomState or None, default=None
        Seed of FAST-LTS (``None``: seed 0, so fits are reproducible).
    verbose : int, default=0
        Print the solver log.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
        0.0 when ``fit_intercept=False``.
    inlier_mask_ : ndarray of shape (n_samples,), dtype=bool
        True for inliers, as in ``RANSACRegressor``: the ``h_`` smallest ``|r_i|`` (ties by
        index) in trimmed mode, ``r_i^2 <= mu_`` in capped mode.
    h_ : int or None
        Number of inliers (trimmed mode).
    mu_ : float or None
        Cap (capped mode).
    result_ : SolveResult
        Status, objective (recomputed on ``X, y``), certified bound, gap, nodes, runtime;
        ``result_.box_binding`` when ``l2 = 0``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string feature names.

    See Also
    --------
    sklearn.linear_model.RANSACRegressor, sklearn.linear_model.HuberRegressor
    l0bnb.solve_lts : The same problem on raw arrays.

    References
    ----------
    P. J. Rousseeuw, K. Van Driessen, "Computing LTS regression for large data sets", Data
    Mining and Knowledge Discovery 12 (2006). D. M. Hawkins, "The feasible solution algorithm
    for least trimmed squares regression", CSDA 17 (1994).

    Examples
    --------
    >>> from l0bnb import PenalizedLTSRegressor
    >>> from l0bnb.datasets import make_lts_instance
    >>> d = make_lts_instance(30, 2, contamination=0.2, seed=0)
    >>> model = PenalizedLTSRegressor(trim_fraction=0.2, time_limit=30).fit(d.X, d.y)
    >>> model.result_.status
    'optimal'
    >>> bool((model.inlier_mask_ == ~d.outliers).mean() > 0.95)
    True
    """

    _parameter_constraints: dict = {
        "n_inliers": [Interval(Integral, 1, None, closed="left"), None],
        "trim_fraction": [Interval(Real, 0, 1, closed="left"), None],
        "mode": [StrOptions({"trimmed", "capped"})],
        "mu": [Interval(Real, 0, None, closed="neither"), None],
        "l2": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "coef_bound": [Interval(Real, 0, None, closed="neither"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "time_limit": [Interval(Real, 0, None, closed="neither"), None],
        "gap_tol": [Interval(Real, 0, 1, closed="left")],
        "max_nodes": [Interval(Integral, 1, None, closed="left"), None],
        "n_starts": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_inliers=None,
        trim_fraction=None,
        mode="trimmed",
        mu=None,
        l2=0.0,
        fit_intercept=True,
        coef_bound=None,
        solver="bnb",
        time_limit=60.0,
        gap_tol=1e-4,
        max_nodes=None,
        n_starts=500,
        random_state=None,
        verbose=0,
    ):
        self.n_inliers = n_inliers
        self.trim_fraction = trim_fraction
        self.mode = mode
        self.mu = mu
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.coef_bound = coef_bound
        self.solver = solver
        self.time_limit = time_limit
        self.gap_tol = gap_tol
        self.max_nodes = max_nodes
        self.n_starts = n_starts
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    @interruptible
    def fit(self, X, y):
        """Fit the trimmed (or capped) regression to a certified gap.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : PenalizedLTSRegressor
        """
        check_numeric_input(X, y)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        # Parameter checks first: nothing is solved on bad input.
        resolve_h(
            X.shape[0],
            X.shape[1],
            mode=self.mode,
            n_inliers=self.n_inliers,
            trim_fraction=self.trim_fraction,
            mu=self.mu,
            l2=self.l2,
            fit_intercept=self.fit_intercept,
        )
        result = solve_lts(
            X,
            y,
            n_inliers=self.n_inliers,
            trim_fraction=self.trim_fraction,
            mode=self.mode,
            mu=self.mu,
            l2=self.l2,
            fit_intercept=self.fit_intercept,
            coef_bound=self.coef_bound,
            solver=self.solver,
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
            max_nodes=self.max_nodes,
            n_starts=self.n_starts,
            random_state=self.random_state,
            verbose=self.verbose,
        )
        self.result_ = result
        warn_if_limited(result, "LTS search")
        if result.info.get("box_binding"):
            warnings.warn(
                f"The coefficient box |coef_j| <= {result.info['coef_bound']:.4g} binds at the "
                "solution; the fit is optimal for the boxed problem only. Pass a larger "
                "coef_bound or use l2 > 0.",
                SearchLimitWarning,
                stacklevel=2,
            )
        theta = np.asarray(result.solution, dtype=np.float64)
        self.intercept_ = float(theta[0]) if self.fit_intercept else 0.0
        self.coef_ = theta[1:].copy()
        self.inlier_mask_ = np.asarray(result.info["inlier_mask"], dtype=bool)
        self.h_ = result.info["h"]
        self.mu_ = result.info["mu"]
        return self
