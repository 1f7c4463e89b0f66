"""Hand-written kernel helpers (quickselect, Cholesky) against numpy, ties and degenerate cases."""

import numpy as np
import pytest

from l0bnb.lts import _kernels as K


@pytest.mark.parametrize("seed", range(5))
def test_selection_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    values = rng.normal(size=n)
    if seed % 2:  # many ties
        values = np.round(values)
    if seed == 4:  # all equal (exact fits: many zero residuals)
        values = np.zeros(n)
    for k in range(n):
        assert K.kth_smallest(values, k) == np.sort(values)[k]
    idx = rng.permutation(n)[: max(1, n // 2)].astype(np.int64)
    for k in (1, 3, idx.size, idx.size + 5):
        got = K.smallest_indices(values, idx, k)
        expected = sorted(idx, key=lambda i: (values[i], list(idx).index(i)))[:k]
        np.testing.assert_array_equal(got, expected)
    r = rng.normal(size=n) * 10.0 ** rng.integers(-8, 8)
    if seed % 2:
        r = np.round(r)
    for h in (1, max(1, n // 2), n):
        exact = np.sort(r * r)[:h].sum()
        assert K.loss_from_residuals(r, K.TRIMMED, h, 0.0) == pytest.approx(exact, rel=1e-14)
        mask = K.best_mask(r, K.TRIMMED, h, 0.0)
        assert mask.sum() == h
        assert (r[mask] ** 2).max() <= (r[~mask] ** 2).min(initial=np.inf)


@pytest.mark.parametrize("q,cond", [(1, 1.0), (4, 1e3), (12, 1e8)])
def test_cholesky_solve_and_inverse(q, cond):
    rng = np.random.default_rng(q)
    Q, _ = np.linalg.qr(rng.normal(size=(q, q)))
    G = Q @ np.diag(np.geomspace(1.0, 1.0 / cond, q)) @ Q.T
    b = rng.normal(size=q)
    x = K.solve_spd(G, b)
    np.testing.assert_allclose(G @ x, b, atol=1e-12 * cond)
    np.testing.assert_allclose(K.inverse_spd(G) @ G, np.eye(q), atol=1e-12 * cond)


def test_cholesky_survives_a_singular_matrix():
    """Duplicate columns: the pivot floor keeps the factor finite (callers add a jitter)."""
    a = np.array([1.0, 2.0, 3.0])
    G = np.outer(a, a)
    assert np.all(np.isfinite(K.solve_spd(G, a)))
    assert np.all(np.isfinite(K.inverse_spd(G)))


def test_c_steps_and_swaps_improve_at_any_scale():
    """Improvement thresholds are relative: a tiny y (objective ~1e-14) still moves."""
    from l0bnb.datasets import make_lts_instance

    d = make_lts_instance(200, 3, contamination=0.2, seed=0)
    X = np.asfortranarray(d.X)
    results = []
    for k in (1.0, 1e-8):
        y = d.y * k
        start = K.ridge_fit(X, y, np.arange(200), 0.0, True, 0.0)  # through the outliers
        first = K.objective(X, y, start, 0.0, K.TRIMMED, 160, 0.0)
        theta, obj, _ = K.c_steps(X, y, start, 0.0, True, 0.0, K.TRIMMED, 160, 0.0, 50)
        assert obj < 0.5 * first
        swapped, obj2 = K.swap_search(X, y, theta, 0.0, True, K.TRIMMED, 160, 0.0, 20, 5, 50)
        assert obj2 <= obj
        results.append((theta / k, obj / k**2, obj2 / k**2))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-9)
    assert results[0][1] == pytest.approx(results[1][1], rel=1e-9)
    assert results[0][2] == pytest.approx(results[1][2], rel=1e-9)


PRECOMPILED_CHECK = """
import numba
from l0bnb.datasets import make_lts_instance
from l0bnb.lts import _kernels as K
from l0bnb.lts._solve import compile_kernels, solve_lts

def signatures():
    return {
        name: len(getattr(K, name).signatures)
        for name in dir(K)
        if isinstance(getattr(K, name), numba.core.registry.CPUDispatcher)
    }

for solver in ("box", "pattern", "heuristic"):
    compile_kernels(solver)
before = signatures()
for p in (2, 8):  # box search, pattern search
    d = make_lts_instance(60, p, contamination=0.2, seed=1)
    for l2 in (0.0, 1.0):
        solve_lts(d.X, d.y, trim_fraction=0.2, l2=l2, max_nodes=30)
        solve_lts(d.X, d.y, mode="capped", l2=l2, max_nodes=30)
        solve_lts(d.X, d.y, l2=l2, solver="heuristic")
extra = {k: v for k, v in signatures().items() if v != before.get(k)}
assert not extra, extra
"""


def test_fits_need_no_kernel_beyond_the_precompiled_ones():
    """compile_kernels (run before a fit's clock starts) covers every specialisation a fit
    uses; checked in a fresh interpreter so other tests' compilations cannot hide a gap."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", PRECOMPILED_CHECK], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
