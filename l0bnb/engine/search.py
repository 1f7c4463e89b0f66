"""The branch-and-bound loop: select a node, relax, prune, find incumbents, branch."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .interrupt import catching_interrupts, stop_requested
from .log import SearchLog
from .queue import NodeQueue
from .result import (
    GAP_LIMIT,
    INTERRUPTED,
    NODE_LIMIT,
    OPTIMAL,
    SCALE_FLOOR,
    TIME_LIMIT,
    SolveResult,
    final_status,
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
        Stop once the relative gap is at or below this. There is deliberately no absolute
        tolerance: it would be a constant in the units of the data (a problem whose values are
        all tiny would be "solved" at once); see :func:`~l0bnb.engine.result.relative_gap`.
    """

    time_limit: float | None = None
    max_nodes: int | None = None
    gap_tol: float = 1e-4

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

    def tolerance(self, incumbent: float, scale: float = 0.0) -> float:
        """Slack allowed between the incumbent and the bound of a pruned node.

        Relative to the incumbent (with the problem's objective scale as the floor of the
        denominator, as in :func:`~l0bnb.engine.result.relative_gap`), so it scales with
        the data.
        """
        if incumbent == INF:
            return 0.0
        return self.gap_tol * max(abs(incumbent), SCALE_FLOOR * abs(scale))


class _Search:
    """State of one branch-and-bound run (kept in one object so Ctrl-C can stop anywhere)."""

    def __init__(self, problem: Any, limits: Limits, verbose: bool, started: float | None):
        self.problem = problem
        self.limits = limits
        self.log = SearchLog(verbose)
        # The clock starts when the caller's work started (a fit's set-up counts), so the
        # log's time column, the runtime and the time limit all measure the same thing.
        self.start = time.perf_counter() if started is None else started
        self.deadline = INF if limits.time_limit is None else self.start + limits.time_limit
        self.scale = float(getattr(problem, "objective_scale", lambda: 0.0)())
        self.queue = NodeQueue(float(getattr(problem, "plunge_quotient", 0.5)))
        self.incumbent = INF
        self.solution = None
        self.n_nodes = 0
        # Bounds of nodes that left the tree without being branched (pruned by bound, or
        # closed as integral): the global bound can never exceed the smallest of them.
        self.closed_bound = INF
        # The node being processed: out of the queue but not yet closed or branched. If the
        # search stops inside it (a second Ctrl-C), its bound still counts.
        self.current: Any = None
        self.depth = 0
        # Who hears about new incumbents: the problem itself (its optional ``on_incumbent``,
        # e.g. to use the incumbent's residual in its bounds) and the caller's hook.
        self.incumbent_hooks: list[Callable[[float, Any], None]] = []
        if callable(getattr(problem, "on_incumbent", None)):
            self.incumbent_hooks.append(problem.on_incumbent)
        # The heuristic schedule is a setting the engine applies (see protocol.Problem).
        self.heuristic_period = max(1, int(getattr(problem, "heuristic_period", 1)))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def global_bound(self) -> float:
        bound = min(self.queue.min_bound(), self.closed_bound, self.incumbent)
        if self.current is not None:
            bound = min(bound, self.current.bound)
        return bound

    def gap(self, bound: float) -> float:
        return relative_gap(self.incumbent, bound, self.scale)

    def offer(self, candidate: tuple[float, Any] | None) -> bool:
        if candidate is None:
            return False
        value, solution = candidate
        if not math.isfinite(value):
            return False
        if self.solution is None or value < self.incumbent - 1e-12 * abs(self.incumbent):
            self.incumbent, self.solution = float(value), solution
            for hook in self.incumbent_hooks:
                hook(self.incumbent, solution)
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
            self.gap(bound),
            self.elapsed(),
        )

    def cutoff(self) -> float:
        return self.incumbent - self.limits.tolerance(self.incumbent, self.scale)

    def gap_closed(self) -> bool:
        return self.global_bound() >= self.cutoff()

    def close(self, bound: float) -> None:
        self.closed_bound = min(self.closed_bound, bound)

    def stop_reason(self) -> str | None:
        """Why the search must stop before the next node, or ``None``."""
        if stop_requested():
            return INTERRUPTED
        # The root is relaxed even when the heuristic used up the time, so every result
        # carries a bound (relaxations stop at the deadline themselves).
        if self.n_nodes > 0:
            margin = float(getattr(self.problem, "deadline_margin", 0.0))
            if time.perf_counter() >= self.deadline - margin:
                return TIME_LIMIT
        if self.limits.max_nodes is not None and self.n_nodes >= self.limits.max_nodes:
            return NODE_LIMIT
        return None

    def run(self, start: Any = None) -> str:
        problem = self.problem
        self.queue.push(problem.root())
        if start is not None:
            # A caller's start replaces the root heuristic (it already ran one, or continues
            # a path from a neighbouring solution).
            self.offer((float(problem.objective(start)), start))
        else:
            self.offer(problem.initial_incumbent(self.deadline))
        if self.solution is not None:
            self.report("H")
        while len(self.queue):
            if self.gap_closed():
                return OPTIMAL
            reason = self.stop_reason()
            if reason is not None:
                return reason
            node = self.queue.pop(self.incumbent)
            self.depth = node.depth
            cutoff = self.cutoff()
            if node.bound >= cutoff:
                self.close(node.bound)
                continue
            self.current = node
            improved = self.process(node, cutoff)
            self.current = None
            if improved:
                self.report("*")
            elif self.n_nodes == 1 or self.log.due(self.n_nodes, self.elapsed()):
                self.report(" ")
        if self.gap_closed():
            return OPTIMAL
        # Every node left the tree but the gap is open: some node was closed with a bound
        # below the incumbent (a relaxation cut short by the deadline or an interrupt).
        if stop_requested():
            return INTERRUPTED
        return TIME_LIMIT if time.perf_counter() >= self.deadline else GAP_LIMIT

    def process(self, node: Any, cutoff: float) -> bool:
        """Relax ``node``, offer incumbents, then close it or push its children."""
        problem = self.problem
        relaxation = problem.relax(node, cutoff, self.deadline)
        self.n_nodes += 1
        bound = max(node.bound, relaxation.bound)
        self.close(relaxation.removed_bound)
        improved = self.offer(relaxation.candidate)
        if relaxation.integral or bound >= cutoff:
            self.close(bound)
            return improved
        scheduled = node.depth == 0 or self.n_nodes % self.heuristic_period == 0
        if scheduled and not stop_requested():
            improved |= self.offer(
                problem.heuristic(node, relaxation, self.incumbent, self.deadline)
            )
        if bound >= self.cutoff():
            self.close(bound)
            return improved
        children = problem.branch(node, relaxation)
        if not children:
            self.close(bound)
        for i, child in enumerate(children):
            child.bound = max(child.bound, bound)
            (self.queue.push_dive if i == 0 else self.queue.push)(child)
        return improved

    def result(self, status: str) -> SolveResult:
        bound = self.global_bound()
        gap = self.gap(bound)
        status = final_status(status, gap, self.solution is not None)
        return SolveResult(
            status=status,
            objective=self.incumbent,
            bound=bound,
            gap=gap,
            n_nodes=self.n_nodes,
            runtime=self.elapsed(),
            solution=self.solution,
            log=self.log.records,
            info={"objective_scale": self.scale} if self.scale else {},
        )


def _text(value, spec: str) -> str:
    return "none" if value is None else format(value, spec)


def solve(
    problem: Any,
    limits: Limits | None = None,
    verbose: bool = False,
    *,
    start: Any = None,
    on_incumbent: Callable[[float, Any], None] | None = None,
    started: float | None = None,
) -> SolveResult:
    """Solve a problem implementing :class:`l0bnb.engine.protocol.Problem` by branch and bound.

    Parameters
    ----------
    problem : Problem
        The formulation (data, parameters, relaxation, heuristics, branching).
    limits : Limits, optional
        Time, node and gap limits (default: gap 1e-4, no time or node limit).
    verbose : bool, default=False
        Print a solver-style progress table.
    start : solution, optional
        A feasible solution (in the problem's own encoding) offered as the first incumbent
        in place of the problem's root heuristic (``initial_incumbent``): warm starts, path
        continuation, a heuristic the caller already ran.
    on_incumbent : callable, optional
        ``on_incumbent(value, solution)`` is called with every new incumbent (a problem that
        keeps its own copy for heuristics, a caller that records progress).
    started : float, optional
        ``time.perf_counter()`` value at which the caller's work began: the time limit, the
        log's time column and ``runtime`` count from there (default: now).

    Returns
    -------
    SolveResult
        Status, best objective and solution, certified bound, gap, nodes and runtime. The
        best solution found is returned whatever stopped the search. Ctrl-C (SIGINT) sets a
        stop flag: the node being processed finishes with a valid bound and the search stops
        with status ``interrupted``; a second Ctrl-C stops at once, still keeping the bound
        of the node that was being processed.
    """
    from .protocol import require_protocol

    require_protocol(problem)
    limits = limits or Limits()
    search = _Search(problem, limits, verbose, started)
    if on_incumbent is not None:
        search.incumbent_hooks.append(on_incumbent)
    describe = getattr(problem, "describe", None)
    search.log.banner(
        (describe() if describe else [])
        + [
            f"Limits: time {_text(limits.time_limit, '.4g')}, "
            f"nodes {_text(limits.max_nodes, 'd')}, gap {limits.gap_tol:g}",
            "",
        ]
    )
    with catching_interrupts():
        try:
            status = search.run(start)
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
