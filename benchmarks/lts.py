"""Penalised LTS benchmark: l0bnb BnB vs FAST-LTS, Huber, RANSAC, Theil-Sen and SCIP.

Every method sees the same contaminated instance (``l0bnb.datasets.make_lts_instance``) and
is scored the same way: coefficient error ``||b - b*||``, outlier precision / recall of the
points it flags (RANSAC: its ``inlier_mask_``; the others: the ``n - h`` largest absolute
residuals, with ``h`` the trimming of the LTS fit), the LTS objective of its fit (same ``h``)
and wall-clock time. l0bnb also reports its certified gap, time to a 1 % gap and nodes.

Usage::

    python benchmarks/lts.py --quick --out benchmarks/results/lts_quick.md
    python benchmarks/lts.py --out benchmarks/results/lts.md   # n up to 10^4, p up to 20
    python benchmarks/lts.py --ladder --out benchmarks/results/lts_ladder.md  # issue 16

``--fixed-inliers`` measures, on the ladder's instances, how the pattern relaxation's node
bound grows with the number of true inliers fixed at a node (research log, docs/lts_research.md).

``--ladder`` runs the research ladder of beyond-p-7 certification (n = 1000 / 5000, p = 10 / 20;
20 % vertical outliers and 30 % bad-leverage clusters; intercept; l2 = 0 and l2 = 1e-3 n;
h = n - number of outliers) and reports, per run, the root gap, the final gap, nodes and the
time to a 1 % gap.

Timings on a shared machine are inflated; the markdown records the command and versions.
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

REPO_ROOT = Path(__file__).resolve().parent.parent
try:  # run from a checkout without installing
    import l0bnb  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT))

from _table import emit  # noqa: E402 (benchmarks/ is on sys.path)

from l0bnb import solve_lts  # noqa: E402
from l0bnb.datasets import make_lts_instance  # noqa: E402
from l0bnb.lts.reference import lts_objective, solve_lts_reference  # noqa: E402

FULL = dict(n=(500, 1000, 5000, 10000), p=(5, 10, 20), time_limit=60.0)
QUICK = dict(n=(500, 1000), p=(5,), time_limit=20.0)
CASES = (("vertical", 0.2), ("bad_leverage", 0.3))
HEADLINE = dict(n=5000, p=20, outlier_type="bad_leverage", contamination=0.3)
SCIP_SIZES = ((30, 2),)


def flagged_from_residuals(r, h):
    out = np.zeros(r.size, dtype=bool)
    out[np.argsort(np.abs(r), kind="stable")[h:]] = True
    return out


def score(name, d, coef, intercept, flagged, h, seconds, extra=None):
    tp = int(np.sum(flagged & d.outliers))
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / max(int(d.outliers.sum()), 1)
    theta = np.r_[intercept, coef]
    row = dict(
        method=name,
        coef_err=float(np.linalg.norm(coef - d.coef)),
        precision=precision,
        recall=recall,
        lts_obj=lts_objective(d.X, d.y, theta, h=h),
        time=seconds,
    )
    row.update(extra or {})
    return row


def time_to_gap(result, target):
    if not result.log:
        return None
    offset = result.runtime - result.log[-1]["time"]
    for rec in result.log:
        if rec["gap"] <= target:
            return offset + rec["time"]
    return None


def run_l0bnb(d, h, time_limit, solver):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_lts(d.X, d.y, n_inliers=h, solver=solver, time_limit=time_limit, gap_tol=1e-4)
    seconds = time.perf_counter() - t
    theta = res.solution
    flagged = ~res.info["inlier_mask"]
    name = "l0bnb BnB" if solver == "bnb" else "l0bnb FAST-LTS+swaps"
    extra = {"status": res.status}
    if solver == "bnb":
        t1 = time_to_gap(res, 0.01)
        extra = dict(
            gap=res.gap,
            nodes=res.n_nodes,
            status=res.status,
            t_1pct=t1,
            t_opt=seconds if res.status == "optimal" else None,
        )
    return score(name, d, theta[1:], theta[0], flagged, h, seconds, extra)


def run_sklearn(d, h, which):
    from sklearn.linear_model import HuberRegressor, RANSACRegressor, TheilSenRegressor

    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if which == "Huber":
            m = HuberRegressor(max_iter=1000).fit(d.X, d.y)
        elif which == "RANSAC":
            m = RANSACRegressor(random_state=0).fit(d.X, d.y)
        else:
            m = TheilSenRegressor(random_state=0, max_subpopulation=2000).fit(d.X, d.y)
    seconds = time.perf_counter() - t
    if which == "RANSAC":
        est = m.estimator_
        coef, intercept, flagged = est.coef_, est.intercept_, ~m.inlier_mask_
    else:
        coef, intercept = m.coef_, m.intercept_
        flagged = flagged_from_residuals(d.y - d.X @ coef - intercept, h)
    return score(f"sklearn {which}", d, coef, intercept, flagged, h, seconds)


def run_scip(d, h, time_limit, box):
    t = time.perf_counter()
    res = solve_lts_reference(
        d.X, d.y, h=h, box=box, solver="scip", time_limit=time_limit, gap_tol=1e-4
    )
    seconds = time.perf_counter() - t
    theta = res.solution
    flagged = flagged_from_residuals(d.y - d.X @ theta[1:] - theta[0], h)
    return score(
        "SCIP (big-M, pyomo)",
        d,
        theta[1:],
        theta[0],
        flagged,
        h,
        seconds,
        dict(gap=res.gap, status=res.status),
    )


def instance_rows(n, p, kind, contamination, time_limit, seed=0, with_scip=False):
    d = make_lts_instance(n, p, contamination=contamination, outlier_type=kind, seed=seed)
    h = n - int(d.outliers.sum())
    rows = [run_l0bnb(d, h, time_limit, "bnb"), run_l0bnb(d, h, time_limit, "heuristic")]
    for which in ("Huber", "RANSAC", "TheilSen"):
        rows.append(run_sklearn(d, h, which))
    if with_scip:
        bnb = solve_lts(d.X, d.y, n_inliers=h, solver="heuristic")
        rows.append(run_scip(d, h, time_limit, bnb.info["coef_bound"]))
    for r in rows:
        r.update(n=n, p=p, kind=f"{kind} {int(round(100 * contamination))}%", h=h)
    return rows


LADDER = ((1000, 10), (5000, 10), (5000, 20))


def root_gap(result):
    """Gap after the first node (the root relaxation), in the log's records."""
    for rec in result.log:
        if rec.get("nodes", 0) >= 1:
            return rec["gap"]
    return None


def ladder_rows(time_limit, rungs=LADDER, solver="bnb"):
    rows = []
    for n, p in rungs:
        for kind, eps in CASES:
            d = make_lts_instance(n, p, contamination=eps, outlier_type=kind, seed=0)
            h = n - int(d.outliers.sum())
            for l2 in (0.0, 1e-3 * n):
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = solve_lts(
                        d.X, d.y, n_inliers=h, l2=l2, solver=solver, time_limit=time_limit
                    )
                row = dict(
                    n=n,
                    p=p,
                    kind=f"{kind} {int(round(100 * eps))}%",
                    l2=l2,
                    search=res.info.get("search", solver),
                    status=res.status,
                    root_gap=root_gap(res),
                    gap=res.gap,
                    nodes=res.n_nodes,
                    t_1pct=res.time_to_gap(0.01),
                    time=time.perf_counter() - t,
                    objective=res.objective,
                    coef_err=float(np.linalg.norm(res.solution[1:] - d.coef)),
                )
                rows.append(row)
                print(ladder_table(rows[-1:]), flush=True)
    return rows


def fixed_inlier_rows(rungs=LADDER, l2_per_n=1e-3, seed=0):
    """Node bound of the pattern relaxation with m random inliers of the incumbent fixed.

    The node contains the incumbent, so its optimum is at most UB; the RSS of the fixed
    points (exact refit) is a trivial bound of the node. Free points' radii M_i come from
    the ellipsoid of the fixed points (curvature from the fixed points).
    """
    from l0bnb.engine.nodes import Node
    from l0bnb.lts import _kernels as K
    from l0bnb.lts._pattern_problem import TrimmedProblem
    from l0bnb.lts._solve import data_scales
    from l0bnb.lts.refit import subset_fit

    rows = []
    for n, p in rungs:
        for kind, eps in CASES:
            d = make_lts_instance(n, p, contamination=eps, outlier_type=kind, seed=0)
            h = n - int(d.outliers.sum())
            sx, sy = data_scales(d.X, d.y, True)
            X, y, l2 = d.X / sx, d.y / sy, l2_per_n * n / sx**2
            heur = solve_lts(X, y, n_inliers=h, l2=l2, solver="heuristic")
            ub, theta = heur.objective, heur.solution
            prob = TrimmedProblem(X, y, h=h, l2=l2, start=(ub, theta))
            prob.initial_incumbent(float("inf"))
            inliers = np.flatnonzero(heur.info["inlier_mask"])
            rng = np.random.default_rng(seed)
            for m in (0, p + 1, 5 * (p + 1), 10 * (p + 1), 30 * (p + 1), h // 2):
                state = np.full(n, K.FREE, dtype=np.int8)
                state[rng.choice(inliers, m, replace=False)] = K.INLIER
                fixed = state == K.INLIER
                t = time.perf_counter()
                node = Node(bound=-np.inf, depth=int(m > 0), state=state, warm=None)
                rel = prob.relax(node, ub, float("inf"))
                radii = prob._node_radii(prob._effective_types(state)[0])
                rss, slope = 0.0, None
                if m:
                    fit, rss = subset_fit(X, y, np.flatnonzero(fixed), l2=l2)
                    # Supergradient of the budget Lagrangian at eta = 0 (at the fixed points'
                    # fit): sum over free points of z_i = |r_i| / M_i, minus the budget.
                    r = np.abs(y - fit[0] - X @ fit[1:])
                    slope = float((r[~fixed] / radii[~fixed]).sum()) - (n - h)
                rows.append(
                    dict(
                        n=n,
                        p=p,
                        kind=f"{kind} {int(round(100 * eps))}%",
                        m=m,
                        bound=rel.bound / ub,
                        rss=rss / ub,
                        radius=float(np.median(radii[~fixed]) * sy),
                        slope=slope,
                        sigma=float(np.sqrt(ub / h) * sy),
                        time=time.perf_counter() - t,
                    )
                )
                print(fixed_inlier_table(rows[-1:]), flush=True)
    return rows


def fixed_inlier_table(rows):
    lines = [
        "| n | p | outliers | fixed inliers m | node bound / UB | RSS of fixed / UB "
        "| median M_i (free) | sqrt(UB / h) | slope at eta = 0 | time (s) |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['p']} | {r['kind']} | {r['m']} | {r['bound']:.4f} | "
            f"{r['rss']:.4f} | {r['radius']:.3g} | {r['sigma']:.3g} | {fmt(r['slope'], '.1f')} | "
            f"{r['time']:.2f} |"
        )
    return "\n".join(lines)


def ladder_table(rows):
    lines = [
        "| n | p | outliers | l2 | search | status | root gap | gap | nodes | t 1% (s) "
        "| time (s) | LTS obj | coef err |",
        "|" + "---|" * 13,
    ]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['p']} | {r['kind']} | {r['l2']:g} | {r['search']} | "
            f"{r['status']} | {fmt(r['root_gap'], '.2%')} | {r['gap']:.2%} | {r['nodes']} | "
            f"{fmt(r['t_1pct'], '.1f')} | {r['time']:.1f} | {r['objective']:.6g} | "
            f"{r['coef_err']:.3f} |"
        )
    return "\n".join(lines)


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def table(rows):
    head = (
        "| n | p | outliers | h | method | status | gap | t 1% (s) | t opt (s) | time (s) "
        "| nodes | LTS obj | coef err | prec | rec |"
    )
    lines = [head, "|" + "---|" * 15]
    for r in rows:
        lines.append(
            f"| {r['n']} | {r['p']} | {r['kind']} | {r['h']} | {r['method']} | "
            f"{r.get('status', '—')} | {fmt(r.get('gap'), '.2%')} | {fmt(r.get('t_1pct'), '.1f')} "
            f"| {fmt(r.get('t_opt'), '.1f')} | {r['time']:.2f} | {fmt(r.get('nodes'), 'd')} | "
            f"{r['lts_obj']:.6g} | {r['coef_err']:.3f} | {r['precision']:.2f} | "
            f"{r['recall']:.2f} |"
        )
    return "\n".join(lines)


def versions():
    import numba
    import scipy
    import sklearn

    out = [
        f"python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"scipy {scipy.__version__}",
        f"numba {numba.__version__}",
        f"scikit-learn {sklearn.__version__}",
    ]
    try:
        import pyscipopt

        out.append(f"pyscipopt {pyscipopt.__version__}")
    except ImportError:
        pass
    return ", ".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small configuration (minutes)")
    parser.add_argument("--out", type=Path, default=None, help="markdown file to write")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument(
        "--no-headline",
        action="store_true",
        help="skip the n = 5000, p = 20, 30%% bad-leverage instance",
    )
    parser.add_argument("--n", type=int, nargs="+", default=None, help="override the n grid")
    parser.add_argument("--p", type=int, nargs="+", default=None, help="override the p grid")
    parser.add_argument("--no-scip", action="store_true", help="skip the small SCIP instance")
    parser.add_argument("--ladder", action="store_true", help="the p = 10 / 20 research ladder")
    parser.add_argument("--solver", default="bnb", help="search for --ladder (bnb/box/pattern)")
    parser.add_argument(
        "--fixed-inliers", action="store_true", help="node bound vs fixed inliers (research)"
    )
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.n:
        cfg["n"] = tuple(args.n)
    if args.p:
        cfg["p"] = tuple(args.p)
    limit = args.time_limit or cfg["time_limit"]
    load = os.getloadavg()
    # Compile the kernels once so no timing below includes Numba's compilation.
    warm = make_lts_instance(60, 2, seed=1)
    solve_lts(warm.X, warm.y, time_limit=2.0, n_starts=5)
    cmd = argv if argv is not None else sys.argv[1:]
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if args.ladder or args.fixed_inliers:
        rungs = LADDER
        if args.n or args.p:
            rungs = [(n, p) for n, p in LADDER if n in cfg["n"] and p in cfg["p"]]
        if args.ladder:
            title = "Penalised LTS: the p >= 10 ladder (issue 16)"
            body = ladder_table(ladder_rows(args.time_limit or 60.0, rungs, args.solver))
        else:
            title = "Penalised LTS: pattern node bound vs fixed inliers (issue 16)"
            body = fixed_inlier_table(fixed_inlier_rows(rungs))
        text = "\n".join(
            [
                f"# {title}",
                "",
                f"Command: `python benchmarks/lts.py {' '.join(cmd)}`  ({stamp}, "
                f"{platform.machine()})",
                "",
                f"Versions: {versions()}",
                "",
                f"Machine: {os.cpu_count()} cores; load average {load[0]:.2f} at the start "
                f"and {os.getloadavg()[0]:.2f} at the end (shared: timings are inflated).",
                "",
                body,
                "",
            ]
        )
        print(text)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
        return
    rows = []
    for n_, p_ in () if args.no_scip else SCIP_SIZES:
        rows += instance_rows(n_, p_, "vertical", 0.2, limit, with_scip=True)
        print(table(rows[-6:]), flush=True)
    for n in cfg["n"]:
        for p in cfg["p"]:
            for kind, eps in CASES:
                rows += instance_rows(n, p, kind, eps, limit)
                print(table(rows[-5:]), flush=True)
    if not args.no_headline and (
        args.quick or (5000, 20) not in [(n, p) for n in cfg["n"] for p in cfg["p"]]
    ):
        h = HEADLINE
        rows += instance_rows(h["n"], h["p"], h["outlier_type"], h["contamination"], 60.0)
        print(table(rows[-5:]), flush=True)
    text = "\n".join(
        [
            "# Penalised LTS benchmark",
            "",
            f"Command: `python benchmarks/lts.py {' '.join(cmd)}`"
            f"  ({stamp}, {platform.machine()}, {platform.processor() or 'cpu'})",
            "",
            f"Versions: {versions()}",
            "",
            "Time limit per l0bnb / SCIP run: "
            f"{limit:g} s (headline n = 5000, p = 20: 60 s). Status `heuristic`: no search, "
            "bound 0. Precision/recall: flagged outliers vs the generated ones; methods "
            "other than RANSAC flag the n - h largest |residuals|. LTS obj: sum of the h "
            "smallest squared residuals of each method's fit (lower is better; the BnB "
            "minimises it).",
            "",
            f"Machine: {os.cpu_count()} cores; load average {load[0]:.2f} at the start and "
            f"{os.getloadavg()[0]:.2f} at the end (other work on the machine inflates "
            "timings).",
            "",
            table(rows),
            "",
        ]
    )
    emit(text, args.out)


if __name__ == "__main__":
    main()
