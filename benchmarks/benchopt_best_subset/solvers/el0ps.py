"""El0ps, in its own environment (benchmarks/.venvs), through benchmarks/_runner.py."""

from benchmark_utils import make_peer_solver
from benchopt import BaseSolver

Solver = make_peer_solver(BaseSolver, "el0ps", "El0ps")
