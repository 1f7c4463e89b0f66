"""Fusion branch and bound = brute force = Pyomo/HiGHS reference; bounds never above optimum."""

import itertools

import numpy as np
import pytest

from l0bnb.engine.search import Limits, solve
from l0bnb.fusion._bcd import multi_start_bcd
from l0bnb.fusion._data import FusionData
from l0bnb.fusion._kernels import bcd, dual_value
from l0bnb.fusion._problem import FusionProblem
from l0bnb.fusion.brute_force import solve_fusion_brute_force, zero_partitions
from l0bnb.fusion.reference import solve_fusion_reference
from l0bnb.fusion.refit import partition_ridge
from tests.node_bounds import record_relaxations


def tiny(seed, K=(3, 3), q=1, n=40, l0=0.0, lf=0.02, l2=1e-2, intercept=True, noise=1.5):
    rng = np.random.default_rng(seed)
    codes = np.column_stack([rng.integers(0, k, n) for k in K])
    for j, k in enumerate(K):  # every level observed
        codes[:k, j] = np.arange(k)
    values = [rng.choice([0.0, 1.0, -1.0], k) for k in K]
    Z = rng.normal(size=(n, q))
    y = sum(v[codes[:, j]] for j, v in enumerate(values)) + Z @ np.full(q, 0.5)
    y = y + noise * rng.normal(size=n) + (0 if intercept else 0.3)
    if intercept:
        y, Z = (y - y.mean()) / y.std(), (Z - Z.mean(0)) / Z.std(0)
    else:
        y, Z = y / np.sqrt(np.mean(y**2)), Z / np.sqrt(np.mean(Z**2, 0))
    return FusionData(y, codes, list(K), Z, intercept, l0, lf, l2)


CASES = [
    dict(seed=0),
    dict(seed=1, l0=0.01),
    dict(seed=2, l2=1e-3),
    dict(seed=3, l0=0.005, lf=0.05),
    dict(seed=4, intercept=False),
    dict(seed=5, K=(2, 4), q=2, l0=0.01),
    dict(seed=6, K=(4,), q=0, lf=0.01),
    dict(seed=7, K=(3, 2), q=2, l0=0.02, intercept=False),
]


@pytest.mark.parametrize("case", CASES)
def test_bnb_equals_brute_force(case):
    data = tiny(**case)
    best, _ = solve_fusion_brute_force(data)
    res = solve(FusionProblem(data), Limits(gap_tol=1e-9))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert res.bound <= best + 1e-9 * abs(best)
    assert data.objective(res.solution) == pytest.approx(res.objective, rel=1e-12)
    assert res.gap == pytest.approx(max(0.0, (res.objective - res.bound) / abs(res.objective)))
    # BCD is a heuristic: never below the optimum.
    _, bcd_value, _ = multi_start_bcd(data)
    assert bcd_value >= best - 1e-9 * abs(best)


@pytest.mark.parametrize("case", [CASES[0], CASES[1], CASES[4]])
def test_bnb_equals_highs_reference(case):
    data = tiny(**case)
    ref = solve_fusion_reference(data, multi_start_bcd(data)[0], time_limit=60.0)
    res = solve(FusionProblem(data), Limits(gap_tol=1e-9))
    assert ref.status == "optimal"
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)
    assert ref.bound <= res.objective * (1 + 1e-6)


def random_case(seed):
    """A random small instance: 1-2 features of 2-4 levels, 0-2 continuous, mixed penalties."""
    rng = np.random.default_rng(1000 + seed)
    K = tuple(int(k) for k in rng.integers(2, 5, size=int(rng.integers(1, 3))))
    return dict(
        seed=1000 + seed, K=K, q=int(rng.integers(0, 3)), n=int(rng.integers(25, 45)),
        l0=float(rng.choice([0.0, 0.01])), lf=float(rng.choice([0.005, 0.02, 0.05])),
        l2=float(rng.choice([1e-3, 1e-2])), intercept=bool(rng.integers(0, 2)),
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_bnb_equals_highs_reference_on_random_instances(seed):
    """Spec acceptance 3: the engine equals the Pyomo/HiGHS optimum on 20 random instances."""
    data = tiny(**random_case(seed))
    # Odd seeds start the reference from the empty model: it must not need the engine's BCD.
    start = multi_start_bcd(data)[0] if seed % 2 == 0 else None
    ref = solve_fusion_reference(data, start, time_limit=60.0)
    res = solve(FusionProblem(data), Limits(gap_tol=1e-9))
    assert ref.status == "optimal" and res.status == "optimal"
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)
    assert res.bound <= ref.objective * (1 + 1e-6)
    assert ref.bound <= res.objective * (1 + 1e-6)


def test_reference_all_triangles_agrees():
    data = tiny(seed=11, K=(3,), q=1)
    lazy = solve_fusion_reference(data, time_limit=60.0)
    full = solve_fusion_reference(data, time_limit=60.0, all_triangles=True)
    assert lazy.status == full.status == "optimal"
    assert lazy.objective == pytest.approx(full.objective, rel=1e-6)


def _consistent(state, labels):
    """Whether a labelling (0: zero group) respects the node's fused and split decisions."""
    lab = np.concatenate([[0], labels])
    rep, split = state.rep, state.split
    for i in range(len(rep)):
        if lab[i] != lab[rep[i]]:
            return False
    return all(lab[u] != lab[w] for u, w in split)


def _node_optimum(data, feats, z):
    """Brute-force minimum over all completions of a node."""
    per = [
        [lab for lab in zero_partitions(int(k)) if _consistent(f, lab)]
        for f, k in zip(feats, data.n_levels, strict=False)
    ]
    free = np.flatnonzero(z == -1)
    best = np.inf
    for labels in itertools.product(*per):
        for bits in itertools.product([0, 1], repeat=free.size):
            support = z == 1
            support[free] = np.array(bits, dtype=bool)
            sol, counted = partition_ridge(data, list(labels), support)
            best = min(best, counted, data.objective(sol))
    return best


@pytest.mark.parametrize(
    "case",
    [
        dict(seed=20),
        dict(seed=21, l0=0.01, K=(3, 2), q=2),
        dict(seed=22, K=(4, 3), q=1, intercept=False, lf=0.01),
        dict(seed=23, K=(5,), q=2, l2=1e-3, lf=0.005),
    ],
)
def test_every_node_bound_is_valid(case):
    data = tiny(**case)
    problem = FusionProblem(data)
    records = record_relaxations(problem)
    solve(problem, Limits(gap_tol=1e-9))
    assert len(records) > 3
    for (feats, z), bound in ((r.state, r.bound) for r in records[:60]):
        opt = _node_optimum(data, feats, z)
        assert bound <= opt + 1e-9 * max(1.0, abs(opt))


def test_bound_valid_under_node_limit_and_random_alpha():
    data = tiny(seed=30, K=(4, 3), q=1, lf=0.03, l2=1e-3)
    best, _ = solve_fusion_brute_force(data)
    for nodes in (1, 3, 10):
        res = solve(FusionProblem(data), Limits(max_nodes=nodes, gap_tol=1e-9))
        assert res.bound <= best + 1e-9 * abs(best)
        assert res.objective >= best - 1e-9 * abs(best)
    rng = np.random.default_rng(0)
    for _ in range(50):
        alpha = rng.normal(size=data.n) / data.n * rng.uniform(0.1, 3)
        alpha -= alpha.mean()
        d = dual_value(alpha, data.y, data.codes, data.offsets, data.Z, 0.0, data.lf, data.l2)
        assert d <= best + 1e-12


def test_bcd_objective_never_increases():
    data = tiny(seed=40, K=(5, 4), q=2, l0=0.005, l2=1e-3)
    beta0, theta0, mu0 = data.empty()
    values = []
    for sweeps in range(1, 8):
        _, _, _, value, _ = bcd(
            data.y, data.codes, data.offsets, data.Z, beta0, theta0, mu0, True,
            data.l0, data.lf, data.l2, 0.0, sweeps,
        )  # fmt: skip
        values.append(value)
    assert values[0] <= 0.5 + 1e-12  # below the empty model
    assert np.all(np.diff(values) <= 1e-14)


def test_ground_truth_imports_no_engine_module():
    """The reference and brute force must not share code (and bugs) with the engine side."""
    import ast
    from pathlib import Path

    import l0bnb.fusion as pkg

    engine_side = {"_bcd", "_kernels", "_problem", "_estimator", "_path"}
    for name in ("reference.py", "brute_force.py", "refit.py", "_data.py"):
        tree = ast.parse((Path(pkg.__file__).parent / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert (node.module or "").split(".")[0] not in engine_side, (name, node.module)


@pytest.mark.parametrize("case", [CASES[0], CASES[5], CASES[7]])
def test_partition_ridge_equals_dense_normal_equations(case):
    """The cross-tabulated Gram gives the same refit as the dense design."""
    data = tiny(**case)
    rng = np.random.default_rng(case["seed"])
    labels = [rng.integers(0, 3, int(k)) for k in data.n_levels]
    support = rng.integers(0, 2, data.q).astype(bool)
    (beta, theta, mu), counted = partition_ridge(data, labels, support)
    cols, w = [], []
    for j, lab in enumerate(labels):
        for g in np.unique(lab[lab > 0]):
            cols.append((lab == g)[data.codes[:, j]].astype(float))
            w.append(data.l2 * np.sum(lab == g))
    for k in np.flatnonzero(support):
        cols.append(data.Z[:, k])
        w.append(data.l2)
    A = np.column_stack(cols + [np.ones(data.n)]) if data.fit_intercept else np.column_stack(cols)
    pen = np.diag(np.concatenate([w, [0.0]]) if data.fit_intercept else np.asarray(w))
    gamma = np.linalg.solve(A.T @ A / data.n + 2 * pen, A.T @ data.y / data.n)
    fitted = data.y - A @ gamma
    dense = fitted @ fitted / (2 * data.n) + np.dot(np.diag(pen), gamma**2)
    dense += data.l0 * (sum(np.sum(lab > 0) for lab in labels) + support.sum())
    dense += data.lf * sum(np.unique(lab[lab > 0]).size for lab in labels)
    assert counted == pytest.approx(dense, rel=1e-10)
    assert mu == pytest.approx(gamma[-1] if data.fit_intercept else 0.0, abs=1e-10)
    np.testing.assert_allclose(theta[support], gamma[len(cols) - support.sum() : len(cols)],
                               rtol=1e-9, atol=1e-12)  # fmt: skip
