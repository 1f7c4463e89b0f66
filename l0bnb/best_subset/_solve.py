"""``solve_best_subset``: one call from arrays to a certified :class:`SolveResult`."""

from __future__ import annotations

import time

import numpy as np

from .._estimator import interruptible
from .._first_use import announce_compilation
from .._validation import check_arrays, check_limits, check_no_zero_columns, check_penalties
from ..engine import Limits, SolveResult, solve
from ._bigm import safe_big_m
from ._curvature import split_design
from ._problem import BestSubsetProblem

SOLVERS = ("bnb", "reference", "scip", "brute_force")


@interruptible
def solve_best_subset(
    X,
    y,
    l0: float | None = None,
    l2: float = 1e-2,
    M: float | None = None,
    n_nonzero_coefs: int | None = None,
    *,
    time_limit: float | None = None,
    gap_tol: float = 1e-4,
    max_nodes: int | None = None,
    warm_start=None,
    solver: str = "bnb",
    curvature: str = "auto",
    verbose: bool = False,
) -> SolveResult:
    """Solve L0L2 best-subset regression exactly on the arrays given.

    Minimizes ``0.5 ||y - X b||^2 + l0 ||b||_0 + l2 ||b||^2`` subject to ``|b_i| <= M``
    (penalized form), or the same without ``l0`` and with ``||b||_0 <= n_nonzero_coefs``
    (cardinality form). No centering or scaling is applied.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    l0 : float, default=None
        L0 penalty. Give exactly one of ``l0`` and ``n_nonzero_coefs``.
    l2 : float, default=1e-2
        Ridge penalty (``l2 > 0`` makes the perspective relaxation strong).
    M : float, default=None
        Box on every coefficient, part of the problem as stated. ``None``: certified boxes,
        one per coefficient, that keep every optimal solution of the unboxed problem (see
        :func:`l0bnb.best_subset._bigm.safe_big_m`; they follow the units of each column);
        with ``l2 = 0`` they exist only when ``X`` has full column rank, otherwise an error
        asks for ``M``.
    n_nonzero_coefs : int, default=None
        Maximum number of nonzero coefficients (cardinality form).
    time_limit : float, default=None
        Wall-clock limit in seconds.
    gap_tol : float, default=1e-4
        Relative gap at which the search stops.
    max_nodes : int, default=None
        Limit on the number of nodes.
    warm_start : array-like of shape (n_features,), default=None
        Coefficients to start the local search from (a start point only: clipped to the box
        and, in the cardinality form, cut to its ``n_nonzero_coefs`` largest entries).
    solver : {"bnb", "reference", "scip", "brute_force"}, default="bnb"
        ``"bnb"`` is the engine; ``"reference"`` the Pyomo model solved by HiGHS with outer
        approximation; ``"scip"`` the same model in SCIP; ``"brute_force"`` enumerates
        supports (``n_features <= 20``).
    curvature : {"auto", "sdp", "equilibrated", "none"}, default="auto"
        When ``X^T X`` is positive definite (``n > p``), move a diagonal ``D`` with
        ``X^T X - D`` positive semidefinite into the perspective relaxation as extra ridge
        curvature (the problem solved is unchanged; only the bounds get stronger). ``"auto"``
        improves ``D`` by a few max-det Newton steps up to ``p = 600``; ``"none"`` turns it
        off. See :func:`l0bnb.best_subset._curvature.split_design`.
    verbose : bool, default=False
        Print the solver log.

    Returns
    -------
    SolveResult
        ``solution`` is the coefficient vector; ``info["boxes"]`` the box of every
        coefficient, ``info["M"]`` the largest; ``info["curvature"]`` how ``D`` was chosen.

    Examples
    --------
    >>> from l0bnb import solve_best_subset
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=100, n_features=30, k=3, random_state=0)
    >>> result = solve_best_subset(data.X, data.y, n_nonzero_coefs=3, l2=1e-3)
    >>> result.status, sorted(result.solution.nonzero()[0].tolist())
    ('optimal', [0, 14, 29])
    """
    X, y = check_arrays(X, y)
    check_penalties(l0, n_nonzero_coefs, l2, M, X.shape[1])
    check_limits(time_limit, max_nodes, gap_tol)
    check_no_zero_columns(X, centered=False)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}.")
    if warm_start is not None:
        warm_start = np.asarray(warm_start, dtype=np.float64)
        if warm_start.shape != (X.shape[1],) or not np.all(np.isfinite(warm_start)):
            raise ValueError(f"warm_start must be a finite vector of length {X.shape[1]}.")
    return _solve_best_subset(
        X, y, l0, l2, M, n_nonzero_coefs, time_limit, gap_tol, max_nodes, warm_start, solver,
        verbose, curvature=curvature,
    )  # fmt: skip


def _solve_best_subset(
    X,
    y,
    l0,
    l2,
    M,
    n_nonzero_coefs,
    time_limit,
    gap_tol,
    max_nodes,
    warm_start,
    solver,
    verbose,
    started=None,
    curvature="auto",
) -> SolveResult:
    """:func:`solve_best_subset` on arrays and parameters already checked (no re-validation).

    Estimators, paths and CV call this after validating once at their public boundary.
    ``started`` (``time.perf_counter()``) is when the caller's work began: the time limit and
    the log's clock count from there.
    """
    announce_compilation(__package__)
    start = time.perf_counter() if started is None else started
    if solver != "bnb":
        return _solve_reference(
            X, y, l0, l2, M, n_nonzero_coefs, solver, time_limit, gap_tol, verbose
        )
    k = n_nonzero_coefs
    split = split_design(X, y, curvature)

    def problem_with(box, relax_tol=1e-8):
        return BestSubsetProblem(
            split.X,
            split.y,
            l0,
            l2,
            box,
            k=k,
            relax_tol=relax_tol,
            offset=split.offset,
            extra_l2=split.extra_l2,
            scale=0.5 * float(y @ y),
        )

    # The local search runs on the unboxed problem first: its objective certifies M.
    explorer = problem_with(np.inf if M is None else M)
    b0 = (
        np.zeros(X.shape[1])
        if warm_start is None
        else np.clip(warm_start, -explorer.M, explorer.M)
    )
    if k is not None and np.count_nonzero(b0) > k:
        b0[np.argsort(-np.abs(b0), kind="stable")[k:]] = 0.0
    deadline = np.inf if time_limit is None else start + time_limit
    try:
        upper, b_start = explorer.start_from(b0, deadline)
    except KeyboardInterrupt:
        # Interrupted before the search started: the best solution known is the start point.
        return _interrupted(explorer, b0, start)
    if M is None:
        M = safe_big_m(X, y, l0, l2, upper)
    problem = problem_with(M, relax_tol=float(np.clip(0.05 * gap_tol, 1e-12, 1e-3)))
    # The clock started with the caller: the limit, the log's time column and the runtime
    # all include the set-up (validation, curvature, the root local search).
    result = solve(
        problem,
        Limits(time_limit=time_limit, max_nodes=max_nodes, gap_tol=gap_tol),
        verbose,
        start=b_start,
        started=start,
    )
    result.runtime = time.perf_counter() - start
    # One number for callers that expect a single box (every |b_i| <= max M_i), and the
    # per-coefficient boxes the search used.
    result.info["M"] = float(np.max(M))
    result.info["boxes"] = np.broadcast_to(np.asarray(M, dtype=np.float64), (X.shape[1],)).copy()
    result.info["curvature"] = split.method
    return result


def _interrupted(problem: BestSubsetProblem, b: np.ndarray, start: float) -> SolveResult:
    objective = problem.objective(b)
    return SolveResult(
        status="interrupted",
        objective=objective,
        bound=-np.inf,
        gap=float("inf"),
        n_nodes=0,
        runtime=time.perf_counter() - start,
        solution=b,
    )


def _solve_reference(X, y, l0, l2, M, k, solver, time_limit, gap_tol, verbose) -> SolveResult:
    from ..reference import brute_force_best_subset, solve_best_subset_reference

    if solver == "brute_force":
        return brute_force_best_subset(
            X, y, l0=l0, l2=l2, M=np.inf if M is None else M, n_nonzero_coefs=k
        )
    if M is None:
        raise ValueError(f"solver={solver!r} needs an explicit M (a finite big-M box).")
    return solve_best_subset_reference(
        X,
        y,
        l0=l0,
        l2=l2,
        M=M,
        n_nonzero_coefs=k,
        solver="highs" if solver == "reference" else "scip",
        time_limit=60.0 if time_limit is None else time_limit,
        gap_tol=max(gap_tol, 1e-9),
        verbose=verbose,
    )
