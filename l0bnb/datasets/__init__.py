"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .fusion import CategoricalRegressionData, fusion_metrics, make_categorical_regression
from .graphical import GraphicalData, graph_recovery_scores, make_graphical_instance
from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1
from .rules import RuleRegressionData, make_rule_regression
from .trimmed import LTSData, make_lts_instance

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
