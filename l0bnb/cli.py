"""Command line: ``l0bnb demo`` and ``l0bnb solve data.csv --target y --k 10``."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def _demo(args) -> int:
    from .datasets import make_sparse_regression, preprocess_like_l0bnb1
    from .estimators.solve import solve_best_subset

    data = make_sparse_regression(
        n_samples=args.n, n_features=args.p, k=10, rho=0.1, snr=5.0, random_state=args.seed
    )
    X, y = preprocess_like_l0bnb1(data.X, data.y)
    print(
        f"Best-subset demo: n = {args.n}, p = {args.p}, 10 true nonzeros, "
        "columns and y scaled to unit norm.\n"
    )
    result = solve_best_subset(
        X, y, n_nonzero_coefs=10, l2=args.l2, time_limit=args.time_limit, verbose=True
    )
    found = np.flatnonzero(result.solution)
    hits = len(set(found) & set(data.support))
    print(f"\nSelected features: {found.tolist()}")
    print(f"True features recovered: {hits} of {data.support.size}")
    return 0 if result.solution is not None else 1


def _read_csv(path, target):
    with open(path) as handle:
        header = handle.readline().strip().split(",")
    if target not in header:
        raise SystemExit(f"error: column {target!r} not in {path} (columns: {header})")
    values = np.genfromtxt(path, delimiter=",", skip_header=1)
    values = np.atleast_2d(values)
    j = header.index(target)
    features = [name for name in header if name != target]
    return np.delete(values, j, axis=1), values[:, j], features


def _solve(args) -> int:
    from .estimators.subset import BestSubsetRegressor

    X, y, names = _read_csv(args.data, args.target)
    model = BestSubsetRegressor(
        n_nonzero_coefs=args.k,
        l0=args.l0,
        l2=args.l2,
        M=args.M,
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        verbose=not args.quiet,
    ).fit(X, y)
    res = model.result_
    out = {
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "n_nodes": res.n_nodes,
        "runtime": res.runtime,
        "intercept": model.intercept_,
        "coefficients": {names[i]: float(model.coef_[i]) for i in np.flatnonzero(model.coef_)},
    }
    text = json.dumps(out, indent=2)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


def main(argv=None) -> int:
    """Entry point of the ``l0bnb`` console script."""
    parser = argparse.ArgumentParser(prog="l0bnb", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="solve a built-in best-subset example with the log")
    demo.add_argument("--n", type=int, default=500)
    demo.add_argument("--p", type=int, default=2000)
    demo.add_argument("--l2", type=float, default=0.05)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--time-limit", type=float, default=120.0)
    demo.set_defaults(func=_demo)
    solve = sub.add_parser("solve", help="best subset on a CSV file (header row, numeric)")
    solve.add_argument("data")
    solve.add_argument("--target", required=True)
    solve.add_argument("--k", type=int, default=None, help="number of nonzeros")
    solve.add_argument("--l0", type=float, default=None, help="L0 penalty (instead of --k)")
    solve.add_argument("--l2", type=float, default=1e-2)
    solve.add_argument("--M", type=float, default=None)
    solve.add_argument("--time-limit", type=float, default=None)
    solve.add_argument("--gap-tol", type=float, default=1e-4)
    solve.add_argument("--output", default=None, help="write the JSON result here")
    solve.add_argument("--quiet", action="store_true")
    solve.set_defaults(func=_solve)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
