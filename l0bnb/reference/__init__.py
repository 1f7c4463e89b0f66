"""Exact reference solvers (brute force, MIP) that certify the engine on small problems."""

from ..best_subset.brute_force import box_ridge, brute_force_best_subset
from ..best_subset.reference import solve_best_subset_reference

__all__ = ["box_ridge", "brute_force_best_subset", "solve_best_subset_reference"]
