"""Ctrl-C during a fit or a path: no KeyboardInterrupt, the best rules so far come back."""

import os
import signal

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from l0bnb import RuleExtractor, SearchLimitWarning
from l0bnb.datasets import make_rule_regression
from l0bnb.rules import _estimator


@pytest.fixture
def ctrl_c_after_path(monkeypatch):
    """Press Ctrl-C (a real SIGINT) right after each warm-started path (settings are given
    in these tests, so there is one path per fit and no cross-validation)."""
    real = _estimator.bcd_path

    def path_then_ctrl_c(*args, **kwargs):
        out = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(_estimator, "bcd_path", path_then_ctrl_c)


def data():
    d = make_rule_regression(n_samples=200, n_features=6, n_rules=3, snr=3.0, random_state=0)
    return d.X, d.y


@pytest.mark.parametrize("solver", ["bnb", "path"])
def test_fit_returns_the_best_found_with_status_interrupted(ctrl_c_after_path, solver):
    X, y = data()
    forest = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0)
    with pytest.warns(SearchLimitWarning, match="interrupted"):
        model = RuleExtractor(
            forest, n_rules=4, l2=0.1, depth_penalty=0.0, refit=False, solver=solver
        ).fit(X, y)
    assert model.result_.status == "interrupted"
    assert 1 <= len(model.rules_) <= 4
    assert np.isfinite(model.result_.objective) and model.result_.bound <= model.result_.objective
    np.testing.assert_allclose(
        model.predict(X), model.intercept_ + model.transform(X) @ model.coef_
    )


def test_path_stops_as_a_whole_and_keeps_its_points(ctrl_c_after_path):
    X, y = data()
    forest = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=0)
    est = RuleExtractor(forest, l2=0.1, depth_penalty=0.0, refit=False)
    path = est.path(X, y, solver="bnb", max_rules=10)
    # Ctrl-C came before the first exact solve: no point was certified, none is made up.
    assert len(path) == 0
    path = RuleExtractor(forest, l2=0.1, depth_penalty=0.0, refit=False).path(X, y, solver="path")
    assert len(path) == 0 or np.all(np.isnan(path.bound))
