"""Predicted run time of the fusion kernels, so a fit never starts a call that ends past its
deadline.

A compiled kernel cannot be stopped mid-call, and one DP over a thousand levels with ``l0 > 0``
takes seconds. Costs are counted in work units (about a nanosecond each on one core): the
general DP of ``C`` units costs ``C^3 log2(2C)``, the ``O(K^2)`` DP ``C^2``, a dense
eigendecomposition of order ``P`` about ``P^3 / 2``. The seconds per unit start from a timed
calibration call and follow the slowest large call seen since (a loaded machine only makes the
prediction more cautious).
"""

from __future__ import annotations

import time

import numpy as np

from ..engine.interrupt import expired

#: Calls predicted below this many seconds are not timed (too noisy to learn a rate from).
MIN_TIMED = 1e-3


def dp_units(size: float, general: bool) -> float:
    """Work of one univariate DP over ``size`` units."""
    size = max(float(size), 1.0)
    return size**3 * np.log2(2.0 * size) if general else size * size


def eigh_units(order: int) -> float:
    """Work of one dense symmetric eigendecomposition (or a few solves) of this order."""
    return 0.5 * float(order) ** 3


class Pace:
    """Seconds per work unit, learnt from calls; tells whether a call fits before a deadline."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    @classmethod
    def calibrated(cls) -> Pace:
        """Time one general DP of 48 units (after a first call that loads the kernel)."""
        from ._kernels import fusion_dp_runs

        rng = np.random.default_rng(0)
        a, b = rng.uniform(0.5, 2.0, 48), rng.normal(size=48)
        l, forced = np.full(48, 0.01), np.zeros(48, dtype=np.bool_)
        fusion_dp_runs(a[:3], b[:3], l[:3], forced[:3], 0.1, 0)
        t0 = time.perf_counter()
        fusion_dp_runs(a, b, l, forced, 0.1, 0)
        seconds = time.perf_counter() - t0
        return cls(max(seconds / dp_units(48, True), 2e-10))

    def fits(self, units: float, deadline: float) -> bool:
        """Whether a call of ``units`` started now ends before ``deadline`` (and no Ctrl-C)."""
        return not expired(deadline) and time.perf_counter() + self.rate * units <= deadline

    def record(self, units: float, seconds: float) -> None:
        """Learn from a finished call of ``units`` that took ``seconds``."""
        if units * self.rate >= MIN_TIMED:
            self.rate = max(self.rate, seconds / units)
