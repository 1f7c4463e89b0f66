"""The branch-and-bound loop: select a node, relax, prune, find incumbents, branch."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from .log import SearchLog
from .queue import NodeQueue
from .result import (
    GAP_LIMIT,
    INTERRUPTED,
    NODE_LIMIT,
    OPTIMAL,
    OPTIMALITY_GAP,
    TIME_LIMIT,
    SolveResult,
    relative_gap,
)

INF = float("inf")


@dataclass
class Limits:
    """When the search stops.

    Parameters
    ----------
    time_limit : float or None, default=None
        Wall-clock seconds (``None``: no limit).
    max_nodes : int or None, default=None
        Maximum number of relaxations solved.
    gap_tol : float, default=1e-4
        Stop once the relative gap is at or below this.
    abs_gap_tol : float, default=1e-10
        Stop once ``objective - bound`` is at or below this.
    """

    time_limit: float | None = None
    max_nodes: int | None = None
    gap_tol: float = 1e-4
    abs_gap_tol: float = 1e-10

    def __post_init__(self) -> None:
        if self.time_limit is not None and not self.time_limit > 0:
            raise ValueError(f"time_limit must be positive or None, got {self.time_limit}.")
        if self.max_nodes is not None and (
            int(self.max_nodes) != self.max_nodes or self.max_nodes < 1
        ):
            raise ValueError(
                f"max_nodes must be a positive integer or None, got {self.max_nodes}."
            )
        if not (0 <= self.gap_tol < 1):
            raise ValueError(f"gap_tol must be in [0, 1), got {self.gap_tol}.")
        if not self.abs_gap_tol >= 0:
            raise ValueError(f"abs_gap_tol must be non-negative, got {self.abs_gap_tol}.")

    def tolerance(self, incumbent: float) -> float:
        """Absolute slack allowed between the incumbent and the bound of a pruned node."""
        if incumbent == INF:
            return 0.0
        return max(self.abs_gap_tol, self.gap_tol * abs(incumbent))


class _Search:
    """State of one branch-and-bound run (kept in one object so Ctrl-C can stop anywhere)."""

    def __init__(self, problem: Any, limits: Limits, verbose: bool):
        self.problem = problem
        self.limits = limits
        self.log = SearchLog(verbose)
        self.start = time.perf_counter()
        self.deadline = INF if limits.time_limit is None else self.start + limits.time_limit
        self.queue = NodeQueue()
        self.incumbent = INF
        self.solution = None
        self.n_nodes = 0
        # Bounds of nodes that left the tree without being branched (pruned by bound, or
        # closed as integral): the global bound can never exceed the smallest of them.
        self.closed_bound = INF
        self.depth = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def global_bound(self) -> float:
        return min(self.queue.min_bound(), self.closed_bound, self.incumbent)

    def offer(self, candidate: tuple[float, Any] | None) -> bool:
        if candidate is None:
            return False
        value, solution = candidate
        if self.solution is None or value < self.incumbent - 1e-12 * abs(self.incumbent):
            self.incumbent, self.solution = float(value), solution
            return True
        return False

    def report(self, marker: str) -> None:
        bound = self.global_bound()
        self.log.line(
            marker,
            self.n_nodes,
            len(self.queue),
            self.depth,
            self.incumbent,
            bound,
            relative_gap(self.incumbent, bound),
            self.elapsed(),
        )

    def gap_closed(self) -> bool:
        bound = self.global_bound()
        return self.incumbent - bound <= self.limits.tolerance(self.incumbent)

    def close(self, bound: float) -> None:
        self.closed_bound = min(self.closed_bound, bound)

    def run(self) -> str:
        problem, limits = self.problem, self.limits
        self.queue.push(problem.root())
        self.offer(problem.initial_incumbent(self.deadline))
        if self.solution is not None:
            self.report("H")
        while len(self.queue):
            if self.gap_closed():
                return OPTIMAL
            # The root is relaxed even when the heuristic used up the time, so every result
            # carries a bound (relaxations stop at the deadline themselves).
            if time.perf_counter() >= self.deadline and self.n_nodes > 0:
                return TIME_LIMIT
            if limits.max_nodes is not None and self.n_nodes >= limits.max_nodes:
                return NODE_LIMIT
            node = self.queue.pop(self.incumbent)
            self.depth = node.depth
            cutoff = self.incumbent - limits.tolerance(self.incumbent)
            if node.bound >= cutoff:
                self.close(node.bound)
                continue
            relaxation = problem.relax(node, cutoff, self.deadline)
            self.n_nodes += 1
            bound = max(node.bound, relaxation.bound)
            self.close(relaxation.removed_bound)
            improved = self.offer(relaxation.candidate)
            if relaxation.integral or bound >= cutoff:
                self.close(bound)
            else:
                improved |= self.offer(
                    problem.heuristic(node, relaxation, self.incumbent, self.deadline)
                )
                cutoff = self.incumbent - limits.tolerance(self.incumbent)
                if bound >= cutoff:
                    self.close(bound)
                else:
                    children = problem.branch(node, relaxation)
                    for i, child in enumerate(children):
                        child.bound = max(child.bound, bound)
                        (self.queue.push_dive if i == 0 else self.queue.push)(child)
            if improved:
                self.report("*")
            elif self.n_nodes == 1 or self.log.due(self.n_nodes, self.elapsed()):
                self.report(" ")
        return OPTIMAL

    def result(self, status: str) -> SolveResult:
        bound = self.global_bound()
        if status == OPTIMAL and self.solution is None:
            status = "infeasible"
        gap = relative_gap(self.incumbent, bound)
        if (
            status == OPTIMAL
            and gap > OPTIMALITY_GAP * (1.0 + 1e-9)  # rounding of the gap test itself
            and self.incumbent - bound > self.limits.abs_gap_tol
        ):
            status = GAP_LIMIT
        return SolveResult(
            status=status,
            objective=self.incumbent,
            bound=bound,
            gap=gap,
            n_nodes=self.n_nodes,
            runtime=self.elapsed(),
            solution=self.solution,
            log=self.log.records,
        )


def _text(value, spec: str) -> str:
    return "none" if value is None else format(value, spec)


def solve(problem: Any, limits: Limits | None = None, verbose: bool = False) -> SolveResult:
    """Solve a problem implementing :class:`l0bnb.engine.protocol.Problem` by branch and bound.

    Parameters
    ----------
    problem : Problem
        The formulation (data, parameters, relaxation, heuristics, branching).
    limits : Limits, optional
        Time, node and gap limits (default: gap 1e-4, no time or node limit).
    verbose : bool, default=False
        Print a solver-style progress table.

    Returns
    -------
    SolveResult
        Status, best objective and solution, certified bound, gap, nodes and runtime. The
        best solution found is returned whatever stopped the search, including Ctrl-C
        (status ``interrupted``).
    """
    from .protocol import require_protocol

    require_protocol(problem)
    limits = limits or Limits()
    search = _Search(problem, limits, verbose)
    describe = getattr(problem, "describe", None)
    search.log.banner(
        (describe() if describe else [])
        + [
            f"Limits: time {_text(limits.time_limit, '.4g')}, "
            f"nodes {_text(limits.max_nodes, 'd')}, gap {limits.gap_tol:g}",
            "",
        ]
    )
    try:
        status = search.run()
    except KeyboardInterrupt:
        status = INTERRUPTED
    result = search.result(status)
    search.report(" ")
    result.log = search.log.records
    search.log.footer(
        [
            f"Status: {result.status}   nodes: {result.n_nodes}   time: {result.runtime:.2f}s",
            f"Best objective {result.objective:.10g}, best bound {result.bound:.10g}, "
            f"gap {100 * result.gap:.4f}%"
            if math.isfinite(result.objective)
            else "No solution found.",
        ]
    )
    return result
