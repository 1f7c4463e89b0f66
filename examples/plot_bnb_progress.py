"""
Watching a branch-and-bound search close its gap
================================================

Every :class:`~l0bnb.SolveResult` carries the records of its solver log. Plot the incumbent
(upper bound) and the best bound against time: the search stops when they meet.
"""

import os

import matplotlib.pyplot as plt

from l0bnb import solve_best_subset
from l0bnb.datasets import make_sparse_regression, preprocess_like_l0bnb1
from l0bnb.plotting import plot_progress

small = os.environ.get("L0BNB_SMALL") == "1"
k, p, snr = (7, 60, 3.0) if small else (6, 80, 2.0)  # a few seconds either way
data = make_sparse_regression(n_samples=100, n_features=p, k=k, rho=0.3, snr=snr, random_state=1)
X, y = preprocess_like_l0bnb1(data.X, data.y)
result = solve_best_subset(X, y, n_nonzero_coefs=k, l2=0.02, time_limit=30, verbose=True)
print(result)

# %%
# Stars mark new incumbents; the dotted curve (right axis) is the relative gap.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_progress(result, x="time", ax=axes[0])
plot_progress(result, x="nodes", ax=axes[1])
fig.tight_layout()
plt.show()
