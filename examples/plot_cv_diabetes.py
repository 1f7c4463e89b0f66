"""
Cross-validated best subset on the diabetes data
================================================

:class:`~l0bnb.BestSubsetRegressorCV` solves a best-subset path on every fold and keeps the
``l0`` (and ``l2``) with the smallest held-out error. Here on scikit-learn's diabetes data
(442 patients, 10 baseline variables), plotting the cross-validation curve per ``l2``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from l0bnb import BestSubsetRegressorCV

data = load_diabetes()
X = StandardScaler().fit_transform(data.data)
y = data.target
cv = BestSubsetRegressorCV(l2=[1.0, 30.0], max_nonzeros=10, cv=5).fit(X, y)

print(f"selected l0 = {cv.l0_:.4g}, l2 = {cv.l2_:g}, certificate: {cv.result_}")
print("features:", [name for name, on in zip(data.feature_names, cv.support_, strict=True) if on])

# %%
# Mean held-out squared error (with one standard error) along each path.
fig, ax = plt.subplots()
for l2, mse in cv.mse_path_.items():
    grid = cv.l0_grid_[l2]
    mean, se = mse.mean(axis=1), mse.std(axis=1) / np.sqrt(mse.shape[1])
    ax.errorbar(grid, mean, yerr=se, marker="o", capsize=2, label=f"l2 = {l2:g}")
ax.axvline(cv.l0_, color="k", linestyle=":", label="selected l0")
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel("l0 penalty (decreasing)")
ax.set_ylabel("held-out mean squared error")
ax.legend()
plt.show()
