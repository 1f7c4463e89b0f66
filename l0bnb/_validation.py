"""Input checks shared by the public entry points, run once before any solving starts."""

from __future__ import annotations

import numbers

import numpy as np

#: Largest magnitude accepted in the data: squared norms and Gram products of larger values
#: overflow float64 (1e154 squared is 1e308), so the solvers would return NaN.
MAX_MAGNITUDE = 1e150


def _refuse_non_numeric(name: str, arr) -> None:
    if hasattr(arr, "toarray") or type(arr).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a sparse matrix; the solvers work on dense arrays: pass "
            f"{name}.toarray()."
        )
    values = np.asarray(arr)
    if values.dtype.kind in "USV" or (
        values.dtype.kind == "O" and any(isinstance(v, str | bytes) for v in values.ravel())
    ):
        raise ValueError(
            f"{name} holds strings; it must be numeric (strings are never converted "
            "silently: encode categories yourself, or use CategoricalFusionRegressor)."
        )


def check_numeric_input(X, y=None) -> None:
    """Refuse sparse matrices and strings in ``X`` and ``y`` before any conversion.

    scikit-learn's ``validate_data`` converts an object array of number-like strings to
    floats; a regression target given as text is almost always a mistake worth an error.
    """
    _refuse_non_numeric("X", X)
    if y is not None:
        _refuse_non_numeric("y", y)


def check_magnitude(**arrays: np.ndarray) -> None:
    """Refuse values whose squares overflow float64 (the solvers would return NaN)."""
    for name, arr in arrays.items():
        if arr.size and float(np.max(np.abs(arr))) > MAX_MAGNITUDE:
            raise ValueError(
                f"{name} has values up to {float(np.max(np.abs(arr))):.3g}: squares of values "
                f"above {MAX_MAGNITUDE:g} overflow float64. Rescale {name} (solutions do not "
                "depend on the units of y; see the guide on scaling)."
            )


def check_arrays(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Return ``X`` (2-D, float64, Fortran order) and ``y`` (1-D, float64), refusing bad input.

    ``X`` is converted only when needed: the solver reads columns, so a Fortran-ordered
    float64 array is used as is (and never modified). Sparse matrices, strings, NaN or
    infinite values and magnitudes whose squares overflow are refused with a clear error.
    """
    _refuse_non_numeric("X", X)
    _refuse_non_numeric("y", y)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array, got an array of shape {X.shape}.")
    if y.ndim == 2 and y.shape[1] == 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}: pass y.ravel().")
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array, got an array of shape {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: {X.shape[0]} and {y.shape[0]}."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have at least one sample and one feature, got {X.shape}.")
    try:
        X = np.asarray(X, dtype=np.float64, order="F")
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"X and y must be numeric: {exc}") from exc
    for name, arr in (("X", X), ("y", y)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity.")
    check_magnitude(X=X, y=y)
    return X, y


def check_no_zero_columns(X: np.ndarray, centered: bool) -> None:
    """Refuse columns with zero norm (constant columns once centered)."""
    zero = np.flatnonzero(np.einsum("ij,ij->j", X, X) <= 0.0)
    if zero.size:
        what = "constant" if centered else "all zero"
        raise ValueError(
            f"X has {what} column(s) {zero[:10].tolist()}{' ...' if zero.size > 10 else ''}: "
            "they carry no information and make the problem ill-posed; remove them."
        )


def check_penalties(l0, n_nonzero_coefs, l2, M, n_features: int) -> None:
    """Exactly one of ``l0`` / ``n_nonzero_coefs``; non-negative penalties; a positive box."""
    if (l0 is None) == (n_nonzero_coefs is None):
        raise ValueError(
            "Give exactly one of l0 (penalized form) and n_nonzero_coefs (cardinality form); "
            f"got l0={l0!r}, n_nonzero_coefs={n_nonzero_coefs!r}."
        )
    if l0 is not None and not (isinstance(l0, numbers.Real) and np.isfinite(l0) and l0 >= 0):
        raise ValueError(f"l0 must be a finite number >= 0, got {l0!r}.")
    if n_nonzero_coefs is not None:
        if not isinstance(n_nonzero_coefs, numbers.Integral) or isinstance(n_nonzero_coefs, bool):
            raise ValueError(f"n_nonzero_coefs must be an integer, got {n_nonzero_coefs!r}.")
        if not 1 <= n_nonzero_coefs <= n_features:
            raise ValueError(
                f"n_nonzero_coefs must be between 1 and n_features={n_features}, "
                f"got {n_nonzero_coefs}."
            )
    if not (isinstance(l2, numbers.Real) and np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}.")
    if M is not None and not (isinstance(M, numbers.Real) and M > 0 and not np.isnan(M)):
        raise ValueError(f"M must be a positive number or None, got {M!r}.")


def check_limits(time_limit, max_nodes, gap_tol) -> None:
    """Validate search limits with readable messages."""
    if time_limit is not None and not (isinstance(time_limit, numbers.Real) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number or None, got {time_limit!r}.")
    if max_nodes is not None and not (
        isinstance(max_nodes, numbers.Integral)
        and not isinstance(max_nodes, bool)
        and max_nodes >= 1
    ):
        raise ValueError(f"max_nodes must be a positive integer or None, got {max_nodes!r}.")
    if not (isinstance(gap_tol, numbers.Real) and 0 <= gap_tol < 1):
        raise ValueError(f"gap_tol must be a number in [0, 1), got {gap_tol!r}.")
