"""Categorical fusion: merging the levels of categorical features, certified."""

from ._estimator import CategoricalFusionRegressor
from ._path import FusionPath

__all__ = ["CategoricalFusionRegressor", "FusionPath"]
