"""Run one solver on one benchmark instance in a fresh process; print nothing, write JSON.

Usage: ``python _runner.py CONFIG.json``. The config names the solver, the instance
``.npz`` (arrays ``X`` and ``y``), the problem parameters and the output path. This file is
executed by different interpreters (the main environment for l0bnb 2.x, SCIP and HiGHS; the
benchmark virtual environments for El0ps, L0Learn and abess), so it needs only numpy and the
standard library at import time. Solver packages are imported lazily.

Every runner returns the coefficient vector it found (as sparse index/value lists); the
parent process re-evaluates every objective with one formula, so no solver's own objective
convention is trusted.
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import numpy as np


def _certificate(res, wall: float) -> dict:
    """The fields every exact solver's row records from its SolveResult."""
    return {
        "status": str(res.status),
        "reported_objective": float(res.objective),
        "bound": float(res.bound),
        "gap": float(res.gap),
        "nodes": int(res.n_nodes),
        "time": wall,
        "coef": _sparse(res.solution),
    }


def _sparse(coef):
    coef = np.asarray(coef, dtype=float).reshape(-1)
    idx = np.flatnonzero(coef)
    return {"index": idx.tolist(), "value": coef[idx].tolist(), "n_features": int(coef.size)}


def _tiny_instance(seed=0, n=60, p=30, k=3):
    """A small, well-posed instance used to trigger JIT compilation before timing."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:k] = 1.0
    y = X @ beta + 0.3 * rng.standard_normal(n)
    X = X - X.mean(axis=0)
    X /= np.linalg.norm(X, axis=0)
    y = y - y.mean()
    y /= np.linalg.norm(y)
    return X, y


# --------------------------------------------------------------------------- l0bnb 2.x


def run_l0bnb(X, y, cfg):
    """l0bnb 2.x branch and bound, after a warm-up solve that compiles the Numba kernels."""
    from l0bnb import solve_best_subset

    Xw, yw = _tiny_instance()
    solve_best_subset(Xw, yw, l0=0.02, l2=cfg["l2"], M=5.0, time_limit=30.0)
    t0 = time.perf_counter()
    res = solve_best_subset(
        X,
        y,
        l0=cfg["l0"],
        l2=cfg["l2"],
        M=cfg["M"],
        time_limit=cfg["time_limit"],
        gap_tol=cfg["gap_tol"],
    )
    wall = time.perf_counter() - t0
    log = [
        {key: (float(rec[key]) if key in rec else None) for key in ("time", "gap", "nodes")}
        for rec in (res.log or [])
    ]
    return {
        **_certificate(res, wall),
        "solver_runtime": float(res.runtime),
        "log": log,
    }


# --------------------------------------------------------------------------- MIP references


def run_reference(X, y, cfg, backend):
    """SCIP on the MIQCP, or outer approximation with HiGHS, from ``l0bnb.reference``."""
    from l0bnb.reference import solve_best_subset_reference

    t0 = time.perf_counter()
    res = solve_best_subset_reference(
        X,
        y,
        l0=cfg["l0"],
        l2=cfg["l2"],
        M=cfg["M"],
        solver=backend,
        time_limit=cfg["time_limit"],
        gap_tol=cfg["gap_tol"],
    )
    wall = time.perf_counter() - t0
    return _certificate(res, wall)


# --------------------------------------------------------------------------- El0ps


def _el0ps_solve(X, y, l0, l2, M, gap_tol, time_limit):
    """El0ps' BnbSolver.solve, inlined to keep pybnb's bound and to set the gap scale.

    El0ps minimizes ``f(Xw) + lmbd ||w||_0 + sum_i h(w_i)`` with
    ``Leastsquares: f(u) = 0.5 ||y - u||^2`` and ``BigmL2norm(M, beta): h(t) = beta t^2`` on
    ``|t| <= M``: with ``lmbd = l0`` and ``beta = l2`` it is exactly our objective. pybnb's
    relative gap divides by ``max(1, |objective|)`` by default, which on unit-norm ``y``
    (objective < 0.5) is an absolute gap; we pass ``|objective|`` as the scale so that
    ``relative_gap`` means what ``gap_tol`` means for the other solvers. pybnb runs serially
    (``comm=None``), like every other solver here.
    """
    from el0ps.datafit import Leastsquares
    from el0ps.penalty import BigmL2norm
    from el0ps.solver import BnbSolver
    from el0ps.solver.bnb import ProblemWrapper
    from pybnb import Solver

    solver = BnbSolver(relative_gap=gap_tol, absolute_gap=0.0, time_limit=time_limit)
    # El0ps builds ``pybnb.Solver()``, which loads MPI through mpi4py; ``comm=None`` is
    # pybnb's documented serial mode and needs no MPI library.
    solver.solver = Solver(comm=None)
    datafit = Leastsquares(np.ascontiguousarray(y))
    penalty = BigmL2norm(M, l2)
    A = np.asfortranarray(X)
    problem = ProblemWrapper(datafit, penalty, A, l0, None, solver.bound_solver)
    results = solver.solver.solve(
        problem,
        absolute_gap=0.0,
        relative_gap=gap_tol,
        scale_function=lambda bound, objective: max(abs(objective), 1e-10),
        node_limit=None,
        time_limit=time_limit,
        queue_limit=None,
        queue_strategy=solver.queue_strategy,
        log=None,
    )
    return results


def run_el0ps(X, y, cfg):
    """El0ps 0.0.x branch and bound (pybnb), after a warm-up solve for Numba compilation."""
    Xw, yw = _tiny_instance()
    _el0ps_solve(Xw, yw, 0.02, cfg["l2"], 5.0, 1e-4, 30.0)
    t0 = time.perf_counter()
    results = _el0ps_solve(X, y, cfg["l0"], cfg["l2"], cfg["M"], cfg["gap_tol"], cfg["time_limit"])
    wall = time.perf_counter() - t0
    objective = float(results.objective)
    bound = float(results.bound)
    gap = max(0.0, (objective - bound) / max(abs(objective), 1e-10))
    best = results.best_node
    coef = best.state.x_upper if best is not None else np.zeros(X.shape[1])
    return {
        "status": f"{results.solution_status}/{results.termination_condition}",
        "reported_objective": objective,
        "bound": bound,
        "gap": gap,
        "nodes": int(results.nodes),
        "time": wall,
        "coef": _sparse(coef),
    }


# --------------------------------------------------------------------------- heuristics


def run_l0learn(X, y, cfg):
    """L0Learn (CDPSI) at the benchmark's ``l0`` and ``l2`` with the same box ``|b| <= M``.

    L0Learn's L0L2 objective is ``0.5 ||y - Xb||^2 + lambda ||b||_0 + gamma ||b||^2``, the same
    convention as ours; it runs a short decreasing ``lambda`` path ending at ``l0`` (its
    intended use: warm starts along the path) and we keep the last solution.
    """
    import l0learn

    l0, l2, M = cfg["l0"], cfg["l2"], cfg["M"]
    grid = [list(l0 * np.geomspace(30.0, 1.0, 15))]
    kwargs = dict(
        penalty="L0L2",
        algorithm="CDPSI",
        max_support_size=min(100, X.shape[1]),
        num_lambda=None,
        num_gamma=None,
        gamma_max=l2,
        gamma_min=l2,
        lambda_grid=grid,
        intercept=False,
    )
    Xf, yc = np.asfortranarray(X), np.ascontiguousarray(y)
    note = None
    t0 = time.perf_counter()
    try:
        fit = l0learn.fit(Xf, yc, lows=-M, highs=M, **kwargs)
    except RuntimeError as exc:
        # l0learn 0.4.3 raises "Caught an unknown exception!" for CDPSI with finite bounds;
        # rerun unbounded (the parent checks the box and refits within it).
        note = f"CDPSI with bounds failed ({exc}); ran without the box"
        t0 = time.perf_counter()
        fit = l0learn.fit(Xf, yc, **kwargs)
    wall = time.perf_counter() - t0
    sol = fit.coeff(lambda_0=grid[0][-1], gamma=fit.gamma[0], include_intercept=False)
    coef = np.asarray(sol.todense()).ravel()
    return {
        "status": "heuristic",
        "time": wall,
        "nodes": None,
        "gap": None,
        "l0learn_gamma": float(fit.gamma[0]),
        "note": note,
        "coef": _sparse(coef),
    }


def run_abess(X, y, cfg):
    """abess with its default support-size path and EBIC selection (no intercept)."""
    from abess.linear import LinearRegression

    t0 = time.perf_counter()
    model = LinearRegression(fit_intercept=False)
    model.fit(X, y)
    wall = time.perf_counter() - t0
    return {
        "status": "heuristic",
        "time": wall,
        "nodes": None,
        "gap": None,
        "coef": _sparse(model.coef_),
    }


RUNNERS = {
    "l0bnb": run_l0bnb,
    "scip": lambda X, y, cfg: run_reference(X, y, cfg, "scip"),
    "highs": lambda X, y, cfg: run_reference(X, y, cfg, "highs"),
    "el0ps": run_el0ps,
    "l0learn": run_l0learn,
    "abess": run_abess,
}


def main(argv=None):
    """Entry point: ``python _runner.py CONFIG.json``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as fh:
        cfg = json.load(fh)
    out = {"solver": cfg["solver"]}
    try:
        data = np.load(cfg["instance"])
        X = np.ascontiguousarray(data["X"])
        y = np.ascontiguousarray(data["y"])
        out.update(RUNNERS[cfg["solver"]](X, y, cfg))
        out["ok"] = True
    except Exception as exc:  # reported to the parent, which records it in the table
        out["ok"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
    with open(cfg["output"], "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
