"""Docs and sources hold printable text only.

A LaTeX string written through a non-raw Python literal turns ``\\theta`` into a tab and
``\\beta`` into a backspace; MyST and Sphinx render the damaged math without a warning, so
this check is what catches it.
"""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT_FILES = sorted(
    [ROOT / "README.md"]
    + list((ROOT / "docs").rglob("*.md"))
    + list((ROOT / "docs").rglob("*.rst"))
    + list((ROOT / "l0bnb").rglob("*.py"))
    + list((ROOT / "benchmarks").glob("*.py"))
)
ALLOWED = {"\n"}


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_control_characters(path):
    bad = [
        (number, repr(line))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(True), 1)
        if any(ord(ch) < 32 and ch not in ALLOWED for ch in line)
    ]
    assert not bad, f"control characters in {path.name}: {bad[:3]}"
