"""Branch-and-bound progress: incumbent and certified bound against time or nodes."""

from __future__ import annotations

import numpy as np

from ._mpl import axes_or_new

_X_KEYS = {"time": ("time", "time (s)"), "nodes": ("nodes", "nodes explored")}


def _records(result) -> list[dict]:
    log = getattr(result, "log", result)
    if not isinstance(log, list | tuple) or not all(isinstance(r, dict) for r in log):
        raise TypeError(
            "plot_progress expects a SolveResult or its log (a list of dict records), "
            f"got {type(result).__name__}."
        )
    if not log:
        raise ValueError("The solver log is empty: nothing to plot.")
    return list(log)


def plot_progress(result, x: str = "time", ax=None, log_gap: bool = True):
    """Plot the incumbent objective and the best bound of a search over time or nodes.

    Each record of :attr:`SolveResult.log` (one per printed log line) gives a point; new
    incumbents (the ``*`` and ``H`` lines of the log) are marked. The shaded band between
    the two curves is the remaining gap, and a second axis shows the relative gap.

    Parameters
    ----------
    result : SolveResult or list of dict
        A result returned by the engine (``solve_best_subset``, an estimator's ``result_``)
        or its ``log``: records with keys ``incumbent``, ``bound``, ``gap`` and ``time`` /
        ``nodes``.
    x : {"time", "nodes"}, default="time"
        Horizontal axis.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new figure if ``None``.
    log_gap : bool, default=True
        Draw the relative gap on a logarithmic secondary axis.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from l0bnb import solve_best_subset
    >>> from l0bnb.datasets import make_sparse_regression
    >>> from l0bnb.plotting import plot_progress
    >>> data = make_sparse_regression(n_samples=80, n_features=30, k=3, random_state=0)
    >>> result = solve_best_subset(data.X, data.y, n_nonzero_coefs=3, l2=0.1)
    >>> fig = plot_progress(result)
    """
    if x not in _X_KEYS:
        raise ValueError(f"x must be one of {sorted(_X_KEYS)}, got {x!r}.")
    records = _records(result)
    key, label = _X_KEYS[x]
    for rec in records:
        missing = {key, "incumbent", "bound", "gap"} - set(rec)
        if missing:
            raise ValueError(f"Log record lacks {sorted(missing)}: {rec}")
    xs = np.array([rec[key] for rec in records], dtype=float)
    inc = np.array([rec["incumbent"] for rec in records], dtype=float)
    bound = np.array([rec["bound"] for rec in records], dtype=float)
    gap = np.array([rec["gap"] for rec in records], dtype=float)
    new = np.array([rec.get("marker", "") in ("*", "H") for rec in records])
    fig, ax = axes_or_new(ax)
    finite = np.isfinite(inc) & np.isfinite(bound)
    ax.step(xs, inc, where="post", color="C0", label="incumbent (upper bound)")
    ax.step(xs, bound, where="post", color="C1", label="best bound (certified)")
    ax.fill_between(xs, bound, inc, where=finite, step="post", color="C7", alpha=0.2)
    if new.any():
        ax.plot(xs[new], inc[new], "*", color="C0", markersize=9, label="new incumbent")
    ax.set_xlabel(label)
    ax.set_ylabel("objective")
    title = getattr(result, "status", None)
    if title is not None:
        ax.set_title(f"{getattr(result, 'solver', 'l0bnb')}: {title}, gap {result.gap:.2g}")
    ax.legend(loc="center right", fontsize="small")
    shown = np.isfinite(gap) & (gap > 0)
    if shown.any():
        ax2 = ax.twinx()
        ax2.plot(xs[shown], gap[shown], ":", color="C3")
        ax2.set_ylabel("relative gap", color="C3")
        if log_gap:
            ax2.set_yscale("log")
    return fig
