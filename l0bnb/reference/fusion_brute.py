"""Brute force for categorical fusion: every partition with a zero group, tiny instances only."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..problems.fusion_data import FusionData, partition_ridge


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


def univariate_brute_force(a, b, l, forced, lf, omega=0):
    """Minimum of the univariate fusion problem over all partitions (closed form per group)."""
    K = len(a)
    best, best_c = math.inf, None
    for lab in zero_partitions(K):
        if np.any(forced & (lab == 0)):
            continue
        value, c = 0.0, np.zeros(K)
        n_groups = int(lab.max(initial=0))
        for g in range(1, n_groups + 1):
            m = lab == g
            A, B = a[m].sum(), b[m].sum()
            value += l[m].sum() - B * B / A
            c[m] = B / A
        value += lf * max(n_groups, omega)
        if value < best:
            best, best_c = value, c
    return best, best_c


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
