"""Brute force for categorical fusion: every partition with a zero group, tiny instances only."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._data import FusionData
from .refit import partition_ridge


def zero_partitions(K: int):
    """Every assignment of ``K`` units to a zero group (label 0) and unlabelled groups.

    Nonzero groups are numbered 1, 2, ... in order of first appearance, so each partition
    with a distinguished (possibly empty) zero block appears exactly once: Bell(K + 1).
    """
    labels = np.zeros(K, dtype=np.int64)

    def rec(i: int, top: int):
        if i == K:
            yield labels.copy()
            return
        for g in range(top + 2):
            labels[i] = g
            yield from rec(i + 1, max(top, g))

    yield from rec(0, 0)


_PARTITIONS: dict[int, np.ndarray] = {}


def _partition_matrix(K: int) -> np.ndarray:
    if K not in _PARTITIONS:
        _PARTITIONS[K] = np.array(list(zero_partitions(K)), dtype=np.int64).reshape(-1, K)
    return _PARTITIONS[K]


def univariate_brute_force(a, b, l, forced, lf, omega=0):
    """Minimum of the univariate fusion problem over all partitions (closed form per group).

    Every nonzero group takes its own best value ``B / A`` (value ``L - B^2 / A``); forced
    units may not sit in the zero group. Vectorised over all Bell(K + 1) partitions.
    """
    a, b, l = (np.asarray(v, dtype=float) for v in (a, b, l))
    forced = np.asarray(forced, dtype=bool)
    K = a.size
    labels = _partition_matrix(K)
    value = np.zeros(len(labels))
    for g in range(1, K + 1):
        member = (labels == g).astype(float)
        A, B, L = member @ a, member @ b, member @ l
        used = A > 0
        value[used] += L[used] - B[used] ** 2 / A[used]
    value += lf * np.maximum(labels.max(axis=1), omega)
    value[((labels == 0) & forced).any(axis=1)] = math.inf
    i = int(np.argmin(value))
    c = np.zeros(K)
    for g in range(1, K + 1):
        m = labels[i] == g
        if m.any():
            c[m] = b[m].sum() / a[m].sum()
    return float(value[i]), c


def solve_fusion_brute_force(data: FusionData):
    """Exact optimum of a tiny instance: every partition of every feature, every support.

    Returns ``(objective, solution)``. The minimum over closures of the patterns equals the
    infimum over the patterns themselves, so ``min counted`` is the optimum.
    """
    per_feature = [list(zero_partitions(int(k))) for k in data.n_levels]
    supports = (
        [np.ones(data.q, dtype=bool)]
        if data.l0 == 0
        else [np.array(s, dtype=bool) for s in itertools.product([0, 1], repeat=data.q)]
    )
    best, best_sol = math.inf, None
    for labels in itertools.product(*per_feature):
        for support in supports:
            sol, counted = partition_ridge(data, list(labels), support)
            value = min(counted, data.objective(sol))
            if value < best:
                best, best_sol = value, sol
    return best, best_sol
