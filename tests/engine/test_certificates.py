"""The engine never returns a false certificate: units of the data, Ctrl-C, limits, starts."""

import os
import signal
import time

import numpy as np
import pytest

from l0bnb.engine import Limits, SolveResult, solve
from l0bnb.engine.interrupt import catching_interrupts, expired, request_stop, stop_requested
from tests.engine.test_engine import SeparableCover, brute


class Interrupted(SeparableCover):
    """Delivers an interrupt while relaxing the ``at``-th node: a flag, one or two SIGINTs."""

    def __init__(self, c, q, t, at, how):
        super().__init__(c, q, t)
        self.at, self.how = at, how

    def initial_incumbent(self, deadline):
        x = np.zeros(self.p)
        return self.value(x), x

    def relax(self, node, cutoff, deadline):
        if len(self.relaxed) == self.at:
            if self.how == "flag":
                request_stop()
            else:
                for _ in range(2 if self.how == "double" else 1):
                    os.kill(os.getpid(), signal.SIGINT)
                    time.sleep(0.01)  # let the handler run (a second one raises)
        return super().relax(node, cutoff, deadline)


@pytest.mark.parametrize("how", ["flag", "sigint", "double"])
@pytest.mark.parametrize("at", [0, 1, 2, 5, 17, 40])
def test_interrupt_anywhere_keeps_a_valid_certificate(at, how):
    problem = Interrupted(np.random.default_rng(at).normal(size=9), q=0.6, t=3, at=at, how=how)
    result = solve(problem, Limits(gap_tol=0.0))
    optimum = brute(problem)
    assert result.status in ("interrupted", "optimal")
    if len(problem.relaxed) > at or how == "double":
        assert result.status == "interrupted"
    # A second Ctrl-C inside the root leaves nothing proven: the bound is the root's -inf.
    assert np.isfinite(result.bound) or (how == "double" and at == 0)
    assert result.bound <= optimum + 1e-12
    assert result.objective >= optimum - 1e-12
    assert problem.value(result.solution) == pytest.approx(result.objective)
    if np.isfinite(result.bound):
        true_gap = (result.objective - result.bound) / abs(result.objective)
        assert result.gap == pytest.approx(true_gap, rel=1e-9, abs=1e-15)
    if result.status == "interrupted" and at == 0:
        # Stopped in the root: nothing beyond the root's own bound can have been proven.
        assert result.gap > 0
    # The handler is gone after the solve: SIGINT raises again.
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)


def test_interrupt_flag_is_reset_after_a_solve():
    problem = Interrupted(np.random.default_rng(0).normal(size=6), q=0.6, t=3, at=1, how="flag")
    assert solve(problem, Limits(gap_tol=0.0)).status == "interrupted"
    assert not stop_requested()
    again = solve(SeparableCover(np.random.default_rng(0).normal(size=6), 0.6, 3))
    assert again.status == "optimal"


def test_expired_sees_deadline_and_interrupts():
    assert expired(time.perf_counter() - 1.0)
    with catching_interrupts():
        assert not expired(time.perf_counter() + 60.0)
        request_stop()
        assert expired(time.perf_counter() + 60.0)
    assert not stop_requested()


@pytest.mark.parametrize("factor", [1e-12, 1e-8, 1.0, 1e8])
def test_certificate_does_not_depend_on_units(factor):
    # With an absolute 1e-10 tolerance, values of order 1e-12 were "optimal" at the root.
    c = np.random.default_rng(11).normal(size=9)
    base = solve(SeparableCover(c, 0.6, 3), Limits(gap_tol=0.0))
    scaled = SeparableCover(factor * c, 0.6 * factor, 3)
    result = solve(scaled, Limits(gap_tol=0.0))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute(scaled), rel=1e-9)
    assert np.array_equal(result.solution, base.solution)
    assert result.n_nodes == base.n_nodes


def test_objective_scale_is_only_a_floor():
    class ZeroOptimum(SeparableCover):
        def objective_scale(self):
            return 10.0

    # Optimum exactly zero: without a scale no relative gap could ever close.
    problem = ZeroOptimum(np.ones(6), q=1.0, t=0)
    result = solve(problem, Limits(gap_tol=1e-4))
    assert result.objective == 0.0
    assert result.status == "optimal"
    assert result.info["objective_scale"] == 10.0


class CutShortAtDeadline(SeparableCover):
    """Past the deadline, a node is closed as integral with a weak bound (a relaxation cut
    short): the queue empties with the gap open, which is a time limit, not a gap limit."""

    def initial_incumbent(self, deadline):
        time.sleep(max(0.0, deadline - time.perf_counter()) + 0.01)
        x = np.ones(self.p)
        return self.value(x), x

    def relax(self, node, cutoff, deadline):
        x = np.zeros(self.p)
        return super().relax(node, cutoff, deadline).__class__(
            bound=-100.0, value=-100.0, solution=x, integral=True, candidate=(self.value(x), x)
        )


def test_open_gap_after_the_deadline_is_a_time_limit():
    problem = CutShortAtDeadline(np.random.default_rng(3).normal(size=6), q=0.5, t=2)
    result = solve(problem, Limits(time_limit=0.05))
    assert result.status == "time_limit"
    assert result.bound == -100.0


def test_optimal_result_with_a_large_gap_is_refused():
    with pytest.raises(ValueError, match="cannot be 'optimal'"):
        SolveResult("optimal", 1.0, 0.5, 0.5, 1, 0.0)
    with pytest.raises(ValueError, match="unknown status"):
        SolveResult("solved", 1.0, 1.0, 0.0, 1, 0.0)


def test_start_and_incumbent_hook():
    c = np.random.default_rng(8).normal(size=8)
    problem = SeparableCover(c, 0.6, 3)
    start = np.ones(8)
    seen = []
    result = solve(problem, start=start, on_incumbent=lambda v, x: seen.append(v))
    assert seen[0] == pytest.approx(problem.value(start))
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert seen[-1] == result.objective == pytest.approx(brute(problem))


def test_clock_starts_when_the_caller_started():
    problem = SeparableCover(np.random.default_rng(9).normal(size=6), 0.6, 3)
    started = time.perf_counter() - 5.0
    result = solve(problem, started=started)
    assert result.runtime >= 5.0
    assert result.log[-1]["time"] >= 5.0
    # The time limit counts from there too: 5 s of set-up exhaust a 1 s limit at the root.
    limited = solve(problem, Limits(time_limit=1.0), started=started)
    assert limited.status in ("time_limit", "optimal")
    assert limited.n_nodes <= 1 or limited.status == "optimal"


def test_result_prints_in_one_line():
    result = solve(SeparableCover(np.random.default_rng(1).normal(size=6), 0.6, 3))
    text = str(result)
    assert "\n" not in text
    assert text.startswith("optimal: objective") and "gap 0%" in text and "nodes" in text


def test_heuristic_schedule_is_applied_by_the_engine():
    class Counting(SeparableCover):
        heuristic_period = 3

        def __init__(self, *args):
            super().__init__(*args)
            self.calls = []

        def heuristic(self, node, relaxation, incumbent, deadline):
            self.calls.append((len(self.relaxed), node.depth))
            return super().heuristic(node, relaxation, incumbent, deadline)

    problem = Counting(np.random.default_rng(12).normal(size=8), 0.6, 3)
    result = solve(problem, Limits(gap_tol=0.0))
    assert result.objective == pytest.approx(brute(problem))
    assert problem.calls and problem.calls[0] == (1, 0)  # the root
    assert all(depth == 0 or count % 3 == 0 for count, depth in problem.calls)
    assert len(problem.calls) < len(problem.relaxed)
