"""CategoricalFusionRegressor: scikit-learn conventions, attributes, path, bad input."""

import time

import numpy as np
import pandas as pd
import pytest

from l0bnb import CategoricalFusionRegressor, SearchLimitWarning
from l0bnb.datasets import fusion_metrics, make_categorical_regression


@pytest.fixture(scope="module")
def data():
    return make_categorical_regression(
        n_samples=240, n_categorical=2, n_levels=5, n_groups=2, n_continuous=2,
        n_continuous_relevant=1, snr=8.0, random_state=0,
    )  # fmt: skip


@pytest.fixture(scope="module")
def fitted(data):
    # The penalised solution itself, so F from public attributes can be checked.
    return CategoricalFusionRegressor(lf=0.02, l0=0.002, refit=False).fit(data.X, data.y)


def test_certified_and_recovers_groups(fitted, data):
    assert fitted.result_.status == "optimal"
    assert fitted.result_.bound <= fitted.result_.objective
    m = fusion_metrics(fitted, data)
    assert m["ari"] == 1.0
    assert m["n_values"] == 2


def test_objective_from_public_attributes(fitted, data):
    assert fitted.objective(data.X, data.y) == pytest.approx(fitted.result_.objective, rel=1e-10)


def test_predict_formula_and_groups(fitted, data):
    X = data.X
    manual = fitted.intercept_ + X[["z0", "z1"]].to_numpy() @ fitted.coef_
    for t, col in enumerate(["c0", "c1"]):
        manual += X[col].astype(object).map(fitted.level_values_[t]).to_numpy(float)
    np.testing.assert_allclose(fitted.predict(X), manual, rtol=1e-12)
    for values, groups in zip(fitted.level_values_, fitted.level_groups_, strict=False):
        assert all(values[lv] == 0.0 for lv in groups[0])
        prev = -np.inf
        for g in groups[1:]:
            vals = {values[lv] for lv in g}
            assert len(vals) == 1 and 0.0 not in vals
            assert vals.pop() > prev
            prev = values[g[0]]
        assert sorted(lv for g in groups for lv in g) == sorted(values)


def test_bcd_solver_is_never_better_than_bnb(fitted, data):
    bcd = CategoricalFusionRegressor(lf=0.02, l0=0.002, solver="bcd", refit=False)
    bcd.fit(data.X, data.y)
    assert bcd.result_.objective >= fitted.result_.objective * (1 - 1e-9)
    assert bcd.result_.bound <= fitted.result_.objective * (1 + 1e-9)
    assert bcd.objective(data.X, data.y) == pytest.approx(bcd.result_.objective, rel=1e-10)


def test_numeric_codes_array_equals_dataframe(fitted, data):
    codes = np.column_stack([data.X[c].cat.codes.to_numpy() for c in ("c0", "c1")])
    arr = np.column_stack([codes, data.X[["z0", "z1"]].to_numpy()])
    model = CategoricalFusionRegressor(lf=0.02, l0=0.002, categorical_features=[0, 1], refit=False)
    model.fit(arr, data.y)
    assert model.result_.objective == pytest.approx(fitted.result_.objective, rel=1e-6)
    np.testing.assert_allclose(model.predict(arr), fitted.predict(data.X), rtol=1e-6, atol=1e-8)


@pytest.mark.filterwarnings("ignore::l0bnb.SearchLimitWarning")
def test_no_intercept_objective_roundtrip(data):
    y = data.y + 2.0
    model = CategoricalFusionRegressor(lf=0.02, fit_intercept=False, max_nodes=200, refit=False)
    model.fit(data.X, y)
    assert model.intercept_ == 0.0
    assert model.objective(data.X, y) == pytest.approx(model.result_.objective, rel=1e-10)


def test_unseen_levels(fitted, data):
    X = data.X.head(5).copy()
    X["c0"] = X["c0"].astype(object)
    X.loc[X.index[0], "c0"] = "never-seen"
    pred = fitted.predict(X)
    base = fitted.intercept_ + X[["z0", "z1"]].iloc[0].to_numpy() @ fitted.coef_
    base += fitted.level_values_[1][X["c1"].iloc[0]]
    assert pred[0] == pytest.approx(base)  # unseen level -> value 0 (the zero group)
    strict = CategoricalFusionRegressor(lf=0.02, handle_unknown="error", solver="bcd")
    strict.fit(data.X, data.y)
    with pytest.raises(ValueError, match="unseen in fit"):
        strict.predict(X)


def test_unobserved_pandas_category_gets_zero(data):
    X = data.X.copy()
    X["c0"] = X["c0"].cat.add_categories(["extra"])
    model = CategoricalFusionRegressor(lf=0.02, solver="bcd", handle_unknown="error")
    model.fit(X, data.y)
    assert "extra" not in model.level_values_[0]
    Xp = X.head(2).copy()
    Xp.loc[Xp.index[0], "c0"] = "extra"
    model.predict(Xp)  # declared category: predicts with 0, no error


def test_path_is_warm_started_and_grows(data):
    model = CategoricalFusionRegressor(solver="bcd", refit=False)
    path = model.path(data.X, data.y, n_lf=6)
    assert np.all(np.diff(path.lf) < 0)
    assert path.n_groups[0] <= path.n_groups[-1]
    est = path.estimator(len(path.lf) - 1)
    assert est.lf == path.lf[-1]
    assert est.objective(data.X, data.y) == pytest.approx(path.results[-1].objective, rel=1e-10)


def test_limits_warn_and_time_limit_is_honoured():
    d = make_categorical_regression(
        n_samples=300, n_categorical=2, n_levels=10, n_groups=3, snr=1.0, random_state=3
    )
    with pytest.warns(SearchLimitWarning):  # warm-up compilation
        CategoricalFusionRegressor(max_nodes=5).fit(d.X, d.y)
    start = time.perf_counter()
    with pytest.warns(SearchLimitWarning, match="time_limit"):
        model = CategoricalFusionRegressor(time_limit=1.0).fit(d.X, d.y)
    assert time.perf_counter() - start <= 1.0 + 1.0
    assert model.result_.bound <= model.result_.objective


# ----------------------------------------------------------------------------- bad input


def _frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"c": rng.choice(["a", "b", "c"], 30), "z": rng.normal(size=30)})


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(l0=-1.0), "l0 must be"),
        (dict(lf=np.nan), "lf must be"),
        (dict(l2=0.0), "needs l2 > 0"),
        (dict(solver="gurobi"), "solver must be"),
        (dict(handle_unknown="ignore"), "handle_unknown"),
        (dict(refit="yes"), "refit must be"),
        (dict(time_limit=0), "time_limit"),
        (dict(max_nodes=0), "max_nodes"),
        (dict(categorical_features=["nope"]), "unknown column"),
        (dict(categorical_features=[5]), "out of range"),
        (dict(categorical_features="yes"), "categorical_features must be"),
    ],
)
def test_bad_parameters(kwargs, match):
    X = _frame()
    with pytest.raises(ValueError, match=match):
        CategoricalFusionRegressor(**kwargs).fit(X, np.arange(30.0))


def test_bad_data():
    X, y = _frame(), np.arange(30.0)
    Xn = X.copy()
    Xn.loc[3, "c"] = None
    with pytest.raises(ValueError, match="missing values"):
        CategoricalFusionRegressor().fit(Xn, y)
    with pytest.raises(ValueError, match="single observed level"):
        CategoricalFusionRegressor().fit(X.assign(c="a"), y)
    with pytest.raises(ValueError, match="constant"):
        CategoricalFusionRegressor().fit(X.assign(z=1.0), y)
    with pytest.raises(ValueError, match="NaN or infinity"):
        CategoricalFusionRegressor().fit(X.assign(z=np.r_[np.nan, X.z[1:]]), y)
    arr = np.column_stack([np.r_[0.5, np.zeros(29)] + np.arange(30) % 3, X.z])
    with pytest.raises(ValueError, match="integer codes"):
        CategoricalFusionRegressor(categorical_features=[0]).fit(arr, y)
    obj = np.column_stack([X.c.to_numpy(), X.c.to_numpy()]).astype(object)
    with pytest.raises(TypeError, match="not numeric"):
        CategoricalFusionRegressor(categorical_features=[0]).fit(obj, y)
    with pytest.raises(ValueError, match="NaN"):
        CategoricalFusionRegressor().fit(X, np.r_[np.nan, y[1:]])
