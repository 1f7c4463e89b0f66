"""A real Ctrl-C (SIGINT) at many points of a fit, in every family: never a false certificate.

For each family a small instance is first solved to optimality without interruption (its
certified optimum ``opt``; the family batteries check the engine against brute force). Then
the same fit is interrupted by a SIGINT from a timer thread at fractions of its duration:
in the set-up and root heuristic, in the root relaxation, deep in the search. Each time the
fit must return (no ``KeyboardInterrupt``, no other exception) with a finite objective, a
status that says what happened, and a bound that does not exceed ``opt``.
"""

import os
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from l0bnb import (
    BestSubsetRegressor,
    CategoricalFusionRegressor,
    GraphL0,
    PenalizedLTSRegressor,
    RuleExtractor,
    datasets,
)


def _best_subset():
    d = datasets.make_sparse_regression(n_samples=80, n_features=40, k=4, random_state=3)
    return lambda: BestSubsetRegressor(n_nonzero_coefs=6, l2=1e-3), (d.X, d.y)


def _graphl0():
    d = datasets.make_graphical_instance(60, 12, "random", seed=1)
    return lambda: GraphL0(l0=0.02, l2=0.05), (d.X,)


def _lts():
    d = datasets.make_lts_instance(60, 3, contamination=0.2, seed=2)
    return lambda: PenalizedLTSRegressor(trim_fraction=0.2, n_starts=20), (d.X, d.y)


def _fusion():
    d = datasets.make_categorical_regression(
        n_samples=300, n_categorical=1, n_levels=8, n_continuous=1, random_state=0
    )
    return lambda: CategoricalFusionRegressor(lf=0.01), (d.X, d.y)


def _rules():
    d = datasets.make_rule_regression(n_samples=300, n_features=6, n_rules=3, random_state=0)
    forest = RandomForestRegressor(n_estimators=8, max_depth=3, random_state=0)
    # Penalties fixed: the built-in CV would choose them differently once interrupted.
    make = lambda: RuleExtractor(forest, n_rules=3, l2=0.1, depth_penalty=0.0, refit=False)  # noqa: E731
    return make, (d.X, d.y)


FAMILIES = {
    "best_subset": _best_subset,
    "graphl0": _graphl0,
    "lts": _lts,
    "fusion": _fusion,
    "rules": _rules,
}
FRACTIONS = (0.05, 0.4, 0.8)


def _fit_with_sigint_after(make, args, delay):
    """Fit, with a SIGINT delivered after ``delay`` s; whether the signal landed in the fit."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    state = {"returned": False}
    model = make()
    timer.start()
    try:
        model.fit(*args)
        state["returned"] = True
        timer.cancel()
        timer.join()
        # The timer may have fired after fit returned: let that SIGINT arrive now.
        time.sleep(0.02)
    except KeyboardInterrupt:
        if not state["returned"]:
            raise AssertionError("KeyboardInterrupt escaped from fit") from None
    return model, timer


@pytest.mark.parametrize("family", list(FAMILIES))
def test_sigint_anywhere_in_a_fit(family):
    make, args = FAMILIES[family]()
    make().fit(*args)  # compile first: the interrupt points are fractions of a warm fit
    start = time.perf_counter()
    full = make().fit(*args)
    duration = time.perf_counter() - start
    assert full.result_.status == "optimal"
    opt = full.result_.objective
    slack = 1e-9 * abs(opt) + 1e-12
    interrupted = 0
    for fraction in FRACTIONS:
        model, _ = _fit_with_sigint_after(make, args, fraction * duration)
        result = model.result_
        assert result.status in ("interrupted", "optimal"), result
        interrupted += result.status == "interrupted"
        assert np.isfinite(result.objective)
        assert result.objective >= opt - slack
        assert result.bound <= opt + slack, (fraction, result)
        if result.status == "optimal":
            assert result.objective == pytest.approx(opt, rel=1e-6)
    assert interrupted >= 1  # at least one signal landed inside a fit
