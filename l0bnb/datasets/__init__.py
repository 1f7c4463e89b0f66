"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1

__all__ = ["SparseRegressionData", "make_sparse_regression", "preprocess_like_l0bnb1"]
