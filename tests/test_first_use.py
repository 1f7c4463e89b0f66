"""The one-line notice before a family's kernels compile for the first time."""

import io
import sys
import types

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
