"""Tests for the exact reference solvers: brute force, HiGHS outer approximation and SCIP."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from l0bnb.engine.result import OPTIMAL
from l0bnb.reference import box_ridge, brute_force_best_subset, solve_best_subset_reference


def _instance(seed: int, n: int = 30, p: int = 8) -> tuple[np.ndarray, np.ndarray, float]:
    """Correlated design, 3 true features; returns X, y and max |OLS coefficient|."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.3 * rng.standard_normal((n, 1))
    coef = np.zeros(p)
    coef[rng.choice(p, 3, replace=False)] = rng.choice([-2.0, 1.0, 1.5], 3)
    y = X @ coef + 0.8 * rng.standard_normal(n)
    return X, y, float(np.max(np.abs(np.linalg.lstsq(X, y, rcond=None)[0])))


def _orthonormal_instance() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    Q, _ = np.linalg.qr(rng.standard_normal((20, 4)))
    X, residual_dir = Q[:, :3], Q[:, 3]
    c = np.array([3.0, -1.2, 0.5])
    return X, X @ c + 0.7 * residual_dir, c


@pytest.mark.parametrize(
    ("l0", "l2", "M"), [(0.5, 0.0, np.inf), (0.5, 0.3, np.inf), (0.3, 0.2, 1.0)]
)
def test_brute_force_orthonormal_closed_form(l0, l2, M):
    # With orthonormal columns the problem separates: b_i = clip(c_i / (1 + 2 l2), +-M), and
    # feature i is kept iff its loss reduction c_i b_i - (0.5 + l2) b_i^2 exceeds l0.
    X, y, c = _orthonormal_instance()
    b = np.clip(c / (1.0 + 2.0 * l2), -M, M)
    keep = c * b - (0.5 + l2) * b**2 > l0
    expected = np.where(keep, b, 0.0)
    objective = 0.5 * y @ y - np.sum((c * b - (0.5 + l2) * b**2 - l0)[keep])

    result = brute_force_best_subset(X, y, l0=l0, l2=l2, M=M)
    assert result.status == OPTIMAL and result.gap == 0.0 and result.bound == result.objective
    np.testing.assert_allclose(result.solution, expected, atol=1e-10)
    assert result.objective == pytest.approx(objective, rel=1e-12)


def test_brute_force_matches_independent_enumeration():
    X, y, _ = _instance(seed=3, p=6)
    fits = {}
    for size in range(7):
        for support in combinations(range(6), size):
            cols = list(support)
            b = np.linalg.lstsq(X[:, cols], y, rcond=None)[0] if cols else np.zeros(0)
            fits[support] = 0.5 * np.sum((y - X[:, cols] @ b) ** 2)
    l0 = 2.0
    best_penalized = min(f + l0 * len(s) for s, f in fits.items())
    best_card = min(f for s, f in fits.items() if len(s) <= 2)
    assert brute_force_best_subset(X, y, l0=l0).objective == pytest.approx(best_penalized, 1e-10)
    card = brute_force_best_subset(X, y, n_nonzero_coefs=2)
    assert card.objective == pytest.approx(best_card, rel=1e-10)
    assert np.count_nonzero(card.solution) <= 2


def test_box_ridge_respects_box_and_empty_support():
    X, y, bmax = _instance(seed=1)
    coef, obj = box_ridge(X, y, 0.1, 0.3 * bmax, [0, 2, 5])
    assert np.all(np.abs(coef) <= 0.3 * bmax + 1e-12)
    assert np.count_nonzero(coef[[1, 3, 4, 6, 7]]) == 0
    assert obj == pytest.approx(0.5 * np.sum((y - X @ coef) ** 2) + 0.1 * coef @ coef)
    empty, empty_obj = box_ridge(X, y, 0.1, 1.0, [])
    assert not empty.any() and empty_obj == pytest.approx(0.5 * y @ y)


# (seed, p, form, l2, M factor): tight M = 0.6 max|b_ols| puts coefficients on the box.
CASES = [
    (0, 8, {"l0": 1.0}, 0.0, 0.6),
    (1, 9, {"l0": 2.0}, 0.5, 3.0),
    (2, 10, {"n_nonzero_coefs": 3}, 0.0, 3.0),
    (3, 10, {"n_nonzero_coefs": 2}, 1.0, 0.6),
    (4, 8, {"l0": 0.5}, 0.1, 0.6),
    (5, 9, {"n_nonzero_coefs": 4}, 0.2, 3.0),
]


def _check_against_brute_force(result, X, y, form, l2, M):
    exact = brute_force_best_subset(X, y, l2=l2, M=M, **form)
    scale = max(abs(exact.objective), 1.0)
    assert result.status == OPTIMAL
    assert result.objective == pytest.approx(exact.objective, rel=1e-6)
    # The certified bound must never exceed the true optimum.
    assert result.bound <= exact.objective + 1e-7 * scale
    assert np.all(np.abs(result.solution) <= M * (1 + 1e-9))
    if "n_nonzero_coefs" in form:
        assert np.count_nonzero(result.solution) <= form["n_nonzero_coefs"]


@pytest.mark.parametrize(("seed", "p", "form", "l2", "m_factor"), CASES)
def test_highs_oa_matches_brute_force(seed, p, form, l2, m_factor):
    X, y, bmax = _instance(seed, p=p)
    M = m_factor * bmax
    result = solve_best_subset_reference(X, y, l2=l2, M=M, time_limit=30.0, **form)
    assert result.solver == "reference-highs-oa"
    assert result.log and result.n_nodes == result.info["rounds"] >= 1
    _check_against_brute_force(result, X, y, form, l2, M)


@pytest.mark.parametrize(("seed", "p", "form", "l2", "m_factor"), [CASES[1], CASES[3]])
def test_scip_matches_brute_force(seed, p, form, l2, m_factor):
    pytest.importorskip("pyscipopt")
    X, y, bmax = _instance(seed, p=p)
    M = m_factor * bmax
    result = solve_best_subset_reference(X, y, l2=l2, M=M, solver="scip", time_limit=30.0, **form)
    assert result.solver == "reference-scip"
    _check_against_brute_force(result, X, y, form, l2, M)


@pytest.mark.parametrize("M", [None, np.inf, 0.0, -1.0])
def test_reference_needs_finite_positive_big_m(M):
    X, y, _ = _instance(seed=0)
    with pytest.raises(ValueError, match="big-M"):
        solve_best_subset_reference(X, y, l0=1.0, M=M)


def test_bad_forms_and_sizes_are_refused():
    X, y, _ = _instance(seed=0)
    with pytest.raises(ValueError, match="exactly one"):
        solve_best_subset_reference(X, y, l0=1.0, n_nonzero_coefs=2, M=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        brute_force_best_subset(X, y)
    with pytest.raises(ValueError, match="unknown solver"):
        solve_best_subset_reference(X, y, l0=1.0, M=1.0, solver="gurobi")
    with pytest.raises(ValueError, match="p=21"):
        brute_force_best_subset(np.zeros((5, 21)), np.zeros(5), l0=1.0)
