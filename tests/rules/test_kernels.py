"""Rule kernels: the tree antichain DPs = brute force; BCD blocks exact; dual bounds valid."""

import itertools

import numpy as np
import pytest

from l0bnb.rules import _kernels as kern
from tests.rules.instances import forest_problem, random_tree


def antichains(left, right, v):
    if left[v] < 0:
        below = [[]]
    else:
        L, R = antichains(left, right, left[v]), antichains(left, right, right[v])
        below = [a + b for a in L for b in R]
    return below + [[v]]


def brute_tree(left, right, g, allowed, K=None):
    best = 0.0
    for a in antichains(left, right, 0):
        if K is not None and len(a) > K:
            continue
        if all(allowed[v] for v in a):
            best = max(best, sum(g[v] for v in a))
    return best


def test_tree_dp_equals_brute_force_on_random_trees():
    rng = np.random.default_rng(0)
    for _ in range(250):
        left, right = random_tree(rng, int(rng.integers(1, 4)))
        m = left.size
        g = rng.normal(size=m)
        allowed = rng.random(m) < 0.8
        allowed[0] = rng.random() < 0.5  # roots excluded and included
        f = np.zeros(m)
        kern.tree_best(left, right, 0, m, g, allowed, f)
        assert f[0] == pytest.approx(brute_tree(left, right, g, allowed), abs=1e-12)
        sel = np.zeros(m, dtype=np.bool_)
        kern.tree_select(left, right, 0, m, g, allowed, f, sel)
        assert g[sel].sum() == pytest.approx(f[0], abs=1e-12)
        K = int(rng.integers(0, 4))
        F = kern.tree_table(left, right, 0, m, g, allowed, K)
        for j in range(K + 1):
            assert F[0, j] == pytest.approx(brute_tree(left, right, g, allowed, j), abs=1e-12)
        sel[:] = False
        kern.table_select(left, right, 0, g, allowed, F, K, sel)
        assert sel.sum() <= K and g[sel].sum() == pytest.approx(F[0, K], abs=1e-12)
        assert np.all(allowed[sel])


def test_budgeted_antichain_over_trees_equals_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(40):
        trees = [random_tree(rng, 2) for _ in range(3)]
        offs = np.cumsum([0] + [t[0].size for t in trees])
        left = np.concatenate(
            [np.where(t[0] >= 0, t[0] + o, -1) for t, o in zip(trees, offs[:-1], strict=True)]
        )
        right = np.concatenate(
            [np.where(t[1] >= 0, t[1] + o, -1) for t, o in zip(trees, offs[:-1], strict=True)]
        )
        m = left.size
        g = rng.normal(size=m)
        allowed = rng.random(m) < 0.9
        K = int(rng.integers(0, 5))
        sel = np.zeros(m, dtype=np.bool_)
        value = kern.antichain(left, right, offs, g, allowed, K, sel)
        per = [
            [[u + o for u in a] for a in antichains(*t, 0)]
            for t, o in zip(trees, offs[:-1], strict=True)
        ]
        best = 0.0
        for combo in itertools.product(*per):
            s = sum(combo, [])
            if len(s) <= K and all(allowed[v] for v in s):
                best = max(best, g[s].sum())
        assert value == pytest.approx(best, abs=1e-12)
        assert sel.sum() <= K and g[sel].sum() == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_bcd_block_is_exact_and_objective_never_increases(fit_intercept):
    problem, args = forest_problem(seed=2, n_trees=3, fit_intercept=fit_intercept, dp=0.01)
    p = problem
    w = np.zeros(p.m)
    r, mu = p.residual(w)
    values = [kern.objective_value(r, w, p.cost, p.l2)]
    for _ in range(6):
        mu, value, _ = kern.bcd(
            p.indptr,
            p.indices,
            p.left,
            p.right,
            p.tree_start,
            p.candidate,
            p.cost,
            p.l2,
            -1,
            fit_intercept,
            r,
            w,
            mu,
            1,
            0.0,
        )
        values.append(value)
        np.testing.assert_allclose(r, p.residual(w)[0] + (p.residual(w)[1] - mu), atol=1e-10)
    assert np.all(np.diff(values) <= 1e-12)
    # Block exactness: for a partial residual, ||r||^2/(2n) - f(root) is the best antichain
    # of tree 0 with exact ridge refits (selected nodes are disjoint, so M_t'M_t is diagonal).
    lo, hi = p.tree_start[0], p.tree_start[1]
    r0 = np.random.default_rng(5).normal(size=p.n)
    S = np.zeros(p.m)
    kern.node_sums(p.indptr, p.indices, r0, lo, hi, S)
    g = S**2 / (2 * p.n * (p.count + 2 * p.n * p.l2)) - p.cost
    f = np.zeros(p.m)
    kern.tree_best(p.left, p.right, lo, hi, g, p.candidate, f)
    best = np.inf
    shift = lambda a: np.where(a >= 0, a - lo, -1)  # noqa: E731
    for a in antichains(shift(p.left[lo:hi]), shift(p.right[lo:hi]), 0):
        a = [v + lo for v in a if p.candidate[v + lo]]
        A = p.columns(np.array(a, dtype=np.int64))
        coef = np.linalg.solve(A.T @ A / p.n + 2 * p.l2 * np.eye(len(a)), A.T @ r0 / p.n)
        res = r0 - A @ coef
        best = min(best, 0.5 * res @ res / p.n + p.l2 * coef @ coef + p.cost[a].sum())
    assert 0.5 * r0 @ r0 / p.n - f[lo] == pytest.approx(best, rel=1e-12)


def test_dual_bound_is_valid_for_random_alpha():
    from tests.rules.instances import restricted_optimum

    for k in (None, 2):
        problem, args = forest_problem(seed=3, n_trees=3, k=k)
        state = problem.root().state
        optimum = restricted_optimum(args, k, True, state)
        rng = np.random.default_rng(4)
        for scale in (0.1, 1.0, 3.0):
            for _ in range(10):
                alpha = scale * rng.normal(size=problem.n) / problem.n
                bound, _ = problem.dual_bound(alpha, state)
                assert bound <= optimum * (1 + 1e-9)
