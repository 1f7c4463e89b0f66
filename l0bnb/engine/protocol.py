"""The Problem protocol: what the branch-and-bound engine asks of a formulation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .nodes import Node


@dataclass
class Relaxation:
    """What solving a node relaxation returns to the engine.

    Attributes
    ----------
    bound : float
        A lower bound valid for every integer completion of the node, even when the
        first-order method stopped early (a dual value, never an unconverged primal value).
    value : float
        Objective of the relaxation's primal iterate (``>= bound`` up to rounding).
    solution : Any
        The relaxation's primal iterate, used for branching and as a warm start.
    integral : bool
        True when the relaxation's solution is feasible for the integer problem, so the
        node needs no branching (its ``bound`` still counts towards the global bound).
    candidate : tuple of (float, Any) or None
        An integer-feasible ``(objective, solution)`` found while relaxing, if any.
    removed_bound : float
        When the relaxation also fixed variables for the whole subtree (reduced-cost
        fixing), the smallest bound of the parts it removed (``inf`` if none). The engine
        counts it towards the global bound like a pruned node.
    info : dict
        Problem-specific details (iterations, active-set size...).
    """

    bound: float
    value: float
    solution: Any
    integral: bool = False
    candidate: tuple[float, Any] | None = None
    removed_bound: float = float("inf")
    info: dict = field(default_factory=dict)


@runtime_checkable
class Problem(Protocol):
    """A mixed-integer problem the engine can solve.

    The engine calls ``root()`` once, then for each node ``relax`` (with the incumbent
    value as a cutoff and the deadline in ``time.perf_counter()`` seconds), ``heuristic``
    and, when the node is neither pruned nor integral, ``branch``. The first child
    ``branch`` returns is the one the engine dives into.

    Optional members the engine reads:

    - ``heuristic_period`` (int, default 1): the engine runs ``heuristic`` at the root and
      then at every ``heuristic_period``-th node (a schedule is a setting, not a counter each
      problem keeps);
    - ``on_incumbent(value, solution)``: called with every new incumbent (a problem that
      uses the incumbent in its bounds or heuristics keeps it from here, never on its own);
    - ``objective_scale()``: a positive number in the objective's units (for least squares
      ``0.5 ||y||^2``), the floor of the relative gap's denominator;
    - ``plunge_quotient`` (float, default 0.5): the engine dives into a node's first child
      while its bound is within this share of the gap above the global bound (0: pure
      best-bound order). A problem whose heuristics find the incumbent without dives sets
      it lower, so that the search spends its nodes raising the global bound;
    - ``deadline_margin`` (float, default 0, read before every node after the root): the
      seconds a node needs at least; the search stops on its time limit once less than this
      is left, rather than start a node that could only return its parent's bound.

    Starts are offered through ``solve(problem, limits, start=...)`` (in place of
    ``initial_incumbent``); callers hear about incumbents through ``solve(...,
    on_incumbent=...)``.
    """

    heuristic_period: int = 1
    plunge_quotient: float = 0.5
    deadline_margin: float = 0.0

    def root(self) -> Node: ...

    def initial_incumbent(self, deadline: float) -> tuple[float, Any] | None: ...

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation: ...

    def heuristic(
        self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float
    ) -> tuple[float, Any] | None: ...

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]: ...

    def objective(self, solution: Any) -> float: ...

    def describe(self) -> list[str]: ...


def require_protocol(problem: Any) -> None:
    """Raise a readable error when ``problem`` lacks a method the engine needs."""
    needed = ("root", "initial_incumbent", "relax", "heuristic", "branch", "objective")
    missing = [name for name in needed if not callable(getattr(problem, name, None))]
    if missing:
        raise TypeError(
            f"{type(problem).__name__} cannot be solved by the branch-and-bound engine: "
            f"it must implement {', '.join(missing)} (see l0bnb.engine.protocol.Problem)."
        )
