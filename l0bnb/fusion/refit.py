"""Exact refits of categorical fusion on fixed level groups, and the objective, in plain numpy.

Shared by the engine (BCD, branch and bound, the estimator) and the ground truth (Pyomo
reference, brute force). Nothing here calls a compiled kernel, so the ground truth cannot
inherit a kernel bug. Designs are never formed densely: a column is a group of levels, so its
Gram matrix is a cross-tabulation of the rows' group indices (``O(n p^2 + G^2)`` instead of
``O(n G^2)``), which keeps refits on hundreds of groups fast.
"""

from __future__ import annotations

import numpy as np


def labels_from_beta(values: np.ndarray) -> np.ndarray:
    """Group labels of one feature: 0 for zero levels, 1, 2, ... per distinct nonzero value."""
    values = np.asarray(values, dtype=np.float64)
    labels = np.zeros(values.size, dtype=np.int64)
    nonzero = values != 0.0
    if nonzero.any():
        _, inverse = np.unique(values[nonzero], return_inverse=True)
        labels[nonzero] = inverse + 1
    return labels


def objective_value(data, solution) -> float:
    """``F`` of section 2 of the fusion spec at ``solution = (beta, theta, mu)`` (scaled data)."""
    beta, theta, mu = solution
    beta = np.asarray(beta, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    r = data.y - float(mu) - data.Z @ theta
    for j in range(data.p):
        r = r - beta[data.offsets[j] + data.codes[:, j]]
    distinct = sum(
        np.unique(b[b != 0.0]).size
        for b in (beta[data.offsets[j] : data.offsets[j + 1]] for j in range(data.p))
    )
    return float(
        r @ r / (2 * data.n)
        + data.l2 * (beta @ beta + theta @ theta)
        + data.l0 * (np.count_nonzero(beta) + np.count_nonzero(theta))
        + data.lf * distinct
    )


def gram(row_groups: list, n_cols: list, Z: np.ndarray, y: np.ndarray):
    """``A'A``, ``A'y`` and column sums of ``A = [one-hot(row_groups[0]), ..., Z]``.

    ``row_groups[j][i]`` is the column (``0 .. n_cols[j] - 1``) of row ``i`` in block ``j``, or
    -1 when the row has no column there.
    """
    sizes = list(n_cols) + [Z.shape[1]]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    P = int(starts[-1])
    AtA = np.zeros((P, P))
    Aty = np.zeros(P)
    colsum = np.zeros(P)
    rows = [g >= 0 for g in row_groups]
    for j, (g, G) in enumerate(zip(row_groups, n_cols, strict=True)):
        sj = slice(starts[j], starts[j + 1])
        gj = g[rows[j]]
        counts = np.bincount(gj, minlength=G).astype(np.float64)
        colsum[sj] = counts
        AtA[sj, sj] = np.diag(counts)
        Aty[sj] = np.bincount(gj, weights=y[rows[j]], minlength=G)
        for k in range(j + 1, len(row_groups)):
            both = rows[j] & rows[k]
            Gk = n_cols[k]
            cross = np.bincount(g[both] * Gk + row_groups[k][both], minlength=G * Gk)
            block = cross.reshape(G, Gk).astype(np.float64)
            sk = slice(starts[k], starts[k + 1])
            AtA[sj, sk] = block
            AtA[sk, sj] = block.T
        if Z.shape[1]:
            zs = slice(starts[-2], starts[-1])
            block = np.column_stack(
                [np.bincount(gj, weights=Z[rows[j], t], minlength=G) for t in range(Z.shape[1])]
            )
            AtA[sj, zs] = block
            AtA[zs, sj] = block.T
    if Z.shape[1]:
        zs = slice(starts[-2], starts[-1])
        AtA[zs, zs] = Z.T @ Z
        Aty[zs] = Z.T @ y
        colsum[zs] = Z.sum(axis=0)
    return AtA, Aty, colsum


def _group_design(data, labels, support):
    """Row group indices per feature, column sizes (levels per group) and kept Z columns."""
    row_groups, n_cols, sizes = [], [], []
    for j in range(data.p):
        lab = np.asarray(labels[j], dtype=np.int64)
        used = np.unique(lab[lab > 0])
        index = np.full(int(lab.max(initial=0)) + 1, -1, dtype=np.int64)
        index[used] = np.arange(used.size)
        row_groups.append(index[lab][data.codes[:, j]])
        n_cols.append(used.size)
        sizes.extend(np.bincount(index[lab][lab > 0], minlength=used.size).tolist())
    keep = np.flatnonzero(np.asarray(support, dtype=bool))
    return row_groups, n_cols, np.asarray(sizes, dtype=np.float64), keep


def _fit(data, labels, support, l2: float):
    """Values of the groups and kept continuous features minimising loss + ``l2`` ridge."""
    n, y = data.n, data.y
    row_groups, n_cols, sizes, keep = _group_design(data, labels, support)
    Zk = data.Z[:, keep]
    AtA, Aty, colsum = gram(row_groups, n_cols, Zk, y)
    weights = l2 * np.concatenate([sizes, np.ones(keep.size)])
    if data.fit_intercept:
        mean = colsum / n
        H = AtA / n - np.outer(mean, mean)
        rhs = Aty / n - mean * y.mean()
    else:
        mean = np.zeros(colsum.size)
        H, rhs = AtA / n, Aty / n
    if l2 > 0:
        gamma = np.linalg.solve(H + 2.0 * np.diag(weights), rhs) if H.size else np.zeros(0)
    else:
        # Groups that cover every row duplicate the intercept: any least-squares solution
        # predicts the same, lstsq takes the one of least norm.
        gamma = np.linalg.lstsq(H, rhs, rcond=None)[0] if H.size else np.zeros(0)
    mu = float(y.mean() - mean @ gamma) if data.fit_intercept else 0.0
    beta = np.zeros(int(data.offsets[-1]))
    start = 0
    for j in range(data.p):
        lab = np.asarray(labels[j], dtype=np.int64)
        values = np.concatenate([[0.0], gamma[start : start + n_cols[j]]])
        used = np.unique(lab[lab > 0])
        index = np.zeros(int(lab.max(initial=0)) + 1, dtype=np.int64)
        index[used] = np.arange(1, used.size + 1)
        # One float per group, so fused levels are bit-identical.
        beta[data.offsets[j] : data.offsets[j + 1]] = values[index[lab]]
        start += n_cols[j]
    theta = np.zeros(data.q)
    theta[keep] = gamma[start:]
    return (beta, theta, mu), gamma, weights, int(sizes.sum()) + keep.size, sizes.size


def partition_ridge(data, labels: list, support: np.ndarray):
    """Exact best values for fixed level groups and continuous support.

    ``labels[j][k]`` is the group of level ``k`` (0: the zero group); ``support`` masks the
    continuous features allowed nonzero. Each nonzero group gets one value ``c`` (ridge cost
    ``l2 |g| c^2``); the intercept is free.

    Returns
    -------
    solution : tuple (beta, theta, mu)
        Fused levels hold bit-identical values.
    counted : float
        The objective with every group and every supported feature counted as nonzero
        (``>= objective(solution)``; equal unless a value came out exactly 0 or two groups
        tied); the exact minimum of ``F`` over the closure of that pattern.
    """
    solution, gamma, weights, n_nonzero, n_groups = _fit(data, labels, support, data.l2)
    beta, theta, mu = solution
    r = data.y - mu - data.Z @ theta
    for j in range(data.p):
        r = r - beta[data.offsets[j] + data.codes[:, j]]
    counted = (
        float(r @ r) / (2 * data.n)
        + float(np.dot(weights, gamma**2))
        + data.l0 * n_nonzero
        + data.lf * n_groups
    )
    return solution, counted


def partition_least_squares(data, labels: list, support: np.ndarray):
    """Unpenalised least squares on fixed level groups and continuous support.

    The penalties chose the structure; this gives its values without their shrinkage (each
    group one value, the zero group at 0, the intercept free). Returns ``(beta, theta, mu)``.
    """
    return _fit(data, labels, support, 0.0)[0]
