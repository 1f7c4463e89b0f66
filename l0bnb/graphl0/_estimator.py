"""GraphL0: certified sparse precision matrices, as a scikit-learn covariance estimator."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import linalg
from sklearn.base import _fit_context
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._estimator import interruptible, warn_if_limited
from .._validation import check_numeric_input
from ._solve import SOLVERS, solve_graphical


def smooth_loss(precision: np.ndarray, S: np.ndarray) -> float:
    """``G = sum_i [-log T_ii + T_i' S T_i / T_ii]`` (2/n times the negative log PL + const)."""
    d = np.diag(precision)
    quad = np.einsum("ki,kl,li->i", precision, S, precision)
    return float(np.sum(-np.log(d) + quad / d))


class GraphL0(EmpiricalCovariance):
    """Sparse precision matrix by L0L2-penalised pseudo-likelihood, solved with a certificate.

    Minimizes over symmetric ``T`` with a positive diagonal and ``|T_ij| <= M``::

        sum_i [-log T_ii + T_i' S T_i / T_ii] + l0 #edges + l2 sum_{i<j} T_ij^2

    (``S`` the empirical covariance, divisor n) by branch and bound with perspective
    relaxations solved by coordinate descent; every node bound is a dual value, valid
    however early the descent stops. The estimate has exact zeros (the graph) and is
    symmetric; it need not be positive definite.

    Parameters
    ----------
    l0 : float, default=None
        Price of one edge; ``None`` means ``log(n) / n`` (BIC-like).
    l2 : float, default=0.01
        Ridge penalty on the off-diagonal entries.
    M : float, default=None
        Box on off-diagonal entries; ``None``: none when ``l2 > 0``, a certified one when
        ``l2 = 0``.
    assume_centered : bool, default=False
        Do not subtract the mean.
    time_limit : float, default=60.0
        Wall-clock limit of one fit, in seconds.
    gap_tol : float, default=1e-4
        Relative gap at which the search stops.
    max_nodes : int, default=None
        Node limit.
    solver : {"bnb", "heuristic", "reference", "scip", "brute_force"}, default="bnb"
        ``"heuristic"`` runs the heuristic and the root bound only (very large p).
    warm_start : bool, default=False
        Start from the previous fit's precision matrix.
    verbose : int, default=0
        Print the solver log when positive.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated mean (zero with ``assume_centered``).
    precision_ : ndarray of shape (n_features, n_features)
        The estimate, symmetric, with exact zeros off the graph.
    covariance_ : ndarray of shape (n_features, n_features)
        Inverse of ``precision_`` (pseudo-inverse if it is not positive definite).
    precision_is_pd_ : bool
        Whether ``precision_`` is positive definite.
    support_ : ndarray of shape (n_features, n_features), dtype=bool
        Off-diagonal nonzeros (the graph).
    n_edges_ : int
        Number of edges.
    l0_ : float
        The edge price used.
    M_ : float
        The box used (``inf``: none).
    result_ : SolveResult
        Status, objective, certified bound, gap, nodes and runtime.
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    GraphL0CV : Chooses ``l0`` by held-out pseudo-likelihood.
    graphl0_path : Solutions along a decreasing grid of ``l0``.
    sklearn.covariance.GraphicalLasso : The L1-penalised Gaussian likelihood.

    References
    ----------
    K. Behdin, W. Chen, R. Mazumder, "Sparse Gaussian graphical models with discrete
    optimization: computational and statistical perspectives", arXiv:2307.09366.

    Examples
    --------
    >>> from l0bnb import GraphL0
    >>> from l0bnb.datasets import make_graphical_instance
    >>> data = make_graphical_instance(300, 8, "banded", bandwidth=1, cond=5, seed=0)
    >>> model = GraphL0(l0=0.05, l2=0.05).fit(data.X)
    >>> model.n_edges_, model.result_.status
    (7, 'optimal')
    """

    store_precision = True

    _parameter_constraints: dict = {
        "l0": [Interval(Real, 0, None, closed="left"), None],
        "l2": [Interval(Real, 0, None, closed="left")],
        "M": [Interval(Real, 0, None, closed="right"), None],  # inf: no box
        "assume_centered": ["boolean"],
        "time_limit": [Interval(Real, 0, None, closed="neither"), None],
        "gap_tol": [Interval(Real, 0, 1, closed="left")],
        "max_nodes": [Interval(Integral, 1, None, closed="left"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        l0=None,
        l2=0.01,
        M=None,
        assume_centered=False,
        time_limit=60.0,
        gap_tol=1e-4,
        max_nodes=None,
        solver="bnb",
        warm_start=False,
        verbose=0,
    ):
        self.l0 = l0
        self.l2 = l2
        self.M = M
        self.assume_centered = assume_centered
        self.time_limit = time_limit
        self.gap_tol = gap_tol
        self.max_nodes = max_nodes
        self.solver = solver
        self.warm_start = warm_start
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    @interruptible
    def fit(self, X, y=None):
        """Estimate the sparse precision matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data, at least 2 samples and 2 features, no constant column.
        y : None
            Ignored.

        Returns
        -------
        self : GraphL0
        """
        check_numeric_input(X)
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2, ensure_min_features=2)
        start = None
        previous = getattr(self, "precision_", None)
        if self.warm_start and previous is not None and previous.shape == (X.shape[1],) * 2:
            start = previous
        self.result_ = solve_graphical(
            X,
            self.l0,
            self.l2,
            self.M,
            assume_centered=self.assume_centered,
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
            max_nodes=self.max_nodes,
            warm_start=start,
            solver=self.solver,
            verbose=self.verbose,
        )
        if self.solver != "heuristic":
            warn_if_limited(self.result_, "GraphL0 search")
        self.location_ = np.zeros(X.shape[1]) if self.assume_centered else X.mean(axis=0)
        self._set_precision(np.asarray(self.result_.solution, dtype=np.float64))
        self.l0_ = self.result_.info["l0"]
        self.M_ = self.result_.info["M"]
        return self

    def _set_precision(self, precision: np.ndarray) -> None:
        precision = (precision + precision.T) / 2
        self.precision_ = precision
        self.support_ = precision != 0
        np.fill_diagonal(self.support_, False)
        self.n_edges_ = int(self.support_.sum() // 2)
        try:
            np.linalg.cholesky(precision)
            self.precision_is_pd_ = True
            self.covariance_ = linalg.inv(precision)
            self.covariance_ = (self.covariance_ + self.covariance_.T) / 2
        except np.linalg.LinAlgError:
            self.precision_is_pd_ = False
            self.covariance_ = linalg.pinvh(precision)
            warnings.warn(
                "The GraphL0 estimate is not positive definite (the pseudo-likelihood does "
                "not require it); covariance_ is its pseudo-inverse and score() is -inf.",
                UserWarning,
                stacklevel=3,
            )

    def pseudo_score(self, X) -> float:
        """Mean Gaussian log pseudo-likelihood of ``X`` under the fitted precision matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test data (centred with the fitted ``location_``).

        Returns
        -------
        float
            ``-G(precision_; S_test) / 2 - (p / 2) log(2 pi)``; higher is better.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Xc = X - self.location_
        S = Xc.T @ Xc / X.shape[0]
        p = X.shape[1]
        return -smooth_loss(self.precision_, S) / 2 - p / 2 * np.log(2 * np.pi)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
