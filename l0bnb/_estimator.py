"""Estimator plumbing shared by the families: centring, the limit warning, linear predict."""

from __future__ import annotations

import functools
import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .engine.interrupt import catching_interrupts
from .exceptions import SearchLimitWarning


def interruptible(function):
    """Run ``function`` (a ``fit``, a path, a solve function) with Ctrl-C as a stop flag.

    A Ctrl-C anywhere in the call (validation, heuristics, the search, between the points of
    a path) then stops the work at the next check and the call returns its best solution with
    status ``interrupted``, instead of a ``KeyboardInterrupt`` escaping from deep inside.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with catching_interrupts():
            return function(*args, **kwargs)

    return wrapper


def public_fit(fit):
    """The entry of every estimator's ``fit``: the declared ``_parameter_constraints`` are
    checked once (nested public calls skip them), and Ctrl-C is a stop flag throughout."""
    from sklearn.base import _fit_context

    return _fit_context(prefer_skip_nested_validation=True)(interruptible(fit))


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


def run_tasks(function, tasks, n_jobs=None, bar=None) -> list:
    """``[function(*task) for task in tasks]`` through joblib, in order, stopping on Ctrl-C.

    The one place paths and cross-validation fan out work: joblib's backend decides where the
    tasks run (processes, threads, or a Dask/Ray cluster through ``parallel_config``). With a
    Ctrl-C the fit in progress returns its best solution (status ``interrupted``) and no
    further task starts, so the caller gets the finished part and decides what to do.
    """
    from joblib import Parallel, delayed

    from .engine.interrupt import catching_interrupts, stop_requested

    results = []
    with catching_interrupts():
        for value in Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(function)(*task) for task in tasks
        ):
            results.append(value)
            if bar is not None:
                bar.update(1)
            if stop_requested():
                break
    return results


def select_by_cv(errors: np.ndarray, rule: str = "min", complexity=None) -> int:
    """Index of the grid point chosen from held-out errors of shape ``(n_grid, n_folds)``.

    ``rule="min"`` takes the smallest mean error; ``rule="one_se"`` the least complex point
    (smallest ``complexity``, e.g. the number of nonzeros; ties to the earlier point) whose
    mean error is within one standard error of the smallest (Hastie, Tibshirani & Friedman,
    *Elements of Statistical Learning*, 7.10).
    """
    errors = np.asarray(errors, dtype=np.float64)
    mean = errors.mean(axis=1)
    best = int(np.argmin(mean))
    if rule == "min":
        return best
    if rule != "one_se":
        raise ValueError(f"rule must be 'min' or 'one_se', got {rule!r}.")
    n_folds = errors.shape[1]
    se = errors[best].std(ddof=1) / np.sqrt(n_folds) if n_folds > 1 else 0.0
    within = np.flatnonzero(mean <= mean[best] + se)
    size = np.arange(len(mean)) if complexity is None else np.asarray(complexity)
    return int(within[np.lexsort((within, size[within]))[0]])


def information_criterion(rss, n_samples: int, df, n_features: int, criterion: str = "bic"):
    """AIC, BIC or extended BIC of Gaussian linear fits (unknown noise variance).

    ``n log(RSS / n) + penalty(df)``: ``2 df`` (AIC), ``log(n) df`` (BIC), and for EBIC
    (Chen & Chen 2008, gamma = 1) ``log(n) df + 2 log C(p, df)``, which accounts for the
    number of subsets of each size when ``p`` is large. ``df`` counts the nonzero slopes
    (the intercept adds the same constant to every fit, so it does not change the choice).
    """
    from scipy.special import gammaln

    rss = np.asarray(rss, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    n = float(n_samples)
    fit = n * np.log(np.maximum(rss, np.finfo(float).tiny) / n)
    if criterion == "aic":
        return fit + 2.0 * df
    if criterion == "bic":
        return fit + np.log(n) * df
    if criterion == "ebic":
        log_choose = gammaln(n_features + 1) - gammaln(df + 1) - gammaln(n_features - df + 1)
        return fit + np.log(n) * df + 2.0 * log_choose
    raise ValueError(f"criterion must be 'aic', 'bic' or 'ebic', got {criterion!r}.")


class PathResult:
    """What every path shares: one :class:`~l0bnb.SolveResult` per point, in order.

    Family paths (``SubsetPath``, ``GraphPath``, ``FusionPath``) add their own solutions;
    the certificates are read the same way everywhere.
    """

    results: list

    def __len__(self) -> int:
        return len(self.results)

    def certificates(self) -> dict:
        """Status, objective, bound, gap, nodes and seconds of every point, as arrays."""
        res = self.results
        return {
            "status": [r.status for r in res],
            "objective": np.array([r.objective for r in res]),
            "bound": np.array([r.bound for r in res]),
            "gap": np.array([r.gap for r in res]),
            "n_nodes": np.array([r.n_nodes for r in res]),
            "runtime": np.array([r.runtime for r in res]),
        }

    def summary(self) -> str:
        """The certificates as a small table, one line per point."""
        lines = [f"{'point':>5} {'status':>12} {'objective':>14} {'bound':>14} {'gap':>9}"]
        for i, r in enumerate(self.results):
            gap = f"{100 * r.gap:8.4f}%" if np.isfinite(r.gap) else "       -"
            lines.append(f"{i:>5} {r.status:>12} {r.objective:>14.8g} {r.bound:>14.8g} {gap}")
        return "\n".join(lines)
