"""Block coordinate descent for categorical fusion, with exact refits and local merge moves."""

from __future__ import annotations

import time

import numpy as np

from ..engine.interrupt import expired
from ._data import FusionData
from ._kernels import bcd
from ._pace import Pace, dp_units
from .refit import labels_from_beta, partition_ridge

#: Stop a BCD run when a sweep lowers F by less than this (relative).
BCD_TOL = 1e-8
BCD_MAX_SWEEPS = 1000
#: Rounds of (merge moves, BCD) after the first BCD run.
MAX_MOVE_ROUNDS = 20


def run_bcd(data: FusionData, start=None, deadline: float = np.inf, pace: Pace | None = None):
    """Plain BCD from ``start`` (default: the empty model); returns ``(solution, F, sweeps)``.

    Sweeps run one kernel call each, so the deadline (or Ctrl-C) is checked between sweeps
    and a sweep predicted to end past it is not started; every iterate is a valid solution.
    """
    beta, theta, mu = data.empty() if start is None else start
    beta, theta, mu = np.asarray(beta, float), np.asarray(theta, float), float(mu)
    value = data.objective((beta, theta, mu))
    units = sweep_units(data)
    sweeps = 0
    while sweeps < BCD_MAX_SWEEPS:
        if pace is not None and not pace.fits(units, deadline):
            break
        if pace is None and expired(deadline):
            break
        t0 = time.perf_counter()
        beta, theta, mu, new, _ = bcd(
            data.y, data.codes, data.offsets, data.Z, beta, theta, mu, data.fit_intercept,
            data.l0, data.lf, data.l2, 0.0, 1,
        )  # fmt: skip
        if pace is not None:
            pace.record(units, time.perf_counter() - t0)
        sweeps += 1
        old, value = value, float(new)
        if old - value <= BCD_TOL * max(abs(old), 1e-12):
            break
    return (beta, theta, mu), value, sweeps


def sweep_units(data: FusionData) -> float:
    """Predicted work of one BCD sweep (one DP per categorical feature)."""
    return data.n * (data.p + data.q) + sum(dp_units(k, data.l0 > 0) for k in data.n_levels)


def pattern(data: FusionData, solution):
    """Level groups per feature and continuous support of a solution."""
    beta, theta, _ = solution
    return [labels_from_beta(b) for b in data.split(beta)], theta != 0.0


def refit(data: FusionData, solution):
    """Exact values on the solution's own groups; keeps whichever of the two is better."""
    labels, support = pattern(data, solution)
    new, _ = partition_ridge(data, labels, support)
    old_value, new_value = data.objective(solution), data.objective(new)
    return (new, new_value) if new_value < old_value else (solution, old_value)


def _merge_moves(data: FusionData, labels, support, value, deadline):
    """Best single merge of two groups of one feature (the zero group included), if it helps.

    Also tries dropping each supported continuous feature when ``l0 > 0``.
    """
    best = (value, None)
    for j in range(data.p):
        n_groups = int(labels[j].max(initial=0))
        for g in range(n_groups + 1):
            for h in range(g + 1, n_groups + 1):
                if expired(deadline):
                    return best[1]
                lab = [x.copy() for x in labels]
                lab[j][lab[j] == h] = g
                lab[j] = labels_from_groups(lab[j])
                sol, _ = partition_ridge(data, lab, support)
                f = data.objective(sol)
                if f < best[0] - 1e-12 * abs(best[0]):
                    best = (f, sol)
    if data.l0 > 0:
        for k in np.flatnonzero(support):
            sup = support.copy()
            sup[k] = False
            sol, _ = partition_ridge(data, labels, sup)
            f = data.objective(sol)
            if f < best[0] - 1e-12 * abs(best[0]):
                best = (f, sol)
    return best[1]


def labels_from_groups(lab: np.ndarray) -> np.ndarray:
    """Renumber group labels 1, 2, ... keeping 0 as the zero group."""
    out = np.zeros_like(lab)
    for new, old in enumerate(np.unique(lab[lab > 0]), start=1):
        out[lab == old] = new
    return out


def bcd_with_moves(data: FusionData, start=None, deadline: float = np.inf, pace=None):
    """BCD, exact refit, then greedy merge moves each followed by BCD, while ``F`` drops.

    Returns ``(solution, objective, n_sweeps)``; ``objective`` never exceeds that of plain
    BCD from the same start (nor that of ``start``). Stops early at ``deadline``.
    """
    solution, value, sweeps = run_bcd(data, start, deadline, pace)
    if expired(deadline):
        return solution, value, sweeps
    solution, value = refit(data, solution)
    for _ in range(MAX_MOVE_ROUNDS):
        if expired(deadline):
            break
        labels, support = pattern(data, solution)
        moved = _merge_moves(data, labels, support, value, deadline)
        if moved is None:
            break
        cand, _, more = run_bcd(data, moved, deadline, pace)
        sweeps += more
        cand, cand_value = refit(data, cand)
        moved_value = data.objective(moved)
        if cand_value > moved_value:
            cand, cand_value = moved, moved_value
        if cand_value >= value:
            break
        solution, value = cand, cand_value
    return solution, value, sweeps


def multi_start_bcd(data: FusionData, deadline: float = np.inf, pace=None):
    """Best of BCD with moves from the empty model and from the unfused (``lf = 0``) fit."""
    best = bcd_with_moves(data, None, deadline, pace)
    if data.lf > 0 and not expired(deadline):
        free = FusionData(
            data.y, data.codes, data.n_levels, data.Z, data.fit_intercept, data.l0, 0.0, data.l2
        )
        start, _, _ = run_bcd(free, None, deadline, pace)
        other = bcd_with_moves(data, start, deadline, pace)
        if other[1] < best[1]:
            best = (other[0], other[1], best[2] + other[2])
    return best
