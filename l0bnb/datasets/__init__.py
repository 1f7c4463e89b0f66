"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1
from .rules import RuleRegressionData, make_rule_regression

__all__ = [
    "RuleRegressionData",
    "SparseRegressionData",
    "make_rule_regression",
    "make_sparse_regression",
    "preprocess_like_l0bnb1",
]
