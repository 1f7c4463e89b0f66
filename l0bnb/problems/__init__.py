"""Formulations: one module per mixed-integer family, each implementing the Problem protocol."""

from .base import Problem, Relaxation

__all__ = ["Problem", "Relaxation"]
