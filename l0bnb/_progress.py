"""Optional tqdm progress bars for paths and cross-validation (off when not interactive)."""

from __future__ import annotations

import sys


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


def wants_progress(progress) -> bool:
    """Resolve a ``progress`` parameter: ``None`` means on only in an interactive terminal.

    ``True`` asks for a bar (and needs tqdm); ``False`` never shows one.
    """
    if progress is None:
        if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
            return False
        try:
            import tqdm  # noqa: F401
        except ImportError:
            return False
        return True
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None, got {progress!r}.")
    return progress


def progress_bar(progress, total: int | None, desc: str):
    """A tqdm bar when :func:`wants_progress` says so, else a silent stand-in.

    Raises
    ------
    ImportError
        If ``progress=True`` and tqdm is not installed.
    """
    if not wants_progress(progress):
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError(
            "progress=True needs tqdm: pip install tqdm (or leave progress=None)."
        ) from exc
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr)
