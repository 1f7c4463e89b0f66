"""l0bnb.plotting: the drawn data is the data given, bad input fails, matplotlib is optional."""

import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from l0bnb import best_subset_path, solve_best_subset  # noqa: E402
from l0bnb.datasets import make_sparse_regression  # noqa: E402
from l0bnb.plotting import plot_path, plot_precision_graph, plot_progress  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return make_sparse_regression(n_samples=80, n_features=25, k=3, random_state=1)


def test_progress_draws_the_log(data):
    result = solve_best_subset(data.X, data.y, n_nonzero_coefs=3, l2=0.05)
    fig = plot_progress(result)
    ax = fig.axes[0]
    inc, bound = ax.lines[0], ax.lines[1]
    np.testing.assert_allclose(inc.get_ydata(), [r["incumbent"] for r in result.log])
    np.testing.assert_allclose(bound.get_ydata(), [r["bound"] for r in result.log])
    np.testing.assert_allclose(inc.get_xdata(), [r["time"] for r in result.log])
    assert result.status in ax.get_title()
    fig = plot_progress(result.log, x="nodes")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xdata(), [r["nodes"] for r in result.log])


def test_progress_rejects_bad_input():
    with pytest.raises(ValueError, match="x must be"):
        plot_progress([{"time": 0, "nodes": 1, "incumbent": 1, "bound": 0, "gap": 1}], x="gap")
    with pytest.raises(ValueError, match="empty"):
        plot_progress([])
    with pytest.raises(TypeError, match="SolveResult"):
        plot_progress("log")
    with pytest.raises(ValueError, match="lacks"):
        plot_progress([{"time": 0.0, "incumbent": 1.0}])


def test_path_draws_every_used_feature(data):
    path = best_subset_path(data.X, data.y, l2=1e-2, max_nonzeros=4)
    fig = plot_path(path)
    ax_coef, ax_cert = fig.axes[0], fig.axes[1]
    used = np.flatnonzero(np.any(path.coef != 0, axis=0))
    assert len(ax_coef.lines) == used.size + 1  # + the zero line
    drawn = {tuple(np.round(line.get_ydata(), 12)) for line in ax_coef.lines[:-1]}
    assert drawn == {tuple(np.round(path.coef[:, j], 12)) for j in used}
    np.testing.assert_allclose(ax_cert.lines[0].get_ydata(), path.objective)
    np.testing.assert_allclose(ax_cert.lines[1].get_ydata(), path.bound)
    assert ax_cert.get_xscale() == "log"
    fig = plot_path(path, x="n_nonzeros", feature_names=[f"f{j}" for j in range(25)])
    np.testing.assert_array_equal(fig.axes[1].lines[0].get_xdata(), path.n_nonzeros)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert set(labels) == {f"f{j}" for j in used}
    with pytest.raises(ValueError, match="x must be"):
        plot_path(path, x="gap")
    with pytest.raises(TypeError, match="SubsetPath"):
        plot_path(np.zeros(3))


def test_precision_graph_edges():
    theta = np.eye(5)
    theta[0, 1] = theta[1, 0] = -0.4  # positive partial correlation
    theta[2, 3] = theta[3, 2] = 0.3  # negative
    theta[3, 4] = theta[4, 3] = 0.05  # weak: hidden by the threshold below
    fig = plot_precision_graph(theta)
    edges = fig.axes[0].lines
    assert len(edges) == 3
    colors = sorted(matplotlib.colors.to_hex(e.get_color()) for e in edges)
    assert colors.count(matplotlib.colors.to_hex("tab:red")) == 1
    fig = plot_precision_graph(theta, threshold=0.1, labels=list("abcde"))
    assert len(fig.axes[0].lines) == 2
    assert [t.get_text() for t in fig.axes[0].texts] == list("abcde")
    fig, ax = plt.subplots()
    assert plot_precision_graph(theta, ax=ax) is fig


@pytest.mark.parametrize(
    "theta, match",
    [
        (np.ones((2, 3)), "square"),
        (np.array([[1.0, 0.2], [0.1, 1.0]]), "symmetric"),
        (np.array([[0.0, 0.0], [0.0, 1.0]]), "positive diagonal"),
        (np.array([[np.nan, 0.0], [0.0, 1.0]]), "NaN"),
    ],
)
def test_precision_graph_bad_input(theta, match):
    with pytest.raises(ValueError, match=match):
        plot_precision_graph(theta)


def test_missing_matplotlib_message():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
        "import numpy as np, l0bnb.plotting as lp\n"
        "try:\n    lp.plot_precision_graph(np.eye(2))\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install matplotlib" in out.stdout
