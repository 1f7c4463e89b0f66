"""Reference MIO for categorical fusion: a Pyomo model solved by HiGHS with outer approximation.

Pairwise model (spec section 3). Per feature ``j``, index 0 is a virtual level fixed at 0 and
binary ``e_jkl`` (``0 <= k < l <= K_j``) says "k and l share a value"::

    |beta_k - beta_l| <= sqrt(2) M (1 - e_kl),   |beta_l| <= M (1 - e_0l)
    z_l = 1 - e_0l (nonzero),  f_l >= 1 - e_0l - sum_{1 <= k < l} e_kl (first of a new value)

``sum f >= DV`` and ``sum z >= ||beta||_0`` at every feasible point, with equality at the
``e`` read off ``beta``, so no transitivity rows are needed for validity; violated triangle
rows ``e_kl + e_lm - e_km <= 1`` are generated lazily after each master MILP (they only
tighten it). The quadratic loss is lifted (``A'CA/n = V diag(h) V'``, ``w = sqrt(h) V'x``) and
replaced by tangent cuts ``u_i >= 2 a w_i - a^2``; the ridge term by perspective cuts. Every
lower bound is a HiGHS dual bound of a relaxation; every upper bound is the exact objective
of an exact refit on the partition read from the master's ``e`` (transitive closure).
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np

from ..engine.result import SolveResult
from ..reference import outer_approximation as oa
from .refit import FusionData, labels_from_beta, partition_ridge


def _lifted(data: FusionData):
    """``const``, linear term ``g`` and the factor ``W`` with ``loss = const - g'x + |Wx|^2/2``."""
    n = data.n
    cols = [np.eye(int(k))[data.codes[:, j]] for j, k in enumerate(data.n_levels)]
    A = np.column_stack(cols + [data.Z]) if data.q else np.column_stack(cols)
    y = data.y
    if data.fit_intercept:
        A = A - A.mean(axis=0)
        y = y - y.mean()
    H = A.T @ A / n
    h, V = np.linalg.eigh(H)
    keep = h > 1e-12 * max(h.max(), 1e-300)
    W = np.sqrt(h[keep])[:, None] * V[:, keep].T
    return float(y @ y) / (2 * n), A.T @ y / n, W


def _build(data: FusionData, M: float):
    import pyomo.environ as pe

    const, g, W = _lifted(data)
    P = W.shape[1]
    n_beta = int(data.offsets[-1])
    w_max = np.abs(W).sum(axis=1) * M
    m = pe.ConcreteModel()
    m.x = pe.Var(range(P), bounds=(-M, M))
    m.w = pe.Var(range(W.shape[0]), bounds=lambda _, i: (-w_max[i], w_max[i]))
    m.u = pe.Var(range(W.shape[0]), bounds=lambda _, i: (0.0, w_max[i] ** 2))
    m.s = pe.Var(range(P), bounds=(0.0, M * M))
    m.lift = pe.Constraint(
        range(W.shape[0]),
        rule=lambda m, i: (
            m.w[i] == pe.quicksum(float(W[i, c]) * m.x[c] for c in range(P) if W[i, c] != 0.0)
        ),
    )
    pairs = [
        (j, k, l)
        for j, K in enumerate(data.n_levels)
        for k in range(int(K) + 1)
        for l in range(k + 1, int(K) + 1)
    ]
    m.e = pe.Var(pairs, domain=pe.Binary)
    m.con = pe.ConstraintList()
    r2m = math.sqrt(2.0) * M

    def bvar(j, k):  # level k >= 1 of feature j
        return m.x[int(data.offsets[j]) + k - 1]

    for j, k, l in pairs:
        if k == 0:
            m.con.add(bvar(j, l) <= M * (1 - m.e[j, 0, l]))
            m.con.add(-bvar(j, l) <= M * (1 - m.e[j, 0, l]))
        else:
            m.con.add(bvar(j, k) - bvar(j, l) <= r2m * (1 - m.e[j, k, l]))
            m.con.add(bvar(j, l) - bvar(j, k) <= r2m * (1 - m.e[j, k, l]))
    m.f = pe.Var(range(n_beta), bounds=(0.0, 1.0))
    znz = {}
    for j, K in enumerate(data.n_levels):
        for k in range(1, int(K) + 1):
            c = int(data.offsets[j]) + k - 1
            znz[c] = 1 - m.e[j, 0, k]
            m.con.add(m.f[c] >= 1 - m.e[j, 0, k] - pe.quicksum(m.e[j, i, k] for i in range(1, k)))
    if data.q and data.l0 > 0:
        m.zc = pe.Var(range(data.q), domain=pe.Binary)
        for k in range(data.q):
            c = n_beta + k
            znz[c] = m.zc[k]
            m.con.add(m.x[c] <= M * m.zc[k])
            m.con.add(-m.x[c] <= M * m.zc[k])
    else:
        for k in range(data.q):
            znz[n_beta + k] = 1.0
    expr = const + 0.5 * pe.quicksum(m.u[i] for i in range(W.shape[0]))
    expr -= pe.quicksum(float(g[c]) * m.x[c] for c in range(P))
    expr += data.l2 * pe.quicksum(m.s[c] for c in range(P))
    if data.l0 > 0:
        expr += data.l0 * pe.quicksum(znz[c] for c in range(P))
    expr += data.lf * pe.quicksum(m.f[c] for c in range(n_beta))
    m.obj = pe.Objective(expr=expr, sense=pe.minimize)
    m.cuts = pe.ConstraintList()
    return m, W, znz


def _add_cuts(m, W, znz, x: np.ndarray, z: np.ndarray, M: float) -> None:
    """Tangent cuts of ``u >= w^2`` and perspective cuts of ``s z >= x^2`` at ``(x, z)``."""
    for i, a in enumerate(W @ x):
        if a != 0.0:
            m.cuts.add(m.u[i] >= 2.0 * float(a) * m.w[i] - float(a) ** 2)
    for c in np.flatnonzero(np.abs(x) > 1e-12 * M):
        r = float(np.clip(x[c] / max(z[c], 1e-12), -M, M))
        m.cuts.add(m.s[c] >= 2.0 * r * m.x[c] - r * r * znz[c])


def _flat(data: FusionData, sol) -> np.ndarray:
    beta, theta, _ = sol
    return np.concatenate([beta, theta])


def _partition_from_e(data: FusionData, e: dict) -> list[np.ndarray]:
    """Transitive closure of ``e = 1`` per feature: group labels of the levels (0: zero)."""
    labels = []
    for j, K in enumerate(data.n_levels):
        parent = list(range(int(K) + 1))
        for k in range(int(K) + 1):
            for l in range(k + 1, int(K) + 1):
                if e[j, k, l] > 0.5:
                    a, b = _find(parent, k), _find(parent, l)
                    parent[max(a, b)] = min(a, b)
        roots = [_find(parent, i) for i in range(int(K) + 1)]
        ids = {0: 0}
        for r in roots[1:]:
            if r != roots[0] and r not in ids:
                ids[r] = len(ids)
        labels.append(np.array([0 if r == roots[0] else ids[r] for r in roots[1:]]))
    return labels


def _find(parent: list, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _violated_triangles(data: FusionData, e: dict):
    out = []
    for j, K in enumerate(data.n_levels):
        for a, b, c in itertools.combinations(range(int(K) + 1), 3):
            trio = {(a, b): e[j, a, b], (a, c): e[j, a, c], (b, c): e[j, b, c]}
            keys = list(trio)
            for i in range(3):
                p1, p2, q = keys[i], keys[(i + 1) % 3], keys[(i + 2) % 3]
                if trio[p1] + trio[p2] - trio[q] > 1 + 1e-6:
                    out.append((j, p1, p2, q))
    return out


def solve_fusion_reference(
    data: FusionData,
    start=None,
    time_limit: float = 60.0,
    gap_tol: float = 1e-7,
    max_rounds: int = 200,
    all_triangles: bool = False,
    verbose: bool = False,
) -> SolveResult:
    """Solve a categorical-fusion instance exactly with HiGHS (multi-tree outer approximation).

    Parameters
    ----------
    data : FusionData
        The scaled instance (``l2 > 0`` required: it gives the big-M).
    start : tuple (beta, theta, mu) or None, default=None
        A solution from the caller (e.g. the engine's BCD) giving the first upper bound and
        cuts; ``None`` starts from the empty model. Only its objective and point are used, so
        the reference depends on no engine code.
    time_limit : float, default=60.0
        Wall-clock seconds.
    gap_tol : float, default=1e-7
        Stop once the relative gap is at most this (``optimal`` needs ``<= 1e-4``).
    max_rounds : int, default=200
        Maximum master MILPs.
    all_triangles : bool, default=False
        Add every triangle row up front instead of generating them lazily.
    verbose : bool, default=False
        One line per round.

    Returns
    -------
    SolveResult
        ``solution`` is ``(beta, theta, mu)`` on the scaled data, ``n_nodes`` the rounds.
    """
    if not data.l2 > 0:
        raise ValueError("the reference MIP needs l2 > 0 (it gives the big-M).")
    t0 = time.perf_counter()
    M = data.big_m
    sol = data.empty() if start is None else start
    upper = data.objective(sol)
    if not math.isfinite(upper):
        raise ValueError("start must be a finite solution (beta, theta, mu).")
    m, W, znz = _build(data, M)
    x0 = _flat(data, sol)
    _add_cuts(m, W, znz, x0, (x0 != 0).astype(float), M)
    n_tri = 0
    if all_triangles:
        for j, K in enumerate(data.n_levels):
            for a, b, c in itertools.combinations(range(int(K) + 1), 3):
                for p1, p2, q in (((a, b), (b, c), (a, c)), ((a, b), (a, c), (b, c)),
                                  ((a, c), (b, c), (a, b))):  # fmt: skip
                    m.cuts.add(m.e[(j, *p1)] + m.e[(j, *p2)] - m.e[(j, *q)] <= 1)
                    n_tri += 1
    # The empty model's objective is the scale of the gap's floor.
    progress = oa.OAProgress(start=t0, scale=abs(data.objective(data.empty())))
    progress.offer(sol, upper)
    opt = oa.make_highs(1e-9)
    n_tri = [n_tri]

    def separate():
        x = np.array([m.x[c].value or 0.0 for c in range(len(m.x))])
        e = {key: float(m.e[key].value or 0.0) for key in m.e}
        labels = _partition_from_e(data, e)
        support = np.ones(data.q, dtype=bool)
        if data.q and data.l0 > 0:
            support = np.array([(m.zc[k].value or 0.0) > 0.5 for k in range(data.q)])
        cand, _ = partition_ridge(data, labels, support)
        progress.offer(cand, data.objective(cand))
        z = np.array([float(pe_value(znz[c])) for c in range(len(x))])
        _add_cuts(m, W, znz, x, z, M)
        xc = _flat(data, cand)
        _add_cuts(m, W, znz, xc, (xc != 0).astype(float), M)
        for j, p1, p2, q in _violated_triangles(data, e):
            m.cuts.add(m.e[(j, *p1)] + m.e[(j, *p2)] - m.e[(j, *q)] <= 1)
            n_tri[0] += 1

    limits = oa.OALimits(time_limit, gap_tol, max_rounds, verbose)
    result = oa.oa_solve(opt, m, separate, progress, limits)
    best = progress.solution
    result.info.update(
        {"triangles": n_tri[0], "labels": [labels_from_beta(b) for b in data.split(best[0])]}
    )
    return result


def pe_value(expr) -> float:
    """Value of a Pyomo expression or a plain number."""
    import pyomo.environ as pe

    return float(pe.value(expr)) if not isinstance(expr, (int, float)) else float(expr)
