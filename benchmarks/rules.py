"""Benchmark: RuleExtractor against RuleFit (imodels), SIRUS and lasso on the same rule pool.

For every data set, split and rule budget ``k`` it reports test R^2 / MSE, the number of
rules actually used, their mean depth, fit time and (for the exact solver) the certified gap;
on diabetes also the stability of the selected rules over half-samples (mean pairwise
Dice-Sorensen index; rules compared after snapping thresholds to training deciles).

    python benchmarks/rules.py --quick --out benchmarks/results/rules_quick.md
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
from sklearn.metrics import mean_squared_error, r2_score
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
        from sklearn.datasets import fetch_california_housing

        X, y = fetch_california_housing(return_X_y=True, download_if_missing=False)
        out["california housing"] = (X, y)
    except OSError:
        pass  # not available offline: reported in the header
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


#: Hyper-parameter grid of l0bnb, chosen by 3-fold CV of the fast path solver on the
#: training split (the forest stays fixed).
GRID = [dict(l2=l2, depth_penalty=dp) for l2 in (1e-2, 1e-1, 1.0) for dp in (0.0, 0.005)]


def choose_by_cv(forest, X, y, k):
    from sklearn.model_selection import KFold

    scores = []
    for params in GRID:
        err = 0.0
        for tr, va in KFold(3, shuffle=True, random_state=0).split(X):
            model = RuleExtractor(forest, prefit=True, n_rules=k, solver="path", **params)
            err += np.sum((model.fit(X[tr], y[tr]).predict(X[va]) - y[va]) ** 2)
        scores.append(err)
    return GRID[int(np.argmin(scores))]


def fit_ours(forest, X, y, k, solver, time_limit, cv):
    params = choose_by_cv(forest, X, y, k) if cv else {}
    model = RuleExtractor(
        forest, prefit=True, n_rules=k, solver=solver, time_limit=time_limit, **params
    )
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
    "l0bnb exact (CV)",
    "l0bnb path (CV)",
    "l0bnb exact (defaults)",
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
    if name == "l0bnb exact (CV)":
        out = fit_ours(forest, X, y, k, "bnb", args.time_limit, cv=True)
    elif name == "l0bnb path (CV)":
        out = fit_ours(forest, X, y, k, "path", None, cv=True)
    elif name == "l0bnb exact (defaults)":
        out = fit_ours(forest, X, y, k, "bnb", args.time_limit, cv=False)
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
    n_half = 4 if args.quick else 10
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
    for name in ("l0bnb exact (CV)", "l0bnb path (CV)", "lasso (same pool)"):
        sets = []
        for idx in halves:
            Xh, yh = X[idx], y[idx]
            if name.startswith("l0bnb"):
                params = choose_by_cv(forest, Xh, yh, k)
                solver = "bnb" if "exact" in name else "path"
                model = RuleExtractor(
                    forest,
                    prefit=True,
                    n_rules=k,
                    solver=solver,
                    time_limit=args.time_limit,
                    **params,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument(
        "--only-certify", action="store_true", help="only the small-pool certification table"
    )
    parser.add_argument(
        "--only-fixed-stability",
        action="store_true",
        help="only the stability table with a fixed ensemble",
    )
    args = parser.parse_args()
    args.trees = 50 if args.quick else 100
    args.time_limit = 10.0 if args.quick else 60.0
    budgets = [5, 10, 20]
    seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
    n_half = 4 if args.quick else 10
    have = {}
    for pkg in ("imodels", "sirus"):
        try:
            __import__(pkg)
            have[pkg] = md.version(pkg)
        except ImportError:
            have[pkg] = None
    methods = [m for m in METHODS if not (m.startswith("RuleFit") and not have["imodels"])]
    methods = [m for m in methods if not (m == "SIRUS" and not have["sirus"])]

    lines = ["# Rule extraction benchmark", ""]
    lines.append(f"Command: `python {' '.join(sys.argv)}`  ")
    versions = ", ".join(
        f"{p} {md.version(p)}" for p in ("numpy", "scikit-learn", "numba", "l0bnb")
    )
    lines.append(
        f"Versions: Python {platform.python_version()}, {versions}, "
        f"imodels {have['imodels'] or 'not installed'}, "
        f"sirus {have['sirus'] or 'not installed'}  "
    )
    lines.append(
        f"Setup: 70/30 train/test splits (seeds {seeds}); l0bnb and lasso share one "
        f"RandomForestRegressor(n_estimators={args.trees}, max_depth=3) per split; RuleFit and "
        f"SIRUS grow their own ensembles; l0bnb exact: time limit {args.time_limit:g} s; "
        "(CV): l2 in {1e-2, 1e-1, 1} x depth_penalty in {0, 0.005} chosen by 3-fold CV of "
        "the path solver on the training split, (defaults): l2 = 1e-3, no depth penalty; "
        "lasso: largest lasso-path model with <= k rules. Rules = rules with a "
        "nonzero weight. Depth = conditions on the tree path (l0bnb, lasso) or distinct "
        "features (RuleFit, SIRUS). Timings on a shared 2-core machine (other jobs running): "
        "inflated and noisy.  "
    )
    if "california housing" not in datasets(args.quick):
        lines.append(
            "California housing: not available offline (not in the scikit-learn "
            "data cache), left out.  "
        )
    lines.append("")
    only = args.only_certify or args.only_fixed_stability
    for dname, (X, y) in [] if only else datasets(args.quick).items():
        lines += [
            f"## {dname}",
            "",
            "| k | method | test R2 | test MSE | rules | mean depth | fit s | gap |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for k in budgets:
            for name in methods:
                rows = []
                for seed in seeds:
                    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed)
                    (predict, rules, depths, info), secs = run_method(
                        name, Xtr, ytr, k, seed, args
                    )
                    pred = predict(Xte)
                    rows.append(
                        (
                            r2_score(yte, pred),
                            mean_squared_error(yte, pred),
                            len(rules),
                            np.mean(depths) if depths else 0.0,
                            secs,
                            info["gap"],
                        )
                    )
                r = np.array(rows, dtype=float)
                gap = "" if np.all(np.isnan(r[:, 5])) else f"{np.nanmax(r[:, 5]):.3g}"
                lines.append(
                    f"| {k} | {name} | {r[:, 0].mean():.3f} | {r[:, 1].mean():.4g} | "
                    f"{r[:, 2].mean():.1f} | {r[:, 3].mean():.2f} | {r[:, 4].mean():.2f} | "
                    f"{gap} |"
                )
                print(lines[-1], flush=True)
        lines.append("")
        if not dname.startswith("diabetes"):
            continue
        k = 10
        lines += [
            f"### Stability on {dname} (k = {k}, {n_half} half-samples)",
            "",
            "| method | mean pairwise Dice | rules |",
            "|---|---|---|",
        ]
        deciles = [np.quantile(X[:, f], np.linspace(0.1, 0.9, 9)) for f in range(X.shape[1])]
        rng = np.random.default_rng(0)
        halves = [rng.choice(len(y), len(y) // 2, replace=False) for _ in range(n_half)]
        for name in methods:
            sets = []
            for i, idx in enumerate(halves):
                (_, rules, _, _), _ = run_method(name, X[idx], y[idx], k, i, args)
                sets.append(snap(rules, deciles))
            d = [dice(a, b) for a, b in itertools.combinations(sets, 2)]
            lines.append(f"| {name} | {np.mean(d):.3f} | {np.mean([len(s) for s in sets]):.1f} |")
            print(lines[-1], flush=True)
        lines.append("")
    if not args.only_certify:
        lines += fixed_stability_section(args)
    if not args.only_fixed_stability:
        lines += certify_section(args.quick)
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
