"""Numba kernels: numerics on arrays and scalars only (no Python objects, no printing)."""
