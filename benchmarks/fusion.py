"""Benchmark: CategoricalFusionRegressor against one-hot Lasso, target encoding and L0Learn.

Usage::

    python benchmarks/fusion.py --quick --out benchmarks/results/fusion_quick.md

Every method sees the same training rows and is scored on the same test rows of data from
``make_categorical_regression`` (many-level features, a few true groups, some continuous
features). Reported per method: test MSE, adjusted Rand index (ARI) of the fitted level
partition against the truth (levels with equal fitted values form a group; zero is one group),
model size (distinct nonzero level values + nonzero continuous coefficients), fit time, and
for the exact solver its status, certified gap and node count.

Fusion picks ``lf`` by 5-fold cross-validation on the training rows (BCD along warm-started
paths over a common grid; ``--folds``), then refits on all training rows with BCD and with
branch and bound (time limit) at the CV minimum, and with branch and bound at the
one-standard-error choice (``fusion-bnb-1se``: the largest ``lf`` within one standard error
of the minimum, glmnet's ``lambda.1se``). One-hot
Lasso uses 5-fold ``LassoCV``; target encoding is scikit-learn's cross-fitted
``TargetEncoder`` + ``RidgeCV``; L0Learn (``cvfit``, L0L2, 5 folds) runs on the same dummies
in its own virtual environment (``benchmarks/.venvs/l0learn``, Python 3.10; skipped with a
note when that environment is missing). An ``oracle`` row refits least squares on the true
level partition and the true continuous support: the test error a method that recovers the
structure exactly can expect. A paired table gives each peer's mean test-MSE difference to
fusion over the same seeds, with its standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from l0bnb import CategoricalFusionRegressor  # noqa: E402
from l0bnb.datasets import make_categorical_regression  # noqa: E402
from l0bnb.fusion.refit import labels_from_beta  # noqa: E402

L0LEARN_VENVS = [HERE / ".venvs" / "l0learn", Path("/work/main/benchmarks/.venvs/l0learn")]

L0LEARN_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np
import l0learn
warnings.simplefilter("ignore")
d = np.load(sys.argv[1])
X, y = d["X"], d["y"]
t0 = time.perf_counter()
# l0learn 0.4.3 with intercept=True picks the empty model in cvfit here; centre instead.
xm, ym = X.mean(axis=0), y.mean()
fit = l0learn.cvfit(np.asfortranarray(X - xm), y - ym, penalty="L0L2", num_folds=5,
                    num_gamma=5, gamma_max=1.0, gamma_min=1e-4,
                    max_support_size=min(100, X.shape[1]), seed=1, intercept=False)
best = None
for g in range(len(fit.gamma)):
    means = np.asarray(fit.cv_means[g]).ravel()
    i = int(np.argmin(means))
    if best is None or means[i] < best[0]:
        best = (float(means[i]), g, i)
_, g, i = best
sol = fit.coeff(lambda_0=fit.lambda_0[g][i], gamma=fit.gamma[g], include_intercept=False)
coef = np.asarray(sol.todense()).ravel()
wall = time.perf_counter() - t0
json.dump({"intercept": float(ym - xm @ coef), "coef": coef.tolist(), "time": wall},
          open(sys.argv[2], "w"))
"""

QUICK = [
    dict(name="small", n=400, n_categorical=2, n_levels=6, n_groups=3, n_continuous=2, seeds=5,
         time_limit=30.0),
    dict(name="medium", n=800, n_categorical=2, n_levels=10, n_groups=3, n_continuous=2,
         seeds=5, time_limit=120.0),
    dict(name="large", n=2000, n_categorical=3, n_levels=30, n_groups=4, n_continuous=3,
         seeds=2, time_limit=60.0),
]  # fmt: skip
FULL = [
    dict(c, seeds=c["seeds"] * 2 + 1, time_limit=c["time_limit"] * 2) for c in QUICK
] + [
    dict(name="zipf", n=2000, n_categorical=2, n_levels=50, n_groups=4, n_continuous=3,
         seeds=2, time_limit=120.0, level_dist="zipf"),
]  # fmt: skip


def instance(cfg, seed):
    d = make_categorical_regression(
        n_samples=2 * cfg["n"], n_categorical=cfg["n_categorical"], n_levels=cfg["n_levels"],
        n_groups=cfg["n_groups"], n_continuous=cfg["n_continuous"], n_continuous_relevant=1,
        level_dist=cfg.get("level_dist", "uniform"), snr=cfg.get("snr", 2.0), random_state=seed,
    )  # fmt: skip
    n = cfg["n"]
    return d, d.X.iloc[:n], d.y[:n], d.X.iloc[n:], d.y[n:]


def dummies(X, levels, cat_cols, cont_cols, mean=None, scale=None):
    """Full one-hot of the categorical columns (all levels) + standardised continuous ones."""
    blocks = [
        (
            X[c].astype(object).to_numpy()[:, None] == np.array(levels[j], dtype=object)[None, :]
        ).astype(float)
        for j, c in enumerate(cat_cols)
    ]
    Z = X[cont_cols].to_numpy(float)
    if mean is None:
        mean, scale = Z.mean(0), Z.std(0)
    return np.column_stack(blocks + [(Z - mean) / scale]), mean, scale


def partition_metrics(data, level_coefs, cont_coef):
    """ARI against the truth and model size, from per-level coefficient vectors."""
    from sklearn.metrics import adjusted_rand_score

    aris, size = [], int(np.count_nonzero(cont_coef))
    for j, values in enumerate(level_coefs):
        labels = labels_from_beta(np.asarray(values, dtype=float))
        aris.append(adjusted_rand_score(data.groups[j], labels))
        size += int(labels.max(initial=0))
    return float(np.mean(aris)), size


def choose_lf(Xtr, ytr, n_folds=5, rule="min"):
    """``lf`` by K-fold cross-validation on the training rows (BCD paths, warm started).

    ``rule="min"`` takes the grid point of least mean validation error; ``rule="1se"`` the
    largest ``lf`` (fewest values) whose mean error is within one standard error of that
    minimum (glmnet's ``lambda.1se``). ``rule="both"`` returns both, from the same folds.
    """
    grid = CategoricalFusionRegressor(solver="bcd").path(Xtr, ytr, n_lf=12, eps=1e-3).lf
    folds = np.arange(len(ytr)) % n_folds
    errs = np.zeros((n_folds, len(grid)))
    for k in range(n_folds):
        fit, val = folds != k, folds == k
        path = CategoricalFusionRegressor(solver="bcd").path(Xtr[fit], ytr[fit], lf=grid)
        for i in range(len(grid)):
            errs[k, i] = np.mean((path.estimator(i).predict(Xtr[val]) - ytr[val]) ** 2)
    mean = errs.mean(axis=0)
    best = int(np.argmin(mean))
    se = errs[:, best].std(ddof=1) / np.sqrt(n_folds)
    # The grid decreases, so the first point within one SE has the largest lf.
    one_se = int(np.flatnonzero(mean <= mean[best] + se)[0])
    chosen = {"min": float(grid[best]), "1se": float(grid[one_se])}
    return chosen if rule == "both" else chosen[rule]


FUSION_RUNS = (("bcd", "min"), ("bnb", "min"), ("bnb", "1se"))


def run_fusion(data, Xtr, ytr, Xte, yte, cfg, n_folds=5):
    """Fusion with ``lf`` from CV: BCD and branch and bound at the CV minimum, and branch and
    bound at the one-standard-error choice (method name suffixed ``-1se``)."""
    import warnings

    rows = []
    t0 = time.perf_counter()
    lfs = choose_lf(Xtr, ytr, n_folds, rule="both")
    tune = time.perf_counter() - t0
    for solver, rule in FUSION_RUNS:
        lf = lfs[rule]
        model = CategoricalFusionRegressor(lf=lf, solver=solver, time_limit=cfg["time_limit"])
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, ytr)
        wall = time.perf_counter() - t0
        levels = [
            [model.level_values_[j][lv] for lv in data.levels[j]] for j in range(len(data.levels))
        ]
        ari, size = partition_metrics(data, levels, model.coef_)
        res = model.result_
        rows.append(
            dict(
                method=f"fusion-{solver}" + ("-1se" if rule == "1se" else ""),
                mse=float(np.mean((model.predict(Xte) - yte) ** 2)),
                ari=ari, size=size, time=wall, tune=tune,
                status=res.status, gap=res.gap, nodes=res.n_nodes, lf=lf,
            )
        )  # fmt: skip
    return rows


def run_oracle(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols):
    """Least squares on the true level partition and the true continuous support."""

    def design(X):
        cols = [np.ones(len(X))]
        for j, c in enumerate(cat_cols):
            group_of = dict(zip(data.levels[j], data.groups[j], strict=True))
            g = np.array([group_of[v] for v in X[c]])
            cols += [(g == k).astype(float) for k in np.unique(data.groups[j]) if k != 0]
        cols += [X[c].to_numpy(float) for j, c in enumerate(cont_cols) if data.theta[j] != 0]
        return np.column_stack(cols)

    t0 = time.perf_counter()
    w = np.linalg.lstsq(design(Xtr), ytr, rcond=None)[0]
    wall = time.perf_counter() - t0
    size = int(sum(len(set(g)) - 1 for g in data.groups) + np.count_nonzero(data.theta))
    return dict(
        method="oracle", mse=float(np.mean((design(Xte) @ w - yte) ** 2)), ari=1.0, size=size,
        time=wall, tune=0.0, status="-", gap=None, nodes=None, lf=None,
    )  # fmt: skip


def run_lasso(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols):
    from sklearn.linear_model import LassoCV

    Dtr, m, s = dummies(Xtr, data.levels, cat_cols, cont_cols)
    Dte, _, _ = dummies(Xte, data.levels, cat_cols, cont_cols, m, s)
    t0 = time.perf_counter()
    model = LassoCV(cv=5, random_state=0, max_iter=20000).fit(Dtr, ytr)
    wall = time.perf_counter() - t0
    return _linear_row("onehot-LassoCV", data, model.coef_, model.predict(Dte), yte, wall)


def _linear_row(name, data, coef, pred, yte, wall, note=""):
    K = [len(lv) for lv in data.levels]
    offs = np.concatenate([[0], np.cumsum(K)])
    levels = [coef[offs[j] : offs[j + 1]] for j in range(len(K))]
    ari, size = partition_metrics(data, levels, coef[offs[-1] :])
    return dict(
        method=name, mse=float(np.mean((pred - yte) ** 2)), ari=ari, size=size, time=wall,
        tune=0.0, status=note or "-", gap=None, nodes=None, lf=None,
    )  # fmt: skip


def run_target_encoder(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler, TargetEncoder

    pipe = make_pipeline(
        ColumnTransformer(
            [("te", TargetEncoder(), cat_cols), ("sc", StandardScaler(), cont_cols)]
        ),
        RidgeCV(alphas=np.logspace(-3, 3, 13)),
    )
    t0 = time.perf_counter()
    pipe.fit(Xtr, ytr)
    wall = time.perf_counter() - t0
    te = pipe[0].named_transformers_["te"]
    ridge = pipe[-1]
    levels = []
    for j in range(len(cat_cols)):
        enc = dict(zip(te.categories_[j], te.encodings_[j], strict=True))
        vals = np.array([enc.get(lv, te.target_mean_) for lv in data.levels[j]])
        levels.append(ridge.coef_[j] * (vals - te.target_mean_))
    ari, size = partition_metrics(data, levels, ridge.coef_[len(cat_cols) :])
    return dict(
        method="TargetEncoder-RidgeCV", mse=float(np.mean((pipe.predict(Xte) - yte) ** 2)),
        ari=ari, size=size, time=wall, tune=0.0, status="-", gap=None, nodes=None, lf=None,
    )  # fmt: skip


def l0learn_python():
    for venv in L0LEARN_VENVS:
        py = venv / "bin" / "python"
        if py.exists():
            return py
    return None


def run_l0learn(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols):
    py = l0learn_python()
    if py is None:
        return None
    Dtr, m, s = dummies(Xtr, data.levels, cat_cols, cont_cols)
    Dte, _, _ = dummies(Xte, data.levels, cat_cols, cont_cols, m, s)
    with tempfile.TemporaryDirectory(prefix="fusion-l0learn-") as tmp:
        inp, out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.json")
        np.savez(inp, X=Dtr, y=ytr)
        proc = subprocess.run(
            [str(py), "-c", L0LEARN_SCRIPT, inp, out], capture_output=True, text=True
        )
        if proc.returncode != 0:
            row = _linear_row(
                "L0Learn-dummies",
                data,
                np.zeros(Dtr.shape[1]),
                np.full(len(yte), np.nan),
                yte,
                0.0,
            )
            row["status"] = "failed: " + proc.stderr.strip().splitlines()[-1][:80]
            return row
        res = json.load(open(out))
    coef = np.array(res["coef"])
    pred = res["intercept"] + Dte @ coef
    return _linear_row("L0Learn-dummies", data, coef, pred, yte, res["time"])


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small configuration (minutes)")
    parser.add_argument("--out", default=None, help="markdown output path")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per configuration")
    parser.add_argument("--folds", type=int, default=5, help="CV folds for fusion's lf")
    parser.add_argument("--only", nargs="*", default=None, help="configuration names to run")
    args = parser.parse_args(argv)
    configs = QUICK if args.quick else FULL
    if args.only:
        configs = [c for c in configs if c["name"] in args.only]
    if args.seeds is not None:
        configs = [dict(c, seeds=args.seeds) for c in configs]
    rows = []
    for cfg in configs:
        for seed in range(cfg["seeds"]):
            data, Xtr, ytr, Xte, yte = instance(cfg, seed)
            cat_cols = [c for c in Xtr.columns if c.startswith("c")]
            cont_cols = [c for c in Xtr.columns if c.startswith("z")]
            noise = data.noise_std**2
            found = run_fusion(data, Xtr, ytr, Xte, yte, cfg, args.folds)
            found.append(run_oracle(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols))
            found.append(run_lasso(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols))
            found.append(run_target_encoder(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols))
            l0 = run_l0learn(data, Xtr, ytr, Xte, yte, cat_cols, cont_cols)
            if l0 is not None:
                found.append(l0)
            for r in found:
                r.update(config=cfg["name"], seed=seed, noise=noise,
                         true_size=int(sum(len(set(g)) - 1 for g in data.groups)) + 1)  # fmt: skip
                print(json.dumps(r), flush=True)
            rows.extend(found)
    md = report(rows, configs, args)
    print(md)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(md)
        Path(args.out).with_suffix(".json").write_text(json.dumps(rows, indent=1))


def report(rows, configs, args):
    import pandas
    import sklearn

    import l0bnb

    cmd = "python benchmarks/fusion.py" + (" --quick" if args.quick else "")
    if args.only:
        cmd += " --only " + " ".join(args.only)
    if args.seeds is not None:
        cmd += f" --seeds {args.seeds}"
    if args.folds != 5:
        cmd += f" --folds {args.folds}"
    if args.out:
        cmd += f" --out {args.out}"
    lines = [
        "# Categorical fusion benchmark",
        "",
        f"Command: `{cmd}`  ",
        f"Versions: l0bnb {l0bnb.__version__}, scikit-learn {sklearn.__version__}, "
        f"pandas {pandas.__version__}, numpy {np.__version__}, Python {platform.python_version()}"
        f"{'' if l0learn_python() else ' (L0Learn: no venv found, skipped)'}  ",
        "Machine: shared 2-core VM with other jobs running; times are inflated and noisy.  ",
        "Test MSE is on held-out rows of the same generator (noise variance in the `noise` "
        "column is the floor). `size` = distinct nonzero level values + nonzero continuous "
        "coefficients (`true` = the generator's). ARI: fitted vs true level partition. "
        "Fusion time excludes the `lf` cross-validation (`tune`).",
        "",
        "Configurations: "
        + "; ".join(
            f"{c['name']}: n={c['n']} train / {c['n']} test, {c['n_categorical']} categorical "
            f"x {c['n_levels']} levels ({c['n_groups']} true groups incl. zero), "
            f"{c['n_continuous']} continuous (1 relevant), bnb time limit {c['time_limit']:g}s"
            for c in configs
        ),
        "",
        "## Mean over seeds",
        "",
        "| config | method | test MSE | noise | ARI | size (true) | time s | tune s | certified "
        "| mean gap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    by = {}
    for r in rows:
        by.setdefault((r["config"], r["method"]), []).append(r)
    for (cfg, method), rs in by.items():
        gaps = [r["gap"] for r in rs if r["gap"] is not None]
        certified = sum(r["status"] == "optimal" for r in rs)
        cert = f"{certified}/{len(rs)}" if method.startswith("fusion-") else "-"
        lines.append(
            f"| {cfg} | {method} | {np.mean([r['mse'] for r in rs]):.4f} "
            f"| {np.mean([r['noise'] for r in rs]):.4f} | {np.mean([r['ari'] for r in rs]):.3f} "
            f"| {np.mean([r['size'] for r in rs]):.1f} ({rs[0]['true_size']}) "
            f"| {np.mean([r['time'] for r in rs]):.2f} | {np.mean([r['tune'] for r in rs]):.2f} "
            f"| {cert} | {fmt(np.mean(gaps) if gaps else None, '.2e')} |"
        )
    lines += [
        "",
        "## Paired test-MSE differences (peer minus fusion, same seeds)",
        "",
        "Positive: fusion's test error is lower. `± se` is the standard error over seeds; "
        "`fusion better` counts seeds where fusion's test MSE is at most the peer's.",
        "",
        "| config | fusion | peer | mean difference ± se | fusion better "
        "| peer size / fusion size |",
        "|---|---|---|---|---|---|",
    ]
    for cfg in dict.fromkeys(r["config"] for r in rows):
        peers = dict.fromkeys(
            r["method"] for r in rows if r["config"] == cfg and not r["method"].startswith("fus")
        )
        for variant in ("fusion-bnb", "fusion-bnb-1se"):
            fus = {r["seed"]: r for r in rows if r["config"] == cfg and r["method"] == variant}
            for peer in peers if fus else ():
                pairs = [
                    (r["mse"] - fus[r["seed"]]["mse"], r["size"], fus[r["seed"]]["size"])
                    for r in rows
                    if r["config"] == cfg and r["method"] == peer and r["seed"] in fus
                ]
                d = np.array([p[0] for p in pairs])
                se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
                lines.append(
                    f"| {cfg} | {variant} | {peer} | {d.mean():+.4f} ± {se:.4f} "
                    f"| {int(np.sum(d >= 0))}/{len(d)} | {np.mean([p[1] for p in pairs]):.1f} "
                    f"/ {np.mean([p[2] for p in pairs]):.1f} |"
                )
    lines += [
        "",
        "## Every run",
        "",
        "| config | seed | method | test MSE | ARI | size | time s | status | gap | nodes | lf |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['config']} | {r['seed']} | {r['method']} | {r['mse']:.4f} | {r['ari']:.3f} "
            f"| {r['size']} | {r['time']:.2f} | {r['status']} | {fmt(r['gap'], '.2e')} "
            f"| {fmt(r['nodes'], 'd')} | {fmt(r['lf'], '.3g')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
