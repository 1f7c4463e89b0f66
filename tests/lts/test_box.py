"""Penalised LTS, box search: envelope, bound validity, agreement with brute force."""

import math

import numpy as np
import pytest

from l0bnb import solve_lts
from l0bnb.datasets import make_lts_instance
from l0bnb.engine.nodes import Node
from l0bnb.engine.search import Limits, solve
from l0bnb.lts import _kernels as KB
from l0bnb.lts._box_problem import TrimmedBoxProblem
from l0bnb.lts.reference import brute_force_lts, lts_objective
from tests.lts.test_battery import CASES, instance, params


def envelope_values(rs, lo, up, eta):
    rl, ru = np.array([lo]), np.array([up])
    qa, qb, chord = KB.envelope(rl, ru, eta)
    quad = np.zeros(1, dtype=np.bool_)
    return np.array(
        [KB.envelope_value(np.array([r]), rl, ru, qa, qb, chord, quad, eta) for r in rs]
    )


@pytest.mark.parametrize(
    "lo,up,eta",
    [
        (-5.0, 7.0, 4.0),
        (-1.0, 6.0, 4.0),
        (-6.0, 1.5, 9.0),
        (2.5, 9.0, 4.0),
        (-9.0, -2.2, 4.0),
        (-0.5, 0.8, 4.0),
        (-3.0, -1.9, 4.0),
        (-4.0, 4.0, 0.0),
    ],
)
def test_envelope_is_the_convex_envelope(lo, up, eta):
    """Below min(r^2, eta), convex, and equal to it at both ends (tight)."""
    rs = np.linspace(lo, up, 2001)
    psi = envelope_values(rs, lo, up, eta)
    f = np.minimum(rs**2, eta)
    assert np.all(psi <= f + 1e-9)
    assert np.all(np.diff(psi, 2) >= -1e-9)
    assert psi[0] == pytest.approx(f[0], abs=1e-9)
    assert psi[-1] == pytest.approx(f[-1], abs=1e-9)
    # Tight: no convex function below f is higher. The lower convex hull of the sampled
    # graph of f is such a function; the envelope matches it.
    hull = np.empty_like(rs)
    for i, r in enumerate(rs):
        left, right = rs <= r, rs >= r
        best = f[i]
        for a in np.flatnonzero(left)[::50]:
            for b in np.flatnonzero(right)[::50]:
                if rs[b] > rs[a]:
                    t = (r - rs[a]) / (rs[b] - rs[a])
                    best = min(best, (1 - t) * f[a] + t * f[b])
        hull[i] = best
    assert np.max(np.abs(psi - hull)[::50]) < 0.02 * max(eta, 1.0)


def problem_for(seed, mode="trimmed", l2=0.0, intercept=True, p=1):
    X, y = instance(seed, p=p, intercept=intercept)
    kw = params(mode, l2)
    box = 3.0 if l2 == 0 else None
    problem = TrimmedBoxProblem(X, y, fit_intercept=intercept, coef_bound=box, n_starts=5, **kw)
    problem.initial_incumbent(math.inf)
    return problem, X, y, kw, box


def grid_minimum(problem, X, y, kw, lo, hi, points=41):
    """Smallest F over a grid of the box (an upper estimate of the box minimum)."""
    axes = [np.linspace(a, b, points) for a, b in zip(lo, hi, strict=True)]
    best = math.inf
    for u in np.stack(np.meshgrid(*axes), -1).reshape(-1, lo.size):
        theta = problem._theta(u)
        if problem.box > 0 and np.max(np.abs(theta[1:])) > problem.box:
            continue
        best = min(best, lts_objective(X, y, theta, **kw))
    return best


@pytest.mark.parametrize(
    "mode,l2,intercept,seed",
    [
        ("trimmed", 0.0, True, 40),
        ("trimmed", 0.5, True, 41),
        ("capped", 0.0, True, 42),
        ("trimmed", 0.0, False, 43),
    ],
)
def test_box_bound_never_exceeds_the_box_minimum(mode, l2, intercept, seed):
    """Random boxes: the relaxation bound, and the dual at arbitrary residuals, stay below
    the smallest objective on a fine grid of the box."""
    rng = np.random.default_rng(seed)
    problem, X, y, kw, _ = problem_for(seed, mode, l2, intercept)
    kw = {k: kw[k] for k in ("mode", "h", "mu", "l2")}
    root_lo, root_hi = problem._root_box()
    checked = 0
    for _ in range(12):
        centre = rng.uniform(-1.0, 1.0, root_lo.size) * rng.choice([0.5, 2.0, 6.0])
        half = rng.uniform(0.05, 1.5, root_lo.size)
        lo = np.maximum(centre - half, root_lo)
        hi = np.minimum(centre + half, root_hi)
        if np.any(lo >= hi):
            continue
        node = Node(bound=-math.inf, depth=1, state=(lo, hi), warm=None)
        bound = problem.relax(node, math.inf, math.inf).bound
        truth = grid_minimum(problem, X, y, kw, lo, hi)
        assert bound <= truth + 1e-9 * max(1.0, truth), (lo, hi, bound, truth)
        # The dual is valid at any residual vector and any eta.
        rl, ru = KB.residual_intervals(problem.Au, problem.yu, lo, hi)
        for _ in range(5):
            eta = problem.mu if mode == "capped" else float(rng.uniform(0.0, 10.0))
            qa, qb, chord = KB.envelope(rl, ru, eta)
            r = rng.normal(scale=3.0, size=problem.yu.size)
            d = KB.dual_bound(
                problem.Au,
                problem.yu,
                r,
                lo,
                hi,
                rl,
                ru,
                qa,
                qb,
                chord,
                problem.quad,
                eta,
                problem.k,
            )
            assert d <= truth + 1e-9 * max(1.0, truth)
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize(
    "mode,l2,intercept,seed",
    [("trimmed", 0.0, True, 50), ("trimmed", 0.5, True, 51), ("capped", 0.0, False, 52)],
)
def test_sqrt_objective_is_one_lipschitz_in_whitened_coordinates(mode, l2, intercept, seed):
    rng = np.random.default_rng(seed)
    problem, X, y, kw, _ = problem_for(seed, mode, l2, intercept, p=2)
    kw = {k: kw[k] for k in ("mode", "h", "mu", "l2")}
    problem._root_box()
    d = problem.Au.shape[1]
    for _ in range(200):
        u = rng.normal(scale=rng.choice([0.3, 3.0, 30.0]), size=d)
        v = u + rng.normal(scale=rng.choice([0.1, 1.0, 10.0]), size=d)
        fu = lts_objective(X, y, problem._theta(u), **kw)
        fv = lts_objective(X, y, problem._theta(v), **kw)
        assert abs(math.sqrt(fu) - math.sqrt(fv)) <= np.linalg.norm(u - v) * (1 + 1e-9) + 1e-9


@pytest.mark.parametrize(
    "mode,l2,intercept,seed",
    [("trimmed", 0.0, True, 60), ("trimmed", 0.5, True, 61), ("capped", 0.0, True, 62)],
)
def test_lipschitz_partition_bound_is_valid_and_prunes_far_boxes(mode, l2, intercept, seed):
    """For any target, the partition bound stays below the box minimum; far from the fit it
    reaches the target where the one-piece bound does not (not in capped mode, whose loss
    is flat far away)."""
    rng = np.random.default_rng(seed)
    problem, X, y, kw, _ = problem_for(seed, mode, l2, intercept, p=2)
    kw = {k: kw[k] for k in ("mode", "h", "mu", "l2")}
    root_lo, root_hi = problem._root_box()
    args = (problem.Au, problem.yu)
    rest = (problem.n, problem.code, problem.h, problem.mu, problem.lipschitz)
    pruned = refined = 0
    for _ in range(16):
        centre = rng.uniform(root_lo, root_hi)
        half = rng.uniform(0.05, 0.3, root_lo.size) * (root_hi - root_lo)
        lo, hi = centre - half, centre + half
        truth = grid_minimum(problem, X, y, kw, lo, hi, points=15)
        single = KB.lipschitz_bound(*args, lo, hi, *rest, math.inf, 256)
        for target in (0.5 * truth, 0.9 * truth, truth, 1.5 * truth):
            bound = KB.lipschitz_bound(*args, lo, hi, *rest, target, 256)
            assert bound <= truth * (1 + 1e-9) + 1e-9, (lo, hi, target, bound, truth)
            assert bound >= single
            if bound >= target > single:
                refined += 1
            pruned += bound >= target
    if mode == "trimmed":
        assert pruned >= 6
        assert refined >= 2


@pytest.mark.parametrize("mode,l2,intercept,duplicate,ties,seed", CASES)
def test_box_search_equals_brute_force(mode, l2, intercept, duplicate, ties, seed):
    X, y = instance(seed, intercept=intercept, duplicate=duplicate, ties=ties)
    kw = params(mode, l2)
    box = 10.0 if l2 == 0 else None  # not binding; a binding box is tested below
    truth = brute_force_lts(X, y, fit_intercept=intercept, box=box, **kw)
    problem = TrimmedBoxProblem(X, y, fit_intercept=intercept, coef_bound=box, n_starts=5, **kw)
    result = solve(problem, Limits(gap_tol=1e-7))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(truth.objective, rel=1e-6, abs=1e-9)
    assert result.bound <= truth.objective + 1e-9 * max(1.0, truth.objective)


def test_binding_coefficient_box_stays_valid():
    """When the optimum sits on the coefficient box, boxes reaching past it are pruned
    only when wholly outside: fits stay in the box and the bound below the optimum."""
    X, y = instance(0)
    kw = params("trimmed", 0.0)
    truth = brute_force_lts(X, y, box=4.0, **kw)
    assert np.max(np.abs(truth.solution[1:])) == pytest.approx(4.0)
    problem = TrimmedBoxProblem(X, y, coef_bound=4.0, n_starts=5, **kw)
    result = solve(problem, Limits(gap_tol=1e-3, max_nodes=20000))
    assert np.all(np.abs(result.solution[1:]) <= 4.0 + 1e-12)
    assert result.bound <= truth.objective <= result.objective
    assert result.objective == pytest.approx(truth.objective, rel=1e-3)
    assert result.gap <= 1e-3


def test_box_search_finds_a_better_fit_than_a_poor_start():
    """Started from a bad fit, the search itself must reach the brute-force optimum."""
    X, y = instance(50, p=2)
    kw = params("trimmed", 0.0)
    truth = brute_force_lts(X, y, box=4.0, **kw)
    bad = np.zeros(3)
    start = (lts_objective(X, y, bad, mode="trimmed", h=kw["h"], l2=0.0), bad)
    assert start[0] > truth.objective * 1.05
    problem = TrimmedBoxProblem(X, y, coef_bound=4.0, start=start, **kw)
    result = solve(problem, Limits(gap_tol=1e-7))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(truth.objective, rel=1e-6)


def test_solver_choice_and_agreement():
    """`bnb` uses the box search for few parameters; box and pattern searches agree."""
    d = make_lts_instance(40, 2, contamination=0.2, seed=3)
    fits = {
        s: solve_lts(d.X, d.y, trim_fraction=0.2, solver=s, n_starts=20, time_limit=60)
        for s in ("bnb", "box", "pattern")
    }
    assert fits["bnb"].info["search"] == "box"
    assert fits["pattern"].info["search"] == "pattern"
    for fit in fits.values():
        assert fit.status == "optimal"
    assert fits["box"].objective == pytest.approx(fits["pattern"].objective, rel=1e-6)
    for p, search in ((7, "box"), (8, "pattern")):  # d = p + 1 parameters; the box search
        wide = make_lts_instance(30, p, contamination=0.2, seed=3)  # takes d <= 8
        res = solve_lts(wide.X, wide.y, trim_fraction=0.2, n_starts=5, max_nodes=3)
        assert res.info["search"] == search
