"""The generic branch-and-bound engine: it knows nothing about regression or graphs."""

from .result import SolveResult, relative_gap
from .search import Limits, solve

__all__ = ["Limits", "SolveResult", "relative_gap", "solve"]
