"""Shared code of the benchopt benchmark: instance parameters and the peer runners.

It reuses ``benchmarks/best_subset.py`` (one objective formula, the l0 window of the true
support, the box-ridge refit) and its subprocess runners, so that this benchmark and the
script's table measure the same thing. Peers that cannot share this environment (l0bnb
1.0.0, L0Learn, El0ps, abess) run in the virtual environments under ``benchmarks/.venvs/``
that ``benchmarks/best_subset.py`` creates; nothing is installed from here, so the benchmark
runs offline (a peer whose environment is missing is skipped with the reason).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parents[2]  # benchmarks/
REPO_ROOT = BENCH_DIR.parent
for _path in (str(BENCH_DIR), str(REPO_ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import best_subset as script  # noqa: E402  (benchmarks/best_subset.py)

objective_value = script.objective
box_ridge = script.box_ridge
l0_window = script.l0_window


def instance_parameters(X, y, l2, support=None, l0_ratio=0.05, m_factor=1.5):
    """``(X, y, l0, M)``: preprocessed data and the penalties every solver gets.

    ``X`` and ``y`` are centered and scaled to unit norm. With a true ``support`` (synthetic
    data), ``l0`` and ``M`` follow ``benchmarks/best_subset.py``: the geometric mean of the
    window where the support is a coordinate-wise minimum, and 1.5 x the largest ridge
    coefficient on the support. Without one (real data), ``M`` is 1.5 x the largest ridge
    coefficient on all features and ``l0 = l0_ratio * l0_max`` with ``l0_max`` the penalty
    at which the first feature enters.
    """
    from l0bnb.datasets import preprocess_like_l0bnb1

    X, y = preprocess_like_l0bnb1(np.asarray(X, float), np.asarray(y, float))
    if support is not None:
        support = np.asarray(support, dtype=int)
        M = m_factor * float(np.max(np.abs(box_ridge(X, y, l2, np.inf, support))))
        lo, hi, _ = l0_window(X, y, l2, M, support)
        l0 = float(np.sqrt(lo * hi)) if lo < hi else 0.9 * hi
    else:
        M = m_factor * float(np.max(np.abs(box_ridge(X, y, l2, np.inf, np.arange(X.shape[1])))))
        gains = 0.5 * (X.T @ y) ** 2 / (np.einsum("ij,ij->j", X, X) + 2 * l2)
        l0 = l0_ratio * float(np.max(gains))
    return X, y, l0, M


def environment_python(solver: str) -> tuple[str | None, str | None]:
    """Interpreter of ``solver``'s environment, or ``(None, reason)`` if it is not built."""
    env = script.SOLVER_ENV[solver]
    if env == "main":
        return sys.executable, None
    exe = script.VENV_DIR / env / "bin" / "python"
    marker = script.VENV_DIR / env / ".bench-packages.json"
    if not (exe.exists() and marker.exists()):
        return None, (
            f"environment benchmarks/.venvs/{env} not built; run "
            f"'python benchmarks/best_subset.py --quick --solvers {solver}' once (online)"
        )
    return str(exe), None


def run_peer(solver, X, y, l0, l2, M, time_limit, gap_tol):
    """Run ``solver`` through ``benchmarks/_runner.py`` (or the l0bnb 1.0 runner) in its env.

    Returns the runner's JSON with the dense coefficient vector under ``"beta"``.
    """
    python, reason = environment_python(solver)
    if python is None:
        raise RuntimeError(reason)
    script_name = "_l0bnb1_runner.py" if solver.startswith("l0bnb1") else "_runner.py"
    with tempfile.TemporaryDirectory(prefix="l0bnb-benchopt-") as tmp:
        inst = Path(tmp) / "instance.npz"
        with open(inst, "wb") as fh:
            np.savez(fh, X=X, y=y)
        cfg = {
            "solver": solver,
            "instance": str(inst),
            "l0": l0,
            "l2": l2,
            "M": M,
            "time_limit": time_limit,
            "gap_tol": gap_tol,
            "output": str(Path(tmp) / "out.json"),
        }
        out, _, _ = script._run_subprocess(python, script_name, cfg, 1.5 * time_limit + 180)
    if not out.get("ok"):
        raise RuntimeError(f"{solver} failed: {json.dumps(out)[:500]}")
    beta = np.zeros(X.shape[1])
    sparse = out.get("coef") or {"index": [], "value": []}
    beta[np.asarray(sparse["index"], dtype=int)] = sparse["value"]
    out["beta"] = beta
    return out


def make_peer_solver(base_class, solver_key: str, label: str):
    """A benchopt ``Solver`` class running ``solver_key`` through :func:`run_peer`.

    Each ``solvers/<peer>.py`` is one line, ``Solver = make_peer_solver(BaseSolver, ...)``.
    """

    class Solver(base_class):
        name = label
        requirements = []
        sampling_strategy = "run_once"
        parameters = {"time_limit": [60.0], "gap_tol": [1e-4]}

        def skip(self, X, y, l0, l2, M):
            _, reason = environment_python(solver_key)
            return (reason is not None), reason

        def set_objective(self, X, y, l0, l2, M):
            self.args = (X, y, l0, l2, M)

        def run(self, _):
            X, y, l0, l2, M = self.args
            self.out = run_peer(solver_key, X, y, l0, l2, M, self.time_limit, self.gap_tol)

        def get_result(self):
            gap = self.out.get("gap")
            return dict(
                beta=self.out["beta"],
                gap=float("nan") if gap is None else float(gap),
                solver_time=float(self.out.get("time", float("nan"))),
            )

    Solver.__qualname__ = f"Solver[{label}]"
    return Solver


def make_reference_solver(base_class, backend: str, label: str, requirements: list):
    """A benchopt ``Solver`` class running the Pyomo reference with ``backend`` in process.

    The model is a MIP on the big-M formulation: only small instances finish, so instances
    with more than ``max_features`` columns are skipped.
    """

    class Solver(base_class):
        name = label
        sampling_strategy = "run_once"
        parameters = {"time_limit": [60.0], "gap_tol": [1e-4], "max_features": [100]}

        def skip(self, X, y, l0, l2, M):
            if X.shape[1] > self.max_features:
                return True, f"p = {X.shape[1]} > max_features = {self.max_features}"
            return False, None

        def set_objective(self, X, y, l0, l2, M):
            self.X, self.y, self.l0, self.l2, self.M = X, y, l0, l2, M

        def run(self, _):
            from l0bnb.reference import solve_best_subset_reference

            t0 = time.perf_counter()
            self.result = solve_best_subset_reference(
                self.X,
                self.y,
                l0=self.l0,
                l2=self.l2,
                M=self.M,
                solver=backend,
                time_limit=self.time_limit,
                gap_tol=self.gap_tol,
            )
            self.elapsed = time.perf_counter() - t0

        def get_result(self):
            return dict(beta=self.result.solution, gap=self.result.gap, solver_time=self.elapsed)

    Solver.requirements = requirements
    Solver.__qualname__ = f"Solver[{label}]"
    return Solver
