"""
Drawing a precision matrix as a graph
=====================================

:func:`l0bnb.plotting.plot_precision_graph` draws the conditional-independence graph of any
precision matrix: nodes on a circle, an edge where the partial correlation is nonzero. Here
the inverse of a sample covariance (dense, noisy) next to the true sparse chain it estimates;
a sparse estimator such as an L0-penalized precision matrix recovers the sparse picture.
"""

import matplotlib.pyplot as plt
import numpy as np

from l0bnb.plotting import plot_precision_graph

p = 8
theta = np.eye(p) + np.diag(np.full(p - 1, -0.45), 1) + np.diag(np.full(p - 1, -0.45), -1)
rng = np.random.default_rng(0)
samples = rng.multivariate_normal(np.zeros(p), np.linalg.inv(theta), size=400)
empirical = np.linalg.inv(np.cov(samples, rowvar=False))

fig, axes = plt.subplots(1, 2, figsize=(10, 5))
plot_precision_graph(theta, ax=axes[0])
axes[0].set_title("true precision: a chain")
plot_precision_graph(empirical, threshold=0.05, ax=axes[1])
axes[1].set_title("inverse sample covariance, |partial corr.| > 0.05")
plt.show()
