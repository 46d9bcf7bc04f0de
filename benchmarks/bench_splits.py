"""Group-aware stratified_split on near-duplicate cluster ids (mostly singleton groups):
the old approach (sklearn StratifiedGroupKFold over all groups) vs stratified_split.

Run: python benchmarks/bench_splits.py   (one run prints both timings at 10,000 and 50,000 rows;
the old approach takes minutes at 50,000 rows)
"""
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from imbalance_kit.splits import stratified_split

SIZES, PREVALENCE, SEED = (0.8, 0.1, 0.1), 0.08, 0


def clustered_rows(n, seed=0):
    """n rows in near-duplicate clusters: 98.5 % of clusters are singletons, the rest have 2-6 rows.

    The label is constant within a cluster except for 5 % flipped rows (annotator noise).
    """
    rng = np.random.default_rng(seed)
    sizes = np.where(rng.random(n) < 0.985, 1, rng.integers(2, 7, n))
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    sizes[-1] -= sizes.sum() - n
    group = np.repeat(np.arange(len(sizes)), sizes)
    y = (rng.random(len(sizes)) < PREVALENCE).astype(int)[group]
    flip = rng.random(n) < 0.05
    y[flip] = 1 - y[flip]
    perm = rng.permutation(n)
    return pd.DataFrame({"label": y[perm], "group": group[perm]})


def old_split(df):
    """The previous implementation: 10 StratifiedGroupKFold folds; fold 0 test, fold 1 val."""
    fold_of = np.empty(len(df), dtype=np.int64)
    folds = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=SEED)
    for fold, (_, rows) in enumerate(folds.split(np.zeros(len(df)), df["label"], df["group"])):
        fold_of[rows] = fold
    return df[fold_of >= 2], df[fold_of == 1], df[fold_of == 0]


def describe(parts):
    sizes = "/".join(f"{len(p):,}" for p in parts)
    shares = "/".join(f"{p['label'].mean():.4f}" for p in parts)
    return f"rows {sizes}, positive share {shares}"


def main():
    for n in (10_000, 50_000):
        df = clustered_rows(n)
        print(f"{n:,} rows, {df['group'].nunique():,} groups "
              f"({(df['group'].value_counts() == 1).sum():,} singletons), prevalence {df['label'].mean():.4f}")
        start = time.perf_counter()
        new = stratified_split(df, "label", sizes=SIZES, groups="group", seed=SEED)
        new_time = time.perf_counter() - start
        start = time.perf_counter()
        old = old_split(df)
        old_time = time.perf_counter() - start
        for parts in (old, new):
            assert not set(parts[0]["group"]) & set(parts[1]["group"]) and not set(parts[2]["group"]) & (
                set(parts[0]["group"]) | set(parts[1]["group"]))
        print(f"  old StratifiedGroupKFold: {old_time:7.2f} s; {describe(old)}")
        print(f"  new stratified_split:     {new_time:7.2f} s; {describe(new)}  ({old_time / new_time:.0f}x faster)")


if __name__ == "__main__":
    main()
