"""Input handling of CategoricalFusionRegressor: column roles, level encoding, scaling checks.

Everything here runs before any solving and raises ``ValueError``/``TypeError`` with a
message naming the offending column.
"""

from __future__ import annotations

import numbers

import numpy as np


def is_dataframe(X) -> bool:
    return hasattr(X, "dtypes") and hasattr(X, "iloc") and hasattr(X, "columns")


def holds_levels(X) -> bool:
    """Whether an array (not a DataFrame) is non-numeric: object, string or bool entries."""
    if is_dataframe(X):
        return False
    return np.asarray(X).dtype.kind in "OUSb"


def _is_level(v) -> bool:
    """An entry that is a level rather than a number (bools are levels: two categories)."""
    return isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.number))


def categorical_columns(X, spec, n_features: int) -> np.ndarray:
    """Indices of the categorical columns from ``categorical_features``.

    ``"auto"``: the category/object/string/bool columns of a DataFrame; for an array, every
    column of a string or bool array, the columns of an object array holding any non-number
    or bool, none of a numeric array. Bool columns are thus always categorical (levels
    ``False``/``True``). Otherwise a list of indices, of column names (DataFrame), or a boolean
    mask.
    """
    if isinstance(spec, str) and spec == "auto":
        if not is_dataframe(X):
            arr = np.asarray(X)
            if arr.dtype.kind in "USb":
                return np.arange(n_features, dtype=np.int64)
            if arr.dtype.kind != "O":
                return np.zeros(0, dtype=np.int64)
            cols = [i for i in range(n_features) if any(_is_level(v) for v in arr[:, i])]
            return np.array(cols, dtype=np.int64)
        import pandas as pd  # a DataFrame was given, so pandas is installed

        auto = [
            i
            for i, dt in enumerate(X.dtypes)
            if isinstance(dt, pd.CategoricalDtype)
            or pd.api.types.is_object_dtype(dt)
            or pd.api.types.is_string_dtype(dt)
            or pd.api.types.is_bool_dtype(dt)
        ]
        return np.array(auto, dtype=np.int64)
    if spec is None:
        return np.zeros(0, dtype=np.int64)
    if isinstance(spec, str):
        raise ValueError(
            f"categorical_features must be 'auto', None, indices, names or a mask; got {spec!r}."
        )
    items = list(spec)
    if len(items) and all(isinstance(v, (bool, np.bool_)) for v in items):
        if len(items) != n_features:
            raise ValueError(
                f"categorical_features mask has {len(items)} entries for {n_features} columns."
            )
        return np.flatnonzero(np.asarray(items, dtype=bool)).astype(np.int64)
    out = []
    for v in items:
        if isinstance(v, str):
            if not is_dataframe(X):
                raise ValueError(
                    f"categorical_features names a column {v!r} but X has no column names; "
                    "give column indices for arrays."
                )
            names = [str(c) for c in X.columns]
            if v not in names:
                raise ValueError(f"categorical_features names an unknown column {v!r}.")
            out.append(names.index(v))
        elif isinstance(v, numbers.Integral) and not isinstance(v, bool):
            if not -n_features <= v < n_features:
                raise ValueError(
                    f"categorical_features index {v} is out of range for {n_features} columns."
                )
            out.append(int(v) % n_features)
        else:
            raise ValueError(f"categorical_features entries must be indices or names, got {v!r}.")
    if len(set(out)) != len(out):
        raise ValueError(f"categorical_features lists a column twice: {items!r}.")
    return np.array(sorted(out), dtype=np.int64)


def column_values(X, i: int) -> np.ndarray:
    """Column ``i`` as a 1-D numpy array (object dtype for DataFrame categories)."""
    if is_dataframe(X):
        col = X.iloc[:, i]
        if hasattr(col, "cat"):
            return np.asarray(col.astype(object))
        return np.asarray(col)
    return np.asarray(X)[:, i]


def declared_categories(X, i: int) -> list:
    """Categories a pandas categorical column declares (observed or not); else empty."""
    if is_dataframe(X):
        col = X.iloc[:, i]
        if hasattr(col, "cat"):
            return list(col.cat.categories)
    return []


def _is_missing(v) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, pd.NA raises
    except TypeError:
        return True


def check_levels(values: np.ndarray, name: str, from_array: bool) -> None:
    """Refuse missing levels, and non-integer codes in a numeric array column."""
    missing = [k for k, v in enumerate(values) if _is_missing(v)]
    if missing:
        raise ValueError(
            f"categorical feature {name} has missing values (NaN/None) in rows "
            f"{missing[:5]}{' ...' if len(missing) > 5 else ''}: encode them as their own "
            "level (e.g. 'missing') or drop those rows."
        )
    if from_array and values.dtype.kind == "f":
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
            raise ValueError(
                f"categorical feature {name} of a numeric array must hold integer codes; "
                "found non-integer values."
            )


def sorted_levels(values: np.ndarray) -> list:
    """The distinct observed levels, sorted (by string when the types do not compare)."""
    uniq = list(dict.fromkeys(values.tolist()))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=lambda v: (type(v).__name__, str(v)))


def encode(values: np.ndarray, levels: list) -> np.ndarray:
    """Level index of each value (-1 for a level not in ``levels``)."""
    index = {v: k for k, v in enumerate(levels)}
    return np.array([index.get(v, -1) for v in values.tolist()], dtype=np.int64)


def continuous_block(X, cols: np.ndarray, names: list[str]) -> np.ndarray:
    """The continuous columns as float64, refusing non-numeric or non-finite values."""
    out = np.empty((len(X), len(cols)))
    for t, i in enumerate(cols):
        values = column_values(X, int(i))
        try:
            out[:, t] = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"continuous feature {names[i]} is not numeric ({exc}); list it in "
                "categorical_features if it holds levels."
            ) from exc
        if not np.all(np.isfinite(out[:, t])):
            raise ValueError(f"continuous feature {names[i]} contains NaN or infinity.")
    return out


def location_scale(values: np.ndarray, center: bool) -> tuple:
    """Mean and std (``center``) or ``0`` and root mean square of each column, computed on
    the columns divided by their largest magnitude so that values up to the float64 limit
    (1e300 and beyond) neither overflow nor underflow; also returns that magnitude."""
    values = np.asarray(values, dtype=np.float64)
    big = np.max(np.abs(values), axis=0)
    unit = np.where(big > 0, big, 1.0)
    w = values / unit
    if center:
        mean = w.mean(axis=0)
        return mean * unit, np.sqrt(np.mean((w - mean) ** 2, axis=0)) * unit, big
    return np.zeros_like(big), np.sqrt(np.mean(w**2, axis=0)) * unit, big
