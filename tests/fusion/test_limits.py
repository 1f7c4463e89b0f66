"""Time limits and Ctrl-C: fits return near their limit, with a valid bound; paths stop whole."""

import time
import warnings

import numpy as np
import pytest

from l0bnb import CategoricalFusionRegressor, SearchLimitWarning
from l0bnb.datasets import make_categorical_regression
from l0bnb.engine.interrupt import catching_interrupts, request_stop
from l0bnb.engine.search import Limits, solve
from l0bnb.fusion import _estimator
from l0bnb.fusion._pace import Pace
from l0bnb.fusion._problem import FusionProblem
from l0bnb.fusion.brute_force import solve_fusion_brute_force

from .test_battery import _node_optimum, tiny

LIMIT = 1.0
#: Generous on purpose: two cores shared with other jobs; the benchmark measures the overrun.
SLACK = 1.5


@pytest.mark.parametrize(
    "features, levels, l0",
    [(1, 400, 0.0), (1, 300, 1e-3), (3, 100, 0.0)],
)
def test_fit_returns_near_its_time_limit(features, levels, l0):
    warm = make_categorical_regression(n_samples=300, n_categorical=features, n_levels=8,
                                       random_state=1)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchLimitWarning)
        CategoricalFusionRegressor(l0=l0, max_nodes=3).fit(warm.X, warm.y)  # compile outside
    d = make_categorical_regression(
        n_samples=5 * levels, n_categorical=features, n_levels=levels, n_groups=3, snr=4.0,
        random_state=0,
    )  # fmt: skip
    model = CategoricalFusionRegressor(l0=l0, time_limit=LIMIT)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(d.X, d.y)
    wall = time.perf_counter() - t0
    r = model.result_
    assert wall <= LIMIT + SLACK
    assert r.status in ("time_limit", "optimal")
    assert np.isfinite(r.bound) and r.bound <= r.objective * (1 + 1e-12)
    if r.status == "time_limit":
        assert any(issubclass(w.category, SearchLimitWarning) for w in caught)


@pytest.mark.parametrize("how", ["ctrl-c", "deadline"])
def test_stopped_relaxation_returns_a_valid_bound_and_children(how):
    data = tiny(seed=50, K=(4, 3), q=1, l0=0.01, lf=0.03, l2=1e-3)
    best, _ = solve_fusion_brute_force(data)
    problem = FusionProblem(data)
    root = problem.root()
    with catching_interrupts():
        if how == "ctrl-c":
            request_stop()
            deadline = np.inf
        else:
            deadline = time.perf_counter() - 1.0
        t0 = time.perf_counter()
        relaxation = problem.relax(root, np.inf, deadline)
        assert time.perf_counter() - t0 < 0.5
    assert np.isfinite(relaxation.bound)
    assert relaxation.bound <= best + 1e-9 * abs(best)
    assert len(problem.branch(root, relaxation)) == 2


def test_bounds_stay_valid_when_every_exact_call_is_predicted_too_slow():
    """With a pace that forbids every DP, nodes use the separable bound: still valid."""
    data = tiny(seed=51, K=(4, 3), q=1, l0=0.01, lf=0.03, l2=1e-3)
    problem = FusionProblem(data)
    problem.pace = Pace(1e6)
    seen = []
    relax = problem.relax

    def recording(node, cutoff, deadline):
        out = relax(node, cutoff, deadline)
        seen.append((node.state, out.bound))
        return out

    problem.relax = recording
    res = solve(problem, Limits(max_nodes=25, gap_tol=1e-9))
    assert len(seen) > 3
    for (feats, z), bound in seen:
        opt = _node_optimum(data, feats, z)
        assert np.isfinite(bound) and bound <= opt + 1e-9 * max(1.0, abs(opt))
    best, _ = solve_fusion_brute_force(data)
    assert res.bound <= best + 1e-9 * abs(best)


def test_path_stops_as_a_whole_when_interrupted(monkeypatch):
    d = make_categorical_regression(n_samples=200, n_categorical=1, n_levels=6,
                                    random_state=2)  # fmt: skip
    calls = []
    original = _estimator.solve_fusion

    def stopping(*args, **kwargs):
        calls.append(1)
        res = original(*args, **kwargs)
        if len(calls) == 2:
            request_stop()  # as Ctrl-C during the second fit
        return res

    monkeypatch.setattr(_estimator, "solve_fusion", stopping)
    path = CategoricalFusionRegressor(solver="bcd").path(d.X, d.y, n_lf=6)
    assert len(calls) == 2
    assert len(path.results) == len(path.lf) == 2
