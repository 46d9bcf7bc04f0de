"""How imbalanced is a label set? Counts, shares and the imbalance ratio."""
from __future__ import annotations

import pandas as pd

from ._validation import as_1d, to_python


def class_counts(labels) -> pd.Series:
    """Count each class, most frequent first.

    >>> class_counts(["ok", "ok", "ok", "toxic"]).to_dict()
    {'ok': 3, 'toxic': 1}
    """
    arr = as_1d(labels, "labels")
    counts = pd.Series(arr).value_counts(sort=True)
    counts.index.name = "class"
    counts.name = "count"
    return counts


def imbalance_report(labels) -> dict:
    """Summarise a label set: counts, shares, minority class and share, imbalance ratio.

    The imbalance ratio is majority count / minority count (1.0 means balanced).

    >>> r = imbalance_report([0] * 18_400 + [1] * 1_600)
    >>> r["minority_class"], r["minority_share"], round(r["imbalance_ratio"], 2)
    (1, 0.08, 11.5)
    """
    counts = class_counts(labels)
    if len(counts) < 2:
        raise ValueError(f"labels hold only one class ({counts.index[0]!r}); imbalance needs at least two")
    total = int(counts.sum())
    shares = counts / total
    majority, minority = to_python(counts.index[0]), to_python(counts.index[-1])
    return {
        "n": total,
        "n_classes": len(counts),
        "counts": {to_python(k): int(v) for k, v in counts.items()},
        "shares": {to_python(k): float(v) for k, v in shares.items()},
        "majority_class": majority,
        "minority_class": minority,
        "minority_share": float(shares.iloc[-1]),
        "imbalance_ratio": float(counts.iloc[0] / counts.iloc[-1]),
    }
