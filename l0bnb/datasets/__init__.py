"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .best_subset import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1
from .fusion import CategoricalRegressionData, fusion_metrics, make_categorical_regression
from .graphl0 import GraphicalData, graph_recovery_scores, make_graphical_instance
from .lts import LTSData, make_lts_instance
from .rules import RuleRegressionData, make_rule_regression

__all__ = [
    "CategoricalRegressionData",
    "GraphicalData",
    "LTSData",
    "RuleRegressionData",
    "SparseRegressionData",
    "fusion_metrics",
    "graph_recovery_scores",
    "make_categorical_regression",
    "make_graphical_instance",
    "make_lts_instance",
    "make_rule_regression",
    "make_sparse_regression",
    "preprocess_like_l0bnb1",
]
