"""The ``lf`` path of CategoricalFusionRegressor: grid start and the FusionPath record."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .._estimator import PathResult
from ._kernels import _active_interval, span_minimum
from .refit import FusionData


def lf_max(data: FusionData) -> float:
    """``max_j -G_j(1, K_j)`` at ``beta = 0``: above it no single group lowers ``F``."""
    r = data.y - (data.y.mean() if data.fit_intercept else 0.0)
    best = 0.0
    for j in range(data.p):
        K = int(data.n_levels[j])
        S = np.bincount(data.codes[:, j], weights=r, minlength=K)
        a = data.counts[j] / (2.0 * data.n) + data.l2
        b = S / (2.0 * data.n)
        order = np.argsort(b / a, kind="mergesort")
        a, b = a[order], b[order]
        l = np.full(K, data.l0)
        forced = np.zeros(K, dtype=np.bool_)
        lo, hi = _active_interval(a, b, l, forced)
        g, _ = span_minimum(a, b, l, forced, lo, hi, 0, K - 1)
        best = max(best, -g)
    return best if best > 0 else 1.0


@dataclass
class FusionPath(PathResult):
    """Fits of :meth:`CategoricalFusionRegressor.path`.

    Attributes
    ----------
    lf : ndarray
        The grid (decreasing).
    results : list of SolveResult
    level_groups : list
        ``level_groups_`` of each fit.
    """

    model: object
    data: FusionData
    lf: np.ndarray
    results: list

    def estimator(self, i: int):
        """A fitted CategoricalFusionRegressor for grid point ``i``."""
        est = copy.deepcopy(self.model)
        est.set_params(lf=float(self.lf[i]))
        est._set_solution(self.data, self.results[i])
        return est

    @property
    def level_groups(self) -> list:
        return [self.estimator(i).level_groups_ for i in range(len(self.lf))]

    @property
    def n_groups(self) -> np.ndarray:
        """Total number of nonzero groups (distinct nonzero values) at each grid point."""
        return np.array([sum(len(g) - 1 for g in groups) for groups in self.level_groups])
