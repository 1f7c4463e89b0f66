"""CategoricalFusionRegressor: linear regression that fuses categorical levels, exactly."""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._estimator import interruptible
from .._first_use import announce_compilation
from .._validation import check_limits
from ..engine.interrupt import catching_interrupts, expired, stop_requested
from ..engine.result import (
    HEURISTIC,
    INTERRUPTED,
    OPTIMAL,
    OPTIMALITY_GAP,
    SOLVER_LABELS,
    SolveResult,
    relative_gap,
)
from ..engine.search import Limits, solve
from ..exceptions import SearchLimitWarning
from ._bcd import bcd_with_moves, multi_start_bcd
from ._data import FusionData
from ._input import (
    categorical_columns,
    check_levels,
    column_values,
    continuous_block,
    declared_categories,
    encode,
    holds_levels,
    is_dataframe,
    location_scale,
    sorted_levels,
)
from ._kernels import dual_value
from ._pace import Pace
from ._problem import FusionProblem
from .refit import labels_from_beta, partition_least_squares


def solve_fusion(data: FusionData, solver: str, limits: Limits, initial=None, verbose=False):
    """Solve a scaled instance with ``"bnb"`` (exact) or ``"bcd"`` (BCD, dual bound reported)."""
    if solver == "bnb":
        return solve(FusionProblem(data, initial), limits, verbose)
    start = time.perf_counter()
    deadline = start + (limits.time_limit or np.inf)
    pace = Pace.calibrated()
    if initial is None:
        sol, value, sweeps = multi_start_bcd(data, deadline, pace)
    else:
        sol, value, sweeps = bcd_with_moves(data, initial, deadline, pace)
    bound = bcd_bound(data, sol)
    if data.l2 > 0 and not expired(deadline):
        # The branch-and-bound root bound (dual ascent + curvature split) is much tighter.
        problem = FusionProblem(data)
        problem.pace = pace
        bound = max(bound, problem.relax(problem.root(), value, deadline).bound)
    gap = relative_gap(value, bound)
    if gap <= OPTIMALITY_GAP:
        status = OPTIMAL
    else:
        status = INTERRUPTED if stop_requested() else HEURISTIC
    return SolveResult(
        status=status, objective=value, bound=bound,
        gap=gap, n_nodes=0, runtime=time.perf_counter() - start, solution=sol,
        solver=SOLVER_LABELS["bcd"], info={"sweeps": sweeps},
    )  # fmt: skip


def bcd_bound(data: FusionData, solution) -> float:
    """``D(alpha)`` at the solution's residual (``-inf`` when ``l2 = 0``)."""
    if not data.l2 > 0:
        return -np.inf
    beta, theta, mu = solution
    fitted = mu + data.Z @ theta
    for j in range(data.p):
        fitted = fitted + beta[data.offsets[j] + data.codes[:, j]]
    r = data.y - fitted
    if data.fit_intercept:
        r = r - r.mean()
    return float(
        dual_value(r / data.n, data.y, data.codes, data.offsets, data.Z, data.l0, data.lf, data.l2)
    )


class CategoricalFusionRegressor(RegressorMixin, BaseEstimator):
    """Linear regression that merges the levels of categorical features and drops features.

    Fits one coefficient per observed level of each categorical feature and one per
    continuous feature, minimising (on standardised data, see the user guide)::

        F = (1/(2n)) ||y_s - mu - sum_j beta_j[x_j] - Z theta||^2
            + l2 (||beta||^2 + ||theta||^2) + l0 (||beta||_0 + ||theta||_0)
            + lf sum_j DV(beta_j)

    where ``DV(beta_j)`` counts the distinct nonzero values of feature ``j``: levels sharing a
    value form a group, levels at zero form the baseline. ``solver="bnb"`` proves optimality
    by branch and bound; ``solver="bcd"`` runs block coordinate descent with an exact
    dynamic program per feature and reports a dual bound.

    Parameters
    ----------
    l0 : float, default=0.0
        Price of each nonzero coefficient.
    lf : float, default=0.01
        Price of each distinct nonzero value of a categorical feature (fusion).
    l2 : float, default=1e-3
        Ridge penalty; must be positive for ``solver="bnb"``.
    categorical_features : "auto", None, list of int or str, or bool mask, default="auto"
        Which columns hold levels. ``"auto"``: category/object/string/bool columns of a
        DataFrame; for arrays, every column of a string or bool array, the columns of an
        object array that hold any non-number or bool, none of a numeric array. Bool columns
        are always categorical (levels ``False``/``True``). Numeric array columns listed here
        must hold integer codes. pandas is optional: arrays need no pandas.
    fit_intercept : bool, default=True
        Fit an unpenalised intercept.
    solver : {"bnb", "bcd"}, default="bnb"
        Exact branch and bound, or block coordinate descent.
    time_limit : float or None, default=60.0
        Wall-clock seconds for one fit (as the graphical, LTS and rule estimators); each
        point of :meth:`path` gets its own. The fit returns within a fraction of a second
        of it with status ``time_limit`` and the best certified bound so far. ``None``: no
        limit.
    max_nodes : int, default=None
        Limit on branch-and-bound nodes.
    gap_tol : float, default=1e-4
        Relative gap at which branch and bound stops.
    handle_unknown : {"zero", "error"}, default="zero"
        Levels not seen in ``fit`` (and declared but unobserved pandas categories) predict
        with value 0 (the baseline group) under ``"zero"``; ``"error"`` raises for levels
        neither observed nor declared.
    refit : bool, default=True
        Give ``coef_``, ``intercept_`` and ``level_values_`` by unpenalised least squares on
        the selected structure (level groups, zero group, continuous support): the penalties
        only choose the structure, without shrinking its values. ``result_`` still holds the
        certified penalised problem (objective, bound, solution); ``refit=False`` reports
        the penalised solution itself.
    verbose : int, default=0
        Print the solver log.

    Attributes
    ----------
    coef_ : ndarray of shape (n_continuous,)
        Coefficients of the continuous features (original units).
    intercept_ : float
    level_values_ : list of dict
        Per categorical feature, ``{level: value}`` for every observed level.
    level_groups_ : list of list of list
        Per categorical feature: the zero group first, then the groups sharing one nonzero
        value, by increasing value.
    categorical_features_ : ndarray of int
        Indices of the categorical columns.
    continuous_features_ : ndarray of int
        Indices of the continuous columns (the order of ``coef_``).
    y_mean_, y_scale_ : float
        Scaling of ``y`` used by the objective.
    cont_mean_, cont_scale_ : ndarray of shape (n_continuous,)
        Scaling of the continuous features.
    n_iter_ : int
        Branch-and-bound nodes (``"bnb"``) or BCD sweeps (``"bcd"``).
    result_ : SolveResult
        Status, objective ``F``, certified bound, gap, nodes and runtime.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string column names.

    See Also
    --------
    CategoricalFusionRegressor.path : Fits along a decreasing grid of ``lf``.

    References
    ----------
    S. Behdin, R. Benbaki, P. Radchenko, R. Mazumder, categorical fusion and sparsity in
    regression, arXiv:2603.25854.

    Examples
    --------
    >>> from l0bnb import CategoricalFusionRegressor
    >>> from l0bnb.datasets import make_categorical_regression
    >>> d = make_categorical_regression(n_samples=300, n_categorical=1, n_levels=6,
    ...                                 n_groups=2, snr=10.0, random_state=0)
    >>> model = CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)
    >>> model.result_.status
    'optimal'
    >>> len(model.level_groups_[0])
    2
    """

    def __init__(
        self,
        *,
        l0=0.0,
        lf=0.01,
        l2=1e-3,
        categorical_features="auto",
        fit_intercept=True,
        solver="bnb",
        time_limit=60.0,
        max_nodes=None,
        gap_tol=1e-4,
        handle_unknown="zero",
        refit=True,
        verbose=0,
    ):
        self.l0 = l0
        self.lf = lf
        self.l2 = l2
        self.categorical_features = categorical_features
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.time_limit = time_limit
        self.max_nodes = max_nodes
        self.gap_tol = gap_tol
        self.handle_unknown = handle_unknown
        self.refit = refit
        self.verbose = verbose

    # ------------------------------------------------------------------ checks

    def _check_params(self) -> None:
        for name in ("l0", "lf", "l2"):
            v = getattr(self, name)
            if not (isinstance(v, numbers.Real) and np.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}.")
        if self.solver not in ("bnb", "bcd"):
            raise ValueError(f"solver must be 'bnb' or 'bcd', got {self.solver!r}.")
        if self.solver == "bnb" and not self.l2 > 0:
            raise ValueError(
                "solver='bnb' needs l2 > 0 (it bounds the coefficients); use solver='bcd' "
                "for l2 = 0."
            )
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"refit must be True or False, got {self.refit!r}.")
        if self.handle_unknown not in ("zero", "error"):
            raise ValueError(
                f"handle_unknown must be 'zero' or 'error', got {self.handle_unknown!r}."
            )
        check_limits(self.time_limit, self.max_nodes, self.gap_tol)

    def _validate(self, X, y="no_validation", reset=True):
        """Array view of ``X`` (object dtype when it holds levels) and the column roles."""
        spec = self.categorical_features if reset else None
        has_levels = (
            (not (isinstance(spec, str) and spec == "auto") and spec is not None)
            or is_dataframe(X)
            or holds_levels(X)
        )
        if not reset:
            has_levels = len(self.categorical_features_) > 0 or is_dataframe(X)
        kw = dict(dtype=None, ensure_all_finite=False) if has_levels else dict(dtype=np.float64)
        if isinstance(y, str) and y == "no_validation":
            arr = validate_data(self, X, reset=reset, **kw)
        else:
            arr, y = validate_data(
                self, X, y, reset=reset, y_numeric=True, ensure_min_samples=2, **kw
            )
        if is_dataframe(X) and has_levels:
            # Column by column: a DataFrame's common dtype would turn bools into floats.
            cols = [column_values(X, i) for i in range(X.shape[1])]
            arr = np.empty((len(X), len(cols)), dtype=object)
            for i, col in enumerate(cols):
                arr[:, i] = col
        if reset:
            cat = categorical_columns(X, spec, arr.shape[1])
            self.categorical_features_ = cat
            self.continuous_features_ = np.setdiff1d(np.arange(arr.shape[1]), cat)
            self._declared = [declared_categories(X, int(i)) for i in cat]
        return arr, y

    def _names(self, n_features: int) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [repr(str(v)) for v in self.feature_names_in_]
        return [f"#{i}" for i in range(n_features)]

    # ------------------------------------------------------------------ fit

    def _prepare(self, X, y) -> FusionData:
        """Validate, encode and scale; sets the encoding and scaling attributes."""
        self._check_params()
        arr, y = self._validate(X, y, reset=True)
        names = self._names(arr.shape[1])
        from_array = not is_dataframe(X)
        self.levels_, codes = [], []
        for i in self.categorical_features_:
            values = arr[:, i]
            check_levels(values, names[i], from_array)
            levels = sorted_levels(values)
            if len(levels) < 2:
                raise ValueError(
                    f"categorical feature {names[i]} has a single observed level "
                    f"{levels[0]!r}: it is confounded with the intercept; drop it."
                )
            self.levels_.append(levels)
            codes.append(encode(values, levels))
        Zraw = continuous_block(arr, self.continuous_features_, names)
        y = np.asarray(y, dtype=np.float64)
        y_mean, y_scale, y_big = location_scale(y, self.fit_intercept)
        self.y_mean_, self.y_scale_ = float(y_mean), float(y_scale)
        self.cont_mean_, self.cont_scale_, z_big = location_scale(Zraw, self.fit_intercept)
        # Relative to each column's magnitude, so that rescaling a column changes nothing.
        bad = np.flatnonzero(self.cont_scale_ <= 1e-12 * z_big)
        if bad.size:
            cols = [names[self.continuous_features_[b]] for b in bad]
            raise ValueError(
                f"continuous feature(s) {', '.join(cols)} are constant"
                f"{'' if self.fit_intercept else ' zero'}: remove them."
            )
        if self.y_scale_ <= 1e-12 * y_big or self.y_scale_ == 0:
            # Constant y (up to rounding): the empty model is exact; scale by the magnitude so
            # the scaled data stay of order one.
            self.y_scale_ = float(y_big) if y_big > 0 else 1.0
        # Divided before subtracting: y - mean could overflow near the float64 limit.
        Z = Zraw / self.cont_scale_ - self.cont_mean_ / self.cont_scale_
        codes = np.column_stack(codes) if codes else np.zeros((len(y), 0), dtype=np.int64)
        y_s = y / self.y_scale_ - self.y_mean_ / self.y_scale_
        return FusionData(
            y_s, codes, [len(v) for v in self.levels_], Z,
            bool(self.fit_intercept), float(self.l0), float(self.lf), float(self.l2),
        )  # fmt: skip

    def _limits(self) -> Limits:
        return Limits(time_limit=self.time_limit, max_nodes=self.max_nodes, gap_tol=self.gap_tol)

    @interruptible
    def fit(self, X, y):
        """Fit the fused model.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Categorical columns hold levels (any hashable values; integer codes in arrays).
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : CategoricalFusionRegressor
        """
        announce_compilation(__package__)
        data = self._prepare(X, y)
        result = solve_fusion(data, self.solver, self._limits(), None, bool(self.verbose))
        self._set_solution(data, result)
        return self

    def _set_solution(self, data: FusionData, result: SolveResult) -> None:
        if result.stopped_by_limit:
            warnings.warn(
                f"Categorical fusion search stopped by {result.status} with a relative gap of "
                f"{result.gap:.3g}; the solution is the best found, not certified optimal.",
                SearchLimitWarning,
                stacklevel=3,
            )
        self.result_ = result
        self.n_iter_ = int(result.n_nodes or result.info.get("sweeps", 0))
        beta, theta, mu = result.solution
        if self.refit:
            labels = [labels_from_beta(b) for b in data.split(beta)]
            beta, theta, mu = partition_least_squares(data, labels, theta != 0.0)
        s = self.y_scale_
        self.coef_ = s * theta / self.cont_scale_
        self.intercept_ = float(
            self.y_mean_ + s * (mu - np.sum(theta * self.cont_mean_ / self.cont_scale_))
        )
        self.level_values_, self.level_groups_ = [], []
        for levels, b in zip(self.levels_, data.split(beta), strict=False):
            values = s * b
            self.level_values_.append(dict(zip(levels, values.tolist(), strict=False)))
            labels = labels_from_beta(b)
            groups = [
                [lv for lv, g in zip(levels, labels, strict=False) if g == k]
                for k in range(labels.max() + 1)
            ]
            self.level_groups_.append(groups)

    # ------------------------------------------------------------------ predict

    def _level_matrix(self, arr) -> np.ndarray:
        """Sum over categorical features of each row's level value (0 for unseen levels)."""
        names = self._names(arr.shape[1])
        total = np.zeros(arr.shape[0])
        for t, i in enumerate(self.categorical_features_):
            values = arr[:, i]
            check_levels(values, names[i], False)
            lookup = self.level_values_[t]
            if self.handle_unknown == "error":
                known = set(lookup) | set(self._declared[t])
                unknown = [v for v in dict.fromkeys(values.tolist()) if v not in known]
                if unknown:
                    raise ValueError(
                        f"categorical feature {names[i]} has levels unseen in fit: "
                        f"{unknown[:5]!r} (handle_unknown='error')."
                    )
            total += np.array([lookup.get(v, 0.0) for v in values.tolist()])
        return total

    def predict(self, X):
        """Predict: intercept + level value of each categorical feature + ``coef_ @ z``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        arr, _ = self._validate(X, reset=False)
        Z = continuous_block(arr, self.continuous_features_, self._names(arr.shape[1]))
        return self.intercept_ + self._level_matrix(arr) + Z @ self.coef_

    def objective(self, X, y) -> float:
        """The objective ``F`` of the fitted coefficients on ``(X, y)``, from public attributes.

        Uses the stored scaling; on the training data it equals ``result_.objective`` when
        ``refit=False`` (with ``refit=True`` it is ``F`` at the refitted values, which is not
        the penalised optimum).
        """
        check_is_fitted(self)
        arr, y = self._validate(X, y, reset=False)
        names = self._names(arr.shape[1])
        s = self.y_scale_
        y_s = (np.asarray(y, float) - self.y_mean_) / s
        Z = continuous_block(arr, self.continuous_features_, names) - self.cont_mean_
        Z = Z / self.cont_scale_
        theta = self.coef_ * self.cont_scale_ / s
        mu = (self.intercept_ - self.y_mean_) / s + np.sum(
            theta * self.cont_mean_ / self.cont_scale_
        )
        codes, beta = [], []
        for t, i in enumerate(self.categorical_features_):
            levels = list(self.level_values_[t])
            c = encode(arr[:, i], levels)
            if np.any(c < 0):
                raise ValueError(f"categorical feature {names[i]} has levels unseen in fit.")
            codes.append(c)
            beta.append(np.array([self.level_values_[t][lv] for lv in levels]) / s)
        codes = np.column_stack(codes) if codes else np.zeros((len(y_s), 0), dtype=np.int64)
        data = FusionData(
            y_s, codes, [len(v) for v in self.level_values_], Z, bool(self.fit_intercept),
            float(self.l0), float(self.lf), float(self.l2),
        )  # fmt: skip
        beta = np.concatenate(beta) if beta else np.zeros(0)
        return data.objective((beta, theta, mu))

    # ------------------------------------------------------------------ path

    def path(self, X, y, lf=None, n_lf=30, eps=1e-3):
        """Fits along a decreasing grid of ``lf``, each warm-started from the previous one.

        Parameters
        ----------
        X, y : as in :meth:`fit`
        lf : array-like, default=None
            The grid; default ``lf_max * eps ** (i / (n_lf - 1))`` where ``lf_max`` is the
            smallest ``lf`` at which the empty model is a BCD fixed point.
        n_lf : int, default=30
        eps : float, default=1e-3

        Returns
        -------
        FusionPath
        """
        from ._path import FusionPath, lf_max

        data = self._prepare(X, y)
        if lf is None:
            top = lf_max(data)
            grid = top * eps ** (np.arange(n_lf) / max(n_lf - 1, 1))
        else:
            grid = np.asarray(lf, dtype=float)
            if grid.ndim != 1 or grid.size == 0 or np.any(~np.isfinite(grid)) or np.any(grid < 0):
                raise ValueError("lf must be a non-empty 1-D array of finite values >= 0.")
        results, start = [], None
        with catching_interrupts():
            for value in grid:
                data.lf = float(value)
                res = solve_fusion(data, self.solver, self._limits(), start, False)
                results.append(res)
                start = res.solution
                # Ctrl-C stops the whole path: the fits so far are returned.
                if res.status == INTERRUPTED or stop_requested():
                    break
        return FusionPath(self, data, grid[: len(results)], results)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags
