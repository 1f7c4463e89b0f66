"""Best-subset kernels against direct NumPy formulas."""

import numpy as np
import pytest
from scipy.optimize import lsq_linear

from l0bnb.best_subset import _kernels as kern

# (l0, l2, M): perspective regime, l1 regime (l0/l2 > M^2), pure big-M (l2 = 0).
REGIMES = [(0.5, 0.2, 3.0), (2.0, 0.05, 1.0), (0.7, 0.0, 1.5)]
GRID = np.linspace(-1, 1, 200001)


def relaxed_penalty_grid(b, state, l0, l2, M):
    return np.array([kern.relaxed_penalty(v, state, l0, l2, M) for v in b])


@pytest.mark.parametrize("l0,l2,M", REGIMES)
@pytest.mark.parametrize("state", [kern.FREE, kern.ONE])
def test_conjugate_matches_sup_over_grid(l0, l2, M, state):
    b = GRID * M
    pen = relaxed_penalty_grid(b, state, l0, l2, M)
    for u in [-7.0, -1.3, -0.2, 0.0, 0.05, 0.9, 2.5, 11.0]:
        numeric = np.max(u * b - pen)
        assert kern.penalty_conjugate(u, state, l0, l2, M) == pytest.approx(numeric, abs=1e-6)


@pytest.mark.parametrize("l0,l2,M", REGIMES)
def test_free_penalty_is_perspective_envelope(l0, l2, M):
    # psi(b) = min over z in [|b|/M, 1] of l0 z + l2 b^2 / z.
    assert kern.relaxed_penalty(0.0, kern.FREE, l0, l2, M) == 0.0
    for b in [0.1, 0.4, 0.9 * M, M]:
        zs = np.linspace(abs(b) / M, 1.0, 100001)
        numeric = np.min(l0 * zs + l2 * b * b / zs)
        assert kern.relaxed_penalty(b, kern.FREE, l0, l2, M) == pytest.approx(
            numeric, rel=1e-6, abs=1e-9
        )


@pytest.mark.parametrize("l0,l2,M", REGIMES)
@pytest.mark.parametrize("state", [kern.FREE, kern.ONE, kern.ZERO])
def test_coordinate_minimizer_matches_grid(l0, l2, M, state):
    b = GRID * M
    pen = relaxed_penalty_grid(b, state, l0, l2, M)
    for a, c in [(1.0, 0.3), (2.0, -1.7), (0.5, 4.0), (3.0, 0.01)]:
        f = 0.5 * a * b * b - c * b + pen
        best = b[np.argmin(f)]
        got = kern.coordinate_minimizer(c, a, state, l0, l2, M)
        assert got == pytest.approx(best, abs=2e-5 * M)


def test_correlations_and_residual_match_numpy():
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.normal(size=(20, 7)))
    r = rng.normal(size=20)
    state = np.array([-1, 0, 1, -1, 0, -1, 1], dtype=np.int8)
    u = kern.correlations(X, r, state)
    expected = X.T @ r
    expected[state == 0] = 0.0
    np.testing.assert_allclose(u, expected, rtol=1e-12)
    support = np.array([1, 4, 6])
    values = np.array([0.5, -2.0, 1.5])
    np.testing.assert_allclose(
        kern.residual(X, r, support, values), r - X[:, support] @ values, rtol=1e-12
    )


@pytest.mark.parametrize("l0,l2,M", REGIMES)
def test_relaxation_cd_closes_the_duality_gap(l0, l2, M):
    rng = np.random.default_rng(1)
    X = np.asfortranarray(rng.normal(size=(40, 8)))
    y = X[:, :3] @ np.array([1.0, -1.0, 0.8]) + 0.3 * rng.normal(size=40)
    state = np.array([-1, -1, 1, 0, -1, -1, -1, 1], dtype=np.int8)
    b = np.zeros(8)
    r = y.copy()
    col_sq = (X**2).sum(0)
    active = np.flatnonzero(state != 0)
    l2v, Mv = np.full(8, l2), np.full(8, M)
    kern.relaxation_cd(X, r, b, col_sq, active, state, l0, l2v, Mv, 1e-16, 100000)
    np.testing.assert_allclose(r, y - X @ b, atol=1e-10)
    primal = kern.relaxed_value(b, r, state, l0, l2v, Mv)
    # The dual value by the formula written out in NumPy.
    u = X.T @ r
    conj = sum(kern.penalty_conjugate(u[i], state[i], l0, l2, M) for i in range(8))
    dual_formula = -0.5 * r @ r + r @ y - conj
    dual, alpha = kern.scaled_dual(u, state, l0, l2v, Mv, r @ r, r @ y)
    assert dual >= dual_formula - 1e-12
    assert dual <= primal + 1e-9
    assert primal - dual <= 1e-7 * primal
    assert b[3] == 0.0 and np.all(np.abs(b) <= M + 1e-12)


def test_dual_is_a_lower_bound_for_any_residual():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 6))
    y = rng.normal(size=30)
    l0, l2, M = 0.8, np.full(6, 0.1), np.full(6, 1.2)
    state = np.full(6, kern.FREE, dtype=np.int8)
    b = np.zeros(6)
    r = y.copy()
    kern.relaxation_cd(
        np.asfortranarray(X), r, b, (X**2).sum(0), np.arange(6), state, l0, l2, M, 1e-18, 100000
    )
    optimum = kern.relaxed_value(b, r, state, l0, l2, M)
    for _ in range(50):
        r_any = rng.normal(size=30) * rng.uniform(0, 3)
        dual, _ = kern.scaled_dual(X.T @ r_any, state, l0, l2, M, r_any @ r_any, r_any @ y)
        assert dual <= optimum + 1e-10


@pytest.mark.parametrize("M", [0.3, 1.0, np.inf])
def test_box_qp_matches_bounded_least_squares(M):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(25, 6))
    y = X @ rng.normal(size=6) * 2 + rng.normal(size=25)
    l2 = 0.05
    gram = X.T @ X + 2 * l2 * np.eye(6)
    got = kern.box_qp(gram, X.T @ y, np.full(6, M), 1e-20, 50)
    A = np.vstack([X, np.sqrt(2 * l2) * np.eye(6)])
    ref = lsq_linear(A, np.concatenate([y, np.zeros(6)]), bounds=(-M, M), tol=1e-14).x
    np.testing.assert_allclose(got, ref, atol=1e-7)


def test_l0_cd_never_increases_integer_objective():
    rng = np.random.default_rng(4)
    X = np.asfortranarray(rng.normal(size=(40, 10)))
    y = rng.normal(size=40)
    b = rng.normal(size=10)
    r = y - X @ b
    l0, l2, M = 0.5, np.full(10, 0.1), np.full(10, 5.0)
    before = kern.integer_objective(r, b, l0, l2)
    kern.l0_cd(X, r, b, (X**2).sum(0), np.arange(10), l0, l2, M, 1e-14, 1000)
    after = kern.integer_objective(r, b, l0, l2)
    assert after <= before
    np.testing.assert_allclose(r, y - X @ b, atol=1e-10)


def relaxed_objective(G, c, b, state, l0, l2, M):
    pen = sum(kern.relaxed_penalty(b[i], state[i], l0, l2[i], M[i]) for i in range(b.size))
    return 0.5 * b @ G @ b - c @ b + pen


@pytest.mark.parametrize("seed", range(40))
def test_active_set_solve_reaches_the_relaxation_minimum(seed):
    """The exact active-set solve matches long coordinate descent (and beats it or ties)
    on every regime: perspective, l1 (l2 = 0), fixed-one coordinates, binding boxes and
    duplicated columns."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 12)), int(rng.integers(2, 20))
    A = rng.standard_normal((n, m))
    if seed % 3 == 0:
        A[:, 0] = A[:, 1]
    G, c = A.T @ A, 3.0 * A.T @ rng.standard_normal(n)
    state = rng.choice(np.array([kern.FREE, kern.FREE, kern.ONE], dtype=np.int8), m)
    l0, M = rng.uniform(0.1, 3.0), rng.uniform(0.3, 3.0, m)
    l2 = rng.uniform(0.0, 1.0, m) * (seed % 2)
    b = np.zeros(m)
    steps = kern.relaxation_active_set(G, c, b, state, l0, l2, M, 1e-10, 200)
    assert steps > 0
    assert np.all(np.abs(b) <= M * (1 + 1e-12))
    reference = np.zeros(m)
    grad = c.copy()
    for _ in range(20000):
        for j in range(m):
            new = kern.coordinate_minimizer(
                grad[j] + G[j, j] * reference[j], G[j, j], state[j], l0, l2[j], M[j]
            )
            grad -= G[:, j] * (new - reference[j])
            reference[j] = new
    ours = relaxed_objective(G, c, b, state, l0, l2, M)
    best = relaxed_objective(G, c, reference, state, l0, l2, M)
    assert ours <= best + 1e-9 * max(1.0, abs(best))
