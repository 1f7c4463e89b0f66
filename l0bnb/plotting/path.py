"""Regularization path: coefficients, and objective with its certified bound, vs l0."""

from __future__ import annotations

import numpy as np

from ._mpl import pyplot


def plot_path(path, x: str = "l0", axes=None, feature_names=None, max_labels: int = 10):
    """Plot a best-subset path: coefficient trajectories, then objective, bound and gap.

    Parameters
    ----------
    path : SubsetPath
        The result of :func:`l0bnb.best_subset_path` (anything with ``l0``, ``coef``,
        ``n_nonzeros``, ``objective``, ``bound`` and ``gap`` arrays works).
    x : {"l0", "n_nonzeros"}, default="l0"
        Horizontal axis: the penalty (log scale, decreasing to the right) or the model size.
    axes : sequence of two matplotlib.axes.Axes, default=None
        Where to draw; a new figure with two stacked axes if ``None``.
    feature_names : sequence of str, default=None
        Labels of the coefficient curves (default ``x0, x1, ...``).
    max_labels : int, default=10
        Label at most this many curves (those entering the path first).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from l0bnb import best_subset_path
    >>> from l0bnb.datasets import make_sparse_regression
    >>> from l0bnb.plotting import plot_path
    >>> data = make_sparse_regression(n_samples=80, n_features=20, k=3, random_state=0)
    >>> fig = plot_path(best_subset_path(data.X, data.y, l2=1e-2, max_nonzeros=4))
    """
    if x not in ("l0", "n_nonzeros"):
        raise ValueError(f"x must be 'l0' or 'n_nonzeros', got {x!r}.")
    for name in ("l0", "coef", "n_nonzeros", "objective", "bound", "gap"):
        if not hasattr(path, name):
            raise TypeError(f"plot_path expects a SubsetPath; the argument has no {name!r}.")
    coef = np.atleast_2d(np.asarray(path.coef, dtype=float))
    xs = np.asarray(path.l0 if x == "l0" else path.n_nonzeros, dtype=float)
    if coef.shape[0] != xs.size or xs.size == 0:
        raise ValueError("The path is empty or its arrays disagree in length.")
    plt = pyplot()
    if axes is None:
        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6.4, 6.0))
    else:
        axes = list(axes)
        if len(axes) != 2:
            raise ValueError("axes must hold exactly two matplotlib axes.")
        fig = axes[0].figure
    ax_coef, ax_cert = axes
    used = np.flatnonzero(np.any(coef != 0, axis=0))
    first = {j: int(np.argmax(coef[:, j] != 0)) for j in used}
    order = sorted(used, key=lambda j: first[j])
    names = feature_names if feature_names is not None else [f"x{j}" for j in range(coef.shape[1])]
    for rank, j in enumerate(order):
        label = str(names[j]) if rank < max_labels else None
        ax_coef.plot(xs, coef[:, j], marker=".", drawstyle="steps-post", label=label)
    ax_coef.axhline(0.0, color="k", linewidth=0.5)
    ax_coef.set_ylabel("coefficient")
    if order:
        ax_coef.legend(fontsize="x-small", ncol=2, loc="best")
    ax_cert.plot(xs, path.objective, "o-", color="C0", label="objective")
    ax_cert.plot(xs, path.bound, "v--", color="C1", label="certified bound")
    ax_cert.set_ylabel("objective")
    gap = np.asarray(path.gap, dtype=float)
    if np.any(np.isfinite(gap) & (gap > 0)):
        ax_gap = ax_cert.twinx()
        ax_gap.semilogy(xs, np.where(gap > 0, gap, np.nan), ":", color="C3")
        ax_gap.set_ylabel("relative gap", color="C3")
    ax_cert.legend(fontsize="small", loc="best")
    if x == "l0":
        ax_cert.set_xscale("log")
        ax_cert.invert_xaxis()
        ax_cert.set_xlabel("l0 penalty (decreasing)")
    else:
        ax_cert.set_xlabel("number of nonzeros")
    return fig
