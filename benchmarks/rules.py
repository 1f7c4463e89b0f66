"""Benchmark: RuleExtractor against RuleFit (imodels), SIRUS and lasso on the same rule pool.

For every data set, split and rule budget ``k`` it reports test R^2 (mean and standard error
over the splits), the number of rules actually used, their mean depth, fit time and (for the
exact solver) the certified gap; per data set also the stability of the selected rules over
half-samples (mean pairwise Dice-Sorensen index; rules compared after snapping thresholds to
training deciles). Nothing is downloaded: statsmodels ships ``star98``.

    python benchmarks/rules.py --budgets 10 --out benchmarks/results/rules_k10.md
    python benchmarks/rules.py --headline            # 50 trees, diabetes, k = 10, 60 s
    python benchmarks/rules.py --pools 50x3 200x3 100x5 500x5   # larger pools, 60 s each
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import itertools
import platform
import re
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import lasso_path
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from l0bnb import RuleExtractor
from l0bnb.datasets import make_rule_regression
from l0bnb.rules._harvest import harvest
from l0bnb.rules._text import node_conditions

warnings.filterwarnings("ignore")


# --------------------------------------------------------------------------- data


def datasets(quick: bool):
    X, y = load_diabetes(return_X_y=True)
    out = {"diabetes (442 x 10)": (X, y)}
    n = 600 if quick else 2000
    X, y = make_friedman1(n_samples=n, noise=1.0, random_state=0)
    out[f"friedman1 ({n} x 10, noise 1)"] = (X, y)
    d = make_rule_regression(n_samples=n, n_features=10, n_rules=5, snr=3.0, random_state=0)
    out[f"rule regression ({n} x 10, 5 rules, snr 3)"] = (d.X, d.y)
    try:
        from statsmodels.datasets import star98

        frame = star98.load_pandas().data
        target = frame["NABOVE"] / (frame["NABOVE"] + frame["NBELOW"])
        X = frame.drop(columns=["NABOVE", "NBELOW"]).to_numpy(dtype=float)
        out[f"star98 ({X.shape[0]} x {X.shape[1]}, statsmodels)"] = (X, target.to_numpy())
    except ImportError:
        pass  # statsmodels not installed: reported in the header
    return out


# --------------------------------------------------------------------------- methods
# Each returns (predict function, list of rules as sets of (feature, op, threshold), depths).


def canon_ours(rule):
    conds = []
    for c in rule.conditions:
        if np.isfinite(c.lower):
            conds.append((c.feature, ">", c.lower))
        if np.isfinite(c.upper):
            conds.append((c.feature, "<=", c.upper))
    return conds


def fit_ours(forest, X, y, k, solver, time_limit):
    """RuleExtractor with its defaults (l2, depth penalty and refit by built-in CV)."""
    model = RuleExtractor(forest, prefit=True, n_rules=k, solver=solver, time_limit=time_limit)
    model.fit(X, y)
    rules = [canon_ours(r) for r in model.rules_]
    info = {"gap": model.result_.gap if solver == "bnb" else np.nan}
    return model.predict, rules, [r.depth for r in model.rules_], info


def fit_lasso(forest, X, y, k, refit):
    pool = harvest(forest)
    indptr, indices = pool.membership(X)
    n = X.shape[0]
    count = np.diff(indptr)
    cand = np.flatnonzero((count > 0) & (count < n))
    A = np.zeros((n, cand.size))
    for j, v in enumerate(cand):
        A[indices[indptr[v] : indptr[v + 1]], j] = 1.0
    mean_a, mean_y = A.mean(0), y.mean()
    _, coefs, _ = lasso_path(A - mean_a, y - mean_y, n_alphas=100, eps=1e-3)
    sizes = np.count_nonzero(coefs, axis=0)
    i = int(np.flatnonzero(sizes <= k)[-1])
    support = np.flatnonzero(coefs[:, i])
    coef = coefs[support, i]
    if refit and support.size:
        As = A[:, support] - mean_a[support]
        coef = np.linalg.lstsq(As, y - mean_y, rcond=None)[0]
    intercept = mean_y - mean_a[support] @ coef
    names = [f"x{j}" for j in range(X.shape[1])]
    conds = [node_conditions(pool, int(cand[j]), names) for j in support]
    depths = pool.depths()[cand[support]]

    def predict(Z):
        ptr, ind = pool.membership(Z)
        B = np.zeros((Z.shape[0], support.size))
        for j, s in enumerate(support):
            v = cand[s]
            B[ind[ptr[v] : ptr[v + 1]], j] = 1.0
        return intercept + B @ coef

    rules = []
    for cs in conds:
        rule = []
        for c in cs:
            if np.isfinite(c.lower):
                rule.append((c.feature, ">", c.lower))
            if np.isfinite(c.upper):
                rule.append((c.feature, "<=", c.upper))
        rules.append(rule)
    return predict, rules, list(depths), {"gap": np.nan}


def fit_rulefit(X, y, k, seed):
    from imodels import RuleFitRegressor

    model = RuleFitRegressor(max_rules=k, include_linear=False, random_state=seed).fit(X, y)
    table = model._get_rules()
    table = table[(table.coef != 0) & (table.type == "rule")]
    rules = []
    for text in table.rule:
        rule = []
        for part in text.split(" and "):
            m = re.fullmatch(r"X(\d+) (<=|>) (\S+)", part.strip())
            rule.append((int(m[1]), m[2], float(m[3])))
        rules.append(rule)
    return model.predict, rules, [len({f for f, _, _ in r}) for r in rules], {"gap": np.nan}


def fit_sirus(X, y, k, seed, quick):
    from sirus import SirusRegressor

    model = SirusRegressor(num_rules=k, random_state=seed, num_trees=500 if quick else 2000).fit(
        X, y
    )
    rules = []
    for r in model.rules_:
        if getattr(r, "weight", 1.0) == 0:
            continue
        rules.append(
            [(c.feature, "<=" if c.op == "<" else ">", float(c.value)) for c in r.conditions]
        )
    return model.predict, rules, [len(r) for r in rules], {"gap": np.nan}


METHODS = [
    "l0bnb (defaults)",
    "l0bnb path (defaults)",
    "lasso (same pool)",
    "lasso+LS (same pool)",
    "RuleFit (imodels)",
    "SIRUS",
]


def run_method(name, X, y, k, seed, args):
    forest = RandomForestRegressor(n_estimators=args.trees, max_depth=3, random_state=seed)
    start = time.perf_counter()
    if name.startswith("l0bnb") or name.startswith("lasso"):
        forest.fit(X, y)
    if name == "l0bnb (defaults)":
        out = fit_ours(forest, X, y, k, "bnb", args.time_limit)
    elif name == "l0bnb path (defaults)":
        out = fit_ours(forest, X, y, k, "path", None)
    elif name == "lasso (same pool)":
        out = fit_lasso(forest, X, y, k, refit=False)
    elif name == "lasso+LS (same pool)":
        out = fit_lasso(forest, X, y, k, refit=True)
    elif name == "RuleFit (imodels)":
        out = fit_rulefit(X, y, k, seed)
    else:
        out = fit_sirus(X, y, k, seed, args.quick)
    return out, time.perf_counter() - start


# --------------------------------------------------------------------------- stability


def snap(rules, deciles):
    out = set()
    for rule in rules:
        key = []
        for f, op, t in rule:
            key.append((f, op, int(np.argmin(np.abs(deciles[f] - t)))))
        out.add(frozenset(key))
    return out


def dice(a, b):
    return 2 * len(a & b) / (len(a) + len(b)) if (a or b) else 1.0


# --------------------------------------------------------------------------- certification


def certify_section(quick: bool) -> list[str]:
    """Small pools solved by l0bnb's branch and bound and by the Pyomo/HiGHS reference."""
    from l0bnb.engine.search import Limits, solve
    from l0bnb.rules._problem import RuleProblem
    from l0bnb.rules.reference import solve_rules_reference

    lines = [
        "## Certified optimal rule sets on small pools",
        "",
        "RandomForestRegressor(n_estimators=T, max_depth=2) on the training split (seed 0); "
        "all non-root nodes are candidates; exact solves with gap_tol 1e-9 (l0bnb) and 1e-6 "
        "(HiGHS outer approximation, time limit 120 s).",
        "",
        "| data | T | candidates | k | l2 | l0bnb status | l0bnb objective | bound | nodes | "
        "l0bnb s | HiGHS objective | HiGHS bound | HiGHS s | rel. diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dname, (X, y) in datasets(quick).items():
        Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.3, random_state=0)
        for T, k, l2 in [(3, 3, 1e-2), (5, 5, 1e-1), (5, 3, 1e-2)]:
            forest = RandomForestRegressor(n_estimators=T, max_depth=2, random_state=0)
            pool = harvest(forest.fit(Xtr, ytr))
            indptr, indices = pool.membership(Xtr)
            count = np.diff(indptr)
            cand = (count > 0) & (count < len(ytr))
            ys = (ytr - ytr.mean()) / ytr.std()
            args = (
                indptr,
                indices,
                pool.left,
                pool.right,
                pool.tree_start,
                cand,
                np.zeros(pool.n_nodes),
                ys,
                l2,
            )
            problem = RuleProblem(*args, k=k)
            start = time.perf_counter()
            ours = solve(problem, Limits(gap_tol=1e-9, time_limit=120))
            ours_s = time.perf_counter() - start
            ref = solve_rules_reference(*args, k=k, time_limit=120)
            diff = abs(ours.objective - ref.objective) / ref.objective
            lines.append(
                f"| {dname.split(' (')[0]} | {T} | {int(cand.sum())} | {k} | {l2:g} | "
                f"{ours.status} | {ours.objective:.8f} | {ours.bound:.8f} | {ours.n_nodes} | "
                f"{ours_s:.2f} | {ref.objective:.8f} | {ref.bound:.8f} | {ref.runtime:.1f} | "
                f"{diff:.1e} |"
            )
            print(lines[-1], flush=True)
    return lines + [""]


# --------------------------------------------------------------------------- fixed ensemble


def fixed_stability_section(args) -> list[str]:
    """Stability of the selection step alone: one forest, rules compared by node id."""
    X, y = load_diabetes(return_X_y=True)
    forest = RandomForestRegressor(n_estimators=args.trees, max_depth=3, random_state=0)
    forest.fit(X, y)
    pool = harvest(forest)
    rng = np.random.default_rng(0)
    n_half = args.halves
    halves = [rng.choice(len(y), len(y) // 2, replace=False) for _ in range(n_half)]
    k = 10
    lines = [
        f"## Stability with a fixed ensemble (diabetes, k = {k}, {n_half} half-samples)",
        "",
        f"One RandomForestRegressor(n_estimators={args.trees}, max_depth=3) fitted on all rows; "
        "each method selects rules from it on each half-sample; rules are equal when they are "
        "the same tree node. Mean pairwise Dice-Sorensen index.",
        "",
        "| method | mean pairwise Dice | rules |",
        "|---|---|---|",
    ]
    for name in ("l0bnb (defaults)", "l0bnb path (defaults)", "lasso (same pool)"):
        sets = []
        for idx in halves:
            Xh, yh = X[idx], y[idx]
            if name.startswith("l0bnb"):
                solver = "path" if "path" in name else "bnb"
                model = RuleExtractor(
                    forest, prefit=True, n_rules=k, solver=solver, time_limit=args.time_limit
                ).fit(Xh, yh)
                nodes = {pool.tree_start[r.tree] + r.node for r in model.rules_}
            else:
                indptr, indices = pool.membership(Xh)
                count = np.diff(indptr)
                cand = np.flatnonzero((count > 0) & (count < len(yh)))
                A = np.zeros((len(yh), cand.size))
                for j, v in enumerate(cand):
                    A[indices[indptr[v] : indptr[v + 1]], j] = 1.0
                _, coefs, _ = lasso_path(A - A.mean(0), yh - yh.mean(), n_alphas=100, eps=1e-3)
                sizes = np.count_nonzero(coefs, axis=0)
                i = int(np.flatnonzero(sizes <= k)[-1])
                nodes = set(cand[np.flatnonzero(coefs[:, i])].tolist())
            sets.append({int(v) for v in nodes})
        d = [dice(a, b) for a, b in itertools.combinations(sets, 2)]
        lines.append(f"| {name} | {np.mean(d):.3f} | {np.mean([len(s) for s in sets]):.1f} |")
        print(lines[-1], flush=True)
    return lines + [""]


# --------------------------------------------------------------------------- main


def timed_extractor(forest, X, y, time_limit):
    """``RuleExtractor(forest, n_rules=10)`` with its defaults, fitted; and its wall time."""
    start = time.perf_counter()
    model = RuleExtractor(forest, prefit=True, n_rules=10, time_limit=time_limit).fit(X, y)
    return model, time.perf_counter() - start


def headline(args) -> list[str]:
    """The issue's target: 50 trees of depth 3 on diabetes, k = 10, defaults, 60 s."""
    X, y = load_diabetes(return_X_y=True)
    lines = [
        "## Headline: diabetes, RandomForestRegressor(50, max_depth=3), k = 10, 60 s",
        "",
        "| split | l2 | depth penalty | refit | status | gap | nodes | fit s | test R2 | "
        "lasso R2 | lasso+LS R2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for seed in args.splits:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed)
        forest = RandomForestRegressor(n_estimators=50, max_depth=3, random_state=seed)
        model, secs = timed_extractor(forest.fit(Xtr, ytr), Xtr, ytr, 60.0)
        lasso = [r2_score(yte, fit_lasso(forest, Xtr, ytr, 10, r)[0](Xte)) for r in (0, 1)]
        res = model.result_
        lines.append(
            f"| {seed} | {model.l2_:g} | {model.depth_penalty_:g} | {model.refit_} | "
            f"{res.status} | {res.gap:.2e} | {res.n_nodes} | {secs:.1f} | "
            f"{r2_score(yte, model.predict(Xte)):.3f} | {lasso[0]:.3f} | {lasso[1]:.3f} |"
        )
        print(lines[-1], flush=True)
    return lines + [""]


def pool_sizes(args) -> list[str]:
    """Larger pools: forests of 50-500 trees of depth 3-5 on diabetes, k = 10, defaults."""
    X, y = load_diabetes(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    lines = [
        f"## Pool sizes: diabetes (split 0), k = 10, defaults, {args.time_limit:g} s",
        "",
        "| trees | depth | candidates | l2 | status | gap | nodes | fit s | test R2 | lasso R2 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for trees, depth in args.pools:
        forest = RandomForestRegressor(n_estimators=trees, max_depth=depth, random_state=0)
        model, secs = timed_extractor(forest.fit(Xtr, ytr), Xtr, ytr, args.time_limit)
        res = model.result_
        lasso = r2_score(yte, fit_lasso(forest, Xtr, ytr, 10, 0)[0](Xte))
        lines.append(
            f"| {trees} | {depth} | {model.n_candidates_} | {model.l2_:g} | {res.status} | "
            f"{res.gap:.2e} | {res.n_nodes} | {secs:.1f} | "
            f"{r2_score(yte, model.predict(Xte)):.3f} | {lasso:.3f} |"
        )
        print(lines[-1], flush=True)
    return lines + [""]


def header(args, have) -> list[str]:
    lines = ["# Rule extraction benchmark", ""]
    lines.append(f"Command: `python {' '.join(sys.argv)}`  ")
    versions = ", ".join(
        f"{p} {md.version(p)}" for p in ("numpy", "scikit-learn", "numba", "l0bnb")
    )
    peers = ", ".join(f"{p} {have[p] or 'not installed'}" for p in have)
    lines.append(f"Versions: Python {platform.python_version()}, {versions}, {peers}  ")
    lines.append(
        f"Setup: 70/30 train/test splits (seeds {args.splits}); l0bnb and lasso share one "
        f"RandomForestRegressor(n_estimators={args.trees}, max_depth=3) per split; RuleFit and "
        f"SIRUS grow their own ensembles; l0bnb: all defaults (l2, depth_penalty and refit "
        f"chosen by its built-in 3-fold CV, one-standard-error rule), exact solver with time "
        f"limit {args.time_limit:g} s, or the path solver; lasso: largest lasso-path model "
        "with <= k rules (+LS: least-squares refit on its rules). R2: mean (standard error) "
        "over splits. Rules = rules with a nonzero weight. Depth = conditions on the tree "
        "path (l0bnb, lasso) or distinct features (RuleFit, SIRUS). Gap: largest over splits. "
        "Timings on a shared 2-core machine (other jobs running): inflated and noisy.  "
    )
    return lines + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data and forests")
    parser.add_argument("--out", default=None)
    parser.add_argument("--budgets", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--halves", type=int, default=10, help="half-samples for stability")
    parser.add_argument("--stability-k", type=int, default=10)
    parser.add_argument("--methods", nargs="+", default=METHODS)
    parser.add_argument("--headline", action="store_true", help="only the headline table")
    parser.add_argument(
        "--pools",
        type=lambda text: tuple(int(v) for v in text.split("x")),
        nargs="+",
        default=None,
        metavar="TREESxDEPTH",
        help="only the pool-size table, e.g. --pools 50x3 200x4 500x5",
    )
    parser.add_argument("--only-certify", action="store_true")
    parser.add_argument("--only-fixed-stability", action="store_true")
    args = parser.parse_args()
    have = {}
    for pkg in ("imodels", "sirus", "statsmodels"):
        try:
            __import__(pkg)
            have[pkg] = md.version(pkg)
        except ImportError:
            have[pkg] = None
    methods = [m for m in args.methods if not (m.startswith("RuleFit") and not have["imodels"])]
    methods = [m for m in methods if not (m == "SIRUS" and not have["sirus"])]
    lines = header(args, have)

    def save():
        text = "\n".join(lines)
        if args.out:
            with open(args.out, "w") as fh:
                fh.write(text + "\n")
        return text

    if args.headline:
        lines += headline(args)
        print(save())
        return
    if args.pools:
        lines += pool_sizes(args)
        print(save())
        return
    only = args.only_certify or args.only_fixed_stability
    summary = {}
    for dname, (X, y) in [] if only else datasets(args.quick).items():
        lines += [
            f"## {dname}",
            "",
            "| k | method | test R2 (se) | rules | mean depth | fit s | gap |",
            "|---|---|---|---|---|---|---|",
        ]
        for k in args.budgets:
            for name in methods:
                rows = []
                for seed in args.splits:
                    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed)
                    (predict, rules, depths, info), secs = run_method(
                        name, Xtr, ytr, k, seed, args
                    )
                    rows.append(
                        (
                            r2_score(yte, predict(Xte)),
                            len(rules),
                            np.mean(depths) if depths else 0.0,
                            secs,
                            info["gap"],
                        )
                    )
                r = np.array(rows, dtype=float)
                summary.setdefault((k, name), []).append(r[:, 0])
                se = r[:, 0].std(ddof=1) / np.sqrt(len(r)) if len(r) > 1 else np.nan
                gap = "" if np.all(np.isnan(r[:, 4])) else f"{np.nanmax(r[:, 4]):.3g}"
                lines.append(
                    f"| {k} | {name} | {r[:, 0].mean():.3f} ({se:.3f}) | {r[:, 1].mean():.1f} | "
                    f"{r[:, 2].mean():.2f} | {r[:, 3].mean():.2f} | {gap} |"
                )
                print(lines[-1], flush=True)
                save()
        lines.append("")
        if args.halves < 2:
            continue
        k = args.stability_k
        lines += [
            f"### Stability on {dname} (k = {k}, {args.halves} half-samples)",
            "",
            "| method | mean pairwise Dice | rules |",
            "|---|---|---|",
        ]
        deciles = [np.quantile(X[:, f], np.linspace(0.1, 0.9, 9)) for f in range(X.shape[1])]
        rng = np.random.default_rng(0)
        halves = [rng.choice(len(y), len(y) // 2, replace=False) for _ in range(args.halves)]
        for name in methods:
            sets = []
            for i, idx in enumerate(halves):
                (_, rules, _, _), _ = run_method(name, X[idx], y[idx], k, i, args)
                sets.append(snap(rules, deciles))
            d = [dice(a, b) for a, b in itertools.combinations(sets, 2)]
            lines.append(f"| {name} | {np.mean(d):.3f} | {np.mean([len(s) for s in sets]):.1f} |")
            print(lines[-1], flush=True)
            save()
        lines.append("")
    if summary:
        lines += [
            "## Averaged over the data sets (mean test R2 over data sets and splits; se over "
            "the per-split averages across data sets)",
            "",
            "| k | method | test R2 (se) |",
            "|---|---|---|",
        ]
        for (k, name), per_set in summary.items():
            per_split = np.mean(per_set, axis=0)
            se = per_split.std(ddof=1) / np.sqrt(per_split.size) if per_split.size > 1 else 0
            lines.append(f"| {k} | {name} | {per_split.mean():.3f} ({se:.3f}) |")
        lines.append("")
    if args.only_fixed_stability:
        lines += fixed_stability_section(args)
    if args.only_certify:
        lines += certify_section(args.quick)
    print(save())


if __name__ == "__main__":
    main()
