"""The certified best-subset path over the model size k (the classic "best subset of size k")."""

from __future__ import annotations

import time
from numbers import Integral

import numpy as np

from .._estimator import center, interruptible
from .._progress import progress_bar
from .._validation import check_arrays, check_limits, check_no_zero_columns, check_penalties
from ..engine.interrupt import catching_interrupts, stop_requested
from ..engine.result import INTERRUPTED
from ._path import SubsetPath, path_from_results
from ._solve import _solve_best_subset


@interruptible
def best_subset_size_path(
    X,
    y,
    n_nonzero_coefs=range(1, 11),
    l2: float = 0.0,
    M: float | None = None,
    fit_intercept: bool = True,
    time_limit: float | None = None,
    gap_tol: float = 1e-4,
    max_nodes: int | None = None,
    verbose: bool = False,
    progress: bool | None = None,
) -> SubsetPath:
    """Best subset of every size ``k`` in ``n_nonzero_coefs``, each certified or with its gap.

    Solves ``min 0.5 ||y - X b - b0||^2 + l2 ||b||^2`` subject to ``||b||_0 <= k`` for each
    ``k`` in increasing order, the solution of one size warm-starting the next. This is the
    table of Hastie, Tibshirani & Tibshirani (2020), computed there with a MIP solver.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    n_nonzero_coefs : iterable of int, default=range(1, 11)
        Model sizes, each between 1 and ``n_features`` (solved in increasing order).
    l2 : float, default=0.0
        Ridge penalty (0: classic best subset).
    M : float, default=None
        Box; ``None`` certifies one per coefficient and point (needs ``n > p`` when
        ``l2 = 0``).
    fit_intercept : bool, default=True
    time_limit : float, default=None
        Limit per size, in seconds.
    gap_tol : float, default=1e-4
    max_nodes : int, default=None
        Limit per size.
    verbose : bool, default=False
        Print the solver log of every size.
    progress : bool or None, default=None
        Show a tqdm progress bar over the sizes.

    Returns
    -------
    SubsetPath
        One point per size (``k`` holds the sizes, ``l0`` is 0); ``status``, ``gap`` and
        ``bound`` certify each point. Ctrl-C stops the whole path and returns the sizes
        solved so far, the last one with status ``interrupted``.

    Examples
    --------
    >>> from l0bnb.best_subset import best_subset_size_path
    >>> from l0bnb.datasets import make_sparse_regression
    >>> data = make_sparse_regression(n_samples=100, n_features=20, k=3, random_state=0)
    >>> path = best_subset_size_path(data.X, data.y, n_nonzero_coefs=range(1, 5))
    >>> path.k.tolist(), path.status
    ([1, 2, 3, 4], ['optimal', 'optimal', 'optimal', 'optimal'])
    """
    X, y = check_arrays(X, y)
    sizes = sorted(set(n_nonzero_coefs)) if not isinstance(n_nonzero_coefs, Integral) else None
    if not sizes or any(
        not isinstance(k, Integral) or isinstance(k, bool) or not 1 <= k <= X.shape[1]
        for k in sizes
    ):
        raise ValueError(
            "n_nonzero_coefs must be a non-empty iterable of integers between 1 and "
            f"n_features={X.shape[1]}, got {n_nonzero_coefs!r}."
        )
    check_penalties(None, sizes[-1], l2, M, X.shape[1])
    check_limits(time_limit, max_nodes, gap_tol)
    Xc, yc, X_mean, y_mean = center(X, y, fit_intercept)
    Xc = np.asfortranarray(Xc)
    check_no_zero_columns(Xc, centered=fit_intercept)
    results, warm = [], None
    bar = progress_bar(progress, len(sizes), "best-subset size path")
    with bar, catching_interrupts():
        for k in sizes:
            started = time.perf_counter()
            result = _solve_best_subset(
                Xc, yc, None, l2, M, int(k), time_limit, gap_tol, max_nodes, warm, "bnb",
                verbose, started=started,
            )  # fmt: skip
            results.append(result)
            warm = result.solution
            bar.update(1)
            bar.set_postfix_str(f"k={k} gap={result.gap:.1e}")
            if result.status == INTERRUPTED or stop_requested():
                break
    k = np.array(sizes[: len(results)], dtype=np.int64)
    l0 = np.zeros(len(results))
    return path_from_results(results, l0, Xc, yc, X_mean, y_mean, fit_intercept, k=k)
