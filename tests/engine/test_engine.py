"""The generic branch-and-bound loop on a fake 0/1 problem with a known optimum."""

import itertools

import numpy as np
import pytest

from l0bnb.engine import Limits, solve
from l0bnb.engine.nodes import Node
from l0bnb.engine.protocol import Relaxation


class SeparableCover:
    """min c^T x + q * (sum(x) - t)^2 over x in {0,1}^p (a non-separable toy problem).

    Relaxation bound: sum of fixed costs + min over free of negative costs, plus zero for
    the quadratic term: valid but weak, so the engine must branch a lot.
    """

    def __init__(self, c, q, t, interrupt_at=None):
        self.c, self.q, self.t = np.asarray(c, float), q, t
        self.p = len(c)
        self.interrupt_at = interrupt_at
        self.relaxed = []

    def value(self, x):
        return float(self.c @ x + self.q * (x.sum() - self.t) ** 2)

    def root(self):
        return Node(bound=-np.inf, depth=0, state=np.full(self.p, -1))

    def initial_incumbent(self, deadline):
        return None

    def objective(self, x):
        return self.value(x)

    def relax(self, node, cutoff, deadline):
        if self.interrupt_at is not None and len(self.relaxed) == self.interrupt_at:
            raise KeyboardInterrupt
        s = node.state
        ones = s == 1
        free = s == -1
        bound = self.c[ones].sum() + np.minimum(self.c[free], 0).sum()
        x = ones.astype(float)
        if not free.any():
            self.relaxed.append((s.copy(), bound))
            return Relaxation(
                bound=self.value(x),
                value=self.value(x),
                solution=x,
                integral=True,
                candidate=(self.value(x), x),
            )
        self.relaxed.append((s.copy(), bound))
        return Relaxation(bound=bound, value=bound, solution=x)

    def heuristic(self, node, relaxation, incumbent, deadline):
        x = np.where(node.state == 1, 1.0, 0.0)
        return self.value(x), x

    def branch(self, node, relaxation):
        i = int(np.flatnonzero(node.state == -1)[0])
        children = []
        for v in (1, 0):
            s = node.state.copy()
            s[i] = v
            children.append(Node(bound=relaxation.bound, depth=node.depth + 1, state=s))
        return children


def brute(problem):
    best = np.inf
    for bits in itertools.product([0, 1], repeat=problem.p):
        best = min(best, problem.value(np.array(bits, float)))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_engine_finds_brute_force_optimum(seed):
    rng = np.random.default_rng(seed)
    problem = SeparableCover(rng.normal(size=8), q=0.7, t=3)
    result = solve(problem, Limits(gap_tol=0.0))
    opt = brute(problem)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(opt, abs=1e-12)
    assert result.bound <= opt + 1e-12
    assert problem.value(result.solution) == pytest.approx(result.objective)


def test_every_node_bound_is_below_its_completions():
    rng = np.random.default_rng(7)
    problem = SeparableCover(rng.normal(size=7), q=0.5, t=2)
    solve(problem, Limits(gap_tol=0.0))
    for state, bound in problem.relaxed:
        free = np.flatnonzero(state == -1)
        best = np.inf
        for bits in itertools.product([0, 1], repeat=free.size):
            x = (state == 1).astype(float)
            x[free] = bits
            best = min(best, problem.value(x))
        assert bound <= best + 1e-12


def test_node_limit_reports_status_and_valid_bound():
    problem = SeparableCover(np.random.default_rng(1).normal(size=10), q=0.4, t=4)
    result = solve(problem, Limits(max_nodes=5, gap_tol=0.0))
    assert result.status == "node_limit"
    assert result.n_nodes == 5
    assert result.bound <= brute(problem) + 1e-12
    assert result.gap >= 0


def test_interrupt_returns_best_solution_so_far():
    problem = SeparableCover(np.random.default_rng(2).normal(size=10), q=0.4, t=4, interrupt_at=20)
    result = solve(problem, Limits(gap_tol=0.0))
    assert result.status == "interrupted"
    assert result.solution is not None
    assert problem.value(result.solution) == pytest.approx(result.objective)
    assert result.bound <= brute(problem) + 1e-12


def test_root_is_bounded_even_when_the_heuristic_uses_up_the_time():
    import time

    problem = SeparableCover(np.random.default_rng(4).normal(size=10), q=0.4, t=4)

    def slow_start(deadline):
        time.sleep(max(0.0, deadline - time.perf_counter()) + 0.01)
        return None

    problem.initial_incumbent = slow_start
    result = solve(problem, Limits(time_limit=0.05, gap_tol=0.0))
    assert result.status == "time_limit"
    assert result.n_nodes == 1
    assert np.isfinite(result.bound)
    assert result.bound <= brute(problem) + 1e-12


def test_gap_limit_status_when_loose_gap_is_reached():
    problem = SeparableCover(np.abs(np.random.default_rng(3).normal(size=10)) + 1.0, q=5.0, t=3)
    result = solve(problem, Limits(gap_tol=0.5))
    assert result.gap <= 0.5
    assert result.status in ("gap_limit", "optimal")
    if result.gap > 1e-4:
        assert result.status == "gap_limit"


def test_time_to_gap_reads_the_log():
    problem = SeparableCover(np.random.default_rng(6).normal(size=12), q=0.4, t=4)
    result = solve(problem, Limits(gap_tol=0.0))
    gaps = [(r["time"], r["gap"]) for r in result.log if r["gap"] is not None]
    assert gaps and result.gap == 0.0
    # Each threshold is first met at the earliest logged time whose gap is that small.
    for target in (np.inf, 0.5, 1e-3, 0.0):
        expected = next((t for t, g in gaps if g <= target), result.runtime)
        assert result.time_to_gap(target) == pytest.approx(expected)
    assert result.time_to_gap(-1.0) is None


def test_deterministic_node_count():
    c = np.random.default_rng(4).normal(size=9)
    first = solve(SeparableCover(c, 0.6, 3), Limits(gap_tol=0.0))
    second = solve(SeparableCover(c, 0.6, 3), Limits(gap_tol=0.0))
    assert first.n_nodes == second.n_nodes
    assert first.objective == second.objective


def test_verbose_log_prints_table(capsys):
    problem = SeparableCover(np.random.default_rng(5).normal(size=6), q=0.3, t=2)
    result = solve(problem, verbose=True)
    out = capsys.readouterr().out
    assert "Incumbent" in out and "BestBound" in out and "Status: optimal" in out
    assert result.log and {"nodes", "open", "incumbent", "bound", "gap", "time"} <= set(
        result.log[-1]
    )


def test_limits_reject_bad_values():
    with pytest.raises(ValueError, match="time_limit"):
        Limits(time_limit=0)
    with pytest.raises(ValueError, match="max_nodes"):
        Limits(max_nodes=0)
    with pytest.raises(ValueError, match="gap_tol"):
        Limits(gap_tol=1.5)


def test_engine_names_missing_methods():
    with pytest.raises(TypeError, match="must implement"):
        solve(object())


class RecordingCover(SeparableCover):
    """Records the bound each node carried when the engine took it from the queue."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.taken = []

    def relax(self, node, cutoff, deadline):
        self.taken.append(node.bound)
        return super().relax(node, cutoff, deadline)


def test_plunge_quotient_zero_is_pure_best_bound_order():
    c = np.random.default_rng(4).normal(size=9)
    best_first = RecordingCover(c, 0.6, 3)
    best_first.plunge_quotient = 0.0
    diving = RecordingCover(c, 0.6, 3)  # the engine's default: dives into first children
    results = [solve(p, Limits(gap_tol=0.0)) for p in (best_first, diving)]
    assert results[0].objective == pytest.approx(results[1].objective)
    assert results[0].status == results[1].status == "optimal"
    taken = np.array(best_first.taken)
    assert np.all(np.diff(taken) >= 0)
    # With dives the order is not by bound (else the test above proves nothing).
    assert np.any(np.diff(np.array(diving.taken)) < 0)


def test_deadline_margin_stops_the_search_before_a_node_that_cannot_finish():
    c = np.random.default_rng(5).normal(size=12)
    plain = SeparableCover(c, 0.6, 3)
    full = solve(plain, Limits(time_limit=60.0, gap_tol=0.0))
    assert full.status == "optimal" and full.n_nodes > 1
    # A problem whose nodes need more time than the limit leaves: only the root is solved.
    slow = SeparableCover(c, 0.6, 3)
    slow.deadline_margin = 120.0
    result = solve(slow, Limits(time_limit=60.0, gap_tol=0.0))
    assert result.status == "time_limit"
    assert result.n_nodes == 1 and len(slow.relaxed) == 1
    assert result.runtime < 5.0
