"""Progress bars of paths and CV: shown on request, silent by default in non-interactive runs."""

import numpy as np
import pytest

from l0bnb import BestSubsetRegressorCV, best_subset_path
from l0bnb._progress import wants_progress
from l0bnb.datasets import make_sparse_regression


@pytest.fixture(scope="module")
def data():
    return make_sparse_regression(n_samples=60, n_features=15, k=3, random_state=2)


def test_path_bar_on_request_only(data, capsys):
    quiet = best_subset_path(data.X, data.y, l2=1e-2, max_nonzeros=3)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
    shown = best_subset_path(data.X, data.y, l2=1e-2, max_nonzeros=3, progress=True)
    err = capsys.readouterr().err
    assert "best-subset path" in err and "nnz=" in err
    np.testing.assert_array_equal(quiet.coef, shown.coef)


def test_cv_bar_counts_every_task(data, capsys):
    model = BestSubsetRegressorCV(l2=[1e-2, 1e-1], max_nonzeros=3, cv=3, progress=True)
    model.fit(data.X, data.y)
    err = capsys.readouterr().err
    assert "best-subset CV" in err and "0/8" in err  # 2 full paths + 2 x 3 fold paths


def test_progress_parameter_is_checked(data):
    assert wants_progress(None) is False  # not a terminal under pytest
    with pytest.raises(TypeError, match="progress"):
        best_subset_path(data.X, data.y, max_nonzeros=2, progress="yes")


def test_plain_progress_line_without_tqdm(monkeypatch, capsys):
    import sys

    from l0bnb._progress import progress_bar

    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    bar = progress_bar(True, 3, "best-subset path")
    for _ in range(3):
        bar.update()
    err = capsys.readouterr().err
    assert "best-subset path: 3/3 done" in err  # the last step is always shown
    assert progress_bar(False, 3, "x").__class__.__name__ == "_NoBar"
