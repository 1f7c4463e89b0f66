"""Readable rules: simplified per-feature conditions, their text, and their evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._harvest import TreePool


@dataclass(frozen=True)
class Condition:
    """One feature's interval condition ``lower < x <= upper`` (library comparison semantics).

    Attributes
    ----------
    feature : int
        Column index.
    name : str
        Feature name used in the text.
    lower, upper : float
        Bounds (``-inf`` / ``inf`` when absent). With ``strict`` the interval is
        ``lower <= x < upper`` instead.
    missing : bool
        Whether a missing (NaN) value satisfies the condition.
    dtype : str
        ``"float32"``: the comparison is made on ``float32(x)``; ``"float64"``: on ``x``.
    strict : bool
        XGBoost semantics (``x < upper``, ``x >= lower``).
    """

    feature: int
    name: str
    lower: float
    upper: float
    missing: bool
    dtype: str
    strict: bool = False

    def text(self, show_missing: bool = False) -> str:
        lo_op, hi_op = (">=", "<") if self.strict else (">", "<=")
        lo_op_left = "<=" if self.strict else "<"
        lo, hi = repr(float(self.lower)), repr(float(self.upper))
        if np.isfinite(self.lower) and np.isfinite(self.upper):
            body = f"{lo} {lo_op_left} {self.name} {hi_op} {hi}"
        elif np.isfinite(self.upper):
            body = f"{self.name} {hi_op} {hi}"
        else:
            body = f"{self.name} {lo_op} {lo}"
        if show_missing and self.missing:
            return f"({body} or {self.name} is missing)"
        return body

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        col = X[:, self.feature]
        x = col.astype(np.float32) if self.dtype == "float32" else col
        with np.errstate(invalid="ignore"):
            if self.strict:
                ok = (x >= self.lower) & (x < self.upper)
            else:
                ok = (x > self.lower) & (x <= self.upper)
        nan = np.isnan(col)
        if nan.any():
            ok = np.where(nan, self.missing, ok)
        return ok


@dataclass(frozen=True)
class Rule:
    """A selected rule: a conjunction of conditions with a weight.

    Attributes
    ----------
    conditions : tuple of Condition
    text : str
        The conditions joined by ``" and "`` (``"True"`` for an empty conjunction).
    coef : float
        Weight of the rule in the prediction.
    support : float
        Fraction of the training rows satisfying the rule.
    depth : int
        Conditions on the tree path (or distinct features, per ``depth_measure``).
    tree, node : int
        Tree index and node index (within the tree) the rule came from.
    """

    conditions: tuple
    text: str
    coef: float
    support: float
    depth: int
    tree: int
    node: int

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``X`` satisfying the rule."""
        ok = np.ones(X.shape[0], dtype=bool)
        for cond in self.conditions:
            ok &= cond.evaluate(X)
        return ok


def node_conditions(pool: TreePool, v: int, names) -> tuple:
    """The root-to-``v`` path of ``pool`` simplified to one interval per feature."""
    bounds: dict[int, list] = {}
    for a, went_left in pool.path(v):
        f = int(pool.feature[a])
        t = float(pool.threshold[a])
        entry = bounds.setdefault(f, [-np.inf, np.inf, True])
        if went_left:
            entry[1] = min(entry[1], t)
        else:
            entry[0] = max(entry[0], t)
        entry[2] &= bool(pool.missing_left[a]) == went_left
    dtype = "float32" if pool.cast32 else "float64"
    return tuple(
        Condition(f, str(names[f]), lo, hi, miss, dtype, pool.strict)
        for f, (lo, hi, miss) in sorted(bounds.items())
    )


def rule_text(conditions, show_missing: bool = False) -> str:
    if not conditions:
        return "True"
    return " and ".join(c.text(show_missing) for c in conditions)
