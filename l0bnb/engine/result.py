"""SolveResult and the status codes shared by the engine and the reference solvers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

OPTIMAL = "optimal"
GAP_LIMIT = "gap_limit"
TIME_LIMIT = "time_limit"
NODE_LIMIT = "node_limit"
INTERRUPTED = "interrupted"
INFEASIBLE = "infeasible"
#: Only the primal heuristic ran (a ``solver="heuristic"``-style fit, no search): the solution
#: carries no certificate beyond its ``bound`` (the root bound where one was computed, else 0).
HEURISTIC = "heuristic"

STATUSES = (OPTIMAL, GAP_LIMIT, TIME_LIMIT, NODE_LIMIT, INTERRUPTED, INFEASIBLE, HEURISTIC)

#: A search that closes with a relative gap at or below this is reported as ``optimal``
#: (Gurobi's default ``MIPGap``); a looser user ``gap_tol`` reached gives ``gap_limit``.
OPTIMALITY_GAP = 1e-4


def relative_gap(objective: float, bound: float) -> float:
    """Relative gap ``(objective - bound) / max(|objective|, 1e-10)``, never negative."""
    if not np.isfinite(objective):
        return float("inf")
    if not np.isfinite(bound):
        return float("inf")
    return max(0.0, (objective - bound) / max(abs(objective), 1e-10))


@dataclass
class SolveResult:
    """Outcome of a solve, from the branch-and-bound engine or a reference solver.

    Attributes
    ----------
    status : str
        One of ``optimal``, ``gap_limit``, ``time_limit``, ``node_limit``,
        ``interrupted``, ``infeasible``, or ``heuristic`` (no search was run: a heuristic-only
        solver; the bound is the best valid bound that solver had, possibly 0).
    objective : float
        Objective of the best solution found (``inf`` if none).
    bound : float
        A certified lower bound on the optimal objective.
    gap : float
        Relative gap ``(objective - bound) / max(|objective|, 1e-10)``.
    n_nodes : int
        Nodes whose relaxation was solved (outer-approximation rounds for the reference).
    runtime : float
        Wall-clock seconds.
    solution : numpy.ndarray or None
        The best solution found (for best subset: the coefficient vector).
    log : list of dict
        Progress records, one per printed line of the solver log.
    solver : str
        Which solver produced the result.
    info : dict
        Solver-specific extra information.
    """

    status: str
    objective: float
    bound: float
    gap: float
    n_nodes: int
    runtime: float
    solution: Any = None
    log: list = field(default_factory=list)
    solver: str = "l0bnb"
    info: dict = field(default_factory=dict)

    @property
    def stopped_by_limit(self) -> bool:
        """True when a limit or an interrupt stopped the search before the gap closed."""
        return self.status in (TIME_LIMIT, NODE_LIMIT, INTERRUPTED)

    def time_to_gap(self, target: float) -> float | None:
        """Seconds until the logged relative gap first fell to ``target`` or below.

        Read from ``log`` (one record per printed log line, so the answer is as fine as the
        log); the final gap counts at ``runtime``. ``None`` if the gap never got there.
        """
        for record in self.log:
            gap = record.get("gap")
            if gap is not None and gap <= target:
                return float(record["time"])
        return float(self.runtime) if self.gap <= target else None

    def __repr__(self) -> str:
        return (
            f"SolveResult(status={self.status!r}, objective={self.objective:.10g}, "
            f"bound={self.bound:.10g}, gap={self.gap:.3g}, n_nodes={self.n_nodes}, "
            f"runtime={self.runtime:.3f}s, solver={self.solver!r})"
        )
