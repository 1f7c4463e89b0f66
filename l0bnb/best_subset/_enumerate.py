"""Exact enumeration of a node's completions, for subtrees small enough to list.

When few supports remain below a node (a small cardinality, or few free coordinates), listing
them all costs less than the relaxations and branching that would prune them: each support
costs one Cholesky row on the Gram matrix (about 20 ns at k = 5), and the node is then solved
exactly. Values are unboxed ridge minima, hence lower bounds of the boxed node whatever the
box; the caller checks that the best support's fit lies in its box before taking it as the
node's solution.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from ..engine.interrupt import expired
from . import _kernels as kern

#: Supports listed per kernel call between deadline checks (about 20 ms).
CHUNK = 1_000_000


def completion_count(n_free: int, max_add: int, cap: float = np.inf) -> float:
    """Number of supports listed: subsets of ``n_free`` columns of size at most ``max_add``.

    Counting stops at the first partial sum above ``cap`` (returned as is): the caller only
    compares with it, and the full sum over thousands of binomials is slow.
    """
    total = 0
    for d in range(min(max_add, n_free) + 1):
        total += comb(n_free, d)
        if total > cap:
            break
    return total


class CompletionEnumerator:
    """Best supports by listing, on the Gram matrix of a (split) design.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    l2 : ndarray of shape (n_features,)
        Ridge weight per coordinate.
    offset : float
        Constant added to every objective.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, l2: np.ndarray, offset: float):
        self.Q = np.ascontiguousarray(X.T @ X)
        self.Q[np.diag_indices_from(self.Q)] += 2.0 * l2
        self.c = np.ascontiguousarray(X.T @ y)
        self.const = 0.5 * float(y @ y) + offset

    def best(self, ones, free, max_add: int, l0: float, deadline: float = np.inf):
        """Best support containing ``ones`` plus at most ``max_add`` columns of ``free``.

        Returns ``(value, support)`` (sorted column indices), or ``None`` if the deadline or
        an interrupt stopped the listing before it was complete.
        """
        ones = np.ascontiguousarray(ones, dtype=np.int64)
        free = np.ascontiguousarray(free, dtype=np.int64)
        max_add = min(int(max_add), free.size)
        best_value, best_added = np.inf, free[:0]
        lo = 0
        while lo < max(free.size, 1):
            # Supports whose first added column is free[i]: subsets of the rest, size < max_add.
            hi, listed = lo, 0
            while hi < free.size and (listed == 0 or listed < CHUNK):
                listed += completion_count(free.size - hi - 1, max_add - 1)
                hi += 1
            value, positions = kern.best_completion(
                self.Q, self.c, self.const, ones, free, max_add, float(l0), lo, max(hi, 1)
            )
            if value < best_value:
                best_value, best_added = value, free[positions[positions >= 0]]
            lo = max(hi, 1)
            if lo < free.size and expired(deadline):
                return None
        return best_value, np.sort(np.concatenate([ones, best_added]))


def swap_search(
    enumerator: CompletionEnumerator,
    support: np.ndarray,
    k: int | None,
    l0: float,
    budget: float = 5e6,
    deadline: float = np.inf,
):
    """Local search over exact r-swaps: drop ``r`` columns, add the best ``<= r`` by listing.

    Every neighbour is scored by its exact ridge refit (not a coordinate step with the
    other coefficients held fixed, which misjudges swaps between correlated columns). ``r``
    grows from 1 while a full pass costs at most ``budget`` supports; the first improving
    neighbour is taken and the search restarts at ``r = 1``. ``k`` (cardinality form) caps
    the support size; ``l0`` is charged per column (penalized form). Returns ``(value,
    support)``.
    """
    p = enumerator.c.shape[0]
    support = np.sort(np.asarray(support, dtype=np.int64))
    value = enumerator.best(support, support[:0], 0, l0)[0]
    limit = p if k is None else k
    improved = True
    while improved and not expired(deadline):
        improved = False
        rest = np.setdiff1d(np.arange(p), support)
        size = support.size
        for r in range(0, size + 1):
            cost = comb(size, r) * completion_count(rest.size, max(r, 1))
            if r > 1 and cost > budget:
                break
            for dropped in combinations(range(size), r):
                keep = np.delete(support, dropped)
                room = min(max(r, 1), limit - keep.size)
                found = enumerator.best(keep, rest, room, l0, deadline)
                if found is None:
                    return value, support
                if found[0] < value - 1e-12 * abs(value):
                    value, support = found
                    improved = True
                    break
            if improved:
                break
    return value, support
