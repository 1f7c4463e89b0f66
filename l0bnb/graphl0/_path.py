"""GraphL0 along a grid of edge prices, and the choice of the price by cross-validation."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from .._estimator import PathResult, interruptible, public_fit, run_tasks
from ..engine.interrupt import catching_interrupts, stop_requested
from ..engine.result import INTERRUPTED
from ._estimator import GraphL0, smooth_loss
from ._solve import check_graph_penalties, empirical_covariance_of, solve_graphical


@dataclass
class GraphPath(PathResult):
    """Solutions of GraphL0 along a decreasing grid of ``l0``.

    Attributes
    ----------
    l0s : ndarray of shape (n_l0,)
        The edge prices, decreasing.
    precisions : list of ndarray of shape (p, p)
        One precision matrix per price.
    results : list of SolveResult
        The certificate of each solve (objective, bound, gap, status).
    """

    l0s: np.ndarray
    precisions: list = field(default_factory=list)
    results: list = field(default_factory=list)

    @property
    def n_edges(self) -> np.ndarray:
        """Number of edges of each solution."""
        return np.array([int(np.count_nonzero(np.triu(T, 1))) for T in self.precisions])

    @property
    def gaps(self) -> np.ndarray:
        """Relative gap of each solve."""
        return np.array([r.gap for r in self.results])


def default_l0_grid(S: np.ndarray, l2: float, n_l0: int = 10, ratio: float = 0.05) -> np.ndarray:
    """Geometric grid of ``l0`` from the price at which no edge enters the empty graph.

    At ``T = diag(1 / S_ii)`` the edge (i, j) enters an L0 coordinate step iff
    ``l0 < 4 S_ij^2 / (2 S_ii S_jj + l2)``; the grid starts just below the largest of these.
    """
    d = np.diag(S)
    entry = 4.0 * S**2 / (2.0 * np.outer(d, d) + l2)
    np.fill_diagonal(entry, 0.0)
    top = float(entry.max()) * 0.99
    if top <= 0:
        raise ValueError("No pair of features is correlated: every l0 gives the empty graph.")
    return np.geomspace(top, top * ratio, n_l0)


def l0_grid(S: np.ndarray, l2: float, l0s, n_l0, l0_min_ratio: float) -> np.ndarray:
    """The decreasing grid of edge prices a path or CV uses, refusing bad grids up front."""
    if l0s is None:
        if not (isinstance(n_l0, numbers.Integral) and n_l0 >= 1):
            raise ValueError(f"n_l0 must be a positive integer, got {n_l0!r}.")
        if not 0 < l0_min_ratio < 1:
            raise ValueError(f"l0_min_ratio must be in (0, 1), got {l0_min_ratio!r}.")
        return default_l0_grid(S, l2, int(n_l0), l0_min_ratio)
    l0s = np.asarray(l0s, dtype=np.float64).ravel()
    if l0s.size == 0:
        raise ValueError("l0s is empty: give at least one edge price, or None for a grid.")
    if not np.all(np.isfinite(l0s)) or np.any(l0s < 0):
        raise ValueError("l0s must hold finite prices >= 0.")
    return np.sort(l0s)[::-1]


@interruptible
def graphl0_path(
    X,
    l0s=None,
    *,
    n_l0=10,
    l0_min_ratio=0.05,
    l2=0.01,
    M=None,
    assume_centered=False,
    time_limit=10.0,
    gap_tol=1e-4,
    max_nodes=None,
    solver="bnb",
) -> GraphPath:
    """Solve GraphL0 along a decreasing grid of ``l0``, each solve warm-started.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data.
    l0s : array-like, default=None
        Edge prices; ``None``: ``n_l0`` values from the price where the first edge enters,
        down to ``l0_min_ratio`` times it.
    n_l0 : int, default=10
        Grid size when ``l0s`` is None.
    l0_min_ratio : float, default=0.05
        Smallest price relative to the largest when ``l0s`` is None.
    l2, M, assume_centered, time_limit, gap_tol, max_nodes, solver
        As in :func:`solve_graphical`; limits apply to each solve (default 10 s each, so a
        path takes up to ``n_l0 * time_limit``).

    Returns
    -------
    GraphPath
        Prices, precision matrices and certificates. After Ctrl-C the path stops as a
        whole: it holds the solves done so far (the last one with status ``interrupted``)
        and ``l0s`` is cut to match.

    Examples
    --------
    >>> from l0bnb import graphl0_path
    >>> from l0bnb.datasets import make_graphical_instance
    >>> data = make_graphical_instance(200, 6, "banded", bandwidth=1, seed=0)
    >>> path = graphl0_path(data.X, n_l0=4, l2=0.05)
    >>> bool(path.n_edges[0] <= path.n_edges[-1])
    True
    """
    S, _ = empirical_covariance_of(X, assume_centered)
    l0s = l0_grid(S, l2, l0s, n_l0, l0_min_ratio)
    for l0 in l0s:
        check_graph_penalties(float(l0), l2, M)
    path = GraphPath(l0s=l0s)
    start = None
    # One interrupt scope for the whole path, so Ctrl-C during one solve stops them all.
    with catching_interrupts():
        for l0 in l0s:
            result = solve_graphical(
                X,
                float(l0),
                l2,
                M,
                assume_centered=assume_centered,
                time_limit=time_limit,
                gap_tol=gap_tol,
                max_nodes=max_nodes,
                warm_start=start,
                solver=solver,
            )
            start = result.solution
            path.precisions.append(result.solution)
            path.results.append(result)
            if result.status == INTERRUPTED or stop_requested():
                result.status = INTERRUPTED
                break
    path.l0s = l0s[: len(path.results)]
    return path


def _fold_scores(X, train, test, l0s, params) -> np.ndarray:
    """Held-out scores of one fold's path; NaN for prices an interrupt left unsolved."""
    scores = np.full(len(l0s), np.nan)
    if stop_requested():
        return scores
    path = graphl0_path(X[train], l0s, **params)
    Xtest = X[test]
    location = np.zeros(X.shape[1]) if params["assume_centered"] else X[train].mean(axis=0)
    Xc = Xtest - location
    S = Xc.T @ Xc / Xtest.shape[0]
    for k, (T, result) in enumerate(zip(path.precisions, path.results, strict=True)):
        if result.status != INTERRUPTED:
            scores[k] = -smooth_loss(T, S) / 2
    return scores


class GraphL0CV(GraphL0):
    """GraphL0 with the edge price chosen by held-out pseudo-likelihood.

    Parameters
    ----------
    l0s : array-like, default=None
        Candidate prices; ``None``: a grid of ``n_l0`` values from the data.
    n_l0 : int, default=8
        Grid size when ``l0s`` is None.
    cv : int or cross-validation generator, default=3
        Folds (as in scikit-learn).
    n_jobs : int, default=None
        Folds solved in parallel with joblib (``-1``: all cores); any joblib backend works,
        e.g. ``joblib.parallel_config(backend="dask")``.
    l2, M, assume_centered, time_limit, gap_tol, max_nodes, solver, warm_start, verbose
        As in :class:`GraphL0`, but limits apply to each solve (default 10 s): the folds
        run up to ``n_folds * n_l0`` solves (``n_jobs`` at a time) and the refit one more,
        so a fit takes up to ``(n_folds * n_l0 / n_jobs + 1) * time_limit``. For a quick
        choice of ``l0`` pass a smaller ``time_limit`` (the held-out score needs a good
        graph, not a closed gap).

    Attributes
    ----------
    l0_ : float
        The chosen price.
    cv_l0s_ : ndarray of shape (n_l0,)
        The grid.
    cv_scores_ : ndarray of shape (n_folds, n_l0)
        Held-out mean log pseudo-likelihood (up to a constant) per fold and price; NaN
        where Ctrl-C stopped the fit before that price was solved (``l0_`` is then the
        best price every fold finished, or the largest if none did).
    precision_, covariance_, support_, n_edges_, result_, location_, M_
        Of the refit on all data at ``l0_`` (see :class:`GraphL0`).

    Examples
    --------
    >>> from l0bnb import GraphL0CV
    >>> from l0bnb.datasets import make_graphical_instance
    >>> data = make_graphical_instance(300, 6, "banded", bandwidth=1, seed=0)
    >>> model = GraphL0CV(n_l0=4, l2=0.05, time_limit=5).fit(data.X)
    >>> model.cv_scores_.shape
    (3, 4)
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in GraphL0._parameter_constraints.items() if k != "l0"},
        "l0s": ["array-like", None],
        "n_l0": [Interval(numbers.Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        l0s=None,
        n_l0=8,
        cv=3,
        n_jobs=None,
        l2=0.01,
        M=None,
        assume_centered=False,
        time_limit=10.0,
        gap_tol=1e-4,
        max_nodes=None,
        solver="bnb",
        warm_start=False,
        verbose=0,
    ):
        self.l2 = l2
        self.M = M
        self.assume_centered = assume_centered
        self.time_limit = time_limit
        self.gap_tol = gap_tol
        self.max_nodes = max_nodes
        self.solver = solver
        self.warm_start = warm_start
        self.verbose = verbose
        self.l0s = l0s
        self.n_l0 = n_l0
        self.cv = cv
        self.n_jobs = n_jobs

    @public_fit
    def fit(self, X, y=None):
        """Choose ``l0`` by cross-validation, then refit on all of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : None
            Ignored.

        Returns
        -------
        self : GraphL0CV
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2, ensure_min_features=2)
        S, _ = empirical_covariance_of(X, self.assume_centered)
        l0s = l0_grid(S, self.l2, self.l0s, self.n_l0, 0.05)
        for l0 in l0s:
            check_graph_penalties(float(l0), self.l2, self.M)
        params = {
            "l2": self.l2,
            "M": self.M,
            "assume_centered": self.assume_centered,
            "time_limit": self.time_limit,
            "gap_tol": self.gap_tol,
            "max_nodes": self.max_nodes,
            "solver": self.solver,
        }
        folds = list(check_cv(self.cv).split(X))
        # Ctrl-C stops the folds (the rest of a fold's path, and folds not started) and the
        # refit at once; the choice is then made among the prices every fold finished.
        with catching_interrupts():
            tasks = [(X, train, test, l0s, params) for train, test in folds]
            scores = run_tasks(_fold_scores, tasks, self.n_jobs)
            # Folds a Ctrl-C kept from starting have no scores.
            scores += [np.full(len(l0s), np.nan)] * (len(folds) - len(scores))
            self.cv_l0s_ = l0s
            self.cv_scores_ = np.vstack(scores)
            complete = np.flatnonzero(~np.isnan(self.cv_scores_).any(axis=0))
            if complete.size:
                mean = self.cv_scores_[:, complete].mean(axis=0)
                best = float(l0s[complete[int(np.argmax(mean))]])
            else:
                best = float(l0s[0])
            refit = GraphL0(l0=best, verbose=self.verbose, **params).fit(X)
        for name in ("location_", "result_", "M_"):
            setattr(self, name, getattr(refit, name))
        self._set_precision(refit.precision_)
        self.l0_ = best
        return self
