"""Small rule-selection instances shared by the rules tests."""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from l0bnb.rules._harvest import harvest
from l0bnb.rules._problem import RuleProblem
from l0bnb.rules.reference import _Pool


def random_tree(rng, max_depth):
    """Random binary tree (children after parents): returns ``left, right`` arrays."""
    left, right = [-1], [-1]
    depth = [0]
    v = 0
    while v < len(left):
        if depth[v] < max_depth and rng.random() < 0.7:
            left[v], right[v] = len(left), len(left) + 1
            for _ in range(2):
                left.append(-1)
                right.append(-1)
                depth.append(depth[v] + 1)
        v += 1
    return np.array(left), np.array(right)


def forest_problem(
    seed=0, n=120, n_trees=3, depth=2, k=None, l0=0.01, dp=0.0, fit_intercept=True, l2=1e-2
):
    """A RuleProblem from a small random forest on a rule-structured response."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 5))
    y = 1.5 * (X[:, 0] > 0.5) - 2.0 * (X[:, 1] < 0.3) * (X[:, 2] > 0.4) + rng.normal(size=n)
    rf = RandomForestRegressor(n_estimators=n_trees, max_depth=depth, random_state=seed)
    pool = harvest(rf.fit(X, y))
    indptr, indices = pool.membership(X)
    count = np.diff(indptr)
    candidate = count > 0
    if fit_intercept:
        candidate &= count < n
        y = (y - y.mean()) / y.std()
    else:
        y = y / np.sqrt(np.mean(y**2))
    cost = np.where(candidate, l0 + dp * pool.depths(), 0.0)
    args = (indptr, indices, pool.left, pool.right, pool.tree_start, candidate, cost, y, l2)
    problem = RuleProblem(*args, k=k, fit_intercept=fit_intercept)
    return problem, args


def restricted_optimum(args, k, fit_intercept, state):
    """Brute-force optimum over antichains consistent with a node state (-1/0/1)."""
    import itertools

    pool = _Pool(*args, k, fit_intercept)
    ones = set(np.flatnonzero(state == 1).tolist())
    zeros = set(np.flatnonzero(state == 0).tolist())
    per_tree = [pool.antichains(int(s)) for s in pool.tree_start[:-1]]
    best = np.inf
    for combo in itertools.product(*per_tree):
        support = sum(combo, [])
        if k is not None and len(support) > k:
            continue
        chosen = set(support)
        if not ones <= chosen or chosen & zeros:
            continue
        best = min(best, pool.refit(support)[0])
    return best
