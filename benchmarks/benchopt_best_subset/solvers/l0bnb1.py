"""l0bnb-1.0.0, in its own environment (benchmarks/.venvs), through benchmarks/_runner.py."""

from benchmark_utils import make_peer_solver
from benchopt import BaseSolver

Solver = make_peer_solver(BaseSolver, "l0bnb1", "l0bnb-1.0.0")
