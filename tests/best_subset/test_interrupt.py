"""Ctrl-C stops a best-subset path or cross-validation as a whole, keeping what was solved."""

import numpy as np

from l0bnb import BestSubsetRegressorCV, best_subset_path
from l0bnb.best_subset import _path
from l0bnb.engine.interrupt import request_stop
from l0bnb.engine.result import INTERRUPTED
from tests.best_subset.instances import small_instance


def interrupt_after(monkeypatch, calls):
    """Make the ``calls``-th solve of a path behave as if Ctrl-C was pressed during it."""
    original = _path._solve_best_subset
    count = [0]

    def solve(*args, **kwargs):
        result = original(*args, **kwargs)
        count[0] += 1
        if count[0] == calls:
            request_stop()
            result.status = INTERRUPTED
        return result

    monkeypatch.setattr(_path, "_solve_best_subset", solve)
    return count


def test_path_stops_as_a_whole(monkeypatch):
    X, y = small_instance(2, n=60, p=12, k_true=4)
    full = best_subset_path(X, y, l2=1e-3, max_nonzeros=5)
    assert len(full) >= 4
    count = interrupt_after(monkeypatch, 2)
    path = best_subset_path(X, y, l2=1e-3, max_nonzeros=5)
    assert len(path) == 2 and count[0] == 2
    assert path.status[-1] == INTERRUPTED
    np.testing.assert_allclose(path.coef, full.coef[:2])
    # The flag does not outlive the interrupted call.
    assert len(best_subset_path(X, y, l2=1e-3, max_nonzeros=5)) == len(full)


def test_cv_stops_as_a_whole_and_keeps_a_model(monkeypatch):
    X, y = small_instance(3, n=60, p=10, k_true=3)
    # The full-data path takes a few solves; stop inside the first fold's path.
    full = best_subset_path(X - X.mean(0), y - y.mean(), l2=1e-3, max_nonzeros=4)
    count = interrupt_after(monkeypatch, len(full) + 2)
    model = BestSubsetRegressorCV(l2=1e-3, max_nonzeros=4, cv=3).fit(X, y)
    assert model.interrupted_
    assert count[0] == len(full) + 2  # nothing ran after the interrupt
    assert model.coef_.shape == (10,) and model.support_.any()
    assert model.l0_ in model.l0_grid_[1e-3]
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)


def test_cv_interrupted_during_the_full_path(monkeypatch):
    X, y = small_instance(4, n=60, p=10, k_true=3)
    interrupt_after(monkeypatch, 2)
    model = BestSubsetRegressorCV(l2=1e-3, max_nonzeros=4, cv=3).fit(X, y)
    assert model.interrupted_ and model.mse_path_ == {}
    assert model.result_.status == INTERRUPTED
