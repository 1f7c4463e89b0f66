"""RuleExtractor: few, shallow rules from a tree ensemble, chosen exactly."""

from __future__ import annotations

import copy
import numbers
import time
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from .._estimator import public_fit, warn_if_limited
from .._first_use import announce_compilation
from .._validation import NON_NEGATIVE, SEARCH_LIMITS
from ..engine.interrupt import catching_interrupts, expired, stop_requested
from ..engine.result import HEURISTIC, INTERRUPTED, SOLVER_LABELS, SolveResult, relative_gap
from ..engine.search import Limits, solve
from ._cv import choose, least_squares
from ._harvest import harvest
from ._problem import RuleProblem, bcd_path, l0_max
from ._stability import selection_frequency
from ._text import Rule, node_conditions, readable, rule_text


def _check_params(est) -> None:
    """The cross-parameter rules the declared constraints cannot express."""
    if est.n_rules is None and est.l0 == 0 and est.depth_penalty == 0:
        raise ValueError(
            "n_rules=None (penalized form) needs l0 > 0 or depth_penalty > 0; otherwise "
            "nothing limits the number of rules."
        )
    if est.solver == "bnb" and est.l2 is not None and not est.l2 > 0:
        raise ValueError("solver='bnb' needs l2 > 0 (it bounds the rule weights).")


@dataclass
class _Fitted:
    """The harvested pool of one fit, in the solver's units."""

    pool: object
    problem: RuleProblem
    depth: np.ndarray
    depth_cost: np.ndarray
    y_mean: float
    y_scale: float
    n: int
    X: np.ndarray


@dataclass
class RulePath:
    """Rule sets along a decreasing grid of ``l0``, ordered by size.

    Attributes
    ----------
    l0 : ndarray of shape (n_points,)
    n_rules : ndarray of shape (n_points,)
    total_depth : ndarray of shape (n_points,)
    objective : ndarray of shape (n_points,)
    bound : ndarray of shape (n_points,)
        Certified lower bounds (``nan`` for points computed by ``solver="path"``).
    rules : list of list of str
        Rule texts of each point.
    """

    l0: np.ndarray
    n_rules: np.ndarray
    total_depth: np.ndarray
    objective: np.ndarray
    bound: np.ndarray
    rules: list
    _weights: list = field(repr=False, default_factory=list)
    _extractor: object = field(repr=False, default=None)
    _fitted: object = field(repr=False, default=None)

    def __len__(self) -> int:
        return int(self.l0.size)

    def select(self, n_rules: int):
        """A fitted :class:`RuleExtractor` with the path's largest model of at most ``n_rules``.

        Parameters
        ----------
        n_rules : int

        Returns
        -------
        RuleExtractor
        """
        fits = np.flatnonzero(self.n_rules <= n_rules)
        if not fits.size:
            raise ValueError(f"no point of the path has at most {n_rules} rules.")
        i = int(fits[np.argmax(self.n_rules[fits])])
        base = self._extractor
        est = clone(base).set_params(n_rules=int(n_rules), solver="path", estimator=base.estimator)
        names = ("estimator_", "n_features_in_", "feature_names_in_", "l2_", "depth_penalty_")
        for name in names + ("refit_", "cv_scores_"):
            if hasattr(base, name):
                setattr(est, name, getattr(base, name))
        # The point is scored with the extractor's own costs (its l0 and depth penalty).
        problem = copy.copy(self._fitted.problem)
        problem.k, problem.K = None, -1
        problem.cost = np.where(problem.candidate, float(base.l0) + self._fitted.depth_cost, 0.0)
        value = problem.objective(self._weights[i])
        # The objective is a sum of squares and nonnegative penalties, so 0 is a valid bound.
        result = SolveResult(
            HEURISTIC, value, 0.0, relative_gap(value, 0.0, problem.objective_scale()), 0, 0.0,
            self._weights[i],
            solver=SOLVER_LABELS["path"],
        )  # fmt: skip
        est._finish(self._fitted, self._weights[i], result)
        return est


class RuleExtractor(RegressorMixin, TransformerMixin, BaseEstimator):
    """Few, shallow rules from a tree ensemble, selected by exact mixed-integer optimization.

    Every node of every tree of the ensemble is a candidate rule (the conjunction of the
    splits on its path). On the response scaled to mean 0 and variance 1 the selection solves::

        min (1/2n) ||y - mu - M w||^2 + l2 ||w||^2 + sum_v (l0 + depth_penalty d_v) 1(w_v != 0)

    with at most one selected node on every root-to-leaf path of every tree and at most
    ``n_rules`` rules. ``solver="bnb"`` solves it to certified optimality (branch and bound
    with dual bounds from exact per-tree antichain DPs); ``solver="path"`` runs block
    coordinate descent over trees with exact tree blocks along a decreasing ``l0`` grid.

    Parameters
    ----------
    estimator : regressor, default=None
        Tree ensemble: scikit-learn ``RandomForestRegressor``, ``ExtraTreesRegressor``,
        ``GradientBoostingRegressor``, ``HistGradientBoostingRegressor`` (numeric splits),
        ``DecisionTreeRegressor``, or a LightGBM/XGBoost regressor. ``None``:
        ``RandomForestRegressor(n_estimators=100, max_depth=3)``.
    prefit : bool, default=False
        Use ``estimator`` as already fitted (it is not refitted); else a clone is fitted.
    n_rules : int or None, default=10
        Maximum number of rules (``None``: penalized form, needs ``l0`` or
        ``depth_penalty`` positive).
    l0 : float, default=0.0
        Cost of each rule (in units of the scaled half mean squared error).
    depth_penalty : float or None, default=None
        Extra cost per condition (or per distinct feature) of a rule. ``None``: chosen by
        cross-validation among 0, 0.001 and 0.005.
    max_depth : int or None, default=None
        Drop candidate rules deeper than this.
    depth_measure : {"path", "features"}, default="path"
        Depth of a rule: conditions on its tree path, or distinct features on it.
    l2 : float or None, default=None
        Ridge penalty on the scaled weights (``> 0`` for ``solver="bnb"``). ``None``: chosen
        by cross-validation among 0.01, 0.03, 0.1, 0.3 and 1.
    fit_intercept : bool, default=True
    refit : bool or None, default=None
        Refit the selected rules by least squares (the penalty then only chooses them); the
        optimizer's weights stay in ``solution_coef_``. ``None``: chosen by
        cross-validation (the ridge weights of the optimizer often predict better).
    cv : int, default=3
        Folds of the built-in cross-validation of the settings left at ``None``. It runs
        the fast path solver with the ensemble fixed, inside ``time_limit``.
    solver : {"bnb", "path"}, default="bnb"
    time_limit : float or None, default=60.0
        Wall-clock seconds for the whole fit (fitting the ensemble and harvesting included).
    max_nodes : int or None, default=None
        Limit on branch-and-bound nodes.
    gap_tol : float, default=1e-4
        Relative optimality gap at which the search stops.
    verbose : int, default=0
        Print the solver log.
    random_state : int or None, default=None
        Seed of the default forest.

    Attributes
    ----------
    estimator_ : regressor
        The fitted ensemble.
    rules_ : list of Rule
        Selected rules (conditions, text, coef, support, depth, tree, node).
    coef_ : ndarray of shape (n_rules_selected,)
        Weights aligned with ``rules_``.
    intercept_ : float
    solution_coef_ : ndarray
        The optimizer's weights (differ from ``coef_`` only with ``refit=True``).
    n_candidates_ : int
        Candidate rules in the pool.
    result_ : SolveResult
        Status, objective, certified bound, gap, nodes and runtime of the selection. With
        ``solver="path"`` there is no search: status ``"heuristic"``, bound 0 (valid, since the
        objective is nonnegative).
    y_mean_, y_scale_ : float
        Scaling of the response used by the objective.
    l2_, depth_penalty_ : float
        The values used (the given ones, or those chosen by cross-validation).
    refit_ : bool
        Whether ``coef_`` is the least-squares refit.
    cv_scores_ : dict
        Held-out squared error summed over folds, keyed by ``(l2, depth_penalty, refit)``
        (empty when nothing was cross-validated).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` has string feature names.

    See Also
    --------
    RuleExtractor.path : Rule sets along a decreasing ``l0`` grid.

    References
    ----------
    B. Liu, R. Mazumder, P. Radchenko, "Extracting interpretable models from tree ensembles:
    computational and statistical perspectives", arXiv:2506.20114 (2025).

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from l0bnb import RuleExtractor
    >>> X, y = make_friedman1(n_samples=200, random_state=0)
    >>> forest = RandomForestRegressor(n_estimators=5, max_depth=2, random_state=0)
    >>> model = RuleExtractor(forest, n_rules=3).fit(X, y)
    >>> len(model.rules_) <= 3, model.result_.status
    (True, 'optimal')
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"]), None],
        "prefit": ["boolean"],
        "n_rules": [Interval(Integral, 1, None, closed="left"), None],
        "l0": NON_NEGATIVE,
        "depth_penalty": [*NON_NEGATIVE, None],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "depth_measure": [StrOptions({"path", "features"})],
        "l2": [*NON_NEGATIVE, None],
        "fit_intercept": ["boolean"],
        "refit": ["boolean", None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "solver": [StrOptions({"bnb", "path"})],
        **SEARCH_LIMITS,
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        prefit=False,
        n_rules=10,
        l0=0.0,
        depth_penalty=None,
        max_depth=None,
        depth_measure="path",
        l2=None,
        fit_intercept=True,
        refit=None,
        cv=3,
        solver="bnb",
        time_limit=60.0,
        max_nodes=None,
        gap_tol=1e-4,
        verbose=0,
        random_state=None,
    ):
        self.estimator = estimator
        self.prefit = prefit
        self.n_rules = n_rules
        self.l0 = l0
        self.depth_penalty = depth_penalty
        self.max_depth = max_depth
        self.depth_measure = depth_measure
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.refit = refit
        self.cv = cv
        self.solver = solver
        self.time_limit = time_limit
        self.max_nodes = max_nodes
        self.gap_tol = gap_tol
        self.verbose = verbose
        self.random_state = random_state

    # ---- fitting -----------------------------------------------------------------------

    def _ensemble(self, X, y):
        if self.prefit:
            if self.estimator is None:
                raise ValueError("prefit=True needs a fitted estimator.")
            return self.estimator
        if self.estimator is None:
            from sklearn.ensemble import RandomForestRegressor

            est = RandomForestRegressor(
                n_estimators=100, max_depth=3, random_state=self.random_state
            )
        else:
            est = clone(self.estimator)
        return est.fit(X, y)

    def _setup(self, X, y, deadline: float):
        """Check, fit the ensemble and settle ``l2_``, ``depth_penalty_``, ``refit_``."""
        _check_params(self)
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        if self.prefit and self.estimator is not None:
            # Fail on unfitted or unsupported models before anything else happens.
            harvest(self.estimator)
        self.estimator_ = self._ensemble(X, y)
        settings, self.cv_scores_ = choose(self, X, y, deadline)
        self.l2_ = settings["l2"]
        self.depth_penalty_ = settings["depth_penalty"]
        self.refit_ = settings["refit"]
        return X, y

    def _prepare(self, X, y) -> _Fitted:
        pool = harvest(self.estimator_)
        if pool.feature.max(initial=-1) >= X.shape[1]:
            raise ValueError(
                f"the ensemble splits on feature {int(pool.feature.max())} but X has "
                f"{X.shape[1]} features."
            )
        indptr, indices = pool.membership(X)
        n = X.shape[0]
        count = np.diff(indptr)
        depth = pool.depths(self.depth_measure)
        candidate = count > 0
        if self.fit_intercept:
            candidate &= count < n
        if self.max_depth is not None:
            candidate &= depth <= self.max_depth
        y_mean = float(y.mean()) if self.fit_intercept else 0.0
        scale = float(np.sqrt(np.mean((y - y_mean) ** 2)))
        scale = scale if scale > 0 else 1.0
        depth_cost = np.where(candidate, float(self.depth_penalty_) * depth, 0.0)
        cost = np.where(candidate, float(self.l0) + depth_cost, 0.0)
        problem = RuleProblem(
            indptr,
            indices,
            pool.left,
            pool.right,
            pool.tree_start,
            candidate,
            cost,
            (y - y_mean) / scale,
            max(float(self.l2_), 1e-300),
            k=self.n_rules,
            fit_intercept=self.fit_intercept,
        )
        problem.l2 = float(self.l2_)
        return _Fitted(pool, problem, depth, depth_cost, y_mean, scale, n, X)

    def _path_solution(self, fitted: _Fitted, deadline: float) -> np.ndarray:
        """Best polished path model: every grid point (its ``n_rules`` strongest rules when
        it has more) is polished by budgeted BCD at the user's costs; the best is kept."""
        problem = fitted.problem
        top = l0_max(problem, fitted.depth_cost)
        starts = [np.zeros(problem.m)]
        if np.isfinite(top) and top > float(self.l0):
            grid = top * np.logspace(0, -3, 30)
            grid = grid[grid > float(self.l0)]
            max_rules = 50 if self.n_rules is None else int(self.n_rules)
            points = bcd_path(problem, fitted.depth_cost, grid, max_rules, deadline)
            starts += [p[1] for p in points]
        best, best_w, seen = np.inf, None, set()
        for w in starts:
            support = np.flatnonzero(w)
            if problem.k is not None and support.size > problem.k:
                strength = w[support] ** 2 * problem.count[support]
                keep = support[np.argsort(-strength, kind="stable")[: problem.k]]
                w = np.where(np.isin(np.arange(problem.m), keep), w, 0.0)
            key = np.flatnonzero(w).tobytes()
            if key in seen:
                continue
            seen.add(key)
            value, w = problem.bcd(w)
            if value < best:
                best, best_w = value, w
            if expired(deadline):
                break
        return best_w

    @public_fit
    def fit(self, X, y):
        """Harvest the rules of the ensemble and select the best few.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : RuleExtractor
        """
        announce_compilation(__package__)
        start = time.perf_counter()
        deadline = np.inf if self.time_limit is None else start + float(self.time_limit)
        # Ctrl-C only sets a flag here (public_fit): the cross-validation and the path stop
        # at their next check and the best rules found so far are returned (interrupted).
        X, y = self._setup(X, y, deadline)
        fitted = self._prepare(X, y)
        w = self._path_solution(fitted, deadline)
        if self.solver == "path" or stop_requested():
            result = self._path_result(fitted.problem, w, start)
        else:
            # The path's solution, polished by block coordinate descent, is the start; the
            # clock (limit and log) started with fit.
            result = solve(
                fitted.problem,
                Limits(time_limit=self.time_limit, max_nodes=self.max_nodes, gap_tol=self.gap_tol),
                verbose=bool(self.verbose),
                start=fitted.problem.bcd(w)[1],
                started=start,
            )
        warn_if_limited(result, "Rule selection")
        self._finish(fitted, np.asarray(result.solution, dtype=np.float64), result)
        return self

    def _path_result(self, problem: RuleProblem, w: np.ndarray, start: float) -> SolveResult:
        """The path model as a result: no search, so the only bound is 0 (F >= 0)."""
        value = problem.objective(w)
        return SolveResult(
            INTERRUPTED if stop_requested() else HEURISTIC,
            value,
            0.0,
            relative_gap(value, 0.0, problem.objective_scale()),
            0,
            time.perf_counter() - start,
            w,
            solver=SOLVER_LABELS["path"],
        )

    def _finish(self, fitted: _Fitted, w: np.ndarray, result: SolveResult) -> None:
        pool, problem = fitted.pool, fitted.problem
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{j}" for j in range(self.n_features_in_)]
        support = np.flatnonzero(w)
        _, mu = problem.residual(w)
        coef = fitted.y_scale * w[support]
        intercept = fitted.y_mean + fitted.y_scale * mu
        self.solution_coef_ = coef.copy()
        if self.refit_ and support.size:
            y = fitted.y_mean + fitted.y_scale * problem.y
            coef, intercept = least_squares(problem.columns(support), y, self.fit_intercept)
        rules = []
        for j, v in enumerate(support):
            conds = readable(node_conditions(pool, int(v), names), fitted.X)
            t = int(pool.tree[v])
            rules.append(
                Rule(
                    conditions=conds,
                    text=rule_text(conds),
                    coef=float(coef[j]),
                    support=float(problem.count[v] / fitted.n),
                    depth=int(fitted.depth[v]),
                    tree=t,
                    node=int(v - pool.tree_start[t]),
                )
            )
        self.rules_ = rules
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = float(intercept)
        self.n_candidates_ = int(problem.candidate.sum())
        self.y_mean_, self.y_scale_ = fitted.y_mean, fitted.y_scale
        self.result_ = result

    # ---- using the rules ---------------------------------------------------------------

    def transform(self, X):
        """0/1 indicators of the selected rules.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_rules_selected)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        out = np.zeros((X.shape[0], len(self.rules_)))
        for j, rule in enumerate(self.rules_):
            out[:, j] = rule.evaluate(X)
        return out

    def predict(self, X):
        """``intercept_ + transform(X) @ coef_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.intercept_ + self.transform(X) @ self.coef_

    def get_feature_names_out(self, input_features=None):
        """Rule texts (repeated texts get a ``__2``, ``__3`` ... suffix).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the names seen in ``fit``.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        seen: dict[str, int] = {}
        out = []
        for rule in self.rules_:
            seen[rule.text] = seen.get(rule.text, 0) + 1
            out.append(rule.text if seen[rule.text] == 1 else f"{rule.text}__{seen[rule.text]}")
        return np.asarray(out, dtype=object)

    def rules_to_frame(self):
        """The rules as a pandas DataFrame (rule, coef, support, depth)."""
        import pandas as pd

        check_is_fitted(self)
        return pd.DataFrame(
            {
                "rule": [r.text for r in self.rules_],
                "coef": [r.coef for r in self.rules_],
                "support": [r.support for r in self.rules_],
                "depth": [r.depth for r in self.rules_],
            }
        )

    def rules_text(self) -> str:
        """The fitted model as readable text: intercept, then one line per rule."""
        check_is_fitted(self)
        lines = [f"intercept {self.intercept_:+.6g}"]
        order = np.argsort(-np.abs(self.coef_), kind="stable")
        for j in order:
            r = self.rules_[j]
            lines.append(
                f"{r.coef:+.6g}  if {r.text}   (support {r.support:.3f}, depth {r.depth})"
            )
        return "\n".join(lines)

    def print_rules(self) -> None:
        """Print :meth:`rules_text`."""
        print(self.rules_text())

    def __str__(self) -> str:
        if hasattr(self, "rules_"):
            return self.rules_text()
        return self.__repr__()

    def path(self, X, y, l0=None, n_l0=30, eps=1e-3, max_rules=50, solver="path"):
        """Rule sets along a decreasing grid of ``l0`` (warm-started BCD or exact solves).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        l0 : array-like or None, default=None
            Decreasing grid; ``None``: ``n_l0`` points from ``l0_max`` down to
            ``eps * l0_max``.
        n_l0 : int, default=30
        eps : float, default=1e-3
        max_rules : int, default=50
            Stop once a point has more rules than this.
        solver : {"path", "bnb"}, default="path"
            ``"bnb"`` solves every point exactly (penalized form, the grid's ``l0``),
            warm-started by the path.

        Returns
        -------
        RulePath
            Ctrl-C stops the path as a whole; the points finished so far are returned.
        """
        with catching_interrupts():
            return self._path(X, y, l0, n_l0, eps, max_rules, solver)

    def _path(self, X, y, l0, n_l0, eps, max_rules, solver):
        # The grid sets l0 (bcd_path ignores the problem's budget); n_rules only scores the
        # cross-validation of unset settings. A prefit ensemble is used as given (clone would
        # drop its fitted state).
        k = 10 if self.n_rules is None else self.n_rules
        est = clone(self).set_params(n_rules=k, solver="path", estimator=self.estimator)
        X, y = est._setup(X, y, np.inf)
        fitted = est._prepare(X, y)
        est.set_params(n_rules=self.n_rules, solver=self.solver)
        problem = fitted.problem
        if l0 is None:
            top = l0_max(problem, fitted.depth_cost)
            grid = top * np.logspace(0, np.log10(eps), n_l0) if np.isfinite(top) else []
        else:
            grid = np.asarray(l0, dtype=np.float64)
        points = bcd_path(problem, fitted.depth_cost, np.asarray(grid), max_rules)
        rows = []
        for value_l0, w, _ in points:
            if stop_requested():
                break
            if np.count_nonzero(w) > max_rules:
                continue
            bound = np.nan
            cost = np.where(problem.candidate, float(value_l0) + fitted.depth_cost, 0.0)
            exact = RuleProblem(
                problem.indptr,
                problem.indices,
                problem.left,
                problem.right,
                problem.tree_start,
                problem.candidate,
                cost,
                problem.y,
                max(est.l2_, 1e-300),
                None,
                self.fit_intercept,
            )
            if solver == "bnb":
                res = solve(
                    exact,
                    Limits(
                        time_limit=self.time_limit, max_nodes=self.max_nodes, gap_tol=self.gap_tol
                    ),
                    start=exact.bcd(w)[1],
                )
                w, bound = np.asarray(res.solution), res.bound
            rows.append((value_l0, w, exact.objective(w), bound))
        rows.sort(key=lambda row: np.count_nonzero(row[1]))
        names = getattr(est, "feature_names_in_", [f"x{j}" for j in range(est.n_features_in_)])
        texts = [
            [
                rule_text(readable(node_conditions(fitted.pool, int(v), names), fitted.X))
                for v in np.flatnonzero(w)
            ]
            for _, w, _, _ in rows
        ]
        return RulePath(
            l0=np.array([r[0] for r in rows]),
            n_rules=np.array([np.count_nonzero(r[1]) for r in rows], dtype=np.int64),
            total_depth=np.array([int(fitted.depth[r[1] != 0].sum()) for r in rows]),
            objective=np.array([r[2] for r in rows]),
            bound=np.array([r[3] for r in rows]),
            rules=texts,
            _weights=[r[1] for r in rows],
            _extractor=est,
            _fitted=fitted,
        )

    def stability(self, X, y, n_bootstrap=20, solver="path", random_state=None):
        """How often each rule is selected again on bootstrap samples (ensemble fixed).

        The fitted ensemble and settings (``l2_``, ``depth_penalty_``, ``refit_``) are kept;
        the selection is refitted on ``n_bootstrap`` bootstrap samples of ``(X, y)`` (usually
        the training data). Compare ``dice`` with SIRUS's stability or the lasso's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        n_bootstrap : int, default=20
        solver : {"path", "bnb"}, default="path"
            Solver of the refits (``"bnb"`` uses the model's ``time_limit`` per refit).
        random_state : int or None, default=None
            Seed of the bootstrap samples.

        Returns
        -------
        RuleStability
            Rules selected at least once with their selection frequency, whether the
            model holds them, and the mean pairwise Dice index of the bootstrap rule sets.
            Ctrl-C stops the refits; the report covers those finished.
        """
        check_is_fitted(self)
        X, y = validate_data(self, X, y, reset=False, y_numeric=True, dtype=np.float64)
        k = n_bootstrap
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 2:
            raise ValueError(f"n_bootstrap must be an integer >= 2, got {k!r}.")
        if solver not in ("bnb", "path"):
            raise ValueError(f"solver must be 'bnb' or 'path', got {solver!r}.")
        return selection_frequency(self, X, y, int(k), solver, random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
