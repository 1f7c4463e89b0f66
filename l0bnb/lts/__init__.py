"""Penalised least trimmed squares (robust regression): pattern and box searches, reference."""

from ._estimator import PenalizedLTSRegressor
from ._solve import solve_lts

__all__ = ["PenalizedLTSRegressor", "solve_lts"]
