"""Warnings and errors that l0bnb raises."""

from sklearn.exceptions import ConvergenceWarning


class SearchLimitWarning(ConvergenceWarning):
    """A time, node limit or interrupt stopped branch and bound before the gap closed."""


__all__ = ["SearchLimitWarning"]
