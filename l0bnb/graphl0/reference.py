"""Exact MIO reference solver for GraphL0 (L0L2 pseudo-likelihood graphs), to check the engine.

The model (spec ``graphl0.md`` section 3) has, for ``i < j``, edge values ``theta_ij`` in
``[-M, M]``, indicators ``z_ij``, perspective variables ``s_ij >= theta_ij^2 / z_ij``, and for
each node a diagonal entry ``d_i = theta_ii`` in ``[L_i, U_i]`` with epigraph variables
``u_i >= -log d_i`` and ``t_i >= theta_i^T S theta_i / d_i`` (``theta_i`` the full column)::

    min sum_i (u_i + t_i) + sum_{i<j} (l0 z_ij + l2 s_ij),   -M z_ij <= theta_ij <= M z_ij

``solver="highs"`` replaces the three convex functions by tangent cuts and runs a multi-tree
outer-approximation (OA) loop of MILPs (HiGHS has no MIQP and no lazy-cut callback);
``solver="scip"`` states them exactly, with the loss cone written through a factor of ``S``.
Every upper bound is the exact objective (numpy) of a convex refit on a support the solver
found; every lower bound is a solver's dual bound of a relaxation of the true problem.
For the unboxed problem the caller passes ``box``, a box that provably contains every
optimum (the engine side certifies one); the reference shares no code with the engine beyond
the exact refit of :mod:`support_refit`, so a wrong box cannot hide in both.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from ..engine.result import SolveResult, relative_gap
from ..reference import outer_approximation as oa
from .support_refit import graphical_objective, solve_on_support

#: Stop at this relative gap (with the number of variables as the objective scale: the
#: pseudo-likelihood sums ``p`` terms of order one).
_GAP_TOL = 1e-7
#: Outer-approximation rounds at most.
_MAX_ROUNDS = 500
#: Cut coefficients below this are dropped (the right-hand side is relaxed to stay valid).
_COEF_TOL = 1e-9
#: HiGHS's relative MIP gap in every master problem.
_MIP_REL_GAP = 1e-9
#: A covariance whose smallest eigenvalue is below this (relative to the largest) is singular.
_SINGULAR_TOL = 1e-10
#: The heuristic refits at most this many nested supports.
_MAX_HEURISTIC_FITS = 12


# --------------------------------------------------------------------------- boxes


def diagonal_bounds(S: np.ndarray, M: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``L_i <= theta_ii <= U_i`` that every optimum of GraphL0 satisfies.

    At an optimum ``theta_ii`` minimises ``-log d + S_ii d + c_i / d`` (its stationarity
    condition), so ``theta_ii = (1 + sqrt(1 + 4 S_ii c_i)) / (2 S_ii)`` with
    ``0 <= c_i <= (M sum_{j != i} sqrt(S_jj))^2`` when ``|theta_ij| <= M``.

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance with a positive diagonal.
    M : float
        Finite bound on the off-diagonal entries.

    Returns
    -------
    L, U : ndarray of shape (p,)
        Lower and upper bounds on the diagonal.
    """
    diag = np.diag(S)
    root = np.sqrt(diag)
    C = (M * (root.sum() - root)) ** 2
    return 1.0 / diag, (1.0 + np.sqrt(1.0 + 4.0 * diag * C)) / (2.0 * diag)


# --------------------------------------------------------------------------- problem data


@dataclass
class _Instance:
    """One GraphL0 instance: the problem's box ``M`` (inf: none) and the model's ``box``."""

    S: np.ndarray
    l0: float
    l2: float
    M: float
    box: float = math.inf
    lower: np.ndarray = field(init=False, repr=False)
    upper: np.ndarray = field(init=False, repr=False)
    # Refits are the costly part of a round and the OA loop revisits supports.
    fits: dict = field(default_factory=dict, repr=False)

    @property
    def p(self) -> int:
        return self.S.shape[0]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return list(combinations(range(self.p), 2))

    def set_box(self, box: float) -> None:
        self.box = box
        self.lower, self.upper = diagonal_bounds(self.S, box)

    def objective(self, T: np.ndarray) -> float:
        return graphical_objective(self.S, T, self.l0, self.l2)

    def refit(self, edges: list[tuple[int, int]]) -> tuple[np.ndarray, float]:
        """Exact best matrix on an edge set, and its full objective."""
        key = tuple(sorted(edges))
        if key not in self.fits:
            T, _ = solve_on_support(self.S, list(key), self.l2, self.M)
            self.fits[key] = (T, self.objective(T))
        return self.fits[key]


def _heuristic(
    instance: _Instance, progress: oa.OAProgress, time_limit: float
) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Refits on nested supports ranked by the full fit's partial correlations.

    Returns every point fitted (they seed the cuts) and the best one with its objective.
    Only the empty graph and the full fit are computed once the time limit is reached.
    """
    pairs = instance.pairs
    empty = np.diag(1.0 / np.diag(instance.S))
    full, _ = instance.refit(pairs)
    points = [empty, full]
    best, best_value = empty, instance.objective(empty)
    diag = np.sqrt(np.diag(full))
    score = [abs(full[i, j]) / (diag[i] * diag[j]) for i, j in pairs]
    order = np.argsort(score, kind="stable")[::-1]
    sizes = np.unique(np.geomspace(1, len(pairs), _MAX_HEURISTIC_FITS).round().astype(int))
    for size in sizes:
        if progress.elapsed >= time_limit:
            break
        T, value = instance.refit([pairs[e] for e in order[:size]])
        points.append(T)
        if value < best_value:
            best, best_value = T, value
    return points, best, best_value


# --------------------------------------------------------------------------- Pyomo model


def _column(model, i: int, p: int) -> list:
    """Model variables of the full column ``theta_i`` (``d_i`` at position ``i``)."""
    return [model.d[i] if j == i else model.theta[min(i, j), max(i, j)] for j in range(p)]


def _build_model(instance: _Instance, exact: bool):
    """Pyomo model of section 3; ``exact=False`` leaves the convex parts to ``model.cuts``."""
    import pyomo.environ as pe

    p, box, pairs = instance.p, instance.box, instance.pairs
    lower, upper = instance.lower, instance.upper
    m = pe.ConcreteModel()
    m.theta = pe.Var(pairs, bounds=(-box, box))
    m.z = pe.Var(pairs, domain=pe.Binary)
    m.d = pe.Var(range(p), bounds=lambda _, i: (float(lower[i]), float(upper[i])))
    m.t = pe.Var(range(p), bounds=(0.0, None))
    m.u = pe.Var(range(p), bounds=lambda _, i: (-math.log(upper[i]), -math.log(lower[i])))
    m.big_m_up = pe.Constraint(pairs, rule=lambda m, i, j: m.theta[i, j] <= box * m.z[i, j])
    m.big_m_lo = pe.Constraint(pairs, rule=lambda m, i, j: -m.theta[i, j] <= box * m.z[i, j])
    expr = pe.quicksum(m.u[i] + m.t[i] for i in range(p))
    expr += instance.l0 * pe.quicksum(m.z[e] for e in pairs)
    if instance.l2 > 0:
        m.s = pe.Var(pairs, bounds=(0.0, box**2))
        expr += instance.l2 * pe.quicksum(m.s[e] for e in pairs)
    m.obj = pe.Objective(expr=expr, sense=pe.minimize)
    m.cuts = pe.ConstraintList()
    if exact:
        _add_exact_constraints(m, instance)
    return m


def _add_exact_constraints(m, instance: _Instance) -> None:
    """The convex parts as SCIP-friendly constraints.

    ``theta^T S theta <= t d`` is seen as nonconvex by SCIP; with ``S = W^T W`` the same set
    is ``||W theta||^2 <= t d``, a rotated second-order cone that SCIP recognises.
    """
    import pyomo.environ as pe

    p, S = instance.p, instance.S
    try:
        W = np.linalg.cholesky(S).T
    except np.linalg.LinAlgError:
        # Singular S: a square root from the eigendecomposition serves the same purpose.
        eig, vec = np.linalg.eigh(S)
        W = np.sqrt(np.clip(eig, 0.0, None))[:, None] * vec.T
    rows = [k for k in range(p) if np.any(np.abs(W[k]) > 0)]
    m.w = pe.Var(range(p), rows)
    m.lift = pe.Constraint(
        range(p),
        rows,
        rule=lambda m, i, k: (
            m.w[i, k]
            == pe.quicksum(float(W[k, j]) * v for j, v in enumerate(_column(m, i, p)) if W[k, j])
        ),
    )
    m.cone = pe.Constraint(
        range(p), rule=lambda m, i: pe.quicksum(m.w[i, k] ** 2 for k in rows) <= m.t[i] * m.d[i]
    )
    m.log_epigraph = pe.Constraint(range(p), rule=lambda m, i: m.u[i] + pe.log(m.d[i]) >= 0)
    if instance.l2 > 0:
        m.perspective = pe.Constraint(
            instance.pairs, rule=lambda m, i, j: m.theta[i, j] ** 2 <= m.s[i, j] * m.z[i, j]
        )


def _add_cuts(m, instance: _Instance, T: np.ndarray, z: np.ndarray | None = None) -> None:
    """Tangent cuts of ``-log d``, ``theta_i^T S theta_i / d_i`` and ``theta^2 / z`` at a point.

    ``T`` is symmetric with a positive diagonal; ``z`` (by pair) defaults to its support.
    Tangents under-estimate convex functions, so the MILP stays a relaxation.
    """
    p, S, box = instance.p, instance.S, instance.box
    for i in range(p):
        d = float(T[i, i])
        m.cuts.add(m.u[i] >= -math.log(d) + 1.0 - m.d[i] / d)
        # f(theta) = theta^T S theta / d is 1-homogeneous: its tangent passes through 0.
        grad = 2.0 * (S @ T[:, i]) / d
        grad[i] -= float(T[:, i] @ S @ T[:, i]) / d**2
        column = _column(m, i, p)
        largest = np.full(p, box)
        largest[i] = instance.upper[i]
        keep = np.abs(grad) >= _COEF_TOL
        # A dropped term g x is at least -|g| max|x|: subtracting that keeps the cut valid.
        slack = float(np.abs(grad[~keep]) @ largest[~keep])
        m.cuts.add(m.t[i] >= sum(float(grad[j]) * column[j] for j in np.flatnonzero(keep)) - slack)
    if instance.l2 > 0:
        for e, (i, j) in enumerate(instance.pairs):
            weight = 1.0 if z is None else float(z[e])
            if abs(T[i, j]) <= _COEF_TOL * box or weight <= 0:
                continue
            # Any c gives a valid cut; the perspective point theta / z is the tangent one.
            c = float(np.clip(T[i, j] / weight, -box, box))
            m.cuts.add(m.s[i, j] >= 2.0 * c * m.theta[i, j] - c * c * m.z[i, j])


def _initial_cuts(m, instance: _Instance, points: list[np.ndarray]) -> None:
    """Spec's seed cuts: a geometric grid of ``-log`` tangents, fixed slopes, the heuristic.

    The heuristic points include the empty graph, whose loss tangents are the diagonal ones.
    """
    for i in range(instance.p):
        for d in np.geomspace(instance.lower[i], instance.upper[i], 8):
            m.cuts.add(m.u[i] >= -math.log(d) + 1.0 - m.d[i] / float(d))
    if instance.l2 > 0:
        box = instance.box
        for e in instance.pairs:
            for c in (-box, -box / 2, -box / 4, box / 4, box / 2, box):
                m.cuts.add(m.s[e] >= 2.0 * c * m.theta[e] - c * c * m.z[e])
    for T in points:
        _add_cuts(m, instance, T)


def _model_point(m, instance: _Instance) -> tuple[np.ndarray, np.ndarray]:
    """The loaded solution's symmetric matrix and ``z`` by pair."""
    p = instance.p
    T = np.diag([m.d[i].value for i in range(p)]).astype(float)
    z = np.zeros(len(instance.pairs))
    for e, (i, j) in enumerate(instance.pairs):
        T[i, j] = T[j, i] = m.theta[i, j].value or 0.0
        z[e] = m.z[i, j].value or 0.0
    return T, np.clip(z, 0.0, 1.0)


def _relaxation_value(instance: _Instance, T: np.ndarray, z: np.ndarray) -> float:
    """The true convex-relaxation objective at an LP point (perspective of the ridge)."""
    S, d = instance.S, np.diag(T)
    value = float(np.sum(-np.log(d) + np.einsum("ki,kl,li->i", T, S, T) / d))
    value += instance.l0 * float(z.sum())
    if instance.l2 > 0:
        edges = np.array([T[i, j] for i, j in instance.pairs])
        nz = z > 1e-12
        value += instance.l2 * float(np.sum(edges[nz] ** 2 / z[nz]))
    return value


def _set_point(m, instance: _Instance, T: np.ndarray) -> None:
    """Load a feasible point of the model (a MIP start)."""
    S = instance.S
    for i in range(instance.p):
        d = float(np.clip(T[i, i], instance.lower[i], instance.upper[i]))
        m.d[i].set_value(d)
        m.u[i].set_value(-math.log(d))
        m.t[i].set_value(float(T[:, i] @ S @ T[:, i]) / d)
    for i, j in instance.pairs:
        value = float(np.clip(T[i, j], -instance.box, instance.box))
        m.theta[i, j].set_value(value)
        m.z[i, j].set_value(1.0 if value != 0.0 else 0.0)
        if instance.l2 > 0:
            m.s[i, j].set_value(value**2)


def _support(instance: _Instance, z: np.ndarray) -> list[tuple[int, int]]:
    return [e for e, value in zip(instance.pairs, z, strict=True) if value > 0.5]


# --------------------------------------------------------------------------- entry point


def solve_graphical_reference(
    S: np.ndarray,
    l0: float,
    l2: float,
    M: float | None = None,
    *,
    box: float | None = None,
    time_limit: float = 60.0,
    solver: str = "highs",
    verbose: bool = False,
) -> SolveResult:
    """Solve GraphL0 exactly with an off-the-shelf MIP solver (spec section 3).

    Minimises over symmetric ``Theta`` with a positive diagonal::

        F(Theta) = sum_i [-log theta_ii + theta_i^T S theta_i / theta_ii]
                   + l0 #{i<j : theta_ij != 0} + l2 sum_{i<j} theta_ij^2,   |theta_ij| <= M

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Empirical covariance (symmetric, positive semidefinite, positive diagonal).
    l0 : float
        Price of an edge (``>= 0``).
    l2 : float
        Ridge penalty on the edges (``>= 0``).
    M : float or None, default=None
        Box on the off-diagonal entries (part of the problem). ``None`` (or ``inf``): the
        unboxed problem, which needs ``box``.
    box : float, optional
        A finite box the model uses, which the caller guarantees holds every optimum of the
        problem (for the unboxed problem e.g. ``l0bnb.graphl0._box.certified_box``). Default:
        ``M``. A box below ``M`` gives the certificate of the problem with box ``M`` only
        if the caller's guarantee holds.
    time_limit : float, default=60.0
        Wall-clock limit in seconds.
    solver : {"highs", "scip"}, default="highs"
        ``"highs"``: outer approximation with HiGHS MILPs; ``"scip"``: SCIP on the MINLP.
    verbose : bool, default=False
        Print one line per round.

    Returns
    -------
    SolveResult
        ``status`` is ``optimal`` when ``objective - bound <= 1e-7 max(1, |objective|)``,
        else ``time_limit`` (or ``gap_limit`` when SCIP stopped on its own tolerances);
        ``solution`` is the best precision matrix (a convex refit on the support found, so
        ``objective`` is exact); ``bound`` a certified lower bound; ``n_nodes`` the OA rounds
        (HiGHS) or SCIP's branch-and-bound nodes. ``info`` holds the box used and, for
        ``"highs"``, the number of cutting-plane LP rounds and the per-round log.

    Raises
    ------
    ValueError
        If ``S`` is not a finite symmetric matrix with a positive diagonal, ``l0``, ``l2`` or
        ``M`` is negative (``M``: not positive), ``S`` is singular with ``l2 = 0`` and no
        ``M``, neither ``M`` nor ``box`` is finite, ``box`` is not positive, or ``solver``
        is unknown.
    ImportError
        If ``solver="scip"`` and PySCIPOpt is not installed.

    See Also
    --------
    l0bnb.graphl0.support_refit.brute_force_graphical : enumeration for ``p <= 6``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 1.0]])
    >>> result = solve_graphical_reference(S, l0=0.2, l2=0.01, M=2.0)
    >>> result.status, int(np.count_nonzero(np.triu(result.solution, 1)))
    ('optimal', 2)
    """
    S = np.asarray(S, dtype=float)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.shape[0] < 2:
        raise ValueError(f"S must be a square matrix with p >= 2, got shape {S.shape}.")
    if not np.all(np.isfinite(S)) or not np.allclose(S, S.T) or np.any(np.diag(S) <= 0):
        raise ValueError("S must be finite and symmetric with a positive diagonal.")
    if l0 < 0 or l2 < 0:
        raise ValueError(f"l0 and l2 must be >= 0, got l0={l0}, l2={l2}.")
    if M is not None and not M > 0:
        raise ValueError(f"M must be positive, got {M}.")
    if solver not in ("highs", "scip"):
        raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'scip'.")
    S = (S + S.T) / 2.0
    M = math.inf if M is None else float(M)
    eig = np.linalg.eigvalsh(S)
    singular = eig[0] <= _SINGULAR_TOL * max(1.0, eig[-1])
    if l2 == 0 and singular and not math.isfinite(M):
        raise ValueError(
            "S is singular and l2 = 0: F is unbounded below without a box; give a finite M."
        )
    box = M if box is None else float(box)
    if not (box > 0 and math.isfinite(box)):
        raise ValueError(
            f"the model needs a finite positive box, got M={M} and box={box}: pass box= "
            "(a box proved to hold every optimum, e.g. from l0bnb.graphl0._box.certified_box)."
        )
    # The pseudo-likelihood sums p terms of order one: p is its scale (gap denominator floor).
    progress = oa.OAProgress(start=time.perf_counter(), scale=float(S.shape[0]))
    instance = _Instance(S, float(l0), float(l2), M)
    points, best, best_value = _heuristic(instance, progress, time_limit)
    progress.offer(best, best_value)
    instance.set_box(min(M, box))
    if solver == "highs":
        return _solve_highs_oa(instance, progress, points, time_limit, verbose)
    return _solve_scip(instance, progress, time_limit, verbose)


# --------------------------------------------------------------------------- HiGHS + OA


def _root_cut_loop(m, opt, instance: _Instance, progress: oa.OAProgress, time_limit: float) -> int:
    """Kelley's cutting planes on the continuous relaxation (z in [0, 1]).

    LPs are cheap and their cuts sit where the relaxation optimum lives, so the first MILP
    starts from the perspective-relaxation bound instead of a crude one.
    """
    import pyomo.environ as pe
    from pyomo.contrib.appsi.base import TerminationCondition

    for e in instance.pairs:
        m.z[e].domain = pe.UnitInterval
    opt.config.warmstart = False
    rounds = 0
    while rounds < 200 and progress.elapsed < time_limit:
        rounds += 1
        opt.config.time_limit = max(time_limit - progress.elapsed, 1e-3)
        results = opt.solve(m)
        value = results.best_feasible_objective
        if value is None:
            break
        if results.termination_condition == TerminationCondition.optimal:
            # The LP optimum of the cut model bounds the MILP from below, hence the problem.
            progress.raise_lower(value)
        opt.load_vars()
        T, z = _model_point(m, instance)
        true = _relaxation_value(instance, T, z)
        if relative_gap(true, value, progress.scale) <= 1e-7:
            break
        _add_cuts(m, instance, T, z)
    for e in instance.pairs:
        m.z[e].domain = pe.Binary
    opt.config.warmstart = True
    return rounds


def _solve_highs_oa(
    instance: _Instance,
    progress: oa.OAProgress,
    points: list[np.ndarray],
    time_limit: float,
    verbose: bool,
) -> SolveResult:
    """Multi-tree outer approximation: MILP, refit its support, add cuts at both, repeat."""
    m = _build_model(instance, exact=False)
    _initial_cuts(m, instance, points)
    opt = oa.make_highs(
        _MIP_REL_GAP,
        mip_feasibility_tolerance=1e-9,
        primal_feasibility_tolerance=1e-9,
        dual_feasibility_tolerance=1e-9,
    )
    lp_rounds = _root_cut_loop(m, opt, instance, progress, time_limit)

    def separate():
        T, z = _model_point(m, instance)
        refit, value = instance.refit(_support(instance, z))
        progress.offer(refit, value)
        _add_cuts(m, instance, T, np.round(z))
        _add_cuts(m, instance, refit)

    limits = oa.OALimits(time_limit, _GAP_TOL, _MAX_ROUNDS, verbose)
    result = oa.oa_solve(
        opt, m, separate, progress, limits, lambda: _set_point(m, instance, progress.solution)
    )
    result.info.update({"box": instance.box, "lp_rounds": lp_rounds})
    return result


# --------------------------------------------------------------------------- SCIP


def _solve_scip(
    instance: _Instance, progress: oa.OAProgress, time_limit: float, verbose: bool
) -> SolveResult:
    """SCIP on the exact MINLP, through Pyomo's ``scip_direct`` interface."""
    try:
        import pyscipopt  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("solver='scip' needs PySCIPOpt: pip install l0bnb[scip]") from exc
    from pyomo.contrib.solver.common.factory import SolverFactory

    m = _build_model(instance, exact=True)
    _set_point(m, instance, progress.solution)
    opt = SolverFactory("scip_direct")
    # scip_direct hangs unless SCIP's own output is silenced.
    results = opt.solve(
        m,
        tee=False,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=max(time_limit - progress.elapsed, 1e-3),
        rel_gap=_GAP_TOL / 10.0,
        # SCIP's default feasibility tolerance (1e-6) lets its bound overshoot the optimum by
        # about 1e-6; the absolute gap matters when F is near 0, where relative gaps blow up.
        solver_options={
            "display/verblevel": 0,
            "numerics/feastol": 1e-9,
            "limits/absgap": _GAP_TOL / 10.0,
        },
    )
    progress.raise_lower(results.objective_bound)
    if results.incumbent_objective is not None:
        results.solution_loader.load_vars()
        z = np.array([m.z[e].value or 0.0 for e in instance.pairs])
        progress.offer(*instance.refit(_support(instance, z)))
    progress.record(1, verbose)
    n_nodes = results.extra_info.value().get("NNodes", 0)
    n_nodes = int(n_nodes) if isinstance(n_nodes, (int, float)) else 0
    info = {
        "box": instance.box,
        "scip_objective": results.incumbent_objective,
        "scip_bound": results.objective_bound,
        "termination": str(results.termination_condition),
    }
    stop = oa.OUT_OF_TIME if progress.elapsed >= time_limit else oa.CLOSED
    return oa.oa_result(progress, n_nodes, "scip", _GAP_TOL, stop, info)
