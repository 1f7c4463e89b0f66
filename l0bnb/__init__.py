"""l0bnb: exact mixed-integer optimization for sparse statistics, with certificates."""

from .engine.result import SolveResult

__version__ = "2.0.0.dev0"

__all__ = ["SolveResult", "__version__"]
