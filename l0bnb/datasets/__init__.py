"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .fusion import CategoricalRegressionData, fusion_metrics, make_categorical_regression
from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1

__all__ = [
    "CategoricalRegressionData",
    "SparseRegressionData",
    "fusion_metrics",
    "make_categorical_regression",
    "make_sparse_regression",
    "preprocess_like_l0bnb1",
]
