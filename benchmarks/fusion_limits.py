"""Benchmark: how far past its time limit a CategoricalFusionRegressor fit returns.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/fusion_limits.py --limit 2 \
        --out benchmarks/results/fusion_limits.md

One fit per size (``make_categorical_regression`` with one categorical feature of ``K``
levels, or three features of ``K`` levels with ``--features 3``, ``n = 5 K`` rows, three true
groups) with ``time_limit=--limit``. Reported: wall time of ``fit`` (validation and encoding
included), overrun over the limit in seconds and percent, status, gap and nodes. A warm-up fit
compiles the kernels first so compilation is not counted. Timings depend on the machine's
load (printed with the table).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from l0bnb import CategoricalFusionRegressor  # noqa: E402
from l0bnb.datasets import make_categorical_regression  # noqa: E402


def run(sizes, features, limit, seed, l0=0.0):
    warm = make_categorical_regression(n_samples=200, n_categorical=1, n_levels=6,
                                       random_state=seed)  # fmt: skip
    CategoricalFusionRegressor(max_nodes=5).fit(warm.X, warm.y)
    rows = []
    for K in sizes:
        d = make_categorical_regression(
            n_samples=5 * K, n_categorical=features, n_levels=K, n_groups=3, snr=4.0,
            random_state=seed,
        )  # fmt: skip
        model = CategoricalFusionRegressor(time_limit=limit, l0=l0)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(d.X, d.y)
        wall = time.perf_counter() - t0
        r = model.result_
        rows.append((K, wall, wall - limit, 100 * (wall - limit) / limit, r.status, r.gap,
                     r.n_nodes))  # fmt: skip
        print(f"K={K:5d} wall {wall:8.2f}s overrun {wall - limit:+7.2f}s "
              f"({100 * (wall - limit) / limit:+6.1f}%) {r.status} gap {r.gap:.3g} "
              f"nodes {r.n_nodes}", flush=True)  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 400, 1000])
    parser.add_argument("--features", type=int, default=1)
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--l0", type=float, default=0.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = run(args.sizes, args.features, args.limit, args.seed, args.l0)
    lines = [
        f"# Fusion time-limit overrun (limit {args.limit:g} s, {args.features} categorical "
        f"feature(s), n = 5 K, l0 = {args.l0:g})",
        "",
        f"Command: `OPENBLAS_NUM_THREADS=1 python benchmarks/fusion_limits.py --limit "
        f"{args.limit:g} --features {args.features} --l0 {args.l0:g} --sizes "
        f"{' '.join(map(str, args.sizes))}`",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f} at the end (timings are noisy under load).",
        "",
        "| levels K | wall s | overrun s | overrun % | status | gap | nodes |",
        "|---:|---:|---:|---:|---|---:|---:|",
    ]
    for K, wall, over, pct, status, gap, nodes in rows:
        lines.append(f"| {K} | {wall:.2f} | {over:+.2f} | {pct:+.1f} | {status} | {gap:.3g} "
                     f"| {nodes} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
