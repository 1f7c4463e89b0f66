"""Classic best subset (l2 = 0, raw data, a size k): l0bnb against Gurobi, OKRidge and SCIP.

The Hastie-Tibshirani-Tibshirani (2020) simulation settings: rows of ``X`` i.i.d.
``N(0, Sigma)`` with ``Sigma_ij = rho^|i-j|``, beta-type 1 (``s`` ones at equispaced
indices), noise variance ``Var(X b*) / SNR`` (sample variance of the signal), ``X`` and ``y``
centred, columns as generated. The problem solved by every solver is::

    minimize 0.5 ||y - X b||^2   subject to   ||b||_0 <= k.

Every returned coefficient vector is re-evaluated here with that one formula. Settings:
low (n=100, p=10, s=5), medium (n=500, p=100, s=5), high-5 (n=50, p=1000, s=5) and high-10
(n=100, p=1000, s=10); rho in {0, 0.35, 0.7}, SNR in {0.25, 1, 6}, k in {s, 2s}.

Peers: Gurobi (pip ``gurobipy``: its size-limited licence allows medium and low only),
OKRidge 0.1.1 (exact k-sparse ridge; ``lambda2 = 1e-8`` given, its own virtual environment
since it pins numpy < 2), SCIP and HiGHS through l0bnb's lifted outer-approximation model
(low only: they need an explicit box, given as the largest of l0bnb's certified boxes). In
p > n (high-5, high-10) no box can be certified with l2 = 0, so every solver gets
``M = 2 max|b|`` of l0bnb's heuristic solution, stated in the table.

Real data: diabetes with degree-2 features (n = 442, p = 64 after dropping the constant
square of the binary sex column... kept as scikit-learn makes them), standardised columns,
raw ``y``, ``BestSubsetRegressor(n_nonzero_coefs=k)`` with its defaults.

Run ``OPENBLAS_NUM_THREADS=1 python benchmarks/best_subset_classic.py --quick`` (medium and
low, 10 s limit) or without ``--quick`` (all settings, 60 s).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(BENCH_DIR))
try:
    import l0bnb  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT))

from best_subset import ensure_venv, machine_info  # noqa: E402

from l0bnb import BestSubsetRegressor, solve_best_subset  # noqa: E402
from l0bnb.best_subset._problem import BestSubsetProblem  # noqa: E402
from l0bnb.datasets import make_sparse_regression  # noqa: E402
from l0bnb.engine.result import OPTIMALITY_GAP  # noqa: E402

SETTINGS = {
    "low": (100, 10, 5),
    "medium": (500, 100, 5),
    "high-5": (50, 1000, 5),
    "high-10": (100, 1000, 10),
}
RHOS = (0.0, 0.35, 0.7)
SNRS = (0.25, 1.0, 6.0)
GUROBI_MAX_P = 100
OKRIDGE_LAMBDA2 = 1e-8

OKRIDGE_SCRIPT = r"""
import json, sys, time
import numpy as np
from okridge.tree import BNBTree
data = np.load(sys.argv[1])
cfg = json.loads(sys.argv[2])
X, y = data["X"], data["y"]
t0 = time.perf_counter()
tree = BNBTree(X, y, gap_tol=1e-4, lambda2=cfg["lambda2"], max_memory_GB=8)
ub, beta, gap, lb, runtime = tree.solve(cfg["k"], gap_tol=1e-4, time_limit=cfg["time_limit"])
print(json.dumps({"coef": np.asarray(beta, float).tolist(), "gap": float(gap),
                  "runtime": time.perf_counter() - t0, "nodes": int(tree.number_of_nodes)}))
"""


def htt_instance(setting: str, rho: float, snr: float, seed: int):
    """One HTT instance, ``X`` and ``y`` centred."""
    n, p, s = SETTINGS[setting]
    data = make_sparse_regression(
        n_samples=n,
        n_features=p,
        k=s,
        rho=rho,
        snr=snr,
        correlation="exponential",
        random_state=seed,
    )
    X = data.X - data.X.mean(axis=0)
    y = data.y - data.y.mean()
    return X, y


def loss(X, y, coef):
    r = y - X @ coef
    return 0.5 * float(r @ r)


def _row(res) -> dict:
    """What the table keeps of a SolveResult."""
    return {
        "coef": res.solution,
        "certified": res.status == "optimal",
        "gap": res.gap,
        "time": res.runtime,
        "nodes": res.n_nodes,
    }


def run_l0bnb(X, y, k, M, time_limit):
    res = solve_best_subset(X, y, n_nonzero_coefs=k, l2=0.0, M=M, time_limit=time_limit)
    return {
        **_row(res),
        "box": res.info["M"],
    }


def run_gurobi(X, y, k, M, time_limit, l2=0.0):
    import gurobipy as gp

    n, p = X.shape
    gram, c = X.T @ X, X.T @ y
    env = gp.Env(params={"OutputFlag": 0})
    m = gp.Model(env=env)
    b = m.addMVar(p, lb=-np.inf if M is None else -M, ub=np.inf if M is None else M)
    z = m.addMVar(p, vtype=gp.GRB.BINARY)
    for i in range(p):
        m.addGenConstrIndicator(z[i].item(), False, b[i].item() == 0.0)
    m.addConstr(z.sum() <= k)
    m.setObjective(0.5 * b @ gram @ b + l2 * (b @ b) - c @ b + 0.5 * float(y @ y))
    m.Params.TimeLimit = time_limit
    m.Params.Threads = 1
    m.Params.MIPGap = OPTIMALITY_GAP
    t0 = time.perf_counter()
    m.optimize()
    elapsed = time.perf_counter() - t0
    coef = np.asarray(b.X) if m.SolCount else np.zeros(p)
    coef[np.asarray(z.X) < 0.5] = 0.0
    out = {
        "coef": coef,
        "certified": m.Status == gp.GRB.OPTIMAL and m.MIPGap <= OPTIMALITY_GAP,
        "gap": float(m.MIPGap) if m.SolCount else float("inf"),
        "time": elapsed,
        "nodes": int(m.NodeCount),
    }
    m.dispose()
    env.dispose()
    return out


def run_okridge(X, y, k, M, time_limit, python, workdir):
    path = Path(workdir) / "inst.npz"
    np.savez(path, X=X, y=y)
    cfg = json.dumps({"k": k, "lambda2": OKRIDGE_LAMBDA2, "time_limit": time_limit})
    proc = subprocess.run(
        [python, "-c", OKRIDGE_SCRIPT, str(path), cfg],
        capture_output=True,
        text=True,
        timeout=time_limit * 3 + 60,
        check=False,
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not line:
        raise RuntimeError(proc.stderr.strip()[-500:])
    out = json.loads(line[-1])
    out["coef"] = np.asarray(out["coef"])
    out["certified"] = out["gap"] <= OPTIMALITY_GAP
    out["time"] = out.pop("runtime")
    return out


def run_reference(X, y, k, M, time_limit, solver):
    res = solve_best_subset(
        X, y, n_nonzero_coefs=k, l2=0.0, M=M, solver=solver, time_limit=time_limit
    )
    return _row(res)


def warm_up():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12))
    y = X[:, :3].sum(1) + rng.normal(size=60)
    solve_best_subset(X, y, n_nonzero_coefs=3, l2=0.0)
    solve_best_subset(X, y, l0=1.0, l2=0.0)


def run_setting(setting, args, solvers, ok_python, workdir):
    rows = []
    n, p, s = SETTINGS[setting]
    for rho in RHOS:
        for snr in SNRS:
            X, y = htt_instance(setting, rho, snr, args.seed)
            for k in (s, 2 * s):
                if k >= p:
                    continue
                M = None
                if p > n:
                    # No certified box exists with l2 = 0 and p > n: a stated one for all.
                    heur = solve_best_subset(
                        X, y, n_nonzero_coefs=k, l2=0.0, M=1e6, max_nodes=1
                    ).solution
                    M = 2.0 * float(np.max(np.abs(heur)))
                row = {"setting": setting, "rho": rho, "snr": snr, "k": k, "M": M, "runs": {}}
                for solver in solvers:
                    if solver == "gurobi" and p > GUROBI_MAX_P:
                        continue
                    if solver in ("scip", "highs") and p > args.reference_max_p:
                        continue
                    box = M
                    if solver in ("scip", "highs") and box is None:
                        box = row["runs"].get("l0bnb", {}).get("box")
                        if box is None:
                            continue
                    try:
                        if solver == "l0bnb":
                            out = run_l0bnb(X, y, k, M, args.time_limit)
                        elif solver == "gurobi":
                            out = run_gurobi(X, y, k, box, args.time_limit)
                        elif solver == "okridge":
                            out = run_okridge(X, y, k, box, args.time_limit, ok_python, workdir)
                        else:
                            name = "scip" if solver == "scip" else "reference"
                            out = run_reference(X, y, k, box, args.time_limit, name)
                    except Exception as exc:  # a peer failing is a result, not a crash
                        row["runs"][solver] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                        print(f"  {solver}: {row['runs'][solver]['error']}", flush=True)
                        continue
                    coef = out.pop("coef")
                    if np.count_nonzero(coef) > k:
                        out["invalid"] = f"{np.count_nonzero(coef)} nonzeros"
                    out["objective"] = loss(X, y, coef)
                    row["runs"][solver] = out
                best = min(
                    (r["objective"] for r in row["runs"].values() if "objective" in r),
                    default=np.nan,
                )
                row["best"] = best
                rows.append(row)
                print(line_of(row), flush=True)
    return rows


def line_of(row):
    parts = [f"{row['setting']} rho={row['rho']} snr={row['snr']} k={row['k']}"]
    for solver, r in row["runs"].items():
        if "error" in r:
            parts.append(f"{solver}: error")
            continue
        status = "cert" if r["certified"] else f"gap {r['gap']:.2g}"
        parts.append(f"{solver}: {status} {r['time']:.2f}s {r['nodes']}n")
    return " | ".join(parts)


def cell(r, best):
    if r is None:
        return "-"
    if "error" in r:
        return "error"
    status = f"**{r['time']:.2f} s**" if r["certified"] else f"gap {100 * r['gap']:.2f} %"
    rate = r["nodes"] / max(r["time"], 1e-9)
    excess = (r["objective"] - best) / max(abs(best), 1e-300)
    worse = "" if excess <= 1e-9 else f", obj +{100 * excess:.3f} %"
    return f"{status}, {r['nodes']} n, {rate:.0f} n/s{worse}"


def diabetes_rows(time_limit, solvers):
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    X, y = load_diabetes(return_X_y=True, scaled=False)
    X = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    X = X[:, np.std(X, axis=0) > 0]
    X = StandardScaler().fit_transform(X)
    rows = []
    for k in (5, 10):
        t0 = time.perf_counter()
        model = BestSubsetRegressor(n_nonzero_coefs=k, time_limit=time_limit).fit(X, y)
        res = model.result_
        row = {
            "k": k,
            "n": X.shape[0],
            "p": X.shape[1],
            "status": res.status,
            "gap": res.gap,
            "time": res.runtime,
            "wall": time.perf_counter() - t0,
            "nodes": res.n_nodes,
            "objective": res.objective,
            "curvature": res.info.get("curvature"),
        }
        if "gurobi" in solvers:
            # The same objective (the estimator centres X and y; default l2 = 0.01), no box.
            Xc, yc = X - X.mean(axis=0), y - y.mean()
            g = run_gurobi(Xc, yc, k, None, time_limit, l2=model.l2)
            r = yc - Xc @ g["coef"]
            g["objective"] = 0.5 * float(r @ r) + model.l2 * float(g["coef"] @ g["coef"])
            g.pop("coef")
            row["gurobi"] = g
        rows.append(row)
        print(f"diabetes k={k}: {rows[-1]}", flush=True)
    return rows


def render(report):
    solvers = report["solvers"]
    out = [
        "# Classic best subset (l2 = 0): l0bnb vs Gurobi, OKRidge, SCIP, HiGHS",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['date']}; machine: {report['machine']}  ",
        f"Versions: {report['versions']}  ",
        f"Time limit {report['time_limit']} s per run; OPENBLAS_NUM_THREADS=1; Gurobi with "
        "Threads=1. The machine was shared with other jobs: times are noisy, node counts "
        "are not. Cells: time to certify (bold) or the gap left, nodes, nodes per second, "
        "and the objective's excess over the best any solver found (when positive).",
        "",
        "| setting | rho | SNR | k | " + " | ".join(solvers) + " |",
        "|---" * (4 + len(solvers)) + "|",
    ]
    for row in report["rows"]:
        cells = [cell(row["runs"].get(s), row["best"]) for s in solvers]
        label = row["setting"] + (f" (M={row['M']:.3g})" if row["M"] else "")
        out.append(
            f"| {label} | {row['rho']} | {row['snr']} | {row['k']} | " + " | ".join(cells) + " |"
        )
    out += ["", "## Summary", ""]
    for setting in dict.fromkeys(r["setting"] for r in report["rows"]):
        rows = [r for r in report["rows"] if r["setting"] == setting]
        parts = []
        for s in solvers:
            runs = [r["runs"].get(s) for r in rows]
            runs = [r for r in runs if r and "error" not in r]
            if runs:
                cert = sum(r["certified"] for r in runs)
                worst = max(r["time"] for r in runs if r["certified"]) if cert else float("nan")
                parts.append(f"{s} {cert}/{len(runs)} (slowest certified {worst:.2f} s)")
        ratios = [
            r["runs"]["gurobi"]["time"] / r["runs"]["l0bnb"]["time"]
            for r in rows
            if r["runs"].get("gurobi", {}).get("certified")
            and r["runs"].get("l0bnb", {}).get("certified")
        ]
        if ratios:
            parts.append(
                f"Gurobi/l0bnb time ratio where both certify: median "
                f"{np.median(ratios):.1f}x over {len(ratios)}"
            )
        out.append(f"- **{setting}**: " + "; ".join(parts))
    if report.get("diabetes"):
        out += [
            "",
            "## Diabetes, degree-2 features, standardised X, raw y, "
            "`BestSubsetRegressor(n_nonzero_coefs=k)` defaults",
            "",
            "Gurobi solves the same objective (centred data, the estimator's l2, no box).",
            "",
            "| n | p | k | l0bnb | l0bnb objective | gurobi | gurobi objective |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in report["diabetes"]:
            ours = (
                f"**{r['time']:.2f} s**"
                if r["status"] == "optimal"
                else f"gap {100 * r['gap']:.2f} % at {r['time']:.0f} s"
            ) + f", {r['nodes']} n, {r['nodes'] / max(r['time'], 1e-9):.0f} n/s"
            g = r.get("gurobi")
            theirs, their_obj = "n/a", "n/a"
            if g:
                theirs = (
                    f"**{g['time']:.2f} s**"
                    if g["certified"]
                    else f"gap {100 * g['gap']:.2f} % at {g['time']:.0f} s"
                ) + f", {g['nodes']} n"
                their_obj = f"{g['objective']:.2f}"
            out.append(
                f"| {r['n']} | {r['p']} | {r['k']} | {ours} | {r['objective']:.2f} | "
                f"{theirs} | {their_obj} |"
            )
    return "\n".join(out) + "\n"


def versions(ok_python):
    import importlib.metadata as md

    out = {"l0bnb": md.version("l0bnb")}
    for name in ("gurobipy", "pyscipopt", "highspy", "numpy", "numba"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    if ok_python:
        proc = subprocess.run(
            [ok_python, "-c", "import importlib.metadata as m; print(m.version('okridge'))"],
            capture_output=True,
            text=True,
            check=False,
        )
        out["okridge"] = proc.stdout.strip()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="low and medium only, 10 s limit")
    ap.add_argument(
        "--settings", nargs="*", choices=list(SETTINGS), default=None, help="none: diabetes only"
    )
    ap.add_argument(
        "--branching",
        choices=["strong", "fractional", "product"],
        default=None,
        help="l0bnb's branching rule (default: the package's)",
    )
    ap.add_argument(
        "--solvers", nargs="+", default=["l0bnb", "gurobi", "okridge", "scip", "highs"]
    )
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument(
        "--reference-max-p", type=int, default=10, help="largest p on which SCIP and HiGHS-OA run"
    )
    ap.add_argument("--no-diabetes", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.settings is None:
        args.settings = ["low", "medium"] if args.quick else list(SETTINGS)
    if args.time_limit is None:
        args.time_limit = 10.0 if args.quick else 60.0
    if args.out is None:
        name = "best_subset_classic_quick.md" if args.quick else "best_subset_classic.md"
        args.out = RESULTS_DIR / name
    if args.branching is not None:
        BestSubsetProblem.branching = args.branching
    solvers = list(args.solvers)
    ok_python = None
    if "okridge" in solvers:
        try:
            ok_python = str(ensure_venv("okridge", sys.executable, ["okridge==0.1.1", "requests"]))
        except RuntimeError as exc:
            print(f"[setup] okridge unavailable: {exc}")
            solvers.remove("okridge")
    if "gurobi" in solvers:
        try:
            import gurobipy  # noqa: F401
        except ImportError:
            print("[setup] gurobipy not installed (pip install gurobipy): skipped")
            solvers.remove("gurobi")
    warm_up()
    report = {
        "command": " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv]),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(ok_python),
        "time_limit": args.time_limit,
        "solvers": solvers,
        "rows": [],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="l0bnb-classic-") as tmp:
        for setting in args.settings:
            report["rows"] += run_setting(setting, args, solvers, ok_python, tmp)
            args.out.write_text(render(report))
    if not args.no_diabetes:
        report["diabetes"] = diabetes_rows(args.time_limit, solvers)
    md = render(report)
    args.out.write_text(md)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1, default=float))
    print("\n" + md)


if __name__ == "__main__":
    main()
