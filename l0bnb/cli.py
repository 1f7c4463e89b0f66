"""Command line: ``l0bnb demo``, ``l0bnb models`` and ``l0bnb solve data.csv --target y --k 10``.

``l0bnb solve`` fits one of the models of :data:`MODELS` (``--model``, default
``best_subset``) on a CSV file, prints the solver log and writes the certificate and the
fitted model as JSON (``--output``, or standard output). A new estimator joins the command
line with one :class:`ModelSpec` entry in :data:`MODELS`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModelSpec:
    """How ``l0bnb solve --model NAME`` builds, fits and reports one estimator.

    Parameters
    ----------
    help : str
        One line shown by ``l0bnb models`` and ``l0bnb solve --help``.
    add_arguments : callable
        ``add_arguments(parser)`` adds the model's options to the ``solve`` parser (the
        common ones, ``data``, ``--target``, ``--time-limit``, ``--gap-tol``,
        ``--max-nodes``, ``--output`` and ``--quiet``, are already there).
    build : callable
        ``build(args) -> estimator``: an unfitted estimator from the parsed options. Common
        options are ``args.time_limit``, ``args.gap_tol``, ``args.max_nodes`` and
        ``args.verbose``.
    describe : callable
        ``describe(estimator, feature_names) -> dict``: the fitted model as JSON-able data
        (coefficients by feature name, a precision matrix, rules ...).
    needs_target : bool, default=True
        Whether ``--target`` is required (``False`` for unsupervised models such as a
        precision matrix: ``fit(X)``).
    numeric_only : bool, default=True
        Whether every feature column must be numeric (``False`` passes the columns that are
        not as strings, for categorical models).
    as_frame : bool, default=False
        Fit on a pandas DataFrame (column names kept, numeric columns as floats, the others
        as strings) instead of an array: for estimators that find categorical columns by
        dtype.
    """

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace], object]
    describe: Callable[[object, list], dict]
    needs_target: bool = True
    numeric_only: bool = True
    as_frame: bool = False


# --------------------------------------------------------------------------- best subset


def _best_subset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--k", type=int, default=None, help="number of nonzeros")
    parser.add_argument("--l0", type=float, default=None, help="L0 penalty (instead of --k)")
    parser.add_argument("--l2", type=float, default=1e-2, help="ridge penalty (default 0.01)")
    parser.add_argument("--M", type=float, default=None, help="box (default: certified)")


def _best_subset_build(args):
    from .best_subset._estimator import BestSubsetRegressor

    return BestSubsetRegressor(
        n_nonzero_coefs=args.k,
        l0=args.l0,
        l2=args.l2,
        M=args.M,
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        max_nodes=args.max_nodes,
        verbose=args.verbose,
    )


def _linear_describe(model, names):
    nonzero = np.flatnonzero(model.coef_)
    return {
        "intercept": float(model.intercept_),
        "n_nonzeros": int(nonzero.size),
        "coefficients": {names[i]: float(model.coef_[i]) for i in nonzero},
    }


# --------------------------------------------------------------------------- GraphL0


def _graph_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--l0", type=float, default=None, help="edge price (default log(n)/n)")
    parser.add_argument("--l2", type=float, default=1e-2, help="ridge penalty (default 0.01)")
    parser.add_argument("--M", type=float, default=None, help="box on off-diagonal entries")
    parser.add_argument(
        "--heuristic", action="store_true", help="heuristic plus root bound only (large p)"
    )


def _graph_build(args):
    from .graphl0._estimator import GraphL0

    return GraphL0(
        l0=args.l0,
        l2=args.l2,
        M=args.M,
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        max_nodes=args.max_nodes,
        solver="heuristic" if args.heuristic else "bnb",
        verbose=args.verbose,
    )


def _graph_describe(model, names):
    rows, cols = np.nonzero(np.triu(model.precision_, 1))
    return {
        "n_edges": int(model.n_edges_),
        "edges": [
            {"from": names[i], "to": names[j], "precision": float(model.precision_[i, j])}
            for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
        ],
        "diagonal": {
            name: float(v) for name, v in zip(names, np.diag(model.precision_), strict=True)
        },
    }


# --------------------------------------------------------------------------- LTS, fusion, rules


def _lts_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trim-fraction", type=float, default=None, help="share of outliers")
    parser.add_argument("--n-inliers", type=int, default=None, help="h (default (n+p+1)/2)")
    parser.add_argument("--l2", type=float, default=0.0, help="ridge penalty (default 0)")
    parser.add_argument("--heuristic", action="store_true", help="FAST-LTS + swaps only")


def _lts_build(args):
    from .lts._estimator import PenalizedLTSRegressor

    return PenalizedLTSRegressor(
        n_inliers=args.n_inliers,
        trim_fraction=args.trim_fraction,
        l2=args.l2,
        solver="heuristic" if args.heuristic else "bnb",
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        max_nodes=args.max_nodes,
        verbose=args.verbose,
    )


def _lts_describe(model, names):
    out = _linear_describe(model, names)
    out["outlier_rows"] = np.flatnonzero(~model.inlier_mask_).tolist()
    return out


def _fusion_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lf", type=float, default=0.01, help="fusion penalty (default 0.01)")
    parser.add_argument("--l0", type=float, default=0.0, help="sparsity penalty (default 0)")
    parser.add_argument("--l2", type=float, default=1e-3, help="ridge penalty (default 1e-3)")
    parser.add_argument("--bcd", action="store_true", help="fast block coordinate descent")


def _fusion_build(args):
    from .fusion._estimator import CategoricalFusionRegressor

    return CategoricalFusionRegressor(
        lf=args.lf,
        l0=args.l0,
        l2=args.l2,
        solver="bcd" if args.bcd else "bnb",
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        max_nodes=args.max_nodes,
        verbose=args.verbose,
    )


def _fusion_describe(model, names):
    out = {"intercept": float(model.intercept_), "features": {}}
    for k, i in enumerate(model.categorical_features_):
        groups = model.level_groups_[k]
        values = model.level_values_[k]
        out["features"][names[i]] = [
            {"levels": [str(v) for v in group], "value": float(values[group[0]])}
            for group in groups
        ]
    for k, i in enumerate(model.continuous_features_):
        out["features"][names[i]] = float(model.coef_[k])
    return out


def _rules_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-rules", type=int, default=10, help="number of rules (default 10)")
    parser.add_argument("--l2", type=float, default=None, help="ridge penalty (default: by CV)")
    parser.add_argument(
        "--depth-penalty", type=float, default=None, help="cost per condition (default: by CV)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the default forest")


def _rules_build(args):
    from .rules._estimator import RuleExtractor

    return RuleExtractor(
        n_rules=args.n_rules,
        l2=args.l2,
        depth_penalty=args.depth_penalty,
        time_limit=args.time_limit,
        gap_tol=args.gap_tol,
        max_nodes=args.max_nodes,
        verbose=args.verbose,
        random_state=args.seed,
    )


def _rules_describe(model, names):
    return {
        "intercept": float(model.intercept_),
        "rules": [
            {"rule": rule.text, "weight": float(rule.coef), "support": float(rule.support)}
            for rule in model.rules_
        ],
    }


#: The models of ``l0bnb solve --model NAME``. Add an estimator with one entry.
MODELS: dict[str, ModelSpec] = {
    "best_subset": ModelSpec(
        help="L0L2 best-subset regression (BestSubsetRegressor): --k or --l0, --l2, --M",
        add_arguments=_best_subset_arguments,
        build=_best_subset_build,
        describe=_linear_describe,
    ),
    "graphl0": ModelSpec(
        help="sparse precision matrix / graph (GraphL0): --l0, --l2, --M, --heuristic",
        add_arguments=_graph_arguments,
        build=_graph_build,
        describe=_graph_describe,
        needs_target=False,
    ),
    "lts": ModelSpec(
        help="penalized least trimmed squares (PenalizedLTSRegressor): --trim-fraction, --l2",
        add_arguments=_lts_arguments,
        build=_lts_build,
        describe=_lts_describe,
    ),
    "fusion": ModelSpec(
        help="categorical fusion (CategoricalFusionRegressor): --lf, --l0, --l2, --bcd",
        add_arguments=_fusion_arguments,
        build=_fusion_build,
        describe=_fusion_describe,
        numeric_only=False,
        as_frame=True,
    ),
    "rules": ModelSpec(
        help="rule extraction from a random forest (RuleExtractor): --n-rules, --l2",
        add_arguments=_rules_arguments,
        build=_rules_build,
        describe=_rules_describe,
        as_frame=True,
    ),
}

DEFAULT_MODEL = "best_subset"


# --------------------------------------------------------------------------- data


def read_csv(path: str, target: str | None, numeric_only: bool = True):
    """Read a CSV with a header row into ``(X, y, feature_names)``.

    Numeric columns become floats. With ``numeric_only`` a column that is not numeric is an
    error; otherwise ``X`` is an object array whose non-numeric columns hold strings.

    Raises
    ------
    ValueError
        Missing file content, repeated column names, unknown target, ragged rows,
        non-numeric values where numbers are required, or empty cells.
    """
    with open(path, newline="") as handle:
        rows = [row for row in csv.reader(handle) if row]
    if len(rows) < 2:
        raise ValueError(f"{path} needs a header row and at least one data row.")
    header = [name.strip() for name in rows[0]]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ValueError(
            f"{path} repeats column name(s) {repeated}: every column needs its own name."
        )
    if target is not None and target not in header:
        raise ValueError(f"column {target!r} not in {path} (columns: {header}).")
    body = rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"{path}, line {line}: {len(row)} fields, header has {len(header)}.")
    columns = {}
    for j, name in enumerate(header):
        cells = [row[j].strip() for row in body]
        if any(cell == "" for cell in cells):
            raise ValueError(f"column {name!r} of {path} has empty cells.")
        try:
            columns[name] = np.array([float(cell) for cell in cells])
        except ValueError:
            if numeric_only or name == target:
                raise ValueError(f"column {name!r} of {path} is not numeric.") from None
            columns[name] = np.array(cells, dtype=object)
    y = None if target is None else columns.pop(target)
    names = list(columns)
    if not names:
        raise ValueError(f"{path} has no feature columns besides the target.")
    numeric = all(col.dtype != object for col in columns.values())
    X = np.column_stack(list(columns.values())).astype(np.float64 if numeric else object)
    return X, y, names


def _jsonable(obj):
    """Numbers, arrays and non-finite floats as strict JSON (``inf`` becomes ``"inf"``)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        obj = float(obj)
        return obj if math.isfinite(obj) else str(obj)
    return obj


def certificate(result) -> dict:
    """The JSON form of a :class:`~l0bnb.SolveResult` (without the solution)."""
    return {
        "solver": result.solver,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "n_nodes": result.n_nodes,
        "runtime": result.runtime,
    }


# --------------------------------------------------------------------------- commands


def _demo(args) -> int:
    from .best_subset._solve import solve_best_subset
    from .datasets import make_sparse_regression, preprocess_like_l0bnb1

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


def _models(args) -> int:
    width = max(len(name) for name in MODELS)
    for name, spec in MODELS.items():
        print(f"{name:<{width}}  {spec.help}")
    return 0


def _solve(args) -> int:
    spec = MODELS[args.model]
    if spec.needs_target and args.target is None:
        raise ValueError(f"model {args.model!r} needs --target COLUMN.")
    X, y, names = read_csv(args.data, args.target, spec.numeric_only)
    args.verbose = not args.quiet
    model = spec.build(args)
    if spec.as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=names).infer_objects()
    if y is None:
        model.fit(X)
    else:
        model.fit(X, y)
    out = {
        "model": args.model,
        "estimator": type(model).__name__,
        "data": args.data,
        "target": args.target,
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "certificate": certificate(model.result_),
        **spec.describe(model, names),
        "log": model.result_.log,
    }
    text = json.dumps(_jsonable(out), indent=2)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text + "\n")
        if not args.quiet:
            print(f"\nwrote {args.output}")
    else:
        print(text)
    return 0


def _solve_parser(sub, model: str) -> argparse.ArgumentParser:
    solve = sub.add_parser(
        "solve",
        help="fit a model on a CSV file (header row), print the log, write JSON",
        description="Fit a model on a CSV file. Models (--model): "
        + "; ".join(f"{name}: {spec.help}" for name, spec in MODELS.items()),
    )
    solve.add_argument("data", help="CSV file with a header row")
    solve.add_argument("--model", choices=sorted(MODELS), default=DEFAULT_MODEL)
    solve.add_argument("--target", default=None, help="name of the response column")
    solve.add_argument("--time-limit", type=float, default=None, help="seconds")
    solve.add_argument("--gap-tol", type=float, default=1e-4, help="relative gap (1e-4)")
    solve.add_argument("--max-nodes", type=int, default=None)
    solve.add_argument("--output", default=None, help="write the JSON result here")
    solve.add_argument("--quiet", action="store_true", help="no solver log")
    if model in MODELS:
        MODELS[model].add_arguments(solve)
    solve.set_defaults(func=_solve)
    return solve


def _chosen_model(argv: list[str]) -> str:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--model", default=DEFAULT_MODEL)
    known, _ = pre.parse_known_args(argv)
    return known.model


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``l0bnb`` parser; ``solve`` carries the options of the model named in ``argv``."""
    parser = argparse.ArgumentParser(prog="l0bnb", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="solve a built-in best-subset example with the log")
    demo.add_argument("--n", type=int, default=500)
    demo.add_argument("--p", type=int, default=2000)
    demo.add_argument("--l2", type=float, default=0.05)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--time-limit", type=float, default=120.0)
    demo.set_defaults(func=_demo)
    models = sub.add_parser("models", help="list the models of 'l0bnb solve --model'")
    models.set_defaults(func=_models)
    _solve_parser(sub, _chosen_model(list(argv or [])))
    return parser


def main(argv=None) -> int:
    """Entry point of the ``l0bnb`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
