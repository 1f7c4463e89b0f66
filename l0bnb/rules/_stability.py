"""Stability of a rule selection: how often each rule is chosen again on bootstrap samples."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone

from ..engine.interrupt import catching_interrupts, stop_requested
from ._harvest import harvest
from ._text import node_conditions, readable, rule_text


@dataclass
class RuleStability:
    """Selection frequencies over bootstrap refits of the selection (ensemble fixed).

    Attributes
    ----------
    rules : list of str
        Every rule selected at least once, most frequent first.
    tree, node : ndarray of int
        Where each rule comes from (tree index, node index within the tree).
    frequency : ndarray of float
        Fraction of the bootstrap fits that selected the rule.
    in_model : ndarray of bool
        Whether the fitted model contains the rule.
    dice : float
        Mean pairwise Dice-Sorensen index ``2|A & B| / (|A| + |B|)`` of the bootstrap rule
        sets (1: the same rules every time).
    n_bootstrap : int
        Bootstrap fits completed (fewer than asked after Ctrl-C).
    """

    rules: list
    tree: np.ndarray
    node: np.ndarray
    frequency: np.ndarray
    in_model: np.ndarray
    dice: float
    n_bootstrap: int

    def to_frame(self):
        """The report as a pandas DataFrame (rule, frequency, in_model, tree, node)."""
        import pandas as pd

        return pd.DataFrame(
            {
                "rule": self.rules,
                "frequency": self.frequency,
                "in_model": self.in_model,
                "tree": self.tree,
                "node": self.node,
            }
        )


def dice(a: set, b: set) -> float:
    """Dice-Sorensen index of two sets (1 for two empty sets)."""
    return 2.0 * len(a & b) / (len(a) + len(b)) if (a or b) else 1.0


def selection_frequency(model, X, y, n_bootstrap: int, solver: str, random_state):
    """Refit ``model``'s selection on bootstrap samples of ``(X, y)``; see RuleStability.

    The ensemble and the settings ``model`` used (``l2_``, ``depth_penalty_``, ``refit_``)
    stay fixed, so only the selection step is resampled; rules are equal when they are the
    same tree node.
    """
    pool = harvest(model.estimator_)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(random_state)
    params = dict(
        estimator=model.estimator_,
        prefit=True,
        l2=model.l2_,
        depth_penalty=model.depth_penalty_,
        refit=model.refit_,
        solver=solver,
    )
    sets = []
    with catching_interrupts():
        for _ in range(n_bootstrap):
            rows = rng.integers(0, y.size, y.size)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # limits are the user's; counts stay valid
                # clone would also clone (unfit) the ensemble: set it after cloning.
                fitted = clone(model).set_params(**params).fit(X[rows], y[rows])
            if stop_requested():
                break
            sets.append({int(pool.tree_start[r.tree] + r.node) for r in fitted.rules_})
    counts: dict[int, int] = {}
    for chosen in sets:
        for v in chosen:
            counts[v] = counts.get(v, 0) + 1
    nodes = sorted(counts, key=lambda v: (-counts[v], v))
    names = getattr(model, "feature_names_in_", [f"x{j}" for j in range(X.shape[1])])
    own = {int(pool.tree_start[r.tree] + r.node) for r in model.rules_}
    pairs = [dice(a, b) for a, b in itertools.combinations(sets, 2)]
    return RuleStability(
        rules=[rule_text(readable(node_conditions(pool, v, names), X)) for v in nodes],
        tree=np.array([int(pool.tree[v]) for v in nodes], dtype=np.int64),
        node=np.array([v - int(pool.tree_start[pool.tree[v]]) for v in nodes], dtype=np.int64),
        frequency=np.array([counts[v] / max(len(sets), 1) for v in nodes]),
        in_model=np.array([v in own for v in nodes], dtype=bool),
        dice=float(np.mean(pairs)) if pairs else float("nan"),
        n_bootstrap=len(sets),
    )
