"""Resampling helpers against imbalanced-learn, the techniques.md §7 table and the split guard."""
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

from imbalance_kit.sampling import (
    assert_not_resampled, multiply_minority, oversample, undersample, undersample_ensemble,
)

WORKED = np.array([0] * 18_400 + [1] * 1_600)


def _random(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(20, 300))
    y = rng.choice(k, size=n, p=rng.dirichlet(np.ones(k)))
    y[:k] = np.arange(k)
    y[k:2 * k] = np.arange(k)  # >= 2 rows per class
    X = rng.normal(size=(n, 3))
    return rng, X, y


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("func, sampler", [(oversample, RandomOverSampler), (undersample, RandomUnderSampler)])
def test_same_rows_as_imblearn(seed, func, sampler):
    rng, X, y = _random(seed)
    ratio = "auto"
    if seed % 3 == 1:
        ratio = {c: int(n * (rng.uniform(1, 2) if func is oversample else rng.uniform(0.3, 1)))
                 for c, n in Counter(y.tolist()).items()}
    X_ref, y_ref = sampler(sampling_strategy=ratio, random_state=seed).fit_resample(X, y)
    X_res, y_res = func(X, y, ratio=ratio, random_state=seed)
    assert np.array_equal(X_res, X_ref) and np.array_equal(y_res, y_ref)


@pytest.mark.parametrize("ratio, ros, rus", [("auto", (18_400, 18_400), (1_600, 1_600)),
                                             (1.0, (18_400, 18_400), (1_600, 1_600)),
                                             (0.5, (18_400, 9_200), (3_200, 1_600)),
                                             (0.25, (18_400, 4_600), (6_400, 1_600))])
def test_worked_example_table(ratio, ros, rus):
    X = np.arange(len(WORKED))
    _, y_over = oversample(X, WORKED, ratio=ratio)
    _, y_under = undersample(X, WORKED, ratio=ratio)
    assert tuple(np.bincount(y_over)) == ros and tuple(np.bincount(y_under)) == rus


def test_multiply_minority_worked_example():
    texts = [f"comment {i}" for i in range(len(WORKED))]
    X_res, y_res = multiply_minority(texts, WORKED, factor=2)
    assert tuple(np.bincount(y_res)) == (18_400, 3_200)
    assert X_res[:len(texts)] == texts and X_res[len(texts):] == texts[18_400:]
    # Same counts as imblearn with a dict target, but every minority row exactly twice.
    _, y_ref = RandomOverSampler(sampling_strategy={1: 3_200}).fit_resample(np.zeros((len(WORKED), 1)), WORKED)
    assert Counter(y_ref.tolist()) == Counter(np.asarray(y_res).tolist())
    assert set(Counter(X_res[18_400:]).values()) == {2}


@pytest.mark.parametrize("seed", range(30))
def test_multiply_minority_random(seed):
    rng, X, y = _random(seed)
    factor = int(rng.integers(1, 5))
    X_res, y_res = multiply_minority(X, y, factor=factor)
    counts, res_counts = Counter(y.tolist()), Counter(y_res.tolist())
    minority = min(counts, key=lambda c: (counts[c], c))
    assert res_counts == counts + Counter({minority: counts[minority] * (factor - 1)})
    assert np.array_equal(X_res[:len(X)], X)
    other = max(counts)
    assert Counter(multiply_minority(X, y, factor, minority=other)[1].tolist())[other] == counts[other] * factor


@pytest.mark.parametrize("make", [list, tuple, np.array, pd.Series, lambda t: pd.DataFrame({"text": t}),
                                  lambda t: sp.csr_matrix(np.arange(len(t) * 2.0).reshape(-1, 2))])
def test_input_types_round_trip(make):
    texts = [f"doc {i}" for i in range(12)]
    y = [0] * 9 + [1] * 3
    X = make(texts)
    X_res, y_res = oversample(X, y)
    assert type(X_res) is type(X) and len(y_res) == 18 and y_res.count(1) == 9
    if isinstance(X, (pd.Series, pd.DataFrame)):
        assert X_res.index.duplicated().sum() == 6  # original index kept: duplicates traceable
    X_u, y_u = undersample(X, pd.Series(y))
    assert type(X_u) is type(X) and isinstance(y_u, pd.Series) and y_u.value_counts().tolist() == [3, 3]


def test_undersample_ensemble():
    X = np.arange(len(WORKED))
    sets = list(undersample_ensemble(X, WORKED, n_sets=5, random_state=1))
    assert len(sets) == 5
    for X_i, y_i in sets:
        assert tuple(np.bincount(y_i)) == (1_600, 1_600)
        assert np.array_equal(np.sort(X_i[y_i == 1]), np.arange(18_400, 20_000))
        assert np.array_equal(WORKED[X_i], y_i)
    majority_sets = [frozenset(X_i[y_i == 0].tolist()) for X_i, y_i in sets]
    assert len(set(majority_sets)) == 5  # independent draws
    again = list(undersample_ensemble(X, WORKED, n_sets=5, random_state=1))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(sets, again))


@pytest.mark.parametrize("split", ["validation", "val", "test", "dev"])
@pytest.mark.parametrize("func", [oversample, undersample, multiply_minority,
                                  lambda X, y, split: undersample_ensemble(X, y, split=split)])
def test_refuses_evaluation_splits(func, split):
    with pytest.raises(ValueError, match="training split"):
        func([1, 2, 3, 4], [0, 0, 0, 1], split=split)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: oversample([1, 2, 3], [0, 0, 1], split="training data"), ValueError, "split must be 'train'"),
    (lambda: oversample([1, 2, 3], [0, 1], split="train"), ValueError, "mismatched"),
    (lambda: oversample([1, 2, 3], [0, 0, 0]), ValueError, "one class"),
    (lambda: undersample("abc", [0, 0, 1]), TypeError, "sequence of rows"),
    (lambda: oversample([], []), ValueError, "empty"),
    (lambda: multiply_minority([1, 2, 3], [0, 0, 1], factor=0), ValueError, "factor"),
    (lambda: multiply_minority([1, 2, 3], [0, 0, 1], factor=1.5), TypeError, "factor must be an integer"),
    (lambda: multiply_minority([1, 2, 3], [0, 0, 1], minority=7), ValueError, "does not occur"),
    (lambda: undersample_ensemble([1, 2, 3], [0, 0, 1], n_sets=0), ValueError, "n_sets"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("seed", range(20))
def test_assert_not_resampled_catches_oversampled_validation(seed):
    rng = np.random.default_rng(seed)
    texts = np.array([f"text {i}" for i in range(200)])
    y = (rng.random(200) < 0.1).astype(int)
    y[:2] = [0, 1]
    train, val = texts[:150], texts[150:]
    assert_not_resampled(val, train_rows=train)
    X_val_res, _ = oversample(val, y[150:])
    with pytest.raises(AssertionError, match="duplicated row"):
        assert_not_resampled(X_val_res, split="validation")
    with pytest.raises(AssertionError, match="leak"):
        assert_not_resampled(np.append(val, train[seed]), train_rows=train)


@pytest.mark.parametrize("make", [lambda a: a, sp.csr_matrix, pd.DataFrame])
def test_assert_not_resampled_on_feature_rows(make):
    X = np.arange(20.0).reshape(10, 2)
    assert_not_resampled(make(X[5:]), train_rows=make(X[:5]))
    with pytest.raises(AssertionError, match="duplicated"):
        assert_not_resampled(make(np.vstack([X[5:], X[6:7]])))
    with pytest.raises(AssertionError, match="training split"):
        assert_not_resampled(make(X[4:]), train_rows=make(X[:5]))
