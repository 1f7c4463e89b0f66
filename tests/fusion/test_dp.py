"""The univariate fusion DP equals brute force over all partitions with a zero group."""

import numpy as np
import pytest

from l0bnb.fusion._kernels import (
    count_distinct_nonzero,
    fusion_dp,
    fusion_dp_l0free,
    fusion_dp_runs,
    span_minimum,
)
from l0bnb.fusion.brute_force import univariate_brute_force, zero_partitions


def _value_of(c, a, b, l, lf, omega):
    nz = c != 0
    return float(
        np.sum(a * c * c - 2 * b * c + l * nz) + lf * max(count_distinct_nonzero(c), omega)
    )


def _random_case(rng, K):
    a = rng.uniform(0.05, 2.0, K)  # unequal curvatures
    b = rng.normal(0.0, 1.0, K)
    if rng.random() < 0.3:  # ties in b / a
        b[: K // 2] = a[: K // 2] * 0.7
    l = rng.uniform(0.0, 0.5, K) if rng.random() < 0.6 else np.zeros(K)
    forced = (rng.random(K) < 0.25) if rng.random() < 0.4 else np.zeros(K, dtype=bool)
    lf = rng.uniform(0.0, 0.6) if rng.random() < 0.85 else 0.0
    omega = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
    return a, b, l, forced, lf, omega


def test_zero_partitions_count_bell_numbers():
    # A zero group plus unlabelled groups: Bell(K + 1) assignments.
    assert [sum(1 for _ in zero_partitions(K)) for K in range(1, 6)] == [2, 5, 15, 52, 203]


@pytest.mark.parametrize("seed", range(4))
def test_dp_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    for _ in range(250):
        K = int(rng.integers(1, 6)) if rng.random() < 0.93 else int(rng.integers(6, 8))
        a, b, l, forced, lf, omega = _random_case(rng, K)
        value, c = fusion_dp(a, b, l, forced, lf, omega)
        exact, _ = univariate_brute_force(a, b, l, forced, lf, omega)
        assert value == pytest.approx(exact, rel=1e-9, abs=1e-12)
        # The general DP too where fusion_dp takes the O(K^2) path.
        general, _ = fusion_dp_runs(a, b, l, forced, lf, omega)
        assert general == pytest.approx(exact, rel=1e-9, abs=1e-12)
        # The backtracked point attains the value (forced units may sit at 0 only in the
        # closure, where their cost is the limit of nonzero values).
        if not np.any(forced & (c == 0)):
            assert _value_of(c, a, b, l, lf, omega) == pytest.approx(value, rel=1e-9, abs=1e-12)
        # Fused units hold bit-identical values.
        assert len(np.unique(c[c != 0])) == count_distinct_nonzero(c)


def test_fast_dp_agrees_without_l0_and_forcing():
    rng = np.random.default_rng(10)
    for _ in range(300):
        K = int(rng.integers(1, 9))
        a, b = rng.uniform(0.05, 2.0, K), rng.normal(size=K)
        lf = rng.uniform(0.0, 0.5)
        fast, c_fast = fusion_dp_l0free(a, b, lf)
        general, _ = fusion_dp_runs(a, b, np.zeros(K), np.zeros(K, dtype=bool), lf, 0)
        assert fast == pytest.approx(general, rel=1e-9, abs=1e-12)
        assert _value_of(c_fast, a, b, np.zeros(K), lf, 0) == pytest.approx(fast, abs=1e-12)


def test_contiguous_zero_group_dp_would_be_wrong_somewhere():
    """With l0 > 0 the zero group need not be a run; the sweep DP handles it (regression)."""
    rng = np.random.default_rng(3)
    found = 0
    for _ in range(400):
        K = 5
        a, b, l, _, lf, _ = _random_case(rng, K)
        l = rng.uniform(0.05, 0.5, K)
        value, c = fusion_dp(a, b, l, np.zeros(K, dtype=bool), lf, 0)
        order = np.argsort(b / a, kind="mergesort")
        zero = (c[order] == 0).nonzero()[0]
        if zero.size and (np.diff(zero) > 1).any():
            found += 1
    assert found > 0


def test_span_minimum_matches_dense_grid():
    rng = np.random.default_rng(5)
    for _ in range(50):
        K = 5
        a, b, l = rng.uniform(0.1, 2, K), rng.normal(size=K), rng.uniform(0, 0.5, K)
        forced = rng.random(K) < 0.3
        from l0bnb.fusion._kernels import _active_interval

        lo, hi = _active_interval(a, b, l, forced)
        g, c = span_minimum(a, b, l, forced, lo, hi, 0, K - 1)
        grid = np.linspace(-60, 60, 120001)
        q = a[:, None] * grid**2 - 2 * b[:, None] * grid + l[:, None]
        phi = np.where(forced[:, None], q, np.minimum(q, 0)).sum(0)
        assert g <= phi.min() + 1e-12
        assert g >= phi.min() - 1e-3


def _curvature_brute(g, pi, size, forced, omega, t, centered, l0, lf, l2):
    B = np.diag(pi) - (np.outer(pi, pi) if centered else 0.0)
    K = g.size
    best, best_c = np.inf, np.zeros(K)
    for lab in zero_partitions(K):
        if np.any(forced & (lab == 0)):
            continue
        G = int(lab.max(initial=0))
        c = np.zeros(K)
        E = np.zeros((K, G))
        for k in range(K):
            if lab[k]:
                E[k, lab[k] - 1] = 1.0
        value = lf * max(G, omega) + l0 * float(size[lab > 0].sum())
        if G:
            Hg = t * E.T @ B @ E + 2 * l2 * E.T @ np.diag(size) @ E
            rhs = E.T @ g
            gamma = -np.linalg.solve(Hg, rhs)
            value += 0.5 * float(rhs @ gamma)
            c = E @ gamma
        if value < best:
            best, best_c = value, c
    return best, best_c


@pytest.mark.parametrize("centered", [True, False])
def test_curvature_feature_bound_is_a_tight_lower_bound(centered):
    from l0bnb.fusion._kernels import curvature_feature_bound, shifted_dp

    rng = np.random.default_rng(7 + centered)
    gaps, near = [], []
    for _ in range(150):
        K = int(rng.integers(1, 6))
        pi = rng.dirichlet(np.ones(K + 1))[:K] if centered else rng.dirichlet(np.ones(K))
        size = rng.integers(1, 3, K).astype(float)
        g = rng.normal(0, 0.05, K)
        forced = rng.random(K) < 0.2
        omega = int(rng.integers(0, 2))
        t, l0, lf = rng.uniform(0.2, 1.0), rng.choice([0.0, 0.001]), rng.uniform(0, 0.01)
        l2 = 0.01
        M = float(np.sqrt(0.5 / l2))
        bound, s_best = curvature_feature_bound(
            g, pi, size, forced, omega, t, centered, M, l0, lf, l2, 200
        )
        exact, c = _curvature_brute(g, pi, size, forced, omega, t, centered, l0, lf, l2)
        if np.abs(c).max(initial=0) > M:
            continue  # the bound is only claimed inside the certified box |c| <= M
        assert bound <= exact + 1e-9 * max(1.0, abs(exact))
        gaps.append(exact - bound)
        # The DP minimiser at the returned shift is feasible and nearly optimal.
        _, c_s = shifted_dp(g, pi, size, forced, omega, t, s_best, l0, lf, l2)
        B = np.diag(pi) - (np.outer(pi, pi) if centered else 0.0)
        nz = c_s != 0
        values = np.unique(c_s[nz])
        assert not np.any(forced & ~nz)
        f_c = (
            g @ c_s + 0.5 * t * c_s @ B @ c_s + l2 * size @ c_s**2
            + lf * max(values.size, omega) + l0 * size[nz].sum()
        )  # fmt: skip
        assert f_c >= exact - 1e-9 * max(1.0, abs(exact))
        near.append(f_c - exact)
    assert len(gaps) > 100
    assert np.median(gaps) < 1e-3  # the interval search closes in on the minimum
    assert np.median(near) < 1e-3
