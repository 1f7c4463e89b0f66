"""Readable rules: simplified per-feature conditions, their text, and their evaluation."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, replace

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
    lower_text, upper_text : str or None
        Printed forms of the bounds: the shortest decimals that put every training row on the
        same side as the exact bound (``None``: the exact bound, ``repr(float)``).
    """

    feature: int
    name: str
    lower: float
    upper: float
    missing: bool
    dtype: str
    strict: bool = False
    lower_text: str | None = None
    upper_text: str | None = None

    def text(self, show_missing: bool = False, exact: bool = False) -> str:
        """The condition as text (``exact=True``: bounds as ``repr(float)``)."""
        lo_op, hi_op = (">=", "<") if self.strict else (">", "<=")
        lo_op_left = "<=" if self.strict else "<"
        lo, hi = repr(float(self.lower)), repr(float(self.upper))
        if not exact:
            lo = self.lower_text or lo
            hi = self.upper_text or hi
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

    @property
    def exact_text(self) -> str:
        """The rule with every threshold in its exact form (``repr(float)``)."""
        return rule_text(self.conditions, exact=True)

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


def rule_text(conditions, show_missing: bool = False, exact: bool = False) -> str:
    """Conditions joined by ``" and "`` (``"True"`` for none)."""
    if not conditions:
        return "True"
    return " and ".join(c.text(show_missing, exact) for c in conditions)


def _separates(s: float, gap: tuple) -> bool:
    """Whether ``s`` puts every row on its side, read in float64 and in float32 alike."""
    lo, hi, lo32, hi32, strict = gap
    s32 = float(np.float32(s))
    if strict:  # left iff x < t: need lo < s <= hi
        return lo < s <= hi and lo32 < s32 <= hi32 and lo32 < s <= hi32
    return lo <= s < hi and lo32 <= s32 < hi32 and lo32 <= s < hi32


def short_threshold(t: float, column: np.ndarray, strict: bool, cast32: bool) -> str:
    """Fewest significant digits for threshold ``t`` that keep every row on its side.

    A row goes left iff ``x <= t`` (``x < t`` when ``strict``), with ``x`` cast to float32
    when ``cast32``. The returned decimal ``s`` sends exactly the same rows of ``column``
    (NaNs ignored) left whether a reader compares ``x`` or ``float32(x)`` with ``s``; among
    the shortest such decimals it is the one nearest ``t``. Falls back to ``repr(t)``.
    """
    col = np.asarray(column, dtype=np.float64)
    col = col[~np.isnan(col)]
    x = col.astype(np.float32).astype(np.float64) if cast32 else col
    left = x < t if strict else x <= t
    inf = np.inf
    # lo/hi: the largest value going left and the smallest going right, raw and as float32.
    gap = (
        col[left].max(initial=-inf),
        col[~left].min(initial=inf),
        x[left].max(initial=-inf),
        x[~left].min(initial=inf),
        strict,
    )
    anchors = [t] + [v for v in gap[:4] if np.isfinite(v)]
    for digits in range(1, 18):
        found = []
        for rounding in (decimal.ROUND_FLOOR, decimal.ROUND_CEILING):
            ctx = decimal.Context(prec=digits, rounding=rounding)
            for a in anchors:
                s = float(ctx.create_decimal(a))
                if _separates(s, gap):
                    found.append(s)
        if found:
            return repr(min(found, key=lambda s: (abs(s - t), s)))
    return repr(float(t))


def readable(conditions: tuple, X: np.ndarray) -> tuple:
    """``conditions`` with printed bounds shortened against the training rows ``X``."""
    out = []
    for c in conditions:
        cast32 = c.dtype == "float32"
        col = X[:, c.feature]
        lo = short_threshold(c.lower, col, c.strict, cast32) if np.isfinite(c.lower) else None
        hi = short_threshold(c.upper, col, c.strict, cast32) if np.isfinite(c.upper) else None
        out.append(replace(c, lower_text=lo, upper_text=hi))
    return tuple(out)
