"""solve_graphical: GraphL0 on raw data, with input checks run before any solving."""

from __future__ import annotations

import numbers
import time

import numpy as np

from .._estimator import interruptible
from .._first_use import announce_compilation
from .._validation import check_limits
from ..engine.result import SolveResult, relative_gap
from ..engine.search import Limits, solve
from ._box import certified_box
from ._problem import GraphL0Problem

SOLVERS = ("bnb", "heuristic", "reference", "scip", "brute_force")


def empirical_covariance_of(X: np.ndarray, assume_centered: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(S, location)`` with divisor n, refusing data GraphL0 cannot use."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got shape {X.shape}.")
    n, p = X.shape
    if n < 2 or p < 2:
        raise ValueError(f"GraphL0 needs at least 2 samples and 2 features, got {X.shape}.")
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X must be numeric: {exc}") from exc
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinity.")
    location = np.zeros(p) if assume_centered else X.mean(axis=0)
    Xc = X - location
    S = Xc.T @ Xc / n
    # Constant up to rounding: the spread is below the precision of the column's own values
    # (relative, so a column with a tiny but real spread is kept).
    magnitude = np.max(np.abs(X), axis=0)
    constant = np.flatnonzero(np.diag(S) <= (1e-12 * magnitude) ** 2)
    if constant.size:
        raise ValueError(
            f"X has constant column(s) {constant[:10].tolist()}: their conditional variance "
            "is zero and the pseudo-likelihood is unbounded; remove them."
        )
    return S, location


def check_graph_penalties(l0, l2, M) -> None:
    """Non-negative finite penalties; a positive box, not infinite when ``l2 = 0``."""
    if not (isinstance(l0, numbers.Real) and np.isfinite(l0) and l0 >= 0):
        raise ValueError(f"l0 must be a finite number >= 0, got {l0!r}.")
    if not (isinstance(l2, numbers.Real) and np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
    if M is not None:
        if not (isinstance(M, numbers.Real) and not np.isnan(M) and M > 0):
            raise ValueError(f"M must be a positive number or None, got {M!r}.")
        if np.isinf(M) and l2 == 0:
            raise ValueError("M = inf with l2 = 0 leaves the problem unbounded: give a finite M.")


def resolve_box(S: np.ndarray, l0: float, l2: float, M) -> float:
    """The box the solver uses: the user's, none (l2 > 0), or a certified one (l2 = 0)."""
    if M is not None:
        return float(M)
    if l2 > 0:
        return np.inf
    # The empty graph is feasible: its objective is an upper bound for the certificate.
    d = np.diag(S)
    upper = float(np.sum(np.log(d)) + S.shape[0])
    return certified_box(S, 0.0, upper)


def reference_box(S: np.ndarray, l0: float, l2: float, box: float) -> float:
    """The finite box the reference model uses: ``box``, or one certified around a heuristic.

    The reference does not certify boxes itself, so that it shares no code with the engine
    beyond the exact refit; the upper bound is the heuristic's objective recomputed by
    :func:`support_refit.graphical_objective`.
    """
    if np.isfinite(box):
        return box
    from .support_refit import graphical_objective

    _, T = GraphL0Problem(S, l0, l2, np.inf).initial_incumbent(time.perf_counter() + 10.0)
    return certified_box(S, l2, graphical_objective(S, T, l0, l2))


@interruptible
def solve_graphical(
    X,
    l0=None,
    l2=0.01,
    M=None,
    *,
    assume_centered=False,
    time_limit=60.0,
    gap_tol=1e-4,
    max_nodes=None,
    warm_start=None,
    solver="bnb",
    verbose=False,
) -> SolveResult:
    """Solve GraphL0 (L0L2-penalised Gaussian pseudo-likelihood) with a certificate.

    Minimizes over symmetric ``T`` with ``T_ii > 0`` and ``|T_ij| <= M``::

        sum_i [-log T_ii + T_i' S T_i / T_ii] + l0 #{i<j: T_ij != 0} + l2 sum_{i<j} T_ij^2

    with ``S`` the empirical covariance of ``X`` (divisor n).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Data, ``n_samples >= 2``, ``n_features >= 2``, no constant column.
    l0 : float, default=None
        Price of one edge; ``None`` means ``log(n) / n``.
    l2 : float, default=0.01
        Ridge penalty on the off-diagonal entries.
    M : float, default=None
        Box on off-diagonal entries. ``None``: no box when ``l2 > 0``; a box proved to keep
        every optimum when ``l2 = 0`` (which needs a nonsingular ``S``).
    assume_centered : bool, default=False
        Use the data as centred (no mean is subtracted).
    time_limit : float, default=60.0
        Wall-clock limit in seconds (``None``: none).
    gap_tol : float, default=1e-4
        Relative gap at which the search stops.
    max_nodes : int, default=None
        Node limit of branch and bound.
    warm_start : ndarray of shape (n_features, n_features), default=None
        A precision matrix the heuristic starts from.
    solver : {"bnb", "heuristic", "reference", "scip", "brute_force"}, default="bnb"
        ``"bnb"``: the branch-and-bound engine. ``"heuristic"``: the heuristic plus the
        root bound only (one node; for very large p). ``"reference"``/``"scip"``: the
        Pyomo model solved by HiGHS (outer approximation) or SCIP (small p).
        ``"brute_force"``: enumeration of all edge sets (p <= 6).
    verbose : bool, default=False
        Print the solver log.

    Returns
    -------
    SolveResult
        ``solution`` is the precision matrix; ``info`` holds ``M`` (the box used),
        ``abs_gap`` and ``M_binding`` (an entry of the solution touches a finite box).

    Examples
    --------
    >>> from l0bnb import solve_graphical
    >>> from l0bnb.datasets import make_graphical_instance
    >>> data = make_graphical_instance(200, 6, "banded", bandwidth=1, seed=0)
    >>> result = solve_graphical(data.X, l0=0.05, l2=0.05)
    >>> result.status
    'optimal'
    """
    announce_compilation(__package__)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}.")
    S, _ = empirical_covariance_of(X, assume_centered)
    n, p = np.shape(X)
    l0 = float(np.log(n) / n) if l0 is None else l0
    check_graph_penalties(l0, l2, M)
    check_limits(time_limit, max_nodes, gap_tol)
    if warm_start is not None:
        warm_start = np.asarray(warm_start, dtype=np.float64)
        if warm_start.shape != (p, p) or not np.all(np.isfinite(warm_start)):
            raise ValueError(f"warm_start must be a finite ({p}, {p}) matrix.")
        if np.any(np.diag(warm_start) <= 0):
            raise ValueError("warm_start must have a positive diagonal.")
    box = resolve_box(S, l0, l2, M)
    if solver in ("reference", "scip"):
        from .reference import solve_graphical_reference

        result = solve_graphical_reference(
            S,
            l0,
            l2,
            box if np.isfinite(box) else None,
            box=reference_box(S, l0, l2, box),
            time_limit=time_limit if time_limit is not None else 3600.0,
            solver="highs" if solver == "reference" else "scip",
            verbose=verbose,
        )
    elif solver == "brute_force":
        from .support_refit import brute_force_graphical

        result = brute_force_graphical(S, l0, l2, box)
    else:
        problem = GraphL0Problem(
            S, l0, l2, box, relax_tol=min(1e-6, 0.01 * gap_tol) or 1e-9, start=warm_start
        )
        limits = Limits(
            time_limit=time_limit,
            max_nodes=1 if solver == "heuristic" else max_nodes,
            gap_tol=gap_tol,
        )
        result = solve(problem, limits, verbose=bool(verbose))
        result.info["n_heuristic_calls"] = problem.n_heuristic_calls
        if result.solution is None:
            # Stopped (Ctrl-C) before the first incumbent: the empty graph is feasible.
            empty = np.diag(1.0 / np.diag(S))
            result.solution = empty
            result.objective = problem.objective(empty)
            result.gap = relative_gap(result.objective, result.bound)
    T = result.solution
    upper = T[np.triu_indices(p, 1)]
    result.info["M"] = box
    result.info["l0"] = l0
    result.info["abs_gap"] = float(result.objective - result.bound)
    result.info["M_binding"] = bool(
        np.isfinite(box) and upper.size and np.max(np.abs(upper)) >= box * (1 - 1e-9)
    )
    return result
