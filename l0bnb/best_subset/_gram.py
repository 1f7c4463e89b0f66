"""A growing cache of Gram entries ``X_i^T X_j`` for the columns that were ever active."""

from __future__ import annotations

import numpy as np


class GramCache:
    """Gram matrix of a pool of columns, grown as columns become active.

    Node relaxations of best subset revisit the same few hundred columns; computing their
    inner products once lets coordinate descent update gradients in ``O(|A|)`` per step.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), Fortran-ordered
    max_columns : int
        Capacity of the pool; :meth:`block` returns ``None`` once it would be exceeded.
    """

    def __init__(self, X: np.ndarray, max_columns: int = 3000):
        self.X = X
        self.max_columns = int(min(max_columns, X.shape[1]))
        self.position = np.full(X.shape[1], -1, dtype=np.int64)
        self.pool = np.empty(0, dtype=np.int64)
        self.gram = np.empty((0, 0))

    def _add(self, new: np.ndarray) -> None:
        size, m = self.pool.size, new.size
        capacity = self.gram.shape[0]
        if size + m > capacity:
            grown = np.empty((min(max(2 * capacity, size + m, 64), self.max_columns),) * 2)
            grown[:size, :size] = self.gram[:size, :size]
            self.gram = grown
        X_new = self.X[:, new]
        cross = X_new.T @ self.X[:, self.pool] if size else np.empty((m, 0))
        self.gram[size : size + m, :size] = cross
        self.gram[:size, size : size + m] = cross.T
        self.gram[size : size + m, size : size + m] = X_new.T @ X_new
        self.position[new] = np.arange(size, size + m)
        self.pool = np.concatenate([self.pool, new])

    def positions(self, columns: np.ndarray) -> np.ndarray | None:
        """Pool positions of ``columns`` (added if needed), or ``None`` on overflow.

        ``gram[positions[i], positions[j]] = X[:, columns[i]] @ X[:, columns[j]]``.
        """
        new = columns[self.position[columns] < 0]
        if new.size:
            if self.pool.size + new.size > self.max_columns:
                return None
            self._add(new)
        return self.position[columns]
