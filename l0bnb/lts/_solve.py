"""solve_lts: penalised least trimmed squares on raw arrays, returning a SolveResult."""

from __future__ import annotations

import math
import numbers
import time

import numpy as np
from sklearn.utils import check_random_state

from .._estimator import interruptible
from .._first_use import announce_compilation
from .._validation import check_arrays, check_limits
from ..engine.interrupt import catching_interrupts, stop_requested
from ..engine.result import (
    HEURISTIC,
    SOLVER_LABELS,
    SolveResult,
    final_status,
    relative_gap,
)
from ..engine.search import Limits, solve
from . import _kernels as K
from ._box_problem import TrimmedBoxProblem
from ._pattern_problem import MODES, TrimmedProblem, lts_heuristic
from .refit import subset_fit

#: How often a binding default box is doubled before giving up (l2 = 0).
BOX_DOUBLINGS = 3
SOLVERS = ("bnb", "box", "pattern", "heuristic")
# The box search certifies where the pattern search cannot, up to d = 8 parameters
# (benchmarks/results/lts_box.md); beyond, its number of boxes grows too fast.
BOX_SEARCH_MAX_PARAMETERS = 8


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _positive(value, name, allow_none=True):
    if value is None and allow_none:
        return
    if not (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    ):
        raise ValueError(
            f"{name} must be a finite number > 0{' or None' if allow_none else ''}, got {value!r}."
        )


def resolve_h(n, p, *, mode, n_inliers, trim_fraction, mu, l2, fit_intercept) -> int | None:
    """Check the trimming parameters and return ``h`` (``None`` in capped mode).

    ``h`` is ``n_inliers``, or ``n - floor(trim_fraction n)``, or by default
    ``floor((n + d + 1) / 2)`` (maximum breakdown), with ``d = p + fit_intercept``. It must
    satisfy ``d <= h <= n`` when ``l2 = 0`` (fewer inliers than coefficients fit exactly and
    leave the coefficients undetermined) and ``1 <= h <= n`` when ``l2 > 0``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'trimmed' or 'capped', got {mode!r}.")
    if not (
        isinstance(l2, numbers.Real) and not isinstance(l2, bool) and math.isfinite(l2) and l2 >= 0
    ):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
    d = p + (1 if fit_intercept else 0)
    if mode == "capped":
        if n_inliers is not None or trim_fraction is not None:
            raise ValueError(
                "n_inliers and trim_fraction apply to mode='trimmed' only; capped mode uses mu."
            )
        _positive(mu, "mu")
        if l2 == 0 and n < d:
            raise ValueError(
                f"n_samples={n} is too small: with l2 = 0 at least d={d} samples "
                "(features + intercept) are needed."
            )
        return None
    if mu is not None:
        raise ValueError(
            "mu applies to mode='capped' only; trimmed mode uses n_inliers or trim_fraction."
        )
    if n_inliers is not None and trim_fraction is not None:
        raise ValueError("Give at most one of n_inliers and trim_fraction, got both.")
    if n_inliers is not None:
        if not _is_int(n_inliers):
            raise ValueError(f"n_inliers must be an integer, got {n_inliers!r}.")
        h = int(n_inliers)
    elif trim_fraction is not None:
        if not (
            isinstance(trim_fraction, numbers.Real)
            and not isinstance(trim_fraction, bool)
            and 0 <= trim_fraction < 1
        ):
            raise ValueError(f"trim_fraction must be a number in [0, 1), got {trim_fraction!r}.")
        h = n - int(math.floor(trim_fraction * n))
    else:
        if l2 == 0 and n <= d:
            raise ValueError(
                f"n_samples={n} is too small: with l2 = 0 the default number of "
                f"inliers needs more than d={d} samples (features + intercept)."
            )
        h = min(n, (n + d + 1) // 2)
    low = d if l2 == 0 else 1
    if not low <= h <= n:
        why = (
            f"with l2 = 0, h must be at least d = {d} (features + intercept): fewer inliers "
            "are fitted exactly and leave the coefficients undetermined"
            if l2 == 0
            else "h must be at least 1"
        )
        raise ValueError(
            f"number of inliers h={h} is out of range [{low}, {n}] (n_samples={n}); {why}."
        )
    return h


def default_mu(X, y, *, l2, fit_intercept, n_starts, seed) -> float:
    """``(2.5 sigma)^2``, ``sigma = 1.4826 median |r_i|`` of the default-h heuristic fit."""
    n, p = X.shape
    d = p + (1 if fit_intercept else 0)
    h = min(n, (n + d + 1) // 2)
    theta, _, _ = lts_heuristic(
        X,
        y,
        mode="trimmed",
        h=h,
        mu=None,
        l2=l2,
        fit_intercept=fit_intercept,
        n_starts=n_starts,
        seed=seed,
    )
    r = y - theta[0] - X @ theta[1:]
    sigma = 1.4826 * float(np.median(np.abs(r)))
    scale = float(np.std(y)) or 1.0
    return max((2.5 * sigma) ** 2, 1e-12 * scale * scale)


def polish(X, y, theta, *, mode, h, mu, l2, fit_intercept, box, max_steps=100):
    """C-steps to a fixed point: the exact (boxed) ridge fit on its own best inlier set.

    Never increases the objective. Returns ``(theta, objective, inlier_mask)``.
    """
    code = MODES[mode]
    h_ = h if h is not None else X.shape[0]
    mu_ = mu if mu is not None else 0.0
    best = np.asarray(theta, dtype=np.float64)
    best_obj = K.objective(X, y, best, l2, code, h_, mu_)
    mask = K.best_mask(K.residuals(X, y, best), code, h_, mu_)
    for _ in range(max_steps):
        cand, _ = subset_fit(
            X,
            y,
            np.flatnonzero(mask),
            l2=l2,
            fit_intercept=fit_intercept,
            box=box if box > 0 else None,
        )
        obj = K.objective(X, y, cand, l2, code, h_, mu_)
        if obj > best_obj:
            break
        best, best_obj = cand, obj
        new_mask = K.best_mask(K.residuals(X, y, best), code, h_, mu_)
        if np.array_equal(new_mask, mask):
            break
        mask = new_mask
    mask = K.best_mask(K.residuals(X, y, best), code, h_, mu_)
    return best, float(best_obj), mask


def data_scales(X, y, fit_intercept) -> tuple[float, float]:
    """Powers of two ``(s_x, s_y)`` near the spread of ``X`` and of ``y``.

    The search runs on ``X / s_x`` and ``y / s_y`` so that every tolerance inside it (the
    engine's and the kernels') acts on data of unit scale; with powers of two the division
    and the way back are exact. Spread is around the column means and the median of ``y``
    when there is an intercept (a constant shift is absorbed by it), around 0 otherwise.
    """
    centre_y = float(np.median(y)) if fit_intercept else 0.0
    Xc = X - X.mean(axis=0) if fit_intercept else X
    scales = []
    for values in (Xc, y - centre_y):
        spread = float(np.sqrt(np.mean(values * values))) if values.size else 0.0
        if not (math.isfinite(spread) and spread > 0):
            spread = 1.0
        scales.append(2.0 ** round(math.log2(spread)))
    return scales[0], scales[1]


@interruptible
def solve_lts(
    X,
    y,
    *,
    n_inliers=None,
    trim_fraction=None,
    mode="trimmed",
    mu=None,
    l2=0.0,
    fit_intercept=True,
    coef_bound=None,
    solver="bnb",
    time_limit=60.0,
    gap_tol=1e-4,
    max_nodes=None,
    n_starts=500,
    random_state=None,
    verbose=0,
) -> SolveResult:
    """Penalised least trimmed squares (trimmed or capped) with a certified gap.

    Minimises ``sum of the h smallest r_i^2 + l2 ||beta||^2`` (trimmed) or
    ``sum_i min(r_i^2, mu) + l2 ||beta||^2`` (capped), ``r = y - b0 - X beta``, intercept
    unpenalised. With ``l2 = 0`` the coefficients are boxed, ``|beta_j| <= coef_bound``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    n_inliers : int, default=None
        ``h``. Default: ``floor((n + d + 1) / 2)`` (``d`` = features + intercept).
    trim_fraction : float, default=None
        Alternative to ``n_inliers``: ``h = n - floor(trim_fraction n)``.
    mode : {"trimmed", "capped"}, default="trimmed"
    mu : float, default=None
        Cap of the capped mode. Default ``(2.5 sigma)^2`` from a robust scale estimate.
    l2 : float, default=0.0
        Ridge penalty on the coefficients (as scikit-learn's ``Ridge(alpha)``).
    fit_intercept : bool, default=True
    coef_bound : float, default=None
        Box on the coefficients when ``l2 = 0``. Default: three times the largest
        coefficient of the ten best heuristic fits, doubled (up to three times) while it
        binds at the solution. Ignored when ``l2 > 0`` (a radius is derived).
    solver : {"bnb", "box", "pattern", "heuristic"}, default="bnb"
        ``"box"``: branch-and-bound over boxes of the fit ``(b0, beta)``, strong for few
        parameters. ``"pattern"``: branch-and-bound over inlier / outlier patterns of the
        points. ``"bnb"`` picks ``"box"`` when ``d = p + fit_intercept <= 8``, else
        ``"pattern"``. ``"heuristic"``: ridge FAST-LTS + swaps only (status
        ``"heuristic"``, bound 0).
    time_limit : float, default=60.0
    gap_tol : float, default=1e-4
    max_nodes : int, default=None
    n_starts : int, default=500
        Random starts of FAST-LTS.
    random_state : int or None, default=None
        Seed of FAST-LTS (``None`` means 0, so fits are reproducible).
    verbose : int, default=0

    Returns
    -------
    SolveResult
        ``solution`` is ``theta = (b0, beta)``; ``info`` holds ``h``, ``mu``, ``coef_bound``,
        ``box_binding`` and ``inlier_mask``.
    """
    announce_compilation(__package__)
    start_time = time.perf_counter()
    X, y = check_arrays(X, y)
    # Numba compiles one specialisation per array flavour: keep to writeable arrays.
    if not X.flags.writeable:
        X = X.copy(order="F")
    if not y.flags.writeable:
        y = y.copy()
    n, p = X.shape
    h = resolve_h(
        n,
        p,
        mode=mode,
        n_inliers=n_inliers,
        trim_fraction=trim_fraction,
        mu=mu,
        l2=l2,
        fit_intercept=fit_intercept,
    )
    _positive(coef_bound, "coef_bound")
    check_limits(time_limit, max_nodes, gap_tol)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}.")
    if not (_is_int(n_starts) and n_starts >= 1):
        raise ValueError(f"n_starts must be a positive integer, got {n_starts!r}.")
    seed = 0 if random_state is None else int(check_random_state(random_state).randint(2**31 - 1))
    l2 = float(l2)
    code = MODES[mode]
    # Ctrl-C sets a flag for the whole fit (heuristics included): no kernel is interrupted
    # mid-call, the loops poll it, and the best fit so far comes back as `interrupted`.
    with catching_interrupts():
        # The search runs on data of unit scale; objectives come back multiplied by sy^2 and
        # coefficients by sy / sx, exactly (powers of two).
        sx, sy = data_scales(X, y, fit_intercept)
        X_orig, y_orig, l2_orig = X, y, l2
        X, y, l2 = X / sx, y / sy, l2 / (sx * sx)
        if coef_bound is not None:
            coef_bound = float(coef_bound) * sx / sy
        if mode == "capped":
            if mu is None:
                mu = default_mu(
                    X, y, l2=l2, fit_intercept=fit_intercept, n_starts=n_starts, seed=seed
                )
            else:
                mu = float(mu) / (sy * sy)
        mu = None if mu is None else float(mu)

        def original(theta):
            theta = np.asarray(theta, dtype=np.float64) * sy
            theta[1:] /= sx
            return theta

        def finish(result, theta, bound, info, scale=0.0):
            theta = original(theta)
            obj = float(
                K.objective(X_orig, y_orig, theta, l2_orig, code, h or n, (mu or 0.0) * sy * sy)
            )
            info["inlier_mask"] = K.best_mask(
                K.residuals(X_orig, y_orig, theta), code, h or n, (mu or 0.0) * sy * sy
            )
            info["mu"] = None if mu is None else mu * sy * sy
            if info.get("coef_bound") is not None:
                info["coef_bound"] = info["coef_bound"] * sy / sx
            # A sum of squares plus non-negative penalties: 0 is always a valid bound.
            bound = max(min(bound, obj / (sy * sy)), 0.0)
            result.gap = relative_gap(obj / (sy * sy), bound, scale)
            result.objective, result.solution, result.bound = obj, theta, bound * sy * sy
            result.runtime = time.perf_counter() - start_time
            result.info.update(info)
            return result

        theta, obj, thetas = lts_heuristic(
            X,
            y,
            mode=mode,
            h=h,
            mu=mu,
            l2=l2,
            fit_intercept=fit_intercept,
            box=0.0,
            n_starts=n_starts,
            seed=seed,
            deadline=start_time + (math.inf if time_limit is None else 0.5 * time_limit),
        )
        box = 0.0
        if l2 == 0.0:
            if coef_bound is not None:
                box = float(coef_bound)
            else:
                top = np.max(np.abs(thetas[:10, 1:])) if thetas.size else 0.0
                box = 3.0 * float(top) if top > 0 else 1.0
        kw = dict(mode=mode, h=h, mu=mu, l2=l2, fit_intercept=fit_intercept)
        info = {"h": h, "mu": mu, "coef_bound": box if box > 0 else None, "box_binding": False}
        if solver == "heuristic":
            theta, obj, _ = polish(X, y, theta, box=box, **kw)
            result = SolveResult(
                status=HEURISTIC,
                objective=obj,
                bound=0.0,
                gap=1.0,
                n_nodes=0,
                runtime=0.0,
                solution=theta,
                solver=SOLVER_LABELS["heuristic"],
            )
            return finish(result, theta, 0.0, info)
        if solver == "bnb":
            solver = (
                "box" if p + int(bool(fit_intercept)) <= BOX_SEARCH_MAX_PARAMETERS else "pattern"
            )
        search = TrimmedBoxProblem if solver == "box" else TrimmedProblem
        info["search"] = solver
        doublings = BOX_DOUBLINGS if (l2 == 0.0 and coef_bound is None) else 0
        nodes, result = 0, None
        for attempt in range(doublings + 1):
            remaining = None
            if time_limit is not None:
                remaining = max(time_limit - (time.perf_counter() - start_time), 1e-3)
            problem = search(X, y, coef_bound=box if box > 0 else None, start=(obj, theta), **kw)
            result = solve(
                problem,
                Limits(time_limit=remaining, max_nodes=max_nodes, gap_tol=gap_tol),
                verbose=bool(verbose),
            )
            nodes += result.n_nodes
            theta, obj = np.asarray(result.solution), result.objective
            binding = box > 0 and np.max(np.abs(theta[1:]), initial=0.0) >= box * (1 - 1e-9)
            info["box_binding"] = bool(binding)
            info["coef_bound"] = box if box > 0 else None
            if not binding or attempt == doublings or result.stopped_by_limit or stop_requested():
                break
            box *= 2.0
        theta, obj, _ = polish(X, y, theta, box=box, **kw)
        info["lp_checks"] = problem.lp_checks
        info["lp_pruned"] = problem.lp_pruned
        result.n_nodes = nodes
        result.box_binding = info["box_binding"]
        result = finish(result, theta, result.bound, info, problem.objective_scale())
        result.status = final_status(result.status, result.gap)
        return result
