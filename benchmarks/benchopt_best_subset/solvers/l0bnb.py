"""l0bnb 2.x (this checkout), in the benchmark's process."""

import time

from benchmark_utils import REPO_ROOT  # noqa: F401  (puts this checkout on sys.path)
from benchopt import BaseSolver


class Solver(BaseSolver):
    name = "l0bnb"
    requirements = []
    sampling_strategy = "run_once"
    parameters = {"time_limit": [60.0], "gap_tol": [1e-4]}

    def set_objective(self, X, y, l0, l2, M):
        self.X, self.y, self.l0, self.l2, self.M = X, y, l0, l2, M

    def warm_up(self):
        # Compile (or load) the Numba kernels outside the timed run.
        from l0bnb import solve_best_subset

        solve_best_subset(self.X[:40, :10], self.y[:40], l0=self.l0, l2=self.l2, M=self.M)

    def run(self, _):
        from l0bnb import solve_best_subset

        t0 = time.perf_counter()
        self.result = solve_best_subset(
            self.X,
            self.y,
            l0=self.l0,
            l2=self.l2,
            M=self.M,
            time_limit=self.time_limit,
            gap_tol=self.gap_tol,
        )
        self.elapsed = time.perf_counter() - t0

    def get_result(self):
        return dict(beta=self.result.solution, gap=self.result.gap, solver_time=self.elapsed)
