"""Time limits in every family: how far past its limit each fit returns.

    OPENBLAS_NUM_THREADS=1 python benchmarks/limits.py [--limits 2 10] [--out FILE]

Each row fits one estimator on an instance it cannot certify within the limit and measures
the wall time of ``fit`` (validation, heuristics, search and the result) against
``time_limit``. The target is to return within 2 % of the limit or 0.5 s, whichever is
larger. Kernels are compiled by a warm-up fit first, so compilation is not counted.
"""

from __future__ import annotations

import argparse
import time
import warnings

from _table import emit, machine_line  # noqa: E402 (benchmarks/ is on sys.path)
from sklearn.ensemble import RandomForestRegressor

from l0bnb import (
    BestSubsetRegressor,
    CategoricalFusionRegressor,
    GraphL0,
    PenalizedLTSRegressor,
    RuleExtractor,
)
from l0bnb.datasets import (
    make_categorical_regression,
    make_graphical_instance,
    make_lts_instance,
    make_rule_regression,
    make_sparse_regression,
)


def cases():
    """``(name, make_estimator(time_limit), fit_args)`` of instances that outlast the limit."""
    d = make_sparse_regression(n_samples=300, n_features=3000, k=15, snr=2.0, random_state=0)
    yield (
        "best_subset n=300 p=3000 k=15",
        lambda t: BestSubsetRegressor(n_nonzero_coefs=15, l2=1e-3, time_limit=t),
        (d.X, d.y),
    )
    g = make_graphical_instance(100, 200, "banded", seed=0)
    yield "graphl0 p=200 n=100", lambda t: GraphL0(l0=0.01, l2=0.01, time_limit=t), (g.X,)
    s = make_lts_instance(2000, 12, contamination=0.2, seed=0)
    yield (
        "lts n=2000 p=12",
        lambda t: PenalizedLTSRegressor(trim_fraction=0.2, time_limit=t),
        (s.X, s.y),
    )
    c = make_categorical_regression(
        n_samples=5000, n_categorical=1, n_levels=1000, random_state=0
    )
    yield (
        "fusion 1000 levels",
        lambda t: CategoricalFusionRegressor(l0=1e-3, time_limit=t),
        (c.X, c.y),
    )
    r = make_rule_regression(n_samples=1000, random_state=0)
    forest = RandomForestRegressor(n_estimators=50, max_depth=3, random_state=0)
    yield (
        "rules 50 trees depth 3",
        lambda t: RuleExtractor(forest, n_rules=10, time_limit=t),
        (r.X, r.y),
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=float, nargs="+", default=[2.0, 10.0])
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    lines = [
        machine_line(),
        "command: python benchmarks/limits.py --limits "
        + " ".join(f"{t:g}" for t in args.limits),
        "",
        "| instance | limit (s) | fit time (s) | overrun (s) | within target | status | gap |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    warnings.simplefilter("ignore")
    for name, make, fit_args in cases():
        make(0.5).fit(*fit_args)  # warm-up: compile the kernels outside the measurement
        for limit in args.limits:
            start = time.perf_counter()
            model = make(limit).fit(*fit_args)
            elapsed = time.perf_counter() - start
            over = elapsed - limit
            ok = over <= max(0.02 * limit, 0.5)
            res = model.result_
            lines.append(
                f"| {name} | {limit:g} | {elapsed:.2f} | {over:+.2f} | {'yes' if ok else 'NO'} "
                f"| {res.status} | {res.gap:.2%} |"
            )
            print(lines[-1], flush=True)
    emit(lines, args.out)


if __name__ == "__main__":
    main()
