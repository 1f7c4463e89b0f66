"""scikit-learn's estimator checks over every public estimator, from two central tables.

``FAST`` holds one or two settings per estimator that make a fit take milliseconds: node
limits, not wall-clock limits, so every check is deterministic. ``EXPECTED_FAILURES`` lists
checks an estimator fails on purpose, each with the reason; it is empty today, and a check
added there needs a reason a reviewer would accept.
"""

import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

import l0bnb
from l0bnb import (
    BestSubsetRegressor,
    BestSubsetRegressorCV,
    CategoricalFusionRegressor,
    GraphL0,
    GraphL0CV,
    PenalizedLTSRegressor,
    RuleExtractor,
)

SMALL_FOREST = RandomForestRegressor(n_estimators=4, max_depth=2, random_state=0)

FAST = [
    BestSubsetRegressor(n_nonzero_coefs=1, max_nodes=50),
    BestSubsetRegressor(l0=0.5, max_nodes=50),
    BestSubsetRegressorCV(max_nonzeros=2, cv=2, n_l0=5, max_nodes=20),
    GraphL0(l0=0.1, l2=0.1, max_nodes=20),
    GraphL0CV(n_l0=2, l2=0.1, max_nodes=10),
    PenalizedLTSRegressor(max_nodes=10, n_starts=20),
    PenalizedLTSRegressor(mode="capped", l2=0.1, max_nodes=10, n_starts=20),
    CategoricalFusionRegressor(max_nodes=20),
    CategoricalFusionRegressor(solver="bcd", l0=0.01),
    # Fixed penalties: the built-in CV would run inside every check (it has its own tests).
    RuleExtractor(SMALL_FOREST, n_rules=3, l2=0.1, depth_penalty=0.0, refit=False, max_nodes=20),
    RuleExtractor(SMALL_FOREST, n_rules=None, l0=0.01, solver="path"),
]

#: {estimator class name: {check name: reason}}.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


def test_every_public_estimator_is_checked():
    public = {
        name
        for name in l0bnb.__all__
        if isinstance(getattr(l0bnb, name), type)
        and hasattr(getattr(l0bnb, name), "fit")
        and hasattr(getattr(l0bnb, name), "get_params")
    }
    assert public == {type(e).__name__ for e in FAST}


# Node limits make the small check data stop early: that is what these settings are for.
@pytest.mark.filterwarnings("ignore::l0bnb.SearchLimitWarning")
@parametrize_with_checks(FAST, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
