"""Best-subset benchmark: l0bnb 2.x against l0bnb 1.0.0, El0ps, L0Learn, abess, SCIP, HiGHS.

Every solver sees the same preprocessed instance and the same explicit ``l0``, ``l2`` and
big-M, and every returned coefficient vector is re-evaluated here with one objective::

    F(b) = 0.5 ||y - X b||^2 + l0 ||b||_0 + l2 ||b||^2,   |b_i| <= M.

Each solver run happens in its own subprocess (peak memory from ``os.wait4``, crashes
isolated, wall-clock limit enforced by a kill). Peers that cannot share this environment run
in virtual environments under ``benchmarks/.venvs/`` that :func:`ensure_venv` creates.

Run ``python benchmarks/best_subset.py --help`` for the options; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
VENV_DIR = BENCH_DIR / ".venvs"
RESULTS_DIR = BENCH_DIR / "results"

try:  # the package may not be installed; the benchmark runs from a checkout
    import l0bnb  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO_ROOT))

from l0bnb.datasets import make_sparse_regression, preprocess_like_l0bnb1  # noqa: E402

# --------------------------------------------------------------------------- settings

N_SAMPLES = 1000
K_TRUE = 10
RHO = 0.1
SNR = 5.0
DEFAULT_P = (1000, 5000, 20000, 100000)
QUICK_P = (1000, 5000)
DEFAULT_L2 = (0.1, 0.03, 0.01)
EXPONENTIAL_P = (5000, 20000)
EXPONENTIAL_L2 = 0.03
SMALL_P = 50
SMALL_L2 = 0.03
M_FACTOR = 1.5

EXACT = ("l0bnb", "l0bnb1", "l0bnb1_ws", "el0ps", "scip", "highs")
HEURISTIC = ("l0learn", "abess")
ALL_SOLVERS = ("l0bnb", "l0bnb1", "l0bnb1_ws", "el0ps", "l0learn", "abess", "scip", "highs")
#: MIP references run only on the small extra row: they take seconds at p = 40 already.
SMALL_ONLY = ("scip", "highs")
LABELS = {
    "l0bnb": "l0bnb 2.x",
    "l0bnb1": "l0bnb 1.0.0",
    "l0bnb1_ws": "l0bnb 1.0.0 (L0Learn warm start)",
    "el0ps": "El0ps",
    "l0learn": "L0Learn",
    "abess": "abess",
    "scip": "SCIP",
    "highs": "HiGHS-OA",
}


def _pyenv_python(version: str) -> str:
    """Path of a Python ``version`` interpreter: env var, pyenv, then ``PATH``."""
    env = os.environ.get(f"L0BNB_BENCH_PYTHON{version.replace('.', '')}")
    if env:
        return env
    major_minor = ".".join(version.split(".")[:2])
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if root.is_dir():
        for cand in sorted(root.glob(f"{major_minor}.*"), reverse=True):
            if (cand / "bin" / "python").exists():
                return str(cand / "bin" / "python")
    found = shutil.which(f"python{major_minor}")
    if found:
        return found
    raise FileNotFoundError(f"no Python {major_minor} interpreter found")


#: Virtual environments of the peers: (python version or "self", pinned packages).
VENVS = {
    "l0bnb1": (
        "3.10",
        ["l0bnb==1.0.0", "numpy==1.26.4", "numba==0.59.1", "scipy==1.13.1"],
    ),
    "l0learn": ("3.10", ["l0learn==0.4.3", "numpy==1.26.4"]),
    # mpi4py (an El0ps dependency, imported by pyomo) needs an MPI library: the mpich wheel.
    "el0ps": ("self", ["el0ps==0.0.4", "pybnb==0.6.2", "mpich==5.0.2"]),
    "abess": ("self", ["abess==0.4.11"]),
}
#: Which environment runs which solver ("main" = this interpreter).
SOLVER_ENV = {
    "l0bnb": "main",
    "scip": "main",
    "highs": "main",
    "l0bnb1": "l0bnb1",
    "l0bnb1_ws": "l0bnb1",
    "el0ps": "el0ps",
    "l0learn": "l0learn",
    "abess": "abess",
}
#: Distribution names whose versions go into the report header, per environment.
VERSION_PACKAGES = {
    "main": ["numpy", "scipy", "numba", "highspy", "PySCIPOpt"],
    "l0bnb1": ["l0bnb", "numpy", "numba", "scipy"],
    "l0learn": ["l0learn", "numpy"],
    "el0ps": ["el0ps", "pybnb", "numpy", "numba"],
    "abess": ["abess", "numpy"],
}


# --------------------------------------------------------------------------- environments


def ensure_venv(name: str, python: str, packages: list[str]) -> Path:
    """Create ``benchmarks/.venvs/<name>`` with ``packages`` installed, if not done already.

    Idempotent: a marker file records the interpreter and package list of a successful
    install; when it matches, nothing is done.

    Parameters
    ----------
    name : str
        Directory name under ``benchmarks/.venvs``.
    python : str
        Interpreter used to create the environment (``python -m venv``).
    packages : list of str
        pip requirement specifiers, installed in one ``pip install`` call.

    Returns
    -------
    pathlib.Path
        The environment's ``bin/python``.

    Raises
    ------
    RuntimeError
        If ``venv`` creation or ``pip install`` fails; the message holds the tail of pip's
        output.
    """
    root = VENV_DIR / name
    exe = root / "bin" / "python"
    marker = root / ".bench-packages.json"
    want = {"python": str(python), "packages": list(packages)}
    if exe.exists() and marker.exists():
        try:
            if json.loads(marker.read_text()) == want:
                return exe
        except json.JSONDecodeError:
            pass
    if not exe.exists():
        proc = subprocess.run(
            [python, "-m", "venv", str(root)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"venv {name}: {proc.stderr.strip()[-2000:]}")
    print(f"[setup] installing {' '.join(packages)} into {root}", flush=True)
    proc = subprocess.run(
        [str(exe), "-m", "pip", "install", "--disable-pip-version-check", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("WARNING: Loc")]
        raise RuntimeError(f"pip install into {name} failed: " + "\n".join(lines[-15:]))
    marker.write_text(json.dumps(want))
    return exe


def setup_environments(solvers: list[str]) -> tuple[dict, dict]:
    """Ensure every environment the chosen solvers need; return interpreters and failures."""
    pythons = {"main": sys.executable}
    failures = {}
    for env in sorted({SOLVER_ENV[s] for s in solvers} - {"main"}):
        version, packages = VENVS[env]
        try:
            python = sys.executable if version == "self" else _pyenv_python(version)
            pythons[env] = str(ensure_venv(env, python, packages))
        except (RuntimeError, FileNotFoundError, OSError) as exc:
            failures[env] = f"not installable: {exc}"
            print(f"[setup] {env}: {failures[env]}", flush=True)
    return pythons, failures


def package_versions(pythons: dict) -> dict:
    """Versions of the reported packages in every environment, asked of its interpreter."""
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {'python': sys.version.split()[0]}\n"
        "for n in sys.argv[1:]:\n"
        "    try:\n        out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError:\n        out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    versions = {}
    for env, python in pythons.items():
        sub_env = dict(os.environ)
        if env != "main":
            sub_env.pop("PYTHONPATH", None)
        proc = subprocess.run(
            [python, "-c", code, *VERSION_PACKAGES[env]],
            capture_output=True,
            text=True,
            check=False,
            cwd=VENV_DIR if env != "main" else REPO_ROOT,
            env=sub_env,
        )
        try:
            versions[env] = json.loads(proc.stdout)
        except json.JSONDecodeError:
            versions[env] = {"error": proc.stderr.strip()[-300:]}
    import l0bnb as ours

    versions["main"]["l0bnb (this checkout)"] = ours.__version__
    return versions


def machine_info() -> dict:
    """nproc, CPU model, memory and platform of this machine."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = None
    try:
        with open("/proc/meminfo") as fh:
            mem_gib = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": mem_gib,
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------- instances


def smooth_objective(X, y, coef, l2):
    """``0.5 ||y - X coef||^2 + l2 ||coef||^2`` (no L0 term)."""
    r = y - X @ coef
    return 0.5 * float(r @ r) + l2 * float(coef @ coef)


def objective(X, y, coef, l0, l2, M):
    """The benchmark objective ``F(coef)``; ``inf`` if ``coef`` leaves the box by > 1e-6."""
    coef = np.asarray(coef, dtype=float)
    if np.max(np.abs(coef), initial=0.0) > M * (1 + 1e-6):
        return float("inf")
    return smooth_objective(X, y, coef, l2) + l0 * int(np.count_nonzero(coef))


def box_ridge(X, y, l2, M, support):
    """Minimize ``0.5 ||y - X_S b||^2 + l2 ||b||^2`` over ``|b| <= M`` on ``support``.

    Returns the full-length coefficient vector (zero off the support).
    """
    from scipy.optimize import lsq_linear

    support = np.asarray(support, dtype=int).reshape(-1)
    coef = np.zeros(X.shape[1])
    if support.size == 0:
        return coef
    Xs = X[:, support]
    A = np.vstack([Xs, np.sqrt(2.0 * l2) * np.eye(support.size)])
    rhs = np.concatenate([y, np.zeros(support.size)])
    b = np.linalg.lstsq(A, rhs, rcond=None)[0]
    if np.isfinite(M) and np.max(np.abs(b)) > M:
        b = np.clip(lsq_linear(A, rhs, bounds=(-M, M), method="bvls", tol=1e-12).x, -M, M)
    coef[support] = b
    return coef


def l0_window(X, y, l2, M, support):
    """The ``l0`` interval on which ``support`` is a coordinate-wise minimum of ``F``.

    With ``b_S`` the box-ridge fit on ``support`` and ``r = y - X b_S``: adding ``j`` alone
    gains ``g_j = max_{|t|<=M} (X_j^T r) t - 0.5 (||X_j||^2 + 2 l2) t^2``; dropping ``i``
    (other coordinates fixed) costs ``h_i = f(b_S - b_i e_i) - f(b_S)`` with ``f`` the smooth
    objective. The window is ``[max_j g_j, min_i h_i]``.

    Returns
    -------
    lo, hi : float
        ``max_j g_j`` and ``min_i h_i``.
    coef : numpy.ndarray
        ``b_S``.
    """
    support = np.asarray(support, dtype=int)
    coef = box_ridge(X, y, l2, M, support)
    r = y - X @ coef
    sq = np.einsum("ij,ij->j", X, X)
    curv = sq + 2.0 * l2
    corr = X.T @ r
    t = np.clip(corr / curv, -M, M)
    gain = corr * t - 0.5 * curv * t**2
    mask = np.ones(X.shape[1], dtype=bool)
    mask[support] = False
    lo = float(np.max(gain[mask])) if mask.any() else 0.0
    # f(b - b_i e_i) - f(b) = b_i X_i^T r + 0.5 ||X_i||^2 b_i^2 - l2 b_i^2.
    b = coef[support]
    h = b * corr[support] + 0.5 * sq[support] * b**2 - l2 * b**2
    return lo, float(np.min(h)), coef


def benchmark_instance(p, l2, correlation="constant", seed=0, n=N_SAMPLES, k=K_TRUE):
    """Generate, preprocess and parametrize one benchmark instance.

    Parameters
    ----------
    p : int
        Number of features.
    l2 : float
        Ridge penalty.
    correlation : {"constant", "exponential"}, default "constant"
        Correlation structure of the rows of ``X`` (``rho = 0.1``).
    seed : int, default 0
        Seed of :func:`l0bnb.datasets.make_sparse_regression`.
    n : int, default 1000
        Number of samples.
    k : int, default 10
        Number of true nonzeros.

    Returns
    -------
    X : numpy.ndarray, shape (n, p)
        Centered, unit-norm columns.
    y : numpy.ndarray, shape (n,)
        Centered, unit norm.
    l0 : float
        Geometric mean of the window in which the true support is a coordinate-wise minimum
        (see :func:`l0_window`); ``0.9 * min_i h_i`` if that window is empty.
    l2 : float
        As given.
    M : float
        ``1.5 * max |b|`` of the (unboxed) ridge fit on the true support.
    support : numpy.ndarray of int
        The true support.
    """
    data = make_sparse_regression(
        n_samples=n,
        n_features=p,
        k=k,
        rho=RHO,
        snr=SNR,
        correlation=correlation,
        random_state=seed,
    )
    X, y = preprocess_like_l0bnb1(data.X, data.y)
    support = np.asarray(data.support, dtype=int)
    ridge = box_ridge(X, y, l2, np.inf, support)
    M = M_FACTOR * float(np.max(np.abs(ridge)))
    lo, hi, _ = l0_window(X, y, l2, M, support)
    if lo < hi:
        l0 = float(np.sqrt(lo * hi))
    else:
        l0 = 0.9 * hi
        print(
            f"[note] p={p} l2={l2} {correlation}: l0 window empty "
            f"(max gain {lo:.4g} >= min loss {hi:.4g}); using l0 = 0.9 * min loss",
            flush=True,
        )
    return X, y, l0, l2, M, support


# --------------------------------------------------------------------------- running


def _run_subprocess(python, script, cfg, kill_after):
    """Run ``python script cfg.json``; return (output dict, peak RSS in MB, wall seconds)."""
    cfg_path = Path(cfg["output"]).with_suffix(".cfg.json")
    cfg_path.write_text(json.dumps(cfg))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([x for x in (env.get("PYTHONPATH"), str(REPO_ROOT)) if x])
    main_env = SOLVER_ENV[cfg["solver"]] == "main"
    if not main_env:
        env.pop("PYTHONPATH")  # keep this checkout's l0bnb out of the peers' environments
    env.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    log_path = Path(cfg["output"]).with_suffix(".log")
    t0 = time.perf_counter()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [python, str(BENCH_DIR / script), str(cfg_path)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO_ROOT if main_env else Path(cfg["output"]).parent,
        )
        killed = False
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > kill_after:
                killed = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    tail = log_path.read_text(errors="replace")[-2000:]
    peak_mb = rusage.ru_maxrss / 1024.0  # kilobytes on Linux
    out_path = Path(cfg["output"])
    if killed:
        out = {"ok": False, "error": f"killed after {kill_after:.0f} s wall clock"}
    elif out_path.exists():
        out = json.loads(out_path.read_text())
    else:
        out = {"ok": False, "error": f"exit code {proc.returncode}: {tail[-500:]}"}
    out["killed"] = killed
    return out, peak_mb, wall


def _evaluate(out, X, y, l0, l2, M, true_support):
    """Add objective (ours), refit objective, TP/FP to a runner's output, in place."""
    coef = np.zeros(X.shape[1])
    sparse = out.pop("coef", None)
    if sparse:
        coef[np.asarray(sparse["index"], dtype=int)] = sparse["value"]
    support = np.flatnonzero(np.abs(coef) > 0)
    out["support"] = support.tolist()
    truth = set(true_support.tolist())
    out["tp"] = len(truth.intersection(support.tolist()))
    out["fp"] = int(support.size - out["tp"])
    out["objective"] = objective(X, y, coef, l0, l2, M)
    refit = box_ridge(X, y, l2, M, support)
    out["objective_refit"] = smooth_objective(X, y, refit, l2) + l0 * int(support.size)
    if out.get("reported_objective") is not None:
        out["objective_mismatch"] = out["reported_objective"] - out["objective"]
    return out


def run_solver(solver, inst_path, inst, cfg_base, workdir, pythons, warm_start=None):
    """Run one solver on one instance (two runs for exact solvers) and summarize.

    Parameters
    ----------
    solver : str
        One of :data:`ALL_SOLVERS`.
    inst_path : pathlib.Path
        The instance ``.npz`` (``X``, ``y``).
    inst : tuple
        ``(X, y, l0, l2, M, support)`` from :func:`benchmark_instance`.
    cfg_base : dict
        ``l0``, ``l2``, ``M``, ``time_limit``, ``instance``.
    workdir : pathlib.Path
        Scratch directory for configs and outputs.
    pythons : dict
        Interpreter per environment.
    warm_start : pathlib.Path, optional
        ``.npz`` with ``coef`` for l0bnb 1.0.0's ``warm_start``.

    Returns
    -------
    dict
        ``time_1e-2``, ``time_1e-4`` (None if not reached), ``nodes``, ``gap``,
        ``objective``, ``support``, ``tp``, ``fp``, ``peak_mb``, ``status`` and the raw runs.
    """
    X, y, l0, l2, M, support = inst
    script = "_l0bnb1_runner.py" if solver.startswith("l0bnb1") else "_runner.py"
    python = pythons[SOLVER_ENV[solver]]
    time_limit = cfg_base["time_limit"]
    kill_after = 1.5 * time_limit + 180.0  # warm-up compile and loading get the slack
    tols = (1e-2, 1e-4) if solver in EXACT else (None,)
    runs = {}
    for tol in tols:
        tag = "heuristic" if tol is None else f"{tol:.0e}"
        cfg = dict(cfg_base, solver=solver, gap_tol=tol if tol is not None else 1e-4)
        cfg["output"] = str(workdir / f"{solver}-{tag}.json")
        if warm_start is not None:
            cfg["warm_start"] = str(warm_start)
        out, peak_mb, wall = _run_subprocess(python, script, cfg, kill_after)
        out["peak_mb"] = peak_mb
        out["process_wall"] = wall
        if out.get("ok"):
            _evaluate(out, X, y, l0, l2, M, support)
        runs[tag] = out
        if tol is not None and not _reached(out, tol):
            break  # a looser target missed: the tighter run would only time out again
    return _summarize(solver, runs)


def _reached(out, tol):
    return bool(out.get("ok")) and out.get("gap") is not None and out["gap"] <= tol * (1 + 1e-9)


def _summarize(solver, runs):
    last = runs[list(runs)[-1]]
    summary = {
        "solver": solver,
        "status": last.get("status") if last.get("ok") else f"error: {last.get('error')}",
        "time_1e-2": None,
        "time_1e-4": None,
        "time": last.get("time") if last.get("ok") else None,
        "nodes": last.get("nodes"),
        "gap": last.get("gap"),
        "objective": last.get("objective"),
        "objective_refit": last.get("objective_refit"),
        "reported_objective": last.get("reported_objective"),
        "support": last.get("support"),
        "tp": last.get("tp"),
        "fp": last.get("fp"),
        "peak_mb": max(r.get("peak_mb", 0.0) for r in runs.values()),
        "runs": runs,
    }
    for tag, key, tol in (("1e-02", "time_1e-2", 1e-2), ("1e-04", "time_1e-4", 1e-4)):
        if tag in runs and _reached(runs[tag], tol):
            summary[key] = runs[tag]["time"]
    return summary


def _save_npz(path, **arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def run_instance(spec, solvers, pythons, failures, time_limit, seed, workdir):
    """Generate one instance and run every requested solver on it; return its record."""
    p, l2, correlation, small = spec
    t0 = time.perf_counter()
    inst = benchmark_instance(p, l2, correlation, seed)
    X, y, l0, l2, M, support = inst
    ref_obj_smooth = smooth_objective(X, y, box_ridge(X, y, l2, M, support), l2)
    record = {
        "p": p,
        "n": X.shape[0],
        "l2": l2,
        "correlation": correlation,
        "small_row": small,
        "seed": seed,
        "l0": l0,
        "M": M,
        "true_support": support.tolist(),
        "true_support_objective": ref_obj_smooth + l0 * support.size,
        "solvers": {},
    }
    print(
        f"\n== p={p} l2={l2} {correlation}: l0={l0:.5g} M={M:.4g} "
        f"F(true support)={record['true_support_objective']:.8g} "
        f"(generated in {time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    inst_dir = Path(tempfile.mkdtemp(dir=workdir, prefix=f"p{p}-"))
    inst_path = inst_dir / "instance.npz"
    _save_npz(inst_path, X=X, y=y)
    cfg_base = {"instance": str(inst_path), "l0": l0, "l2": l2, "M": M, "time_limit": time_limit}
    order = [s for s in solvers if s == "l0learn"] + [s for s in solvers if s != "l0learn"]
    for solver in order:
        if solver in SMALL_ONLY and not small:
            continue
        env = SOLVER_ENV[solver]
        if env in failures:
            record["solvers"][solver] = {"solver": solver, "status": failures[env]}
            continue
        warm = None
        if solver == "l0bnb1_ws":
            prev = record["solvers"].get("l0learn", {})
            if not prev.get("support"):
                record["solvers"][solver] = {"solver": solver, "status": "no L0Learn solution"}
                continue
            warm = inst_dir / "warm_start.npz"
            coef = np.zeros(p)
            coef[prev["support"]] = 1.0  # l0bnb 1.0.0 uses only the support of its warm start
            _save_npz(warm, coef=coef)
        res = run_solver(solver, inst_path, inst, cfg_base, inst_dir, pythons, warm)
        record["solvers"][solver] = res
        print("   " + _one_line(res), flush=True)
    shutil.rmtree(inst_dir, ignore_errors=True)
    return record


def _one_line(res):
    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    return (
        f"{LABELS[res['solver']]:<34} t(1e-2)={f(res.get('time_1e-2'), '.2f')} "
        f"t(1e-4)={f(res.get('time_1e-4'), '.2f')} time={f(res.get('time'), '.2f')} "
        f"nodes={res.get('nodes')} gap={f(res.get('gap'), '.2e')} "
        f"obj={f(res.get('objective'), '.10g')} TP/FP={res.get('tp')}/{res.get('fp')} "
        f"peak={f(res.get('peak_mb'), '.0f')}MB status={res.get('status')}"
    )


# --------------------------------------------------------------------------- report


def _fmt(x, fmt):
    return "—" if x is None else format(x, fmt)


def _instance_label(rec):
    corr = "const" if rec["correlation"] == "constant" else "exp"
    return f"{rec['p']} | {rec['l2']:g} | {corr}"


def render_markdown(report):
    """The benchmark report: header, the wide per-solver table and a long detail table."""
    lines = ["# Best-subset benchmark: l0bnb 2.x vs peers", ""]
    lines.append(f"- Command: `{report['command']}`")
    lines.append(f"- Date: {report['date']}")
    m = report["machine"]
    lines.append(
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gib']} GiB RAM, {m['platform']}"
    )
    for env, vers in report["versions"].items():
        items = ", ".join(f"{k} {v}" for k, v in vers.items())
        lines.append(f"- Environment `{env}`: {items}")
    for env, why in report["failures"].items():
        lines.append(f"- `{env}`: {why}")
    lines.append(
        f"- Instances: n={N_SAMPLES}, k={K_TRUE}, rho={RHO}, SNR={SNR}, seed={report['seed']}; "
        "X, y centered and scaled to unit norm; M = 1.5 max|ridge coef on true support|; "
        "l0 = geometric mean of the window where the true support is a coordinate-wise "
        "minimum. Time limit per run: "
        f"{report['time_limit']:g} s."
    )
    lines.append(
        "- Exact solvers are run twice (gap_tol=1e-2, then 1e-4; the second is skipped if the "
        "first misses); times are wall-clock seconds of the solve call after a JIT warm-up "
        "solve. Gap = (objective - bound) / |objective|. Peak MB = max RSS of the solver "
        "process (includes the instance). Heuristics: one run; `excess` = relative excess of "
        "their (box-ridge refit) objective over the best objective any solver found. "
        "SCIP and HiGHS-OA run only on the small row (n/a elsewhere)."
    )
    lines.append("")
    solvers = report["solvers"]
    head = ["p | l2 | corr"]
    for s in solvers:
        lab = LABELS[s]
        if s in EXACT:
            head += [f"{lab} t1e-2", f"{lab} t1e-4", f"{lab} nodes", f"{lab} gap"]
            head += [f"{lab} TP/FP", f"{lab} MB"]
        else:
            head += [f"{lab} time", f"{lab} TP/FP", f"{lab} excess", f"{lab} MB"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * (len(head) + 2))
    for rec in report["instances"]:
        best = min(
            (r.get("objective_refit") or np.inf for r in rec["solvers"].values()),
            default=np.inf,
        )
        row = [_instance_label(rec)]
        for s in solvers:
            r = rec["solvers"].get(s)
            width = 6 if s in EXACT else 4
            if r is None:
                row += ["n/a"] * width
                continue
            if r.get("tp") is None:
                row += [str(r.get("status"))[:40]] + ["—"] * (width - 1)
                continue
            tpfp = f"{r['tp']}/{r['fp']}"
            if s in EXACT:
                row += [
                    _fmt(r.get("time_1e-2"), ".2f"),
                    _fmt(r.get("time_1e-4"), ".2f"),
                    _fmt(r.get("nodes"), "d"),
                    _fmt(r.get("gap"), ".1e"),
                    tpfp,
                    _fmt(r.get("peak_mb"), ".0f"),
                ]
            else:
                excess = (r["objective_refit"] - best) / abs(best) if np.isfinite(best) else None
                row += [
                    _fmt(r.get("time"), ".2f"),
                    tpfp,
                    _fmt(excess, ".1e"),
                    _fmt(r.get("peak_mb"), ".0f"),
                ]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Details", ""]
    lines.append(
        "| p | l2 | corr | l0 | M | solver | status | objective F(b) | refit F | "
        "solver-reported obj | F(true S) |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for rec in report["instances"]:
        for s, r in rec["solvers"].items():
            lines.append(
                f"| {_instance_label(rec)} | {rec['l0']:.4g} | {rec['M']:.4g} | {LABELS[s]} | "
                f"{str(r.get('status'))[:60]} | {_fmt(r.get('objective'), '.10g')} | "
                f"{_fmt(r.get('objective_refit'), '.10g')} | "
                f"{_fmt(r.get('reported_objective'), '.10g')} | "
                f"{rec['true_support_objective']:.10g} |"
            )
    return "\n".join(lines) + "\n"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        obj = float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


# --------------------------------------------------------------------------- CLI


def instance_specs(ps, l2s, exp_ps, small_p):
    """The (p, l2, correlation, small) rows: the small MIP row, the grid, the exponential rows.

    ``small`` marks the row on which the MIP references (SCIP, HiGHS) also run.
    """
    specs = []
    if small_p:
        specs.append((small_p, SMALL_L2, "constant", True))
    for p in ps:
        for l2 in l2s:
            specs.append((p, l2, "constant", False))
    for p in ps:
        if p in exp_ps:
            specs.append((p, EXPONENTIAL_L2, "exponential", False))
    return specs


def parse_args(argv=None):
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="p in {1000, 5000}, 60 s limit")
    ap.add_argument("--p", type=int, nargs="+", default=None, help="feature counts")
    ap.add_argument("--l2", type=float, nargs="+", default=list(DEFAULT_L2))
    ap.add_argument(
        "--exp-p",
        type=int,
        nargs="*",
        default=list(EXPONENTIAL_P),
        help="p values (among --p) that also get an exponential-correlation row, l2=0.03",
    )
    ap.add_argument(
        "--small-p",
        type=int,
        default=SMALL_P,
        help="p of the extra small row where SCIP and HiGHS also run (0: no such row)",
    )
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--solvers", nargs="+", choices=ALL_SOLVERS, default=list(ALL_SOLVERS), metavar="S"
    )
    ap.add_argument("--out", type=Path, default=RESULTS_DIR / "best_subset.md")
    args = ap.parse_args(argv)
    if args.p is None:
        args.p = list(QUICK_P if args.quick else DEFAULT_P)
    if args.time_limit is None:
        args.time_limit = 60.0 if args.quick else 300.0
    return args


def main(argv=None):
    """Run the benchmark and write ``results/best_subset.md`` and ``.json``."""
    args = parse_args(argv)
    command = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    solvers = list(args.solvers)
    if "l0bnb1_ws" in solvers and "l0learn" not in solvers:
        solvers.append("l0learn")  # the warm start comes from L0Learn's solution
    pythons, failures = setup_environments(solvers)
    report = {
        "command": command,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": package_versions(pythons),
        "failures": failures,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "solvers": [s for s in ALL_SOLVERS if s in solvers],
        "instances": [],
    }
    print(f"# {command}\n# {report['date']} {report['machine']}", flush=True)
    print(f"# versions: {json.dumps(report['versions'])}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    json_path = args.out.with_suffix(".json")
    specs = instance_specs(args.p, args.l2, set(args.exp_p), args.small_p)
    with tempfile.TemporaryDirectory(prefix="l0bnb-bench-") as tmp:
        for spec in specs:
            record = run_instance(
                spec, solvers, pythons, failures, args.time_limit, args.seed, Path(tmp)
            )
            report["instances"].append(record)
            # Write after every instance so that an interrupted run keeps its results.
            json_path.write_text(json.dumps(_jsonable(report), indent=1))
            args.out.write_text(render_markdown(report))
    md = render_markdown(report)
    args.out.write_text(md)
    print("\n" + md)
    digest = hashlib.sha256(json_path.read_bytes()).hexdigest()[:12]
    print(f"wrote {args.out} and {json_path} (sha256 {digest})")


if __name__ == "__main__":
    main()
