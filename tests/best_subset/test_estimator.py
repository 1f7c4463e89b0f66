"""scikit-learn conventions, paths, CV and the l0bnb 1.0 wrappers."""

import numpy as np
import pytest

import l0bnb
from l0bnb import (
    BestSubsetRegressor,
    BestSubsetRegressorCV,
    SearchLimitWarning,
    best_subset_path,
    solve_best_subset,
)
from l0bnb.datasets import make_sparse_regression


def data(n=120, p=30, k=4, seed=0, snr=10.0):
    d = make_sparse_regression(n_samples=n, n_features=p, k=k, snr=snr, random_state=seed)
    return d.X, d.y + 3.0, d.support


def test_regressor_recovers_support_and_predicts():
    X, y, support = data()
    model = BestSubsetRegressor(n_nonzero_coefs=4).fit(X, y)
    assert model.result_.status == "optimal"
    np.testing.assert_array_equal(np.flatnonzero(model.support_), support)
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    assert model.score(X, y) > 0.8


def test_warm_start_reuses_previous_coefficients():
    X, y, _ = data(seed=1)
    model = BestSubsetRegressor(l0=1.0, warm_start=True).fit(X, y)
    first = model.coef_.copy()
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, first)
    assert model.result_.status == "optimal"


def test_node_limit_warns():
    X, y, _ = data(n=60, p=80, k=8, snr=1.0, seed=2)
    with pytest.warns(SearchLimitWarning, match="node_limit"):
        BestSubsetRegressor(l0=0.05, l2=1e-3, max_nodes=3).fit(X, y)


def test_path_is_monotone_and_certified():
    X, y, support = data(seed=3)
    path = best_subset_path(X, y, l2=1e-3, max_nonzeros=6)
    assert np.all(np.diff(path.l0) < 0)
    assert np.all(np.diff(path.n_nonzeros) >= 0)
    assert path.n_nonzeros[-1] >= 4
    assert all(s == "optimal" for s in path.status)
    assert np.all(path.bound <= path.objective)
    # Each point equals an independent solve at its l0.
    i = int(np.argmax(path.n_nonzeros >= 4))
    Xc, yc = X - X.mean(0), y - y.mean()
    alone = solve_best_subset(Xc, yc, l0=path.l0[i], l2=1e-3)
    assert alone.objective == pytest.approx(path.objective[i], rel=1e-4)


def test_cv_selects_true_support_and_runs_in_parallel():
    X, y, support = data(n=150, p=25, k=3, seed=4, snr=20.0)
    serial = BestSubsetRegressorCV(l2=[1e-3, 1e-2], max_nonzeros=6, cv=3).fit(X, y)
    parallel = BestSubsetRegressorCV(l2=[1e-3, 1e-2], max_nonzeros=6, cv=3, n_jobs=2).fit(X, y)
    selected = set(np.flatnonzero(serial.support_))
    assert set(support) <= selected and len(selected) <= len(support) + 1
    best = min(serial.mse_path_, key=lambda l2: serial.mse_path_[l2].mean(1).min())
    assert serial.l2_ == best
    assert serial.l0_ == serial.l0_grid_[best][np.argmin(serial.mse_path_[best].mean(1))]
    assert serial.l0_ == parallel.l0_ and serial.l2_ == parallel.l2_
    np.testing.assert_allclose(serial.coef_, parallel.coef_)
    assert set(serial.mse_path_) == {1e-3, 1e-2}


def test_compat_bnbtree_and_fit_path():
    x, y, b = l0bnb.gen_synthetic(150, 40, supp_size=4, rho=0.1, snr=10, seed=5)
    xc, yc = x - x.mean(0), y - y.mean()
    tree = l0bnb.BNBTree(xc, yc)
    sol = tree.solve(l0=5.0, l2=0.01, m=5.0, gap_tol=1e-4)
    ours = solve_best_subset(xc, yc, l0=5.0, l2=0.01, M=5.0)
    assert sol.cost == pytest.approx(ours.objective)
    assert sol.lower_bound <= sol.cost
    assert set(np.flatnonzero(sol.beta)) == set(np.flatnonzero(b))
    sols = l0bnb.fit_path(x, y, lambda_2=0.01, max_nonzeros=4)
    assert {"B", "B0", "lambda_0", "M", "Time_exceeded"} <= set(sols[0])
    last = sols[-1]
    assert np.count_nonzero(last["B"]) == 4
    pred = x @ last["B"] + last["B0"]
    assert np.corrcoef(pred, y)[0, 1] > 0.9
