"""benchmarks/report.py: discovers drop-in benchmark scripts, runs them, plots, assembles."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_report", ROOT / "benchmarks" / "report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)

FAKE = '''"""A fake benchmark."""
import argparse
ap = argparse.ArgumentParser()
ap.add_argument("--quick", action="store_true")
ap.add_argument("--out")
args = ap.parse_args()
rows = "| p=10 | 0.5 | 1.5 |\\n| p=20 | 2.0 | — |" if args.quick else "| p=99 | 9 | 9 |"
open(args.out, "w").write("# Fake\\n\\n| instance | ours time | peer time |\\n|---|---|---|\\n"
                          + rows + "\\n")
print("fake ran", args.quick)
'''


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    bench = tmp_path / "benchmarks"
    bench.mkdir()
    (bench / "fake.py").write_text(FAKE)
    (bench / "_helper.py").write_text('"--quick" "--out"')  # private: never run
    (bench / "noflags.py").write_text("print('no flags')")  # lacks --quick/--out
    results = bench / "results"
    monkeypatch.setattr(report, "BENCH_DIR", bench)
    monkeypatch.setattr(report, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(report, "RESULTS", results)
    monkeypatch.setattr(report, "OUT_DIR", results / "report")
    monkeypatch.setattr(report, "FIG_DIR", results / "report" / "figures")
    return results


def test_repository_scripts_are_discovered():
    names = [p.stem for p in report.discover_scripts()]
    assert "best_subset" in names and "report" not in names
    assert not any(n.startswith("_") for n in names)


def test_drop_in_script_runs_and_lands_in_report(sandbox, monkeypatch):
    assert [p.name for p in report.discover_scripts()] == ["fake.py"]
    monkeypatch.setattr(sys, "argv", ["report.py", "--quick", "--only", "fake"])
    assert report.main(["--quick", "--only", "fake"]) == 0
    table = sandbox / "report" / "fake.md"
    assert "p=20" in table.read_text()  # --quick was passed through
    text = (sandbox / "REPORT.md").read_text()
    assert "## fake" in text and "### Fake" in text and "| p=10 | 0.5 | 1.5 |" in text
    assert "--quick --out" in text
    figure = sandbox / "report" / "figures" / "fake_time.png"
    assert figure.stat().st_size > 1000 and "report/figures/fake_time.png" in text
    assert "benchopt_best_subset" in text  # listed even when not run


def test_failing_script_is_reported(sandbox):
    (sandbox.parent / "fake.py").write_text('"--quick" "--out"\nraise SystemExit(3)\n')
    assert report.main(["--only", "fake"]) == 1
    assert "The run failed (exit 3)" in (sandbox / "REPORT.md").read_text()


def test_parse_tables():
    md = "# t\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\ntext\n| x |\n"
    assert report.parse_tables(md) == [(["a", "b"], [["1", "2"], ["3", "4"]])]
    with pytest.raises(SystemExit, match="unknown benchmark"):
        report.main(["--only", "nope"])
