"""The diagonal curvature of ``S`` that the hull relaxation moves into the edge terms.

Column i of G is ``T_i' S T_i / T_ii``. For a diagonal ``D >= 0`` with ``S - diag(D)``
positive semidefinite, ``S = (S - diag(D)) + diag(D)`` splits it into a convex quadratic-over-
linear part and the separable ``sum_{j != i} D_j T_ji^2 / T_ii``, which the hull relaxation
convexifies edge by edge together with the indicator (see ``_kernels``). Any such ``D`` gives
a valid bound; more curvature a stronger one. The uniform ``D = lambda_min(S)`` is the
simplest. ``balanced_shift`` spreads more: it approximately maximizes ``sum(log D)`` (a
balanced diagonal did better than the largest trace, which leaves some coordinates at 0) by
barrier Newton steps, each accepted only when a Cholesky factorization proves
``S - diag(D) - floor I`` positive definite. When n <= p (``S`` singular with a dense null
vector) every such ``D`` is zero.
"""

from __future__ import annotations

import time

import numpy as np

#: Share of ``lambda_min(S)`` kept out of ``D``: rounding in a factorization is far below it.
MARGIN = 1e-6
#: Newton steps per barrier weight, and barrier weights (each a fifth of the last). Fixed, so
#: D does not depend on the machine's speed unless the time limit cuts the schedule short.
NEWTON_STEPS = 8
BARRIER_ROUNDS = 6
#: Shares of the time left that lambda_min (the uniform shift: at p = 1000 and a 1 s limit,
#: going without it left a 199 % gap against 14 % with it) and the Newton steps may use, and
#: their measured costs in Cholesky factorizations of S (3 to 6 and about 7, p = 300 to 1500).
EIGEN_SHARE = 0.3
TIME_SHARE = 0.1
EIGEN_COST = 8.0
STEP_COST = 10.0


def _proves_psd(S: np.ndarray, D: np.ndarray, floor: float) -> bool:
    """True if a Cholesky factorization of ``S - diag(D) - floor I`` succeeds."""
    try:
        np.linalg.cholesky(S - np.diag(D + floor))
    except np.linalg.LinAlgError:
        return False
    return True


def uniform_shift(S: np.ndarray) -> np.ndarray:
    """``D = lambda_min(S) (1 - 1e-6)`` on every coordinate (0 if S is singular)."""
    p = S.shape[0]
    smallest = float(np.linalg.eigvalsh(S)[0])
    if smallest <= _singular_level(S):
        return np.zeros(p)
    return np.full(p, smallest * (1.0 - MARGIN))


def _singular_level(S: np.ndarray) -> float:
    return 1e-10 * float(np.max(np.diag(S)))


def balanced_shift(
    S: np.ndarray, deadline: float = np.inf, start: np.ndarray | None = None
) -> np.ndarray:
    """A diagonal ``D > 0`` with ``S - diag(D)`` positive definite and large ``sum(log D)``.

    Barrier Newton steps on ``sum(log D) + mu log det(S - diag(D))`` for decreasing ``mu``,
    started inside at half the uniform shift. Every iterate is proved feasible by a Cholesky
    factorization with a floor, so the result is valid whatever the number of steps. Of the
    iterates and the uniform shift, the one with the largest ``sum(log D)`` is returned.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Symmetric positive semidefinite matrix with a positive diagonal.
    deadline : float, default=inf
        ``time.perf_counter()`` value; ``lambda_min(S)`` is computed if it fits in
        ``EIGEN_SHARE`` of the time left (else ``D = 0``), Newton steps while they fit in
        ``TIME_SHARE`` of it (else the best iterate so far, at least the uniform shift).
    start : ndarray of shape (p,), optional
        The uniform shift, if already computed (then ``EIGEN_SHARE`` does not apply).

    Returns
    -------
    ndarray of shape (p,)
        The diagonal ``D`` (all zeros if ``S`` is singular).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> D = balanced_shift(S)
    >>> bool(np.linalg.eigvalsh(S - np.diag(D))[0] >= 0), bool(D[2] > 0.5)
    (True, True)
    """
    p = S.shape[0]
    now = time.perf_counter()
    left = max(0.0, deadline - now) if np.isfinite(deadline) else np.inf
    stop = now + TIME_SHARE * left
    # One factorization proves S singular (n <= p: nothing to move) or times the machine:
    # lambda_min costs at most EIGEN_COST of it and a Newton step at most STEP_COST.
    if not _proves_psd(S, np.zeros(p), _singular_level(S)):
        return np.zeros(p)
    unit = time.perf_counter() - now
    if start is None:
        if time.perf_counter() + EIGEN_COST * unit > now + EIGEN_SHARE * left:
            return np.zeros(p)
        start = uniform_shift(S)
    if not start.size or start[0] <= 0.0:
        return start
    floor = MARGIN * start[0]
    best, best_value = start, float(np.sum(np.log(start)))
    D = 0.5 * start
    mu = 1.0
    for _ in range(BARRIER_ROUNDS):
        for _ in range(NEWTON_STEPS):
            if time.perf_counter() + STEP_COST * unit > stop:
                return best
            inv = np.linalg.inv(S - np.diag(D))
            grad = 1.0 / D - mu * np.diag(inv)
            try:
                step = np.linalg.solve(np.diag(1.0 / D**2) + mu * inv * inv, grad)
            except np.linalg.LinAlgError:
                return best
            t = 1.0
            while True:
                trial = D + t * step
                if np.all(trial > 0.0) and _proves_psd(S, trial, floor):
                    break
                t *= 0.5
                if t < 1e-8:
                    return best
            D = trial
            value = float(np.sum(np.log(D)))
            if value > best_value:
                best, best_value = D, value
            # Newton decrement: this barrier weight is done.
            if grad @ step <= 1e-9 * S.shape[0]:
                break
        mu *= 0.2
    return best
