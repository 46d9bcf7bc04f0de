"""class_counts / imbalance_report against plain numpy counting on many random label sets."""
import numpy as np
import pandas as pd
import pytest

from imbalance_kit.counts import class_counts, imbalance_report


def _random_labels(seed):
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 11)
    probs = rng.dirichlet(np.ones(k))
    y = rng.choice(k, size=int(rng.integers(k, 400)), p=probs)
    y[:k] = np.arange(k)  # every class occurs at least once
    if seed % 2:
        y = np.array([f"c{v}" for v in y])
    return y


@pytest.mark.parametrize("seed", range(60))
def test_counts_match_numpy(seed):
    y = _random_labels(seed)
    uniq, freq = np.unique(y, return_counts=True)
    counts = class_counts(list(y))
    assert dict(counts) == {u.item(): int(f) for u, f in zip(uniq, freq)}
    assert list(counts.values) == sorted(counts.values, reverse=True)

    r = imbalance_report(y)
    assert r["n"] == len(y) and r["n_classes"] == len(uniq)
    assert r["imbalance_ratio"] == pytest.approx(freq.max() / freq.min())
    assert r["minority_share"] == pytest.approx(freq.min() / len(y))
    assert sum(r["shares"].values()) == pytest.approx(1.0)
    assert r["counts"][r["majority_class"]] == freq.max()
    assert r["counts"][r["minority_class"]] == freq.min()


def test_report_keys_are_plain_python():
    r = imbalance_report(np.array([0] * 5 + [1] * 2))
    assert all(type(k) is int for k in r["counts"])
    assert type(r["minority_class"]) is int


def test_accepts_series_and_worked_example():
    r = imbalance_report(pd.Series(["ok"] * 18_400 + ["toxic"] * 1_600))
    assert r["minority_class"] == "toxic"
    assert r["imbalance_ratio"] == pytest.approx(11.5)


@pytest.mark.parametrize("bad, exc", [([], ValueError), (None, TypeError), ("abc", TypeError),
                                      ({"a": 1}, TypeError), ([[0, 1], [1, 0]], ValueError)])
def test_bad_input(bad, exc):
    with pytest.raises(exc):
        class_counts(bad)


def test_one_class_is_an_error():
    with pytest.raises(ValueError, match="only one class"):
        imbalance_report([1, 1, 1])
