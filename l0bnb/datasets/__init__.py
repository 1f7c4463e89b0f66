"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .graphical import GraphicalData, graph_recovery_scores, make_graphical_instance
from .fusion import CategoricalRegressionData, fusion_metrics, make_categorical_regression
from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1
from .trimmed import LTSData, make_lts_instance

__all__ = [
    "GraphicalData",
    "SparseRegressionData",
    "graph_recovery_scores",
    "make_graphical_instance",
    "LTSData",
    "make_lts_instance",
    "CategoricalRegressionData",
    "fusion_metrics",
    "make_categorical_regression",
from .rules import RuleRegressionData, make_rule_regression
    "RuleRegressionData",
    "make_rule_regression",
    "make_sparse_regression",
    "preprocess_like_l0bnb1",
]
