"""RuleExtractor: scikit-learn conventions, harvesting semantics, readable rules, certificates."""

import re

import numpy as np
import pytest
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)

from l0bnb import RuleExtractor, SearchLimitWarning
from l0bnb.datasets import make_rule_regression
from l0bnb.engine.result import STATUSES
from l0bnb.rules._harvest import harvest

SMALL_FOREST = RandomForestRegressor(n_estimators=4, max_depth=2, random_state=0)


def data(n=200, seed=0):
    d = make_rule_regression(n_samples=n, n_features=6, n_rules=3, snr=5.0, random_state=seed)
    return d.X, d.y


def test_membership_equals_decision_path_at_thresholds_and_with_nan():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(300, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X[:, 0], nan=0.3) + rng.normal(size=300) * 0.1
    rf = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    pool = harvest(rf)
    # New rows at every threshold, one float64 ulp either side, and NaN.
    thr = pool.threshold[pool.left >= 0]
    feat = pool.feature[pool.left >= 0]
    rows = []
    for f, t in zip(feat, thr, strict=True):
        for value in (t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), np.nan):
            row = rng.uniform(size=4)
            row[f] = value
            rows.append(row)
    for Z in (X, np.array(rows)):
        indptr, indices = pool.membership(Z)
        dp = rf.decision_path(Z)[0].tocsc()
        np.testing.assert_array_equal(dp.indptr, indptr)
        for v in range(pool.n_nodes):
            got = indices[indptr[v] : indptr[v + 1]]
            np.testing.assert_array_equal(
                np.sort(dp.indices[dp.indptr[v] : dp.indptr[v + 1]]), got
            )


@pytest.mark.parametrize(
    "model",
    [
        GradientBoostingRegressor(n_estimators=5, max_depth=2, random_state=0),
        ExtraTreesRegressor(n_estimators=3, max_depth=3, random_state=0),
        HistGradientBoostingRegressor(max_iter=5, max_depth=3, random_state=0),
    ],
)
def test_other_ensembles_reproduce_their_predictions(model):
    X, y = data()
    X[::7, 1] = np.nan if isinstance(model, HistGradientBoostingRegressor) else X[::7, 1]
    model.fit(X, y)
    pool = harvest(model)
    indptr, indices = pool.membership(X)
    leaves = np.flatnonzero(pool.left < 0)
    assert np.all(
        np.bincount(
            indices[np.concatenate([np.arange(indptr[v], indptr[v + 1]) for v in leaves])],
            minlength=len(y),
        )
        == pool.n_trees
    )
    if isinstance(model, HistGradientBoostingRegressor):
        values = np.concatenate([p[0].nodes["value"] for p in model._predictors])
        pred = np.full(len(y), model._baseline_prediction.ravel()[0])
    elif isinstance(model, GradientBoostingRegressor):
        values = np.concatenate([e.tree_.value.ravel() for e in model.estimators_[:, 0]])
        values = values * model.learning_rate
        pred = np.full(len(y), float(model.init_.constant_.ravel()[0]))
    else:
        values = np.concatenate([e.tree_.value.ravel() for e in model.estimators_]) / pool.n_trees
        pred = np.zeros(len(y))
    for v in leaves:
        pred[indices[indptr[v] : indptr[v + 1]]] += values[v]
    np.testing.assert_allclose(pred, model.predict(X), rtol=1e-10, atol=1e-10)


def parse(text):
    """An independent reading of a printed rule: ``(name, op, value)`` triples."""
    out = []
    for part in text.split(" and "):
        m = re.fullmatch(r"(\S+) < (\S+) <= (\S+)", part)
        if m:
            out += [(m[2], ">", m[1]), (m[2], "<=", m[3])]
        else:
            out.append(tuple(part.split(" ")))
    return out


def parse_and_apply(text, names, X, float32=True):
    """Apply a printed rule by hand, comparing ``float32(x)`` (as documented) or ``x``."""
    ok = np.ones(X.shape[0], dtype=bool)
    Z = X.astype(np.float32).astype(np.float64) if float32 else X
    for name, op, value in parse(text):
        col = Z[:, names.index(name)]
        ok &= col <= float(value) if op == "<=" else col > float(value)
    return ok


def significant(value):
    return len(re.sub(r"[^0-9]", "", value.split("e")[0]).strip("0")) or 1


def fewer_digits_separate(value, col):
    """Whether a decimal with fewer significant digits than ``value`` splits ``col`` alike."""
    digits = significant(value)
    t = float(value)
    left = col <= t
    lo, hi = col[left].max(initial=-np.inf), col[~left].min(initial=np.inf)
    for d in range(1, digits):
        top = int(np.floor(np.log10(max(abs(lo), abs(hi), 1e-300)))) + 1
        for e in range(top - 3, top + 1):
            step = 10.0 ** (e - d + 1)
            for s in np.arange(np.floor(lo / step) - 1, np.ceil(hi / step) + 2) * step:
                s = float(f"{s:.{d}g}")
                if np.array_equal(col <= s, left):
                    return True
    return False


def test_printed_rules_are_short_and_keep_the_training_rows_exact_values_in_rules():
    X, y = data(seed=1)
    Xtest, _ = data(seed=2)
    forest = RandomForestRegressor(n_estimators=6, max_depth=3, random_state=1)
    model = RuleExtractor(forest, n_rules=5, solver="path").fit(X, y)
    names = [f"x{j}" for j in range(X.shape[1])]
    texts = model.get_feature_names_out()
    # Same rows as the exact rule on the training data, read in float32 or float64.
    for float32 in (True, False):
        by_hand = np.column_stack([parse_and_apply(t, names, X, float32) for t in texts])
        np.testing.assert_array_equal(by_hand, model.transform(X))
    # Shortest: no decimal with fewer significant digits splits the training column alike.
    digits = []
    for text in texts:
        for name, _, value in parse(text):
            col = X[:, names.index(name)]
            assert not fewer_digits_separate(value, col), (text, value)
            digits.append(significant(value))
    assert max(digits) <= 6
    # The exact thresholds stay in rules_: exact texts reproduce transform on new data too.
    thresholds = set(harvest(model.estimator_).threshold.tolist())
    for rule in model.rules_:
        for c in rule.conditions:
            assert {b for b in (c.lower, c.upper) if np.isfinite(b)} <= thresholds
    for Z in (X, Xtest):
        by_hand = np.column_stack(
            [parse_and_apply(r.exact_text, names, Z) for r in model.rules_]
        ).astype(float)
        np.testing.assert_array_equal(by_hand, model.transform(Z))
        np.testing.assert_allclose(model.predict(Z), model.intercept_ + by_hand @ model.coef_)
    assert "intercept" in str(model) and model.rules_[0].text in str(model)


def test_constraints_and_objective_from_public_attributes():
    X, y = data(seed=3)
    forest = RandomForestRegressor(n_estimators=5, max_depth=3, random_state=3)
    model = RuleExtractor(
        forest, n_rules=4, l0=0.001, depth_penalty=0.002, max_depth=2, refit=False, time_limit=20
    ).fit(X, y)
    rules = model.rules_
    assert 1 <= len(rules) <= 4 and all(r.depth <= 2 for r in rules)
    pool = harvest(model.estimator_)
    for a in rules:
        for b in rules:
            if a is not b and a.tree == b.tree:
                anc = [s for s, _ in pool.path(int(pool.tree_start[b.tree] + b.node))]
                assert pool.tree_start[a.tree] + a.node not in anc
    T = model.transform(X)
    r = (y - model.intercept_ - T @ model.coef_) / model.y_scale_
    w = model.coef_ / model.y_scale_
    F = 0.5 * np.mean(r**2) + model.l2_ * w @ w
    F += sum(model.l0 + model.depth_penalty_ * rule.depth for rule in rules)
    assert F == pytest.approx(model.result_.objective, rel=1e-10)
    assert model.result_.status == "optimal"
    assert model.result_.bound <= model.result_.objective


def test_depth_measure_features_counts_distinct_features():
    X, y = data(seed=9)
    forest = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=9)
    model = RuleExtractor(forest, n_rules=4, depth_measure="features", solver="path").fit(X, y)
    for rule in model.rules_:
        assert rule.depth == len(rule.conditions)


def test_bnb_certifies_and_beats_or_ties_path():
    X, y = data(seed=4)
    forest = RandomForestRegressor(n_estimators=4, max_depth=2, random_state=4)
    exact = RuleExtractor(forest, n_rules=3, gap_tol=1e-9).fit(X, y)
    path = RuleExtractor(forest, n_rules=3, solver="path").fit(X, y)
    assert exact.result_.status == "optimal"
    assert exact.result_.objective <= path.result_.objective + 1e-12
    # The path has no search: it reports the engine's ``heuristic`` status with a valid bound.
    assert path.result_.status == "heuristic" and path.result_.status in STATUSES
    assert path.result_.bound == 0.0 <= exact.result_.objective
    assert path.result_.gap == 1.0


def test_refit_keeps_solution_weights_and_least_squares():
    X, y = data(seed=5)
    model = RuleExtractor(SMALL_FOREST, n_rules=3, refit=True).fit(X, y)
    T = model.transform(X)
    A = np.column_stack([np.ones(len(y)), T])
    ls = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ls[1:], rtol=1e-6)
    assert model.solution_coef_.shape == model.coef_.shape


def test_path_and_select():
    X, y = data(seed=6)
    forest = RandomForestRegressor(n_estimators=5, max_depth=2, random_state=6)
    path = RuleExtractor(forest).path(X, y, max_rules=8)
    assert np.all(np.diff(path.n_rules) >= 0) and path.n_rules.max() <= 8
    chosen = path.select(n_rules=4)
    assert len(chosen.rules_) <= 4
    assert chosen.result_.status == "heuristic" and chosen.result_.bound == 0.0
    np.testing.assert_allclose(
        chosen.predict(X), chosen.intercept_ + chosen.transform(X) @ chosen.coef_
    )
    exact = RuleExtractor(forest).path(X, y, max_rules=4, n_l0=6, solver="bnb")
    assert np.all(exact.bound <= exact.objective + 1e-12)


def test_prefit_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = data(seed=7)
    frame = pd.DataFrame(X, columns=[f"f_{j}" for j in range(X.shape[1])])
    forest = RandomForestRegressor(n_estimators=3, max_depth=2, random_state=0).fit(frame, y)
    model = RuleExtractor(forest, prefit=True, n_rules=2).fit(frame, y)
    assert model.estimator_ is forest
    assert all("f_" in name for name in model.get_feature_names_out())
    assert list(model.rules_to_frame().columns) == ["rule", "coef", "support", "depth"]


def test_node_limit_warns():
    X, y = data(seed=8)
    forest = RandomForestRegressor(n_estimators=20, max_depth=3, random_state=0)
    with pytest.warns(SearchLimitWarning, match="node_limit"):
        RuleExtractor(forest, n_rules=8, max_nodes=2, gap_tol=1e-9).fit(X, y)


class TestBadInput:
    X, y = data(n=60)

    @pytest.mark.parametrize(
        "kwargs,match",
        [
            (dict(n_rules=0), "'n_rules' parameter .* must be"),
            (dict(n_rules=2.5), "'n_rules' parameter .* must be"),
            (dict(n_rules=None, depth_penalty=0.0), "needs l0 > 0"),
            (dict(cv=1), "'cv' parameter .* must be"),
            (dict(refit="yes"), "'refit' parameter .* must be"),
            (dict(l0=-1.0), "'l0' parameter .* must be"),
            (dict(depth_penalty=np.nan), "'depth_penalty' parameter .* must be"),
            (dict(l2=0.0), "needs l2 > 0"),
            (dict(solver="gurobi"), "'solver' parameter .* must be"),
            (dict(depth_measure="leaves"), "depth_measure"),
            (dict(max_depth=0), "max_depth"),
            (dict(time_limit=0), "time_limit"),
            (dict(max_nodes=0), "max_nodes"),
        ],
    )
    def test_bad_parameters(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            RuleExtractor(SMALL_FOREST, **kwargs).fit(self.X, self.y)

    def test_unfitted_prefit(self):
        with pytest.raises(ValueError, match="not fitted"):
            RuleExtractor(RandomForestRegressor(), prefit=True).fit(self.X, self.y)

    def test_unsupported_models(self):
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.linear_model import Ridge

        labels = (self.y > 0).astype(int)
        with pytest.raises(TypeError, match="classifier"):
            RuleExtractor(RandomForestClassifier(n_estimators=2)).fit(self.X, labels)
        with pytest.raises(TypeError, match="not a supported tree ensemble"):
            RuleExtractor(Ridge()).fit(self.X, self.y)
        multi = RandomForestRegressor(n_estimators=2).fit(self.X, np.c_[self.y, self.y])
        with pytest.raises(TypeError, match="several outputs"):
            RuleExtractor(multi, prefit=True).fit(self.X, self.y)
        hist = HistGradientBoostingRegressor(max_iter=2, categorical_features=[0])
        Xc = self.X.copy()
        Xc[:, 0] = np.arange(len(Xc)) % 3
        with pytest.raises(ValueError, match="categorical"):
            RuleExtractor(hist).fit(Xc, self.y + 5.0 * (Xc[:, 0] == 1))

    def test_nan_inf_and_shapes(self):
        bad = self.X.copy()
        bad[0, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            RuleExtractor(SMALL_FOREST).fit(bad, self.y)
        bad[0, 0] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            RuleExtractor(SMALL_FOREST).fit(bad, self.y)
        with pytest.raises(ValueError, match="inconsistent"):
            RuleExtractor(SMALL_FOREST).fit(self.X, self.y[:-1])
        model = RuleExtractor(SMALL_FOREST, n_rules=2).fit(self.X, self.y)
        with pytest.raises(ValueError, match="features"):
            model.predict(self.X[:, :3])
        with pytest.raises(ValueError, match="NaN"):
            model.predict(np.where(self.X > 0.5, np.nan, self.X))


def test_lightgbm_membership_reproduces_its_predictions_with_nan():
    lgb = pytest.importorskip("lightgbm")
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(300, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = 3 * np.nan_to_num(X[:, 0], nan=0.5) + rng.normal(size=300) * 0.1
    model = lgb.LGBMRegressor(n_estimators=4, num_leaves=6, verbose=-1, n_jobs=1).fit(X, y)
    pool = harvest(model)
    indptr, indices = pool.membership(X)
    values = []

    def collect(node):
        if "split_index" not in node:
            values.append(node["leaf_value"])
            return
        values.append(0.0)
        collect(node["left_child"])
        collect(node["right_child"])

    for info in model.booster_.dump_model()["tree_info"]:
        collect(info["tree_structure"])
    pred = np.zeros(len(y))
    for v in np.flatnonzero(pool.left < 0):
        pred[indices[indptr[v] : indptr[v + 1]]] += values[v]
    np.testing.assert_allclose(pred, model.predict(X), rtol=1e-12, atol=1e-12)
    fitted = RuleExtractor(model, prefit=True, n_rules=3).fit(np.nan_to_num(X, nan=0.5), y)
    assert all(c.dtype == "float64" for r in fitted.rules_ for c in r.conditions)


def test_xgboost_membership_reproduces_its_predictions_with_nan():
    xgb = pytest.importorskip("xgboost")
    import json

    rng = np.random.default_rng(1)
    X = rng.uniform(size=(300, 4))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = 3 * np.nan_to_num(X[:, 0], nan=0.5) + rng.normal(size=300) * 0.1
    model = xgb.XGBRegressor(n_estimators=4, max_depth=3, n_jobs=1).fit(X, y)
    pool = harvest(model)
    indptr, indices = pool.membership(X)
    values = []

    def collect(node):
        values.append(node.get("leaf", 0.0))
        if "children" in node:
            kids = {c["nodeid"]: c for c in node["children"]}
            collect(kids[node["yes"]])
            collect(kids[node["no"]])

    for text in model.get_booster().get_dump(dump_format="json"):
        collect(json.loads(text))
    pred = np.zeros(len(y))
    for v in np.flatnonzero(pool.left < 0):
        pred[indices[indptr[v] : indptr[v + 1]]] += values[v]
    offset = model.predict(X, output_margin=True) - pred
    assert np.ptp(offset) < 1e-5  # the same leaves for every row; offset = base score
    assert pool.strict and pool.cast32


def test_time_limit_is_honoured():
    import time

    X, y = data(n=300, seed=10)
    forest = RandomForestRegressor(n_estimators=40, max_depth=3, random_state=0).fit(X, y)
    RuleExtractor(forest, prefit=True, n_rules=2, max_nodes=2).fit(X, y)  # warm-up
    start = time.perf_counter()
    with pytest.warns(SearchLimitWarning, match="time_limit"):
        model = RuleExtractor(forest, prefit=True, n_rules=15, l2=1e-3, time_limit=1.0)
        model.fit(X, y)
    assert time.perf_counter() - start < 1.0 + 3.0  # generous: the test machine is shared
    assert model.result_.bound <= model.result_.objective
