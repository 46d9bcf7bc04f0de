"""Largest-remainder rounding: whole numbers that keep their total."""
import numpy as np
import pytest

from imbalance_kit.rounding import largest_remainder


def test_largest_remainder_random():
    rng = np.random.default_rng(1)
    for _ in range(200):
        k, total = rng.integers(1, 8), int(rng.integers(0, 5000))
        v = rng.dirichlet(np.ones(k)) * total
        r = np.array(largest_remainder(v, total))
        assert r.sum() == total and (np.abs(r - v) < 1).all() and (r >= 0).all()


@pytest.mark.parametrize("values, total, exc, match", [
    ([], 10, ValueError, "non-empty"),
    ([1, -1], 10, ValueError, "non-negative"),
    ([0, 0], 10, ValueError, "positive sum"),
    ([1, 2], 2.5, TypeError, "total must be an integer"),
    ([1, 2], -1, ValueError, "total must be a non-negative integer"),
])
def test_bad_input(values, total, exc, match):
    with pytest.raises(exc, match=match):
        largest_remainder(values, total)
