"""First use of a family's kernels: say once that they compile, and compile on two cores.

Numba compiles a family's kernels the first time they run after an install (tens of seconds
on a laptop) and loads them from its on-disk cache afterwards. A user staring at a silent
notebook cell deserves to know which of the two is happening, and should wait as little as
the machine allows.

Numba compiles one function at a time in a process. When a family's cache is empty, the fit
therefore starts a helper process beside it. The recorded list
``<family>/_kernel_signatures.py`` holds the kernels in the order a fit first compiles them
(callees before callers; depth 0 for those called from Python). The fit compiles them from
the start of the list as it calls them, the helper from the end; each process loads from
the disk cache what the other has already written, so they meet in the middle. The helper
only compiles; it never changes a result. Set ``L0BNB_COMPILE_HELPER=0`` to switch it
off.

Recording the lists (after changing a kernel's arguments; ``tests/test_first_use.py`` fails
while a list is stale)::

    python -c "from l0bnb._first_use import main; main()" --record
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HELPER_ENV = "L0BNB_COMPILE_HELPER"
FAMILIES = ("best_subset", "graphl0", "lts", "fusion", "rules")

# Small fits that call every kernel a default fit of the family calls, with the same
# argument types; ``--record`` runs them on an empty cache to list the kernels' signatures.
RECORD_FITS = {
    "best_subset": (
        "from l0bnb import BestSubsetRegressor\n"
        "from l0bnb.datasets import make_sparse_regression\n"
        "d = make_sparse_regression(n_samples=60, n_features=12, k=3, random_state=1)\n"
        "BestSubsetRegressor(n_nonzero_coefs=3).fit(d.X, d.y)\n"
        "BestSubsetRegressor(l0=0.5, l2=0.1).fit(d.X, d.y)\n"
    ),
    "graphl0": (
        "from l0bnb import GraphL0\n"
        "from l0bnb.datasets import make_graphical_instance\n"
        "d = make_graphical_instance(200, 8, 'random', seed=1)\n"
        "GraphL0(l0=0.01, l2=0.05).fit(d.X)\n"
    ),
    "lts": (
        "from l0bnb import PenalizedLTSRegressor\n"
        "from l0bnb.datasets import make_lts_instance\n"
        "d = make_lts_instance(80, 3, contamination=0.2, seed=1)\n"
        "PenalizedLTSRegressor(trim_fraction=0.2, time_limit=5).fit(d.X, d.y)\n"
    ),
    "fusion": (
        "from l0bnb import CategoricalFusionRegressor\n"
        "from l0bnb.datasets import make_categorical_regression\n"
        "d = make_categorical_regression(n_samples=200, n_levels=6, n_continuous=1,"
        " random_state=1)\n"
        "CategoricalFusionRegressor(lf=0.01).fit(d.X, d.y)\n"
    ),
    "rules": (
        "from sklearn.ensemble import RandomForestRegressor\n"
        "from l0bnb import RuleExtractor\n"
        "from l0bnb.datasets import make_rule_regression\n"
        "d = make_rule_regression(n_samples=200, random_state=1)\n"
        "rf = RandomForestRegressor(n_estimators=5, max_depth=2, random_state=1)\n"
        "RuleExtractor(rf, n_rules=3).fit(d.X, d.y)\n"
    ),
}

_announced: set[str] = set()
_helpers: dict[str, subprocess.Popen] = {}


def kernels_cached(package: str) -> bool:
    """True when Numba's disk cache holds compiled kernels of ``l0bnb.<family>._kernels``."""
    module = sys.modules.get(f"{package}._kernels")
    path = Path(module.__file__) if module is not None and module.__file__ else None
    if path is None:
        return False
    cache = path.parent / "__pycache__"
    return any(cache.glob(f"{path.stem}.*.nbi"))


def announce_compilation(package: str, stream=None) -> bool:
    """Print one line to stderr if ``package``'s kernels are not compiled yet (once a process)
    and start the compile helper.

    Returns whether a notice was printed.
    """
    if package in _announced or kernels_cached(package):
        return False
    _announced.add(package)
    family = package.rsplit(".", 1)[-1]
    print(
        f"l0bnb: compiling the {family} kernels (first use after installing; this takes a "
        "while once, later runs load them from Numba's cache)",
        file=stream or sys.stderr,
        flush=True,
    )
    start_compile_helper(package)
    return True


def recorded_signatures(package: str) -> list[tuple[str, str, int]]:
    """The family's kernels ``(name, argument types, depth)`` in the order a fit first
    compiles them."""
    try:
        return list(importlib.import_module(f"{package}._kernel_signatures").SIGNATURES)
    except ImportError:
        return []


def helper_order(signatures: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The helper's order: the list from its end, so that the two processes meet.

    Tried and measured slower (LTS cold fit 13 s against 11 s): starting right after the
    fit's first kernel, because the kernels that come next share that kernel's callees and
    both processes then compiled them.
    """
    return signatures[::-1]


def start_compile_helper(package: str) -> subprocess.Popen | None:
    """Start the process that compiles ``package``'s kernels beside the fit.

    Does nothing on one core, without a recorded list, or with ``L0BNB_COMPILE_HELPER=0``;
    any failure to start leaves the fit to compile alone. The helper is stopped when this
    process exits.
    """
    if os.environ.get(HELPER_ENV, "1") == "0" or (os.cpu_count() or 1) < 2:
        return None
    if package in _helpers or not recorded_signatures(package) or not sys.executable:
        return None
    root = str(Path(__file__).resolve().parents[1])  # the l0bnb this process imported
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, HELPER_ENV: "0", "PYTHONPATH": path}
    code = "from l0bnb._first_use import main; main()"
    command = [sys.executable, "-c", code, "--compile", package]
    try:
        helper = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None
    _helpers[package] = helper
    atexit.register(_stop, helper)
    return helper


def _stop(helper: subprocess.Popen) -> None:
    if helper.poll() is None:
        helper.kill()
        helper.wait()


def compile_signatures(package: str) -> int:
    """Compile (or load from the cache) ``package``'s recorded kernels in the helper's order;
    returns how many.

    A kernel that fails to compile for its recorded types is skipped: the fit compiles
    what it needs itself.
    """
    from numba.core import types

    module = importlib.import_module(f"{package}._kernels")
    done = 0
    for name, args, _ in helper_order(recorded_signatures(package)):
        try:
            getattr(module, name).compile(eval(args, vars(types)))  # noqa: S307 (our own file)
        except Exception:  # noqa: BLE001 (best effort: the fit compiles it otherwise)
            continue
        done += 1
    return done


_RECORDER = """
import json
from numba.core import event
module = "l0bnb.{family}._kernels"
seen, depth = [], [0]
class Recorder(event.Listener):
    def on_start(self, ev):
        depth[0] += 1
    def on_end(self, ev):
        depth[0] -= 1
        func = ev.data["dispatcher"].py_func
        if func.__module__ == module:
            entry = [func.__name__, repr(tuple(ev.data["args"])), depth[0]]
            if entry[:2] not in [e[:2] for e in seen]:
                seen.append(entry)
event.register("numba:compile", Recorder())
exec({code!r})
print(json.dumps(seen))
"""


def record(family: str) -> list[tuple[str, str, int]]:
    """Compile ``family``'s record fit on an empty cache and list the kernels it compiled."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, HELPER_ENV: "0"}
        code = _RECORDER.format(family=family, code=RECORD_FITS[family])
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return [tuple(entry) for entry in json.loads(proc.stdout.strip().splitlines()[-1])]


def write_signatures(family: str, signatures: list[tuple[str, str, int]]) -> Path:
    path = Path(__file__).resolve().parent / family / "_kernel_signatures.py"
    lines = [
        "# ruff: noqa: E501  (generated: one kernel signature per line)",
        '"""The kernels a fit compiles, in order: name, argument types (Numba reprs), depth.',
        "",
        "Generated by ``main(['--record'])`` of ``l0bnb._first_use``; read by its compile helper.",
        '"""',
        "",
        "SIGNATURES = [",
    ]
    lines += [f"    ({name!r}, {args!r}, {depth})," for name, args, depth in signatures]
    lines += ["]", ""]
    path.write_text("\n".join(lines))
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Compile or record a family's kernels.")
    parser.add_argument("--compile", metavar="PACKAGE")
    parser.add_argument("--record", nargs="*", metavar="FAMILY")
    args = parser.parse_args(argv)
    if args.compile:
        compile_signatures(args.compile)
    if args.record is not None:
        for family in args.record or FAMILIES:
            print(write_signatures(family, record(family)))


if __name__ == "__main__":
    main()
