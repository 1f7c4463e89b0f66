"""Seeded Gaussian graphical model instances and graph-recovery metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GraphicalData:
    """A sample from a Gaussian graphical model.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows drawn i.i.d. from N(0, inv(precision)).
    precision : ndarray of shape (n_features, n_features)
        The true precision matrix Theta*.
    """

    X: np.ndarray
    precision: np.ndarray

    @property
    def support(self) -> np.ndarray:
        """Boolean matrix of the true edges (off-diagonal nonzeros)."""
        support = self.precision != 0
        np.fill_diagonal(support, False)
        return support


def _pattern(p: int, graph: str, rng, degree: float, edge_probability, rho: float, bandwidth):
    B = np.zeros((p, p))
    if graph == "random":
        q = edge_probability if edge_probability is not None else min(1.0, degree / (p - 1))
        if not 0 <= q <= 1:
            raise ValueError(f"edge_probability must be in [0, 1], got {q}.")
        upper = np.triu(rng.random((p, p)) < q, 1)
        B[upper] = 0.5
        return B + B.T
    if graph == "banded":
        if bandwidth < 1:
            raise ValueError(f"bandwidth must be at least 1, got {bandwidth}.")
        for k in range(1, min(bandwidth, p - 1) + 1):
            idx = np.arange(p - k)
            B[idx, idx + k] = rho**k
            B[idx + k, idx] = rho**k
        return B
    raise ValueError(f"graph must be 'random' or 'banded', got {graph!r}.")


def make_graphical_instance(
    n_samples: int,
    n_features: int,
    graph: str = "random",
    *,
    cond: float = 2.0,
    degree: float = 3.0,
    edge_probability: float | None = None,
    rho: float = 0.5,
    bandwidth: int = 5,
    normalize: bool = True,
    seed=None,
) -> GraphicalData:
    """Draw a Gaussian sample whose precision matrix has a known sparse graph.

    Parameters
    ----------
    n_samples : int
        Number of rows ``n``.
    n_features : int
        Number of variables ``p >= 2``.
    graph : {"random", "banded"}, default="random"
        ``"random"``: each pair is an edge with probability ``degree / (p - 1)`` (or
        ``edge_probability``), weight 0.5. ``"banded"``: ``B_ij = rho^|i-j|`` for
        ``1 <= |i-j| <= bandwidth`` (bandwidth 1 is a chain).
    cond : float, default=2.0
        Condition number of the precision matrix: ``Theta* = B + delta I`` with ``delta``
        chosen so that ``cond(Theta*) = cond``.
    degree : float, default=3.0
        Expected degree of the random graph.
    edge_probability : float, optional
        Edge probability of the random graph (overrides ``degree``).
    rho : float, default=0.5
        Decay of the banded graph's weights.
    bandwidth : int, default=5
        Band width of the banded graph.
    normalize : bool, default=True
        Rescale ``Theta*`` so that the largest variance ``max_i Sigma_ii`` is 1.
    seed : int, Generator or None, default=None
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    GraphicalData
        ``X`` and the true ``precision``.

    Examples
    --------
    >>> from l0bnb.datasets import make_graphical_instance
    >>> data = make_graphical_instance(200, 10, "banded", bandwidth=1, seed=0)
    >>> data.X.shape, int(data.support.sum()) // 2
    ((200, 10), 9)
    """
    if n_features < 2 or n_samples < 2:
        raise ValueError(f"Need n_samples >= 2 and n_features >= 2, got {n_samples, n_features}.")
    if not cond > 1:
        raise ValueError(f"cond must be greater than 1, got {cond}.")
    rng = np.random.default_rng(seed)
    B = _pattern(n_features, graph, rng, degree, edge_probability, rho, bandwidth)
    eig = np.linalg.eigvalsh(B)
    if np.allclose(B, 0):
        precision = np.eye(n_features)
    else:
        delta = (eig[-1] - cond * eig[0]) / (cond - 1.0)
        precision = B + delta * np.eye(n_features)
    if normalize:
        precision = precision * np.max(np.diag(np.linalg.inv(precision)))
    covariance = np.linalg.inv(precision)
    chol = np.linalg.cholesky((covariance + covariance.T) / 2)
    X = rng.standard_normal((n_samples, n_features)) @ chol.T
    return GraphicalData(X=X, precision=precision)


def graph_recovery_scores(estimate: np.ndarray, truth: np.ndarray, tol: float = 0.0) -> dict:
    """Edge-recovery and estimation scores of a precision matrix estimate.

    Parameters
    ----------
    estimate, truth : ndarray of shape (p, p)
        Estimated and true precision matrices.
    tol : float, default=0.0
        Entries with ``|estimate_ij| <= tol * max_i estimate_ii`` count as absent (use a
        small positive value, e.g. 1e-8, for estimators without exact zeros).

    Returns
    -------
    dict
        ``tp, fp, fn, tn`` over pairs ``i < j``, ``f1``, ``mcc``, ``n_edges`` and
        ``frobenius`` (relative Frobenius error ``||estimate - truth||_F / ||truth||_F``).
    """
    p = truth.shape[0]
    upper = np.triu_indices(p, 1)
    cut = tol * float(np.max(np.diag(estimate)))
    found = np.abs(estimate[upper]) > cut
    real = truth[upper] != 0
    tp = int(np.sum(found & real))
    fp = int(np.sum(found & ~real))
    fn = int(np.sum(~found & real))
    tn = int(np.sum(~found & ~real))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    denom = np.sqrt(float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = (tp * tn - fp * fn) / denom if denom > 0 else 0.0
    frobenius = np.linalg.norm(estimate - truth) / np.linalg.norm(truth)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "f1": float(f1),
        "mcc": float(mcc),
        "n_edges": int(found.sum()),
        "frobenius": float(frobenius),
    }
