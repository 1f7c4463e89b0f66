"""PenalizedLTSRegressor: scikit-learn conventions, bad input, equivariance, generators."""

import time

import numpy as np
import pytest

import l0bnb.lts._solve as trimmed_solve
from l0bnb import PenalizedLTSRegressor, SearchLimitWarning, solve_lts
from l0bnb.datasets import make_lts_instance
from l0bnb.engine.result import STATUSES
from l0bnb.lts.reference import lts_objective


def small(seed=0, n=30, p=2, contamination=0.2, **kw):
    return make_lts_instance(n, p, contamination=contamination, intercept=2.0, seed=seed, **kw)


def fit(X, y, **kw):
    kw.setdefault("n_starts", 50)
    kw.setdefault("time_limit", 60)
    return PenalizedLTSRegressor(**kw).fit(X, y)


def test_fit_attributes_and_inlier_mask():
    d = small()
    m = fit(d.X, d.y, trim_fraction=0.2)
    assert m.result_.status == "optimal"
    assert m.h_ == 24 and m.mu_ is None
    r = d.y - m.predict(d.X)
    # RANSACRegressor's meaning: True = inlier; exactly the h smallest |r|.
    assert m.inlier_mask_.dtype == bool and m.inlier_mask_.sum() == m.h_
    assert np.abs(r[m.inlier_mask_]).max() <= np.abs(r[~m.inlier_mask_]).min()
    assert np.array_equal(m.inlier_mask_, ~d.outliers)
    F = lts_objective(d.X, d.y, np.r_[m.intercept_, m.coef_], h=m.h_)
    assert m.result_.objective == pytest.approx(F, rel=1e-9)
    assert m.result_.bound <= m.result_.objective
    # C-step fixed point: the fit is least squares on its own inliers.
    A = np.c_[np.ones(m.h_), d.X[m.inlier_mask_]]
    ls = np.linalg.lstsq(A, d.y[m.inlier_mask_], rcond=None)[0]
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_], ls, rtol=1e-7, atol=1e-9)


def test_capped_mask_and_default_mu():
    d = small(seed=1)
    m = fit(d.X, d.y, mode="capped", l2=0.1)
    assert m.mu_ > 0 and m.h_ is None
    r = d.y - m.predict(d.X)
    np.testing.assert_array_equal(m.inlier_mask_, r**2 <= m.mu_)
    F = lts_objective(d.X, d.y, np.r_[m.intercept_, m.coef_], mode="capped", mu=m.mu_, l2=0.1)
    assert m.result_.objective == pytest.approx(F, rel=1e-9)


@pytest.mark.parametrize("l2", [0.0, 2.0])
def test_equivariance(l2):
    d = small(seed=2, n=20)
    kw = dict(n_inliers=16, l2=l2, gap_tol=1e-9)  # default box: 3 x heuristic coefficients
    base = fit(d.X, d.y, **kw)
    assert base.result_.status == "optimal"
    # y -> k y: coefficients and intercept scale by k, the objective by k^2.
    k = 3.0
    scaled = fit(d.X, k * d.y, **kw)
    np.testing.assert_allclose(scaled.coef_, k * base.coef_, rtol=1e-6, atol=1e-9)
    assert scaled.intercept_ == pytest.approx(k * base.intercept_, rel=1e-6)
    assert scaled.result_.objective == pytest.approx(k * k * base.result_.objective, rel=1e-6)
    # Shifting the columns of X changes only the intercept.
    shift = np.array([5.0, -3.0])
    moved = fit(d.X + shift, d.y, **kw)
    np.testing.assert_allclose(moved.coef_, base.coef_, rtol=1e-6, atol=1e-9)
    assert moved.intercept_ == pytest.approx(base.intercept_ - shift @ base.coef_, rel=1e-6)
    # Row order is irrelevant.
    perm = np.random.default_rng(0).permutation(len(d.y))
    shuffled = fit(d.X[perm], d.y[perm], **kw)
    np.testing.assert_allclose(shuffled.coef_, base.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(shuffled.inlier_mask_, base.inlier_mask_[perm])
    if l2 == 0:
        # y -> y + X v + c: coefficients move by v, the intercept by c (l2 = 0 only).
        v, c = np.array([0.5, -1.0]), 4.0
        tilted = fit(d.X, d.y + d.X @ v + c, **kw)
        np.testing.assert_allclose(tilted.coef_, base.coef_ + v, rtol=1e-6, atol=1e-9)
        assert tilted.intercept_ == pytest.approx(base.intercept_ + c, rel=1e-6)
        # X -> X / s: coefficients scale by s.
        s = 4.0
        rescaled = fit(d.X / s, d.y, **kw)
        np.testing.assert_allclose(rescaled.coef_, s * base.coef_, rtol=1e-6, atol=1e-9)


def test_node_limit_warns_and_heuristic_does_not(recwarn):
    d = small(seed=3, n=80, p=3, outlier_type="bad_leverage")
    with pytest.warns(SearchLimitWarning, match="node_limit"):
        m = fit(d.X, d.y, max_nodes=2)
    assert m.result_.status == "node_limit" and m.result_.n_nodes <= 2
    h = PenalizedLTSRegressor(solver="heuristic", n_starts=50).fit(d.X, d.y)
    assert h.result_.status == "heuristic" and h.result_.status in STATUSES
    assert h.result_.bound == 0.0
    assert not [w for w in recwarn if issubclass(w.category, SearchLimitWarning)]
    assert h.result_.objective >= m.result_.bound


def test_time_limit_is_honoured():
    d = make_lts_instance(400, 5, contamination=0.3, outlier_type="bad_leverage", seed=4)
    start = time.perf_counter()
    with pytest.warns(SearchLimitWarning):
        m = fit(d.X, d.y, time_limit=1.0, n_starts=20)
    assert time.perf_counter() - start < 4.0
    assert m.result_.status == "time_limit"
    assert np.isfinite(m.result_.objective) and m.result_.bound <= m.result_.objective


BAD = [
    (dict(n_inliers=10, trim_fraction=0.1), "at most one"),
    (dict(n_inliers=31), "out of range"),
    (dict(n_inliers=2), "out of range"),  # h <= p with l2 = 0
    (dict(n_inliers=2.5), "must be an int"),
    (dict(trim_fraction=1.0), "trim_fraction"),
    (dict(mode="median"), "mode"),
    (dict(mode="capped", mu=-1.0), "mu"),
    (dict(mode="capped", n_inliers=20), "trimmed' only"),
    (dict(mu=1.0), "capped' only"),
    (dict(l2=-1.0), "l2"),
    (dict(coef_bound=0.0), "coef_bound"),
    (dict(solver="gurobi"), "solver"),
    (dict(n_starts=0), "n_starts"),
    (dict(time_limit=-1), "time_limit"),
]


@pytest.mark.parametrize("params,match", BAD)
def test_bad_parameters_raise_before_solving(monkeypatch, params, match):
    def boom(*args, **kwargs):
        raise AssertionError("solving started on bad input")

    monkeypatch.setattr(trimmed_solve, "lts_heuristic", boom)
    d = small()
    with pytest.raises(ValueError, match=match):
        PenalizedLTSRegressor(**params).fit(d.X, d.y)


def test_bad_data_raise():
    d = small()
    X = d.X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PenalizedLTSRegressor().fit(X, d.y)
    with pytest.raises(ValueError, match="NaN|infinity"):
        solve_lts(X, d.y)
    with pytest.raises(ValueError, match="inconsistent"):
        solve_lts(d.X, d.y[:-1])
    with pytest.raises(ValueError, match="too small"):
        PenalizedLTSRegressor().fit(d.X[:3], d.y[:3])  # n = d = 3 with l2 = 0
    # With a ridge, fewer inliers than coefficients is well posed.
    m = PenalizedLTSRegressor(l2=1.0, n_inliers=2, n_starts=5, time_limit=20).fit(d.X[:6], d.y[:6])
    assert m.inlier_mask_.sum() == 2


def test_generators():
    for kind in ("vertical", "bad_leverage", "good_leverage", "clustered"):
        d = make_lts_instance(200, 4, contamination=0.15, outlier_type=kind, rho=0.5, seed=0)
        assert d.X.shape == (200, 4) and d.y.shape == (200,)
        assert d.outliers.sum() == 30
        if kind != "vertical":
            assert np.all(d.X[d.outliers].mean(axis=1) > 5)
    e = make_lts_instance(100, 3, snr=4.0, beta="random", sign="+-", seed=1)
    assert e.sigma == pytest.approx(np.sqrt(3 / 4.0))
    assert set(np.abs(e.coef)) == {1.0}
    np.testing.assert_array_equal(
        make_lts_instance(50, 2, seed=3).y, make_lts_instance(50, 2, seed=3).y
    )
    with pytest.raises(ValueError, match="contamination"):
        make_lts_instance(50, 2, contamination=0.6)
    with pytest.raises(ValueError, match="outlier_type"):
        make_lts_instance(50, 2, outlier_type="weird")
