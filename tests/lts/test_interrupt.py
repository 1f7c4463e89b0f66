"""Ctrl-C during a fit: a real SIGINT, in the heuristics or inside the searches' kernels.

The first Ctrl-C only sets a flag; kernels finish their (bounded) call, the loops poll the
flag, and the fit returns its best solution with status ``interrupted`` and a valid bound.
"""

import os
import signal
import threading

import numpy as np
import pytest

from l0bnb import solve_lts
from l0bnb.datasets import make_lts_instance
from l0bnb.lts import _box_problem, _pattern_problem
from l0bnb.lts.reference import lts_objective


def sigint_after(seconds):
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def check_interrupted(d, res, h):
    assert res.status == "interrupted"
    theta = res.solution
    assert res.objective == pytest.approx(lts_objective(d.X, d.y, theta, h=h), rel=1e-9)
    assert 0.0 <= res.bound <= res.objective
    assert res.info["inlier_mask"].sum() == h


@pytest.fixture(scope="module")
def data():
    d = make_lts_instance(600, 6, contamination=0.2, seed=0)
    solve_lts(d.X[:40], d.y[:40], time_limit=5, n_starts=5)  # compile before timing signals
    solve_lts(d.X[:40], d.y[:40], time_limit=5, n_starts=5, solver="pattern")
    return d


def test_ctrl_c_in_the_heuristic(data):
    """Many FAST-LTS starts: the signal lands in the start kernels (chunks of 100)."""
    timer = sigint_after(0.2)
    res = solve_lts(data.X, data.y, trim_fraction=0.2, n_starts=200_000, time_limit=120)
    timer.join()
    check_interrupted(data, res, 480)


@pytest.mark.parametrize(
    "solver,cls", [("box", "TrimmedBoxProblem"), ("pattern", "TrimmedProblem")]
)
def test_ctrl_c_in_the_search(data, monkeypatch, solver, cls):
    """The signal is sent while nodes are being relaxed (kernels running)."""
    module = _box_problem if solver == "box" else _pattern_problem
    problem_cls = getattr(module, cls)
    relax, calls, timers = problem_cls.relax, [], []

    def relax_and_signal(self, node, cutoff, deadline):
        calls.append(1)
        if len(calls) == 5:
            timers.append(sigint_after(0.01))
        return relax(self, node, cutoff, deadline)

    monkeypatch.setattr(problem_cls, "relax", relax_and_signal)
    res = solve_lts(data.X, data.y, trim_fraction=0.2, n_starts=50, solver=solver, time_limit=120)
    for timer in timers:
        timer.join()
    assert len(calls) >= 5
    check_interrupted(data, res, 480)
    assert np.all(np.isfinite(res.solution))
