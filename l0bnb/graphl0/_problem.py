"""GraphL0 as a branch-and-bound problem: L0L2-penalised Gaussian pseudo-likelihood.

    F(T) = sum_i [-log T_ii + T_i' S T_i / T_ii] + l0 #{i<j: T_ij != 0} + l2 sum_{i<j} T_ij^2

over symmetric ``T`` with ``T_ii > 0`` and ``|T_ij| <= M``. Node relaxations replace the edge
penalty by its perspective (reverse-Huber) convexification and are solved by active-set
coordinate descent; the bound is the Fenchel dual at ``nu_i = -2 X T_i / T_ii``, evaluated
over every pair, so it is valid however early the descent stopped. A node's state is the pair
of index arrays ``(fixed absent, fixed present)`` over flat pair indices ``i * p + j`` (i < j).
"""

from __future__ import annotations

import time

import numpy as np

from ..engine.interrupt import expired
from ..engine.nodes import Node
from ..engine.protocol import Relaxation
from . import _kernels as kern
from ._curvature import balanced_shift, uniform_shift
from ._kernels import FREE, ONE, ZERO

_EMPTY = np.empty(0, dtype=np.int64)
#: Nodes between two runs of the node heuristic.
HEURISTIC_PERIOD = 10
#: The first node heuristic (from the dense root relaxation) took 2 to 2.3 times the initial
#: one (from the diagonal) at p = 1000 and 2000.
INITIAL_HEURISTIC_FACTOR = 3.0


def _products(S: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``W = S T`` (Fortran order) and ``quad_i = T_i' S T_i``: a loop over nonzeros for
    sparse T, BLAS else (``(T S)'`` is ``S T`` for symmetric S and T, already column-major)."""
    if np.count_nonzero(T) * 8 < T.size:
        return kern.product_with(S, T)
    W = (T @ S).T
    return W, np.einsum("ij,ij->j", T, W)


_compiled = False


def compile_kernels() -> None:
    """Compile (or load from Numba's disk cache) every kernel a solve uses, once per process.

    Called before the search clock starts: compiling inside the first relaxation counted
    against its time limit (a 10-variable fit then stopped at the limit after one node on
    an empty cache) and made the measured bound cost, which paces relaxations, seconds long.
    The calls use the solve's argument types, so the solve reuses these specialisations.
    """
    global _compiled
    if _compiled:
        return
    S = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    T = np.diag(1.0 / np.diag(S))
    T[0, 1] = T[1, 0] = -0.3
    state = np.full((3, 3), FREE, dtype=np.int8)
    np.fill_diagonal(state, ONE)
    L = 1.0 / np.diag(S)
    # Index lists come both contiguous (concatenations) and strided (np.nonzero).
    pairs = [(np.array([0, 0, 1]), np.array([1, 2, 2])), np.nonzero(np.triu(S, 1))]
    D = np.full(3, 0.1)
    for M, (rows, cols) in zip((np.inf, 1.0), pairs, strict=True):
        W, quad = kern.product_with(S, T)
        W2, _ = _products(S, np.ones((3, 3)))
        kern.integer_value(T, quad, 0.1, 0.1)
        kern.l0_entrants(S, T, W, state, 0.1, 0.1, M)
        kern.l0_sweep(S, T, W, quad, rows, cols, state, 0.1, 0.1, M)
        kern.best_row_swap(S, T, W, quad, 0, 1, state, 0.1, 0.1, M)
        Z = np.zeros((3, 3))
        kern.hull_sweep(S, T, W, quad, Z, rows, cols, state, L, 0.1, 0.1, M, D)
        kern.hull_value(T, quad, Z, state, L, 0.1, 0.1, D)
        bound, _, kappa = kern.hull_dual_bound(T, W, quad, state, L, 0.1, 0.1, M, D)
        kern.hull_dual_bound(T, W2, quad, state, L, 0.1, 0.1, M, D)
        kern.hull_violators(T, W, state, L, 0.1, 0.1, M, D)
        kern.hull_reduced_costs(
            T, W.copy(order="F"), state, kappa, L, 0.1, 0.1, M, D, bound, bound + 1.0
        )
    _compiled = True


def _sparse(T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle nonzeros of T as (rows, cols, values) plus the diagonal."""
    rows, cols = np.nonzero(np.triu(T, 1))
    return rows, cols, T[rows, cols].copy(), np.diag(T).copy()


def _dense(p: int, warm) -> np.ndarray:
    rows, cols, values, diag = warm
    T = np.diag(diag)
    T[rows, cols] = values
    T[cols, rows] = values
    return T


class GraphL0Problem:
    """The GraphL0 mixed-integer problem on an empirical covariance ``S``.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance (divisor n) with a positive diagonal.
    l0, l2 : float
        Per-edge L0 and ridge penalties (``l0 >= 0``, ``l2 >= 0``).
    M : float
        Box on off-diagonal entries (``np.inf``: none; then ``l2 > 0`` is required).
    relax_tol : float, default=1e-6
        Relative primal-dual gap at which a node relaxation counts as solved.
    start : ndarray of shape (p, p), optional
        A precision matrix to start the heuristic from (warm start).
    """

    # Relaxed supports differ at almost every node, so the engine runs the heuristic at the
    # root and then every HEURISTIC_PERIOD nodes (it cost a quarter of the time otherwise).
    heuristic_period = HEURISTIC_PERIOD

    def __init__(self, S, l0, l2, M, relax_tol=1e-6, start=None):
        compile_kernels()
        self.S = np.ascontiguousarray(S, dtype=np.float64)
        self.p = self.S.shape[0]
        self.l0, self.l2, self.M = float(l0), float(l2), float(M)
        self.relax_tol = float(relax_tol)
        self.start = start
        self.L = 1.0 / np.diag(self.S)
        # The curvature moved into the edge terms: lambda_min(S) here, before the search
        # clock starts (as before D was refined), the refinement on first use inside the
        # time limit (O(p^3) per Newton step).
        self._uniform = uniform_shift(self.S)
        self._D = None
        self._no_shift = np.zeros(self.p)
        self.root_warm = None
        self._seen_supports: set[bytes] = set()
        self.n_heuristic_calls = 0
        # Seconds one dual evaluation (products + bound) took, measured: relaxations stop
        # sweeping early enough to evaluate their final bound before the deadline.
        self._dual_cost = 0.0
        self._sweep_cost = 0.0
        self._timed_size = 0
        self._setup_cost = 0.0
        self._finish_cost = 0.0
        # Seconds a node heuristic may take: measured after each call; before the first, a
        # multiple of the initial heuristic's (a relaxed start is denser than the diagonal).
        self._heuristic_cost = 0.0
        self.root_floor = -np.inf

    @property
    def D(self) -> np.ndarray:
        """Diagonal curvature of S moved into the edge terms (``S - diag(D)`` is PSD)."""
        return self.ensure_curvature(np.inf)

    def ensure_curvature(self, deadline: float) -> np.ndarray:
        """Compute D on first use, with the time left before ``deadline``; return it."""
        if self._D is None:
            self._D = balanced_shift(self.S, deadline, self._uniform)
        return self._D

    def describe(self) -> list[str]:
        box = "none" if not np.isfinite(self.M) else f"{self.M:.4g}"
        return [
            f"GraphL0: p = {self.p} ({self.p * (self.p - 1) // 2} candidate edges), "
            f"l0 = {self.l0:.4g}, l2 = {self.l2:.4g}, box M = {box}"
        ]

    # ---- helpers -----------------------------------------------------------------------

    def _state(self, node: Node) -> np.ndarray:
        p = self.p
        state = np.full((p, p), FREE, dtype=np.int8)
        np.fill_diagonal(state, ONE)
        zeros, ones = node.state
        for flat, value in ((zeros, ZERO), (ones, ONE)):
            i, j = np.divmod(flat, p)
            state[i, j] = value
            state[j, i] = value
        return state

    def objective(self, solution: np.ndarray) -> float:
        """F of a symmetric precision matrix (every nonzero off-diagonal entry pays l0)."""
        W, quad = _products(self.S, solution)
        return float(kern.integer_value(solution, quad, self.l0, self.l2))

    def _diagonal_start(self) -> np.ndarray:
        return np.diag(1.0 / np.diag(self.S))

    # ---- heuristics --------------------------------------------------------------------

    def l0_descent(self, T, state, deadline, max_rounds=100, tol=1e-10):
        """L0L2 coordinate descent with hard thresholding; edges enter by their exact gain."""
        W, quad = _products(self.S, T)
        for _ in range(max_rounds):
            rows, cols = np.nonzero(np.triu(T, 1) != 0)
            rows_in, cols_in, gain = kern.l0_entrants(
                self.S, T, W, state, self.l0, self.l2, self.M
            )
            if gain.size:
                keep = np.argsort(-gain, kind="stable")[: max(self.p, rows.size)]
                rows = np.concatenate([rows, rows_in[keep]])
                cols = np.concatenate([cols, cols_in[keep]])
            for _ in range(200):
                move = kern.l0_sweep(
                    self.S, T, W, quad, rows, cols, state, self.l0, self.l2, self.M
                )
                if move < tol or expired(deadline):
                    break
            if not gain.size or expired(deadline):
                break
        return T

    def swap_search(self, T, state, deadline, max_passes=10):
        """Move single edges to the best other slot of either endpoint's row while F drops."""
        W, quad = _products(self.S, T)
        for _ in range(max_passes):
            moved = False
            rows, cols = np.nonzero(np.triu(T, 1) != 0)
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
                if state[i, j] != FREE or T[i, j] == 0.0:
                    continue
                moved |= kern.best_row_swap(
                    self.S, T, W, quad, i, j, state, self.l0, self.l2, self.M
                )
                if expired(deadline):
                    return T
            if not moved:
                break
            T = self.l0_descent(T, state, deadline)
            W, quad = _products(self.S, T)
        return T

    def _candidate(self, T) -> tuple[float, np.ndarray]:
        return self.objective(T), T

    def initial_incumbent(self, deadline: float):
        self.ensure_curvature(deadline)
        state = np.full((self.p, self.p), FREE, dtype=np.int8)
        np.fill_diagonal(state, ONE)
        # A root bound before any search (finite at the diagonal start); timing it tells
        # how long the root's final bound will take, which the heuristic leaves free.
        diagonal = self._diagonal_start()
        self.root_floor = self._timed_dual(diagonal, state)[0]
        deadline = deadline - 3.0 * self._dual_cost
        if self.start is not None:
            T = np.array(self.start, dtype=np.float64)
            np.clip(T, -self.M, self.M, out=T, where=~np.eye(self.p, dtype=bool))
        else:
            T = self._diagonal_start()
        started = time.perf_counter()
        T = self.l0_descent(T, state, deadline)
        T = self.swap_search(T, state, deadline)
        self._heuristic_cost = INITIAL_HEURISTIC_FACTOR * (time.perf_counter() - started)
        self.root_warm = _sparse(T)
        return self._candidate(T)

    def heuristic(self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float):
        # Skipped when it would not finish: started 0.23 s before a 10 s limit at p = 2000,
        # the root's heuristic returned 0.46 s after it.
        if expired(deadline - self._heuristic_cost):
            return None
        started = time.perf_counter()
        T_rel = relaxation.solution
        support = np.triu(T_rel, 1) != 0
        key = np.flatnonzero(support).tobytes()
        if key in self._seen_supports:
            return None
        self._seen_supports.add(key)
        self.n_heuristic_calls += 1
        state = self._state(node)
        T = self.l0_descent(T_rel.copy(), state, deadline)
        if node.depth == 0:
            T = self.swap_search(T, state, deadline)
        candidate = self._candidate(T)
        self._heuristic_cost = max(self._heuristic_cost, time.perf_counter() - started)
        return candidate

    # ---- relaxation --------------------------------------------------------------------

    def root(self) -> Node:
        return Node(bound=-np.inf, depth=0, state=(_EMPTY, _EMPTY), warm=None)

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation:
        self.ensure_curvature(deadline)
        if np.isfinite(node.bound) and expired(deadline - self.deadline_margin):
            # Too late for even one bound evaluation (it returned up to 0.1 s after a 5 s
            # limit at p = 1000): the node keeps its parent's bound, unsolved. The engine
            # reads the same margin (``deadline_margin``) and stops before such a node.
            return self._unsolved(node)
        started = time.perf_counter()
        state = self._state(node)
        warm = node.warm if node.warm is not None else self.root_warm
        if warm is None:
            T = self._diagonal_start()
            active_rows, active_cols = _EMPTY, _EMPTY
        else:
            T = _dense(self.p, warm)
            active_rows, active_cols = warm[0], warm[1]
        T[state == ZERO] = 0.0
        # Every optimum has T_ii >= 1 / S_ii; the relaxation lives there.
        np.fill_diagonal(T, np.maximum(np.diag(T), self.L))
        Z = np.zeros((self.p, self.p))
        ones_i, ones_j = np.divmod(node.state[1], self.p)
        in_active = np.zeros((self.p, self.p), dtype=bool)
        in_active[active_rows, active_cols] = True
        in_active[ones_i, ones_j] = True
        in_active[state == ZERO] = False
        in_active = np.triu(in_active, 1)
        args = (self.l0, self.l2, self.M, self.D)
        bound, primal, sweep_tol, kappa = -np.inf, np.inf, 1e-4, None
        if node.depth == 0:
            bound = self.root_floor
        # Sweeping stops while one more sweep and the final bound still fit before the
        # deadline, so a relaxation returns its bound on time (no pass after the deadline).
        W, quad = _products(self.S, T)
        # Setting up and finishing a node cost 0.1 to 0.3 s at p = 2000 (more when memory
        # is being reclaimed): timed too, so the last node does not start or end late.
        self._setup_cost = max(self._setup_cost, time.perf_counter() - started)
        swept = False
        for _ in range(200):
            rows, cols = np.nonzero(in_active)
            reserve = self._reserve(rows.size)
            for _ in range(1000):
                if expired(deadline - reserve):
                    break
                started = time.perf_counter()
                move = kern.hull_sweep(self.S, T, W, quad, Z, rows, cols, state, self.L, *args)
                self._sweep_cost = time.perf_counter() - started
                self._timed_size = rows.size
                reserve = self._reserve(rows.size)
                swept = True
                if move < sweep_tol:
                    break
            dual, dual_kappa, n_violators, W, quad = self._timed_dual(T, state)
            if dual > bound:
                bound, kappa = dual, dual_kappa
                dual_point = (T.copy(), W.copy(order="F"))
            if not swept:
                # Out of time before the first sweep: T and Z do not match yet, so there is
                # a bound but no relaxed solution to value, fix or call integral.
                return self._finish(state, T, Z, bound, np.inf, solved=False)
            primal = kern.hull_value(T, quad, Z, state, self.L, self.l0, self.l2, self.D)
            if bound >= cutoff or expired(deadline - reserve):
                break
            if n_violators:
                v_rows, v_cols, excess = kern.hull_violators(T, W, state, self.L, *args)
                limit = max(self.p, rows.size)
                if excess.size > limit:
                    keep = np.argsort(-excess, kind="stable")[:limit]
                    v_rows, v_cols = v_rows[keep], v_cols[keep]
                in_active[v_rows, v_cols] = True
                continue
            if primal - bound <= self.relax_tol * max(1.0, abs(primal)) or sweep_tol < 1e-13:
                break
            sweep_tol *= 0.1
        relaxation = self._finish(state, T, Z, bound, primal)
        if kappa is not None and np.isfinite(cutoff) and bound < cutoff:
            # Reduced costs cost about two dual evaluations.
            if not relaxation.integral and not expired(deadline - 3.0 * self._dual_cost):
                self._fix_by_reduced_costs(relaxation, state, dual_point, kappa, bound, cutoff)
        return relaxation

    def _reserve(self, size: int) -> float:
        """Seconds to keep for one more sweep and a bound over an active set of ``size``.

        Both were timed over the last active set; the set doubles between passes, and the
        next sweep and bound took up to 1.6 times the timed ones (p = 2000, n = 1000: the
        root returned 0.23 s after a 10 s limit), so they are scaled by the growth.
        """
        # Each also has a part that does not grow with the set, about p pairs' worth.
        growth = max(1.0, (size + self.p) / (self._timed_size + self.p))
        return growth * (self._dual_cost + self._sweep_cost) + self._frame_cost()

    @property
    def deadline_margin(self) -> float:
        """Seconds a node needs at least (one bound evaluation and its set-up), as timed."""
        return self._dual_cost + self._frame_cost()

    def _frame_cost(self) -> float:
        """Seconds a relaxation spends before its first sweep and after its last bound."""
        return self._setup_cost + self._finish_cost

    def _timed_dual(self, T, state):
        """Fresh products and the node's dual bound at T; times it for the deadline.

        Returns ``(bound, kappa, violators, W, quad)``. Where the hull's tangent point is
        poor (far from converged, e.g. cut short by the deadline) its bound can be ``-inf``;
        then the bound of the plain perspective relaxation (curvature shift 0, a weaker but
        valid relaxation) at T with every diagonal set to its optimum is returned instead:
        that one is always finite. ``kappa`` is None then (no reduced-cost fixing from it).
        """
        started = time.perf_counter()
        # Fresh products each time: incremental updates drift by rounding.
        W, quad = _products(self.S, T)
        args = (self.l0, self.l2, self.M)
        bound, violators, kappa = kern.hull_dual_bound(T, W, quad, state, self.L, *args, self.D)
        if not np.isfinite(bound):
            T0, W0, quad0 = T.copy(), W.copy(order="F"), quad.copy()
            kern.l0_sweep(self.S, T0, W0, quad0, _EMPTY, _EMPTY, state, *args)
            W0, quad0 = _products(self.S, T0)
            bound = kern.hull_dual_bound(T0, W0, quad0, state, self.L, *args, self._no_shift)[0]
            kappa = None
        self._dual_cost = time.perf_counter() - started
        return bound, kappa, violators, W, quad

    def _unsolved(self, node: Node) -> Relaxation:
        """The node as it came, with its parent's bound and nothing to branch on."""
        warm = node.warm if node.warm is not None else self.root_warm
        T = self._diagonal_start() if warm is None else _dense(self.p, warm)
        return Relaxation(
            bound=float(node.bound),
            value=np.inf,
            solution=T,
            integral=False,
            candidate=None,
            info={"frac": np.zeros((self.p, self.p)), "z": np.zeros((self.p, self.p))},
        )

    def _finish(self, state, T, Z, bound, primal, solved=True) -> Relaxation:
        started = time.perf_counter()
        relaxation = self._relaxation(state, T, Z, bound, primal, solved)
        self._finish_cost = max(self._finish_cost, time.perf_counter() - started)
        return relaxation

    def _relaxation(self, state, T, Z, bound, primal, solved) -> Relaxation:
        upper = np.triu(state == FREE, 1)
        frac = np.where(upper, np.minimum(Z, 1.0 - Z), 0.0)
        integral = solved and bool(frac.max(initial=0.0) <= 1e-9)
        return Relaxation(
            bound=float(bound),
            value=float(primal),
            solution=T,
            integral=integral,
            candidate=self._candidate(T.copy()) if integral else None,
            info={"frac": frac, "z": Z},
        )

    def _fix_by_reduced_costs(self, relaxation, state, dual_point, kappa, bound, cutoff):
        """Fix pairs whose opposite child the node's dual point already prunes."""
        T, W = dual_point
        rows, cols, fixed, removed = kern.hull_reduced_costs(
            T, W, state, kappa, self.L, self.l0, self.l2, self.M, self.D, bound, cutoff
        )
        relaxation.info["fixed"] = (rows * self.p + cols, fixed)
        relaxation.removed_bound = float(removed.min()) if removed.size else np.inf

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]:
        p = self.p
        frac = relaxation.info["frac"]
        zeros, ones = node.state
        fixed = relaxation.info.get("fixed")
        if fixed is not None and fixed[0].size:
            flat, how = fixed
            zeros = np.concatenate([zeros, flat[how == ZERO]])
            ones = np.concatenate([ones, flat[how == ONE]])
            frac = frac.copy()
            frac.flat[flat] = 0.0
        T = relaxation.solution
        if frac.max(initial=0.0) <= 1e-9:
            # Everything left is integral after fixing: one child holds the whole subtree.
            T = T.copy()
            T.flat[zeros] = 0.0
            warm = _sparse(T)
            return [Node(bound=node.bound, depth=node.depth + 1, state=(zeros, ones), warm=warm)]
        flat = int(np.argmax(frac))
        i, j = divmod(flat, p)
        warm = _sparse(T)
        zero_child = Node(
            bound=node.bound,
            depth=node.depth + 1,
            state=(np.append(zeros, flat), ones),
            warm=warm,
        )
        one_child = Node(
            bound=node.bound,
            depth=node.depth + 1,
            state=(zeros, np.append(ones, flat)),
            warm=warm,
        )
        z = relaxation.info["z"][i, j]
        return [one_child, zero_child] if z >= 0.5 else [zero_child, one_child]
