"""First use: the one-line notice before a family's kernels compile, and the compile helper."""

import io
import json
import os
import subprocess
import sys
import types

import pytest

from l0bnb import _first_use


def test_notice_only_when_the_cache_is_empty(tmp_path, monkeypatch):
    source = tmp_path / "_kernels.py"
    source.write_text("")
    fake = types.ModuleType("fakepkg._kernels")
    fake.__file__ = str(source)
    monkeypatch.setitem(sys.modules, "fakepkg._kernels", fake)
    monkeypatch.setattr(_first_use, "_announced", set())
    out = io.StringIO()
    assert _first_use.announce_compilation("fakepkg", out)
    assert "compiling the fakepkg kernels" in out.getvalue()
    # Once per process, whatever the cache says.
    assert not _first_use.announce_compilation("fakepkg", out)
    # A cache index beside the module means the kernels load, nothing to announce.
    monkeypatch.setattr(_first_use, "_announced", set())
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "_kernels.cd_pass-12.py311.nbi").write_text("")
    assert _first_use.kernels_cached("fakepkg")
    assert not _first_use.announce_compilation("fakepkg", out)


_CALLED = """
import importlib, json
from numba.core.registry import CPUDispatcher
from l0bnb._first_use import RECORD_FITS
exec(RECORD_FITS[{family!r}])
module = importlib.import_module("l0bnb.{family}._kernels")
print(json.dumps([[name, repr(sig)] for name, obj in vars(module).items()
                  if isinstance(obj, CPUDispatcher) for sig in obj.signatures]))
"""


@pytest.mark.parametrize("family", _first_use.FAMILIES)
def test_recorded_signatures_cover_what_a_fit_calls(family):
    """A stale list (a kernel whose argument types changed) makes the helper compile
    specialisations no fit uses: every kernel a fit calls must be in the list."""
    env = {**os.environ, _first_use.HELPER_ENV: "0"}
    code = _CALLED.format(family=family)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    called = {tuple(entry) for entry in json.loads(proc.stdout.strip().splitlines()[-1])}
    recorded = {
        (name, args) for name, args, _, _ in _first_use.recorded_signatures(f"l0bnb.{family}")
    }
    assert called, "the record fit called no kernel"
    assert called <= recorded, (
        f"{sorted(called - recorded)} missing from l0bnb/{family}/_kernel_signatures.py: "
        'run python -c "from l0bnb._first_use import main; main()" --record'
    )
    depth_zero = {
        (name, args)
        for name, args, depth, _ in _first_use.recorded_signatures(f"l0bnb.{family}")
        if depth == 0
    }
    assert depth_zero <= called


def test_helper_compiles_every_recorded_kernel_into_the_cache(tmp_path):
    """The helper writes each recorded kernel into Numba's cache (here an empty one)."""
    family = "rules"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), _first_use.HELPER_ENV: "0"}
    code = "from l0bnb._first_use import main; main()"
    subprocess.run(
        [sys.executable, "-c", code, "--compile", f"l0bnb.{family}"], env=env, check=True
    )
    names = {name for name, *_ in _first_use.recorded_signatures(f"l0bnb.{family}")}
    cached = {p.name.split(".")[1].rsplit("-", 1)[0] for p in tmp_path.rglob("*.nbi")}
    assert names <= cached


def test_helper_order_takes_what_it_can_finish_before_the_fit_needs_it():
    # The fit compiles a (1 s), b (1 s, calls a), c (3 s), d (1 s, calls c) in order.
    signatures = [
        ("a", "()", 1, 1.0),
        ("b", "()", 0, 1.0),
        ("c", "()", 1, 3.0),
        ("d", "()", 0, 1.0),
    ]
    callees = {"a": set(), "b": {"a"}, "c": set(), "d": {"c"}}
    order = [entry[0] for entry in _first_use.helper_order(signatures, callees, start=0.5)]
    # a and b are needed before the helper could finish them; c is needed at 2 s and the
    # helper (0.5 + 1.3 * 3 s) cannot finish it by then either; nothing is feasible, so the
    # helper works from the end of the list.
    assert order == ["d", "c", "b", "a"]
    # With c needed later (a slow b), the helper takes c first.
    slow = [("a", "()", 1, 1.0), ("b", "()", 0, 5.0), ("c", "()", 1, 3.0), ("d", "()", 0, 1.0)]
    order = [entry[0] for entry in _first_use.helper_order(slow, callees, start=0.5)]
    assert order[0] == "c"


def test_kernel_callees_reads_the_calls_in_the_source():
    callees = _first_use.kernel_callees("l0bnb.fusion")
    assert "fusion_dp_runs" in callees["fusion_dp"]
    assert "stable_argsort" in callees["fusion_dp_runs"]
    assert callees["stable_argsort"] == set()


def test_helper_is_off_when_asked(monkeypatch):
    monkeypatch.setenv(_first_use.HELPER_ENV, "0")
    monkeypatch.setattr(_first_use, "_helpers", {})
    assert _first_use.start_compile_helper("l0bnb.rules") is None


def test_helper_starts_and_is_stopped(monkeypatch):
    monkeypatch.setenv(_first_use.HELPER_ENV, "1")
    monkeypatch.setattr(_first_use.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_first_use, "_helpers", {})
    helper = _first_use.start_compile_helper("l0bnb.rules")
    assert helper is not None and _first_use._helpers["l0bnb.rules"] is helper
    # Once per process and family.
    assert _first_use.start_compile_helper("l0bnb.rules") is None
    _first_use._stop(helper)
    assert helper.poll() is not None


def test_every_family_has_a_record_fit():
    from pathlib import Path

    package = Path(_first_use.__file__).parent
    families = {path.parent.name for path in package.glob("*/_kernels.py")}
    assert families == set(_first_use.FAMILIES) == set(_first_use.RECORD_FITS)


def test_cache_found_where_numba_keeps_it(tmp_path, monkeypatch):
    """With NUMBA_CACHE_DIR (or a read-only install) the cache is not beside the module: the
    check follows the kernels' own cache folder."""
    source = tmp_path / "src" / "_kernels.py"
    source.parent.mkdir()
    source.write_text("")
    elsewhere = tmp_path / "numba-cache"
    elsewhere.mkdir()
    fake = types.ModuleType("fakepkg2._kernels")
    fake.__file__ = str(source)
    fake.kernel = types.SimpleNamespace(_cache=types.SimpleNamespace(_cache_path=str(elsewhere)))
    monkeypatch.setitem(sys.modules, "fakepkg2._kernels", fake)
    assert not _first_use.kernels_cached("fakepkg2")
    (elsewhere / "_kernels.kernel-3.py311.nbi").write_text("")
    assert _first_use.kernels_cached("fakepkg2")
