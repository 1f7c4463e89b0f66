"""The node record of the branch-and-bound tree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(eq=False)
class Node:
    """One subproblem of the search.

    Attributes
    ----------
    bound : float
        A valid lower bound for every completion of the node (the parent's relaxation
        bound, or ``-inf`` at the root).
    depth : int
        Number of branching decisions from the root.
    state : Any
        The problem's encoding of the branching decisions (for 0/1 problems an int8 array
        with -1 free, 0 fixed to zero, 1 fixed to one). The engine never inspects it.
    warm : Any
        A warm start for the relaxation, inherited from the parent.
    """

    bound: float
    depth: int
    state: Any
    warm: Any = None
