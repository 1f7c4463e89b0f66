"""Bookkeeping shared by the outer-approximation reference solvers: bounds and round log."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from ..engine.result import relative_gap


@dataclass
class OAProgress:
    """Best upper bound (with its solution), best lower bound and the per-round log.

    Every round's lower bound is valid on its own, so the best of them is too.
    """

    start: float
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
        return relative_gap(self.upper, self.lower)

    def closed(self, tol: float) -> bool:
        """``upper - lower <= tol * max(1, |upper|)``."""
        return self.upper - self.lower <= tol * max(1.0, abs(self.upper))

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
                f"abs gap {self.upper - self.lower:.3e}  gap {self.gap:.3e}  "
                f"time {self.elapsed:.2f}s"
            )
