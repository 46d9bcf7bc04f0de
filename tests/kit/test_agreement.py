"""Per-class agreement matches scikit-learn's Cohen's kappa on binarised labels, on random inputs."""
import warnings

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from imbalance_kit.agreement import agreement_table, per_class_kappa

SEEDS = range(100)


def _two_annotators(rng):
    """Random multiclass labels of two annotators; rare labels are often used by one of them only."""
    k = rng.integers(2, 7)
    n = rng.integers(1, 80)
    shares = rng.dirichlet(np.full(k, 0.4))
    truth = rng.choice(k, size=n, p=shares)
    a = np.where(rng.random(n) < 0.8, truth, rng.choice(k, size=n))
    b = np.where(rng.random(n) < 0.7, truth, rng.choice(k, size=n))
    return k, a, b


def _sklearn_kappa(a, b, c):
    with warnings.catch_warnings():  # sklearn warns where kappa is undefined; we expect NaN there
        warnings.simplefilter("ignore")
        return cohen_kappa_score(np.equal(a, c), np.equal(b, c))


@pytest.mark.parametrize("seed", SEEDS)
def test_per_class_kappa_matches_sklearn_one_vs_rest(seed):
    rng = np.random.default_rng(seed)
    k, a, b = _two_annotators(rng)
    labels = np.arange(k + 1)  # one label nobody used: kappa undefined
    kappa = per_class_kappa(a, b, labels=labels)
    assert kappa.index.tolist() == labels.tolist()
    for c in labels:
        expected = _sklearn_kappa(a, b, c)
        if np.isnan(expected):
            assert np.isnan(kappa[c]), (c, kappa[c])
        else:
            assert kappa[c] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS[:30])
def test_binary_kappa_of_either_label_is_the_overall_kappa(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, 50), rng.integers(0, 2, 50)
    a[:2], b[:2] = [0, 1], [0, 1]
    kappa = per_class_kappa(a, b)
    assert kappa[0] == pytest.approx(kappa[1]) == pytest.approx(cohen_kappa_score(a, b))


@pytest.mark.parametrize("seed", SEEDS[:30])
def test_agreement_table_counts(seed):
    rng = np.random.default_rng(seed)
    k, a, b = _two_annotators(rng)
    table = agreement_table(a.astype(str), b.astype(str))
    for c, row in table.iterrows():
        assert row["n_a"] == (a.astype(str) == c).sum() and row["n_b"] == (b.astype(str) == c).sum()
        assert row["both"] == ((a.astype(str) == c) & (b.astype(str) == c)).sum()
        assert row["only_a"] + row["both"] == row["n_a"] and row["only_b"] + row["both"] == row["n_b"]
        assert row["positive_agreement"] == pytest.approx(2 * row["both"] / (row["n_a"] + row["n_b"]))
    assert table["both"].sum() == (a == b).sum()


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="same length|length"):
        per_class_kappa([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="duplicates"):
        per_class_kappa([0, 1], [0, 1], labels=[0, 0, 1])
    with pytest.raises(ValueError, match="empty"):
        agreement_table([], [])
