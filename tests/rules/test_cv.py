"""Built-in cross-validation of l2, depth_penalty and refit."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold

from l0bnb import RuleExtractor, SearchLimitWarning
from l0bnb.datasets import make_rule_regression
from l0bnb.rules._cv import DEPTH_GRID, L2_GRID


def data(n=240, seed=0):
    d = make_rule_regression(n_samples=n, n_features=6, n_rules=3, snr=3.0, random_state=seed)
    return d.X, d.y


def test_unset_settings_follow_the_one_standard_error_rule():
    X, y = data()
    forest = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    model = RuleExtractor(forest, prefit=True, n_rules=4, solver="path").fit(X, y)
    scores = model.cv_scores_
    assert set(scores) == {(a, b, r) for a in L2_GRID for b in DEPTH_GRID for r in (False, True)}
    # Recompute every fold's held-out error by hand.
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    errors = {}
    for l2, dp, refit in scores:
        errors[(l2, dp, refit)] = [
            np.mean((fit_predict(forest, X, y, train, test, l2, dp, refit) - y[test]) ** 2)
            for train, test in folds
        ]
        assert np.isclose(np.mean(errors[(l2, dp, refit)]), scores[(l2, dp, refit)], rtol=1e-9)
    best = min(scores, key=scores.get)
    limit = scores[best] + np.std(errors[best], ddof=1) / np.sqrt(3)
    chosen = (model.l2_, model.depth_penalty_, model.refit_)
    assert scores[chosen] <= limit
    for key, value in scores.items():
        if value <= limit:
            assert (key[0], key[1], not key[2]) <= (chosen[0], chosen[1], not chosen[2])


def fit_predict(forest, X, y, train, test, l2, dp, refit):
    inner = RuleExtractor(
        forest, prefit=True, n_rules=4, solver="path", l2=l2, depth_penalty=dp, refit=refit
    ).fit(X[train], y[train])
    return inner.predict(X[test])


def test_given_settings_are_kept_and_refit_is_least_squares():
    X, y = data(seed=1)
    forest = RandomForestRegressor(n_estimators=4, max_depth=3, random_state=1)
    model = RuleExtractor(forest, n_rules=4, l2=0.05, solver="path", refit=True).fit(X, y)
    assert model.l2_ == 0.05 and model.refit_ is True
    assert {key[0] for key in model.cv_scores_} == {0.05}
    T = model.transform(X)
    design = np.column_stack([np.ones(len(y)), T])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    # (up to the 1e-8 ridge that keeps nested rules solvable)
    np.testing.assert_allclose(model.intercept_, coef[0], rtol=1e-4)
    np.testing.assert_allclose(model.coef_, coef[1:], rtol=1e-4)
    fixed = RuleExtractor(forest, n_rules=4, l2=0.05, depth_penalty=0.0, refit=False).fit(X, y)
    assert fixed.cv_scores_ == {} and fixed.depth_penalty_ == 0.0


def test_a_deadline_during_cv_keeps_a_valid_fit():
    X, y = data(seed=2)
    forest = RandomForestRegressor(n_estimators=4, max_depth=3, random_state=2).fit(X, y)
    # Warm the kernels, then leave the CV no time: it falls back, the fit still returns.
    RuleExtractor(forest, prefit=True, n_rules=3, solver="path").fit(X, y)
    with pytest.warns(SearchLimitWarning):
        model = RuleExtractor(forest, prefit=True, n_rules=3, time_limit=1e-6).fit(X, y)
    assert model.cv_scores_ == {}
    assert (model.l2_, model.depth_penalty_, model.refit_) == (0.1, 0.0, False)
    assert model.result_.bound <= model.result_.objective
    by_hand = model.intercept_ + model.transform(X) @ model.coef_
    np.testing.assert_allclose(model.predict(X), by_hand)
