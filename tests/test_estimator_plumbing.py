"""Shared estimator plumbing: task fan-out, CV selection rules, information criteria."""

import math

import numpy as np
import pytest

from l0bnb._estimator import information_criterion, run_tasks, select_by_cv
from l0bnb.engine.interrupt import request_stop


def test_run_tasks_keeps_order_and_stops_on_interrupt():
    assert run_tasks(pow, [(2, k) for k in range(5)], n_jobs=1) == [1, 2, 4, 8, 16]

    def slow(k):
        if k == 2:
            request_stop()  # as a Ctrl-C during the third fit would
        return k

    assert run_tasks(slow, [(k,) for k in range(6)], n_jobs=1) == [0, 1, 2]


def test_one_standard_error_rule_picks_the_simplest_close_point():
    errors = np.array(
        [
            [5.0, 5.2, 4.8],  # 1 nonzero, far
            [2.05, 2.0, 2.1],  # 2 nonzeros, within one SE of the best
            [2.1, 1.8, 2.0],  # 4 nonzeros, best mean (standard error 0.088)
            [2.2, 2.3, 2.1],  # 6 nonzeros
        ]
    )
    assert select_by_cv(errors) == 2
    assert select_by_cv(errors, "one_se", complexity=[1, 2, 4, 6]) == 1
    with pytest.raises(ValueError, match="rule"):
        select_by_cv(errors, "two_se")


def test_information_criteria_match_their_formulas():
    rss, n, p = np.array([10.0, 6.0]), 50, 20
    df = np.array([1, 3])
    base = n * np.log(rss / n)
    np.testing.assert_allclose(information_criterion(rss, n, df, p, "aic"), base + 2 * df)
    np.testing.assert_allclose(information_criterion(rss, n, df, p, "bic"), base + np.log(n) * df)
    ebic = base + np.log(n) * df + 2 * np.log([math.comb(p, 1), math.comb(p, 3)])
    np.testing.assert_allclose(information_criterion(rss, n, df, p, "ebic"), ebic)
    with pytest.raises(ValueError, match="criterion"):
        information_criterion(rss, n, df, p, "cp")
