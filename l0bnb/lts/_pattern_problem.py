"""Penalised least trimmed squares as a branch-and-bound problem (three-way branching).

Objective (sums, not means; ``r = y - b0 - X beta``, intercept unpenalised)::

    trimmed:  F(b0, beta) = sum of the h smallest r_i^2 + l2 ||beta||^2
    capped:   F(b0, beta) = sum_i min(r_i^2, mu)      + l2 ||beta||^2

With l2 = 0 the coefficients are boxed, ``|beta_j| <= coef_bound`` (part of the problem).

A node fixes some points as inliers (``|r| <= tau``), outliers above (``r >= tau``) or
outliers below (``r <= -tau``); the rest are free. Its relaxation dualises the budget of
outliers with a multiplier ``eta`` and convexifies each free point's ``min(r^2, eta)`` on
``|r| <= M_i`` into a Huber function with threshold ``kappa_i = M_i - sqrt(M_i^2 - eta)``.
The returned bound is the value of an explicit dual point (``kernels.trimmed.dual_value``),
valid whatever the state of the first-order method. Children that no hyperplane cell can
realise (an LP in ``(b0, beta, tau)``) are dropped.

The residual bounds ``M_i`` hold for every solution with ``F <= UB`` whose intercept is
optimal for its inliers: with l2 > 0, ``||beta||_2 <= sqrt(UB / l2)``; with l2 = 0 the box.
They are recomputed whenever the incumbent ``UB`` improves.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog

from ..engine.interrupt import expired
from ..engine.nodes import Node
from ..engine.protocol import Relaxation
from . import _kernels as K
from .refit import subset_fit

MODES = {"trimmed": K.TRIMMED, "capped": K.CAPPED}
#: Multiplier steps at the root and at other nodes.
ROOT_ETA_STEPS = 12
NODE_ETA_STEPS = 4
#: Relative slack subtracted from every dual value (rounding in the sums).
BOUND_SLACK = 1e-10
#: Floor of that slack relative to the spread of ``y`` (``sum (y_i - median y)^2``): rounding
#: in sums of squares of that size (about 1e-16 of it) stays below it.
ROUNDING_FLOOR = 1e-15


#: FAST-LTS runs in chunks of this many starts, so a deadline is checked between them.
START_CHUNK = 100
#: Pairwise-swap rounds in all, and per kernel call.
SWAP_ROUNDS = 200
SWAP_CHUNK = 10


def lts_heuristic(
    X,
    y,
    *,
    mode,
    h,
    mu,
    l2,
    fit_intercept,
    box=0.0,
    n_starts=500,
    seed=0,
    n_best=10,
    swaps=True,
    deadline=math.inf,
):
    """Ridge FAST-LTS, then pairwise swaps (Hawkins) on the best fit.

    Starts run in chunks of :data:`START_CHUNK`; after the first chunk, no new chunk starts
    past ``deadline`` (``time.perf_counter()`` seconds). Returns
    ``(theta, objective, best_thetas)`` where ``theta = (b0, beta)`` and ``best_thetas``
    are the converged fits of the ``n_best`` best starts, best first.
    """
    code = MODES[mode]
    X = np.asfortranarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    h_ = int(h) if h is not None else X.shape[0]
    mu_ = float(mu) if mu is not None else 0.0
    all_thetas, all_objs = [], []
    done, chunk = 0, 0
    total = int(max(n_starts, 1))
    while done < total and (chunk == 0 or not expired(deadline)):
        size = min(START_CHUNK, total - done)
        _, _, t_chunk, o_chunk = K.fast_lts(
            X,
            y,
            float(l2),
            bool(fit_intercept),
            float(box),
            code,
            h_,
            mu_,
            size,
            int(n_best),
            int(seed) + 7919 * chunk,
        )
        all_thetas.append(t_chunk)
        all_objs.append(o_chunk)
        done += size
        chunk += 1
    det_thetas, det_objs = deterministic_starts(
        X, y, code, h_, mu_, float(l2), bool(fit_intercept), float(box)
    )
    thetas = np.vstack(all_thetas + [det_thetas])
    objs = np.concatenate(all_objs + [det_objs])
    order = np.argsort(objs, kind="stable")[:n_best]
    thetas, objs = thetas[order], objs[order]
    theta, obj = thetas[0].copy(), float(objs[0])
    thetas = thetas[np.isfinite(objs)]
    if swaps:
        cand, cobj = theta, obj
        # Rounds of swaps in chunks (a round costs a refit): the deadline and Ctrl-C are
        # polled between kernel calls, up to SWAP_ROUNDS rounds in all.
        for _ in range(SWAP_ROUNDS // SWAP_CHUNK):
            nxt, nobj = K.swap_search(
                X, y, cand, float(l2), bool(fit_intercept), code, h_, mu_, 50, SWAP_CHUNK
            )
            if not nobj < cobj:
                break
            cand, cobj = nxt, nobj
            if expired(deadline):
                break
        feasible = box <= 0.0 or np.max(np.abs(cand[1:]), initial=0.0) <= box
        if feasible and cobj < obj:
            theta, obj = cand, cobj
    return theta, float(obj), thetas


def deterministic_starts(X, y, code, h, mu, l2, fit_intercept, box):
    """Deterministic starts (in the spirit of DetLTS), iterated by C-steps to convergence.

    Ridge on all points; ridge on the ``h`` points closest to the coordinate-wise median
    of ``X`` (MAD-scaled distances: keeps bad leverage points out, which random elemental
    starts rarely manage when they are many); ridge on the ``h`` points whose ``y`` is
    closest to its median. Returns ``(thetas, objectives)``.
    """
    n = X.shape[0]
    m = min(h, n) if code == K.TRIMMED else (n + X.shape[1] + 2) // 2
    med = np.median(X, axis=0)
    mad = np.median(np.abs(X - med), axis=0)
    mad[mad <= 0] = 1.0
    dist = (((X - med) / mad) ** 2).sum(axis=1)
    subsets = [
        np.arange(n),
        np.sort(np.argsort(dist, kind="stable")[:m]),
        np.sort(np.argsort(np.abs(y - np.median(y)), kind="stable")[:m]),
    ]
    thetas, objs = [], []
    for idx in subsets:
        theta = K.ridge_fit(X, y, idx.astype(np.int64), l2, fit_intercept, box)
        theta, obj, _ = K.c_steps(X, y, theta, l2, fit_intercept, box, code, h, mu, 500)
        thetas.append(theta)
        objs.append(obj)
    return np.array(thetas), np.array(objs)


class TrimmedProblem:
    """Penalised LTS for the branch-and-bound engine.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    mode : {"trimmed", "capped"}
    h : int or None
        Number of inliers (trimmed mode).
    mu : float or None
        Cap on squared residuals (capped mode).
    l2 : float
        Ridge penalty on ``beta``.
    fit_intercept : bool
    coef_bound : float or None
        Box on the coefficients; required (positive) when ``l2 == 0``, ignored otherwise.
    start : tuple (objective, theta) or None
        Initial incumbent; computed by :func:`lts_heuristic` when ``None``.
    n_starts, seed : int
        FAST-LTS starts and seed when ``start`` is None.
    """

    def __init__(
        self,
        X,
        y,
        *,
        mode="trimmed",
        h=None,
        mu=None,
        l2=0.0,
        fit_intercept=True,
        coef_bound=None,
        start=None,
        n_starts=500,
        seed=0,
    ):
        self.X = np.asfortranarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.n, self.p = self.X.shape
        self.mode = mode
        self.code = MODES[mode]
        self.h = int(h) if h is not None else self.n
        self.mu = float(mu) if mu is not None else 0.0
        self.l2 = float(l2)
        self.fit_intercept = bool(fit_intercept)
        if self.l2 == 0.0 and not (coef_bound is not None and coef_bound > 0):
            raise ValueError("with l2 = 0 a positive coef_bound (box on beta) is required")
        self.box = float(coef_bound) if self.l2 == 0.0 else 0.0
        self.start = start
        self.n_starts = n_starts
        self.seed = seed
        self.abs_y = np.abs(self.y)
        centre = float(np.median(self.y)) if self.fit_intercept else 0.0
        spread = float(np.sum((self.y - centre) ** 2))
        # Smallest positive normal float when y has no spread (every fit is exact there).
        self.spread = spread if spread > 0 else 2.2250738585072014e-308
        self.y_unit = math.sqrt(self.spread / self.n)
        self.row_l1 = np.abs(self.X).sum(axis=1)
        self.row_l2 = np.sqrt((self.X * self.X).sum(axis=1))
        self.ub = math.inf
        self.root_theta = None
        self.M = np.full(self.n, math.inf)
        self.E = math.inf
        self.B = math.inf
        self.B0 = math.inf
        self.calls = 0
        self.lp_checks = 0
        self.lp_pruned = 0

    def objective_scale(self) -> float:
        """The objective's scale, ``0.5 sum (y_i - c)^2`` (``c`` the median of ``y`` with an
        intercept, else 0): the engine floors the gap's denominator with a tiny fraction
        of it, so a perfect fit (objective 0) can still be certified."""
        return 0.5 * self.spread

    def safe_bound(self, bound: float) -> float:
        """``bound`` lowered by the rounding of its sums (relative, with a floor in the
        units of ``||y||^2`` for bounds near 0 computed from large terms)."""
        return bound - BOUND_SLACK * abs(bound) - ROUNDING_FLOOR * self.spread

    # ------------------------------------------------------------------ radii

    def note_value(self, value: float) -> None:
        """Record an objective value that the engine may adopt as its incumbent."""
        if value < self.ub:
            self.ub = float(value)
            self._radii()

    def _radii(self) -> None:
        ub = max(self.ub, 0.0)
        if self.l2 > 0.0:
            self.B = math.sqrt(ub / self.l2)
            xb = self.row_l2 * self.B
        else:
            self.B = self.box
            xb = self.row_l1 * self.B
        self.B0 = float(self.abs_y.max() + xb.max()) if self.fit_intercept else 0.0
        self.M = self.abs_y + self.B0 + xb
        # Any point's |r| is at most M_i; inliers also have r^2 <= F <= UB.
        self.E = math.sqrt(ub)
        if self.code == K.CAPPED:
            self.E = min(self.E, math.sqrt(self.mu))

    # ------------------------------------------------------------------ protocol

    def root(self) -> Node:
        state = np.full(self.n, K.FREE, dtype=np.int8)
        return Node(bound=-math.inf, depth=0, state=state, warm=None)

    def initial_incumbent(self, deadline: float):
        if self.start is None:
            theta, obj, _ = lts_heuristic(
                self.X,
                self.y,
                mode=self.mode,
                h=self.h,
                mu=self.mu,
                l2=self.l2,
                fit_intercept=self.fit_intercept,
                box=self.box,
                n_starts=self.n_starts,
                seed=self.seed,
            )
        else:
            obj, theta = self.start
            theta = np.asarray(theta, dtype=np.float64)
            if self.box > 0:
                theta = theta.copy()
                theta[1:] = np.clip(theta[1:], -self.box, self.box)
        obj = self.objective(theta)
        self.note_value(obj)
        self.root_theta = theta
        return obj, theta

    def objective(self, solution) -> float:
        return float(
            K.objective(
                self.X,
                self.y,
                np.asarray(solution, dtype=np.float64),
                self.l2,
                self.code,
                self.h,
                self.mu,
            )
        )

    def _effective_types(self, state):
        """Node types with the budget propagated (all free in / all free out)."""
        eff = state.copy()
        n_in = int(np.count_nonzero(state == K.INLIER))
        n_out = int(np.count_nonzero(state >= K.OUT_ABOVE))
        if self.code == K.TRIMMED:
            if n_out >= self.n - self.h:
                eff[eff == K.FREE] = K.INLIER
            elif n_in >= self.h:
                eff[eff == K.FREE] = K.OUT_ABOVE
        return eff, n_in, n_out

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation:
        if not math.isfinite(self.ub):
            self._radii()
        eff, _, n_out = self._effective_types(node.state)
        n_eff_out = int(np.count_nonzero(eff >= K.OUT_ABOVE))
        free = eff == K.FREE
        if node.warm is None:
            theta0 = self.root_theta if self.root_theta is not None else np.zeros(self.p + 1)
            eta = 0.0
        else:
            theta0, eta = node.warm
        X, y, l2, box, fi = self.X, self.y, self.l2, self.box, self.fit_intercept
        M = self._node_radii(eff)
        best = (-math.inf, theta0, eta)
        value = math.inf
        theta = theta0
        if self.code == K.CAPPED or not free.any():
            eta = self.mu if self.code == K.CAPPED else 0.0
            const = self.mu * n_eff_out if self.code == K.CAPPED else 0.0
            kap = K.kappa(M, eta)
            if free.any():
                theta, value, _ = K.minimize_relaxation(
                    X, y, theta0, eff, kap, l2, box, fi, const, 60, 1e-15
                )
            else:
                theta = self._leaf_fit(eff)
                value = K.relaxed_value(K.residuals(X, y, theta), theta[1:], eff, kap, l2, const)
            d = K.node_bound(X, y, theta, eff, M, eta, l2, box, fi, const)
            best = (d, theta, eta)
        else:
            k = self.n - self.h - n_out
            if not eta > 0:
                r0 = K.residuals(X, y, theta0) if node.warm is not None else y - np.median(y)
                eta = float(np.partition(r0 * r0, self.h - 1)[self.h - 1]) or self.y_unit**2
            lo, hi = 0.0, math.inf
            steps = ROOT_ETA_STEPS if node.depth == 0 else NODE_ETA_STEPS
            for _ in range(steps):
                kap = K.kappa(M, eta)
                const = -eta * k
                theta, val, _ = K.minimize_relaxation(
                    X, y, theta, eff, kap, l2, box, fi, const, 60, 1e-12
                )
                d = K.node_bound(X, y, theta, eff, M, eta, l2, box, fi, const)
                if d > best[0]:
                    best, value = (d, theta, eta), val
                if d >= cutoff or expired(deadline):
                    break
                r = K.residuals(X, y, theta)
                z = K.outlier_weights(r, eff, M, kap, eta)
                g = float(z.sum()) - k
                if abs(g) < 1e-9:
                    break
                if g > 0:
                    lo = eta
                else:
                    hi = eta
                eta = (
                    math.sqrt(lo * hi)
                    if lo > 0 and math.isfinite(hi)
                    else (4.0 * eta if not math.isfinite(hi) else eta / 4.0)
                )
        bound, theta, eta = best
        bound = self.safe_bound(bound)
        kap = K.kappa(M, eta)
        r = K.residuals(X, y, theta)
        integral = not free.any()
        candidate = None
        if integral:
            obj = self.objective(theta)
            self.note_value(obj)
            candidate = (obj, theta)
        info = {"eta": eta, "eff": eff}
        if not integral:
            z = K.outlier_weights(r, eff, M, kap, eta)
            idx = np.flatnonzero(free)
            score = np.abs(z[idx] - 0.5) + 1e-9 * np.abs(np.abs(r[idx]) - kap[idx]) / (
                1.0 + np.abs(r[idx])
            )
            i = int(idx[np.argmin(score)])
            info.update(branch=i, z=float(z[i]), sign=float(r[i]))
        return Relaxation(
            bound=float(bound),
            value=float(value if math.isfinite(value) else bound),
            solution=(theta, eta),
            integral=integral,
            candidate=candidate,
            info=info,
        )

    def _node_radii(self, eff):
        """Residual bounds of the node: the global ``M`` tightened by its inliers.

        Every completion with ``F <= UB`` keeps ``theta`` in the ellipsoid
        ``sum_I r_i^2 + l2 ||beta||^2 <= UB``; once the inliers determine ``theta`` (at
        least ``d`` of them, or ``l2 > 0`` without intercept), residuals over it are bounded
        in closed form. A relative margin covers the jitter of the Gram inverse.
        """
        mask = eff == K.INLIER
        n_in = int(mask.sum())
        d = self.p + (1 if self.fit_intercept else 0)
        if n_in < d and not (self.l2 > 0 and (n_in >= 1 or not self.fit_intercept)):
            return self.M
        center, lev, S = K.ellipsoid_radii(self.X, self.y, mask, self.l2, self.fit_intercept)
        slack = max(self.ub - S, 0.0)
        radius = (center + np.sqrt(slack * lev)) * (1.0 + 1e-9) + 1e-12 * self.y_unit
        return np.minimum(self.M, radius)

    def _leaf_fit(self, eff):
        """Exact (boxed) ridge fit on the inliers of a leaf: its dual point closes the gap."""
        idx = np.flatnonzero(eff == K.INLIER)
        theta = K.ridge_fit(self.X, self.y, idx, self.l2, self.fit_intercept, 0.0)
        if self.box > 0 and np.max(np.abs(theta[1:]), initial=0.0) > self.box:
            theta, _ = subset_fit(
                self.X, self.y, idx, l2=self.l2, fit_intercept=self.fit_intercept, box=self.box
            )
            theta[1:] = np.clip(theta[1:], -self.box, self.box)
        return theta

    def heuristic(self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float):
        self.calls += 1
        if node.depth > 5 and self.calls % 10:
            return None
        return self.c_step_candidate(relaxation.solution[0])

    def c_step_candidate(self, theta):
        """C-steps from ``theta`` (inside the coefficient box); the fit is a candidate."""
        theta, obj, _ = K.c_steps(
            self.X,
            self.y,
            theta,
            self.l2,
            self.fit_intercept,
            self.box,
            self.code,
            self.h,
            self.mu,
            50,
        )
        obj = self.objective(theta)
        self.note_value(obj)
        return obj, theta

    def _cell_feasible(self, state) -> bool:
        """LP in (b0, beta, tau): can some fit realise the node's inlier/outlier pattern?"""
        idx = np.flatnonzero(state != K.FREE)
        if idx.size == 0:
            return True
        self.lp_checks += 1
        p = self.p
        rows, rhs = [], []
        for i in idx:
            a = np.concatenate(([1.0], self.X[i]))
            t = state[i]
            # r_i = y_i - a^T theta
            if t == K.INLIER:  # -tau <= r_i <= tau
                rows.append(np.concatenate((-a, [-1.0])))
                rhs.append(-self.y[i])
                rows.append(np.concatenate((a, [-1.0])))
                rhs.append(self.y[i])
            elif t == K.OUT_ABOVE:  # r_i >= tau
                rows.append(np.concatenate((a, [1.0])))
                rhs.append(self.y[i])
            else:  # r_i <= -tau
                rows.append(np.concatenate((-a, [1.0])))
                rhs.append(-self.y[i])
        A = np.array(rows)
        if not self.fit_intercept:
            A[:, 0] = 0.0
        b0 = (-self.B0, self.B0) if self.fit_intercept else (0.0, 0.0)
        bounds = [b0] + [(-self.B, self.B)] * p
        if self.code == K.CAPPED:
            s = math.sqrt(self.mu)
            bounds.append((s, s))
        else:
            bounds.append((0.0, self.E))
        res = linprog(np.zeros(p + 2), A_ub=A, b_ub=np.array(rhs), bounds=bounds, method="highs")
        if res.status == 2:
            self.lp_pruned += 1
            return False
        return True

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]:
        i = relaxation.info["branch"]
        state = node.state
        n_in = int(np.count_nonzero(state == K.INLIER))
        n_out = int(np.count_nonzero(state >= K.OUT_ABOVE))
        options = []
        if self.code == K.CAPPED or n_in < self.h:
            options.append(K.INLIER)
        if self.code == K.CAPPED or n_out < self.n - self.h:
            options += [K.OUT_ABOVE, K.OUT_BELOW]
        out_first = K.OUT_ABOVE if relaxation.info["sign"] >= 0 else K.OUT_BELOW
        other = K.OUT_BELOW if out_first == K.OUT_ABOVE else K.OUT_ABOVE
        order = (
            [K.INLIER, out_first, other]
            if relaxation.info["z"] < 0.5
            else [out_first, K.INLIER, other]
        )
        children = []
        for t in order:
            if t not in options:
                continue
            child = state.copy()
            child[i] = t
            if not self._cell_feasible(child):
                continue
            children.append(
                Node(
                    bound=relaxation.bound,
                    depth=node.depth + 1,
                    state=child,
                    warm=relaxation.solution,
                )
            )
        return children

    def describe(self) -> list[str]:
        what = f"h = {self.h}" if self.code == K.TRIMMED else f"mu = {self.mu:.6g}"
        return [
            f"Penalised LTS ({self.mode}): n = {self.n}, p = {self.p}, {what}, "
            f"l2 = {self.l2:g}, intercept = {self.fit_intercept}"
            + (f", box = {self.box:.4g}" if self.box > 0 else "")
        ]
