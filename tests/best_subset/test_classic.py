"""Classic best subset (l2 = 0, raw scales): curvature split, scale invariance, Newton steps."""

import numpy as np
import pytest

from l0bnb import solve_best_subset
from l0bnb.best_subset import _kernels as kern
from l0bnb.best_subset._curvature import split_design
from l0bnb.best_subset._newton import newton_polish, relaxed_penalties
from l0bnb.engine.result import OPTIMALITY_GAP
from tests.best_subset.instances import small_instance


def collinear_design(seed=0, n=80, p=10):
    """Correlated columns, one exact duplicate (scaled) and one near-duplicate."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + 0.8 * rng.normal(size=(n, 1))
    X[:, 3] = 2.5 * X[:, 1]
    X[:, 5] = X[:, 4] + 1e-4 * rng.normal(size=n)
    y = X[:, [0, 2, 6]] @ np.array([1.0, -2.0, 1.5]) + rng.normal(size=n)
    return X - X.mean(0), y - y.mean()


@pytest.mark.parametrize("method", ["equilibrated", "sdp"])
@pytest.mark.parametrize("design", ["correlated", "collinear"])
def test_split_design_is_the_same_quadratic(method, design):
    if design == "correlated":
        X, y = small_instance(4, n=50, p=9, rho=0.7)
    else:
        X, y = collinear_design()
    split = split_design(X, y, method)
    gram, d = X.T @ X, 2.0 * split.extra_l2
    assert np.all(d >= 0)
    if design == "correlated":
        assert split.method == method and d.sum() > 0
    # G - D stays positive semidefinite (so the relaxation's extra ridge is valid)...
    assert np.linalg.eigvalsh(gram - np.diag(d))[0] >= -1e-9 * np.trace(gram)
    # ... and the split objective equals the original one for every b.
    np.testing.assert_allclose(split.X.T @ split.X, gram - np.diag(d), atol=1e-9 * gram.max())
    rng = np.random.default_rng(1)
    for _ in range(5):
        b = rng.normal(size=X.shape[1]) * rng.uniform(0.1, 10)
        split_value = 0.5 * np.sum((split.y - split.X @ b) ** 2) + split.offset
        split_value += split.extra_l2 @ b**2
        assert split_value == pytest.approx(0.5 * np.sum((y - X @ b) ** 2), rel=1e-9)


def test_no_curvature_when_p_exceeds_n():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 30)), rng.normal(size=20)
    assert split_design(X, y).method == "none"


def test_curvature_cuts_the_search_with_l2_zero():
    X, y = small_instance(7, n=200, p=40, k_true=6, rho=0.5)
    plain = solve_best_subset(X, y, n_nonzero_coefs=8, l2=0.0, curvature="none", max_nodes=3000)
    split = solve_best_subset(X, y, n_nonzero_coefs=8, l2=0.0)
    assert split.status == "optimal" and split.info["curvature"] == "sdp"
    assert split.objective <= plain.objective * (1 + 1e-9)
    assert split.n_nodes < plain.n_nodes


FORMS = [(None, 4), (3.0, None)]


@pytest.mark.parametrize("l0,k", FORMS)
def test_rescaling_y_and_columns_keeps_the_solution(l0, k):
    X, y = small_instance(3, n=60, p=10, k_true=4, rho=0.5)
    brute = solve_best_subset(X, y, l0=l0, l2=0.0, n_nonzero_coefs=k, solver="brute_force")
    support = np.flatnonzero(brute.solution)
    rng = np.random.default_rng(0)
    for y_scale in (1e-8, 1e-3, 1.0, 1e4, 1e8):
        cols = 10.0 ** rng.uniform(-8, 8, size=X.shape[1])
        res = solve_best_subset(
            X * cols,
            y * y_scale,
            l0=None if l0 is None else l0 * y_scale**2,
            l2=0.0,
            n_nonzero_coefs=k,
        )
        np.testing.assert_array_equal(np.flatnonzero(res.solution), support)
        optimum = brute.objective * y_scale**2
        assert res.objective == pytest.approx(optimum, rel=1e-7)
        # The status tells the truth in the user's units: a certified bound, a real gap.
        assert res.bound <= optimum * (1 + 1e-9)
        true_gap = (res.objective - res.bound) / res.objective
        assert res.gap == pytest.approx(true_gap, rel=1e-6, abs=1e-12)
        if res.status == "optimal":
            assert true_gap <= OPTIMALITY_GAP * (1 + 1e-6)
        np.testing.assert_allclose(
            res.solution * cols / y_scale, brute.solution, rtol=1e-6, atol=1e-9
        )


def test_rescaling_y_with_ridge_keeps_the_solution():
    X, y = small_instance(5, n=40, p=9)
    base = solve_best_subset(X, y, l0=1.0, l2=0.05)
    for y_scale in (1e-8, 1e8):
        res = solve_best_subset(X, y * y_scale, l0=1.0 * y_scale**2, l2=0.05)
        assert res.status == base.status == "optimal"
        np.testing.assert_allclose(res.solution / y_scale, base.solution, rtol=1e-6, atol=1e-12)


def relaxed_objective(gram, c, b, state, lam, l2, M):
    return 0.5 * b @ gram @ b - c @ b + relaxed_penalties(b, state, lam, l2, M)[0].sum()


@pytest.mark.parametrize(
    "lam,l2_value,M_value", [(5.0, 0.5, 4.0), (5.0, 0.0, 3.0), (40.0, 0.3, 2.0)]
)
def test_newton_polish_lowers_the_objective_and_reaches_the_optimum(lam, l2_value, M_value):
    X, y = collinear_design(2)
    X = np.asfortranarray(X)
    p = X.shape[1]
    gram, c = X.T @ X, X.T @ y
    state = np.full(p, kern.FREE, dtype=np.int8)
    state[2] = kern.ONE
    l2, M = np.full(p, l2_value), np.full(p, M_value)
    pos = np.arange(p)
    # Ground truth: coordinate descent run to exhaustion.
    b_ref, g_ref = np.zeros(p), c.copy()
    kern.relaxation_cd_gram(
        gram, pos, g_ref, b_ref, np.diag(gram).copy(), state, lam, l2, M, 1e-22, 2_000_000
    )
    best = relaxed_objective(gram, c, b_ref, state, lam, l2, M)
    # A few sweeps, then Newton steps alternating with short descent.
    b, grad = np.zeros(p), c.copy()
    kern.relaxation_cd_gram(gram, pos, grad, b, np.diag(gram).copy(), state, lam, l2, M, 0.0, 3)
    for _ in range(30):
        before = relaxed_objective(gram, c, b, state, lam, l2, M)
        newton_polish(gram, b, grad, state, lam, l2, M)
        after = relaxed_objective(gram, c, b, state, lam, l2, M)
        assert after <= before + 1e-12 * abs(before)
        np.testing.assert_allclose(grad, c - gram @ b, atol=1e-8 * np.abs(c).max())
        kern.relaxation_cd_gram(
            gram, pos, grad, b, np.diag(gram).copy(), state, lam, l2, M, 0.0, 30
        )
    final = relaxed_objective(gram, c, b, state, lam, l2, M)
    assert final == pytest.approx(best, rel=1e-9, abs=1e-9)
