"""Units of the data never produce a false certificate.

Data multiplied by factors from 1e-8 to 1e8: every engine result is compared with the
family's exhaustive enumeration on the same scaled data. ``optimal`` must be true (the
enumerated optimum, to a relative 1e-6), the bound must never exceed the optimum, and where
the problem itself is invariant (best subset in the cardinality form with ``l2 = 0``: the
support does not depend on the units of ``y`` or of a column) the answer must not change.
LTS and fusion have their own scale batteries in their folders.
"""

import numpy as np
import pytest

from l0bnb import solve_best_subset, solve_graphical
from l0bnb.datasets import make_graphical_instance
from tests.best_subset.instances import small_instance

FACTORS = [1e-8, 1e-4, 1.0, 1e4, 1e8]


def _check(result, truth):
    opt = truth.objective
    tol = 1e-6 * abs(opt)
    assert result.bound <= opt + tol, (result, truth)
    assert result.objective >= opt - tol
    if result.status == "optimal":
        assert result.objective == pytest.approx(opt, rel=1e-6)


@pytest.mark.parametrize("factor", FACTORS)
def test_best_subset_units_of_y_and_columns(factor):
    X, y = small_instance(5, n=40, p=9, k_true=3)
    base = solve_best_subset(X, y, n_nonzero_coefs=3, l2=0.0)
    assert base.status == "optimal"
    support = np.flatnonzero(base.solution)
    for Xs, ys in ((X, factor * y), (X * np.geomspace(factor, 1.0, 9), y)):
        result = solve_best_subset(Xs, ys, n_nonzero_coefs=3, l2=0.0)
        truth = solve_best_subset(Xs, ys, n_nonzero_coefs=3, l2=0.0, solver="brute_force")
        _check(result, truth)
        assert result.status == "optimal"
        np.testing.assert_array_equal(np.flatnonzero(result.solution), support)


@pytest.mark.parametrize("factor", FACTORS)
def test_best_subset_penalized_form_at_any_scale(factor):
    X, y = small_instance(6, n=40, p=8, k_true=3)
    # The penalized problem with (s y, s^2 l0, s M) is the same problem in other units.
    l0, M = 2.0 * factor**2, 3.0 * factor
    result = solve_best_subset(X, factor * y, l0=l0, l2=0.0, M=M)
    truth = solve_best_subset(X, factor * y, l0=l0, l2=0.0, M=M, solver="brute_force")
    _check(result, truth)
    assert result.status == "optimal"


# Beyond 1e2 the enumeration's own support refit (scipy's minimize, absolute tolerances) is
# no longer exact enough to serve as ground truth (the engine finds lower objectives).
@pytest.mark.parametrize("factor", [1e-2, 1.0, 1e2])
def test_graphl0_certificates_at_any_scale(factor):
    data = make_graphical_instance(80, 5, "banded", seed=2)
    X = factor * data.X
    result = solve_graphical(X, l0=0.05, l2=0.05 / factor**2, M=None)
    truth = solve_graphical(X, l0=0.05, l2=0.05 / factor**2, M=None, solver="brute_force")
    _check(result, truth)
