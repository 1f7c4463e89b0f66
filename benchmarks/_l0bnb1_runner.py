"""Run the public l0bnb 1.0.0 ``BNBTree`` on one benchmark instance; write JSON.

Usage: ``python _l0bnb1_runner.py CONFIG.json`` with the interpreter of the
``benchmarks/.venvs/l0bnb1`` virtual environment (l0bnb 1.0.0 shares the import name
``l0bnb`` with this package and needs numpy < 2, so it lives in its own environment).

l0bnb 1.0.0's signature (``l0bnb/tree.py``)::

    BNBTree(x, y, int_tol=1e-4, rel_tol=1e-4)
    BNBTree.solve(l0, l2, m, gap_tol=1e-2, warm_start=None, mu=0.95, branching="maxfrac",
                  l1solver="l1cd", number_of_dfs_levels=0, verbose=False, time_limit=3600,
                  cd_max_itr=1000, kkt_max_itr=100)
        -> Solution(cost, beta, sol_time, lower_bound, gap)

Its ``cost`` is ``lsq_linear(...).cost + l0 |S|`` on the augmented system
``[X_S; sqrt(2 l2) I]``, i.e. ``0.5 ||y - Xb||^2 + l2 ||b||^2 + l0 ||b||_0``, and its gap is
``(upper - lower) / |upper|``. The parent process re-checks both.
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import numpy as np


def _tiny_instance(seed=0, n=60, p=30, k=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:k] = 1.0
    y = X @ beta + 0.3 * rng.standard_normal(n)
    X = X - X.mean(axis=0)
    X /= np.linalg.norm(X, axis=0)
    y = y - y.mean()
    y /= np.linalg.norm(y)
    return X, y


def main(argv=None):
    """Entry point: ``python _l0bnb1_runner.py CONFIG.json``."""
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as fh:
        cfg = json.load(fh)
    out = {"solver": cfg["solver"]}
    try:
        from l0bnb import BNBTree

        data = np.load(cfg["instance"])
        X = np.ascontiguousarray(data["X"])
        y = np.ascontiguousarray(data["y"])
        warm_start = None
        if cfg.get("warm_start"):
            warm_start = np.load(cfg["warm_start"])["coef"]
        # Warm-up: compile the Numba kernels outside the timed region.
        Xw, yw = _tiny_instance()
        BNBTree(Xw, yw).solve(l0=0.02, l2=cfg["l2"], m=5.0, gap_tol=1e-4, time_limit=30)
        t0 = time.perf_counter()
        tree = BNBTree(X, y)
        sol = tree.solve(
            l0=cfg["l0"],
            l2=cfg["l2"],
            m=cfg["M"],
            gap_tol=cfg["gap_tol"],
            warm_start=warm_start,
            time_limit=cfg["time_limit"],
        )
        wall = time.perf_counter() - t0
        coef = np.asarray(sol.beta, dtype=float)
        idx = np.flatnonzero(coef)
        gap = float(sol.gap)
        cost = float(sol.cost)
        out.update(
            {
                "ok": True,
                "status": "gap_reached" if gap <= cfg["gap_tol"] else "time_limit",
                "reported_objective": cost,
                "bound": cost - gap * abs(cost),
                "gap": gap,
                "nodes": int(tree.number_of_nodes),
                "time": wall,
                "solver_runtime": float(sol.sol_time),
                "warm_started": warm_start is not None,
                "coef": {
                    "index": idx.tolist(),
                    "value": coef[idx].tolist(),
                    "n_features": int(coef.size),
                },
            }
        )
    except Exception as exc:  # reported to the parent, which records it in the table
        out["ok"] = False
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc()
    with open(cfg["output"], "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
