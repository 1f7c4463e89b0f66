"""Categorical fusion + sparsity as a branch-and-bound problem on the shared engine.

Node state, per categorical feature: a partition of ``{0, 1..K_j}`` into classes forced to
share one value (index 0 is a virtual level fixed at zero, so 0's class is the zero group)
and a set of split (cannot-link) class pairs; per continuous feature a state in
{free, zero, nonzero} (only when ``l0 > 0``; otherwise ``theta`` has no binary part).

Bound: weak duality gives, for any ``alpha`` (summing to 0 with an intercept),
``D(alpha) = alpha'y - (n/2)||alpha||^2 + sum_j Psi_j(X_j'alpha) + continuous terms <= F``
over the node, where ``Psi_j`` is the univariate DP over the node's classes (classes split
from zero forced nonzero, a clique of pairwise split forced classes as a count floor).
``alpha`` starts at the residual of the node's ridge relaxation (``lf`` dropped, classes
fused) and is improved by projected supergradient steps with Polyak steps; every iterate's
value is a valid bound, the best is kept. A second bound (``_curvature_bound``) moves part of
each feature's own loss curvature into its DP and linearises the convex rest at a tangent
point, which Polyak steps on the tangent slope improve (``_curvature_ascent``); children
inherit the best point. The node keeps the larger bound. A fully decided node is solved
exactly (ridge on its classes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..engine.interrupt import expired
from ..engine.nodes import Node
from ..engine.protocol import Relaxation
from ._bcd import multi_start_bcd
from ._data import FusionData
from ._kernels import curvature_feature_bound, node_dual, shifted_dp
from ._pace import Pace, dp_units, eigh_units
from .refit import gram, labels_from_beta, partition_ridge

#: Supergradient steps on ``alpha`` per node.
DUAL_STEPS = 30
#: Relative amount by which Polyak steps aim past the node's cutoff.
POLYAK_OVERSHOOT = 1e-5
#: DP evaluations per feature in the interval search of the curvature bound.
CURVATURE_EVALS = 120
#: Shares of the largest admissible curvature ``t_max`` tried at the root; the best is kept.
CURVATURE_SHARES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0)
#: Tangent-point steps of the curvature bound per node (each costs one bound evaluation).
CURVATURE_STEPS = 8


@dataclass(frozen=True)
class FeatureState:
    """Classes of one feature: ``rep[i]`` is the smallest index of ``i``'s class (``i = 0``:
    the virtual zero level, ``i = k + 1``: level ``k``); ``split`` holds pairs of reps."""

    rep: tuple
    split: frozenset

    def classes(self) -> list[int]:
        return sorted(set(self.rep))

    def fuse(self, u: int, w: int) -> FeatureState:
        keep, gone = min(u, w), max(u, w)
        rep = tuple(keep if r == gone else r for r in self.rep)
        split = frozenset(
            tuple(sorted((keep if a == gone else a, keep if b == gone else b)))
            for a, b in self.split
        )
        return FeatureState(rep, split)

    def cut(self, u: int, w: int) -> FeatureState:
        return FeatureState(self.rep, self.split | {tuple(sorted((u, w)))})

    def undecided(self) -> list[tuple[int, int]]:
        cls = self.classes()
        return [
            (u, w) for i, u in enumerate(cls) for w in cls[i + 1 :] if (u, w) not in self.split
        ]


def _polyak_target(cutoff: float, best: float, fallback_rise: float) -> float:
    """Level the Polyak steps aim at: just past the cutoff (aiming at the cutoff itself only
    approaches it from below, so a prunable node would never be pruned)."""
    if np.isfinite(cutoff):
        return cutoff + POLYAK_OVERSHOOT * max(abs(cutoff), 1e-12)
    return best + fallback_rise


def _clique(forced: list[int], split: frozenset) -> int:
    """Size of a greedy clique of forced classes, pairwise split (all need distinct values)."""
    order = sorted(forced, key=lambda u: -sum(u in pair for pair in split))
    clique: list[int] = []
    for u in order:
        if all(tuple(sorted((u, w))) in split for w in clique):
            clique.append(u)
    return len(clique)


class FusionProblem:
    """Categorical fusion (section 2 of the spec) for the branch-and-bound engine.

    Parameters
    ----------
    data : FusionData
        Scaled instance; ``data.l2 > 0`` is required (it bounds the dual terms).
    initial : tuple or None
        A starting solution ``(beta, theta, mu)``; BCD runs at the root in any case.
    """

    def __init__(self, data: FusionData, initial=None):
        if not data.l2 > 0:
            raise ValueError("the exact solver needs l2 > 0 (use solver='bcd' for l2 = 0).")
        self.data = data
        self.initial = initial
        self.n_dual_steps = DUAL_STEPS
        self.pace = Pace.calibrated()
        # The curvature split needs eigendecompositions of order sum(K) + q: prepared at the
        # first relaxation, under its deadline, not here where no time limit applies.
        self._t = self._t_max = 0.0
        self._curvature_ready = False
        self._t_chosen = False
        self._share = None
        self._n_x = int(data.offsets[-1]) + data.q

    # ----------------------------------------------------------------- engine protocol

    def describe(self) -> list[str]:
        d = self.data
        return [
            f"Categorical fusion: n={d.n}, features {d.p} categorical "
            f"(levels {d.n_levels.tolist()}) + {d.q} continuous",
            f"l0={d.l0:g}, lf={d.lf:g}, l2={d.l2:g}",
        ]

    def root(self) -> Node:
        feats = tuple(
            FeatureState(tuple(range(int(k) + 1)), frozenset()) for k in self.data.n_levels
        )
        z = np.full(self.data.q, -1 if self.data.l0 > 0 else 1, dtype=np.int8)
        return Node(bound=-np.inf, depth=0, state=(feats, z))

    def initial_incumbent(self, deadline: float):
        sol, value, _ = multi_start_bcd(self.data, deadline, self.pace)
        if self.initial is not None:
            value0 = self.data.objective(self.initial)
            if value0 < value:
                sol, value = self.initial, value0
        return value, sol

    def objective(self, solution) -> float:
        return self.data.objective(solution)

    def relax(self, node: Node, cutoff: float, deadline: float) -> Relaxation:
        feats, z = node.state
        d = self.data
        if self._decided(feats, z):
            sol, counted = partition_ridge(d, self._group_labels(feats), z == 1)
            value = d.objective(sol)
            return Relaxation(
                bound=counted, value=counted, solution=None, integral=True,
                candidate=(value, sol),
            )  # fmt: skip
        arrays = self._arrays(feats)
        labels = self._group_labels(feats)
        n_cols = sum(int(lab.max(initial=0)) for lab in labels) + int(np.sum(z != 0))
        relaxed = None
        if self.pace.fits(eigh_units(n_cols) / 5, deadline):
            relaxed, _ = partition_ridge(d, labels, z != 0)
            alpha = self._residual(relaxed)
        else:
            alpha = self._residual(d.empty())  # any alpha gives a valid bound
        exact_units = self._dual_units(arrays)
        best, best_alpha, c = -np.inf, alpha, None
        for step in range(self.n_dual_steps + 1):
            # One evaluation always runs, with the O(K) separable DP if the exact one would
            # end past the deadline, so every node returns a valid bound of its own.
            exact = self.pace.fits(exact_units, deadline)
            if not exact and step > 0:
                break
            t0 = time.perf_counter()
            value, grad, c_alpha = node_dual(
                alpha, d.y, *arrays, d.Z, z, d.l0, d.lf, d.l2, exact
            )  # fmt: skip
            if exact:
                self.pace.record(exact_units, time.perf_counter() - t0)
            if value > best:
                best, best_alpha, c = value, alpha, c_alpha
            if best >= cutoff or expired(deadline):
                break
            if d.fit_intercept:
                grad = grad - grad.mean()
            norm2 = float(grad @ grad)
            if norm2 <= 1e-30:
                break
            target = _polyak_target(cutoff, best, abs(best) + 1e-3)
            alpha = alpha + (target - value) / norm2 * grad
        x_best = node.warm
        if best < cutoff and self._prepare_curvature(deadline) and self._t_max > 0:
            # The parent's best tangent point continues its ascent; the root starts at the
            # node's ridge point.
            x0 = node.warm
            if x0 is None:
                x0 = np.zeros(self._n_x) if relaxed is None else np.concatenate(relaxed[:2])
            classes = self._feature_classes(feats)
            value, x_best = self._curvature_ascent(classes, z, x0, cutoff, deadline)
            best = max(best, value)
        return Relaxation(
            bound=float(best), value=float(best), solution=(best_alpha, c, arrays),
            info={"x0": x_best},
        )  # fmt: skip

    def _dual_units(self, arrays) -> float:
        """Predicted work of one exact :func:`node_dual` call."""
        _, off, _, forced, omega = arrays
        d = self.data
        units = float(d.n * (d.p + d.q))
        for j in range(d.p):
            C = int(off[j + 1] - off[j])
            general = d.l0 > 0 or omega[j] > 0 or bool(forced[off[j] : off[j + 1]].any())
            units += dp_units(C, general)
        return units

    def heuristic(self, node: Node, relaxation: Relaxation, incumbent: float, deadline: float):
        """Exact refit on the groups the DP picks at the node's best ``alpha``."""
        feats, z = node.state
        _, c, arrays = relaxation.solution
        d = self.data
        labels = []
        for j, f in enumerate(feats):
            member = self._level_classes(f)
            values = np.zeros(member.size)
            inside = member >= 0
            values[inside] = c[arrays[1][j] + member[inside]]
            labels.append(labels_from_beta(values))
        n_cols = sum(int(lab.max(initial=0)) for lab in labels) + int(np.sum(z != 0))
        if not self.pace.fits(eigh_units(n_cols) / 5, deadline):
            return None
        sol, _ = partition_ridge(d, labels, z != 0)
        return d.objective(sol), sol

    def branch(self, node: Node, relaxation: Relaxation) -> list[Node]:
        feats, z = node.state
        alpha, c, arrays = relaxation.solution
        d = self.data
        x0 = relaxation.info.get("x0")
        free = np.flatnonzero(z == -1)
        if free.size:
            w = np.abs(d.Z[:, free].T @ alpha)
            k = int(free[np.argmax(w)])
            children = []
            for val in (1, 0):
                z2 = z.copy()
                z2[k] = val
                children.append(Node(node.bound, node.depth + 1, (feats, z2), x0))
            return children
        j, u, w = self._pick_pair(feats, alpha, c, arrays)
        fused = feats[:j] + (feats[j].fuse(u, w),) + feats[j + 1 :]
        cut = feats[:j] + (feats[j].cut(u, w),) + feats[j + 1 :]
        return [
            Node(node.bound, node.depth + 1, (fused, z), x0),
            Node(node.bound, node.depth + 1, (cut, z), x0),
        ]

    # ----------------------------------------------------------------- curvature bound

    def _prepare_curvature(self, deadline: float) -> bool:
        """Largest ``t`` with ``H - t B`` PSD, ``B`` the within-feature blocks of ``H``.

        ``H = A'CA/n`` is the loss Hessian in ``x = (beta, theta)``. Moving ``t B`` into the
        per-feature problems gives the DP the loss curvature of each level (``t pi_k``), not
        only ``l2``; the rest of the loss stays convex and is replaced by its tangent.
        Returns whether the split is ready (``False``: it would not finish by ``deadline``;
        the search then goes on with the dual bound alone).
        """
        if self._curvature_ready:
            return True
        d = self.data
        if d.p == 0:
            self._curvature_ready = True
            return True
        order = int(d.offsets[-1]) + d.q
        # Four decompositions of this order before the first tangent point.
        if not self.pace.fits(4 * eigh_units(order), deadline):
            return False
        AtA, _, colsum = gram([d.codes[:, j] for j in range(d.p)], list(d.n_levels), d.Z, d.y)
        H = AtA / d.n
        if d.fit_intercept:
            H = H - np.outer(colsum / d.n, colsum / d.n)
        B = np.zeros_like(H)
        self._pi = np.concatenate([c / d.n for c in d.counts])
        for j in range(d.p):
            sl = slice(int(d.offsets[j]), int(d.offsets[j + 1]))
            pi = self._pi[sl]
            B[sl, sl] = np.diag(pi) - (np.outer(pi, pi) if d.fit_intercept else 0.0)
        t0 = time.perf_counter()
        h, V = np.linalg.eigh(H)
        self.pace.record(eigh_units(order), time.perf_counter() - t0)
        tol = 1e-10 * max(h.max(), 1e-300)
        keep = h > tol
        P = V[:, keep] / np.sqrt(h[keep])
        lam = np.linalg.eigvalsh(P.T @ B @ P).max() if keep.any() else 0.0
        t = 0.999 / lam if lam > 0 else 0.0
        # Safety: B must vanish on H's null space and H - t B must be PSD; shrink otherwise.
        for _ in range(60):
            if t == 0.0 or np.linalg.eigvalsh(H - t * B).min() >= -1e-13 * max(h.max(), 1.0):
                break
            if not self.pace.fits(eigh_units(order), deadline):
                return False
            t *= 0.5
        else:
            t = 0.0
        self._t = self._t_max = float(t)
        self._H = H
        self._B = B
        self._empty = d.objective(d.empty())
        self._M = float(np.sqrt(self._empty / d.l2))
        self._curvature_ready = True
        return True

    def _curvature_ascent(self, classes, z, x0, cutoff: float, deadline: float):
        """Best curvature bound over a few tangent points, by Polyak supergradient ascent.

        Every tangent point ``x0`` and every share ``t`` in ``[0, t_max]`` gives a valid bound
        (``H - tB`` is a convex combination of ``H`` and ``H - t_max B``, both PSD). As a
        function of the tangent slope ``v = grad Q(x0)`` the bound is concave with supergradient
        ``xhat - x0`` (``xhat`` the per-feature minimiser), so ``v`` takes Polyak steps toward
        the cutoff and ``x0`` follows through ``S^+ = (H - tB)^+``. The share is picked once,
        at the first node, as the share of ``CURVATURE_SHARES`` whose ascent ends highest
        (among those tried before the deadline). Returns the best bound (``-inf`` if no
        evaluation fitted before the deadline) and its tangent point.
        """
        if not self._t_chosen:
            tried = []
            for share in CURVATURE_SHARES:
                if not self._set_share(share, deadline):
                    break
                tried.append((self._curvature_steps(classes, z, x0, cutoff, deadline), share))
            if not tried:
                return -np.inf, x0
            (best, x_best), share = max(tried, key=lambda item: item[0][0])
            if share != self._share and not self._set_share(share, deadline):
                return best, x_best  # choose again at the next node
            self._t_chosen = True
            return best, x_best
        return self._curvature_steps(classes, z, x0, cutoff, deadline)

    def _set_share(self, share: float, deadline: float) -> bool:
        """Use ``t = share * t_max``; ``False`` if its decomposition would end past the
        deadline (the previous share stays)."""
        order = self._H.shape[0]
        if not self.pace.fits(eigh_units(order), deadline):
            return False
        t0 = time.perf_counter()
        h, V = np.linalg.eigh(self._H - share * self._t_max * self._B)
        self.pace.record(eigh_units(order), time.perf_counter() - t0)
        keep = h > 1e-10 * max(h.max(), 1e-300)
        self._S_pinv = (V[:, keep] / h[keep]) @ V[:, keep].T
        self._t, self._share = share * self._t_max, share
        return True

    def _curvature_steps(self, classes, z, x0, cutoff: float, deadline: float):
        """``CURVATURE_STEPS`` Polyak steps at the current share: best bound and its point."""
        best, x_best = -np.inf, x0
        for _ in range(CURVATURE_STEPS):
            out = self._curvature_bound(classes, z, x0, self._t, deadline)
            if out is None:
                break
            value, xhat = out
            if value > best:
                best, x_best = value, x0
            if best >= cutoff or expired(deadline):
                break
            step = xhat - x0
            norm2 = float(step @ step)
            if norm2 <= 1e-30:
                break
            target = _polyak_target(cutoff, best, abs(best) * 1e-3 + 1e-12)
            x0 = x0 + (target - value) / norm2 * (self._S_pinv @ step)
        return best, x_best

    def _feature_classes(self, feats) -> list[tuple]:
        """The node's nonzero classes per feature, as the curvature bound needs them:
        ``(offset, member, inside, pi, size, forced, omega)`` with ``member[k]`` the class of
        level ``k`` (-1 in the zero class) and ``inside = member >= 0``."""
        d = self.data
        out = []
        for j, f in enumerate(feats):
            nz = self._nonzero_classes(f)
            if not nz:
                continue
            off = int(d.offsets[j])
            member = self._level_classes(f)
            inside = member >= 0
            pi = np.bincount(
                member[inside], weights=self._pi[off : off + member.size][inside],
                minlength=len(nz),
            )  # fmt: skip
            size = np.bincount(member[inside], minlength=len(nz)).astype(np.float64)
            forced = np.array([(0, u) in f.split for u in nz], dtype=np.bool_)
            omega = _clique([u for u in nz if (0, u) in f.split], f.split)
            out.append((off, member, inside, pi, size, forced, omega))
        return out

    def _curvature_bound(self, classes, z, x0: np.ndarray, t: float, deadline: float):
        """Tangent of ``L - (t/2) x'Bx`` at ``x0`` plus exact per-feature minima (DP), over
        the node's classes (:meth:`_feature_classes`).

        Returns the bound and ``xhat``, the minimiser of the tangent problem (per feature the
        DP solution at the shift of least value found by the interval search), or ``None``
        when even the shortest interval search would end past the deadline. The search
        length shrinks to what fits (its bound is valid at any length, only less tight).
        """
        d = self.data
        per_eval = sum(
            dp_units(pi.size, d.l0 > 0 or omega > 0 or bool(forced.any()))
            for _, _, _, pi, _, forced, omega in classes
        )
        evals = CURVATURE_EVALS
        while evals >= 3 and not self.pace.fits((evals + 1) * per_eval, deadline):
            evals //= 2
        if evals < 3:
            return None
        t_start = time.perf_counter()
        r = d.y - self._design(x0)
        if d.fit_intercept:
            r = r - r.mean()
        Bx = self._B @ x0
        q0 = float(r @ r) / (2 * d.n) - 0.5 * t * float(x0 @ Bx)
        grad = -self._design_t(r) / d.n - t * Bx
        bound = q0 - float(grad @ x0)
        xhat = np.zeros_like(x0)
        for off, member, inside, pi, size, forced, omega in classes:
            g = np.bincount(
                member[inside], weights=grad[off : off + member.size][inside], minlength=pi.size
            )
            value, s = curvature_feature_bound(
                g, pi, size, forced, omega, t, d.fit_intercept, self._M, d.l0, d.lf, d.l2,
                evals,
            )  # fmt: skip
            bound += value
            _, c = shifted_dp(g, pi, size, forced, omega, t, s, d.l0, d.lf, d.l2)
            xhat[off : off + member.size][inside] = c[member[inside]]
        n_beta = int(d.offsets[-1])
        for k in range(d.q):
            gk = grad[n_beta + k]
            gain = gk * gk / (4.0 * d.l2) - d.l0
            if z[k] == 1 or (z[k] == -1 and gain > 0):
                bound -= gain
                xhat[n_beta + k] = -gk / (2.0 * d.l2)
        self.pace.record((evals + 1) * per_eval, time.perf_counter() - t_start)
        # Coefficients beyond M cannot beat the empty model; capping there keeps the bound
        # valid for every completion of the node, good or bad.
        return min(bound, self._empty), xhat

    def _design(self, x: np.ndarray) -> np.ndarray:
        """``A x`` for ``x = (beta, theta)`` without forming the one-hot design."""
        d = self.data
        out = d.Z @ x[int(d.offsets[-1]) :]
        for j in range(d.p):
            out = out + x[d.offsets[j] + d.codes[:, j]]
        return out

    def _design_t(self, r: np.ndarray) -> np.ndarray:
        """``A' r`` (equal to the centred design's when ``r`` sums to zero)."""
        d = self.data
        parts = [
            np.bincount(d.codes[:, j], weights=r, minlength=int(d.n_levels[j])) for j in range(d.p)
        ]
        return np.concatenate(parts + [d.Z.T @ r])

    # ----------------------------------------------------------------- helpers

    @staticmethod
    def _decided(feats, z) -> bool:
        # Split pairs are pairs of distinct current classes, so counting them suffices
        # (listing the O(K^2) undecided pairs of a many-level feature is slow).
        if np.any(z == -1):
            return False
        for f in feats:
            n = len(set(f.rep))
            if len(f.split) < n * (n - 1) // 2:
                return False
        return True

    @staticmethod
    def _nonzero_classes(f: FeatureState) -> list[int]:
        return [u for u in f.classes() if u != 0]

    @staticmethod
    def _level_classes(f: FeatureState) -> np.ndarray:
        """Index of each level's class among the nonzero classes (-1: the zero class)."""
        rep = np.asarray(f.rep, dtype=np.int64)
        nz = np.unique(rep[rep != 0])
        index = np.full(rep.size, -1, dtype=np.int64)
        index[nz] = np.arange(nz.size)
        return index[rep[1:]]

    def _group_labels(self, feats) -> list[np.ndarray]:
        """Every class other than the zero class as its own group."""
        return [self._level_classes(f) + 1 for f in feats]

    def _arrays(self, feats):
        """Flat class arrays for the node kernels."""
        d = self.data
        cls = np.empty((d.n, d.p), dtype=np.int64)
        off = [0]
        size, forced, omega = [], [], []
        for j, f in enumerate(feats):
            nz = self._nonzero_classes(f)
            level_class = self._level_classes(f)
            cls[:, j] = level_class[d.codes[:, j]]
            inside = level_class >= 0
            size.extend(np.bincount(level_class[inside], minlength=len(nz)).tolist())
            for u in nz:
                forced.append((0, u) in f.split)
            omega.append(_clique([u for u in nz if (0, u) in f.split], f.split))
            off.append(off[-1] + len(nz))
        return (
            cls,
            np.array(off, dtype=np.int64),
            np.array(size, dtype=np.float64),
            np.array(forced, dtype=np.bool_),
            np.array(omega, dtype=np.int64),
        )

    def _residual(self, solution) -> np.ndarray:
        d = self.data
        beta, theta, mu = solution
        fitted = mu + d.Z @ theta
        for j in range(d.p):
            fitted = fitted + beta[d.offsets[j] + d.codes[:, j]]
        r = d.y - fitted
        if d.fit_intercept:
            r = r - r.mean()
        return r / d.n

    def _pick_pair(self, feats, alpha, c, arrays):
        """Undecided class pair to branch on (spec 4.3), as ``(feature, rep_u, rep_w)``.

        Scores every pair at once (first maximum in the order of the class list, as a loop
        over the pairs would find); ``O(C^2)`` array work per feature instead of Python.
        """
        d = self.data
        cls, off, size = arrays[0], arrays[1], arrays[2]
        best, best_score = None, -1.0
        fallback, fallback_gap = None, np.inf
        for j, f in enumerate(feats):
            nz = self._nonzero_classes(f)
            reps = np.array([0] + nz, dtype=np.int64)
            C = reps.size
            if C < 2:
                continue
            rows = cls[:, j] >= 0
            v = np.bincount(cls[:, j][rows], weights=alpha[rows], minlength=len(nz))
            a = np.concatenate([[np.inf], d.l2 * size[off[j] : off[j + 1]]])
            m = np.concatenate([[0.0], 0.5 * v / a[1:]])
            cv = np.concatenate([[0.0], c[off[j] : off[j + 1]]])
            undecided = np.triu(np.ones((C, C), dtype=bool), 1)
            if f.split:
                pos = np.full(len(f.rep), -1, dtype=np.int64)
                pos[reps] = np.arange(C)
                pairs = np.array(sorted(f.split), dtype=np.int64)
                undecided[pos[pairs[:, 0]], pos[pairs[:, 1]]] = False
            if not undecided.any():
                continue
            gaps = np.where(undecided, np.abs(m[:, None] - m[None, :]), np.inf)
            k = int(np.argmin(gaps))
            if gaps.flat[k] < fallback_gap:
                fallback_gap = float(gaps.flat[k])
                fallback = (j, int(reps[k // C]), int(reps[k % C]))
            with np.errstate(invalid="ignore", divide="ignore"):
                score = a[:, None] * a[None, :] * (m[:, None] - m[None, :]) ** 2
                score = score / (a[:, None] + a[None, :])
                score[0, :] = a * m**2  # pairs with the zero class
            same = undecided & (cv[:, None] == cv[None, :])
            score = np.where(same, score, -np.inf)
            k = int(np.argmax(score))
            if score.flat[k] > best_score:
                best_score = float(score.flat[k])
                best = (j, int(reps[k // C]), int(reps[k % C]))
        return best if best is not None else fallback
