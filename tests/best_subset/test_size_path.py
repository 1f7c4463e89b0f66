"""The certified path over the model size k."""

import numpy as np
import pytest

from l0bnb import solve_best_subset
from l0bnb.best_subset import _kpath, best_subset_size_path
from l0bnb.engine.interrupt import request_stop
from l0bnb.engine.result import INTERRUPTED
from tests.best_subset.instances import small_instance


def test_every_size_matches_brute_force():
    X, y = small_instance(6, n=50, p=9, k_true=4, rho=0.6)
    path = best_subset_size_path(X, y, n_nonzero_coefs=[4, 1, 2, 3, 6], fit_intercept=False)
    assert path.k.tolist() == [1, 2, 3, 4, 6]
    for i, k in enumerate(path.k):
        brute = solve_best_subset(X, y, n_nonzero_coefs=int(k), l2=0.0, solver="brute_force")
        assert path.status[i] == "optimal"
        assert path.objective[i] == pytest.approx(brute.objective, rel=1e-7)
        assert path.bound[i] <= brute.objective * (1 + 1e-9)
        assert path.n_nonzeros[i] <= k
    # Larger models never fit worse.
    assert np.all(np.diff(path.objective) <= 1e-9 * path.objective[0])


def test_bad_sizes_are_refused():
    X, y = small_instance(1)
    for sizes in ([], [0, 2], [3, 99], 3, [2.5]):
        with pytest.raises(ValueError, match="n_nonzero_coefs"):
            best_subset_size_path(X, y, n_nonzero_coefs=sizes)


def test_interrupt_stops_the_size_path(monkeypatch):
    X, y = small_instance(2, n=50, p=9)
    original = _kpath._solve_best_subset
    calls = [0]

    def solve(*args, **kwargs):
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == 2:
            request_stop()
            result.status = INTERRUPTED
        return result

    monkeypatch.setattr(_kpath, "_solve_best_subset", solve)
    path = best_subset_size_path(X, y, n_nonzero_coefs=range(1, 6))
    assert path.k.tolist() == [1, 2] and path.status[-1] == INTERRUPTED
