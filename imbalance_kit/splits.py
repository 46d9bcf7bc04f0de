"""Stratified train/val/test splits, optionally group-aware, and a check for duplicate leakage."""
from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ._validation import as_1d, check_dataframe, check_fraction, check_seed, to_python
from .dedup import exact_duplicates, near_duplicate_clusters

# Largest number of folds tried when whole folds approximate the sizes (see stratified_split).
_MAX_FOLDS = 20


def _check_sizes(sizes) -> tuple:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) not in (2, 3):
        raise ValueError(f"sizes must hold 2 (train, test) or 3 (train, val, test) fractions, got {sizes!r}")
    sizes = tuple(check_fraction(s, f"sizes[{i}]", 0, 1, closed="neither") for i, s in enumerate(sizes))
    if not np.isclose(sum(sizes), 1.0):
        raise ValueError(f"sizes must sum to 1, got {sizes} (sum {sum(sizes):.4g})")
    return sizes


def _fold_counts(sizes: tuple) -> tuple:
    """Smallest number of folds, and folds per split, whose whole-fold shares best match sizes."""
    best = None
    for n in range(len(sizes), _MAX_FOLDS + 1):
        counts = [max(1, round(s * n)) for s in sizes[1:]]
        counts.insert(0, n - sum(counts))
        if counts[0] < 1:
            continue
        error = max(abs(c / n - s) for c, s in zip(counts, sizes))
        if best is None or error < best[0] - 1e-12:
            best = (error, n, counts)
    return best[1], best[2]


def stratified_split(df: pd.DataFrame, label: str, sizes=(0.8, 0.1, 0.1), groups=None, seed: int = 0) -> tuple:
    """Split ``df`` into (train, val, test) DataFrames with the class shares of ``df[label]``.

    Parameters
    ----------
    df : DataFrame
    label : str, the class column to stratify on
    sizes : 3 fractions (train, val, test) -> 3 DataFrames, or 2 (train, test) -> 2; sum 1
    groups : None, a column name of ``df``, or an array with one group id per row
        (e.g. :func:`imbalance_kit.dedup.near_duplicate_clusters` of the texts)
    seed : int

    Without ``groups``: two ``train_test_split(..., stratify=)`` calls, first holding out
    ``val + test``, then splitting the holdout ``test / (val + test)``; identical to calling
    scikit-learn yourself with ``random_state=seed`` (same rows, same order). sklearn rounds
    ``n_test = ceil(test_size * n)``.

    With ``groups``: no group crosses splits. The target shares are whole ``1 / n`` folds, ``n``
    the smallest value (at most 20) whose folds best approximate ``sizes``: 10 folds for
    (0.8, 0.1, 0.1), 20 for (0.7, 0.15, 0.15). Groups with several rows are placed greedily,
    largest first, in the split whose class counts fall furthest short of the target (the idea
    of sklearn's ``StratifiedGroupKFold``, which loops over every group and is slow on
    near-duplicate cluster ids); singleton groups are then stratified like ordinary rows to fill
    each split's remaining shortfall per class. Random ties and orders follow ``seed``. This is an
    approximation: split sizes and class shares are only as even as the group sizes allow, and
    rows keep the order of ``df``.

    The index of ``df`` is kept in every split.

    >>> df = pd.DataFrame({"text": [f"comment {i}" for i in range(20_000)],
    ...                    "label": [0] * 18_400 + [1] * 1_600})
    >>> train, val, test = stratified_split(df, "label")
    >>> [len(s) for s in (train, val, test)], [float(s["label"].mean()) for s in (train, val, test)]
    ([16000, 2000, 2000], [0.08, 0.08, 0.08])
    >>> train, val, test = stratified_split(df, "label", groups=df.index // 4)
    >>> [len(s) for s in (train, val, test)]
    [16000, 2000, 2000]
    """
    check_dataframe(df, "df", [label])
    sizes = _check_sizes(sizes)
    seed = check_seed(seed)
    y = df[label].to_numpy()
    if pd.isna(y).any():
        raise ValueError(f"label column {label!r} contains missing values")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"label column {label!r} holds only one class ({to_python(classes[0])!r})")
    if counts.min() < len(sizes):
        raise ValueError(
            f"class {to_python(classes[counts.argmin()])!r} of {label!r} has {counts.min()} row(s); stratifying "
            f"into {len(sizes)} splits needs at least {len(sizes)} per class"
        )
    if groups is None:
        return _split_rows(df, y, sizes, seed, label)
    return _split_groups(df, y, _check_groups(df, groups), sizes, seed)


def _split_rows(df, y, sizes, seed, label):
    positions = np.arange(len(df))
    try:
        rest, test = train_test_split(positions, test_size=sizes[-1] if len(sizes) == 2 else sizes[1] + sizes[2],
                                      stratify=y, random_state=seed)
        if len(sizes) == 2:
            return df.iloc[rest], df.iloc[test]
        val, test = train_test_split(test, test_size=sizes[2] / (sizes[1] + sizes[2]),
                                     stratify=y[test], random_state=seed)
    except ValueError as err:
        raise ValueError(f"cannot stratify {label!r} into sizes {sizes}: {err}") from err
    return df.iloc[rest], df.iloc[val], df.iloc[test]


def _check_groups(df, groups) -> np.ndarray:
    if isinstance(groups, str):
        groups = check_dataframe(df, "df", [groups])[groups]
    arr = as_1d(groups, "groups")
    if len(arr) != len(df):
        raise ValueError(f"groups has {len(arr)} values but df has {len(df)} rows")
    if pd.isna(arr).any():
        raise ValueError("groups contains missing values")
    return arr


def _split_groups(df, y, groups, sizes, seed):
    n_folds, per_split = _fold_counts(sizes)
    group_of, _ = pd.factorize(groups)
    n_groups = group_of.max() + 1
    if n_groups < n_folds:
        raise ValueError(f"groups has {n_groups} distinct values; splitting into sizes {sizes} needs at least {n_folds}")
    class_of = np.unique(y, return_inverse=True)[1].ravel()
    split_of = _group_splits(group_of, class_of, np.array(per_split) / n_folds, np.random.default_rng(seed))
    return tuple(df.iloc[np.flatnonzero(split_of == i)] for i in range(len(sizes)))


def _group_splits(group_of: np.ndarray, class_of: np.ndarray, shares: np.ndarray, rng) -> np.ndarray:
    """Split of each row: whole groups, each split near ``shares`` of every class.

    Multi-row groups go first, largest first (random order within a size), each to the split
    whose class counts fall furthest short of their target where the group's classes are
    concerned. Singleton groups are ordinary rows: per class they fill the remaining shortfalls,
    shared out by largest remainders (ties in random order). Only the multi-row groups need a
    Python loop, so near-duplicate cluster ids (mostly singletons) split fast, where sklearn's
    ``StratifiedGroupKFold`` loops over every group.
    """
    n_classes = class_of.max() + 1
    group_size = np.bincount(group_of)
    totals = np.bincount(class_of, minlength=n_classes)
    target = np.outer(shares, totals)
    counts = np.zeros_like(target)
    split_of = np.empty(len(group_of), dtype=np.int64)

    in_multi = group_size[group_of] > 1
    multi, multi_rows = np.unique(group_of[in_multi], return_inverse=True)
    multi_rows = multi_rows.ravel()
    if len(multi):
        vectors = np.zeros((len(multi), n_classes))   # class counts of each multi-row group
        np.add.at(vectors, (multi_rows, class_of[in_multi]), 1)
        order = rng.permutation(len(multi))
        order = order[np.argsort(-group_size[multi][order], kind="stable")]
        multi_split = np.empty(len(multi), dtype=np.int64)
        for g in order:
            # Shortfall of each split relative to the class total, weighted by the group's classes;
            # ties go to the split missing the most rows.
            score = ((target - counts) / totals) @ vectors[g]
            best = np.flatnonzero(score >= score.max() - 1e-12)
            split = best[np.argmax((target - counts)[best].sum(axis=1))]
            counts[split] += vectors[g]
            multi_split[g] = split
        split_of[in_multi] = multi_split[multi_rows]

    for c in range(n_classes):
        rows = np.flatnonzero(~in_multi & (class_of == c))
        if len(rows) == 0:
            continue
        short = np.maximum(target[:, c] - counts[:, c], 0)   # sums to at least len(rows)
        want = short * len(rows) / short.sum()
        quota = np.floor(want + 1e-9).astype(np.int64)
        tie_order = rng.permutation(len(shares))
        quota[tie_order[np.argsort((quota - want)[tie_order], kind="stable")[: len(rows) - quota.sum()]]] += 1
        split_of[rng.permutation(rows)] = np.repeat(np.arange(len(shares)), quota)
    return split_of


def _named_splits(splits, names) -> dict:
    if isinstance(splits, Mapping):
        named = dict(splits)
    else:
        if isinstance(splits, pd.DataFrame) or not hasattr(splits, "__len__"):
            raise TypeError("splits must be a sequence or a mapping of DataFrames, e.g. (train, val, test)")
        if names is None:
            names = {2: ("train", "test"), 3: ("train", "val", "test")}.get(len(splits))
            if names is None:
                names = [f"split{i}" for i in range(len(splits))]
        if len(names) != len(splits):
            raise ValueError(f"names has {len(names)} entries but splits has {len(splits)}")
        named = dict(zip(names, splits))
    if len(named) < 2:
        raise ValueError("splits must hold at least two DataFrames")
    for name, part in named.items():
        check_dataframe(part, f"split {name!r}", allow_empty=True)
    return named


def leakage_report(splits, text: str = "text", threshold: float = 0.8, names=None, **cluster_kwargs) -> dict:
    """Find texts that occur, exactly or nearly, in more than one split.

    Parameters
    ----------
    splits : sequence of DataFrames, e.g. ``(train, val, test)``, or a mapping name -> DataFrame;
        the last one is treated as the test set
    text : str, the text column
    threshold : float, Jaccard threshold of :func:`imbalance_kit.dedup.near_duplicate_clusters`
    names : names of the splits (default ``train/val/test`` or ``train/test``)
    **cluster_kwargs : passed to ``near_duplicate_clusters`` (``shingle``, ``k``, ``num_perm``)

    Returns
    -------
    dict with
        - ``"pairs"``: DataFrame, one row per pair of splits (``a`` before ``b``), columns
          ``exact`` (rows of ``b`` equal after :func:`~imbalance_kit.dedup.normalize_text` to a
          row of ``a``) and ``near`` (rows of ``b`` in a near-duplicate cluster with a row of
          ``a``; includes exact copies);
        - ``"test_leaked"``: rows of the test set with an exact or near copy in any other split;
        - ``"n_test"``, ``"test_leak_share"`` (``test_leaked / n_test``).

    >>> train = pd.DataFrame({"text": ["Loved it, great movie!", "Awful plot", "Fine"]})
    >>> test = pd.DataFrame({"text": ["loved it great movie", "Awful plot twist at the end", "New"]})
    >>> report = leakage_report((train, test))
    >>> report["pairs"]
           a     b  exact  near
    0  train  test      1     1
    >>> report["test_leaked"], round(report["test_leak_share"], 3)
    (1, 0.333)
    """
    named = _named_splits(splits, names)
    for name, part in named.items():
        if text not in part.columns:
            raise ValueError(f"text column {text!r} is missing from split {name!r}")
    split_of = np.concatenate([np.full(len(part), i) for i, part in enumerate(named.values())])
    texts = pd.concat([part[text] for part in named.values()], ignore_index=True)
    if len(texts) == 0:
        raise ValueError("all splits are empty")
    exact = exact_duplicates(texts)
    near = near_duplicate_clusters(texts, threshold=threshold, **cluster_kwargs)

    def rows_with_copy(ids, in_split, elsewhere):
        return np.isin(ids[split_of == in_split], ids[np.isin(split_of, elsewhere)])

    keys = list(named)
    rows = [{"a": keys[i], "b": keys[j], "exact": int(rows_with_copy(exact, j, [i]).sum()),
             "near": int(rows_with_copy(near, j, [i]).sum())}
            for i, j in itertools.combinations(range(len(keys)), 2)]
    test = len(keys) - 1
    leaked = int(rows_with_copy(near, test, list(range(test))).sum())
    n_test = int((split_of == test).sum())
    return {
        "pairs": pd.DataFrame(rows, columns=["a", "b", "exact", "near"]),
        "test_leaked": leaked,
        "n_test": n_test,
        "test_leak_share": leaked / n_test if n_test else 0.0,
    }


def assert_no_leakage(splits, text: str = "text", threshold: float = 0.8, names=None, **cluster_kwargs) -> dict:
    """Raise ``AssertionError`` if any text of a split has an exact or near copy in another split.

    Arguments as :func:`leakage_report`, whose report is returned when there is no leak.

    >>> train = pd.DataFrame({"text": ["Loved it, great movie!", "Awful plot"]})
    >>> test = pd.DataFrame({"text": ["loved it great movie", "Something new"]})
    >>> assert_no_leakage((train, test))
    Traceback (most recent call last):
    ...
    AssertionError: duplicate texts cross splits (Jaccard >= 0.8 after normalisation): train->test: 1 exact, 1 near; 1 of 2 test rows (50.0%) leak
    >>> assert_no_leakage((train.iloc[1:], test))["test_leaked"]
    0
    """
    report = leakage_report(splits, text=text, threshold=threshold, names=names, **cluster_kwargs)
    pairs = report["pairs"]
    leaking = pairs[pairs["near"] > 0]
    if len(leaking):
        detail = "; ".join(f"{r.a}->{r.b}: {r.exact} exact, {r.near} near" for r in leaking.itertuples())
        raise AssertionError(
            f"duplicate texts cross splits (Jaccard >= {threshold} after normalisation): {detail}; "
            f"{report['test_leaked']} of {report['n_test']} test rows ({report['test_leak_share']:.1%}) leak"
        )
    return report
