"""Shared tail of the benchmark scripts: the machine line and writing the Markdown table."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine_line() -> str:
    """Python, numpy, numba, cores and the BLAS thread setting, for the table's header."""
    import numba
    import numpy

    return (
        f"python {platform.python_version()}, numpy {numpy.__version__}, numba "
        f"{numba.__version__}, {os.cpu_count()} cores, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )


def emit(lines: list[str] | str, out: str | Path | None) -> None:
    """Print the table and, with ``out``, write it there too (creating its folder)."""
    text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
