"""Exact references for rule selection: brute force over antichains, and a Pyomo/HiGHS MIP.

Both take the node pool in the engine's arrays (CSC membership, tree structure, candidate
mask, costs) and compute everything else themselves in NumPy, so they share no code with
the engine beyond the problem data.

MIP (outer approximation, HiGHS has no MIQP). With ``A`` the candidate columns centred (when
an intercept is fitted) and scaled by ``1/sqrt(n)``, ``b`` the response treated the same way,
and ``R`` the R factor of ``A`` (``R'R = A'A``)::

    min 0.5 sum_j u_j - (A'b)'w + 0.5 b'b + l2 sum_v s_v + sum_v c_v z_v
    u_j >= (R w)_j^2,  s_v z_v >= w_v^2,  |w_v| <= B z_v,  z binary
    sum_{v on P} z_v <= 1 for every root-to-leaf path P,  sum z <= k (if set)

``B = sqrt(F(0) / l2)`` cuts off no optimal solution (``l2 ||w||^2 <= F(opt) <= F(0)``). The
convex constraints are replaced by tangent cuts; each round's MILP dual bound is a lower
bound, the exact ridge refit of its support an upper bound.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from ..engine.result import OPTIMAL, SOLVER_LABELS, SolveResult, relative_gap
from ..reference import outer_approximation as oa


class _Pool:
    """Dense view of a small candidate pool."""

    def __init__(self, indptr, indices, left, right, tree_start, candidate, cost, y, l2, k, fit):
        self.left = np.asarray(left)
        self.right = np.asarray(right)
        self.tree_start = np.asarray(tree_start)
        self.m = self.left.size
        self.y = np.asarray(y, dtype=float)
        self.n = self.y.size
        self.l2 = float(l2)
        self.k = None if k is None else int(k)
        self.fit = bool(fit)
        self.cost = np.asarray(cost, dtype=float)
        self.cand = np.flatnonzero(candidate)
        self.M = np.zeros((self.n, self.m))
        for v in range(self.m):
            self.M[indices[indptr[v] : indptr[v + 1]], v] = 1.0
        self.parent = np.full(self.m, -1)
        for v in range(self.m):
            if self.left[v] >= 0:
                self.parent[self.left[v]] = v
                self.parent[self.right[v]] = v

    def objective(self, w: np.ndarray) -> float:
        r = self.y - self.M @ w
        if self.fit:
            r = r - r.mean()
        on = w != 0
        return float(0.5 * r @ r / self.n + self.l2 * w @ w + self.cost[on].sum())

    def refit(self, support) -> tuple[float, np.ndarray]:
        w = np.zeros(self.m)
        support = np.asarray(support, dtype=int)
        if support.size:
            A, b = self.M[:, support], self.y
            if self.fit:
                A, b = A - A.mean(0), b - b.mean()
            lhs = A.T @ A / self.n + 2 * self.l2 * np.eye(support.size)
            w[support] = np.linalg.solve(lhs, A.T @ b / self.n)
        return self.objective(w), w

    def antichains(self, v) -> list[list[int]]:
        """All antichains of candidates in the subtree of ``v``."""
        if self.left[v] < 0:
            below = [[]]
        else:
            L, R = self.antichains(self.left[v]), self.antichains(self.right[v])
            below = [a + b for a in L for b in R]
        return below + ([[v]] if v in set(self.cand.tolist()) else [])

    def leaf_paths(self) -> list[list[int]]:
        """Candidate nodes on every root-to-leaf path."""
        cand = set(self.cand.tolist())
        paths = []
        for v in range(self.m):
            if self.left[v] >= 0:
                continue
            path, u = [], v
            while u >= 0:
                if u in cand:
                    path.append(u)
                u = self.parent[u]
            if len(path) > 1:
                paths.append(path)
        return paths


def brute_force_rules(
    indptr, indices, left, right, tree_start, candidate, cost, y, l2, k=None, fit_intercept=True
) -> SolveResult:
    """Enumerate every product of per-tree antichains and refit each exactly.

    Same arguments as :func:`solve_rules_reference` (without the limits). Only for tiny
    pools (a few trees of depth <= 2).
    """
    start = time.perf_counter()
    pool = _Pool(
        indptr, indices, left, right, tree_start, candidate, cost, y, l2, k, fit_intercept
    )
    per_tree = [pool.antichains(int(s)) for s in pool.tree_start[:-1]]
    best, best_w, count = math.inf, None, 0
    for combo in itertools.product(*per_tree):
        support = sum(combo, [])
        if pool.k is not None and len(support) > pool.k:
            continue
        count += 1
        value, w = pool.refit(support)
        if value < best:
            best, best_w = value, w
    return SolveResult(
        OPTIMAL,
        best,
        best,
        0.0,
        count,
        time.perf_counter() - start,
        best_w,
        solver=SOLVER_LABELS["brute_force"],
    )


def solve_rules_reference(
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
    time_limit=60.0,
    gap_tol=1e-6,
    max_rounds=200,
    lp_rounds=10,
    verbose=False,
) -> SolveResult:
    """Solve rule selection exactly with Pyomo and HiGHS (outer approximation).

    Parameters
    ----------
    indptr, indices : ndarray
        CSC membership of the nodes.
    left, right, tree_start : ndarray
        Tree structure (children after parents within each tree).
    candidate : ndarray of bool
        Selectable nodes.
    cost : ndarray
        Per-node cost ``c_v``.
    y : ndarray
        Response (as the engine sees it).
    l2 : float
        Ridge penalty, ``> 0``.
    k : int or None, default=None
        Maximum number of rules.
    fit_intercept : bool, default=True
    time_limit : float, default=60.0
    gap_tol : float, default=1e-6
        Stop once the relative gap is at most this (``optimal`` needs ``<= 1e-4``).
    max_rounds : int, default=200
        Maximum MILP rounds.
    lp_rounds : int, default=10
        Kelley cutting-plane rounds on the continuous relaxation before the MILPs.
    verbose : bool, default=False
        Print one line per MILP round.

    Returns
    -------
    SolveResult
        ``solution`` is the node weight vector (exact ridge refit), ``bound`` the best MILP
        dual bound, ``n_nodes`` the number of MILP rounds.
    """
    import pyomo.environ as pe

    if not l2 > 0:
        raise ValueError("the reference needs l2 > 0 (it bounds |w| by sqrt(F(0) / l2))")
    start = time.perf_counter()
    pool = _Pool(
        indptr, indices, left, right, tree_start, candidate, cost, y, l2, k, fit_intercept
    )
    cand = pool.cand
    p = cand.size
    A = pool.M[:, cand]
    b = pool.y.copy()
    if pool.fit:
        A, b = A - A.mean(0), b - b.mean()
    A, b = A / math.sqrt(pool.n), b / math.sqrt(pool.n)
    R = np.linalg.qr(A, mode="r")
    Ab = A.T @ b
    F0 = pool.objective(np.zeros(pool.m))
    B = math.sqrt(F0 / pool.l2)
    rows, cols = range(R.shape[0]), range(p)
    w_max = np.abs(R).sum(axis=1) * B

    model = pe.ConcreteModel()
    model.w = pe.Var(cols, bounds=(-B, B))
    model.z = pe.Var(cols, domain=pe.Binary)
    model.v = pe.Var(rows, bounds=lambda _, j: (-w_max[j], w_max[j]))
    model.u = pe.Var(rows, bounds=lambda _, j: (0.0, w_max[j] ** 2))
    model.s = pe.Var(cols, bounds=(0.0, B * B))
    model.lift = pe.Constraint(
        rows, rule=lambda m, j: m.v[j] == sum(float(R[j, i]) * m.w[i] for i in cols if R[j, i])
    )
    model.up = pe.Constraint(cols, rule=lambda m, i: m.w[i] <= B * m.z[i])
    model.lo = pe.Constraint(cols, rule=lambda m, i: -m.w[i] <= B * m.z[i])
    where = {int(v): i for i, v in enumerate(cand)}
    model.paths = pe.ConstraintList()
    for path in pool.leaf_paths():
        model.paths.add(sum(model.z[where[v]] for v in path) <= 1)
    if pool.k is not None:
        model.card = pe.Constraint(expr=sum(model.z[i] for i in cols) <= pool.k)
    model.obj = pe.Objective(
        expr=0.5 * sum(model.u[j] for j in rows)
        - sum(float(Ab[i]) * model.w[i] for i in cols)
        + 0.5 * float(b @ b)
        + pool.l2 * sum(model.s[i] for i in cols)
        + sum(float(pool.cost[cand[i]]) * model.z[i] for i in cols)
    )
    model.cuts = pe.ConstraintList()

    def add_cuts(wc, zc):
        for j, a in enumerate(R @ wc):
            if a != 0.0:
                model.cuts.add(model.u[j] >= 2.0 * a * model.v[j] - a * a)
        for i in np.flatnonzero(np.abs(wc) > 1e-12 * B):
            rho = float(np.clip(wc[i] / max(zc[i], 1e-12), -B, B))
            model.cuts.add(model.s[i] >= 2.0 * rho * model.w[i] - rho * rho * model.z[i])

    def point():
        wc = np.array([model.w[i].value or 0.0 for i in cols])
        zc = np.clip(np.array([model.z[i].value or 0.0 for i in cols]), 0.0, 1.0)
        return wc, zc

    progress = oa.OAProgress(start=start, scale=F0)
    progress.offer(np.zeros(pool.m), F0)
    full = np.linalg.solve(A.T @ A + 2 * pool.l2 * np.eye(p), Ab) if p else np.zeros(0)
    add_cuts(full, np.ones(p))
    opt = oa.make_highs(
        1e-9,
        mip_feasibility_tolerance=1e-9,
        primal_feasibility_tolerance=1e-9,
        dual_feasibility_tolerance=1e-9,
    )
    # Kelley rounds on the continuous relaxation put cuts where the relaxation lives.
    for i in cols:
        model.z[i].domain = pe.UnitInterval
    for _ in range(lp_rounds):
        if progress.elapsed > time_limit:
            break
        res = opt.solve(model)
        if res.best_feasible_objective is None:
            break
        opt.load_vars()
        wc, zc = point()
        before = len(model.cuts)
        add_cuts(wc, zc)
        true = 0.5 * float(np.sum((R @ wc) ** 2)) - float(Ab @ wc) + 0.5 * float(b @ b)
        true += pool.l2 * float(np.sum(wc[zc > 1e-12] ** 2 / zc[zc > 1e-12]))
        true += float(pool.cost[cand] @ zc)
        if (
            relative_gap(true, res.best_feasible_objective, F0) <= 1e-9
            or len(model.cuts) == before
        ):
            break
    for i in cols:
        model.z[i].domain = pe.Binary

    def separate():
        wc, zc = point()
        value, w = pool.refit(cand[zc > 0.5])
        progress.offer(w, value)
        add_cuts(wc, np.round(zc))
        add_cuts(w[cand], (w[cand] != 0).astype(float))

    limits = oa.OALimits(time_limit, gap_tol, max_rounds, verbose)
    result = oa.oa_solve(opt, model, separate, progress, limits)
    return result
