"""Lazy matplotlib import with an actionable error, and the ``ax``-or-new-figure idiom."""

from __future__ import annotations


def pyplot():
    """Return ``matplotlib.pyplot`` or raise an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "l0bnb.plotting needs matplotlib, which is not installed: "
            "pip install matplotlib (or pip install 'l0bnb[plot]')."
        ) from exc
    return plt


def axes_or_new(ax, figsize=(6.4, 4.0)):
    """``(figure, ax)``: the given axes and its figure, or a new figure with one axes."""
    plt = pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax
