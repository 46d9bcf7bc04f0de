"""Whole-number allocations that keep their total: the largest-remainder (Hamilton) method.

Both the data set generators (pool sizes per source) and the labeling quotas (items per source)
need it, so it sits below both.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_int


def largest_remainder(values, total: int) -> list:
    """Round non-negative ``values`` to integers summing to ``total`` (Hamilton's method).

    Each value is floored, then the leftover units go to the largest fractional parts (ties to
    the earlier entry). ``values`` should sum to ``total``; it is rescaled if it does not.

    >>> largest_remainder([333.3, 333.3, 333.4], 1000)
    [333, 333, 334]
    """
    v = np.asarray(values, float)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)) or v.min() < 0 or v.sum() <= 0:
        raise ValueError("values must be a non-empty 1-D array of non-negative numbers with a positive sum")
    total = check_int(total, "total", minimum=0)
    v = v * total / v.sum()
    base = np.floor(v + 1e-9).astype(int)
    left = total - int(base.sum())
    order = np.argsort(-(v - base), kind="stable")
    base[order[:left]] += 1
    return base.tolist()
