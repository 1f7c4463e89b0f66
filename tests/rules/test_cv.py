"""Built-in cross-validation of l2, depth_penalty and refit."""

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold

from l0bnb import RuleExtractor
from l0bnb.datasets import make_rule_regression
from l0bnb.rules._cv import DEPTH_GRID, L2_GRID


def data(n=240, seed=0):
    d = make_rule_regression(n_samples=n, n_features=6, n_rules=3, snr=3.0, random_state=seed)
    return d.X, d.y


def test_unset_settings_are_the_cross_validated_minimum():
    X, y = data()
    forest = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    model = RuleExtractor(forest, prefit=True, n_rules=4, solver="path").fit(X, y)
    scores = model.cv_scores_
    assert set(scores) == {(a, b, r) for a in L2_GRID for b in DEPTH_GRID for r in (False, True)}
    best = min(scores, key=scores.get)
    assert (model.l2_, model.depth_penalty_, model.refit_) == best
    # Recompute the held-out error of the chosen setting by hand.
    error = 0.0
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        inner = RuleExtractor(
            forest, prefit=True, n_rules=4, solver="path", l2=best[0], depth_penalty=best[1],
            refit=best[2],
        ).fit(X[train], y[train])  # fmt: skip
        error += np.sum((inner.predict(X[test]) - y[test]) ** 2)
    assert np.isclose(error, scores[best], rtol=1e-9)


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
