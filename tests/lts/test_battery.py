"""Penalised LTS: engine = brute force = Pyomo reference; bounds never above the optimum."""

import math
from itertools import combinations

import numpy as np
import pytest

from l0bnb import solve_lts
from l0bnb.datasets import make_lts_instance
from l0bnb.engine.search import Limits, solve
from l0bnb.lts import _kernels as K
from l0bnb.lts._pattern_problem import TrimmedProblem
from l0bnb.lts.reference import (
    brute_force_lts,
    lts_objective,
    solve_lts_reference,
    subset_fit,
)
from tests.node_bounds import record_relaxations

N = 10


def instance(seed, p=2, intercept=True, duplicate=False, ties=False):
    d = make_lts_instance(N, p, contamination=0.25, sign="+-", intercept=1.5, seed=seed)
    X, y = d.X.copy(), d.y.copy()
    if duplicate:  # duplicate rows: degenerate cells, equal residuals
        X[1], y[1] = X[0], y[0]
        X[3], y[3] = X[2], y[2]
    if ties:  # residual ties around the trimming threshold (y on a grid)
        y = np.round(y)
    if not intercept:
        y = y - 1.5
    return X, y


def params(mode, l2):
    if mode == "trimmed":
        return dict(mode=mode, h=8, mu=None, l2=l2)
    return dict(mode=mode, h=None, mu=1.5, l2=l2)


CASES = [
    # (mode, l2, intercept, duplicate, ties, seed)
    ("trimmed", 0.0, True, False, False, 0),
    ("trimmed", 0.1, True, False, False, 1),
    ("trimmed", 10.0, False, False, False, 2),
    ("trimmed", 0.0, False, True, False, 3),
    ("trimmed", 0.1, True, False, True, 4),
    ("capped", 0.0, True, False, False, 5),
    ("capped", 0.1, False, False, False, 6),
    ("capped", 10.0, True, True, False, 7),
    ("capped", 0.1, True, False, True, 8),
]


@pytest.mark.parametrize("mode,l2,intercept,duplicate,ties,seed", CASES)
def test_engine_equals_brute_force(mode, l2, intercept, duplicate, ties, seed):
    X, y = instance(seed, intercept=intercept, duplicate=duplicate, ties=ties)
    kw = params(mode, l2)
    box = 4.0 if l2 == 0 else None
    truth = brute_force_lts(X, y, fit_intercept=intercept, box=box, **kw)
    problem = TrimmedProblem(X, y, fit_intercept=intercept, coef_bound=box, n_starts=5, **kw)
    result = solve(problem, Limits(gap_tol=1e-9))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(truth.objective, rel=1e-6, abs=1e-9)
    assert result.bound <= truth.objective + 1e-9 * max(1.0, truth.objective)
    # The reported objective is F at the returned fit, recomputed independently.
    theta = result.solution
    assert lts_objective(X, y, theta, **{k: kw[k] for k in ("mode", "h", "mu", "l2")}) == (
        pytest.approx(result.objective, rel=1e-9)
    )
    if box is not None:
        assert np.all(np.abs(theta[1:]) <= box + 1e-12)


def node_optimum(X, y, state, kw, intercept, box):
    """Best completion of a node (inlier/outlier fixings only, no cell constraints)."""
    n = len(y)
    fixed_in = np.flatnonzero(state == K.INLIER)
    free = [i for i in range(n) if state[i] == K.FREE]
    best = math.inf
    sizes = [kw["h"] - fixed_in.size] if kw["mode"] == "trimmed" else range(len(free) + 1)
    for size in sizes:
        if size < 0 or size > len(free):
            continue
        for extra in combinations(free, size):
            idx = np.concatenate([fixed_in, np.array(extra, dtype=int)]).astype(int)
            _, value = subset_fit(X, y, idx, l2=kw["l2"], fit_intercept=intercept, box=box)
            if kw["mode"] == "capped":
                value += kw["mu"] * (n - idx.size)
            best = min(best, value)
    return best


@pytest.mark.parametrize(
    "mode,l2,seed", [("trimmed", 0.0, 10), ("trimmed", 1.0, 11), ("capped", 0.1, 12)]
)
def test_every_node_bound_below_node_optimum(mode, l2, seed):
    """Per node: the dual bound never exceeds the best completion that could beat UB."""
    X, y = instance(seed, p=1)
    X, y = X[:9], y[:9]
    kw = params(mode, l2)
    if mode == "trimmed":
        kw["h"] = 6
    box = 3.0 if l2 == 0 else None
    problem = TrimmedProblem(X, y, coef_bound=box, n_starts=3, **kw)
    # The radii M hold for completions with F <= UB: record the UB each node saw.
    records = record_relaxations(problem, extra=lambda pr: pr.ub)
    result = solve(problem, Limits(gap_tol=1e-9))
    assert result.status == "optimal"
    checked = 0
    for state, bound, ub in ((r.state, r.bound, r.extra) for r in records):
        opt = node_optimum(X, y, state, kw, True, box)
        if opt <= ub * (1 + 1e-9) + 1e-12:  # the radii M hold for completions with F <= UB
            assert bound <= opt + 1e-9 * max(1.0, opt), (state, bound, opt)
            checked += 1
    assert checked >= 2 and len(records) >= 5


def test_dual_value_is_a_bound_for_random_points():
    """D(alpha, eta) <= node optimum for random alpha and eta (not just the dual point)."""
    rng = np.random.default_rng(0)
    X, y = instance(20, p=1)
    X, y = X[:8], y[:8]
    kw = dict(mode="trimmed", h=6, mu=None, l2=0.5)
    truth = brute_force_lts(X, y, **kw)
    ub = truth.objective * 1.01
    problem = TrimmedProblem(X, y, n_starts=2, **kw)
    problem.note_value(ub)
    for _ in range(200):
        state = rng.choice([K.FREE, K.FREE, K.INLIER, K.OUT_ABOVE], size=8).astype(np.int8)
        n_in = int((state == K.INLIER).sum())
        n_out = int((state >= K.OUT_ABOVE).sum())
        if n_in > 6 or n_out > 2:
            continue
        eff, _, n_out = problem._effective_types(state)
        opt = node_optimum(X, y, state, kw, True, None)
        if opt > ub:
            continue
        M = problem._node_radii(eff)
        eta = float(rng.uniform(0, 10))
        kap = K.kappa(M, eta)
        alpha = rng.normal(scale=2.0, size=8)
        const = -eta * (2 - n_out) if (eff == K.FREE).any() else 0.0
        d = K.dual_value(X, y, alpha, eff, M, kap, eta, 0.5, 0.0, True, const)
        assert d <= opt + 1e-9


def test_huber_relaxation_matches_numeric_minimum():
    """phi(r) = min_z (|r| - M z)_+^2 / (1 - z) + eta z, and its conjugate, numerically."""
    M, eta = np.array([3.0]), 4.0
    kap = K.kappa(M, eta)[0]
    z = np.linspace(0, 1 - 1e-9, 200001)
    for r in np.linspace(-3, 3, 13):
        numeric = np.min(np.maximum(abs(r) - M[0] * z, 0) ** 2 / (1 - z) + eta * z)
        value = K.relaxed_value(
            np.array([r]), np.zeros(0), np.array([K.FREE], np.int8), np.array([kap]), 0.0, 0.0
        )
        assert value == pytest.approx(numeric, abs=1e-4)
    rs = np.linspace(-3, 3, 60001)
    huber = np.where(np.abs(rs) <= kap, rs**2, 2 * kap * np.abs(rs) - kap**2)
    for a in (-7.0, -1.0, 0.3, 2 * kap, 5.0):
        sup = np.max(a * rs - huber)
        conj = a * a / 4 if abs(a) <= 2 * kap else M[0] * abs(a) - eta
        assert conj == pytest.approx(sup, abs=1e-3)


@pytest.mark.parametrize("mode,l2", [("trimmed", 0.0), ("capped", 0.5), ("trimmed", 1.0)])
def test_reference_highs_oa_agrees(mode, l2):
    X, y = instance(30, p=1)
    X, y = X[:10], y[:10]
    kw = params(mode, l2)
    if mode == "trimmed":
        kw["h"] = 7
    box = 4.0 if l2 == 0 else None
    truth = brute_force_lts(X, y, box=box, **kw)
    ref = solve_lts_reference(X, y, box=box, solver="highs", time_limit=60, **kw)
    assert ref.status == "optimal"
    assert ref.objective == pytest.approx(truth.objective, rel=1e-6)
    assert ref.bound <= truth.objective + 1e-7 * max(1.0, truth.objective)
    problem = TrimmedProblem(X, y, coef_bound=box, n_starts=5, **kw)
    mine = solve(problem, Limits(gap_tol=1e-9))
    assert mine.objective == pytest.approx(ref.objective, rel=1e-6)


def test_clustered_leverage_where_fast_lts_fails():
    """One FAST-LTS start lands on the fit through the leverage cluster; the search does not."""
    d = make_lts_instance(
        14,
        2,
        contamination=0.3,
        outlier_type="clustered",
        spread=0.5,
        leverage=3.0,
        sigma=0.1,
        seed=6,
    )
    kw = dict(n_inliers=9, n_starts=1, random_state=1)
    fast = solve_lts(d.X, d.y, solver="heuristic", **kw)
    exact = solve_lts(d.X, d.y, time_limit=60, **kw)
    truth = brute_force_lts(d.X, d.y, h=9, box=exact.info["coef_bound"])
    assert fast.objective > 10 * truth.objective
    assert exact.status == "optimal"
    assert exact.objective == pytest.approx(truth.objective, rel=1e-6)
    inliers = exact.info["inlier_mask"]
    assert not np.any(inliers & d.outliers)  # no leverage point kept
    assert np.linalg.norm(exact.solution[1:] - d.coef) < 0.3
    assert np.linalg.norm(fast.solution[1:] - d.coef) > 0.5


def test_interrupt_returns_the_incumbent():
    """Ctrl-C inside a relaxation: the engine returns the best fit so far, status interrupted."""
    X, y = instance(40)
    problem = TrimmedProblem(X, y, h=8, l2=0.1, n_starts=3)
    relax, calls = problem.relax, []

    def interrupted(node, cutoff, deadline):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return relax(node, cutoff, deadline)

    problem.relax = interrupted
    result = solve(problem, Limits(gap_tol=1e-9))
    assert result.status == "interrupted"
    assert result.objective == pytest.approx(problem.objective(result.solution), rel=1e-12)
    truth = brute_force_lts(X, y, h=8, l2=0.1)
    assert result.bound <= truth.objective + 1e-9 <= result.objective + 2e-9


def test_reference_imports_nothing_engine_side():
    """The references check the search: they must not share its heuristics or kernels."""
    import ast
    from pathlib import Path

    import l0bnb.lts.reference as reference

    tree = ast.parse(Path(reference.__file__).read_text())
    modules = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(
        "_pattern" in m or "_box" in m or "_kernels" in m or "_solve" in m for m in modules
    )
    assert "refit" in modules
