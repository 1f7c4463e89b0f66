"""First use: cold (empty Numba cache) and warm first fit per estimator, and README timings.

    OPENBLAS_NUM_THREADS=1 python benchmarks/first_use.py [--repeats 3] [--out FILE]

Each measurement is a fresh interpreter that imports l0bnb and runs one fit, timed as a whole
process (what a user waits for). "cold" deletes the family's Numba cache first (as after an
install; the compile helper of ``l0bnb._first_use`` runs as it would for a user, set
``L0BNB_COMPILE_HELPER=0`` to measure without it); "warm" runs with the cache the cold run
left. The README rows run each ``python``
block of README.md as written, warm. Prints a Markdown table (medians over ``--repeats``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _table import emit, machine_line  # noqa: E402 (benchmarks/ is on sys.path)

ROOT = Path(__file__).resolve().parents[1]

FITS = {
    "best_subset": (
        "from l0bnb import BestSubsetRegressor\n"
        "from l0bnb.datasets import make_sparse_regression\n"
        "d = make_sparse_regression(n_samples=200, n_features=50, k=5, random_state=0)\n"
        "BestSubsetRegressor(n_nonzero_coefs=5).fit(d.X, d.y)\n"
    ),
    "graphl0": (
        "from l0bnb import GraphL0\n"
        "from l0bnb.datasets import make_graphical_instance\n"
        "d = make_graphical_instance(1000, 20, 'random', seed=0)\n"
        "GraphL0(l0=0.01, l2=0.05).fit(d.X)\n"
    ),
    "lts": (
        "from l0bnb import PenalizedLTSRegressor\n"
        "from l0bnb.datasets import make_lts_instance\n"
        "d = make_lts_instance(500, 5, contamination=0.2, seed=0)\n"
        "PenalizedLTSRegressor(trim_fraction=0.2, time_limit=10).fit(d.X, d.y)\n"
    ),
    "fusion": (
        "from l0bnb import CategoricalFusionRegressor\n"
        "from l0bnb.datasets import make_categorical_regression\n"
        "d = make_categorical_regression(n_samples=800, n_levels=8, n_continuous=2,"
        " random_state=0)\n"
        "CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)\n"
    ),
    "rules": (
        "from sklearn.ensemble import RandomForestRegressor\n"
        "from l0bnb import RuleExtractor\n"
        "from l0bnb.datasets import make_rule_regression\n"
        "d = make_rule_regression(n_samples=500, random_state=0)\n"
        "rf = RandomForestRegressor(n_estimators=10, max_depth=2, random_state=0)\n"
        "RuleExtractor(rf, n_rules=5).fit(d.X, d.y)\n"
    ),
}


def clear_cache(family: str) -> int:
    removed = 0
    for pattern in ("*.nbi", "*.nbc"):
        for path in (ROOT / "l0bnb" / family / "__pycache__").glob(pattern):
            path.unlink()
            removed += 1
    return removed


def run(code: str) -> float:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return elapsed


def readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--families", nargs="+", default=list(FITS))
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    lines = [
        machine_line(),
        f"command: python benchmarks/first_use.py --repeats {args.repeats}",
        "",
        "| estimator | cold first fit (s) | warm first fit (s) |",
        "|---|---:|---:|",
    ]
    for family in args.families:
        cold, warm = [], []
        for _ in range(args.repeats):
            clear_cache(family)
            cold.append(run(FITS[family]))
            warm.append(run(FITS[family]))
        lines.append(
            f"| {family} | {statistics.median(cold):.1f} | {statistics.median(warm):.1f} |"
        )
        print(lines[-1], flush=True)
    lines += ["", "| README example | warm (s) |", "|---|---:|"]
    for i, block in enumerate(readme_blocks()):
        times = [run(block) for _ in range(args.repeats)]
        first = block.strip().splitlines()[-1][:60]
        lines.append(f"| {i}: `{first}` | {statistics.median(times):.1f} |")
        print(lines[-1], flush=True)
    emit(lines, args.out)


if __name__ == "__main__":
    main()
