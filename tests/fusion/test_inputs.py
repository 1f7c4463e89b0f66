"""Refit on the selected structure, input handling without pandas, bool columns, scale."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from l0bnb import CategoricalFusionRegressor
from l0bnb.datasets import make_categorical_regression
from l0bnb.fusion.brute_force import solve_fusion_brute_force

ROOT = Path(__file__).resolve().parents[2]


def _ols_on_groups(model, X, y):
    """Least squares with one column per fitted nonzero group and per nonzero coefficient."""
    cols = []
    for t, col in enumerate(model.categorical_features_):
        values = X.iloc[:, col].astype(object).to_numpy()
        for group in model.level_groups_[t][1:]:
            cols.append(np.isin(values, group).astype(float))
    for k in np.flatnonzero(model.coef_):
        cols.append(X.iloc[:, model.continuous_features_[k]].to_numpy(float))
    A = np.column_stack(cols + [np.ones(len(y))])
    return np.linalg.lstsq(A, y, rcond=None)[0]


def test_refit_values_are_least_squares_on_the_chosen_groups():
    d = make_categorical_regression(
        n_samples=1500, n_categorical=1, n_levels=30, n_groups=3, n_continuous=2,
        n_continuous_relevant=1, snr=4.0, random_state=0,
    )  # fmt: skip
    refit = CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)
    raw = CategoricalFusionRegressor(lf=0.01, refit=False).fit(d.X, d.y)
    assert refit.result_.status == "optimal"
    # The penalties choose the same structure and certify the same penalised problem.
    assert refit.result_.objective == raw.result_.objective
    assert refit.level_groups_[0][0] == raw.level_groups_[0][0]
    gamma = _ols_on_groups(refit, d.X, d.y)
    groups = refit.level_groups_[0][1:]
    values = [refit.level_values_[0][g[0]] for g in groups]
    np.testing.assert_allclose(values, gamma[: len(groups)], rtol=1e-8)
    np.testing.assert_allclose(refit.coef_[refit.coef_ != 0], gamma[len(groups) : -1], rtol=1e-8)
    assert refit.intercept_ == pytest.approx(gamma[-1], rel=1e-8, abs=1e-10)
    # Least squares removes the ridge shrinkage: group values move away from zero.
    shrunk = [raw.level_values_[0][g[0]] for g in raw.level_groups_[0][1:]]
    assert np.all(np.abs(values) > np.abs(shrunk))
    # And it fits the training data at least as well.
    assert np.mean((refit.predict(d.X) - d.y) ** 2) <= np.mean((raw.predict(d.X) - d.y) ** 2)


def test_readme_example_works_without_pandas():
    """pandas is optional: the data come as an object array, which fit reads as levels."""
    code = (
        "import sys, json; sys.modules['pandas'] = None\n"
        "from l0bnb import CategoricalFusionRegressor\n"
        "from l0bnb.datasets import make_categorical_regression\n"
        "d = make_categorical_regression(n_samples=800, n_levels=8, n_continuous=2,"
        " random_state=0)\n"
        "m = CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)\n"
        "print(json.dumps([type(d.X).__name__, m.level_groups_, m.result_.status,"
        " m.predict(d.X[:5]).tolist()]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "", "OPENBLAS_NUM_THREADS": "1"}, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    kind, groups, status, pred = json.loads(out.stdout.strip().splitlines()[-1])
    assert kind == "ndarray" and status == "optimal"
    d = make_categorical_regression(n_samples=800, n_levels=8, n_continuous=2, random_state=0)
    m = CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)
    assert groups == m.level_groups_
    np.testing.assert_allclose(pred, m.predict(d.X.head(5)), rtol=1e-9)


def test_bool_columns_are_categorical_in_every_input_form():
    rng = np.random.default_rng(0)
    b = rng.random(120) < 0.4
    z = rng.normal(size=120)
    y = 1.5 * b + 0.5 * z + rng.normal(size=120)
    frame = pd.DataFrame({"b": b, "z": z})
    fits = [
        CategoricalFusionRegressor().fit(frame, y),
        CategoricalFusionRegressor().fit(frame.to_numpy(dtype=object), y),
        CategoricalFusionRegressor(categorical_features=[0]).fit(np.column_stack([b, z]), y),
    ]
    for m in fits:
        assert list(m.categorical_features_) == [0]
        assert set(m.level_values_[0]) == {False, True}
        assert m.level_values_[0][True] == pytest.approx(fits[0].level_values_[0][True])
        np.testing.assert_allclose(m.coef_, fits[0].coef_, rtol=1e-9)
    # A bool-only array is all levels.
    only = CategoricalFusionRegressor().fit(np.column_stack([b, rng.random(120) < 0.5]), y)
    assert list(only.categorical_features_) == [0, 1]


def _small():
    d = make_categorical_regression(
        n_samples=60, n_categorical=2, n_levels=3, n_groups=2, n_continuous=1,
        n_continuous_relevant=1, snr=3.0, random_state=4,
    )  # fmt: skip
    return d.X, d.y


@pytest.mark.parametrize("scale", [1e-8, 1e-3, 1.0, 1e3, 1e8, 1e300])
def test_rescaling_y_changes_nothing_and_status_is_true(scale):
    X, y = _small()
    model = CategoricalFusionRegressor(lf=0.02, l2=1e-2, gap_tol=1e-9)
    model.fit(X, y * scale)
    data = model._prepare(X, y * scale)
    best, _ = solve_fusion_brute_force(data)
    ref = CategoricalFusionRegressor(lf=0.02, l2=1e-2, gap_tol=1e-9).fit(X, y)
    assert model.level_groups_ == ref.level_groups_
    assert model.result_.status == "optimal"
    assert model.result_.objective == pytest.approx(best, rel=1e-9)
    assert model.result_.bound <= best * (1 + 1e-9)
    assert model.result_.gap <= 1e-4
    for t in range(2):
        for lv, v in ref.level_values_[t].items():
            assert model.level_values_[t][lv] == pytest.approx(v * scale, rel=1e-7)


@pytest.mark.parametrize("scale", [1e-20, 1e-8, 1e8, 1e300])
def test_rescaling_a_continuous_column_changes_only_its_coefficient(scale):
    X, y = _small()
    ref = CategoricalFusionRegressor(lf=0.02, l2=1e-2).fit(X, y)
    Xs = X.assign(z0=X["z0"] * scale)
    model = CategoricalFusionRegressor(lf=0.02, l2=1e-2).fit(Xs, y)
    assert model.level_groups_ == ref.level_groups_
    assert model.coef_[0] * scale == pytest.approx(ref.coef_[0], rel=1e-7)


def test_nonfinite_inputs_give_clear_errors_and_huge_ones_work():
    X, y = _small()
    with pytest.raises(ValueError, match="infinity"):
        CategoricalFusionRegressor().fit(X, np.r_[np.inf, y[1:]])
    with pytest.raises(ValueError, match="NaN"):
        CategoricalFusionRegressor().fit(X, np.r_[np.nan, y[1:]])
    with pytest.raises(ValueError, match="NaN or infinity"):
        CategoricalFusionRegressor().fit(X.assign(z0=np.r_[np.inf, X["z0"][1:]]), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, even at the float64 limit
        for big in (y * 1e300, np.r_[1.7e308, -1.7e308, y[2:]]):
            m = CategoricalFusionRegressor().fit(X, big)
            assert np.isfinite(m.result_.objective) and np.all(np.isfinite(m.predict(X)))
