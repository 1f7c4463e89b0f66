"""l0bnb: exact mixed-integer optimization for sparse statistics, with certificates.

Public names: the estimators (:class:`BestSubsetRegressor`, :class:`BestSubsetRegressorCV`,
:class:`GraphL0`, :class:`GraphL0CV`, :class:`PenalizedLTSRegressor`,
:class:`CategoricalFusionRegressor`, :class:`RuleExtractor`), their solve functions and paths,
the result type :class:`SolveResult`, and the l0bnb 1.0 entry points (:func:`fit_path`,
:class:`BNBTree`, :func:`gen_synthetic`).
"""

from .best_subset import (
    BestSubsetRegressor,
    BestSubsetRegressorCV,
    SubsetPath,
    best_subset_path,
    best_subset_size_path,
    solve_best_subset,
)
from .compat import BNBTree, fit_path, gen_synthetic
from .engine.result import SolveResult
from .exceptions import SearchLimitWarning
from .fusion import CategoricalFusionRegressor, FusionPath
from .graphl0 import GraphL0, GraphL0CV, GraphPath, graphl0_path, solve_graphical
from .lts import PenalizedLTSRegressor, solve_lts
from .rules import RuleExtractor, RulePath

__version__ = "2.0.0.dev0"

__all__ = [
    "BNBTree",
    "BestSubsetRegressor",
    "BestSubsetRegressorCV",
    "CategoricalFusionRegressor",
    "FusionPath",
    "GraphL0",
    "GraphL0CV",
    "GraphPath",
    "PenalizedLTSRegressor",
    "RuleExtractor",
    "RulePath",
    "SearchLimitWarning",
    "SolveResult",
    "SubsetPath",
    "__version__",
    "best_subset_path",
    "best_subset_size_path",
    "fit_path",
    "gen_synthetic",
    "graphl0_path",
    "solve_best_subset",
    "solve_graphical",
    "solve_lts",
]
