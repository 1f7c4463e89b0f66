"""Listing a node's supports: the best completion equals an independent enumeration."""

import itertools

import numpy as np
import pytest

from l0bnb.best_subset import _enumerate
from l0bnb.best_subset._enumerate import CompletionEnumerator, completion_count


def ridge_value(X, y, l2, offset, l0, S):
    """Unboxed ridge minimum on support ``S`` by least squares on the stacked system."""
    S = list(S)
    if not S:
        return 0.5 * float(y @ y) + offset
    A = np.vstack([X[:, S], np.diag(np.sqrt(2.0 * l2[S]))])
    rhs = np.concatenate([y, np.zeros(len(S))])
    b = np.linalg.lstsq(A, rhs, rcond=None)[0]
    r = y - X[:, S] @ b
    return 0.5 * float(r @ r) + float(l2[S] @ b**2) + offset + l0 * len(S)


@pytest.mark.parametrize("seed", range(6))
def test_best_completion_matches_enumeration(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n, p = 25, 10
    X = rng.standard_normal((n, p))
    if seed % 2:
        X[:, 3] = -2.0 * X[:, 1]  # a column in the span of another (l2 = 0 below)
    y = X[:, :3] @ rng.standard_normal(3) + rng.standard_normal(n)
    l2 = np.zeros(p) if seed % 2 else rng.uniform(0.0, 0.5, p)
    offset, l0 = float(rng.normal()), [0.0, 0.8][seed % 3 == 0]
    perm = rng.permutation(p)
    ones, free = np.sort(perm[: seed % 3]), np.sort(perm[seed % 3 : p - 1])
    max_add = [2, 4, free.size][seed % 3]
    # Small chunks: several kernel calls, so the first-column ranges are exercised too.
    monkeypatch.setattr(_enumerate, "CHUNK", 7)
    value, support = CompletionEnumerator(X, y, l2, offset).best(ones, free, max_add, l0)
    expected = min(
        ridge_value(X, y, l2, offset, l0, list(ones) + list(T))
        for d in range(max_add + 1)
        for T in itertools.combinations(free.tolist(), d)
    )
    assert value == pytest.approx(expected, rel=1e-10)
    assert ridge_value(X, y, l2, offset, l0, support) == pytest.approx(expected, rel=1e-10)
    assert set(ones) <= set(support.tolist()) <= set(ones) | set(free.tolist())
    assert len(support) <= ones.size + max_add


def test_completion_count():
    assert completion_count(5, 2) == 1 + 5 + 10
    assert completion_count(4, 9) == 16
    assert completion_count(0, 3) == 1


def test_deadline_stops_the_listing(monkeypatch):
    monkeypatch.setattr(_enumerate, "CHUNK", 100)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 30)), rng.standard_normal(40)
    enumerator = CompletionEnumerator(X, y, np.full(30, 0.1), 0.0)
    free = np.arange(30)
    assert enumerator.best(free[:0], free, 3, 0.0, deadline=0.0) is None
    assert enumerator.best(free[:0], free, 3, 0.0) is not None


@pytest.mark.parametrize("k,l0", [(3, 0.0), (None, 1.5)])
def test_swap_search_ends_where_no_swap_of_two_improves(k, l0):
    rng = np.random.default_rng(3)
    n, p = 40, 12
    X = rng.standard_normal((n, p))
    X[:, 5] = X[:, 4] + 0.1 * rng.standard_normal(n)  # correlated pair: swaps matter
    y = X[:, [1, 4, 8]] @ np.array([2.0, -1.0, 1.5]) + rng.standard_normal(n)
    l2 = np.full(p, 0.01)
    enumerator = CompletionEnumerator(X, y, l2, 0.0)
    start = np.array([0, 2, 3])
    start_value = ridge_value(X, y, l2, 0.0, l0, start)
    value, support = _enumerate.swap_search(enumerator, start, k, l0, budget=1e5)
    assert value == pytest.approx(ridge_value(X, y, l2, 0.0, l0, support), rel=1e-10)
    assert value < start_value
    if k is not None:
        assert support.size <= k
    others = [j for j in range(p) if j not in support]
    for r in (1, 2):
        for out in itertools.combinations(support.tolist(), r):
            kept = [j for j in support if j not in out]
            for d in range(r + 1):
                for added in itertools.combinations(others, d):
                    neighbour = kept + list(added)
                    if k is None or len(neighbour) <= k:
                        v = ridge_value(X, y, l2, 0.0, l0, neighbour)
                        assert v >= value * (1 - 1e-10)


def test_completion_count_stops_past_its_cap():
    assert completion_count(2000, 2000, cap=1e6) > 1e6
    assert completion_count(2000, 2000, cap=1e6) < completion_count(2000, 3)
    assert completion_count(10, 10, cap=2000) == 1024
