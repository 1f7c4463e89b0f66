"""Ctrl-C during a solve: a flag the search and long loops poll, never an exception mid-kernel.

While :func:`catching_interrupts` is active (the engine enters it for every solve, paths and
CV enter it around their whole loop), the first SIGINT only sets a flag: the node being
relaxed finishes with a valid bound, the engine stops between nodes with status
``interrupted``, and Numba kernels never see a pending ``KeyboardInterrupt``. A second
SIGINT raises ``KeyboardInterrupt`` as usual (for a user who really wants out); the engine
then still keeps the bound of the node it was processing.

Long loops in problems poll :func:`expired` (deadline or interrupt) between kernel calls.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

_requested = False
_depth = 0


def stop_requested() -> bool:
    """True once Ctrl-C was pressed inside :func:`catching_interrupts`."""
    return _requested


def expired(deadline: float) -> bool:
    """True when ``deadline`` (``time.perf_counter()`` seconds) passed or Ctrl-C was pressed."""
    return _requested or time.perf_counter() >= deadline


def request_stop() -> None:
    """Ask the running search to stop as Ctrl-C would (also used by tests)."""
    global _requested
    _requested = True


def _handler(signum, frame):
    global _requested
    if _requested:
        raise KeyboardInterrupt
    _requested = True


@contextmanager
def catching_interrupts():
    """Turn SIGINT into a stop request for the duration of the block (re-entrant).

    Outside the main thread (where signal handlers cannot be installed) the block runs
    unchanged and a ``KeyboardInterrupt`` is handled by the engine's fallback.
    """
    global _requested, _depth
    install = _depth == 0 and threading.current_thread() is threading.main_thread()
    previous = None
    if install:
        try:
            previous = signal.signal(signal.SIGINT, _handler)
        except ValueError:
            install = False
    if _depth == 0:
        _requested = False
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            if install:
                signal.signal(signal.SIGINT, previous)
            _requested = False
