"""l0bnb: exact mixed-integer optimization for sparse statistics, with certificates.

Public names: the estimators (:class:`BestSubsetRegressor`, :class:`BestSubsetRegressorCV`,
:class:`GraphL0`, :class:`GraphL0CV`, :class:`PenalizedLTSRegressor`,
:class:`CategoricalFusionRegressor`, :class:`RuleExtractor`), their solve functions and paths,
the result type :class:`SolveResult`, and the l0bnb 1.0 entry points (:func:`fit_path`,
:class:`BNBTree`, :func:`gen_synthetic`).
"""

from .compat import BNBTree, fit_path, gen_synthetic
from .engine.result import SolveResult
from .estimators._validation import SearchLimitWarning
from .estimators.fusion import CategoricalFusionRegressor
from .estimators.fusion_path import FusionPath
from .estimators.graphical import GraphL0
from .estimators.graphical_path import GraphL0CV, GraphPath, graphl0_path
from .estimators.graphical_solve import solve_graphical
from .estimators.path import BestSubsetRegressorCV, SubsetPath, best_subset_path
from .estimators.rules import RuleExtractor, RulePath
from .estimators.solve import solve_best_subset
from .estimators.subset import BestSubsetRegressor
from .estimators.trimmed import PenalizedLTSRegressor
from .estimators.trimmed_solve import solve_lts

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
    "fit_path",
    "gen_synthetic",
    "graphl0_path",
    "solve_best_subset",
    "solve_graphical",
    "solve_lts",
]
