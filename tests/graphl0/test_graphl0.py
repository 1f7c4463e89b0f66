"""GraphL0: engine = brute force, valid node bounds, estimator behaviour, bad input."""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
import pytest

from l0bnb import GraphL0, GraphL0CV, graphl0_path, solve_graphical
from l0bnb.datasets import graph_recovery_scores, make_graphical_instance
from l0bnb.engine.nodes import Node
from l0bnb.engine.search import Limits, solve
from l0bnb.graphl0 import _kernels as kern
from l0bnb.graphl0._box import certified_box
from l0bnb.graphl0._curvature import balanced_shift, uniform_shift
from l0bnb.graphl0._kernels import ONE, ZERO
from l0bnb.graphl0._problem import GraphL0Problem
from l0bnb.graphl0.support_refit import (
    brute_force_graphical,
    graphical_objective,
    solve_on_support,
)
from tests.node_bounds import record_relaxations


def small_covariance(seed: int, p: int = 4, n: int = 10) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((p, p))
    C = A @ A.T + p * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(C) * 5, size=n)
    X -= X.mean(0)
    return X.T @ X / n


def every_support(S, l0, l2, M):
    """Objective of the best matrix on each edge set (the enumeration behind brute force)."""
    p = S.shape[0]
    pairs = list(combinations(range(p), 2))
    values = {}
    for size in range(len(pairs) + 1):
        for edges in combinations(pairs, size):
            T, _ = solve_on_support(S, list(edges), l2, M)
            values[frozenset(i * p + j for i, j in edges)] = graphical_objective(S, T, l0, l2)
    return values


def subtree_optimum(values, zeros, ones):
    zeros, ones = set(zeros.tolist()), set(ones.tolist())
    feasible = [v for s, v in values.items() if not (s & zeros) and ones <= s]
    return min(feasible) if feasible else np.inf


# (seed, l0, l2, M): perspective regime, l2 = 0 with a certified or given box, a binding box,
# the l1 regime (sqrt(l0 / l2) > M) and a large price.
CASES = [
    (0, 0.05, 0.05, None),
    (1, 0.2, 0.01, None),
    (2, 0.05, 0.0, None),
    (3, 0.05, 0.0, 0.3),
    (4, 0.1, 0.05, 0.3),
    (5, 0.5, 0.02, None),
]


@pytest.fixture(scope="module")
def enumerated():
    out = {}
    for seed, l0, l2, M in CASES:
        S = small_covariance(seed)
        box = M
        if box is None:
            box = np.inf if l2 > 0 else certified_box(S, 0.0, np.sum(np.log(np.diag(S))) + 4)
        out[seed] = (S, box, every_support(S, l0, l2, box))
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"seed{c[0]}" for c in CASES])
def test_engine_matches_enumeration_and_every_node_bound_is_valid(case, enumerated):
    seed, l0, l2, _ = case
    S, box, values = enumerated[seed]
    optimum = min(values.values())
    problem = GraphL0Problem(S, l0, l2, box)
    records = record_relaxations(problem)
    result = solve(problem, Limits(time_limit=30))
    assert result.status == "optimal"
    assert records
    for record in records:
        zeros, ones = record.state
        best = subtree_optimum(values, zeros, ones)
        slack = 1e-9 * max(1.0, abs(best))
        assert record.bound <= best + slack
        fixed = record.relaxation.info.get("fixed")
        if fixed is not None and fixed[0].size:
            # A subtree removed by reduced-cost fixing must not hide a better solution.
            for flat, how in zip(*fixed, strict=True):
                if how == ZERO:
                    removed = subtree_optimum(values, zeros, np.append(ones, flat))
                else:
                    assert how == ONE
                    removed = subtree_optimum(values, np.append(zeros, flat), ones)
                assert record.relaxation.removed_bound <= removed + slack
    scale = max(1.0, abs(optimum))
    assert abs(result.objective - optimum) <= 1e-6 * scale
    assert result.bound <= optimum + 1e-9 * scale
    T = result.solution
    assert np.array_equal(T, T.T)
    assert abs(graphical_objective(S, T, l0, l2) - result.objective) <= 1e-9 * scale


@pytest.mark.parametrize("case", CASES[:4], ids=[f"seed{c[0]}" for c in CASES[:4]])
def test_dual_bound_is_valid_at_arbitrary_points(case, enumerated):
    """The bound must hold for any iterate, however far from the relaxation's optimum."""
    seed, l0, l2, _ = case
    S, box, values = enumerated[seed]
    p = S.shape[0]
    problem = GraphL0Problem(S, l0, l2, box)
    rng = np.random.default_rng(seed)
    upper = np.triu_indices(p, 1)
    for _ in range(40):
        T = np.zeros((p, p))
        x = rng.normal(scale=0.5, size=upper[0].size) * (rng.random(upper[0].size) < 0.6)
        T[upper] = np.clip(x, -box, box)
        T += T.T
        np.fill_diagonal(T, problem.L * (1 + rng.exponential(size=p)))
        flat = upper[0] * p + upper[1]
        draw = rng.random(flat.size)
        zeros, ones = flat[draw < 0.2], flat[draw > 0.85]
        state = problem._state(Node(bound=-np.inf, depth=0, state=(zeros, ones)))
        T[state == ZERO] = 0.0
        W, quad = kern.product_with(S, T)
        bound, _, _ = kern.hull_dual_bound(T, W, quad, state, problem.L, l0, l2, box, problem.D)
        best = subtree_optimum(values, zeros, ones)
        assert bound <= best + 1e-9 * max(1.0, abs(best))


def one_coordinate_shift(S, k):
    """All of S's room on coordinate k (``S - D`` singular): the most uneven valid D."""
    D = np.zeros(S.shape[0])
    D[k] = (1.0 - 1e-9) / np.linalg.inv(S)[k, k]
    return D


@pytest.mark.parametrize("case", CASES, ids=[f"seed{c[0]}" for c in CASES])
def test_uneven_curvature_keeps_every_node_bound_valid(case, enumerated):
    """Edge (i, j) moves D_j into column i's term and D_i into column j's: with all of D on
    one coordinate, mixing up the two makes the relaxation overestimate some subtree."""
    seed, l0, l2, _ = case
    S, box, values = enumerated[seed]
    for k in range(S.shape[0]):
        problem = GraphL0Problem(S, l0, l2, box)
        problem._D = one_coordinate_shift(S, k)
        records = record_relaxations(problem)
        result = solve(problem, Limits(time_limit=30))
        assert result.status == "optimal"
        for record in records:
            best = subtree_optimum(values, *record.state)
            assert record.bound <= best + 1e-9 * max(1.0, abs(best))
        optimum = min(values.values())
        assert abs(result.objective - optimum) <= 1e-6 * max(1.0, abs(optimum))


@pytest.mark.parametrize("seed", range(4))
def test_hull_value_is_exact_at_integer_points_for_any_curvature(seed):
    S = small_covariance(seed, p=5, n=12)
    p = S.shape[0]
    rng = np.random.default_rng(seed)
    T = np.zeros((p, p))
    upper = np.triu_indices(p, 1)
    T[upper] = rng.normal(scale=0.3, size=upper[0].size) * (rng.random(upper[0].size) < 0.6)
    T += T.T
    np.fill_diagonal(T, (1.0 + rng.exponential(size=p)) / np.diag(S))
    state = np.full((p, p), kern.FREE, dtype=np.int8)
    np.fill_diagonal(state, ONE)
    Z = (T != 0).astype(float)
    W, quad = kern.product_with(S, T)
    exact = kern.integer_value(T, quad, 0.1, 0.05)
    for D in (np.zeros(p), uniform_shift(S), balanced_shift(S), one_coordinate_shift(S, seed)):
        value = kern.hull_value(T, quad, Z, state, 1.0 / np.diag(S), 0.1, 0.05, D)
        assert value == pytest.approx(exact, rel=1e-12)


def test_balanced_shift_is_proved_feasible_and_beats_the_uniform_shift():
    for seed in range(5):
        data = make_graphical_instance(60, 30, "banded", seed=seed)
        X = data.X - data.X.mean(0)
        S = X.T @ X / len(X)
        D, uniform = balanced_shift(S), uniform_shift(S)
        assert np.all(D > 0)
        assert np.linalg.eigvalsh(S - np.diag(D))[0] >= 0.0
        assert np.sum(np.log(D)) >= np.sum(np.log(uniform))
        assert D.sum() > 1.2 * uniform.sum()
    # Without time for even lambda_min, nothing moves (still valid, only weaker).
    assert not balanced_shift(S, deadline=time.perf_counter()).any()
    # n <= p: S is singular, nothing can move.
    data = make_graphical_instance(20, 30, "banded", seed=0)
    X = data.X - data.X.mean(0)
    assert not balanced_shift(X.T @ X / len(X)).any()


@pytest.mark.parametrize("case", CASES, ids=[f"seed{c[0]}" for c in CASES])
def test_relaxation_out_of_time_still_returns_a_finite_valid_bound(case, enumerated):
    """A node relaxed after the deadline (or after Ctrl-C) stops before sweeping; its bound,
    taken at the warm start, must be finite and below the subtree's optimum."""
    seed, l0, l2, _ = case
    S, box, values = enumerated[seed]
    p = S.shape[0]
    problem = GraphL0Problem(S, l0, l2, box)
    problem.initial_incumbent(np.inf)
    rng = np.random.default_rng(seed)
    flat = np.flatnonzero(np.triu(np.ones((p, p)), 1))
    for _ in range(20):
        T = np.zeros((p, p))
        T[np.triu_indices(p, 1)] = np.clip(rng.normal(scale=2.0, size=flat.size), -box, box)
        T += T.T
        np.fill_diagonal(T, problem.L * (1 + rng.exponential(size=p)))
        draw = rng.random(flat.size)
        zeros, ones = flat[draw < 0.2], flat[draw > 0.85]
        node = Node(bound=-np.inf, depth=1, state=(zeros, ones), warm=_sparse_of(T))
        relaxation = problem.relax(node, np.inf, deadline=0.0)
        assert np.isfinite(relaxation.bound)
        assert not relaxation.integral
        best = subtree_optimum(values, zeros, ones)
        assert relaxation.bound <= best + 1e-9 * max(1.0, abs(best))
    # The root's bound before any search (taken at the diagonal start) is valid too.
    assert problem.root_floor <= min(values.values()) + 1e-9


def test_a_child_relaxed_after_the_deadline_keeps_its_parents_bound_without_work(enumerated):
    S, box, _ = enumerated[0]
    problem = GraphL0Problem(S, 0.05, 0.05, box)
    problem.initial_incumbent(np.inf)
    zeros, ones = np.array([1]), np.array([2])
    node = Node(bound=-3.25, depth=2, state=(zeros, ones), warm=problem.root_warm)
    relaxation = problem.relax(node, np.inf, deadline=0.0)
    assert relaxation.bound == -3.25 and not relaxation.integral
    (child,) = problem.branch(node, relaxation)
    assert child.state[0].tolist() == [1] and child.state[1].tolist() == [2]


def test_node_heuristic_is_skipped_when_its_measured_cost_does_not_fit(enumerated):
    S, box, _ = enumerated[0]
    problem = GraphL0Problem(S, 0.05, 0.05, box)
    problem.initial_incumbent(np.inf)
    relaxation = problem.relax(problem.root(), np.inf, np.inf)
    problem._heuristic_cost = 5.0
    soon = time.perf_counter() + 1.0
    assert problem.heuristic(problem.root(), relaxation, np.inf, soon) is None
    assert problem.heuristic(problem.root(), relaxation, np.inf, soon + 10.0) is not None


def _sparse_of(T):
    rows, cols = np.nonzero(np.triu(T, 1))
    return rows, cols, T[rows, cols].copy(), np.diag(T).copy()


def test_time_limit_in_the_root_keeps_a_finite_bound_and_is_honoured():
    # The hull's tangent at the heuristic point gives -inf here; the fallback must not.
    data = make_graphical_instance(240, 120, "banded", seed=0)
    result = solve_graphical(data.X, time_limit=0.3)
    assert result.status == "time_limit"
    assert np.isfinite(result.bound) and result.bound <= result.objective
    # Generous for a loaded machine; the 2 % / 0.5 s figures are measured in the benchmark.
    assert result.runtime <= 0.3 + 1.0


def test_interrupt_before_the_first_incumbent_returns_the_empty_graph(monkeypatch):
    """A KeyboardInterrupt inside the heuristic (a second Ctrl-C) used to crash the fit."""

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(GraphL0Problem, "l0_descent", interrupted)
    X = make_graphical_instance(100, 5, "banded", seed=0).X
    with pytest.warns(UserWarning):
        model = GraphL0(l0=0.05, l2=0.05).fit(X)
    assert model.result_.status == "interrupted"
    assert model.n_edges_ == 0
    Xc = X - X.mean(0)
    S = Xc.T @ Xc / len(X)
    assert model.result_.objective == pytest.approx(
        graphical_objective(S, model.precision_, 0.05, 0.05)
    )


def _stop_after(monkeypatch, count):
    """Make the path's solves press Ctrl-C (the stop flag) after ``count`` of them."""
    from l0bnb.engine.interrupt import request_stop
    from l0bnb.graphl0 import _path

    real = _path.solve_graphical
    calls = []

    def solve_then_stop(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        if len(calls) >= count:
            request_stop()
        return result

    monkeypatch.setattr(_path, "solve_graphical", solve_then_stop)
    return calls


def test_path_stops_as_a_whole_on_ctrl_c(monkeypatch, banded):
    calls = _stop_after(monkeypatch, 2)
    path = graphl0_path(banded.X, n_l0=5, l2=0.05)
    assert len(calls) == 2
    assert len(path.results) == len(path.precisions) == path.l0s.size == 2
    assert path.results[-1].status == "interrupted"
    # The flag belongs to the path's scope: the next fit starts clean.
    monkeypatch.undo()
    assert all(r.status == "optimal" for r in graphl0_path(banded.X, n_l0=2, l2=0.05).results)


def test_cv_stops_on_ctrl_c_and_chooses_among_finished_prices(monkeypatch, banded):
    calls = _stop_after(monkeypatch, 4)
    model = GraphL0CV(n_l0=3, l2=0.05, max_nodes=30).fit(banded.X)
    # Fold 1 solved its 3 prices, fold 2 stopped after its first; fold 3 never started.
    assert len(calls) == 4
    assert np.isfinite(model.cv_scores_[0]).all()
    assert np.isnan(model.cv_scores_[2]).all()
    assert model.l0_ == model.cv_l0s_[0]
    assert model.precision_.shape == (10, 10)


def test_kernels_compile_before_the_clock_with_the_types_a_solve_uses(banded):
    """A specialisation first needed inside a solve compiles against its time limit."""
    from l0bnb.graphl0._problem import compile_kernels

    compile_kernels()

    def signatures():
        return {
            name: len(kernel.signatures)
            for name, kernel in vars(kern).items()
            if hasattr(kernel, "signatures")
        }

    before = signatures()
    for l2, M in ((0.05, None), (0.0, 1.0)):
        solve_graphical(banded.X, 0.05, l2, M, max_nodes=20)
        GraphL0(l0=0.05, l2=l2, M=M, max_nodes=5, warm_start=True).fit(banded.X).fit(banded.X)
    assert signatures() == before


def test_brute_force_function_agrees_with_enumeration():
    S = small_covariance(7, p=3)
    values = every_support(S, 0.05, 0.05, np.inf)
    result = brute_force_graphical(S, 0.05, 0.05)
    assert result.n_nodes == len(values) == 8
    assert result.objective == pytest.approx(min(values.values()), rel=1e-12)


def test_certified_box_never_cuts_the_optimum():
    for seed in range(3):
        S = small_covariance(seed, p=3)
        unboxed = brute_force_graphical(S, 0.02, 0.0, 1e6)
        box = certified_box(S, 0.0, np.sum(np.log(np.diag(S))) + 3)
        T = unboxed.solution
        assert box >= np.max(np.abs(T[np.triu_indices(3, 1)]))


@pytest.fixture(scope="module")
def banded():
    return make_graphical_instance(300, 10, "banded", bandwidth=1, cond=5, seed=3)


def test_estimator_output_is_symmetric_sparse_and_certified(banded):
    model = GraphL0(l0=0.05, l2=0.05, time_limit=30).fit(banded.X)
    T = model.precision_
    assert np.array_equal(T, T.T)
    assert model.result_.status == "optimal"
    assert model.n_edges_ == int(np.count_nonzero(np.triu(T, 1)))
    assert model.support_.sum() == 2 * model.n_edges_
    Xc = banded.X - banded.X.mean(0)
    S = Xc.T @ Xc / Xc.shape[0]
    objective = graphical_objective(S, T, 0.05, 0.05)
    assert objective == pytest.approx(model.result_.objective, rel=1e-9)
    assert model.result_.bound <= model.result_.objective
    # A chain graph with strong partial correlations is recovered exactly at this size.
    scores = graph_recovery_scores(T, banded.precision)
    assert scores["mcc"] > 0.95
    assert model.precision_is_pd_
    assert np.allclose(model.covariance_ @ T, np.eye(10), atol=1e-8)


def test_permutation_equivariance_and_shift_invariance(banded):
    X = banded.X[:, :7]
    base = GraphL0(l0=0.05, l2=0.05).fit(X)
    perm = np.random.default_rng(0).permutation(7)
    permuted = GraphL0(l0=0.05, l2=0.05).fit(X[:, perm])
    assert permuted.result_.objective == pytest.approx(base.result_.objective, rel=1e-7)
    assert np.array_equal(permuted.support_, base.support_[np.ix_(perm, perm)])
    shifted = GraphL0(l0=0.05, l2=0.05).fit(X + 3.0)
    assert np.array_equal(shifted.support_, base.support_)
    assert np.allclose(shifted.precision_, base.precision_, atol=1e-6)


def test_limits_are_honoured_and_heuristic_mode_reports_a_bound():
    data = make_graphical_instance(400, 25, "random", seed=1)
    limited = solve_graphical(data.X, 0.02, 0.02, max_nodes=5)
    assert limited.n_nodes <= 5
    assert limited.status == "node_limit"
    timed = solve_graphical(data.X, 0.02, 0.02, time_limit=0.5)
    assert timed.runtime <= 0.5 + 1.0
    heuristic = solve_graphical(data.X, 0.02, 0.02, solver="heuristic")
    assert heuristic.n_nodes == 1
    assert heuristic.bound <= heuristic.objective
    assert heuristic.info["abs_gap"] == pytest.approx(heuristic.objective - heuristic.bound)


def test_warm_start_keeps_the_optimum(banded):
    cold = GraphL0(l0=0.05, l2=0.05).fit(banded.X)
    warm = GraphL0(l0=0.05, l2=0.05, warm_start=True)
    warm.precision_ = cold.precision_
    warm.fit(banded.X)
    assert warm.result_.objective == pytest.approx(cold.result_.objective, rel=1e-7)


def test_path_and_cv(banded):
    path = graphl0_path(banded.X, n_l0=3, l2=0.05)
    assert np.all(np.diff(path.l0s) < 0)
    assert path.n_edges[0] <= path.n_edges[-1]
    assert all(r.status == "optimal" for r in path.results)
    serial = GraphL0CV(n_l0=3, l2=0.05, max_nodes=30).fit(banded.X)
    parallel = GraphL0CV(n_l0=3, l2=0.05, max_nodes=30, n_jobs=2).fit(banded.X)
    assert serial.cv_scores_.shape == (3, 3)
    assert np.allclose(serial.cv_scores_, parallel.cv_scores_)
    assert serial.l0_ == parallel.l0_
    assert serial.l0_ in serial.cv_l0s_


def _data(n=20, p=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, p))


@pytest.mark.parametrize(
    ("X", "params", "message"),
    [
        (_data(1, 4), {}, "minimum of 2"),
        (_data(20, 1), {}, "minimum of 2"),
        (np.where(np.eye(20, 4) > 0, np.nan, _data()), {}, "NaN"),
        (np.column_stack([_data(), np.ones(20)]), {}, "constant"),
        (_data(), {"l0": -1.0}, "l0"),
        (_data(), {"l2": -0.1}, "l2"),
        (_data(), {"M": 0.0}, r"'M' .* must be a float in the range \(0\.0, inf\]"),
        (_data(), {"l2": 0.0, "M": np.inf}, "unbounded"),
        (_data(3, 6), {"l2": 0.0}, "singular"),
        (_data(), {"solver": "gurobi"}, "solver"),
        (_data(), {"time_limit": -1}, "time_limit"),
    ],
)
def test_bad_input_is_refused_before_solving(X, params, message):
    with pytest.raises(ValueError, match=message):
        GraphL0(**params).fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_l0": 0}, "n_l0"),
        ({"n_l0": 2.5}, "n_l0"),
        ({"l0s": []}, "empty"),
        ({"l0s": [0.1, -0.1]}, "l0s"),
        ({"l0s": [0.1, np.nan]}, "l0s"),
    ],
)
def test_bad_grids_are_refused_before_solving(params, message, monkeypatch):
    from l0bnb.graphl0 import _path

    def no_solve(*args, **kwargs):
        raise AssertionError("solved before refusing the grid")

    monkeypatch.setattr(_path, "solve_graphical", no_solve)
    with pytest.raises(ValueError, match=message):
        graphl0_path(_data(), **params)
    with pytest.raises(ValueError, match=message):
        GraphL0CV(**params).fit(_data())


def test_constant_columns_are_judged_relative_to_their_scale():
    X = make_graphical_instance(200, 5, "banded", seed=1).X
    tiny = X.copy()
    tiny[:, 2] *= 1e-7  # a real spread, just small
    assert GraphL0(l0=0.05, l2=0.05).fit(tiny).result_.status == "optimal"
    for column in (np.full(200, 5.0), np.full(200, 1e6) + 1e-13 * np.arange(200)):
        constant = X.copy()
        constant[:, 1] = column
        with pytest.raises(ValueError, match="constant"):
            GraphL0().fit(constant)


def test_bad_warm_start_is_refused():
    with pytest.raises(ValueError, match="warm_start"):
        solve_graphical(_data(), 0.1, warm_start=np.eye(3))


def test_cli_solves_graphl0_and_writes_the_estimators_graph(tmp_path, banded):
    import json

    from l0bnb.cli import main

    X = banded.X[:, :6]
    names = [f"v{i}" for i in range(6)]
    path = tmp_path / "data.csv"
    np.savetxt(path, X, delimiter=",", header=",".join(names), comments="")
    out = tmp_path / "graph.json"
    args = ["solve", str(path), "--model", "graphl0", "--l0", "0.05", "--l2", "0.05"]
    assert main([*args, "--quiet", "--output", str(out)]) == 0
    written = json.loads(out.read_text())
    model = GraphL0(l0=0.05, l2=0.05).fit(X)
    assert written["certificate"]["status"] == "optimal"
    assert written["n_edges"] == model.n_edges_
    rows, cols = np.nonzero(np.triu(model.precision_, 1))
    assert [(e["from"], e["to"]) for e in written["edges"]] == [
        (names[i], names[j]) for i, j in zip(rows, cols, strict=True)
    ]
    assert written["certificate"]["objective"] == pytest.approx(model.result_.objective)
