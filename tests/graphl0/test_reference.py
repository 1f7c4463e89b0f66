"""Tests for the exact GraphL0 reference (HiGHS outer approximation, SCIP) against brute force."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from l0bnb.datasets.graphl0 import make_graphical_instance
from l0bnb.engine.result import OPTIMAL, TIME_LIMIT
from l0bnb.engine.search import Limits, solve
from l0bnb.graphl0._box import certified_box
from l0bnb.graphl0._problem import GraphL0Problem
from l0bnb.graphl0.reference import solve_graphical_reference
from l0bnb.graphl0.support_refit import brute_force_graphical, graphical_objective


@cache
def _covariance(seed: int, p: int) -> np.ndarray:
    """Empirical covariance of 10 draws from a random well-conditioned precision matrix."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((p, p))
    C = A @ A.T + p * np.eye(p)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(C) * 5, size=10)
    X -= X.mean(0)
    return X.T @ X / 10


def _banded_covariance() -> np.ndarray:
    X = make_graphical_instance(20, 3, "banded", bandwidth=1, seed=0).X
    X = X - X.mean(0)
    return X.T @ X / len(X)


def _instance(name: str) -> np.ndarray:
    if name == "banded":
        return _banded_covariance()
    p, seed = (int(part) for part in name.split("-"))
    return _covariance(seed, p)


@cache
def _brute(name: str, l0: float, l2: float, M: float | None):
    # Brute force dominates the file's runtime: share it between tests.
    return brute_force_graphical(_instance(name), l0, l2, np.inf if M is None else M)


def _box_for(S: np.ndarray, l2: float, M: float | None) -> float | None:
    """The box a caller hands the reference: certified around the empty graph if unboxed."""
    if M is not None:
        return None
    empty_graph = float(np.sum(np.log(np.diag(S))) + S.shape[0])
    return certified_box(S, l2, empty_graph)


def _max_edge(T: np.ndarray) -> float:
    return float(np.max(np.abs(T[np.triu_indices(T.shape[0], 1)])))


# name = "p-seed"; M = None is the unboxed problem, and M = 0.5 binds on these instances.
CASES = [
    ("3-0", 0.1, 0.0, 1.0),
    ("3-0", 0.05, 0.0, None),
    ("3-0", 0.05, 0.05, None),
    ("3-1", 0.05, 0.05, 0.5),
    ("3-2", 0.1, 0.0, 1.0),
    ("banded", 0.05, 0.05, None),
    ("4-1", 0.05, 0.01, 0.5),
    ("4-2", 0.02, 0.1, None),
]


@pytest.mark.parametrize(("name", "l0", "l2", "M"), CASES)
def test_matches_brute_force(name, l0, l2, M):
    S = _instance(name)
    truth = _brute(name, l0, l2, M)
    result = solve_graphical_reference(S, l0, l2, M, box=_box_for(S, l2, M), time_limit=60.0)
    scale = max(1.0, abs(truth.objective))
    assert result.status == OPTIMAL
    assert result.solver == "reference-highs-oa"
    assert abs(result.objective - truth.objective) <= 1e-6 * scale
    assert result.bound <= truth.objective + 1e-9 * scale
    assert result.objective == pytest.approx(graphical_objective(S, result.solution, l0, l2))
    if M is not None:
        assert _max_edge(result.solution) <= M + 1e-12


def test_binding_cases_bind():
    # Guard on the table above: a "binding M" case must really hold an edge at the box.
    for name, l0, l2, M in CASES:
        if M is not None and l2 > 0:
            assert _max_edge(_brute(name, l0, l2, M).solution) == pytest.approx(M)


@pytest.mark.parametrize(("name", "l0", "l2", "M"), [c for c in CASES if c[3] is None])
def test_certified_box_holds_the_optimum(name, l0, l2, M):
    truth = _brute(name, l0, l2, M)
    assert certified_box(_instance(name), l2, truth.objective) >= _max_edge(truth.solution)


def test_certified_box_needs_positive_definite_s_without_ridge():
    S = np.ones((3, 3))
    with pytest.raises(ValueError, match="give a finite M"):
        certified_box(S, 0.0, 10.0)
    assert certified_box(S, 0.1, 10.0) > 0


def test_singular_covariance_without_box_raises():
    X = np.random.default_rng(0).standard_normal((3, 5))
    X -= X.mean(0)
    S = X.T @ X / 3
    with pytest.raises(ValueError, match="give a finite M"):
        solve_graphical_reference(S, 0.1, 0.0)
    # With a box, or with a ridge, the same problem is well posed.
    assert solve_graphical_reference(S, 0.5, 0.0, 0.5, time_limit=0.5).objective < np.inf


def test_six_nodes_solve_to_optimality_and_agree_with_the_engine():
    S = _covariance(0, 6)
    result = solve_graphical_reference(S, 0.05, 0.05, box=_box_for(S, 0.05, None), time_limit=60)
    assert result.status == OPTIMAL
    assert result.runtime < 60.0
    assert result.bound <= result.objective
    assert result.objective == pytest.approx(graphical_objective(S, result.solution, 0.05, 0.05))
    engine = solve(GraphL0Problem(S, 0.05, 0.05, np.inf), Limits(time_limit=30.0))
    assert engine.status == OPTIMAL
    scale = max(1.0, abs(result.objective))
    assert abs(engine.objective - result.objective) <= 1e-6 * scale
    assert engine.bound <= result.objective + 1e-9 * scale
    assert result.bound <= engine.objective + 1e-9 * scale


def test_time_limit_is_honoured():
    S = _covariance(2, 8)
    result = solve_graphical_reference(S, 0.05, 0.0, 1.0, time_limit=1.0)
    assert result.status == TIME_LIMIT
    # One refit and the model build may run past the limit.
    assert result.runtime < 1.0 + 3.0
    assert result.bound <= result.objective < np.inf


def test_rejects_bad_input():
    S = _covariance(0, 3)
    with pytest.raises(ValueError, match="unknown solver"):
        solve_graphical_reference(S, 0.1, 0.0, 1.0, solver="gurobi")
    with pytest.raises(ValueError, match="M must be positive"):
        solve_graphical_reference(S, 0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match="positive diagonal"):
        solve_graphical_reference(np.diag([1.0, 0.0, 1.0]), 0.1, 0.0, 1.0)
    # The reference certifies no box itself: the unboxed problem needs the caller's.
    with pytest.raises(ValueError, match="pass box="):
        solve_graphical_reference(S, 0.1, 0.1)
    with pytest.raises(ValueError, match="pass box="):
        solve_graphical_reference(S, 0.1, 0.1, box=np.inf)


def test_reference_imports_nothing_from_the_engine_side():
    import ast
    from pathlib import Path

    import l0bnb.graphl0.reference as reference

    tree = ast.parse(Path(reference.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
            imported.update(alias.name for alias in node.names)
    assert not imported & {"_box", "_kernels", "_problem", "_solve", "_path", "_estimator"}


def test_scip_matches_brute_force():
    name, l0, l2, M = CASES[3]
    truth = _brute(name, l0, l2, M)
    result = solve_graphical_reference(_instance(name), l0, l2, M, solver="scip", time_limit=30)
    scale = max(1.0, abs(truth.objective))
    assert result.status == OPTIMAL
    assert result.solver == "reference-scip"
    assert abs(result.objective - truth.objective) <= 1e-6 * scale
    assert result.bound <= truth.objective + 1e-9 * scale
