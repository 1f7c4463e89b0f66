"""The ``l0bnb`` command line: demo, models, solve (log printed, JSON = estimator's answer)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from l0bnb import BestSubsetRegressor
from l0bnb.cli import MODELS, main, read_csv
from l0bnb.datasets import make_sparse_regression

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    data = make_sparse_regression(n_samples=100, n_features=12, k=3, snr=10.0, random_state=3)
    path = tmp_path_factory.mktemp("cli") / "data.csv"
    header = ",".join([f"x{i}" for i in range(12)] + ["y"])
    np.savetxt(path, np.column_stack([data.X, data.y]), delimiter=",", header=header, comments="")
    return path, data


def test_solve_writes_the_estimators_answer(csv_file, tmp_path, capsys):
    path, data = csv_file
    out = tmp_path / "result.json"
    assert main(["solve", str(path), "--target", "y", "--k", "3", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Nodes" in printed and "BestBound" in printed and "Status: optimal" in printed
    result = json.loads(out.read_text())
    model = BestSubsetRegressor(n_nonzero_coefs=3, l2=1e-2).fit(data.X, data.y)
    expected = {f"x{i}": model.coef_[i] for i in np.flatnonzero(model.coef_)}
    assert result["coefficients"].keys() == expected.keys()
    for name, value in expected.items():
        assert result["coefficients"][name] == pytest.approx(value, rel=1e-6)
    assert result["intercept"] == pytest.approx(model.intercept_, rel=1e-6, abs=1e-9)
    cert = result["certificate"]
    assert cert["status"] == "optimal" and cert["bound"] <= cert["objective"] + 1e-9
    assert cert["objective"] == pytest.approx(model.result_.objective, rel=1e-9)
    assert result["log"] and result["log"][-1]["nodes"] == cert["n_nodes"]
    assert result["model"] == "best_subset" and result["n_features"] == 12


def test_solve_quiet_prints_json(csv_file, capsys):
    path, _ = csv_file
    assert (
        main(["solve", str(path), "--target", "y", "--l0", "0.5", "--l2", "0.1", "--quiet"]) == 0
    )
    printed = capsys.readouterr().out
    result = json.loads(printed)  # nothing but the JSON
    assert result["certificate"]["status"] == "optimal"
    assert isinstance(result["log"][0]["bound"], float | str)  # -inf written as a string


def test_solve_errors(csv_file, tmp_path, capsys):
    path, _ = csv_file
    assert main(["solve", str(path), "--target", "nope", "--k", "2"]) == 2
    assert "'nope' not in" in capsys.readouterr().err
    assert main(["solve", str(path), "--k", "2"]) == 2
    assert "needs --target" in capsys.readouterr().err
    assert main(["solve", str(path), "--target", "y"]) == 2  # neither --k nor --l0
    assert "error:" in capsys.readouterr().err
    assert main(["solve", str(tmp_path / "missing.csv"), "--target", "y", "--k", "2"]) == 2
    with pytest.raises(SystemExit):
        main(["solve", str(path), "--target", "y", "--model", "nope"])
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,3\n4,x,6\n")
    assert main(["solve", str(bad), "--target", "y", "--k", "1"]) == 2
    assert "'b'" in capsys.readouterr().err
    # A repeated name used to drop one of the columns silently.
    twice = tmp_path / "twice.csv"
    twice.write_text("a,a,y\n1,2,3\n4,5,6\n2,1,0\n")
    assert main(["solve", str(twice), "--target", "y", "--k", "1"]) == 2
    assert "repeats column name(s) ['a']" in capsys.readouterr().err


def test_read_csv_categorical(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("color,size,y\nred,1.5,2\nblue,2.5,3\n")
    X, y, names = read_csv(str(path), "y", numeric_only=False)
    assert names == ["color", "size"] and X.dtype == object and X[1, 0] == "blue"
    np.testing.assert_array_equal(y, [2.0, 3.0])
    with pytest.raises(ValueError, match="not numeric"):
        read_csv(str(path), "y")


def test_models_lists_the_registry(capsys):
    assert main(["models"]) == 0
    printed = capsys.readouterr().out
    for name in MODELS:
        assert name in printed


def test_demo_runs_as_a_module():
    proc = subprocess.run(
        [sys.executable, "-m", "l0bnb", "demo", "--n", "100", "--p", "40", "--time-limit", "30"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Best-subset demo" in proc.stdout and "Status:" in proc.stdout
    assert "True features recovered:" in proc.stdout


def test_every_registered_model_solves_from_a_csv(tmp_path, capsys):
    """Each model of the registry fits from a CSV and reports its certificate and model."""
    import pandas as pd

    from l0bnb.cli import MODELS
    from l0bnb.datasets import make_categorical_regression, make_lts_instance

    lts = make_lts_instance(60, 2, seed=0)
    numeric = pd.DataFrame(lts.X, columns=["a", "b"]).assign(y=lts.y)
    numeric.to_csv(tmp_path / "numeric.csv", index=False)
    cat = make_categorical_regression(n_samples=120, n_levels=4, random_state=0)
    cat.X.assign(y=cat.y).to_csv(tmp_path / "levels.csv", index=False)
    runs = {
        "best_subset": ("numeric.csv", ["--target", "y", "--k", "1"], "coefficients"),
        "graphl0": ("numeric.csv", ["--l0", "0.05", "--l2", "0.05"], "edges"),
        "lts": (
            "numeric.csv",
            ["--target", "y", "--trim-fraction", "0.1", "--heuristic"],
            "outlier_rows",
        ),
        "fusion": ("levels.csv", ["--target", "y", "--bcd"], "features"),
        "rules": ("numeric.csv", ["--target", "y", "--n-rules", "2", "--max-nodes", "3"], "rules"),
    }
    assert set(runs) == set(MODELS)
    for model, (data, options, key) in runs.items():
        out = tmp_path / f"{model}.json"
        argv = ["solve", str(tmp_path / data), "--model", model, *options, "--quiet"]
        assert main([*argv, "--output", str(out)]) == 0, model
        written = json.loads(out.read_text())
        assert written["model"] == model
        assert written["certificate"]["objective"] is not None
        assert key in written
