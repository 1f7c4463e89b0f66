"""l0bnb: exact mixed-integer optimization for sparse statistics, with certificates.

Public names: the best-subset estimators (:class:`BestSubsetRegressor`,
:class:`BestSubsetRegressorCV`, :func:`best_subset_path`, :func:`solve_best_subset`), the
result type :class:`SolveResult`, and the l0bnb 1.0 entry points (:func:`fit_path`,
:class:`BNBTree`, :func:`gen_synthetic`).
"""

from .compat import BNBTree, fit_path, gen_synthetic
from .engine.result import SolveResult
from .estimators._validation import SearchLimitWarning
from .estimators.path import BestSubsetRegressorCV, SubsetPath, best_subset_path
from .estimators.rules import RuleExtractor, RulePath
from .estimators.solve import solve_best_subset
from .estimators.subset import BestSubsetRegressor

__version__ = "2.0.0.dev0"

__all__ = [
    "BNBTree",
    "BestSubsetRegressor",
    "BestSubsetRegressorCV",
    "RuleExtractor",
    "RulePath",
    "SearchLimitWarning",
    "SolveResult",
    "SubsetPath",
    "__version__",
    "best_subset_path",
    "fit_path",
    "gen_synthetic",
    "solve_best_subset",
]
