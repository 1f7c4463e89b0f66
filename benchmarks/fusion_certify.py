"""Benchmark: how large a categorical-fusion instance the exact solver certifies.

Usage::

    python benchmarks/fusion_certify.py --out benchmarks/results/fusion_certify.md
    python benchmarks/fusion_certify.py --quick   # K = 6 and 8, one seed, 60 s

For each number of levels per feature (2 categorical features, 3 true groups including
zero, 2 continuous features of which 1 is relevant, ``n`` training rows), ``lf`` is chosen
by 5-fold cross-validation exactly as in ``benchmarks/fusion.py`` and the branch-and-bound
solver then runs with a time limit. Reported per seed: status, final certified gap, the time
at which the gap first fell below 1 % and 0.1 % (from the solver log), total time and nodes.
``optimal`` means a certified relative gap of at most 1e-4 (the engine's default tolerance).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _table import emit  # noqa: E402 (benchmarks/ is on sys.path)
from fusion import choose_lf, instance  # noqa: E402

from l0bnb import CategoricalFusionRegressor  # noqa: E402


def run(levels, n, seed, time_limit):
    cfg = dict(n=n, n_categorical=2, n_levels=levels, n_groups=3, n_continuous=2)
    _, Xtr, ytr, _, _ = instance(cfg, seed)
    lf = choose_lf(Xtr, ytr)
    model = CategoricalFusionRegressor(lf=lf, solver="bnb", time_limit=time_limit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(Xtr, ytr)
    res = model.result_
    return dict(
        levels=levels, n=n, seed=seed, lf=lf, status=res.status, gap=float(res.gap),
        t1=res.time_to_gap(1e-2), t01=res.time_to_gap(1e-3), time=float(res.runtime),
        nodes=int(res.n_nodes),
        groups=[len(set(v.values())) for v in model.level_values_],
    )  # fmt: skip


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[6, 8, 10, 12])
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--out", default=None)
    parser.add_argument("--quick", action="store_true", help="K = 6 and 8, one seed, 60 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.levels, args.seeds, args.time_limit = [6, 8], 1, 60.0
    rows = []
    for levels in args.levels:
        for seed in range(args.seeds):
            row = run(levels, args.n, seed, args.time_limit)
            print(json.dumps(row), flush=True)
            rows.append(row)
    import sklearn

    import l0bnb

    cmd = "python benchmarks/fusion_certify.py " + " ".join(argv or sys.argv[1:])
    lines = [
        "# Categorical fusion: certified sizes",
        "",
        f"Command: `{cmd.strip()}`  ",
        f"Versions: l0bnb {l0bnb.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, Python {platform.python_version()}  ",
        "Machine: 2-core VM (other jobs may be running; times are indicative).  ",
        f"2 categorical features x K levels, n = {args.n}, lf by 5-fold CV, "
        f"time limit {args.time_limit:g} s.",
        "",
        "| K levels | seed | lf | status | final gap | t to 1 % (s) | t to 0.1 % (s) | time (s) "
        "| nodes | values per feature |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['levels']} | {r['seed']} | {r['lf']:.3g} | {r['status']} | {r['gap']:.2e} "
            f"| {fmt(r['t1'], '.2f')} | {fmt(r['t01'], '.2f')} | {r['time']:.1f} "
            f"| {r['nodes']} | {r['groups']} |"
        )
    emit(lines, args.out)


if __name__ == "__main__":
    main()
