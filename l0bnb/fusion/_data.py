"""Scaled data of a categorical-fusion instance and its objective.

Shared by the BnB problem, the BCD heuristic, the Pyomo reference and brute force, so that
every solver evaluates one formula (section 2 of the fusion spec); plain numpy (no kernels),
so the ground truth can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .refit import objective_value


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
        return objective_value(self, solution)

    def empty(self):
        """The model with every coefficient zero (intercept at its optimum)."""
        mu = float(self.y.mean()) if self.fit_intercept else 0.0
        return np.zeros(int(self.offsets[-1])), np.zeros(self.q), mu

    def split(self, beta: np.ndarray) -> list[np.ndarray]:
        return [beta[self.offsets[j] : self.offsets[j + 1]] for j in range(self.p)]
