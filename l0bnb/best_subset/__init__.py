"""Best-subset selection (L0L2 least squares): kernels, problem, estimators, reference."""

from ._estimator import BestSubsetRegressor
from ._kpath import best_subset_size_path
from ._path import BestSubsetRegressorCV, SubsetPath, best_subset_path
from ._solve import solve_best_subset

__all__ = [
    "BestSubsetRegressor",
    "BestSubsetRegressorCV",
    "SubsetPath",
    "best_subset_path",
    "best_subset_size_path",
    "solve_best_subset",
]
