"""Scaled data of a categorical-fusion instance, its objective and exact refits on partitions.

Shared by the BnB problem, the BCD heuristic, the Pyomo reference and brute force, so that
every solver evaluates one formula (section 2 of the fusion spec).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._kernels import fusion_objective


@dataclass
class FusionData:
    """One instance on the scaled scale (``(1/(2n)) ||y||^2 = 1/2`` for the empty model).

    Attributes
    ----------
    y : ndarray of shape (n,)
    codes : ndarray of shape (n, p), int64
        Level index of each row in each categorical feature (``0 .. K_j - 1``).
    n_levels : ndarray of shape (p,)
    Z : ndarray of shape (n, q)
        Scaled continuous features.
    fit_intercept : bool
    l0, lf, l2 : float
    """

    y: np.ndarray
    codes: np.ndarray
    n_levels: np.ndarray
    Z: np.ndarray
    fit_intercept: bool
    l0: float
    lf: float
    l2: float
    offsets: np.ndarray = field(init=False)
    counts: list = field(init=False)

    def __post_init__(self) -> None:
        self.y = np.ascontiguousarray(self.y, dtype=np.float64)
        self.codes = np.ascontiguousarray(self.codes, dtype=np.int64)
        self.Z = np.ascontiguousarray(self.Z, dtype=np.float64).reshape(self.y.size, -1)
        self.n_levels = np.asarray(self.n_levels, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.n_levels)]).astype(np.int64)
        self.counts = [
            np.bincount(self.codes[:, j], minlength=int(k)) for j, k in enumerate(self.n_levels)
        ]

    @property
    def n(self) -> int:
        return self.y.size

    @property
    def p(self) -> int:
        return self.codes.shape[1]

    @property
    def q(self) -> int:
        return self.Z.shape[1]

    @property
    def big_m(self) -> float:
        """Every coefficient of an optimal solution is at most this in absolute value."""
        return float(np.sqrt(0.5 * np.mean(self.y**2) / self.l2)) if self.l2 > 0 else np.inf

    def objective(self, solution) -> float:
        beta, theta, mu = solution
        return float(
            fusion_objective(
                self.y, self.codes, self.offsets, self.Z, np.asarray(beta, float),
                np.asarray(theta, float), float(mu), self.l0, self.lf, self.l2,
            )
        )  # fmt: skip

    def empty(self):
        """The model with every coefficient zero (intercept at its optimum)."""
        mu = float(self.y.mean()) if self.fit_intercept else 0.0
        return np.zeros(int(self.offsets[-1])), np.zeros(self.q), mu

    def split(self, beta: np.ndarray) -> list[np.ndarray]:
        return [beta[self.offsets[j] : self.offsets[j + 1]] for j in range(self.p)]


def labels_from_beta(values: np.ndarray) -> np.ndarray:
    """Group labels of one feature: 0 for zero levels, 1, 2, ... per distinct nonzero value."""
    labels = np.zeros(values.size, dtype=np.int64)
    nonzero = np.unique(values[values != 0.0])
    for g, v in enumerate(nonzero, start=1):
        labels[values == v] = g
    return labels


def partition_ridge(data: FusionData, labels: list[np.ndarray], support: np.ndarray):
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
    n = data.n
    cols, weights, where = [], [], []
    n_nonzero = 0
    for j in range(data.p):
        lab = labels[j]
        codes = data.codes[:, j]
        for g in range(1, int(lab.max(initial=0)) + 1):
            members = lab == g
            if not members.any():
                continue
            cols.append(members[codes].astype(np.float64))
            weights.append(data.l2 * members.sum())
            where.append((j, members))
            n_nonzero += int(members.sum())
    n_groups = len(cols)
    for k in np.flatnonzero(support):
        cols.append(data.Z[:, k])
        weights.append(data.l2)
        where.append((None, k))
        n_nonzero += 1
    y = data.y
    if cols:
        A = np.column_stack(cols)
        if data.fit_intercept:
            A_mean = A.mean(axis=0)
            Ac = A - A_mean
            yc = y - y.mean()
        else:
            A_mean = np.zeros(A.shape[1])
            Ac, yc = A, y
        H = Ac.T @ Ac / n + 2.0 * np.diag(weights)
        gamma = np.linalg.solve(H, Ac.T @ yc / n)
        mu = float(y.mean() - A_mean @ gamma) if data.fit_intercept else 0.0
        resid = y - mu - A @ gamma
    else:
        gamma = np.zeros(0)
        mu = float(y.mean()) if data.fit_intercept else 0.0
        resid = y - mu
    beta = np.zeros(int(data.offsets[-1]))
    theta = np.zeros(data.q)
    for value, (j, what) in zip(gamma, where, strict=False):
        if j is None:
            theta[what] = value
        else:
            beta[data.offsets[j] : data.offsets[j + 1]][what] = value
    counted = (
        float(resid @ resid) / (2 * n)
        + float(np.dot(weights, gamma**2))
        + data.l0 * n_nonzero
        + data.lf * n_groups
    )
    return (beta, theta, mu), counted
