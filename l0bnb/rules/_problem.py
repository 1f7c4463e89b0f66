"""Rule selection from tree ensembles as a Problem for the branch-and-bound engine.

Every tree node ``v`` is a 0/1 column ``M_v`` (rows reaching it). On a scaled response::

    F(mu, w) = (1/2n) ||y - mu 1 - M w||^2 + l2 ||w||^2 + sum_v c_v 1(w_v != 0)

subject to: per tree, no selected node has a selected ancestor (an antichain), and at most
``k`` selected nodes (cardinality form). Bounds are the weak-duality values

    D(alpha) = alpha'y - (n/2)||alpha||^2 - W(alpha),   sum(alpha) = 0 with an intercept

where ``W`` is the maximum-weight antichain (budgeted when ``k`` is set) with weights
``max(0, (M_v'alpha)^2/(4 l2) - c_v)`` (nodes forced in count unclamped). They are valid for
*any* such ``alpha``; ``alpha`` comes from the perspective relaxation without path rows
(solved by coordinate descent, with a Lagrangian shift ``tau`` of the costs searched for the
best bound) and from the residual of the best solution found.
"""

from __future__ import annotations

import numpy as np

from ..engine.interrupt import expired
from ..engine.nodes import Node
from ..engine.protocol import Relaxation
from . import _kernels as kern

FREE, ZERO, ONE = kern.FREE, kern.ZERO, kern.ONE


class RuleProblem:
    """Exact rule selection on a harvested node pool.

    Parameters
    ----------
    indptr, indices : ndarray
        CSC membership of the ``m`` nodes (rows reaching each node).
    left, right, tree_start : ndarray
        Tree structure (see :mod:`l0bnb.rules._kernels`).
    candidate : ndarray of bool, shape (m,)
        Nodes that may be selected.
    cost : ndarray of shape (m,)
        ``c_v = l0 + depth_penalty * d_v`` (``>= 0``).
    y : ndarray of shape (n,)
        Scaled response.
    l2 : float
        Ridge penalty (``> 0``).
    k : int or None
        Maximum number of rules (cardinality form).
    fit_intercept : bool, default=True
    relax_sweeps : int, default=100
        Coordinate-descent sweeps per relaxation solve (the dual bound is valid wherever the
        descent stops; more sweeps buy a slightly stronger bound at fewer nodes per second).
    bcd_every : int, default=25
        Run block coordinate descent from a node's rounded solution every this many nodes.
    screening : bool, default=True
        Fix to 0 at each node the free rules whose forced-in bound reaches the cutoff.
    """

    def __init__(
        self,
        indptr,
        indices,
        left,
        right,
        tree_start,
        candidate,
        cost,
        y,
        l2,
        k=None,
        fit_intercept=True,
        relax_sweeps=100,
        bcd_every=25,
        screening=True,
    ):
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.left = np.ascontiguousarray(left, dtype=np.int64)
        self.right = np.ascontiguousarray(right, dtype=np.int64)
        self.tree_start = np.ascontiguousarray(tree_start, dtype=np.int64)
        self.candidate = np.ascontiguousarray(candidate, dtype=np.bool_)
        self.cost = np.ascontiguousarray(cost, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.n = self.y.size
        self.m = self.left.size
        self.l2 = float(l2)
        if not self.l2 > 0:
            raise ValueError("exact rule selection needs l2 > 0")
        self.k = None if k is None else int(k)
        self.K = -1 if k is None else int(k)
        self.fit_intercept = bool(fit_intercept)
        self.relax_sweeps = int(relax_sweeps)
        self.bcd_every = int(bcd_every)
        self.screening = bool(screening)
        # The engine applies the schedule: BCD at the root and every bcd_every-th node.
        self.heuristic_period = self.bcd_every
        # Block coordinate descent finds the incumbents; dives mostly delay the global bound.
        # Diabetes, 50 trees, k = 10, l2 = 0.03, 20 s: gap 1.35 % with the engine's 0.5,
        # 1.09 % with 0.1, 1.08 % with 0 (same incumbent in all three).
        self.plunge_quotient = 0.1
        self.count = np.diff(self.indptr)
        self.parent = np.full(self.m, -1, dtype=np.int64)
        internal = np.flatnonzero(self.left >= 0)
        self.parent[self.left[internal]] = internal
        self.parent[self.right[internal]] = internal
        self.tree = np.repeat(np.arange(self.tree_start.size - 1), np.diff(self.tree_start))
        # Largest change of the (scaled) objective in a sweep at which descent stops. 1e-8
        # rather than 1e-12: on diabetes, 50 trees, k = 10, the global bound after 20 s rose
        # (gap 1.35 % against 1.74 %) because the search ran 2.4 times as many nodes.
        self.relax_tol = 1e-8
        #: Coefficients of a known good solution used as the first incumbent.
        self._best = (np.inf, None)

    # ---- helpers -----------------------------------------------------------------------

    def describe(self) -> list[str]:
        form = f"k = {self.k}" if self.k is not None else "penalized"
        return [
            f"l0bnb rules: n = {self.n}, nodes = {self.m}, candidates = "
            f"{int(self.candidate.sum())}, trees = {self.tree_start.size - 1}, {form}, "
            f"l2 = {self.l2:.6g}"
        ]

    def objective_scale(self) -> float:
        """Objective of the empty model: the floor of the relative gap's denominator."""
        yc = self.y - (self.y.mean() if self.fit_intercept else 0.0)
        return float(max(0.5 * np.mean(yc**2), np.finfo(float).tiny))

    def residual(self, w: np.ndarray) -> tuple[np.ndarray, float]:
        """Residual ``y - mu - M w`` at the best intercept for ``w``, and that intercept."""
        r = kern.residual(self.indptr, self.indices, self.y, w, 0.0)
        mu = float(r.mean()) if self.fit_intercept else 0.0
        return r - mu, mu

    def feasible(self, w: np.ndarray) -> bool:
        support = np.flatnonzero(w)
        if np.any(~self.candidate[support]):
            return False
        if self.k is not None and support.size > self.k:
            return False
        chosen = np.zeros(self.m, dtype=bool)
        chosen[support] = True
        for v in support:
            a = self.parent[v]
            while a >= 0:
                if chosen[a]:
                    return False
                a = self.parent[a]
        return True

    def objective(self, solution: np.ndarray) -> float:
        """Exact ``F`` of ``w`` at its best intercept (``inf`` if infeasible)."""
        w = np.asarray(solution, dtype=np.float64)
        if not self.feasible(w):
            return float("inf")
        r, _ = self.residual(w)
        return float(kern.objective_value(r, w, self.cost, self.l2))

    def columns(self, support: np.ndarray) -> np.ndarray:
        cols = np.zeros((self.n, support.size))
        for j, v in enumerate(support):
            cols[self.indices[self.indptr[v] : self.indptr[v + 1]], j] = 1.0
        return cols

    def refit(self, support: np.ndarray) -> tuple[float, np.ndarray]:
        """Exact ridge fit on ``support``: ``(F, w)``."""
        w = np.zeros(self.m)
        support = np.asarray(support, dtype=np.int64)
        if support.size:
            A = self.columns(support)
            yc = self.y
            if self.fit_intercept:
                A = A - A.mean(axis=0)
                yc = self.y - self.y.mean()
            gram = A.T @ A / self.n
            gram[np.diag_indices_from(gram)] += 2.0 * self.l2
            w[support] = np.linalg.solve(gram, A.T @ yc / self.n)
        return self.objective(w), w

    def dual_bound(self, alpha: np.ndarray, state: np.ndarray):
        """``D(alpha)`` at the node ``state`` and the antichain attaining ``W``."""
        if self.fit_intercept:
            alpha = alpha - alpha.mean()
        gamma = kern.dual_weights(self.indptr, self.indices, alpha, self.cost, self.l2)
        ones = state == ONE
        forced = float(gamma[ones].sum())
        K = self.K if self.K < 0 else self.K - int(ones.sum())
        sel = np.zeros(self.m, dtype=np.bool_)
        if K < 0 and self.K >= 0:
            return -np.inf, sel  # more ones than k: the node is infeasible (never built)
        W = kern.antichain(self.left, self.right, self.tree_start, gamma, state == FREE, K, sel)
        sel |= ones
        value = float(alpha @ self.y - 0.5 * self.n * (alpha @ alpha) - W - forced)
        return value, sel

    def screen(self, alpha: np.ndarray, state: np.ndarray, cutoff: float) -> np.ndarray:
        """Free nodes ``v`` whose bound with ``z_v = 1`` is at least ``cutoff``.

        Forcing ``v`` in adds its unclamped weight ``gamma_v`` and leaves a budget of one
        less for the others; the best antichain of the others (without ``v``'s ancestors and
        descendants) weighs at most the best over all free nodes with that budget ``W'``.
        So ``D_v(alpha) >= alpha'y - (n/2)||alpha||^2 - forced - gamma_v - W'``, a valid
        bound for every solution of the node with ``v`` selected.
        """
        if self.fit_intercept:
            alpha = alpha - alpha.mean()
        free = state == FREE
        ones = state == ONE
        budget = self.K if self.K < 0 else self.K - int(ones.sum()) - 1
        if self.K >= 0 and budget < 0:
            return np.zeros(self.m, dtype=bool)
        gamma = kern.dual_weights(self.indptr, self.indices, alpha, self.cost, self.l2)
        sel = np.zeros(self.m, dtype=np.bool_)
        rest = kern.antichain(self.left, self.right, self.tree_start, gamma, free, budget, sel)
        base = float(alpha @ self.y - 0.5 * self.n * (alpha @ alpha) - gamma[ones].sum())
        forced_in = base - rest - gamma
        # A relative margin keeps rounding from fixing a node the bound only ties with.
        return free & (forced_in >= cutoff + 1e-12 * abs(cutoff))

    def bcd(self, w: np.ndarray, max_sweeps: int = 1000, tol: float = 1e-10):
        """Block coordinate descent from ``w`` (feasible); returns ``(F, w)``."""
        w = w.copy()
        r, mu = self.residual(w)
        mu, value, _ = kern.bcd(
            self.indptr,
            self.indices,
            self.left,
            self.right,
            self.tree_start,
            self.candidate,
            self.cost,
            self.l2,
            self.K,
            self.fit_intercept,
            r,
            w,
            mu,
            max_sweeps,
            tol,
        )
        return self.objective(w), w

    def on_incumbent(self, value: float, w: np.ndarray) -> None:
        """The engine's new incumbent: its residual gives a second dual point at every node."""
        self._best = (value, w)

    # ---- Problem protocol --------------------------------------------------------------

    def root(self) -> Node:
        state = np.where(self.candidate, FREE, ZERO).astype(np.int8)
        return Node(bound=-np.inf, depth=0, state=state, warm=(np.zeros(self.m), None))

    def initial_incumbent(self, deadline: float):
        return self.bcd(np.zeros(self.m))

    def _relax_at(self, state, w, tau, deadline):
        """Solve the relaxation at shift ``tau`` from ``w`` (in place); bound and antichain."""
        r, mu = self.residual(w)
        kern.relax_cd(
            self.indptr,
            self.indices,
            state,
            self.cost,
            tau,
            self.l2,
            self.fit_intercept,
            r,
            w,
            mu,
            self.relax_sweeps,
            self.relax_tol,
        )
        bound, sel = self.dual_bound(r / self.n, state)
        return bound, sel

    def _tau_scale(self, state):
        gamma = kern.dual_weights(self.indptr, self.indices, self.y / self.n, self.cost, self.l2)
        free = state == FREE
        return float(max(gamma[free].max(initial=0.0), 1e-12))

    def _all_fixed(self, state: np.ndarray) -> Relaxation:
        """A node with no free rule: its only solution, refit exactly."""
        value, w = self.refit(np.flatnonzero(state == ONE))
        return Relaxation(
            bound=value, value=value, solution=w, integral=True, candidate=(value, w)
        )

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation:
        state = node.state
        if not np.any(state == FREE):
            return self._all_fixed(state)
        w0, tau0 = node.warm
        w0 = w0.copy()
        w0[state == ZERO] = 0.0
        if tau0 is None:
            top = self._tau_scale(state)
            taus = [0.0] + list(top * np.logspace(-4, 0, 9))
        else:
            taus = (
                [tau0, 2.0 * tau0, 0.5 * tau0]
                if tau0 > 0
                else [0.0, 1e-6 * self._tau_scale(state)]
            )
        best = (-np.inf, None, None, None)
        for tau in taus:
            w = w0.copy()
            bound, sel = self._relax_at(state, w, tau, deadline)
            if bound > best[0]:
                best = (bound, w, sel, tau)
            if bound >= cutoff or expired(deadline):
                break
        if tau0 is None and best[3] is not None and best[0] < cutoff:
            # Refine the best shift on a finer logarithmic grid around it.
            for factor in (2.0, 0.5, 1.41, 0.71):
                if best[3] == 0.0 or expired(deadline):
                    break
                w = best[1].copy()
                tau = best[3] * factor
                bound, sel = self._relax_at(state, w, tau, deadline)
                if bound > best[0]:
                    best = (bound, w, sel, tau)
        bound, w, sel, tau = best
        alphas = [self.residual(w)[0] / self.n]
        if self._best[1] is not None and bound < cutoff:
            alphas.append(self.residual(self._best[1])[0] / self.n)
            other, other_sel = self.dual_bound(alphas[-1], state)
            if other > bound:
                bound, sel = other, other_sel
        if self.screening and bound < cutoff and np.isfinite(cutoff):
            # Fix to 0 (in this node's state, so its children inherit it) every free node
            # whose forced-in bound already reaches the cutoff: the engine would prune it.
            for alpha in alphas:
                state[self.screen(alpha, state, cutoff)] = ZERO
            if not np.any(state == FREE):
                return self._all_fixed(state)
        value, cand = self.refit(np.flatnonzero(sel))
        cp = self.cost + tau
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(cp > 0, np.abs(w) * np.sqrt(self.l2 / np.maximum(cp, 1e-300)), 1.0)
        z = np.where(w != 0, np.minimum(z, 1.0), 0.0)
        z[state == ONE] = 1.0
        return Relaxation(
            bound=float(bound),
            value=float(bound),
            solution=w,
            candidate=(value, cand) if np.isfinite(value) else None,
            info={"z": z, "tau": tau, "sel": sel},
        )

    def heuristic(self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float):
        if relaxation.candidate is None:
            return None
        value, w = self.bcd(relaxation.candidate[1])
        return value, w

    def _ancestors(self, v):
        out = []
        a = self.parent[v]
        while a >= 0:
            out.append(a)
            a = self.parent[a]
        return out

    def _descendants(self, v):
        out, stack = [], [v]
        while stack:
            u = stack.pop()
            if self.left[u] >= 0:
                out += [self.left[u], self.right[u]]
                stack += [self.left[u], self.right[u]]
        return out

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]:
        state = node.state
        free = state == FREE
        z = relaxation.info["z"]
        score = np.where(free & (z > 0), np.minimum(z, 1.0 - z), -1.0)
        v = int(np.argmax(score))
        if score[v] <= 1e-9:
            # No fractional node: branch on a conflict (node and descendant both at 1),
            # shallowest first, else on the free node the bound's antichain uses.
            v = -1
            on = np.flatnonzero(free & (z >= 1.0 - 1e-9))
            for u in sorted(on, key=lambda u: len(self._ancestors(u))):
                if any(z[d] > 0 for d in self._descendants(u)):
                    v = int(u)
                    break
            if v < 0:
                sel = np.flatnonzero(relaxation.info["sel"] & free)
                pick = sel if sel.size else np.flatnonzero(free)
                v = (
                    int(pick[np.argmax(np.abs(relaxation.solution[pick]))])
                    if sel.size
                    else int(pick[0])
                )
        w = relaxation.solution.copy()
        warm = (w, relaxation.info["tau"])
        zero_state = state.copy()
        zero_state[v] = ZERO
        zero_child = Node(
            bound=relaxation.bound, depth=node.depth + 1, state=zero_state, warm=warm
        )
        n_ones = int(np.sum(state == ONE))
        if self.k is not None and n_ones + 1 > self.k:
            return [zero_child]
        one_state = state.copy()
        one_state[v] = ONE
        for u in self._ancestors(v) + self._descendants(v):
            one_state[u] = ZERO
        if self.k is not None and n_ones + 1 == self.k:
            one_state[one_state == FREE] = ZERO
        one_child = Node(bound=relaxation.bound, depth=node.depth + 1, state=one_state, warm=warm)
        return [one_child, zero_child] if z[v] >= 0.5 else [zero_child, one_child]


def l0_max(problem: RuleProblem, depth_cost: np.ndarray) -> float:
    """Smallest ``l0`` at which the empty model is a block optimum of every tree."""
    r = problem.y - (problem.y.mean() if problem.fit_intercept else 0.0)
    S = np.zeros(problem.m)
    kern.node_sums(problem.indptr, problem.indices, r, 0, problem.m, S)
    gain = S**2 / (2.0 * problem.n * (problem.count + 2.0 * problem.n * problem.l2))
    gain = np.where(problem.candidate, gain - depth_cost, -np.inf)
    return float(gain.max(initial=-np.inf))


def bcd_path(
    problem: RuleProblem,
    depth_cost: np.ndarray,
    l0_grid: np.ndarray,
    max_rules: int,
    deadline: float = np.inf,
    max_sweeps: int = 1000,
    tol: float = 1e-8,
):
    """Warm-started block coordinate descent along a decreasing grid of ``l0``.

    The costs are ``l0 + depth_cost`` on each grid point (the problem's own costs and
    cardinality bound are ignored). Stops once a point has more than ``max_rules`` rules or
    at the deadline. Returns a list of ``(l0, w, objective)``.
    """
    w = np.zeros(problem.m)
    r, mu = problem.residual(w)
    out = []
    for l0 in l0_grid:
        if expired(deadline):
            break
        cost = np.ascontiguousarray(l0 + depth_cost, dtype=np.float64)
        mu, value, _ = kern.bcd(
            problem.indptr,
            problem.indices,
            problem.left,
            problem.right,
            problem.tree_start,
            problem.candidate,
            cost,
            problem.l2,
            -1,
            problem.fit_intercept,
            r,
            w,
            mu,
            max_sweeps,
            tol,
        )
        out.append((float(l0), w.copy(), float(value)))
        if np.count_nonzero(w) > max_rules:
            break
    return out
