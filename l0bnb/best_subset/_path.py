"""Regularization paths over l0 (warm-started) and cross-validated best subset."""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._estimator import (
    LinearPredictMixin,
    PathResult,
    center,
    information_criterion,
    interruptible,
    public_fit,
    run_tasks,
    select_by_cv,
    warn_if_limited,
)
from .._progress import progress_bar
from .._validation import (
    POSITIVE_OR_NONE,
    SEARCH_LIMITS,
    check_arrays,
    check_limits,
    check_no_zero_columns,
    check_numeric_input,
    check_penalties,
)
from ..engine.interrupt import catching_interrupts, stop_requested
from ..engine.result import INTERRUPTED
from ._solve import _solve_best_subset


@dataclass
class SubsetPath(PathResult):
    """Solutions of best subset along a decreasing grid of ``l0``.

    Attributes
    ----------
    l0 : ndarray of shape (n_points,)
    coef : ndarray of shape (n_points, n_features)
    intercept : ndarray of shape (n_points,)
    n_nonzeros : ndarray of shape (n_points,)
    objective, bound, gap, runtime : ndarray of shape (n_points,)
        Certificate of each point: the bound is a proved lower bound on its optimum.
    status : list of str
    n_nodes : ndarray of shape (n_points,)
    rss : ndarray of shape (n_points,)
        Residual sum of squares of each point on the data the path was fitted on.
    n_samples : int
    results : list of SolveResult
    k : ndarray of shape (n_points,) or None
        Model sizes of a path over ``k`` (:func:`best_subset_size_path`, where ``l0`` is 0);
        ``None`` for a path over ``l0``.
    """

    l0: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    n_nonzeros: np.ndarray
    objective: np.ndarray
    bound: np.ndarray
    gap: np.ndarray
    runtime: np.ndarray
    status: list
    n_nodes: np.ndarray
    rss: np.ndarray
    n_samples: int
    results: list = field(repr=False)
    k: np.ndarray | None = None

    def information_criterion(self, criterion: str = "bic") -> np.ndarray:
        """AIC, BIC or extended BIC of every point (Gaussian errors, unknown variance).

        See :func:`l0bnb._estimator.information_criterion`; ``argmin`` picks the model.
        """
        return information_criterion(
            self.rss, self.n_samples, self.n_nonzeros, self.coef.shape[1], criterion
        )


def _largest_single_gain(X, r, l2, support=None):
    """``max_j 0.5 (X_j^T r)^2 / (||X_j||^2 + 2 l2)`` over ``j`` outside ``support``."""
    gains = 0.5 * (X.T @ r) ** 2 / (np.einsum("ij,ij->j", X, X) + 2.0 * l2)
    if support is not None:
        gains[support] = -np.inf
    return float(np.max(gains))


@interruptible
def best_subset_path(
    X,
    y,
    l2: float = 1e-2,
    max_nonzeros: int = 10,
    l0_grid=None,
    n_l0: int = 100,
    M: float | None = None,
    fit_intercept: bool = True,
    time_limit: float | None = None,
    gap_tol: float = 1e-4,
    max_nodes: int | None = None,
    verbose: bool = False,
    progress: bool | None = None,
) -> SubsetPath:
    """Solve best subset along a decreasing grid of ``l0``, warm-starting each point.

    Without ``l0_grid`` the grid adapts like L0Learn's: it starts just below the ``l0``
    at which the first feature enters and each next ``l0`` is the largest value at which
    the current solution stops being coordinate-wise optimal (at most 0.95 times the
    previous one), so consecutive points differ. The path stops once a solution has
    ``max_nonzeros`` nonzeros or after ``n_l0`` points.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    l2 : float, default=1e-2
    max_nonzeros : int, default=10
    l0_grid : array-like, default=None
        Explicit decreasing grid (then every point is solved, ``max_nonzeros`` ignored).
    n_l0 : int, default=100
    M : float, default=None
        Box; ``None`` certifies one per point.
    fit_intercept : bool, default=True
    time_limit : float, default=None
        Limit per point, in seconds.
    gap_tol : float, default=1e-4
    max_nodes : int, default=None
        Limit per point.
    verbose : bool, default=False
        Print the solver log of every point.
    progress : bool or None, default=None
        Show a tqdm progress bar (model size reached out of ``max_nonzeros``, or points
        solved out of ``len(l0_grid)``). ``None``: only in an interactive terminal and if
        tqdm is installed; ``True`` requires tqdm.

    Returns
    -------
    SubsetPath
        Ctrl-C during the path stops it as a whole: the points solved so far are returned,
        the last one with status ``interrupted``.

    Examples
    --------
    >>> from l0bnb import best_subset_path
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=100, n_features=20, k=3, random_state=0)
    >>> path = best_subset_path(data.X, data.y, l2=1e-3, max_nonzeros=4)
    >>> path.n_nonzeros.tolist()
    [1, 3, 5]
    """
    X, y = check_arrays(X, y)
    check_penalties(0.0, None, l2, M, X.shape[1])
    check_limits(time_limit, max_nodes, gap_tol)
    for name, value in (("max_nonzeros", max_nonzeros), ("n_l0", n_l0)):
        if not (isinstance(value, Integral) and not isinstance(value, bool) and value >= 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    grid = None if l0_grid is None else np.asarray(l0_grid, dtype=np.float64)
    if grid is not None and (
        grid.ndim != 1
        or grid.size == 0
        or not np.all(np.isfinite(grid))
        or np.any(grid < 0)
        or np.any(np.diff(grid) > 0)
    ):
        raise ValueError("l0_grid must be a non-empty, 1-D, non-negative, decreasing sequence.")
    return _best_subset_path(
        X, y, l2, max_nonzeros, grid, n_l0, M, fit_intercept, time_limit, gap_tol, max_nodes,
        verbose, progress,
    )  # fmt: skip


def _best_subset_path(
    X, y, l2, max_nonzeros, grid, n_l0, M, fit_intercept, time_limit, gap_tol, max_nodes,
    verbose, progress,
) -> SubsetPath:  # fmt: skip
    """:func:`best_subset_path` on checked arrays and parameters (CV folds call this).

    A Ctrl-C stops the whole path: the point being solved returns its best solution
    (status ``interrupted``) and the path ends there.
    """
    Xc, yc, X_mean, y_mean = center(X, y, fit_intercept)
    Xc = np.asfortranarray(Xc)
    check_no_zero_columns(Xc, centered=fit_intercept)
    l0 = 0.99 * _largest_single_gain(Xc, yc, l2) if grid is None else float(grid[0])
    warm = None
    results, l0s = [], []
    total = max_nonzeros if grid is None else grid.size
    bar = progress_bar(progress, total, "best-subset path")
    with bar, catching_interrupts():
        for point in range(n_l0 if grid is None else grid.size):
            result = _solve_best_subset(
                Xc, yc, l0, l2, M, None, time_limit, gap_tol, max_nodes, warm, "bnb", verbose
            )
            results.append(result)
            l0s.append(l0)
            warm = result.solution
            support = np.flatnonzero(warm)
            bar.update(max(0, support.size - bar.n) if grid is None else 1)
            bar.set_postfix_str(f"l0={l0:.3g} nnz={support.size} gap={result.gap:.1e}")
            if result.status == INTERRUPTED or stop_requested():
                break
            if grid is not None:
                if point + 1 >= grid.size:
                    break
                l0 = float(grid[point + 1])
                continue
            if support.size >= max_nonzeros or support.size == X.shape[1]:
                break
            r = yc - Xc[:, support] @ warm[support]
            l0 = min(_largest_single_gain(Xc, r, l2, support), 0.95 * l0)
    return path_from_results(results, np.array(l0s), Xc, yc, X_mean, y_mean, fit_intercept)


def path_from_results(results, l0, Xc, yc, X_mean, y_mean, fit_intercept, k=None):
    """A :class:`SubsetPath` from the solves of its points (``Xc, yc`` as solved)."""
    coef = np.array([res.solution for res in results])
    residuals = yc[None, :] - coef @ Xc.T
    return SubsetPath(
        l0=l0,
        coef=coef,
        intercept=(y_mean - coef @ X_mean) if fit_intercept else np.zeros(len(results)),
        n_nonzeros=np.count_nonzero(coef, axis=1),
        objective=np.array([res.objective for res in results]),
        bound=np.array([res.bound for res in results]),
        gap=np.array([res.gap for res in results]),
        runtime=np.array([res.runtime for res in results]),
        status=[res.status for res in results],
        n_nodes=np.array([res.n_nodes for res in results]),
        rss=np.einsum("ij,ij->i", residuals, residuals),
        n_samples=Xc.shape[0],
        results=results,
        k=k,
    )


def _full_path(X, y, l2, max_nonzeros, n_l0, common):
    return _best_subset_path(
        X, y, l2, max_nonzeros, None, n_l0, common["M"], common["fit_intercept"],
        common["time_limit"], common["gap_tol"], common["max_nodes"], False, False,
    )  # fmt: skip


def _fold_errors(X, y, train, test, l2, grid, common):
    path = _best_subset_path(
        X[train], y[train], l2, grid.size, grid, grid.size, common["M"],
        common["fit_intercept"], common["time_limit"], common["gap_tol"],
        common["max_nodes"], False, False,
    )  # fmt: skip
    pred = X[test] @ path.coef.T + path.intercept
    errors = np.full(grid.size, np.inf)  # points an interrupt left unsolved never win
    errors[: len(path)] = np.mean((y[test][:, None] - pred) ** 2, axis=0)
    return errors


class BestSubsetRegressorCV(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Best subset with ``l0`` (and optionally ``l2``) chosen by K-fold cross-validation.

    For each ``l2`` the ``l0`` grid is the adaptive path of the full data; every fold
    solves the same grid (warm-started) and the pair with the smallest mean held-out
    squared error is refitted on all the data.

    Parameters
    ----------
    l2 : float or sequence of float, default=1e-2
        Ridge penalty, or a small grid of them.
    max_nonzeros : int, default=10
        Largest model size on the path.
    n_l0 : int, default=100
        Maximum number of path points.
    cv : int, cross-validation generator or iterable, default=5
    selection : {"min", "one_se"}, default="min"
        ``"min"``: the ``l0`` with the smallest mean held-out error; ``"one_se"``: the
        sparsest model within one standard error of it (the one-standard-error rule).
    M : float, default=None
    fit_intercept : bool, default=True
    time_limit : float or None, default=10.0
        Limit per path point, in seconds (the package's policy for paths and CV, which solve
        dozens of problems: 10 s per solve; single fits default to 60 s).
    gap_tol : float, default=1e-4
    max_nodes : int, default=None
        Limit per path point.
    n_jobs : int, default=None
        Full-data paths (one per ``l2``) and then all ``(l2, fold)`` paths are solved in
        parallel through joblib, so ``with joblib.parallel_config(backend="dask")`` runs
        them on a Dask cluster unchanged.
    verbose : bool, default=False
        Print the certificate of the selected model.
    progress : bool or None, default=None
        Show a tqdm progress bar over the fold paths. ``None``: only in an interactive
        terminal and if tqdm is installed; ``True`` requires tqdm.

    Attributes
    ----------
    l0_ : float
        Selected ``l0``.
    l2_ : float
        Selected ``l2``.
    l0_grid_ : dict
        ``l2 -> l0 grid`` used.
    mse_path_ : dict
        ``l2 -> array of shape (n_points, n_folds)`` of held-out mean squared errors.
    coef_, intercept_, support_, result_ :
        Refit on all data at the selected penalties (see :class:`BestSubsetRegressor`).
    n_features_in_ : int

    Examples
    --------
    >>> from l0bnb import BestSubsetRegressorCV
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=120, n_features=20, k=3, random_state=0)
    >>> model = BestSubsetRegressorCV(l2=1e-3, max_nonzeros=6, cv=3).fit(data.X, data.y)
    >>> model.result_.status, model.mse_path_[1e-3].shape  # the chosen fit is certified
    ('optimal', (6, 3))
    """

    _parameter_constraints: dict = {
        "l2": [Interval(Real, 0, None, closed="left"), "array-like"],
        "max_nonzeros": [Interval(Integral, 1, None, closed="left")],
        "n_l0": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "selection": [StrOptions({"min", "one_se"})],
        "M": POSITIVE_OR_NONE,
        "fit_intercept": ["boolean"],
        **SEARCH_LIMITS,
        "n_jobs": [Integral, None],
        "verbose": ["boolean"],
        "progress": ["boolean", None],
    }

    def __init__(
        self,
        l2=1e-2,
        max_nonzeros=10,
        n_l0=100,
        cv=5,
        selection="min",
        M=None,
        fit_intercept=True,
        time_limit=10.0,
        gap_tol=1e-4,
        max_nodes=None,
        n_jobs=None,
        verbose=False,
        progress=None,
    ):
        self.l2 = l2
        self.max_nonzeros = max_nonzeros
        self.n_l0 = n_l0
        self.cv = cv
        self.selection = selection
        self.M = M
        self.fit_intercept = fit_intercept
        self.time_limit = time_limit
        self.gap_tol = gap_tol
        self.max_nodes = max_nodes
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.progress = progress

    @public_fit
    def fit(self, X, y):
        """Cross-validate the path and refit at the best penalties.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : BestSubsetRegressorCV
        """
        check_numeric_input(X, y)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        l2s = np.atleast_1d(np.asarray(self.l2, dtype=np.float64))
        if l2s.ndim != 1 or l2s.size == 0:
            raise ValueError(f"l2 must be a number or a 1-D sequence, got {self.l2!r}.")
        for l2 in l2s:
            check_penalties(0.0, None, float(l2), self.M, X.shape[1])
        common = dict(
            M=self.M,
            fit_intercept=self.fit_intercept,
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
            max_nodes=self.max_nodes,
        )
        folds = list(check_cv(self.cv).split(X, y))
        l2s = [float(l2) for l2 in l2s]
        bar = progress_bar(self.progress, len(l2s) * (1 + len(folds)), "best-subset CV")
        with bar, catching_interrupts():
            # Full-data paths fix the l0 grid of each l2; then every (l2, fold) path is one
            # joblib task, so all of them can run at once on a cluster.
            full = [(X, y, l2, self.max_nonzeros, self.n_l0, common) for l2 in l2s]
            paths = run_tasks(_full_path, full, self.n_jobs, bar)
            tasks = [(X, y, train, test, l2s[i], paths[i].l0, common)
                     for i in range(len(paths)) for train, test in folds]  # fmt: skip
            errors = [] if stop_requested() else run_tasks(_fold_errors, tasks, self.n_jobs, bar)
            #: True when Ctrl-C stopped the cross-validation before it finished.
            self.interrupted_ = stop_requested()
        self.l0_grid_, self.mse_path_ = {}, {}
        best = (np.inf, None, None, None)
        for i, path in enumerate(paths):
            self.l0_grid_[l2s[i]] = path.l0
            done = errors[i * len(folds) : (i + 1) * len(folds)]
            if not done:
                continue
            # After a Ctrl-C only the folds that finished count (points an interrupted fold
            # did not reach have infinite error and never win).
            mse = np.column_stack(done)
            self.mse_path_[l2s[i]] = mse
            finite = np.flatnonzero(np.all(np.isfinite(mse), axis=1))
            if finite.size == 0:
                continue
            sizes = path.n_nonzeros[finite]
            j = int(finite[select_by_cv(mse[finite], self.selection, sizes)])
            if mse[j].mean() < best[0]:
                best = (mse[j].mean(), i, j, l2s[i])
        if best[1] is None:
            if not paths:
                raise KeyboardInterrupt("cross-validation interrupted before any path was solved")
            # No fold finished: the last point the first full-data path reached.
            best = (np.inf, 0, len(paths[0]) - 1, l2s[0])
        _, i, j, self.l2_ = best
        self.l0_ = float(paths[i].l0[j])
        # The full-data path already solved this very problem (all data, these penalties):
        # its point is the refit, certified, with no second solve after a Ctrl-C.
        self.result_ = paths[i].results[j]
        warn_if_limited(self.result_)
        if self.verbose:
            print(self.result_)
        self.coef_ = paths[i].coef[j].copy()
        self.intercept_ = float(paths[i].intercept[j])
        self.support_ = self.coef_ != 0
        return self
