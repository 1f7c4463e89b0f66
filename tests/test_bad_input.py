"""Bad input gets a clear error before any solving starts."""

import numpy as np
import pytest
from scipy import sparse

from l0bnb import (
    BestSubsetRegressor,
    BestSubsetRegressorCV,
    best_subset_path,
    solve_best_subset,
    solve_lts,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(20, 5))
y = rng.normal(size=20)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(), "exactly one of l0"),
        (dict(l0=1.0, n_nonzero_coefs=2), "exactly one of l0"),
        (dict(l0=-1.0), "l0 must be"),
        (dict(l0=np.nan), "l0 must be"),
        (dict(l0=1.0, l2=-0.1), "l2 must be"),
        (dict(n_nonzero_coefs=6), "between 1 and n_features"),
        (dict(n_nonzero_coefs=0), "between 1 and n_features"),
        (dict(n_nonzero_coefs=2.5), "must be an integer"),
        (dict(l0=1.0, M=0.0), "M must be"),
        (dict(l0=1.0, M=-1.0), "M must be"),
        (dict(l0=1.0, time_limit=0), "time_limit"),
        (dict(l0=1.0, max_nodes=0), "max_nodes"),
        (dict(l0=1.0, gap_tol=2.0), "gap_tol"),
        (dict(l0=1.0, solver="gurobi"), "solver must be"),
        (dict(l0=1.0, warm_start=np.ones(3)), "warm_start"),
    ],
)
def test_solve_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_best_subset(X, y, **kwargs)


def test_bad_arrays():
    with pytest.raises(ValueError, match="NaN or infinity"):
        solve_best_subset(np.where(X > 1, np.nan, X), y, l0=1.0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        solve_best_subset(X, np.where(y > 1, np.inf, y), l0=1.0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        solve_best_subset(X, y[:-1], l0=1.0)
    with pytest.raises(ValueError, match="2-D"):
        solve_best_subset(X[:, 0], y, l0=1.0)
    with pytest.raises(ValueError, match="1-D"):
        solve_best_subset(X, y[:, None], l0=1.0)
    with pytest.raises(ValueError, match="all zero column"):
        solve_best_subset(np.column_stack([X, np.zeros(20)]), y, l0=1.0)
    with pytest.raises(ValueError, match="numeric"):
        solve_best_subset(np.full((20, 2), "a"), y, l0=1.0)
    # Strings that look like numbers were converted silently before.
    with pytest.raises(ValueError, match="holds strings"):
        solve_best_subset(X, y.astype(str), l0=1.0)
    with pytest.raises(ValueError, match="holds strings"):
        solve_best_subset(X.astype(str).astype(object), y, l0=1.0)
    with pytest.raises(TypeError, match="toarray"):
        solve_best_subset(sparse.csr_matrix(X), y, l0=1.0)
    # Squares of 1e300 overflow: NaN results before, a clear error now.
    with pytest.raises(ValueError, match="overflow float64"):
        solve_best_subset(X, y * 1e300, l0=1.0)
    with pytest.raises(ValueError, match="overflow float64"):
        solve_lts(X * 1e300, y)
    with pytest.raises(TypeError, match="toarray"):
        solve_lts(sparse.csr_matrix(X), y)


def test_estimator_rejects_constant_columns_and_bad_penalties():
    Xc = np.column_stack([X, np.full(20, 3.0)])
    with pytest.raises(ValueError, match="constant column"):
        BestSubsetRegressor(l0=1.0).fit(Xc, y)
    with pytest.raises(ValueError, match="exactly one of l0"):
        BestSubsetRegressor().fit(X, y)
    with pytest.raises(ValueError, match="between 1 and n_features"):
        BestSubsetRegressor(n_nonzero_coefs=9).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        BestSubsetRegressor(l0=1.0).fit(np.where(X > 1, np.nan, X), y)


def test_no_certified_big_m_without_ridge_on_wide_data():
    Xw = rng.normal(size=(10, 30))
    yw = rng.normal(size=10)
    with pytest.raises(ValueError, match="pass an explicit M"):
        solve_best_subset(Xw, yw, l0=0.5, l2=0.0)
    # With an explicit M, or with l2 > 0, the same data solves.
    assert solve_best_subset(Xw, yw, l0=0.5, l2=0.0, M=2.0, max_nodes=50).solution.shape == (30,)


def test_reference_needs_a_box():
    with pytest.raises(ValueError, match="explicit M"):
        solve_best_subset(X, y, l0=1.0, solver="reference")


def test_path_rejects_bad_grid():
    with pytest.raises(ValueError, match="decreasing"):
        best_subset_path(X, y, l0_grid=[0.1, 0.5])
    with pytest.raises(ValueError, match="max_nonzeros"):
        best_subset_path(X, y, max_nonzeros=0)
    # These gave IndexError / a matmul shape error from deep inside before.
    with pytest.raises(ValueError, match="non-empty"):
        best_subset_path(X, y, l0_grid=[])
    with pytest.raises(ValueError, match="n_l0 must be a positive integer"):
        best_subset_path(X, y, n_l0=0)
    with pytest.raises(ValueError, match="'n_l0' parameter"):
        BestSubsetRegressorCV(n_l0=0).fit(X, y)
    with pytest.raises(ValueError, match="'selection' parameter"):
        BestSubsetRegressorCV(selection="best").fit(X, y)


def test_estimators_refuse_text_and_huge_values():
    with pytest.raises(ValueError, match="holds strings"):
        BestSubsetRegressor(l0=1.0).fit(X, y.astype(str).astype(object))
    with pytest.raises(ValueError, match="overflow float64"):
        BestSubsetRegressor(l0=1.0).fit(X, y * 1e300)
