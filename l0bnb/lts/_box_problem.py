"""Penalised LTS by branch-and-bound over boxes of the fit ``theta = (b0, beta)``.

The pattern search (:class:`~l0bnb.lts._pattern_problem.TrimmedProblem`) branches on points;
its relaxation needs each residual's range ``M_i``, which stays wide until most points are
fixed. Here the fit itself is branched on, so every node knows each residual's exact range
and the envelope of ``min(r^2, eta)`` on it is tight once the box is small. The number of
boxes grows like ``(width / resolution)^d``: this search is for a few parameters
(``d = p + 1 <= 8``), where it certifies thousands of points.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine.interrupt import expired
from ..engine.nodes import Node
from ..engine.protocol import Relaxation
from . import _kernels as K
from ._pattern_problem import TrimmedProblem

ROOT_ETA_STEPS = 8
NODE_ETA_STEPS = 3
SWEEPS = 20
SWEEP_TOL = 1e-12
LIPSCHITZ_EVALS = 256


class TrimmedBoxProblem(TrimmedProblem):
    """Penalised LTS as a spatial branch-and-bound over boxes of the fit.

    Takes the parameters of :class:`~l0bnb.lts._pattern_problem.TrimmedProblem`. Boxes live in
    whitened coordinates ``theta = theta0 + T u`` (``theta0`` the first incumbent,
    ``T^T G T = I`` for the ridge Gram ``G`` of all points), where the objective's level
    sets are close to balls; the root box covers ``|b0| <= B0``, ``|beta_j| <= B`` (the
    coefficient box when ``l2 = 0``, else ``sqrt(UB / l2)``). Boxes are split in half
    along the coordinate that moves the undecided residuals most. The ridge enters as
    ``p`` extra rows ``sqrt(l2) beta_j`` that are never trimmed.
    """

    def __init__(self, X, y, **kwargs):
        super().__init__(X, y, **kwargs)
        self.k = self.n - self.h if self.code == K.TRIMMED else 0
        self.active = np.arange(0 if self.fit_intercept else 1, self.p + 1)

    def root(self) -> Node:
        # The box is built at the first relaxation, once the engine has set the incumbent
        # (it centres the coordinates and sizes the region).
        return Node(bound=-math.inf, depth=0, state=None, warm=None)

    def _root_box(self):
        """Whitened coordinates around the incumbent and the box covering the region."""
        if not math.isfinite(self.ub):
            self._radii()
        n, p = self.n, self.p
        A = np.column_stack((np.ones(n), self.X))[:, self.active]
        theta0 = self.root_theta if self.root_theta is not None else np.zeros(p + 1)
        r0 = K.residuals(self.X, self.y, theta0)
        G = A.T @ A
        ridge = np.full(p + 1, self.l2)[self.active]
        if self.fit_intercept:
            ridge[0] = 0.0
        G[np.diag_indices_from(G)] += ridge + 1e-10 * max(float(np.trace(G)), 1e-300)
        L = np.linalg.cholesky(G)
        T = np.linalg.inv(L).T  # T^T G T = I
        self.theta0, self.T = theta0.copy(), T
        rows = [A @ T]
        target = [r0]
        if self.l2 > 0:
            beta_rows = np.flatnonzero(self.active >= 1)
            rows.append(-math.sqrt(self.l2) * T[beta_rows])
            target.append(math.sqrt(self.l2) * theta0[self.active[beta_rows]])
        self.Au = np.asfortranarray(np.vstack(rows))
        # sqrt F is Lipschitz in u with the spectral norm of Au (1, up to rounding).
        self.lipschitz = max(1.0, float(np.linalg.norm(self.Au, 2)))
        self.yu = np.concatenate(target)
        self.quad = np.zeros(self.yu.size, dtype=np.bool_)
        self.quad[n:] = True
        # Bounding box, in u, of the region |b0| <= B0, |beta_j| <= B around theta0.
        lo_t = np.full(p + 1, -self.B)
        hi_t = np.full(p + 1, self.B)
        lo_t[0], hi_t[0] = self._intercept_range()
        lo_t, hi_t = lo_t[self.active], hi_t[self.active]
        half = 0.5 * (hi_t - lo_t)
        centre = 0.5 * (hi_t + lo_t) - theta0[self.active]
        Lt = L.T  # u = L^T (theta - theta0)
        mid = Lt @ centre
        rad = np.abs(Lt) @ half
        self.region = (lo_t, hi_t)
        return mid - rad, mid + rad

    def _intercept_range(self):
        """Range of an optimal intercept: the mean of ``y_i - x_i^T beta`` over ``h`` points.

        Over the coefficient region (box, or ball when ``l2 > 0``) each of these values
        lies in ``y_i -+ spread_i``; the mean of ``h`` of them lies between the means of
        the ``h`` smallest lower and ``h`` largest upper ends. Capped mode keeps ``B0``.
        """
        if not self.fit_intercept:
            return 0.0, 0.0
        if self.code != K.TRIMMED:
            return -self.B0, self.B0
        spread = (self.row_l2 if self.l2 > 0 else self.row_l1) * self.B
        low = np.sort(self.y - spread)[: self.h].mean()
        high = np.sort(self.y + spread)[-self.h :].mean()
        return max(float(low), -self.B0), min(float(high), self.B0)

    def _theta(self, u):
        theta = self.theta0.copy()
        theta[self.active] += self.T @ u
        return theta

    def _tighten(self, lo, hi, rounds=2):
        """Shrink the box to the region ``lo_t <= theta0 + T u <= hi_t`` (interval
        propagation, row by row); ``None`` when the box misses the region (it then holds no
        fit better than the incumbent, or none inside the coefficient box)."""
        lo, hi = lo.copy(), hi.copy()
        T = self.T
        lo_t, hi_t = self.region
        base = self.theta0[self.active]
        for _ in range(rounds):
            low = np.minimum(T * lo, T * hi)
            high = np.maximum(T * lo, T * hi)
            row_low, row_high = low.sum(axis=1), high.sum(axis=1)
            if np.any(base + row_low > hi_t) or np.any(base + row_high < lo_t):
                return None
            # Room left for T_jk u_k once the other terms of row j take extreme values.
            up = (hi_t - base - row_low)[:, None] + low
            down = (lo_t - base - row_high)[:, None] + high
            with np.errstate(divide="ignore", invalid="ignore"):
                a = np.where(T > 0, down / T, np.where(T < 0, up / T, -np.inf))
                b = np.where(T > 0, up / T, np.where(T < 0, down / T, np.inf))
            lo, hi = np.maximum(lo, a.max(axis=0)), np.minimum(hi, b.min(axis=0))
            if np.any(lo > hi):
                return None
        return lo, hi

    def _interval_bound(self, rl, ru):
        """``h`` smallest squared distances of the ranges to zero, plus the ridge rows."""
        dist = np.where(rl > 0.0, rl, np.where(ru < 0.0, -ru, 0.0))
        d2 = dist * dist
        n = self.n
        pts, extra = d2[:n], float(d2[n:].sum())
        if self.code == K.CAPPED:
            return float(np.minimum(pts, self.mu).sum()) + extra
        if self.h >= n:
            return float(pts.sum()) + extra
        return float(np.partition(pts, self.h - 1)[: self.h].sum()) + extra

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation:
        lo, hi = self._root_box() if node.state is None else node.state
        Au, yu, quad = self.Au, self.yu, self.quad
        box = self._tighten(lo, hi)
        if box is None:
            return Relaxation(bound=math.inf, value=math.inf, solution=None, integral=True)
        lo, hi = box
        rl, ru = K.residual_intervals(Au, yu, lo, hi)
        quick = self._interval_bound(rl, ru)
        if quick < cutoff:
            quick = max(
                quick,
                K.lipschitz_bound(
                    Au,
                    yu,
                    lo,
                    hi,
                    self.n,
                    self.code,
                    self.h,
                    self.mu,
                    self.lipschitz,
                    cutoff,
                    LIPSCHITZ_EVALS,
                ),
            )
        if quick >= cutoff:
            return Relaxation(bound=quick, value=quick, solution=None, integral=True)
        if node.warm is None:
            u, eta = np.zeros(lo.size), 0.0
        else:
            u, eta = node.warm
        u = np.minimum(np.maximum(u, lo), hi)
        if self.code == K.CAPPED:
            eta = self.mu
        elif not eta > 0:
            r0 = (yu - Au @ u)[: self.n]
            eta = float(np.partition(r0 * r0, self.h - 1)[self.h - 1]) or self.y_unit**2
        best = (-math.inf, u, eta, None)
        lo_eta, hi_eta = 0.0, math.inf
        steps = ROOT_ETA_STEPS if node.warm is None else NODE_ETA_STEPS
        if self.code == K.CAPPED or self.k == 0:
            steps = 1
        for _ in range(steps):
            qa, qb, chord = K.envelope(rl, ru, eta)
            u, r, _, _ = K.minimize_box(
                Au, yu, u, lo, hi, rl, ru, qa, qb, chord, quad, eta, SWEEPS, SWEEP_TOL
            )
            d = K.dual_bound(Au, yu, r, lo, hi, rl, ru, qa, qb, chord, quad, eta, self.k)
            z = K.flat_weights(r, rl, ru, qa, qb, chord, quad, eta)
            if d > best[0]:
                best = (d, u.copy(), eta, z)
            if d >= cutoff or steps == 1 or expired(deadline):
                break
            g = float(z.sum()) - self.k
            if abs(g) < 1e-9:
                break
            if g > 0:
                lo_eta = eta
            else:
                hi_eta = eta
            eta = self._next_eta(r, eta, lo_eta, hi_eta)
        bound, u, eta, z = best
        bound = max(self.safe_bound(bound), quick)
        # Undecided points: residual ranges that straddle the envelope's kinks.
        undecided = (z > 1e-9) & (z < 1 - 1e-9)
        return Relaxation(
            bound=float(bound),
            value=float(bound),
            solution=(u, eta),
            integral=False,
            info={"undecided": undecided, "box": (lo, hi)},
        )

    def _next_eta(self, r, eta, lo_eta, hi_eta):
        """Next budget multiplier: the trimming threshold of the relaxed fit, if bracketed.

        At a fixed fit the Lagrangian is maximised by any ``eta`` between the ``h``-th and
        ``(h+1)``-th smallest squared residual, so small boxes converge in a step or two.
        """
        r2 = np.partition(r[: self.n] ** 2, (self.h - 1, self.h))
        guess = 0.5 * (r2[self.h - 1] + r2[self.h])
        if lo_eta < guess < hi_eta and guess != eta:
            return float(guess)
        if lo_eta > 0 and math.isfinite(hi_eta):
            return math.sqrt(lo_eta * hi_eta)
        return 4.0 * eta if not math.isfinite(hi_eta) else eta / 4.0

    def heuristic(self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float):
        self.calls += 1
        if relaxation.solution is None or (node.depth > 8 and self.calls % 10):
            return None
        theta = self._theta(relaxation.solution[0])
        if self.box > 0:  # boxes in u reach past the coefficient box, which is a constraint
            theta[1:] = np.clip(theta[1:], -self.box, self.box)
        return self.c_step_candidate(theta)

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]:
        lo, hi = relaxation.info["box"]
        width = hi - lo
        weight = np.abs(self.Au[relaxation.info["undecided"]]).sum(axis=0)
        if not np.any(weight * width > 0):
            weight = np.abs(self.Au).sum(axis=0)
        j = int(np.argmax(weight * width))
        mid = 0.5 * (lo[j] + hi[j])
        left_hi = hi.copy()
        left_hi[j] = mid
        right_lo = lo.copy()
        right_lo[j] = mid
        first, second = (lo, left_hi), (right_lo, hi)
        if relaxation.solution[0][j] > mid:
            first, second = second, first
        return [
            Node(bound=relaxation.bound, depth=node.depth + 1, state=s, warm=relaxation.solution)
            for s in (first, second)
        ]

    def describe(self) -> list[str]:
        return [*super().describe(), "Search over boxes of (b0, beta), whitened"]
