"""Open-node store: best-bound priority queue with depth-first dives (plunging)."""

from __future__ import annotations

import heapq
import itertools

from .nodes import Node


class NodeQueue:
    """Best-bound queue with a plunging stack.

    Children that the problem marks as the dive child are explored next while their bound
    stays within ``plunge_quotient`` of the gap above the global bound; all other open
    nodes wait in a heap keyed by bound (ties broken by insertion order, so the search is
    deterministic).
    """

    def __init__(self, plunge_quotient: float = 0.5):
        self._heap: list[tuple[float, int, Node]] = []
        self._dive: list[Node] = []
        self._counter = itertools.count()
        self.plunge_quotient = plunge_quotient

    def __len__(self) -> int:
        return len(self._heap) + len(self._dive)

    def push(self, node: Node) -> None:
        heapq.heappush(self._heap, (node.bound, next(self._counter), node))

    def push_dive(self, node: Node) -> None:
        self._dive.append(node)

    def min_bound(self) -> float:
        """Smallest bound over all open nodes (``inf`` when empty)."""
        best = self._heap[0][0] if self._heap else float("inf")
        for node in self._dive:
            best = min(best, node.bound)
        return best

    def pop(self, incumbent: float) -> Node:
        """Next node: the dive child if it is still promising, else the best-bound node."""
        while self._dive:
            node = self._dive.pop()
            lower = self._lowest_with(node.bound)
            if incumbent == float("inf") or node.bound <= lower + self.plunge_quotient * (
                incumbent - lower
            ):
                # Abandon any older dive children: they go back to the heap.
                for rest in self._dive:
                    self.push(rest)
                self._dive.clear()
                return node
            self.push(node)
        return heapq.heappop(self._heap)[2]

    def _lowest_with(self, value: float) -> float:
        return min(value, self._heap[0][0]) if self._heap else value
