"""Rule selection: engine = brute force = Pyomo/HiGHS; bounds never above the optimum."""

import numpy as np
import pytest

from l0bnb.engine.search import Limits, solve
from l0bnb.rules._problem import RuleProblem
from l0bnb.rules.reference import brute_force_rules, solve_rules_reference
from tests.node_bounds import record_relaxations
from tests.rules.instances import forest_problem, restricted_optimum

CASES = [
    # seed, n_trees, k, l0, depth_penalty, fit_intercept
    (0, 3, None, 0.01, 0.0, True),
    (1, 3, 2, 0.0, 0.0, True),
    (2, 3, 3, 0.0, 0.005, True),
    (3, 3, None, 0.002, 0.01, False),
    (4, 2, 1, 0.0, 0.0, True),
    (5, 3, 4, 0.001, 0.0, False),
]


@pytest.mark.parametrize("seed,n_trees,k,l0,dp,fit", CASES)
def test_engine_equals_brute_force(seed, n_trees, k, l0, dp, fit):
    problem, args = forest_problem(seed, n_trees=n_trees, k=k, l0=l0, dp=dp, fit_intercept=fit)
    result = solve(problem, Limits(gap_tol=1e-9))
    exact = brute_force_rules(*args, k=k, fit_intercept=fit)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(exact.objective, rel=1e-9)
    assert result.bound <= exact.objective * (1 + 1e-9)
    assert problem.feasible(result.solution)
    assert problem.objective(result.solution) == pytest.approx(result.objective, rel=1e-12)


@pytest.mark.parametrize("seed,k", [(7, None), (8, 2)])
def test_engine_equals_highs_reference(seed, k):
    problem, args = forest_problem(seed, n_trees=2, k=k, l0=0.01)
    result = solve(problem, Limits(gap_tol=1e-9))
    ref = solve_rules_reference(*args, k=k, time_limit=60)
    assert ref.status == "optimal"
    assert result.objective == pytest.approx(ref.objective, rel=1e-6)
    assert ref.bound <= result.objective * (1 + 1e-9)
    assert result.bound <= ref.objective * (1 + 1e-9)


@pytest.mark.parametrize("k", [None, 2])
def test_every_node_bound_is_valid(k):
    _, args = forest_problem(9, n_trees=2, k=k, l0=0.005)
    problem = RuleProblem(*args, k=k)
    records = record_relaxations(problem)
    solve(problem, Limits(gap_tol=1e-9))
    assert len(records) > 3
    for state, bound in ((r.state, r.bound) for r in records[:40]):
        optimum = restricted_optimum(args, k, True, state)
        assert bound <= optimum * (1 + 1e-9) + 1e-12


def test_bound_valid_under_node_limit():
    problem, args = forest_problem(10, n_trees=3, k=3, l0=0.0)
    result = solve(problem, Limits(max_nodes=2, gap_tol=1e-9))
    exact = brute_force_rules(*args, k=3)
    assert result.bound <= exact.objective * (1 + 1e-9)
    assert result.objective >= exact.objective * (1 - 1e-12)
    assert result.gap == pytest.approx(
        (result.objective - result.bound) / result.objective, rel=1e-9
    )


@pytest.mark.parametrize("seed", range(20, 34))
def test_engine_equals_brute_force_two_trees(seed):
    rng = np.random.default_rng(seed)
    k = [None, 1, 2, 3][seed % 4]
    l0 = float(rng.choice([0.0, 0.003, 0.02])) if k else float(rng.choice([0.003, 0.02]))
    dp = float(rng.choice([0.0, 0.01]))
    fit = bool(seed % 3)
    l2 = float(rng.choice([1e-3, 1e-2, 1e-1]))
    problem, args = forest_problem(
        seed, n=80, n_trees=2, k=k, l0=l0, dp=dp, fit_intercept=fit, l2=l2
    )
    result = solve(problem, Limits(gap_tol=1e-9))
    exact = brute_force_rules(*args, k=k, fit_intercept=fit)
    assert result.objective == pytest.approx(exact.objective, rel=1e-9)
    assert result.bound <= exact.objective * (1 + 1e-9)


class Screening(RuleProblem):
    """Keeps each node's state before and after its relaxation, and the cutoff."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = []

    def relax(self, node, cutoff, deadline):
        before = node.state.copy()
        relaxation = super().relax(node, cutoff, deadline)
        self.records.append((before, node.state.copy(), cutoff))
        return relaxation


@pytest.mark.parametrize("seed,k,l0", [(11, 2, 0.0), (12, None, 0.005), (13, 3, 0.001)])
def test_screened_rules_cannot_beat_the_cutoff(seed, k, l0):
    _, args = forest_problem(seed, n_trees=2, k=k, l0=l0)
    problem = Screening(*args, k=k)
    result = solve(problem, Limits(gap_tol=1e-9))
    assert result.objective == pytest.approx(brute_force_rules(*args, k=k).objective, rel=1e-9)
    screened = 0
    for before, after, cutoff in problem.records:
        for v in np.flatnonzero((before == -1) & (after == 0)):
            forced = before.copy()
            forced[v] = 1
            assert restricted_optimum(args, k, True, forced) >= cutoff * (1 - 1e-9)
            screened += 1
    assert screened > 0
