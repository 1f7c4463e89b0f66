"""Units of the data: y and X rescaled by 1e-8..1e8 give the same fit, status and certificate.

Every tolerance of the search acts on data of unit scale (``solve_lts`` divides ``X`` and
``y`` by powers of two near their spread), so a tiny or huge ``y`` can neither make an
absolute tolerance prune everything (``optimal`` on a worse fit) nor hide a real gap.
"""

import numpy as np
import pytest

from l0bnb import solve_lts
from l0bnb.datasets import make_lts_instance
from l0bnb.lts._solve import data_scales
from l0bnb.lts.reference import brute_force_lts

SCALES = [(1e-8, 1.0), (1e-5, 1.0), (1e5, 1.0), (1e8, 1.0), (1.0, 1e-8), (1.0, 1e8), (1e-6, 1e6)]


def instance(seed):
    d = make_lts_instance(10, 2, contamination=0.25, sign="+-", intercept=1.5, seed=seed)
    return d.X, d.y


@pytest.mark.parametrize("solver", ["pattern", "box"])
@pytest.mark.parametrize(
    "mode,l2,seed", [("trimmed", 0.0, 0), ("trimmed", 0.1, 1), ("capped", 0.1, 2)]
)
def test_rescaled_data_same_solution_and_certificate(solver, mode, l2, seed):
    X, y = instance(seed)
    base = dict(mode=mode, solver=solver, n_starts=5, time_limit=60)
    ref = solve_lts(
        X,
        y,
        l2=l2,
        coef_bound=4.0 if l2 == 0 else None,
        **base,
        **({"n_inliers": 8} if mode == "trimmed" else {"mu": 1.5}),
    )
    assert ref.status == "optimal"
    for ky, kx in SCALES:
        # y -> ky y, X -> kx X: beta -> (ky / kx) beta, b0 -> ky b0 and F -> ky^2 F when the
        # penalty and the box move with them: l2 -> l2 kx^2, box -> box ky / kx.
        l2_k = l2 * kx**2
        box = 4.0 * ky / kx if l2 == 0 else None
        h_or_mu = {"n_inliers": 8} if mode == "trimmed" else {"mu": 1.5 * ky**2}
        res = solve_lts(X * kx, y * ky, l2=l2_k, coef_bound=box, **base, **h_or_mu)
        truth = brute_force_lts(
            X * kx,
            y * ky,
            mode=mode,
            h=h_or_mu.get("n_inliers"),
            mu=h_or_mu.get("mu"),
            l2=l2_k,
            box=box,
        )
        where = f"ky={ky:g}, kx={kx:g}"
        assert res.status == "optimal", where
        assert res.objective == pytest.approx(truth.objective, rel=1e-6), where
        assert res.bound <= truth.objective * (1 + 1e-9), where
        assert res.objective == pytest.approx(ref.objective * ky**2, rel=1e-9), where
        theta = np.r_[ref.solution[0] * ky, ref.solution[1:] * ky / kx]
        np.testing.assert_allclose(
            res.solution, theta, rtol=1e-6, atol=1e-9 * abs(ky), err_msg=where
        )
        np.testing.assert_array_equal(res.info["inlier_mask"], ref.info["inlier_mask"])


def test_result_bound_is_never_negative():
    """0 bounds a sum of squares: a weak early dual value is not reported below it."""
    d = make_lts_instance(300, 10, contamination=0.2, seed=3)
    res = solve_lts(d.X, d.y, trim_fraction=0.2, l2=1.0, solver="pattern", max_nodes=2)
    assert 0.0 <= res.bound <= res.objective
    assert res.gap <= 1.0


def test_data_scales_are_powers_of_two():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)) * 3e-7, rng.normal(size=20) * 5e9 + 1e12
    sx, sy = data_scales(X, y, True)
    for s in (sx, sy):
        assert np.log2(s) == round(np.log2(s))
    assert 1e-7 < sx < 1e-6 and 1e9 < sy < 1e10
    assert data_scales(np.zeros((4, 2)), np.zeros(4), True) == (1.0, 1.0)
