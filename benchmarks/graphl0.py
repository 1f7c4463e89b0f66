"""GraphL0 benchmark: certificates (time, gap, nodes) and graph recovery against peers.

For each instance (graph type, p, n) the same standardised data go to:

- l0bnb GraphL0 (``l0`` chosen by ``GraphL0CV`` in heuristic mode unless ``--l0``;
  ``l2 = --l2``), then branch and bound at that ``l0`` with a time limit: time to a 1 %
  gap, final gap, nodes, edges, MCC, relative Frobenius error;
- scikit-learn ``GraphicalLassoCV`` (its own CV choice of alpha);
- scikit-learn ``GraphicalLasso`` at the sparsity GraphL0 chose (alpha by bisection to the
  same number of edges), which compares how well each ranks edges;
- SCIP on the reference model (``--scip-max-p``, small p only), time-limited, its gap.

A second table reproduces the published baseline setting (``l0 = l2 = 0.05``, ``n = 10 p``).
``--gap-table graph,p,n,l0,l2,limit ...`` instead prints certificates only (root bound, final
bound and gap, nodes, and how far past its limit each fit returned); ``l0`` may be
``default`` (``log(n) / n``). ``--root-table graph,p,n,l0,l2 ...`` prints the root bound
for each curvature diagonal the relaxation can use. Run
``python benchmarks/graphl0.py --help``; ``--quick`` is the configuration in the docs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    import l0bnb
except ImportError:  # running from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import l0bnb

from _table import emit  # noqa: E402 (benchmarks/ is on sys.path)
from sklearn.covariance import GraphicalLasso, GraphicalLassoCV

from l0bnb import GraphL0CV, solve_graphical
from l0bnb.datasets import graph_recovery_scores, make_graphical_instance

PEER_TOL = 1e-8  # entries below this (relative to the largest diagonal) count as zero


def standardized(X: np.ndarray) -> np.ndarray:
    X = X - X.mean(axis=0)
    return X / X.std(axis=0)


def glasso_at_edges(X: np.ndarray, n_edges: int, truth: np.ndarray) -> dict:
    """GraphicalLasso with alpha bisected (on a log scale) to give ``n_edges`` edges."""
    S = np.cov(X, rowvar=False, bias=True)
    lo, hi = 1e-4, float(np.max(np.abs(S - np.diag(np.diag(S))))) * 1.01
    best = None
    start = time.perf_counter()
    for _ in range(25):
        alpha = np.sqrt(lo * hi)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = GraphicalLasso(alpha=alpha, max_iter=200).fit(X)
            except FloatingPointError:
                lo = alpha
                continue
        scores = graph_recovery_scores(model.precision_, truth, PEER_TOL)
        if best is None or abs(scores["n_edges"] - n_edges) < abs(best["n_edges"] - n_edges):
            best = scores
        if scores["n_edges"] == n_edges:
            break
        if scores["n_edges"] > n_edges:
            lo = alpha
        else:
            hi = alpha
    best["time"] = time.perf_counter() - start
    return best


def glasso_cv(X: np.ndarray, truth: np.ndarray) -> dict:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GraphicalLassoCV(max_iter=200).fit(X)
    scores = graph_recovery_scores(model.precision_, truth, PEER_TOL)
    scores["time"] = time.perf_counter() - start
    return scores


def run_instance(graph, p, n, l0, l2, time_limit, seed, scip_max_p, cond=2.0):
    data = make_graphical_instance(n, p, graph, cond=cond, seed=seed)
    X = standardized(data.X)
    cv_time = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if l0 is None:
            # The price is chosen by held-out pseudo-likelihood with the fast heuristic
            # (GraphL0CV, solver="heuristic"), then solved to a certificate.
            start = time.perf_counter()
            l0 = GraphL0CV(n_l0=8, l2=l2, solver="heuristic", time_limit=10).fit(X).l0_
            cv_time = time.perf_counter() - start
        result = solve_graphical(X, l0, l2, time_limit=time_limit)
    ours = graph_recovery_scores(result.solution, data.precision)
    row = {
        "graph": graph,
        "p": p,
        "n": n,
        "l0": l0,
        "cv_time": cv_time,
        "true_edges": int(np.count_nonzero(np.triu(data.precision, 1))),
        "status": result.status,
        "time_1pct": result.time_to_gap(1e-2),
        "gap": result.gap,
        "abs_gap": result.objective - result.bound,
        "time": result.runtime,
        "nodes": result.n_nodes,
        "ours": ours,
        "glasso_matched": glasso_at_edges(X, ours["n_edges"], data.precision),
        "glasso_cv": glasso_cv(X, data.precision),
        "scip": None,
    }
    if p <= scip_max_p:
        try:
            scip = solve_graphical(X, l0, l2, solver="scip", time_limit=time_limit)
            row["scip"] = {"gap": scip.gap, "time": scip.runtime, "status": scip.status}
        except Exception as exc:  # report, do not hide, a peer that fails
            row["scip"] = {"error": f"{type(exc).__name__}: {exc}"[:80]}
    return row


def _f(x, spec):
    return "-" if x is None else format(x, spec)


def render(rows, baseline, args, command) -> str:
    import numba
    import scipy
    import sklearn

    chosen = "3-fold GraphL0CV, heuristic mode, 8 values" if args.l0 is None else args.l0
    lines = [
        "# GraphL0 benchmark",
        "",
        f"- Command: `{command}`",
        f"- Date: {datetime.date.today()}; machine: {os.cpu_count()} CPUs, {platform.platform()}",
        f"- Versions: l0bnb {l0bnb.__version__}, numpy {np.__version__}, "
        f"numba {numba.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}",
        f"- Data: `make_graphical_instance` (cond {args.cond:g}, normalised), columns "
        "standardised; "
        f"l2 = {args.l2}, l0 = {chosen}; "
        f"time limit {args.time_limit:g} s per GraphL0 / SCIP run; seed {args.seed}.",
        "- MCC/F1 over pairs i<j; Frob = relative Frobenius error. glasso@k: GraphicalLasso "
        "with alpha bisected to GraphL0's edge count; glassoCV: GraphicalLassoCV's choice "
        f"(peer zeros: |entry| <= {PEER_TOL:g} max diag).",
        "",
        "| graph | p | n | l0 | edges true / ours | t(1%) s | final gap | abs gap | nodes | "
        "MCC ours | MCC glasso@k | MCC glassoCV (edges) | Frob ours | Frob glasso@k | "
        "Frob glassoCV | SCIP gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        scip = r["scip"]
        if scip is None:
            scip_text = "-"
        elif "error" in scip:
            scip_text = scip["error"]
        else:
            scip_text = f"{100 * scip['gap']:.1f}% ({scip['time']:.0f} s)"
        o, m, c = r["ours"], r["glasso_matched"], r["glasso_cv"]
        lines.append(
            f"| {r['graph']} | {r['p']} | {r['n']} | {r['l0']:.3g} | "
            f"{r['true_edges']} / {o['n_edges']} | "
            f"{_f(r['time_1pct'], '.2f')} | {100 * r['gap']:.2f}% | {r['abs_gap']:.3g} | "
            f"{r['nodes']} | {o['mcc']:.3f} | {m['mcc']:.3f} | {c['mcc']:.3f} "
            f"({c['n_edges']}) | {o['frobenius']:.3f} | {m['frobenius']:.3f} | "
            f"{c['frobenius']:.3f} | {scip_text} |"
        )
    lines += _verdict(rows)
    if baseline:
        lines += [
            "",
            "## Published baseline setting (l0 = l2 = 0.05, n = 10 p, random graph)",
            "",
            "| p | time limit s | t(1%) s | final gap | nodes | status |",
            "|---|---|---|---|---|---|",
        ]
        for r in baseline:
            lines.append(
                f"| {r['p']} | {r['limit']:g} | {_f(r['time_1pct'], '.2f')} | "
                f"{100 * r['gap']:.2f}% | {r['nodes']} | {r['status']} |"
            )
    return "\n".join(lines) + "\n"


def _verdict(rows) -> list[str]:
    """Where GraphL0 wins and where it does not, instance by instance, per metric."""
    if not rows:
        return []
    lines = ["", "## Where GraphL0 wins (per instance; MCC higher, Frobenius lower)", ""]
    for label, peer in (("glassoCV", "glasso_cv"), ("glasso@k", "glasso_matched")):
        for metric, sign in (("mcc", 1.0), ("frobenius", -1.0)):
            margins = [sign * (r["ours"][metric] - r[peer][metric]) for r in rows]
            names = [f"{r['graph']} p={r['p']} n={r['n']}" for r in rows]
            wins = [k for k, m in zip(names, margins, strict=True) if m > 1e-9]
            losses = [k for k, m in zip(names, margins, strict=True) if m < -1e-9]
            ties = len(rows) - len(wins) - len(losses)
            lines.append(
                f"- {metric} vs {label}: wins {len(wins)}, ties {ties}, losses {len(losses)}"
                + (f" (wins: {', '.join(wins)})" if wins else "")
            )
    return lines


def run_baseline(p, limit, seed):
    data = make_graphical_instance(10 * p, p, "random", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = solve_graphical(standardized(data.X), 0.05, 0.05, time_limit=limit)
    return {
        "p": p,
        "limit": limit,
        "time_1pct": result.time_to_gap(1e-2),
        "gap": result.gap,
        "nodes": result.n_nodes,
        "status": result.status,
    }


def gap_table(configs: list[str]) -> str:
    """Certificates at given (graph, p, n, l0, l2, limit): root bound, bound, gap, overrun."""
    from l0bnb.graphl0._problem import GraphL0Problem

    lines = [
        "| graph | p | n | l0 | l2 | limit s | runtime s | past limit s | root bound | bound "
        "| objective | gap | nodes | edges |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    relax = GraphL0Problem.relax
    for config in configs:
        graph, p, n, l0, l2, limit = config.split(",")
        p, n, limit = int(p), int(n), float(limit)
        X = standardized(make_graphical_instance(n, p, graph, seed=0).X)
        roots = []

        def recording(self, node, cutoff, deadline, roots=roots):
            relaxation = relax(self, node, cutoff, deadline)
            if node.depth == 0 and not roots:
                roots.append(relaxation.bound)
            return relaxation

        GraphL0Problem.relax = recording
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = solve_graphical(
                    X, None if l0 == "default" else float(l0), float(l2), time_limit=limit
                )
        finally:
            GraphL0Problem.relax = relax
        edges = int(np.count_nonzero(np.triu(r.solution, 1)))
        lines.append(
            f"| {graph} | {p} | {n} | {r.info['l0']:.4g} | {l2} | {limit:g} | "
            f"{r.runtime:.2f} | {r.runtime - limit:+.2f} | {roots[0]:.6g} | {r.bound:.6g} | "
            f"{r.objective:.6g} | {100 * r.gap:.2f}% | {r.n_nodes} | {edges} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


def root_table(configs: list[str]) -> str:
    """Root bound of the hull relaxation for each choice of the curvature diagonal D.

    The root is solved to convergence (no time limit) against the heuristic's objective;
    ``D = 0`` is the plain perspective relaxation, ``uniform`` the shift by lambda_min(S),
    ``balanced`` the default (approximately max sum(log D) with S - diag(D) PSD).
    """
    from l0bnb.graphl0._curvature import balanced_shift, uniform_shift
    from l0bnb.graphl0._problem import GraphL0Problem

    lines = [
        "| graph | p | n | l0 | l2 | D | mean D | objective | root bound | root gap | root s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config in configs:
        graph, p, n, l0, l2 = config.split(",")
        p, n, l2 = int(p), int(n), float(l2)
        l0 = float(np.log(n) / n) if l0 == "default" else float(l0)
        X = standardized(make_graphical_instance(n, p, graph, seed=0).X)
        S = X.T @ X / n
        for name, D in (
            ("0", np.zeros(p)),
            ("uniform", uniform_shift(S)),
            ("balanced", balanced_shift(S)),
        ):
            problem = GraphL0Problem(S, l0, l2, np.inf)
            problem._D = D
            objective, _ = problem.initial_incumbent(np.inf)
            started = time.perf_counter()
            bound = problem.relax(problem.root(), objective, np.inf).bound
            seconds = time.perf_counter() - started
            gap = (objective - bound) / abs(objective)
            lines.append(
                f"| {graph} | {p} | {n} | {l0:.4g} | {l2} | {name} | {D.mean():.4f} | "
                f"{objective:.6g} | {bound:.6g} | {100 * gap:.2f}% | {seconds:.2f} |"
            )
            print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="p in {20, 50, 100}, 30 s limit")
    parser.add_argument("--p", type=int, nargs="+", default=[20, 50, 100, 200, 500, 1000])
    parser.add_argument("--graphs", nargs="+", default=["banded", "random"])
    parser.add_argument(
        "--n-ratios", type=float, nargs="+", default=[0.5, 1.0, 2.0], help="n = ratio * p"
    )
    parser.add_argument("--cond", type=float, default=2.0, help="condition number of Theta*")
    parser.add_argument("--l0", type=float, default=None)
    parser.add_argument("--l2", type=float, default=0.05)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--baseline-p", type=int, nargs="*", default=[20, 50, 100])
    parser.add_argument("--scip-max-p", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--gap-table",
        nargs="+",
        default=None,
        metavar="GRAPH,P,N,L0,L2,LIMIT",
        help="only certificates and time-limit overruns at these settings",
    )
    parser.add_argument(
        "--root-table",
        nargs="+",
        default=None,
        metavar="GRAPH,P,N,L0,L2",
        help="only root bounds for each curvature diagonal D (0, uniform, balanced)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.p = [20, 50, 100]
        args.time_limit = 30.0
        args.n_ratios = [2.0]
        args.baseline_p = [20, 50]
    return args


def main(argv=None):
    args = parse_args(argv)
    command = "python benchmarks/graphl0.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.gap_table or args.root_table:
        table = gap_table(args.gap_table) if args.gap_table else root_table(args.root_table)
        text = f"- Command: `{command}`\n\n" + table
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
        return
    rows = []
    for graph in args.graphs:
        for p in args.p:
            for ratio in args.n_ratios:
                n = max(2, int(round(ratio * p)))
                row = run_instance(
                    graph,
                    p,
                    n,
                    args.l0,
                    args.l2,
                    args.time_limit,
                    args.seed,
                    args.scip_max_p,
                    args.cond,
                )
                rows.append(row)
                print(
                    f"{graph} p={p} n={n}: gap {100 * row['gap']:.2f}% "
                    f"mcc {row['ours']['mcc']:.3f}",
                    flush=True,
                )
    baseline = [run_baseline(p, args.time_limit, args.seed) for p in args.baseline_p]
    text = render(rows, baseline, args, command)
    emit(text, args.out)


if __name__ == "__main__":
    main()
