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
import ast
import atexit
import importlib
import importlib.util
import json
import math
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
        "d = make_sparse_regression(n_samples=80, n_features=40, k=3, random_state=1)\n"
        "BestSubsetRegressor(n_nonzero_coefs=3).fit(d.X, d.y)\n"  # supports listed
        "BestSubsetRegressor(n_nonzero_coefs=8).fit(d.X, d.y)\n"  # relaxed
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
    """True when Numba's disk cache holds compiled kernels of ``l0bnb.<family>._kernels``.

    Looks where Numba itself caches them: beside the module, or in Numba's user-wide cache
    directory (or ``NUMBA_CACHE_DIR``) when the installation is read-only.
    """
    module = sys.modules.get(f"{package}._kernels")
    path = Path(module.__file__) if module is not None and module.__file__ else None
    if path is None:
        return False
    folders = {path.parent / "__pycache__"}
    for value in vars(module).values():
        cache = getattr(value, "_cache", None)
        if getattr(cache, "_cache_path", None):
            folders.add(Path(cache._cache_path))
            break
    return any(any(folder.glob(f"{path.stem}.*.nbi")) for folder in folders)


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


def recorded_signatures(package: str) -> list[tuple[str, str, int, float]]:
    """The family's kernels ``(name, argument types, depth, seconds)`` in the order a fit
    first compiles them (``seconds``: the kernel's own compile time when recorded)."""
    try:
        return list(importlib.import_module(f"{package}._kernel_signatures").SIGNATURES)
    except ImportError:
        return []


def kernel_callees(package: str) -> dict[str, set[str]]:
    """For each kernel of ``package._kernels``, the kernels of that module its source calls."""
    spec = importlib.util.find_spec(f"{package}._kernels")
    tree = ast.parse(Path(spec.origin).read_text())
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    return {
        name: {
            call.func.id
            for call in ast.walk(node)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id in functions
        }
        for name, node in functions.items()
    }


HELPER_START = 0.8  # seconds before the helper compiles (interpreter, numba, its first setup)
HELPER_PACE = 1.3  # the helper's compile times relative to the recorded ones (two busy cores)
LOAD = 0.02  # seconds to load one kernel from the cache


def helper_order(signatures, callees, start=HELPER_START):
    """The helper's order: kernels it can finish before the fit gets to them, most urgent first.

    Simulates both processes with the recorded compile times: the fit compiles the list in
    order and loads what the helper has already written; compiling a kernel in the helper
    also compiles its callees that neither process has finished yet. Each step takes the
    kernel the fit needs soonest among those the helper can still finish in time, until
    there is none; the rest follow from the end of the list (if the fit is slower than
    recorded, the helper still gets to some of them first).
    """
    names = [entry[0] for entry in signatures]
    cost = {}
    for name, _, _, seconds in signatures:
        cost[name] = cost.get(name, 0.0) + seconds

    def fit_times(ready):
        """When the fit starts and finishes each kernel, given the helper's finish times."""
        begin, end, t = {}, {}, 0.0
        for name in names:
            if name in begin:
                continue
            begin[name] = t
            t += LOAD if ready.get(name, math.inf) <= t else cost[name]
            end[name] = t
        return begin, end

    def closure(name, have):
        todo, stack = [], [name]
        while stack:
            k = stack.pop()
            if k in have or k in todo or k not in cost:
                continue
            todo.append(k)
            stack.extend(callees.get(k, ()))
        return todo

    ready, order, t = {}, [], start
    while True:
        begin, end = fit_times(ready)
        have = set(ready) | {k for k in names if end[k] <= t}
        best = None
        for name in names:
            if name in have:
                continue
            finish = t + HELPER_PACE * sum(cost[k] for k in closure(name, have))
            if finish < begin[name] and (best is None or begin[name] < begin[best[0]]):
                best = (name, finish)
        if best is None:
            break
        for k in reversed(closure(best[0], have)):
            ready[k] = best[1]
            order.append(k)
        t = best[1]
    order += [name for name in reversed(dict.fromkeys(names)) if name not in ready]
    return [entry for name in order for entry in signatures if entry[0] == name]


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
    command = [sys.executable, "-c", _HELPER, package]
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


# The helper imports only the family's kernels (numpy and Numba), not the package: l0bnb's
# __init__ imports scikit-learn and every family, a second and a half the helper would lose.
_HELPER = """
import importlib.util, sys, types
root = importlib.util.find_spec("l0bnb").submodule_search_locations[0]
package = sys.argv[1]
parts = package.split(".")
for i in range(1, len(parts) + 1):
    name = ".".join(parts[:i])
    stub = types.ModuleType(name)
    stub.__path__ = [root if i == 1 else root + "/" + "/".join(parts[1:i])]
    sys.modules[name] = stub
from l0bnb._first_use import compile_signatures
compile_signatures(package)
"""


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
    order = helper_order(recorded_signatures(package), kernel_callees(package))
    for name, args, _, _ in order:
        try:
            getattr(module, name).compile(eval(args, vars(types)))  # noqa: S307 (our own file)
        except Exception:  # noqa: BLE001 (best effort: the fit compiles it otherwise)
            continue
        done += 1
    return done


_RECORDER = """
import json, time
from numba.core import event
module = "l0bnb.{family}._kernels"
seen, frames = [], []
class Recorder(event.Listener):
    def on_start(self, ev):
        frames.append([time.perf_counter(), 0.0])
    def on_end(self, ev):
        start, nested = frames.pop()
        func = ev.data["dispatcher"].py_func
        if func.__module__ != module:
            return  # Numba's own glue: counted in the kernel that needed it
        spent = time.perf_counter() - start
        if frames:
            frames[-1][1] += spent
        entry = [func.__name__, repr(tuple(ev.data["args"])), len(frames), spent - nested]
        if entry[:2] not in [e[:2] for e in seen]:
            seen.append(entry)
event.register("numba:compile", Recorder())
exec({code!r})
print(json.dumps(seen))
"""


def record(family: str) -> list[tuple[str, str, int, float]]:
    """Compile ``family``'s record fit on an empty cache and list the kernels it compiled."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, HELPER_ENV: "0"}
        code = _RECORDER.format(family=family, code=RECORD_FITS[family])
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return [tuple(entry) for entry in json.loads(proc.stdout.strip().splitlines()[-1])]


def write_signatures(family: str, signatures: list[tuple[str, str, int, float]]) -> Path:
    path = Path(__file__).resolve().parent / family / "_kernel_signatures.py"
    lines = [
        "# ruff: noqa: E501  (generated: one kernel signature per line)",
        '"""The kernels a fit compiles, in order: name, argument types (Numba reprs), depth',
        "(0: called from Python) and own compile time in seconds on the recording machine.",
        "",
        "Generated by ``main(['--record'])`` of ``l0bnb._first_use``; read by its compile helper.",
        '"""',
        "",
        "SIGNATURES = [",
    ]
    lines += [
        f"    ({name!r}, {args!r}, {depth}, {seconds:.3f}),"
        for name, args, depth, seconds in signatures
    ]
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
