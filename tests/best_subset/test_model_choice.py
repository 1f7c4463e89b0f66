"""Model choice along the path: information criteria and the one-standard-error rule."""

import numpy as np

from l0bnb import BestSubsetRegressorCV, best_subset_path
from l0bnb._estimator import information_criterion
from l0bnb.datasets import make_sparse_regression


def test_path_information_criteria_use_the_fitted_rss():
    d = make_sparse_regression(n_samples=300, n_features=15, k=3, snr=20.0, random_state=4)
    path = best_subset_path(d.X, d.y, l2=1e-3, max_nonzeros=6)
    Xc, yc = d.X - d.X.mean(0), d.y - d.y.mean()
    rss = np.array([np.sum((yc - Xc @ b) ** 2) for b in path.coef])
    np.testing.assert_allclose(path.rss, rss, rtol=1e-10)
    bic = path.information_criterion("bic")
    np.testing.assert_allclose(bic, information_criterion(rss, 300, path.n_nonzeros, 15, "bic"))
    # With a clear signal BIC picks the true size, and EBIC is never less sparse than BIC.
    assert path.n_nonzeros[np.argmin(bic)] == 3
    ebic = path.information_criterion("ebic")
    assert path.n_nonzeros[np.argmin(ebic)] <= path.n_nonzeros[np.argmin(bic)]


def test_one_standard_error_rule_is_never_less_sparse():
    d = make_sparse_regression(n_samples=80, n_features=12, k=3, snr=2.0, random_state=1)
    kw = dict(l2=1e-2, max_nonzeros=6, cv=4, max_nodes=200)
    best = BestSubsetRegressorCV(**kw).fit(d.X, d.y)
    sparse = BestSubsetRegressorCV(selection="one_se", **kw).fit(d.X, d.y)
    assert sparse.support_.sum() <= best.support_.sum()
    mse = sparse.mse_path_[sparse.l2_]
    j = int(np.flatnonzero(sparse.l0_grid_[sparse.l2_] == sparse.l0_)[0])
    i = int(np.argmin(mse.mean(axis=1)))
    se = mse[i].std(ddof=1) / np.sqrt(mse.shape[1])
    assert mse[j].mean() <= mse[i].mean() + se + 1e-12
    # The selected model is the certified full-data path point at the chosen penalties.
    assert sparse.result_.status == "optimal"
    np.testing.assert_array_equal(sparse.coef_, sparse.result_.solution)
