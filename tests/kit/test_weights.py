"""class_weights against sklearn compute_class_weight and the effective-number table."""
import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from imbalance_kit.weights import class_weights


def _random_labels(seed):
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 11)
    y = rng.choice(k, size=int(rng.integers(k, 500)), p=rng.dirichlet(np.ones(k) * 0.5))
    y[:k] = np.arange(k)
    if seed % 3 == 1:
        y = np.array([f"label_{v}" for v in y])
    return y


@pytest.mark.parametrize("seed", range(100))
def test_inverse_equals_sklearn_balanced(seed):
    y = _random_labels(seed)
    classes = np.unique(y)
    expected = compute_class_weight("balanced", classes=classes, y=y)
    from_labels = class_weights(list(y))
    uniq, freq = np.unique(y, return_counts=True)
    from_mapping = class_weights({u.item(): int(f) for u, f in zip(uniq, freq)}, method="inverse")
    for w in (from_labels, from_mapping):
        assert np.allclose([w[c.item()] for c in classes], expected, rtol=1e-12)
    # Convention: per-sample weights sum to N.
    assert sum(from_mapping[u.item()] * f for u, f in zip(uniq, freq)) == pytest.approx(len(y))
    sqrt_w = class_weights(y, method="sqrt_inverse")
    assert np.allclose([sqrt_w[c.item()] for c in classes], np.sqrt(expected))


@pytest.mark.parametrize("beta, w0, w1", [(0.9, 1.0, 1.0), (0.99, 1.0, 1.0), (0.999, 0.8878, 1.1122),
                                          (0.9999, 0.2990, 1.7010), (0.99999, 0.1726, 1.8274)])
def test_effective_number_table(beta, w0, w1):
    w = class_weights({0: 18_400, 1: 1_600}, method="effective", beta=beta)
    assert w[0] == pytest.approx(w0, abs=1e-4) and w[1] == pytest.approx(w1, abs=1e-4)
    assert w[0] + w[1] == pytest.approx(2.0)


@pytest.mark.parametrize("seed", range(50))
def test_effective_matches_paper_code(seed):
    y = _random_labels(seed)
    uniq, freq = np.unique(y, return_counts=True)
    beta = [0.0, 0.5, 0.9, 0.99, 0.999, 0.9999][seed % 6]
    w = class_weights(y, method="effective", beta=beta)
    ref = (1.0 - beta) / (1.0 - np.power(beta, freq))  # richardaecn/class-balanced-loss
    ref = ref / ref.sum() * len(freq)
    assert np.allclose([w[u.item()] for u in uniq], ref, rtol=1e-9)
    assert sum(w.values()) == pytest.approx(len(uniq))


def test_effective_beta_to_one_approaches_inverse_ratio():
    w = class_weights({0: 18_400, 1: 1_600}, method="effective", beta=1 - 1e-9)
    assert w[1] / w[0] == pytest.approx(11.5, rel=1e-3)


def test_order_follows_input_mapping():
    assert list(class_weights({"b": 3, "a": 1})) == ["b", "a"]


@pytest.mark.parametrize("counts, exc, match", [
    ({}, ValueError, "empty"),
    ([], ValueError, "empty"),
    ({0: 10}, ValueError, "one class"),
    ([1, 1, 1], ValueError, "one class"),
    ({0: 10, 1: 0}, ValueError, "positive"),
    ({0: 10, 1: -3}, ValueError, "positive"),
    ({0: 10, 1: 2.5}, ValueError, "whole number"),
    ({0: 10, 1: "3"}, TypeError, "number"),
    ({0: 10, 1: True}, TypeError, "number"),
    ({0: 10, 1: float("nan")}, ValueError, "whole number"),
    (None, TypeError, "None"),
])
def test_bad_counts(counts, exc, match):
    with pytest.raises(exc, match=match):
        class_weights(counts)


@pytest.mark.parametrize("beta, exc", [(1.0, ValueError), (-0.1, ValueError), (1.5, ValueError),
                                       ("0.9", TypeError), (None, TypeError), (True, TypeError)])
def test_bad_beta(beta, exc):
    with pytest.raises(exc, match="beta must be"):
        class_weights({0: 5, 1: 1}, method="effective", beta=beta)


def test_unknown_method():
    with pytest.raises(ValueError, match="method"):
        class_weights({0: 5, 1: 1}, method="balanced")
