"""Say once, before a family's kernels compile, that the wait is a one-off.

Numba compiles a family's kernels the first time they run after an install (tens of seconds
on a laptop) and loads them from its on-disk cache afterwards. A user staring at a silent
notebook cell deserves to know which of the two is happening.
"""

from __future__ import annotations

import sys
from pathlib import Path

_announced: set[str] = set()


def kernels_cached(package: str) -> bool:
    """True when Numba's disk cache holds compiled kernels of ``l0bnb.<family>._kernels``."""
    module = sys.modules.get(f"{package}._kernels")
    path = Path(module.__file__) if module is not None and module.__file__ else None
    if path is None:
        return False
    cache = path.parent / "__pycache__"
    return any(cache.glob(f"{path.stem}.*.nbi"))


def announce_compilation(package: str, stream=None) -> bool:
    """Print one line to stderr if ``package``'s kernels are not compiled yet (once a process).

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
    return True
