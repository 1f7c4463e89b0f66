"""Seeded synthetic generators used by tests, docs and benchmarks."""

from .regression import SparseRegressionData, make_sparse_regression, preprocess_like_l0bnb1
from .trimmed import LTSData, make_lts_instance

__all__ = [
    "LTSData",
    "make_lts_instance",
    "SparseRegressionData",
    "make_sparse_regression",
    "preprocess_like_l0bnb1",
]
