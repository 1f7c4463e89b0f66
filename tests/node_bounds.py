"""One node-bound recorder for every family's battery.

``record_relaxations(problem)`` wraps ``problem.relax`` (an instance, or a class through
pytest's ``monkeypatch`` when the solve function builds the problem itself) and keeps, for
every node, a copy of its state, the relaxation it returned and the cutoff it was given.
Batteries then compare each ``record.bound`` with the best completion of ``record.state``
found by enumeration: a relaxation must never bound above an integer solution of its node.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any


@dataclass
class NodeRecord:
    state: Any
    depth: int
    cutoff: float
    relaxation: Any

    @property
    def bound(self) -> float:
        return self.relaxation.bound


def record_relaxations(target, monkeypatch=None, extra=None) -> list[NodeRecord]:
    """Record every relaxation of ``target`` (a problem, or a problem class with monkeypatch).

    ``extra(problem)``, if given, is called before each relaxation and its value stored in
    ``record.extra`` (e.g. the incumbent a problem's radii depend on).
    """
    records: list[NodeRecord] = []
    is_class = isinstance(target, type)
    original = target.relax

    def recording(*args):
        problem, (node, cutoff, deadline) = (args[0], args[1:]) if is_class else (target, args)
        before = extra(problem) if extra is not None else None
        relaxation = original(*args)
        record = NodeRecord(copy.deepcopy(node.state), node.depth, cutoff, relaxation)
        record.extra = before
        records.append(record)
        return relaxation

    if is_class:
        if monkeypatch is None:
            raise TypeError("recording a class needs pytest's monkeypatch fixture")
        monkeypatch.setattr(target, "relax", recording)
    else:
        target.relax = recording
    return records


def assert_valid(
    bound: float, best_completion: float, scale: float = 0.0, rel: float = 1e-9
) -> None:
    """``bound <= best_completion`` up to rounding relative to the values compared.

    ``scale`` is the problem's objective scale (e.g. ``0.5 ||y||^2``): the sums behind a bound
    carry rounding relative to it, not to a fixed constant in the units of the data.
    """
    slack = rel * max(abs(best_completion), abs(scale))
    assert bound <= best_completion + slack, (bound, best_completion)
