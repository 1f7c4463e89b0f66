"""Exact reference solvers that certify the engine on small problems.

``outer_approximation`` is the driver every family's Pyomo reference runs on; the best-subset
ground truth is re-exported here for the l0bnb 1.0-era imports. The re-exports are lazy so
that a family's reference can import the driver without importing itself back.
"""

__all__ = ["box_ridge", "brute_force_best_subset", "solve_best_subset_reference"]


def __getattr__(name):
    if name in ("box_ridge", "brute_force_best_subset"):
        from ..best_subset import brute_force

        return getattr(brute_force, name)
    if name == "solve_best_subset_reference":
        from ..best_subset.reference import solve_best_subset_reference

        return solve_best_subset_reference
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
