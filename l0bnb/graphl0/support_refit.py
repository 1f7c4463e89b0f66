"""GraphL0 on a fixed edge set, and brute force over all edge sets (tiny p).

Both are independent of the engine's kernels: the convex problem on a fixed support is solved
by scipy's L-BFGS-B in the variables (edge values, log of the diagonal), then polished by
Newton steps on the same smooth function. They are the ground truth of the tests.
"""

from __future__ import annotations

import time
from itertools import combinations

import numpy as np
from scipy.optimize import minimize

from ..engine.result import SolveResult

#: Enumeration visits ``2 ** (p (p - 1) / 2)`` edge sets: p = 5 is 1,024, p = 6 is 32,768.
MAX_BRUTE_FORCE_NODES = 6


def graphical_objective(S: np.ndarray, T: np.ndarray, l0: float, l2: float) -> float:
    """The GraphL0 objective F of a symmetric matrix with a positive diagonal (numpy)."""
    d = np.diag(T)
    if np.any(d <= 0):
        return np.inf
    quad = np.einsum("ki,kl,li->i", T, S, T)
    upper = T[np.triu_indices(T.shape[0], 1)]
    return float(
        np.sum(-np.log(d) + quad / d) + l0 * np.count_nonzero(upper) + l2 * np.sum(upper**2)
    )


def _smooth(S, edges, l2):
    p = S.shape[0]
    rows = np.array([e[0] for e in edges], dtype=np.int64)
    cols = np.array([e[1] for e in edges], dtype=np.int64)

    def unpack(v):
        T = np.diag(np.exp(v[:p]))
        T[rows, cols] = v[p:]
        T[cols, rows] = v[p:]
        return T

    def value_and_grad(v):
        T = unpack(v)
        d = np.diag(T)
        W = S @ T
        quad = np.einsum("ki,ki->i", T, W)
        value = np.sum(-np.log(d) + quad / d) + l2 * np.sum(v[p:] ** 2)
        grad_d = -1.0 / d + 2.0 * np.diag(W) / d - quad / d**2
        grad = np.empty_like(v)
        grad[:p] = grad_d * d
        grad[p:] = 2.0 * W[cols, rows] / d[rows] + 2.0 * W[rows, cols] / d[cols]
        grad[p:] += 2.0 * l2 * v[p:]
        return value, grad

    return unpack, value_and_grad


def solve_on_support(
    S: np.ndarray, edges: list[tuple[int, int]], l2: float, M: float
) -> tuple[np.ndarray, float]:
    """Minimize ``G(T) + l2 sum T_e^2`` over T supported on ``edges`` with ``|T_e| <= M``.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance.
    edges : list of (int, int)
        Allowed off-diagonal entries, ``i < j``.
    l2 : float
        Ridge penalty on the edges.
    M : float
        Box on the edges (``np.inf``: none).

    Returns
    -------
    T : ndarray of shape (p, p)
        The minimizer.
    value : float
        ``G(T) + l2 sum T_e^2`` (the l0 part is not included).
    """
    p = S.shape[0]
    unpack, value_and_grad = _smooth(S, edges, l2)
    v0 = np.concatenate([-np.log(np.diag(S)), np.zeros(len(edges))])
    box = None if not np.isfinite(M) else M
    bounds = [(None, None)] * p + [(-box if box else None, box)] * len(edges)
    best = None
    for _ in range(3):
        res = minimize(
            value_and_grad,
            v0 if best is None else best.x,
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options={"ftol": 1e-16, "gtol": 1e-12, "maxiter": 20000, "maxcor": 30},
        )
        if best is None or res.fun < best.fun - 1e-15:
            best = res
        else:
            break
    T = unpack(best.x)
    return T, float(value_and_grad(best.x)[0])


def brute_force_graphical(S: np.ndarray, l0: float, l2: float, M: float = np.inf) -> SolveResult:
    """Solve GraphL0 exactly by enumerating every edge set (p <= 6).

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance (divisor n).
    l0, l2 : float
        Edge penalties.
    M : float, default=np.inf
        Box on off-diagonal entries.

    Returns
    -------
    SolveResult
        Status ``optimal``, the optimum as both objective and bound, ``n_nodes`` = number of
        edge sets visited, ``solution`` the optimal precision matrix.
    """
    p = S.shape[0]
    if p > MAX_BRUTE_FORCE_NODES:
        raise ValueError(
            f"Brute force enumerates 2^(p(p-1)/2) edge sets; p = {p} is too large "
            f"(at most {MAX_BRUTE_FORCE_NODES})."
        )
    if l2 == 0 and not np.isfinite(M) and np.linalg.eigvalsh(S)[0] <= 1e-12:
        raise ValueError("S is singular with l2 = 0 and no box: the problem is unbounded.")
    start = time.perf_counter()
    pairs = list(combinations(range(p), 2))
    best_value, best_T, visited = np.inf, None, 0
    for size in range(len(pairs) + 1):
        for edges in combinations(pairs, size):
            T, value = solve_on_support(S, list(edges), l2, M)
            # An edge at zero still pays l0: count only the edges actually used.
            value = graphical_objective(S, T, l0, l2)
            visited += 1
            if value < best_value:
                best_value, best_T = value, T
    return SolveResult.enumerated(best_value, best_T, visited, start)
