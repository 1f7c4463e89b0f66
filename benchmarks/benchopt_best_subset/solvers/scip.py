"""SCIP on the lifted Pyomo model of l0bnb.reference, in the benchmark's process."""

from benchmark_utils import make_reference_solver
from benchopt import BaseSolver

Solver = make_reference_solver(BaseSolver, "scip", "SCIP", requirements=["pip:pyscipopt"])
