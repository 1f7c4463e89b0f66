"""Conditional-independence graph of a precision matrix, drawn on a circle."""

from __future__ import annotations

import numpy as np

from ._mpl import axes_or_new


def plot_precision_graph(
    precision, labels=None, threshold: float = 0.0, ax=None, node_size: float = 300.0
):
    """Draw the graph whose edges are the nonzero off-diagonal entries of a precision matrix.

    Nodes sit on a circle; an edge ``i - j`` is drawn when the partial correlation
    ``-Theta_ij / sqrt(Theta_ii Theta_jj)`` exceeds ``threshold`` in absolute value, with a
    width proportional to it and a color for its sign (red positive, blue negative).

    Parameters
    ----------
    precision : array-like of shape (n_features, n_features)
        A symmetric precision matrix with a positive diagonal (e.g. ``GraphL0().precision_``).
    labels : sequence of str, default=None
        Node labels (default ``0 .. n_features - 1``).
    threshold : float, default=0.0
        Hide edges with ``|partial correlation| <= threshold``.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; a new square figure if ``None``.
    node_size : float, default=300.0
        Marker area of the nodes.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from l0bnb.plotting import plot_precision_graph
    >>> theta = np.eye(4) + np.diag([-0.4, -0.4, -0.4], 1) + np.diag([-0.4, -0.4, -0.4], -1)
    >>> fig = plot_precision_graph(theta, labels=["a", "b", "c", "d"])
    """
    theta = np.asarray(precision, dtype=float)
    if theta.ndim != 2 or theta.shape[0] != theta.shape[1] or theta.shape[0] == 0:
        raise ValueError(f"precision must be a non-empty square matrix, got {theta.shape}.")
    if not np.all(np.isfinite(theta)):
        raise ValueError("precision contains NaN or infinite values.")
    if not np.allclose(theta, theta.T, rtol=1e-8, atol=1e-10):
        raise ValueError("precision must be symmetric.")
    diag = np.diag(theta)
    if np.any(diag <= 0):
        raise ValueError("precision must have a positive diagonal.")
    if not threshold >= 0:
        raise ValueError(f"threshold must be non-negative, got {threshold!r}.")
    p = theta.shape[0]
    names = [str(i) for i in range(p)] if labels is None else [str(s) for s in labels]
    if len(names) != p:
        raise ValueError(f"labels has {len(names)} entries for {p} nodes.")
    partial = -theta / np.sqrt(np.outer(diag, diag))
    angle = 2 * np.pi * np.arange(p) / p
    pos = np.column_stack([np.cos(angle), np.sin(angle)])
    fig, ax = axes_or_new(ax, figsize=(5.0, 5.0))
    i_idx, j_idx = np.triu_indices(p, k=1)
    strength = partial[i_idx, j_idx]
    keep = np.abs(strength) > threshold
    scale = 4.0 / max(np.max(np.abs(strength[keep]), initial=0.0), 1e-12)
    for i, j, s in zip(i_idx[keep], j_idx[keep], strength[keep], strict=True):
        ax.plot(
            pos[[i, j], 0],
            pos[[i, j], 1],
            color="tab:red" if s > 0 else "tab:blue",
            linewidth=0.5 + scale * abs(s),
            alpha=0.7,
            zorder=1,
        )
    ax.scatter(pos[:, 0], pos[:, 1], s=node_size, color="white", edgecolor="k", zorder=2)
    for (px, py), name in zip(pos, names, strict=True):
        ax.annotate(name, (px, py), ha="center", va="center", fontsize="small", zorder=3)
    ax.set_title(f"{int(keep.sum())} edges (red: positive, blue: negative partial corr.)")
    ax.set_aspect("equal")
    ax.set_axis_off()
    margin = 1.2
    ax.set_xlim(-margin, margin)
    ax.set_ylim(-margin, margin)
    return fig
