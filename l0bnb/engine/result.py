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

#: The one spelling of each backend in ``SolveResult.solver`` (keys are the ``solver=``
#: arguments of the solve functions and references).
SOLVER_LABELS = {
    "bnb": "l0bnb",
    "highs": "reference-highs-oa",
    "scip": "reference-scip",
    "brute_force": "brute-force",
    "heuristic": "l0bnb-heuristic",
    "bcd": "l0bnb-bcd",
    "path": "l0bnb-path",
}

#: A search that closes with a relative gap at or below this is reported as ``optimal``
#: (Gurobi's default ``MIPGap``); a looser user ``gap_tol`` reached gives ``gap_limit``.
OPTIMALITY_GAP = 1e-4


#: Floor of the gap's denominator as a fraction of the problem's objective scale (see
#: :func:`relative_gap`): it matters only when the objective itself is almost zero.
SCALE_FLOOR = 1e-9


def final_status(stop: str, gap: float, has_solution: bool = True) -> str:
    """The package's one status rule, for the engine and every reference.

    ``optimal`` exactly when the certificate proves a relative gap of at most
    :data:`OPTIMALITY_GAP`, whatever stopped the search; otherwise why it stopped
    (``gap_limit`` when a looser ``gap_tol`` was reached).
    """
    if not has_solution:
        return INFEASIBLE if stop in (OPTIMAL, GAP_LIMIT) else stop
    if gap <= OPTIMALITY_GAP * (1.0 + 1e-9):  # rounding of the gap test itself
        return OPTIMAL
    return GAP_LIMIT if stop == OPTIMAL else stop


def relative_gap(objective: float, bound: float, scale: float = 0.0) -> float:
    """Relative gap ``(objective - bound) / max(|objective|, 1e-9 * scale)``, never negative.

    No constant in the units of the data enters: ``scale`` is a number in the objective's own
    units that the problem supplies (for least squares ``0.5 ||y||^2``, the objective of the
    empty model), so multiplying the data by any factor leaves the gap unchanged. An
    objective of exactly zero with a bound of zero has gap 0; with a lower bound and no scale,
    the gap is infinite (nothing is certified).
    """
    if not np.isfinite(objective) or not np.isfinite(bound):
        return float("inf")
    diff = objective - bound
    if diff <= 0.0:
        return 0.0
    denominator = max(abs(objective), SCALE_FLOOR * abs(scale))
    return float(diff / denominator) if denominator > 0.0 else float("inf")


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
        Relative gap ``(objective - bound) / |objective|`` (see :func:`relative_gap` for
        the floor used when the objective is almost zero). ``optimal`` implies
        ``gap <= 1e-4``; the result checks it when it is made.
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

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}.")
        if self.status == OPTIMAL and not self.gap <= OPTIMALITY_GAP * (1.0 + 1e-9):
            raise ValueError(
                f"a result with gap {self.gap:.3g} cannot be 'optimal' (gap <= "
                f"{OPTIMALITY_GAP:g} is required); use 'gap_limit' or a limit status."
            )

    @classmethod
    def enumerated(cls, objective, solution, n_visited: int, started: float, info=None):
        """The result of an exhaustive enumeration: optimal, bound = objective, gap 0."""
        import time

        return cls(
            OPTIMAL, float(objective), float(objective), 0.0, int(n_visited),
            time.perf_counter() - started, solution, solver=SOLVER_LABELS["brute_force"],
            info=info or {},
        )  # fmt: skip

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

    def __str__(self) -> str:
        gap = "-" if not np.isfinite(self.gap) else f"{100 * self.gap:.4g}%"
        return (
            f"{self.status}: objective {self.objective:.8g}, bound {self.bound:.8g}, "
            f"gap {gap}, {self.n_nodes} nodes, {self.runtime:.2f} s ({self.solver})"
        )
