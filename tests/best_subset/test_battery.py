"""Engine = brute force = Pyomo/HiGHS reference on a battery of small best-subset instances."""

import itertools
import time

import numpy as np
import pytest
from scipy.optimize import lsq_linear

from l0bnb import BestSubsetRegressor, solve_best_subset
from l0bnb.best_subset._problem import BestSubsetProblem
from l0bnb.reference import box_ridge
from tests.best_subset.instances import small_instance
from tests.node_bounds import assert_valid, record_relaxations

# (seed, l0, l2, M factor of max|OLS| (None: certified default), k) -- both forms, l2 = 0
# and > 0, tight boxes (coefficients on the box) and loose ones, the l1 regime l0/l2 > M^2.
BATTERY = [
    (0, 2.0, 0.0, 1.5, None),
    (1, 2.0, 0.01, 0.6, None),
    (2, 5.0, 0.1, None, None),
    (3, 1.0, 0.01, 0.5, None),
    (4, 0.5, 1.0, None, None),
    (5, 8.0, 0.0, 3.0, None),
    (6, None, 0.0, 1.2, 3),
    (7, None, 0.05, 0.6, 2),
    (8, None, 0.5, None, 4),
    (9, None, 0.01, 0.5, 3),
    (10, 3.0, 0.001, 0.4, None),
    (11, None, 0.0, None, 2),
]


def list_supports(monkeypatch, mode):
    """Where the engine may solve a node by listing its supports: ``"default"``, ``"off"``
    (every node relaxed, so the relaxations are what is tested) or ``"nodes"`` (not the
    root: small subtrees below it are listed)."""
    if mode == "default":
        return
    monkeypatch.setattr(BestSubsetProblem, "root_enumeration_limit", -1)
    monkeypatch.setattr(BestSubsetProblem, "enumeration_limit", -1 if mode == "off" else 30)


def box_for(X, y, factor):
    if factor is None:
        return None
    return factor * np.max(np.abs(np.linalg.lstsq(X, y, rcond=None)[0]))


@pytest.mark.parametrize("listing", ["default", "off", "nodes"])
@pytest.mark.parametrize("seed,l0,l2,factor,k", BATTERY)
def test_engine_matches_brute_force(seed, l0, l2, factor, k, listing, monkeypatch):
    list_supports(monkeypatch, listing)
    X, y = small_instance(seed)
    M = box_for(X, y, factor)
    engine = solve_best_subset(X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, gap_tol=1e-9)
    brute = solve_best_subset(X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, solver="brute_force")
    assert engine.status == "optimal"
    assert engine.objective == pytest.approx(brute.objective, rel=1e-6)
    assert engine.bound <= brute.objective * (1 + 1e-9)
    assert engine.gap == pytest.approx(
        (engine.objective - engine.bound) / abs(engine.objective), abs=1e-12
    )
    # The returned solution's own objective is the reported one.
    b = engine.solution
    assert np.all(np.abs(b) <= engine.info["M"] * (1 + 1e-9))
    if k is not None:
        assert np.count_nonzero(b) <= k
    own = 0.5 * np.sum((y - X @ b) ** 2) + l2 * b @ b + (l0 or 0.0) * np.count_nonzero(b)
    assert own == pytest.approx(engine.objective, rel=1e-9)


@pytest.mark.parametrize("seed,l0,l2,factor,k", [BATTERY[i] for i in (0, 1, 3, 7, 9)])
def test_engine_matches_highs_reference(seed, l0, l2, factor, k):
    X, y = small_instance(seed)
    M = box_for(X, y, factor)
    engine = solve_best_subset(X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, gap_tol=1e-9)
    ref = solve_best_subset(
        X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, solver="reference", gap_tol=1e-8
    )
    assert ref.status == "optimal"
    assert engine.objective == pytest.approx(ref.objective, rel=1e-6)
    assert engine.bound <= ref.objective * (1 + 1e-7)


def fit_value(X, y, l2, M, S):
    """Box-constrained ridge value on support ``S``; ``M`` scalar or one box per column."""
    if np.ndim(M) == 0:
        return box_ridge(X, y, l2, M, np.array(S, dtype=int))[1]
    if not S:
        return 0.5 * float(y @ y)
    cols = list(S)
    A = np.vstack([X[:, cols], np.sqrt(2.0 * l2) * np.eye(len(cols))])
    rhs = np.concatenate([y, np.zeros(len(cols))])
    box = np.asarray(M)[cols]
    b = lsq_linear(A, rhs, bounds=(-box, box), method="bvls", tol=1e-13).x
    r = y - X[:, cols] @ b
    return 0.5 * float(r @ r) + l2 * float(b @ b)


def support_objectives(X, y, l0, l2, M, k):
    p = X.shape[1]
    table = {}
    for size in range(p + 1):
        if k is not None and size > k:
            break
        for S in itertools.combinations(range(p), size):
            table[frozenset(S)] = fit_value(X, y, l2, M, S) + (l0 or 0.0) * size
    return table


# (seed, l0, l2, M factor, k, rho of the design, curvature): the l1-regime cases with and
# without the curvature of X^T X in the perspective, and l2 = 0 cases on correlated designs
# (certified per-coordinate boxes or a given box) where the split still needs branching.
NODE_CASES = [BATTERY[i] + (0.3, c) for i in (1, 3, 7, 9, 10) for c in ("none", "auto")] + [
    (1, None, 0.0, None, 3, 0.8, "auto"),
    (1, 3.0, 0.0, None, None, 0.8, "auto"),
    (9, None, 0.0, 1.5, 3, 0.8, "auto"),
    (9, 3.0, 0.0, 1.5, None, 0.8, "equilibrated"),
    (5, None, 0.02, None, 3, 0.8, "sdp"),
    (11, 3.0, 0.0, None, None, 0.8, "none"),
]


@pytest.mark.parametrize("listing", ["off", "nodes"])
@pytest.mark.parametrize("seed,l0,l2,factor,k,rho,curvature", NODE_CASES)
def test_every_node_bound_is_valid(seed, l0, l2, factor, k, rho, curvature, listing, monkeypatch):
    """Each node's bound <= the best completion of that node (checked by enumeration); a
    node solved by listing its supports is bounded by exactly that best completion."""
    list_supports(monkeypatch, listing)
    X, y = small_instance(seed, p=8, rho=rho)
    M = box_for(X, y, factor)
    if l0 is not None and l2 > 0:
        assert l0 / l2 > M**2  # these cases sit in the l1 regime with a binding box
    records = record_relaxations(BestSubsetProblem, monkeypatch)
    result = solve_best_subset(
        X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, gap_tol=1e-9, curvature=curvature
    )
    # Node bounds are bounds of the boxed problem the engine solved (certified boxes included).
    table = support_objectives(X, y, l0, l2, result.info["boxes"], k)
    optimum = min(table.values())
    assert result.objective == pytest.approx(optimum, rel=1e-7)
    assert result.bound <= optimum * (1 + 1e-9)
    if result.info["curvature"] == "none" or rho > 0.5:
        assert len(records) > 1
    for record in records:
        zeros, ones = set(record.state[0].tolist()), set(record.state[1].tolist())
        removed = record.relaxation.removed_bound
        fz = record.relaxation.info.get("force_zero", [])
        fo = record.relaxation.info.get("force_one", [])
        completions = [v for S, v in table.items() if ones <= S and not (zeros & S)]
        if not completions:
            continue
        assert_valid(record.bound, min(completions), scale=0.5 * float(y @ y))
        if record.relaxation.info.get("listed"):
            assert record.bound == pytest.approx(min(completions), rel=1e-9)
            assert record.relaxation.candidate[0] == pytest.approx(min(completions), rel=1e-9)
        # Reduced-cost fixing only removes completions at least as costly as its bound.
        for i in fz:
            sub = [v for S, v in table.items() if ones <= S and not (zeros & S) and i in S]
            if sub:
                assert min(sub) >= removed * (1 - 1e-9) - 1e-12
        for i in fo:
            sub = [v for S, v in table.items() if ones <= S and not (zeros & S) and i not in S]
            if sub:
                assert min(sub) >= removed * (1 - 1e-9) - 1e-12


@pytest.mark.parametrize("branching", ["fractional", "strong", "product"])
@pytest.mark.parametrize("case", [NODE_CASES[i] for i in (0, 4, 10, 13, 14)])
def test_branching_rules_reach_the_optimum_with_valid_bounds(case, branching, monkeypatch):
    seed, l0, l2, factor, k, rho, curvature = case
    list_supports(monkeypatch, "off")
    monkeypatch.setattr(BestSubsetProblem, "branching", branching)
    monkeypatch.setattr(BestSubsetProblem, "strong_gap", 0.0)  # strong branching everywhere
    monkeypatch.setattr(BestSubsetProblem, "strong_depth", 100)
    X, y = small_instance(seed, p=8, rho=rho)
    M = box_for(X, y, factor)
    records = record_relaxations(BestSubsetProblem, monkeypatch)
    result = solve_best_subset(
        X, y, l0=l0, l2=l2, M=M, n_nonzero_coefs=k, gap_tol=1e-9, curvature=curvature
    )
    table = support_objectives(X, y, l0, l2, result.info["boxes"], k)
    optimum = min(table.values())
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, rel=1e-7)
    assert len(records) > 1
    for record in records:
        zeros, ones = set(record.state[0].tolist()), set(record.state[1].tolist())
        completions = [v for S, v in table.items() if ones <= S and not (zeros & S)]
        if completions:
            assert_valid(record.bound, min(completions), scale=0.5 * float(y @ y))


def test_same_answer_and_node_count_on_repeat():
    X, y = small_instance(21, n=60, p=30, k_true=5)
    first = solve_best_subset(X, y, l0=1.0, l2=0.01)
    second = solve_best_subset(X, y, l0=1.0, l2=0.01)
    assert first.n_nodes == second.n_nodes
    assert first.objective == second.objective
    np.testing.assert_array_equal(first.solution, second.solution)


def test_time_limit_is_honoured():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 400))
    y = X[:, :20] @ rng.normal(size=20) + 3 * rng.normal(size=100)
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="time_limit"):
        model = BestSubsetRegressor(l0=0.5, l2=0.001, M=2.0, time_limit=1.0).fit(X, y)
    assert time.perf_counter() - start < 4.0
    assert model.result_.status == "time_limit"
    assert model.result_.bound <= model.result_.objective
    assert model.coef_.shape == (400,)


def test_estimator_objective_matches_result_with_intercept():
    X, y = small_instance(30, n=50, p=12)
    y = y + 7.0
    model = BestSubsetRegressor(l0=2.0, l2=0.05, gap_tol=1e-8).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    b = model.coef_
    own = 0.5 * np.sum((yc - Xc @ b) ** 2) + 0.05 * b @ b + 2.0 * np.count_nonzero(b)
    assert own == pytest.approx(model.result_.objective, rel=1e-9)
    assert model.intercept_ == pytest.approx(y.mean() - X.mean(0) @ b)
    brute = solve_best_subset(Xc, yc, l0=2.0, l2=0.05, solver="brute_force")
    assert model.result_.objective == pytest.approx(brute.objective, rel=1e-6)


def test_warm_start_is_only_a_start_point():
    X, y = small_instance(40)
    brute = solve_best_subset(X, y, n_nonzero_coefs=3, l2=0.01, solver="brute_force")
    for start in (np.ones(9), np.zeros(9), -5.0 * np.ones(9)):
        res = solve_best_subset(X, y, n_nonzero_coefs=3, l2=0.01, warm_start=start, gap_tol=1e-9)
        assert res.objective == pytest.approx(brute.objective, rel=1e-6)
