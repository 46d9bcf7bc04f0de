"""Metrics that stay honest under imbalance: PR-AUC, macro F1, per-class report, costs.

Everything here is plain numpy; the test suite checks it against scikit-learn.
Zero division (a class never predicted, or absent) scores 0, never NaN.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import as_1d, check_binary, check_same_length, check_scores, to_python


def _encode(y_true, y_pred, labels):
    """Return (labels, true codes, predicted codes); every value must be one of ``labels``."""
    t = as_1d(y_true, "y_true")
    p = as_1d(y_pred, "y_pred")
    check_same_length(y_true=t, y_pred=p)
    if labels is None:
        lab = np.union1d(t, p)
    else:
        lab = as_1d(labels, "labels")
        if len(np.unique(lab)) != len(lab):
            raise ValueError("labels contains duplicates")
    sorter = np.argsort(lab)
    codes = []
    for name, values in (("y_true", t), ("y_pred", p)):
        pos = np.searchsorted(lab, values, sorter=sorter).clip(max=len(lab) - 1)
        idx = sorter[pos]
        unknown = lab[idx] != values
        if unknown.any():
            raise ValueError(
                f"{name} holds values missing from labels: {np.unique(values[unknown])[:5].tolist()}"
            )
        codes.append(idx)
    return lab, codes[0], codes[1]


def _confusion(y_true, y_pred, labels):
    lab, t, p = _encode(y_true, y_pred, labels)
    k = len(lab)
    cm = np.bincount(t * k + p, minlength=k * k).reshape(k, k)
    return lab, cm


def _safe_div(num, den):
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def pr_auc(y_true, scores) -> float:
    """Area under the precision-recall curve as average precision (AP).

    AP is the step sum ``sum_n (R_n - R_{n-1}) * P_n`` over the distinct score
    thresholds, highest first: the same number as scikit-learn's
    ``average_precision_score``. It is not the trapezoidal ``auc(recall, precision)``,
    which can be too optimistic. A random ranking scores about the prevalence.

    Parameters
    ----------
    y_true : array-like of 0/1 (or bool), both classes present
    scores : array-like of float, higher means more likely positive

    >>> pr_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.8333333333333333
    """
    y = check_binary(y_true, "y_true")
    s = check_scores(scores, "scores")
    check_same_length(y_true=y, scores=s)
    order = np.argsort(s)[::-1]
    s_desc, y_desc = s[order], y[order]
    # The last index of each run of tied scores: ties enter the prediction together.
    last = np.flatnonzero(np.r_[s_desc[1:] != s_desc[:-1], True])
    tp = np.cumsum(y_desc)[last]
    precision = tp / (last + 1)
    recall = tp / tp[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * precision))


def confusion_table(y_true, y_pred, labels=None) -> pd.DataFrame:
    """Confusion matrix as a labelled DataFrame: rows are true classes, columns predicted.

    ``labels`` fixes the classes and their order (default: sorted union of both
    inputs); pass it so that a class absent from this sample still gets a row.

    >>> t = confusion_table(["ok", "ok", "spam"], ["ok", "spam", "spam"])
    >>> t.loc["ok"].to_dict()  # row = true class "ok": one right, one called spam
    {'ok': 1, 'spam': 1}
    >>> t.loc["spam"].to_dict()
    {'ok': 0, 'spam': 1}
    """
    lab, cm = _confusion(y_true, y_pred, labels)
    names = [to_python(x) for x in lab]
    return pd.DataFrame(
        cm, index=pd.Index(names, name="true"), columns=pd.Index(names, name="predicted")
    )


def per_class_report(y_true, y_pred, labels=None) -> pd.DataFrame:
    """Precision, recall, F1 and support for every class, indexed by class.

    Every class in ``labels`` (default: sorted union of ``y_true`` and ``y_pred``)
    gets a row, including one that is never predicted; zero division gives 0.

    >>> y_true = [0] * 90 + [1] * 8 + [2] * 2
    >>> y_pred = [0] * 88 + [1] * 2 + [0] * 3 + [1] * 5 + [0, 0]
    >>> per_class_report(y_true, y_pred).round(3)
           precision  recall     f1  support
    class                                   
    0          0.946   0.978  0.962       90
    1          0.714   0.625  0.667        8
    2          0.000   0.000  0.000        2
    """
    lab, cm = _confusion(y_true, y_pred, labels)
    tp = np.diag(cm)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    return pd.DataFrame(
        {
            "precision": _safe_div(tp, predicted),
            "recall": _safe_div(tp, support),
            "f1": _safe_div(2 * tp, predicted + support),
            "support": support,
        },
        index=pd.Index([to_python(x) for x in lab], name="class"),
    )


def macro_f1(y_true, y_pred, labels=None) -> float:
    """Macro F1: the unweighted mean of the per-class F1 scores.

    This is *not* the F1 of macro precision and macro recall, which is a different
    (usually larger) number. On a 90/8/2 split where the model finds 88/90, 5/8 and
    1/2 of the classes:

    >>> y_true = [0] * 90 + [1] * 8 + [2] * 2
    >>> y_pred = [0] * 88 + [1] * 2 + [0] * 3 + [1] * 5 + [0, 2]
    >>> round(macro_f1(y_true, y_pred), 4)
    0.7668
    >>> r = per_class_report(y_true, y_pred)
    >>> p, rec = r["precision"].mean(), r["recall"].mean()
    >>> float(round(2 * p * rec / (p + rec), 4))  # F1 of macro P and macro R: not macro F1
    0.7843

    ``labels`` fixes the classes averaged over (default: sorted union of both inputs);
    pass it so that a rare class missing from both still counts as an F1 of 0.
    """
    return float(per_class_report(y_true, y_pred, labels)["f1"].mean())


def expected_cost(y_true, y_pred, cost_matrix, labels=None) -> float:
    """Mean misclassification cost per item.

    Parameters
    ----------
    cost_matrix : array-like of shape (K, K), non-negative
        ``cost_matrix[i][j]`` is the cost of predicting class ``labels[j]`` for an item
        whose true class is ``labels[i]``; the diagonal is usually 0.
    labels : sequence of K classes giving the row/column order of ``cost_matrix``
        (default: sorted union of ``y_true`` and ``y_pred``).

    A missed positive costing 10 times a false alarm:

    >>> expected_cost([0, 0, 1, 1], [0, 1, 0, 1], [[0, 1], [10, 0]])
    2.75
    """
    lab, cm = _confusion(y_true, y_pred, labels)
    if isinstance(cost_matrix, pd.DataFrame):
        cost_matrix = cost_matrix.to_numpy()
    cost = np.asarray(cost_matrix, dtype=float)
    k = len(lab)
    if cost.shape != (k, k):
        raise ValueError(f"cost_matrix must have shape ({k}, {k}) for labels {lab.tolist()}, got {cost.shape}")
    if not np.all(np.isfinite(cost)) or cost.min() < 0:
        raise ValueError("cost_matrix must hold finite, non-negative costs")
    return float((cm * cost).sum() / cm.sum())
