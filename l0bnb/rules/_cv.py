"""Built-in cross-validation of ``l2``, ``depth_penalty`` and ``refit`` for RuleExtractor.

The ensemble stays fixed (the one fitted on all training rows); each fold selects rules with
the fast path solver on its training rows and scores them on its held-out rows. Both weight
choices are scored from the same selection: the optimizer's ridge weights and the least
squares refit on the selected rules, so choosing ``refit`` costs no extra solve.
"""

from __future__ import annotations

import warnings
from time import perf_counter

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold

from ..engine.interrupt import expired

#: Candidate ridge penalties (scaled response, so they are unit-free).
L2_GRID = (1e-2, 3e-2, 1e-1, 3e-1, 1.0)
#: Candidate costs per condition, in units of the scaled half mean squared error (0.5 in all).
DEPTH_GRID = (0.0, 1e-3, 5e-3)
#: Used when there are too few rows to cross-validate, or no fold finished in time.
FALLBACK = {"l2": 0.1, "depth_penalty": 0.0, "refit": False}


def least_squares(A: np.ndarray, y: np.ndarray, fit_intercept: bool) -> tuple[np.ndarray, float]:
    """Least-squares weights and intercept of ``y`` on the 0/1 columns ``A``.

    A ridge of ``1e-8`` times the trace keeps nested or repeated rules solvable.
    """
    if not A.shape[1]:
        return np.zeros(0), float(y.mean()) if fit_intercept else 0.0
    if fit_intercept:
        Ac, yc = A - A.mean(0), y - y.mean()
    else:
        Ac, yc = A, y
    gram = Ac.T @ Ac
    gram[np.diag_indices_from(gram)] += 1e-8 * max(1.0, float(np.trace(gram)))
    coef = np.linalg.solve(gram, Ac.T @ yc)
    intercept = float(y.mean() - A.mean(0) @ coef) if fit_intercept else 0.0
    return coef, intercept


def grid(est) -> list[dict]:
    """The ``(l2, depth_penalty)`` points to try: the user's value where one is given."""
    l2s = L2_GRID if est.l2 is None else (float(est.l2),)
    dps = DEPTH_GRID if est.depth_penalty is None else (float(est.depth_penalty),)
    if est.n_rules is None and est.l0 == 0:
        # The penalized form needs a positive cost per rule.
        dps = tuple(dp for dp in dps if dp > 0)
    return [{"l2": a, "depth_penalty": b} for a in l2s for b in dps]


def choose(est, X: np.ndarray, y: np.ndarray, deadline: float) -> tuple[dict, dict]:
    """Settings with the least cross-validated squared error, and the table of scores.

    ``est`` is a RuleExtractor whose ``estimator_`` is fitted; settings it fixes are kept.
    Returns ``(settings, scores)`` with ``scores[(l2, depth_penalty, refit)]`` the held-out
    mean squared error averaged over folds (only settings whose folds all finished before the
    deadline). The choice follows the one-standard-error rule.
    """
    folds = int(est.cv)
    refits = (False, True) if est.refit is None else (bool(est.refit),)
    points = grid(est)
    fixed = {
        "l2": FALLBACK["l2"] if est.l2 is None else float(est.l2),
        "depth_penalty": (
            (min(DEPTH_GRID[1:]) if est.n_rules is None and est.l0 == 0 else 0.0)
            if est.depth_penalty is None
            else float(est.depth_penalty)
        ),
        "refit": FALLBACK["refit"] if est.refit is None else bool(est.refit),
    }
    if len(points) * len(refits) == 1 or y.size < 2 * folds:
        return {**fixed, **points[0]} if len(points) == 1 else fixed, {}
    splits = list(KFold(folds, shuffle=True, random_state=0).split(X))
    errors: dict = {}
    for point in points:
        error = np.zeros((len(refits), folds))
        for f, (train, test) in enumerate(splits):
            if expired(deadline):
                break
            inner = clone(est).set_params(
                estimator=est.estimator_,
                prefit=True,
                solver="path",
                refit=False,
                # The outer deadline bounds each inner fit too (a fit cut short is dropped).
                time_limit=None if deadline == np.inf else max(deadline - perf_counter(), 1e-3),
                **point,
            )
            with warnings.catch_warnings():
                # An interrupted inner fit is reported once, by the outer fit.
                warnings.simplefilter("ignore")
                inner.fit(X[train], y[train])
            for i, refit in enumerate(refits):
                if refit:
                    coef, intercept = least_squares(
                        inner.transform(X[train]), y[train], est.fit_intercept
                    )
                    pred = intercept + inner.transform(X[test]) @ coef
                else:
                    pred = inner.predict(X[test])
                error[i, f] = float(np.mean((pred - y[test]) ** 2))
        else:
            if expired(deadline):
                break  # the last fold may have been cut short
            for i, refit in enumerate(refits):
                errors[(point["l2"], point["depth_penalty"], refit)] = error[i]
            continue
        break
    if not errors:
        return fixed, {}
    scores = {key: float(e.mean()) for key, e in errors.items()}
    best = min(scores, key=scores.get)
    # One-standard-error rule: the most regularized setting (largest l2, then largest depth
    # penalty, ridge weights before the refit) whose error is within one standard error of
    # the best. It predicts as well within the noise of the folds, and its larger l2 gives
    # the branch and bound much stronger bounds.
    limit = scores[best] + errors[best].std(ddof=1) / np.sqrt(folds)
    within = [key for key in scores if scores[key] <= limit]
    l2, dp, refit = max(within, key=lambda key: (key[0], key[1], not key[2]))
    return {"l2": l2, "depth_penalty": dp, "refit": refit}, scores
