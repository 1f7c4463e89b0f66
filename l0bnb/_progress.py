"""Progress for paths and cross-validation: on by default in a terminal or a notebook.

A tqdm bar when tqdm is installed, else a plain line on stderr at most every few seconds (so
a long path never sits silent for minutes); nothing in scripts and CI logs unless asked.
"""

from __future__ import annotations

import sys
import time


class _NoBar:
    """Stand-in with the few tqdm methods we call, doing nothing."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _TextBar(_NoBar):
    """A progress line on stderr, at most every ``every`` seconds (no tqdm needed)."""

    def __init__(self, total: int | None, desc: str, every: float = 2.0):
        self.total, self.desc, self.every = total, desc, every
        self.start = time.perf_counter()
        self._shown = self.start
        self.postfix = ""

    def set_postfix_str(self, text: str) -> None:
        self.postfix = text

    def update(self, n: int = 1) -> None:
        super().update(n)
        now = time.perf_counter()
        if now - self._shown >= self.every or (self.total is not None and self.n >= self.total):
            self._shown = now
            of = f"/{self.total}" if self.total is not None else ""
            extra = f", {self.postfix}" if self.postfix else ""
            print(
                f"{self.desc}: {self.n}{of} done ({now - self.start:.1f} s{extra})",
                file=sys.stderr,
                flush=True,
            )


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()
    except AttributeError:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def wants_progress(progress) -> bool:
    """Resolve a ``progress`` parameter.

    ``None`` (the default of paths and CV) means on in an interactive terminal or a notebook
    and off otherwise; ``True`` always shows progress; ``False`` never does.
    """
    if progress is None:
        tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        return tty or _in_notebook()
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}.")
    return progress


def progress_bar(progress, total: int | None, desc: str):
    """A tqdm bar (or a plain stderr line without tqdm) when wanted, else a silent stand-in."""
    if not wants_progress(progress):
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, desc)
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr)
