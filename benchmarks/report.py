"""Regenerate every table of ``benchmarks/`` into one markdown report with plots.

``python benchmarks/report.py [--quick]`` runs

* every benchmark script ``benchmarks/<name>.py`` whose source declares both ``--quick`` and
  ``--out`` (``--quick`` is passed through; the table goes to
  ``benchmarks/results/report/<name>.md``), and
* the benchopt benchmark ``benchmarks/benchopt_best_subset`` (a small data set selection
  with ``--quick``), converted to ``benchmarks/results/report/benchopt_best_subset.md``,

then writes ``benchmarks/results/REPORT.md``: one section per benchmark with its plots
(``benchmarks/results/report/figures/``) and its tables. A script may define
``plot_report(table_md, fig_dir) -> list[pathlib.Path]`` to draw its own figures;
otherwise the report draws every table column whose header contains "time" (the
best-subset table gets time-to-gap bars from its JSON).

``--benchopt-args ...`` (last) passes the rest of the line to ``benchopt run``, e.g.
``-j 2 --parallel-config benchmarks/benchopt_best_subset/dask_local.yml`` to run its grid on
Dask. ``--reuse`` skips running and rebuilds the report from the tables already there (the ones
under ``results/report/``, else ``results/<name>.md``); ``--only NAME ...`` limits the run.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
OUT_DIR = RESULTS / "report"
FIG_DIR = OUT_DIR / "figures"
BENCHOPT_DIR = BENCH_DIR / "benchopt_best_subset"
BENCHOPT_NAME = "benchopt_best_subset"

#: benchopt selections: ``--quick`` keeps one small synthetic set and the bundled data.
BENCHOPT_QUICK = [
    "-d",
    "simulated[n_features=200,n_samples=200]",
    "-d",
    "diabetes-quadratic",
    "-s",
    "l0bnb[time_limit=30.0]",
    "-s",
    "l0bnb-1.0.0[time_limit=30.0]",
    "-s",
    "L0Learn",
    "-s",
    "abess",
    "-s",
    "El0ps[time_limit=30.0]",
    "-s",
    "SCIP[time_limit=30.0]",
    "-s",
    "HiGHS-OA[time_limit=30.0]",
]


# --------------------------------------------------------------------------- discovery


def discover_scripts() -> list[Path]:
    """Benchmark scripts: ``benchmarks/*.py`` (not private, not this file) with both flags."""
    found = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.name.startswith("_") or path.name == Path(__file__).name:
            continue
        text = path.read_text(errors="replace")
        if '"--quick"' in text and '"--out"' in text:
            found.append(path)
    return found


# --------------------------------------------------------------------------- running


def _run(cmd: list[str], log_path: Path, timeout: float | None, cwd: Path) -> tuple[int, float]:
    """Run ``cmd``, teeing its output into ``log_path``; return (exit code, seconds)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "Agg")
    print(f"$ {shlex.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            for line in proc.stdout:
                log.write(line)
                sys.stdout.write("   " + line)
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -9
    return code, time.perf_counter() - t0


def run_script(path: Path, quick: bool, timeout: float | None) -> dict:
    """Run one benchmark script with ``--out results/report/<name>.md``."""
    out = OUT_DIR / f"{path.stem}.md"
    cmd = [sys.executable, str(path.relative_to(REPO_ROOT))]
    cmd += ["--quick"] if quick else []
    cmd += ["--out", str(out.relative_to(REPO_ROOT))]
    code, seconds = _run(cmd, OUT_DIR / f"{path.stem}.log", timeout, REPO_ROOT)
    return {
        "name": path.stem,
        "table": out,
        "command": shlex.join(cmd),
        "code": code,
        "seconds": seconds,
        "source": path,
    }


def run_benchopt(quick: bool, timeout: float | None, extra: tuple = ()) -> dict:
    """Run the benchopt benchmark offline and convert its parquet into a markdown table."""
    parquet = OUT_DIR / f"{BENCHOPT_NAME}.parquet"
    cmd = [
        "benchopt",
        "run",
        str(BENCHOPT_DIR.relative_to(REPO_ROOT)),
        "--no-plot",
        "--no-html",
        "-r",
        "1",
        "--no-cache",
        "--output",
        str(parquet.relative_to(REPO_ROOT)),
    ]
    cmd += BENCHOPT_QUICK if quick else []
    cmd += list(extra)
    parquet.unlink(missing_ok=True)
    code, seconds = _run(cmd, OUT_DIR / f"{BENCHOPT_NAME}.log", timeout, REPO_ROOT)
    table = OUT_DIR / f"{BENCHOPT_NAME}.md"
    if code == 0 and parquet.exists():
        table.write_text(benchopt_markdown(parquet, shlex.join(cmd)))
        parquet.with_suffix(".csv").write_text(_benchopt_frame(parquet).to_csv(index=False))
    return {
        "name": BENCHOPT_NAME,
        "table": table,
        "command": shlex.join(cmd),
        "code": code,
        "seconds": seconds,
        "source": None,
    }


def _benchopt_frame(parquet: Path):
    import pandas as pd

    df = pd.read_parquet(parquet)
    keep = {
        "dataset_name": "dataset",
        "objective_name": "objective",
        "solver_name": "solver",
        "objective_value": "F(b)",
        "objective_n_nonzeros": "nnz",
        "objective_reported_gap": "reported gap",
        "objective_solve_time": "solve time (s)",
        "time": "benchopt time (s)",
        "objective_true_positives": "TP",
        "objective_false_positives": "FP",
    }
    df = df[[c for c in keep if c in df.columns]].rename(columns=keep)
    df["solver"] = df["solver"].str.replace(r"\[.*\]", "", regex=True)
    df["dataset"] = df["dataset"].str.replace(r"correlation=constant,|,seed=0", "", regex=True)
    best = df.groupby("dataset")["F(b)"].transform("min")
    df.insert(4, "excess", (df["F(b)"] - best) / best.abs())
    return df


def benchopt_markdown(parquet: Path, command: str) -> str:
    """The benchopt results as a markdown table (one row per dataset x solver)."""
    import benchopt

    df = _benchopt_frame(parquet)
    lines = ["# benchopt: best-subset L0L2 regression", ""]
    lines.append(f"- Command: `{command}` (benchopt {benchopt.__version__})")
    objectives = sorted(set(df.pop("objective")))
    lines.append(f"- Objective: {', '.join(objectives)}")
    lines.append(
        "- `F(b)`: objective recomputed from the solver's coefficients; `excess`: relative "
        "excess over the best F(b) on that data set; `solve time`: seconds of the solve "
        "call; `benchopt time` includes the peers' process start-up."
    )
    lines.append("")
    head = list(df.columns)
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for _, row in df.iterrows():
        cells = []
        for col in head:
            value = row[col]
            if isinstance(value, float):
                cells.append("—" if value != value else f"{value:.4g}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plots


def parse_tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every pipe table of a markdown text as ``(header, rows)``."""
    tables, block = [], []
    for line in markdown.splitlines() + [""]:
        if line.strip().startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if len(block) >= 3 and set("".join(block[1])) <= set("-: "):
            tables.append((block[0], [r for r in block[2:] if len(r) == len(block[0])]))
        block = []
    return tables


def _number(text: str):
    try:
        return float(text.replace("**", "").split()[0])
    except (ValueError, IndexError):
        return None


def generic_plots(name: str, table_md: Path) -> list[Path]:
    """Grouped bars of every "time" column of the first table (rows = first column)."""
    import matplotlib.pyplot as plt
    import numpy as np

    tables = parse_tables(table_md.read_text())
    if not tables:
        return []
    header, rows = tables[0]
    cols = [j for j, h in enumerate(header) if "time" in h.lower() or re.search(r"\bt1e", h)]
    cols = [j for j in cols if sum(_number(r[j]) is not None for r in rows) >= 1]
    if not cols or not rows:
        return []
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(rows) * len(cols) ** 0.5 + 3), 4.0))
    width = 0.8 / len(cols)
    x = np.arange(len(rows))
    for k, j in enumerate(cols):
        vals = [_number(r[j]) for r in rows]
        ax.bar(x + k * width, [np.nan if v is None else v for v in vals], width, label=header[j])
    ax.set_xticks(x + 0.4 - width / 2, [r[0][:30] for r in rows], rotation=45, ha="right")
    ax.set_ylabel("seconds")
    ax.set_yscale("log")
    ax.legend(fontsize="x-small")
    ax.set_title(f"{name}: time columns")
    fig.tight_layout()
    path = FIG_DIR / f"{name}_time.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]


def best_subset_plots(name: str, table_md: Path) -> list[Path]:
    """Time to a 1e-4 gap of the exact solvers, per instance (from the JSON beside the table)."""
    import matplotlib.pyplot as plt
    import numpy as np

    json_path = table_md.with_suffix(".json")
    if not json_path.exists():
        return generic_plots(name, table_md)
    data = json.loads(json_path.read_text())
    reports = data["runs"] if "runs" in data else [data]
    labels, times, limits = [], {}, []
    exact = ["l0bnb", "l0bnb1", "l0bnb1_ws", "el0ps", "scip", "highs"]
    for rep in reports:
        for inst in rep["instances"]:
            labels.append(f"p={inst['p']} l2={inst['l2']:g} {inst['correlation'][:5]}")
            limits.append(rep["time_limit"])
            for s in exact:
                rec = inst["solvers"].get(s)
                times.setdefault(s, []).append(None if rec is None else rec.get("time_1e-4"))
    solvers = [s for s in exact if any(t is not None for t in times.get(s, []))]
    if not solvers:
        return []
    fig, ax = plt.subplots(figsize=(max(7.0, 0.6 * len(labels) + 3), 4.5))
    width = 0.8 / len(solvers)
    x = np.arange(len(labels))
    names = {
        "l0bnb": "l0bnb 2.x",
        "l0bnb1": "l0bnb 1.0.0",
        "l0bnb1_ws": "l0bnb 1.0.0 (warm)",
        "el0ps": "El0ps",
        "scip": "SCIP",
        "highs": "HiGHS-OA",
    }
    for k, s in enumerate(solvers):
        vals = np.array([np.nan if t is None else t for t in times[s]], dtype=float)
        ax.bar(x + k * width, vals, width, label=names[s], color=f"C{k}")
    ax.set_xticks(x + 0.4 - width / 2, labels, rotation=45, ha="right", fontsize="small")
    ax.set_yscale("log")
    ax.set_ylabel("seconds to a 1e-4 gap")
    ax.set_xlabel("no bar: target not reached in the time limit, or solver not run")
    ax.legend(fontsize="small")
    ax.set_title("Best subset: exact solvers, time to certified 1e-4 gap")
    fig.tight_layout()
    path = FIG_DIR / f"{name}_time_to_gap.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]


def benchopt_plots(name: str, table_md: Path) -> list[Path]:
    """Solve time and objective excess per solver and data set."""
    import matplotlib.pyplot as plt
    import numpy as np

    csv = table_md.with_suffix(".csv")
    if not csv.exists():
        return []
    import pandas as pd

    df = pd.read_csv(csv)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    datasets = list(dict.fromkeys(df["dataset"]))
    solvers = list(dict.fromkeys(df["solver"]))
    width = 0.8 / len(solvers)
    x = np.arange(len(datasets))
    for k, s in enumerate(solvers):
        sub = df[df["solver"] == s].set_index("dataset")
        t = [sub["solve time (s)"].get(d, np.nan) for d in datasets]
        e = [sub["excess"].get(d, np.nan) for d in datasets]
        axes[0].bar(x + k * width, t, width, label=s, color=f"C{k}")
        axes[1].bar(x + k * width, np.maximum(e, 1e-12), width, label=s, color=f"C{k}")
    for ax, title in zip(
        axes, ["solve time (s)", "objective excess over best (1e-12 = best)"], strict=True
    ):
        ax.set_xticks(x + 0.4 - width / 2, [d[:40] for d in datasets], fontsize="x-small")
        ax.set_yscale("log")
        ax.set_title(title)
    axes[0].legend(fontsize="x-small")
    fig.tight_layout()
    path = FIG_DIR / f"{name}.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return [path]


BUILTIN_PLOTS = {"best_subset": best_subset_plots, BENCHOPT_NAME: benchopt_plots}


def plots_for(entry: dict) -> list[Path]:
    """The script's own ``plot_report`` hook, a built-in plotter, or the generic one."""
    table = entry["table"]
    try:
        source = entry.get("source")
        # Import a script only when it defines the hook: importing runs its top level.
        if source is not None and "def plot_report(" in source.read_text(errors="replace"):
            spec = importlib.util.spec_from_file_location(f"_bench_{entry['name']}", source)
            module = importlib.util.module_from_spec(spec)
            sys.path.insert(0, str(BENCH_DIR))
            try:
                spec.loader.exec_module(module)
            finally:
                sys.path.remove(str(BENCH_DIR))
            hook = getattr(module, "plot_report", None)
            if hook is not None:
                return [Path(p) for p in hook(table, FIG_DIR)]
        plotter = BUILTIN_PLOTS.get(entry["name"], generic_plots)
        return plotter(entry["name"], table)
    except Exception as exc:  # a broken plot must not lose the tables
        print(f"[report] plots for {entry['name']} failed: {exc!r}", flush=True)
        entry["plot_error"] = repr(exc)
        return []


# --------------------------------------------------------------------------- report


def _demote(markdown: str) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + 2) + " ", markdown, flags=re.M)


def write_report(entries: list[dict], args, command: str) -> Path:
    """Assemble ``results/REPORT.md`` from the tables and figures."""
    lines = ["# l0bnb benchmark report", ""]
    lines.append(f"- Command: `{command}`")
    lines.append(f"- Date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    lines.append(
        f"- Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}"
    )
    lines.append(
        "- Timings depend on the machine and its load (a shared machine inflates them); "
        "each table below states its own command and package versions."
    )
    lines += ["", "| benchmark | table | ran | exit | seconds |", "|---|---|---|---|---|"]
    for e in entries:
        rel = e["table"].relative_to(RESULTS) if e["table"].exists() else "missing"
        ran = "reused" if e.get("reused") else ("yes" if e.get("code") is not None else "no")
        seconds = "—" if e.get("seconds") is None else f"{e['seconds']:.0f}"
        lines.append(
            f"| [{e['name']}](#{e['name'].replace('_', '-')}) | `{rel}` | {ran} | "
            f"{'—' if e.get('code') is None else e['code']} | {seconds} |"
        )
    for e in entries:
        lines += ["", f"## {e['name']}", ""]
        if e.get("command"):
            lines.append(f"Regenerated with `{e['command']}`.")
            lines.append("")
        if e.get("code") not in (None, 0):
            log = OUT_DIR / f"{e['name']}.log"
            lines.append(
                f"**The run failed (exit {e['code']})**; see `{log.relative_to(RESULTS)}`."
            )
            lines.append("")
        for fig in e.get("figures", []):
            lines.append(f"![{fig.stem}]({fig.relative_to(RESULTS)})")
            lines.append("")
        if e["table"].exists():
            lines.append(_demote(e["table"].read_text().strip()))
        else:
            lines.append("(no table)")
    path = RESULTS / "REPORT.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    ap.add_argument("--reuse", action="store_true", help="do not run; rebuild the report")
    ap.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="NAME",
        help=f"benchmark names to run (script stems, {BENCHOPT_NAME})",
    )
    ap.add_argument("--timeout", type=float, default=None, help="seconds per benchmark")
    ap.add_argument(
        "--benchopt-args",
        nargs=argparse.REMAINDER,
        default=[],
        help="the rest of the line goes to 'benchopt run' (e.g. -j 2 --parallel-config "
        "benchmarks/benchopt_best_subset/dask_local.yml)",
    )
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    command = shlex.join([Path(sys.executable).name, *sys.argv])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    FIG_DIR.mkdir(parents=True, exist_ok=True)
    names = [p.stem for p in discover_scripts()] + [BENCHOPT_NAME]
    unknown = set(args.only or []) - set(names)
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {sorted(unknown)}; known: {names}")
    entries = []
    for path in discover_scripts() + [None]:
        name = BENCHOPT_NAME if path is None else path.stem
        selected = args.only is None or name in args.only
        if selected and not args.reuse:
            if path is None:
                entry = run_benchopt(args.quick, args.timeout, tuple(args.benchopt_args))
            else:
                entry = run_script(path, args.quick, args.timeout)
        else:
            table = OUT_DIR / f"{name}.md"
            if not table.exists():
                table = RESULTS / f"{name}.md"
            entry = {
                "name": name,
                "table": table,
                "source": path,
                "reused": True,
                "command": None,
                "code": None,
                "seconds": None,
            }
        entry["figures"] = plots_for(entry) if entry["table"].exists() else []
        entries.append(entry)
    path = write_report(entries, args, command)
    print(f"\nwrote {path}")
    return 0 if all(e.get("code") in (None, 0) for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main())
