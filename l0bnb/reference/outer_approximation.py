"""The outer-approximation driver shared by the five Pyomo references, and its bookkeeping.

HiGHS solves MILPs only, so each reference replaces its convex terms by tangent cuts and
repeats: solve the MILP (its dual bound is a valid lower bound, because every cut
under-estimates the true objective), refit the support it proposes exactly (a valid upper
bound), add cuts at the new points, until the relative gap closes or a limit is hit. The
families supply the model and one callback; this module runs the rounds and turns them into a
:class:`~l0bnb.engine.result.SolveResult` with the package's one status rule.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine.result import (
    GAP_LIMIT,
    NODE_LIMIT,
    OPTIMAL,
    SOLVER_LABELS,
    TIME_LIMIT,
    SolveResult,
    final_status,
    relative_gap,
)

#: Why the rounds stopped, and the status each stop gives when the gap is still open.
CLOSED, OUT_OF_TIME, OUT_OF_ROUNDS = "closed", "time", "rounds"
STOPS = {CLOSED: GAP_LIMIT, OUT_OF_TIME: TIME_LIMIT, OUT_OF_ROUNDS: NODE_LIMIT}


@dataclass
class OAProgress:
    """Best upper bound (with its solution), best lower bound and the per-round log.

    Every round's lower bound is valid on its own, so the best of them is too. ``scale`` is
    the problem's objective scale (the floor of the gap's denominator, see
    :func:`~l0bnb.engine.result.relative_gap`).
    """

    start: float
    scale: float = 0.0
    upper: float = math.inf
    lower: float = -math.inf
    solution: Any = None
    log: list = field(default_factory=list)

    def offer(self, solution, objective: float) -> None:
        if objective < self.upper:
            self.upper, self.solution = objective, solution

    def raise_lower(self, bound: float | None) -> None:
        if bound is not None and math.isfinite(bound):
            self.lower = max(self.lower, bound)

    @property
    def gap(self) -> float:
        return relative_gap(self.upper, self.lower, self.scale)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def record(self, round_: int, verbose: bool) -> None:
        entry = {
            "round": round_,
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "time": self.elapsed,
        }
        self.log.append(entry)
        if verbose:
            print(
                f"round {round_:3d}  lower {self.lower:.12g}  upper {self.upper:.12g}  "
                f"gap {self.gap:.3e}  time {self.elapsed:.2f}s"
            )


def make_highs(mip_gap: float, **options):
    """A persistent HiGHS interface (only new cuts are sent each round), silent.

    The absolute MIP gap is zero so that the relative ``mip_gap`` decides, whatever the
    units of the data.
    """
    from pyomo.contrib.appsi.solvers import Highs

    opt = Highs()
    opt.config.load_solution = False
    opt.config.mip_gap = mip_gap
    opt.highs_options = {"output_flag": False, "mip_abs_gap": 0.0, **options}
    return opt


def run_rounds(
    opt,
    model,
    separate: Callable[[], None],
    progress: OAProgress,
    *,
    time_limit: float,
    gap_tol: float,
    max_rounds: int,
    verbose: bool = False,
    before_round: Callable[[], None] | None = None,
) -> tuple[int, str]:
    """Run MILP rounds until the relative gap is at most ``gap_tol`` or a limit is hit.

    Parameters
    ----------
    opt, model
        The persistent HiGHS interface (:func:`make_highs`) and the Pyomo model with cuts.
    separate : callable
        Called after each MILP that found a point (its values are loaded into ``model``):
        refit the proposed support exactly, ``progress.offer`` it, and add cuts.
    progress : OAProgress
    time_limit, gap_tol, max_rounds, verbose
        Limits (seconds since ``progress.start``) and the per-round log.
    before_round : callable, optional
        Called before each MILP (e.g. to set the MIP start to the incumbent).

    Returns
    -------
    rounds : int
    stop : {"closed", "time", "rounds"}
    """
    rounds = 0
    while True:
        if progress.gap <= gap_tol:
            return rounds, CLOSED
        if rounds >= max_rounds:
            return rounds, OUT_OF_ROUNDS
        remaining = time_limit - progress.elapsed
        if remaining <= 0:
            return rounds, OUT_OF_TIME
        rounds += 1
        if before_round is not None:
            before_round()
        opt.config.time_limit = remaining
        results = opt.solve(model)
        # best_objective_bound is HiGHS's MIP dual bound: valid, every cut under-estimates.
        progress.raise_lower(results.best_objective_bound)
        if results.best_feasible_objective is None:
            # HiGHS ran out of time before finding a point: no new cuts to add.
            progress.record(rounds, verbose)
            return rounds, CLOSED if progress.gap <= gap_tol else OUT_OF_TIME
        opt.load_vars()
        separate()
        progress.record(rounds, verbose)


def oa_status(gap: float, gap_tol: float, stop: str) -> str:
    """The package's one status rule (:func:`~l0bnb.engine.result.final_status`)."""
    reached = stop == CLOSED or gap <= gap_tol
    return final_status(OPTIMAL if reached else STOPS[stop], gap)


def oa_result(
    progress: OAProgress,
    n_nodes: int,
    backend: str,
    gap_tol: float,
    stop: str,
    info: dict | None = None,
) -> SolveResult:
    """A :class:`SolveResult` from the bounds: objective = exact upper bound."""
    # The lower bound can exceed the exact upper bound only by solver tolerances.
    bound = min(progress.lower, progress.upper)
    gap = relative_gap(progress.upper, bound, progress.scale)
    return SolveResult(
        status=oa_status(gap, gap_tol, stop),
        objective=progress.upper,
        bound=bound,
        gap=gap,
        n_nodes=n_nodes,
        runtime=progress.elapsed,
        solution=progress.solution,
        log=progress.log,
        solver=SOLVER_LABELS[backend],
        info=info or {},
    )
