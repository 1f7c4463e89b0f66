"""Exact references for penalised least trimmed squares: brute force and a MIO model.

``brute_force_lts`` enumerates inlier sets (all ``h``-subsets, or all subsets when capped)
and fits each exactly; it is the ground truth for ``n <= 14``. ``solve_lts_reference``
builds the big-M model of the spec (``y_i - b0 - x_i^T beta = e_i + w_i``,
``|w_i| <= M_i z_i``, ``|e_i| <= E (1 - z_i)``, ``v_i >= e_i^2 / (1 - z_i)``) and solves it
by outer approximation with HiGHS MILPs (tangent cuts of the perspective), or hands the
quadratic model to SCIP. Every upper bound is the exact objective (numpy) of an exact refit
on an inlier set found by the solver; every lower bound is a solver's dual bound of a
relaxation of the problem. Tiny sizes only: the big-M values decide everything.
"""

from __future__ import annotations

import math
import time
from itertools import combinations

import numpy as np

from ..engine.result import SolveResult
from ..reference import outer_approximation as oa
from .refit import lts_objective, subset_fit

__all__ = ["brute_force_lts", "lts_objective", "solve_lts_reference", "subset_fit"]

#: Enumeration beyond this many points is hopeless.
MAX_BRUTE_FORCE_SAMPLES = 16


def brute_force_lts(
    X, y, *, mode="trimmed", h=None, mu=None, l2=0.0, fit_intercept=True, box=None
) -> SolveResult:
    """Enumerate every inlier set and fit it exactly; ``solution`` is the best ``theta``.

    Trimmed: all ``h``-subsets; capped: all subsets, each paying ``mu`` per outlier.

    Raises
    ------
    ValueError
        If ``n`` exceeds :data:`MAX_BRUTE_FORCE_SAMPLES`.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    if n > MAX_BRUTE_FORCE_SAMPLES:
        raise ValueError(f"brute force enumerates subsets of n points; n = {n} is too many")
    start = time.perf_counter()
    best, best_theta, count = math.inf, None, 0
    sizes = [h] if mode == "trimmed" else range(n + 1)
    for size in sizes:
        for idx in combinations(range(n), size):
            theta, value = subset_fit(X, y, idx, l2=l2, fit_intercept=fit_intercept, box=box)
            if mode == "capped":
                value += mu * (n - size)
            count += 1
            if value < best:
                best, best_theta = value, theta
    # subset_fit's value already includes the ridge term (augmented rows).
    best_obj = lts_objective(X, y, best_theta, mode=mode, h=h, mu=mu, l2=l2)
    best_obj = min(best_obj, best)
    # The enumeration's minimum and the returned fit's objective agree up to rounding.
    result = SolveResult.enumerated(best_obj, best_theta, count, start)
    result.bound = best
    return result


def _c_step_start(X, y, *, mode, h, mu, l2, fit_intercept, box, max_steps=50):
    """A feasible start without the engine's heuristics: exact C-steps (numpy refits) from
    the fit on all points and from the points whose ``y`` is closest to its median."""
    n = X.shape[0]
    size = n if h is None else h
    kw = dict(mode=mode, h=h, mu=mu, l2=l2)
    best, best_value = None, math.inf
    for idx in (np.arange(n), np.argsort(np.abs(y - np.median(y)), kind="stable")[:size]):
        theta, _ = subset_fit(X, y, idx, l2=l2, fit_intercept=fit_intercept, box=box)
        value = lts_objective(X, y, theta, **kw)
        for _ in range(max_steps):
            r2 = (y - theta[0] - X @ theta[1:]) ** 2
            keep = np.argsort(r2, kind="stable")[:h] if mode == "trimmed" else r2 <= mu
            cand, _ = subset_fit(
                X,
                y,
                np.flatnonzero(keep) if mode != "trimmed" else keep,
                l2=l2,
                fit_intercept=fit_intercept,
                box=box,
            )
            cand_value = lts_objective(X, y, cand, **kw)
            if not cand_value < value:
                break
            theta, value = cand, cand_value
        if value < best_value:
            best, best_value = theta, value
    return best


# --------------------------------------------------------------------------- MIO model


def _radii(X, y, ub, *, mode, mu, l2, fit_intercept, box):
    """Big-M values valid for every solution with ``F <= ub`` (see the spec, section 2)."""
    abs_y = np.abs(y)
    if l2 > 0:
        B = math.sqrt(ub / l2)
        xb = np.sqrt((X * X).sum(axis=1)) * B
    else:
        B = float(box)
        xb = np.abs(X).sum(axis=1) * B
    B0 = float(abs_y.max() + xb.max()) if fit_intercept else 0.0
    M = abs_y + B0 + xb
    E = math.sqrt(ub)
    if mode == "capped":
        E = min(E, math.sqrt(mu))
    return B, B0, M, E


def _build_model(X, y, *, mode, h, mu, l2, fit_intercept, B, B0, M, E, quadratic):
    import pyomo.environ as pe

    n, p = X.shape
    m = pe.ConcreteModel()
    m.b0 = pe.Var(bounds=(-B0, B0) if fit_intercept else (0.0, 0.0))
    m.beta = pe.Var(range(p), bounds=(-B, B))
    m.e = pe.Var(range(n), bounds=(-E, E))
    m.w = pe.Var(range(n), bounds=lambda _, i: (-float(M[i]), float(M[i])))
    m.z = pe.Var(range(n), domain=pe.Binary)
    m.v = pe.Var(range(n), bounds=(0.0, E * E))
    m.fit = pe.Constraint(
        range(n),
        rule=lambda m, i: (
            float(y[i]) - m.b0 - pe.quicksum(float(X[i, j]) * m.beta[j] for j in range(p))
            == m.e[i] + m.w[i]
        ),
    )
    m.w_up = pe.Constraint(range(n), rule=lambda m, i: m.w[i] <= float(M[i]) * m.z[i])
    m.w_lo = pe.Constraint(range(n), rule=lambda m, i: -m.w[i] <= float(M[i]) * m.z[i])
    m.e_up = pe.Constraint(range(n), rule=lambda m, i: m.e[i] <= E * (1 - m.z[i]))
    m.e_lo = pe.Constraint(range(n), rule=lambda m, i: -m.e[i] <= E * (1 - m.z[i]))
    if mode == "trimmed":
        m.budget = pe.Constraint(expr=pe.quicksum(m.z[i] for i in range(n)) == n - h)
    expr = pe.quicksum(m.v[i] for i in range(n))
    if l2 > 0:
        m.q = pe.Var(range(p), bounds=(0.0, B * B))
        expr += l2 * pe.quicksum(m.q[j] for j in range(p))
    if mode == "capped":
        expr += mu * pe.quicksum(m.z[i] for i in range(n))
    m.obj = pe.Objective(expr=expr, sense=pe.minimize)
    m.cuts = pe.ConstraintList()
    if quadratic:
        # With e_i = 0 forced for outliers, v_i >= e_i^2 is exact.
        m.square = pe.Constraint(range(n), rule=lambda m, i: m.v[i] >= m.e[i] ** 2)
        if l2 > 0:
            m.ridge = pe.Constraint(range(p), rule=lambda m, j: m.q[j] >= m.beta[j] ** 2)
    return m


def _add_cuts(model, residual, z, beta, l2):
    """Tangents ``v_i >= 2c e_i - c^2 (1 - z_i)`` at ``c = residual_i`` for inliers and
    ``q_j >= 2c beta_j - c^2`` at ``c = beta_j``."""
    for i, c in enumerate(residual):
        if z[i] < 0.5 and c != 0.0:
            c = float(c)
            model.cuts.add(model.v[i] >= 2.0 * c * model.e[i] - c * c * (1 - model.z[i]))
    if l2 > 0:
        for j, c in enumerate(beta):
            if c != 0.0:
                c = float(c)
                model.cuts.add(model.q[j] >= 2.0 * c * model.beta[j] - c * c)


def solve_lts_reference(
    X,
    y,
    *,
    mode="trimmed",
    h=None,
    mu=None,
    l2=0.0,
    fit_intercept=True,
    box=None,
    solver="highs",
    start=None,
    time_limit=60.0,
    gap_tol=1e-7,
    max_rounds=50,
    verbose=False,
) -> SolveResult:
    """Solve penalised LTS with an off-the-shelf MIP solver (tiny instances).

    Parameters
    ----------
    X, y : ndarray
        Data (``n`` up to a few dozen; the big-M model is weak).
    mode : {"trimmed", "capped"}, default="trimmed"
    h : int, default=None
        Number of inliers (trimmed).
    mu : float, default=None
        Cap (capped).
    l2 : float, default=0.0
        Ridge penalty.
    fit_intercept : bool, default=True
    box : float, default=None
        Box on ``beta``; required when ``l2 = 0``.
    solver : {"highs", "scip"}, default="highs"
        Outer approximation with HiGHS MILPs, or SCIP on the quadratic model.
    start : ndarray, default=None
        A feasible ``theta`` giving the first upper bound; ``solve_lts`` passes its
        heuristic's fit. When ``None``, exact C-steps from two deterministic inlier sets.
    time_limit : float, default=60.0
    gap_tol : float, default=1e-7
    max_rounds : int, default=50
        Outer-approximation rounds (HiGHS).
    verbose : bool, default=False

    Returns
    -------
    SolveResult
        ``solution`` is ``theta = (b0, beta)``.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, p = X.shape
    if l2 == 0 and not (box is not None and box > 0):
        raise ValueError("with l2 = 0 the reference needs a positive box on beta")
    t0 = time.perf_counter()
    kw = dict(mode=mode, h=h, mu=mu, l2=l2)
    if start is None:
        start = _c_step_start(
            X, y, fit_intercept=fit_intercept, box=box if l2 == 0 else None, **kw
        )
    upper, best = lts_objective(X, y, start, **kw), np.asarray(start, dtype=float)
    B, B0, M, E = _radii(
        X, y, upper, mode=mode, mu=mu, l2=l2, fit_intercept=fit_intercept, box=box
    )
    model = _build_model(
        X,
        y,
        mode=mode,
        h=h,
        mu=mu,
        l2=l2,
        fit_intercept=fit_intercept,
        B=B,
        B0=B0,
        M=M,
        E=E,
        quadratic=(solver == "scip"),
    )
    # The objective of the empty fit (all residuals y) is the scale of the gap's floor.
    progress = oa.OAProgress(start=t0, scale=0.5 * float(y @ y) + 1e-300)
    progress.offer(best, upper)
    fit_box = box if l2 == 0 else None

    def refit(z):
        idx = np.flatnonzero(z < 0.5)
        theta, _ = subset_fit(X, y, idx, l2=l2, fit_intercept=fit_intercept, box=fit_box)
        return theta, lts_objective(X, y, theta, **kw)

    info = {"M": M, "E": E, "B": B}
    if solver == "scip":
        from pyomo.contrib.solver.common.factory import SolverFactory

        opt = SolverFactory("scip_direct")
        res = opt.solve(
            model,
            tee=False,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=max(time_limit - progress.elapsed, 1e-3),
            rel_gap=gap_tol,
            solver_options={"display/verblevel": 0},
        )
        progress.raise_lower(res.objective_bound)
        if res.incumbent_objective is not None:
            res.solution_loader.load_vars()
            z = np.array([model.z[i].value or 0.0 for i in range(n)])
            progress.offer(*refit(z))
        progress.record(1, verbose)
        stop = oa.OUT_OF_TIME if progress.elapsed >= time_limit else oa.CLOSED
        return oa.oa_result(progress, 1, "scip", gap_tol, stop, info)
    if solver != "highs":
        raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'scip'")
    r0 = y - start[0] - X @ start[1:]
    z0 = np.zeros(n)
    for c in (0.25 * E, 0.5 * E, E):
        _add_cuts(model, np.full(n, c), z0, np.full(p, c * B / max(E, 1e-300)), l2)
        _add_cuts(model, np.full(n, -c), z0, np.full(p, -c * B / max(E, 1e-300)), l2)
    _add_cuts(model, np.clip(r0, -E, E), z0, start[1:], l2)
    opt = oa.make_highs(gap_tol / 10.0)

    def separate():
        z = np.round([model.z[i].value or 0.0 for i in range(n)])
        e = np.array([model.e[i].value or 0.0 for i in range(n)])
        beta = np.array([model.beta[j].value or 0.0 for j in range(p)])
        theta, value = refit(z)
        progress.offer(theta, value)
        rt = y - theta[0] - X @ theta[1:]
        _add_cuts(model, e, z, beta, l2)
        _add_cuts(model, np.clip(rt, -E, E), z, theta[1:], l2)

    limits = oa.OALimits(time_limit, gap_tol, max_rounds, verbose)
    result = oa.oa_solve(opt, model, separate, progress, limits)
    result.info.update(info)
    return result
