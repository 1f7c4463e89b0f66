"""Exact MILP/MIQP reference solvers for L0L2 best-subset selection, used to check the engine.

Both backends solve the same *lifted* formulation.  With ``W`` any matrix such that
``W^T W = X^T X`` (the R factor of a thin QR of ``X``), the loss is separable in ``w = W b``::

    0.5 ||y - X b||^2 = 0.5 sum_j w_j^2 - (X^T y)^T b + 0.5 ||y||^2

so the model has epigraph variables ``u_j >= w_j^2``, perspective variables ``s_i z_i >= b_i^2``
for the ridge term, and big-M links ``|b_i| <= M z_i``::

    min 0.5 sum(u) - (X^T y)^T b + 0.5 ||y||^2 + l0 sum(z) + l2 sum(s)

``solver="highs"`` replaces the convex constraints by tangent cuts and runs an
outer-approximation (OA) loop of MILPs (HiGHS has no MIQP), ``solver="scip"`` hands the
quadratic constraints to SCIP directly.  Every upper bound is the exact objective (computed
in numpy) of a box-constrained ridge refit on a support found by the solver; every lower bound
is a solver's dual bound of a relaxation of the true problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..engine.result import SolveResult
from ..reference import outer_approximation as oa
from .brute_force import _check_form, best_subset_objective, box_ridge

#: Heuristic start: supports of at most this many features are tried.
_MAX_HEURISTIC_SIZE = 100
#: Coefficients smaller than this (relative to M) give no useful perspective cut.
_CUT_TOL = 1e-9


@dataclass
class _Problem:
    """Data of one best-subset instance, with the lifted factor ``W`` precomputed."""

    X: np.ndarray
    y: np.ndarray
    l0: float | None
    l2: float
    M: float
    k: int | None
    W: np.ndarray = field(init=False)
    Xty: np.ndarray = field(init=False)
    const: float = field(init=False)

    def __post_init__(self) -> None:
        # R of a thin QR has shape (min(n, p), p) and R^T R = X^T X exactly (up to round-off).
        self.W = np.linalg.qr(self.X, mode="r")
        self.Xty = self.X.T @ self.y
        self.const = 0.5 * float(self.y @ self.y)

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def max_size(self) -> int:
        return self.p if self.k is None else min(self.p, self.k)

    def objective(self, coef: np.ndarray) -> float:
        return best_subset_objective(self.X, self.y, coef, self.l0, self.l2)

    def refit(self, support: np.ndarray) -> tuple[np.ndarray, float]:
        """Exact best coefficients on a support, and their full objective."""
        coef, _ = box_ridge(self.X, self.y, self.l2, self.M, support)
        return coef, self.objective(coef)


def solve_best_subset_reference(
    X: np.ndarray,
    y: np.ndarray,
    l0: float | None = None,
    l2: float = 0.0,
    M: float | None = None,
    n_nonzero_coefs: int | None = None,
    solver: str = "highs",
    time_limit: float = 60.0,
    gap_tol: float = 1e-6,
    max_rounds: int = 100,
    verbose: bool = False,
) -> SolveResult:
    """Solve L0L2 best-subset selection exactly with an off-the-shelf MIP solver.

    Penalized form (``l0`` given)::

        min_{b,z} 0.5 ||y - X b||^2 + l0 sum(z) + l2 ||b||^2,  |b_i| <= M z_i, z_i in {0, 1}

    Cardinality form (``n_nonzero_coefs=k`` given): no ``l0`` term and ``sum(z) <= k``.

    Parameters
    ----------
    X, y, l0, l2
        As in :func:`~l0bnb.best_subset.brute_force.brute_force_best_subset` (the arrays are
        used as given: no centering, no intercept).
    M : float
        Big-M bound on the coefficients; required, finite and positive.
    n_nonzero_coefs : int, optional
        Cardinality bound ``k`` (cardinality form).
    solver : {"highs", "scip"}, default "highs"
        ``"highs"``: outer approximation with HiGHS MILPs; ``"scip"``: SCIP on the MIQCP.
    time_limit : float, default 60.0
        Wall-clock limit in seconds.
    gap_tol : float, default 1e-6
        Stop when ``(upper - lower) / max(|upper|, 1e-10) <= gap_tol``.
    max_rounds : int, default 100
        Maximum outer-approximation rounds (HiGHS backend only).
    verbose : bool, default False
        Print one line per round.

    Returns
    -------
    SolveResult
        ``solution`` is the coefficient vector (a box-ridge refit on the support found, so
        ``objective`` is exact), ``bound`` a certified lower bound, ``n_nodes`` the OA rounds
        (HiGHS) or branch-and-bound nodes (SCIP).

    Raises
    ------
    ValueError
        If ``M`` is missing, infinite or not positive, or not exactly one of ``l0`` and
        ``n_nonzero_coefs`` is given, or ``solver`` is unknown.
    ImportError
        If ``solver="scip"`` and PySCIPOpt is not installed.
    """
    _check_form(l0, n_nonzero_coefs)
    if M is None or not np.isfinite(M) or M <= 0:
        raise ValueError(f"the reference MIP needs a finite positive big-M, got M={M}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    k = None if n_nonzero_coefs is None else int(n_nonzero_coefs)
    problem = _Problem(X, y, None if l0 is None else float(l0), float(l2), float(M), k)
    if solver == "highs":
        return _solve_highs_oa(problem, time_limit, gap_tol, max_rounds, verbose)
    if solver == "scip":
        return _solve_scip(problem, time_limit, gap_tol, verbose)
    raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'scip'")


# --------------------------------------------------------------------------- shared pieces


def _heuristic_start(problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """A good incumbent and the full-support ridge point, to seed bounds and cuts.

    Features are ranked by their contribution ``|b_i| ||X_i||`` in the box-ridge fit on all
    features; every prefix of that ranking (up to the size limit) is refit exactly.
    """
    full, _ = box_ridge(problem.X, problem.y, problem.l2, problem.M, np.arange(problem.p))
    order = np.argsort(-np.abs(full) * np.linalg.norm(problem.X, axis=0), kind="stable")
    best_coef, best_obj = np.zeros(problem.p), problem.objective(np.zeros(problem.p))
    for size in range(1, min(problem.max_size, _MAX_HEURISTIC_SIZE) + 1):
        coef, obj = problem.refit(order[:size])
        if obj < best_obj:
            best_coef, best_obj = coef, obj
    return best_coef, full


def _build_lifted_model(problem: _Problem, quadratic: bool):
    """Pyomo model of the lifted formulation.

    With ``quadratic=False`` the convex constraints are left out (the OA loop adds tangent
    cuts to ``model.cuts``); with ``quadratic=True`` they are stated exactly.
    """
    import pyomo.environ as pe

    W, M, p = problem.W, problem.M, problem.p
    rows = range(W.shape[0])
    cols = range(p)
    # Bounds on w and u follow from |b| <= M; finite bounds keep the LPs well posed.
    w_max = np.abs(W).sum(axis=1) * M
    m = pe.ConcreteModel()
    m.b = pe.Var(cols, bounds=(-M, M))
    m.z = pe.Var(cols, domain=pe.Binary)
    m.w = pe.Var(rows, bounds=lambda _, j: (-w_max[j], w_max[j]))
    m.u = pe.Var(rows, bounds=lambda _, j: (0.0, w_max[j] ** 2))
    m.lift = pe.Constraint(
        rows,
        rule=lambda m, j: (
            m.w[j] == pe.quicksum(float(W[j, i]) * m.b[i] for i in cols if W[j, i] != 0.0)
        ),
    )
    m.big_m_up = pe.Constraint(cols, rule=lambda m, i: m.b[i] <= M * m.z[i])
    m.big_m_lo = pe.Constraint(cols, rule=lambda m, i: -m.b[i] <= M * m.z[i])
    if problem.k is not None:
        m.cardinality = pe.Constraint(expr=pe.quicksum(m.z[i] for i in cols) <= problem.k)
    expr = 0.5 * pe.quicksum(m.u[j] for j in rows) + problem.const
    expr -= pe.quicksum(float(problem.Xty[i]) * m.b[i] for i in cols)
    if problem.l0 is not None:
        expr += problem.l0 * pe.quicksum(m.z[i] for i in cols)
    if problem.l2 > 0:
        # Perspective of b_i^2: s_i z_i >= b_i^2, and s_i <= M^2 since |b_i| <= M z_i.
        m.s = pe.Var(cols, bounds=(0.0, M**2))
        expr += problem.l2 * pe.quicksum(m.s[i] for i in cols)
    m.obj = pe.Objective(expr=expr, sense=pe.minimize)
    m.cuts = pe.ConstraintList()
    if quadratic:
        m.epigraph = pe.Constraint(rows, rule=lambda m, j: m.u[j] >= m.w[j] ** 2)
        if problem.l2 > 0:
            m.perspective = pe.Constraint(cols, rule=lambda m, i: m.s[i] * m.z[i] >= m.b[i] ** 2)
    return m


def _set_point(model, problem: _Problem, coef: np.ndarray) -> None:
    """Load a feasible point of the lifted model (used as a MIP start)."""
    w = problem.W @ coef
    for i in range(problem.p):
        nonzero = coef[i] != 0.0
        model.b[i].set_value(float(coef[i]))
        model.z[i].set_value(1.0 if nonzero else 0.0)
        if problem.l2 > 0:
            model.s[i].set_value(float(coef[i] ** 2) if nonzero else 0.0)
    for j in range(len(w)):
        model.w[j].set_value(float(w[j]))
        model.u[j].set_value(float(w[j] ** 2))


# --------------------------------------------------------------------------- HiGHS + OA


def _add_cuts(model, problem: _Problem, coef: np.ndarray, z: np.ndarray | None = None) -> None:
    """Tangent cuts at ``(coef, z)``: ``u_j >= 2 a w_j - a^2``, ``s_i >= 2 r b_i - r^2 z_i``.

    ``a = (W coef)_j`` and ``r = coef_i / z_i`` (``z`` defaults to the support indicator).
    Tangents under-estimate the convex functions, so the MILP stays a relaxation.
    """
    w = problem.W @ coef
    for j, a in enumerate(w):
        if a != 0.0:  # the tangent at 0 is u_j >= 0, already a bound
            a = float(a)
            model.cuts.add(model.u[j] >= 2.0 * a * model.w[j] - a * a)
    if problem.l2 > 0:
        z = (coef != 0.0).astype(float) if z is None else np.asarray(z, dtype=float)
        for i in np.flatnonzero(np.abs(coef) > _CUT_TOL * problem.M):
            # |b_i| <= M z_i keeps the perspective point r inside [-M, M].
            r = float(np.clip(coef[i] / max(z[i], 1e-12), -problem.M, problem.M))
            model.cuts.add(model.s[i] >= 2.0 * r * model.b[i] - r * r * model.z[i])


def _relaxation_gap(problem: _Problem, coef: np.ndarray, z: np.ndarray, lp_value: float) -> float:
    """How far the cut model under-estimates the convex relaxation at an LP point."""
    w = problem.W @ coef
    true = problem.const + 0.5 * float(w @ w) - float(problem.Xty @ coef)
    if problem.l0 is not None:
        true += problem.l0 * float(z.sum())
    if problem.l2 > 0:
        nz = z > 1e-12
        true += problem.l2 * float(np.sum(coef[nz] ** 2 / z[nz]))
    return (true - lp_value) / max(abs(true), 1e-10)


def _root_cut_loop(
    model,
    opt,
    problem: _Problem,
    progress: oa.OAProgress,
    time_limit: float,
    max_lp_rounds: int = 200,
    tol: float = 1e-7,
) -> int:
    """Kelley's cutting planes on the continuous relaxation (z in [0, 1]).

    LPs are cheap, and their cuts sit where the relaxation optimum lives, so the MILPs of
    the OA loop start from the perspective-relaxation bound instead of a crude one.
    """
    import pyomo.environ as pe
    from pyomo.contrib.appsi.base import TerminationCondition

    for i in range(problem.p):
        model.z[i].domain = pe.UnitInterval
    opt.config.warmstart = False
    rounds = 0
    while rounds < max_lp_rounds and progress.elapsed < time_limit:
        rounds += 1
        opt.config.time_limit = max(time_limit - progress.elapsed, 1e-3)
        results = opt.solve(model)
        if results.best_feasible_objective is None:
            break
        if results.termination_condition == TerminationCondition.optimal:
            # An LP optimum of the cut model bounds the MILP from below, hence the problem.
            progress.raise_lower(results.best_feasible_objective)
        opt.load_vars()
        coef, z = _model_point(model, problem)
        if _relaxation_gap(problem, coef, z, results.best_feasible_objective) <= tol:
            break
        _add_cuts(model, problem, coef, z)
    for i in range(problem.p):
        model.z[i].domain = pe.Binary
    opt.config.warmstart = True
    return rounds


def _solve_highs_oa(
    problem: _Problem, time_limit: float, gap_tol: float, max_rounds: int, verbose: bool
) -> SolveResult:
    """Outer approximation: MILPs with tangent cuts, refit, add cuts, repeat."""
    progress = oa.OAProgress(start=time.perf_counter(), scale=problem.const)
    incumbent, _ = _heuristic_start(problem)
    progress.offer(incumbent, problem.objective(incumbent))

    model = _build_lifted_model(problem, quadratic=False)
    _add_cuts(model, problem, incumbent)
    opt = oa.make_highs(gap_tol / 10.0)
    lp_rounds = _root_cut_loop(model, opt, problem, progress, time_limit)
    per_round = []

    def separate():
        coef, z = _model_point(model, problem)
        refit, _ = problem.refit(np.flatnonzero(z > 0.5))
        progress.offer(refit, problem.objective(refit))
        _add_cuts(model, problem, coef, np.round(z))
        _add_cuts(model, problem, refit)
        per_round.append({"round": len(per_round) + 1, "support": np.flatnonzero(z > 0.5)})

    limits = oa.OALimits(time_limit, gap_tol, max_rounds, verbose)
    result = oa.oa_solve(
        opt,
        model,
        separate,
        progress,
        limits,
        lambda: _set_point(model, problem, progress.solution),
    )
    result.info.update({"lp_rounds": lp_rounds, "per_round": per_round})
    return result


def _model_point(model, problem: _Problem) -> tuple[np.ndarray, np.ndarray]:
    """The loaded solution's ``(b, z)``."""
    b = np.array([model.b[i].value or 0.0 for i in range(problem.p)])
    z = np.array([model.z[i].value or 0.0 for i in range(problem.p)])
    return b, np.clip(z, 0.0, 1.0)


# --------------------------------------------------------------------------- SCIP


def _solve_scip(problem: _Problem, time_limit: float, gap_tol: float, verbose: bool):
    """SCIP on the lifted MIQCP, through Pyomo's ``scip_direct`` interface."""
    try:
        import pyscipopt  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("solver='scip' needs PySCIPOpt: pip install l0bnb[scip]") from exc
    from pyomo.contrib.solver.common.factory import SolverFactory

    progress = oa.OAProgress(start=time.perf_counter(), scale=problem.const)
    incumbent, _ = _heuristic_start(problem)
    progress.offer(incumbent, problem.objective(incumbent))
    model = _build_lifted_model(problem, quadratic=True)
    opt = SolverFactory("scip_direct")
    # scip_direct hangs unless SCIP's own output is silenced.
    results = opt.solve(
        model,
        tee=False,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=max(time_limit - progress.elapsed, 1e-3),
        rel_gap=gap_tol / 10.0,
        solver_options={"display/verblevel": 0},
    )
    progress.raise_lower(results.objective_bound)
    if results.incumbent_objective is not None:
        results.solution_loader.load_vars()
        z = np.array([model.z[i].value or 0.0 for i in range(problem.p)])
        coef, _ = problem.refit(np.flatnonzero(z > 0.5))
        progress.offer(coef, problem.objective(coef))
    progress.record(1, verbose)
    n_nodes = results.extra_info.value().get("NNodes", 0)
    n_nodes = int(n_nodes) if isinstance(n_nodes, (int, float)) else 0
    stop = oa.OUT_OF_TIME if progress.elapsed >= time_limit else oa.CLOSED
    info = {
        "rounds": 1,
        "scip_objective": results.incumbent_objective,
        "scip_bound": results.objective_bound,
        "termination": str(results.termination_condition),
    }
    return oa.oa_result(progress, n_nodes, "scip", gap_tol, stop, info)
