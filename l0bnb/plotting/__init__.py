"""Plots of certificates, paths and fitted models (matplotlib optional, imported lazily).

Every function takes an optional ``ax`` (or ``axes``) and returns the matplotlib
``Figure`` it drew on. Importing :mod:`l0bnb.plotting` never imports matplotlib; calling a
function without matplotlib installed raises an :class:`ImportError` saying how to install it.
"""

from .graph import plot_precision_graph
from .path import plot_path
from .progress import plot_progress

__all__ = ["plot_path", "plot_precision_graph", "plot_progress"]
