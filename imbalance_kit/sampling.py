"""Resample **training** data (imbalanced-learn random samplers) and check that evaluation data was not.

Every resampler takes ``split="train"`` and refuses ``"validation"``/``"test"``: duplicated or
dropped rows in evaluation data give scores that do not describe the real class distribution.
Rows are resampled through their indices (imblearn's ``sample_indices_``), so ``X`` may be a list
of texts, a 1-D or 2-D array, a scipy sparse matrix, a pandas Series or DataFrame; the output has
the input's type, and pandas objects keep their original index (handy to trace duplicates).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

from ._validation import as_1d, check_int, check_same_length

_EVAL_SPLITS = frozenset({"validation", "val", "valid", "dev", "test", "eval", "evaluation", "holdout"})


def _check_split(split) -> None:
    if split in _EVAL_SPLITS:
        raise ValueError(
            f"refusing to resample the {split!r} split: validation and test data must keep the real "
            "class distribution, otherwise duplicated minority rows inflate recall and precision. "
            "Resample only the training split (or use an imblearn Pipeline, which resamples only in fit).")
    if split != "train":
        raise ValueError(f"split must be 'train' (resampling is for training data only), got {split!r}")


def _n_rows(X) -> int:
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError("X must be a sequence of rows (texts, array, sparse matrix or DataFrame)")
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _take(values, idx: np.ndarray):
    """Rows ``idx`` of ``values``, in the type of ``values``."""
    if isinstance(values, (pd.Series, pd.DataFrame)):
        return values.iloc[idx]
    if sp.issparse(values) or isinstance(values, np.ndarray):
        return values[idx]
    if isinstance(values, tuple):
        return tuple(values[i] for i in idx)
    return [values[i] for i in idx]


def _check_xy(X, y):
    labels = as_1d(y, "y")
    check_same_length(X=range(_n_rows(X)), y=labels)
    if len(np.unique(labels)) < 2:
        raise ValueError(f"y holds only one class ({labels[0]!r}); resampling needs at least two")
    return labels


def _resample(sampler, X, y):
    labels = _check_xy(X, y)
    # Resample row numbers, not X itself: imblearn needs 2-D X, and texts would be copied needlessly.
    sampler.fit_resample(np.arange(len(labels)).reshape(-1, 1), labels)
    idx = sampler.sample_indices_
    return _take(X, idx), _take(y, idx)


def oversample(X, y, ratio="auto", random_state=0, *, split: str = "train"):
    """Randomly duplicate minority rows (``imblearn`` ``RandomOverSampler``).

    Parameters
    ----------
    X : rows (list of texts, array, sparse matrix, Series, DataFrame); y : labels
    ratio : imblearn ``sampling_strategy``: "auto" (every class up to the majority), a float
        (binary: minority / majority after resampling), or a dict class -> target count.
    random_state : int, seed
    split : must be "train"; "validation"/"test" raise ValueError.

    Returns ``(X_resampled, y_resampled)``: all original rows first, then the duplicates.

    >>> X_res, y_res = oversample(["a", "b", "c", "d"], [0, 0, 0, 1])
    >>> sorted(y_res), len(X_res)
    ([0, 0, 0, 1, 1, 1], 6)
    """
    _check_split(split)
    return _resample(RandomOverSampler(sampling_strategy=ratio, random_state=random_state), X, y)


def undersample(X, y, ratio="auto", random_state=0, *, split: str = "train"):
    """Randomly drop majority rows without replacement (``imblearn`` ``RandomUnderSampler``).

    ``ratio`` as in :func:`oversample` ("auto": every class down to the minority count).
    Prefer several undersamples (:func:`undersample_ensemble`) when the dropped data matters.

    >>> X_res, y_res = undersample(["a", "b", "c", "d"], [0, 0, 0, 1])
    >>> sorted(y_res), len(X_res)
    ([0, 1], 2)
    """
    _check_split(split)
    return _resample(RandomUnderSampler(sampling_strategy=ratio, random_state=random_state), X, y)


def undersample_ensemble(X, y, n_sets: int = 5, ratio="auto", random_state=0, *,
                         split: str = "train") -> Iterator[tuple]:
    """Yield ``n_sets`` independent random undersamples ``(X_i, y_i)`` of the training data.

    Train one model per set and average their scores, so every majority row is used by some model
    (the idea behind imblearn's ``EasyEnsembleClassifier``/``BalancedBaggingClassifier``).
    Inputs are checked immediately, not at the first ``next()``.

    >>> sets = list(undersample_ensemble(list(range(10)), [0] * 8 + [1] * 2, n_sets=3))
    >>> len(sets), [len(X_i) for X_i, _ in sets]
    (3, [4, 4, 4])
    """
    _check_split(split)
    n_sets = check_int(n_sets, "n_sets", minimum=1)
    _check_xy(X, y)
    seeds = np.random.default_rng(random_state).integers(0, 2**31 - 1, size=n_sets)

    def generate():
        for seed in seeds:
            yield undersample(X, y, ratio=ratio, random_state=int(seed))

    return generate()


def multiply_minority(X, y, factor: int = 2, minority=None, *, split: str = "train"):
    """Repeat every row of the minority class ``factor`` times ("2x minority oversampling").

    Deterministic: each minority row appears exactly ``factor`` times (random oversampling would
    repeat some rows more than others). ``minority`` defaults to the least frequent class.
    Copies are appended after the original rows.

    >>> X_res, y_res = multiply_minority(["a", "b", "c", "d"], [0, 0, 0, 1], factor=3)
    >>> X_res, y_res
    (['a', 'b', 'c', 'd', 'd', 'd'], [0, 0, 0, 1, 1, 1])
    """
    _check_split(split)
    factor = check_int(factor, "factor", minimum=1)
    labels = _check_xy(X, y)
    if minority is None:
        uniq, freq = np.unique(labels, return_counts=True)
        minority = uniq[np.argmin(freq)]
    elif not np.any(labels == minority):
        raise ValueError(f"minority class {minority!r} does not occur in y")
    rows = np.flatnonzero(labels == minority)
    idx = np.concatenate([np.arange(len(labels))] + [rows] * (factor - 1))
    return _take(X, idx), _take(y, idx)


def _row_keys(rows, name: str) -> list:
    """A hashable key per row, equal for identical rows."""
    if isinstance(rows, pd.DataFrame):
        return pd.util.hash_pandas_object(rows, index=False).tolist()
    if sp.issparse(rows):
        csr = sp.csr_matrix(rows)
        csr.sum_duplicates()
        csr.sort_indices()
        return [(csr.indices[a:b].tobytes(), csr.data[a:b].tobytes())
                for a, b in zip(csr.indptr[:-1], csr.indptr[1:])]
    arr = rows.to_numpy() if isinstance(rows, pd.Series) else np.asarray(rows)
    if arr.ndim == 2:
        return [tuple(r) for r in arr.tolist()]
    return as_1d(arr, name).tolist()


def assert_not_resampled(eval_rows, *, train_rows=None, split: str = "validation") -> None:
    """Self-check: raise AssertionError if evaluation data looks resampled or leaks training rows.

    Parameters
    ----------
    eval_rows : ids, texts, 2-D array, sparse matrix or DataFrame of the validation/test split.
        Duplicated rows are what oversampling leaves behind. (Genuine exact duplicates should
        have been removed before splitting, so they are reported too.)
    train_rows : same kind of rows for the training split, optional; any row also in
        ``eval_rows`` means the splits overlap (leakage, e.g. from resampling before splitting).
    split : name used in the message.

    >>> assert_not_resampled(["id3", "id7", "id9"], train_rows=["id1", "id2"])
    >>> assert_not_resampled(["id3", "id7", "id7"])
    Traceback (most recent call last):
    ...
    AssertionError: validation split holds 1 duplicated row(s), e.g. ['id7']: was it oversampled? Resample only the training split.
    """
    keys = _row_keys(eval_rows, "eval_rows")
    dup = pd.Series(keys).duplicated()
    if dup.any():
        examples = _examples(eval_rows, np.flatnonzero(dup.to_numpy()))
        raise AssertionError(f"{split} split holds {int(dup.sum())} duplicated row(s), e.g. {examples}: "
                             "was it oversampled? Resample only the training split.")
    if train_rows is not None:
        shared = set(keys) & set(_row_keys(train_rows, "train_rows"))
        if shared:
            where = [i for i, k in enumerate(keys) if k in shared]
            raise AssertionError(f"{len(where)} {split} row(s) also occur in the training split, e.g. "
                                 f"{_examples(eval_rows, where)}: the splits leak (resampled or "
                                 "deduplicated only after splitting?)")


def _examples(rows, positions, k: int = 3) -> list:
    """Up to k offending rows to quote in a message (positions for non-1-D rows)."""
    positions = list(positions)[:k]
    if isinstance(rows, pd.DataFrame) or sp.issparse(rows) or np.ndim(rows) == 2:
        return [f"row {p}" for p in positions]
    values = rows.to_numpy() if isinstance(rows, pd.Series) else np.asarray(rows)
    return [values[p].item() if isinstance(values[p], np.generic) else values[p] for p in positions]
