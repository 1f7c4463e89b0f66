"""SCIP on the lifted Pyomo model of l0bnb.reference, in the benchmark's process."""

import time

from benchmark_utils import REPO_ROOT  # noqa: F401  (puts this checkout on sys.path)
from benchopt import BaseSolver


class Solver(BaseSolver):
    name = "SCIP"
    requirements = ["pip:pyscipopt"]
    sampling_strategy = "run_once"
    # A MIP on the big-M model: only small instances finish (see benchmarks/README.md).
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
            solver="scip",
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
        )
        self.elapsed = time.perf_counter() - t0

    def get_result(self):
        return dict(beta=self.result.solution, gap=self.result.gap, solver_time=self.elapsed)
