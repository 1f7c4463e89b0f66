"""Bootstrap selection frequencies of RuleExtractor.stability."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from l0bnb import RuleExtractor
from l0bnb.rules._harvest import harvest


def test_a_dominant_rule_is_always_reselected_and_counts_add_up():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(300, 4))
    y = 5.0 * (X[:, 0] > 0.5) + 0.1 * rng.normal(size=300)
    forest = RandomForestRegressor(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    model = RuleExtractor(forest, prefit=True, n_rules=1, l2=0.01, depth_penalty=0.0)
    model.fit(X, y)
    report = model.stability(X, y, n_bootstrap=8, random_state=0)
    assert report.n_bootstrap == 8
    # One rule per fit: frequencies sum to one; the split x0 > 0.5 wins every bootstrap
    # (up to which tree holds it: the same split may sit in several trees).
    assert report.frequency.sum() == pytest.approx(1.0)
    pool = harvest(forest)
    for tree, node in zip(report.tree, report.node, strict=True):
        v = pool.tree_start[tree] + node
        ((a, _),) = pool.path(int(v))
        assert pool.feature[a] == 0 and abs(pool.threshold[a] - 0.5) < 0.05
    assert np.all(np.diff(report.frequency) <= 0)
    assert report.in_model.sum() == 1
    frame = report.to_frame()
    assert list(frame.columns) == ["rule", "frequency", "in_model", "tree", "node"]


def test_noise_gives_unstable_selections_and_reproducible_reports():
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(200, 5))
    y = rng.normal(size=200)
    forest = RandomForestRegressor(n_estimators=4, max_depth=3, random_state=0).fit(X, y)
    model = RuleExtractor(forest, prefit=True, n_rules=3, l2=0.01, depth_penalty=0.0)
    model.set_params(refit=False).fit(X, y)
    a = model.stability(X, y, n_bootstrap=6, random_state=3)
    b = model.stability(X, y, n_bootstrap=6, random_state=3)
    assert a.rules == b.rules and np.array_equal(a.frequency, b.frequency)
    assert 0.0 <= a.dice < 0.9 and a.frequency.sum() <= 3 + 1e-12
    with pytest.raises(ValueError, match="n_bootstrap"):
        model.stability(X, y, n_bootstrap=1)
