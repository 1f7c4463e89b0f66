"""GraphL0: sparse precision matrices by L0L2-penalised pseudo-likelihood, certified."""

from ._estimator import GraphL0
from ._path import GraphL0CV, GraphPath, graphl0_path
from ._solve import solve_graphical

__all__ = ["GraphL0", "GraphL0CV", "GraphPath", "graphl0_path", "solve_graphical"]
