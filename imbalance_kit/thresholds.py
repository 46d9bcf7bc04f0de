"""Threshold moving: sweep every cut-off, then pick one that meets recall/precision targets.

Convention (as in scikit-learn's ``precision_recall_curve``): an item is predicted
positive when ``score >= threshold``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import check_binary, check_fraction, check_int, check_same_length, check_scores, to_python


def threshold_sweep(y_true, scores) -> pd.DataFrame:
    """Precision, recall, F1 and counts at every distinct score used as threshold.

    One row per unique score, in increasing threshold order; the rows equal
    scikit-learn's ``precision_recall_curve`` without its final (P=1, R=0) point,
    which has no threshold. Cost: one sort plus cumulative sums, O(n log n).

    Returns
    -------
    DataFrame with columns threshold, precision, recall, f1, tp, fp, fn.

    >>> threshold_sweep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).round(3)
       threshold  precision  recall     f1  tp  fp  fn
    0       0.10      0.500     1.0  0.667   2   2   0
    1       0.35      0.667     1.0  0.800   2   1   0
    2       0.40      0.500     0.5  0.500   1   1   1
    3       0.80      1.000     0.5  0.667   1   0   1
    """
    y = check_binary(y_true, "y_true")
    s = check_scores(scores, "scores")
    check_same_length(y_true=y, scores=s)
    order = np.argsort(s)
    s_sorted, y_sorted = s[order], y[order]
    # Walk from the highest score down: tp[i] counts positives among the i+1 top items.
    # The first index of each run of ties (ascending) is where its threshold starts.
    tp_desc = np.cumsum(y_sorted[::-1])
    first = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    n_pred = len(s) - first  # items with score >= s_sorted[first]
    tp = tp_desc[n_pred - 1]
    fp = n_pred - tp
    n_pos = tp_desc[-1]
    fn = n_pos - tp
    return pd.DataFrame(
        {
            "threshold": s_sorted[first],
            "precision": tp / n_pred,
            "recall": tp / n_pos,
            "f1": 2 * tp / (2 * tp + fp + fn),
            "tp": tp,
            "fp": fp,
            "fn": fn,
        }
    )


@dataclass(frozen=True)
class ThresholdChoice:
    """The chosen threshold and its precision/recall/F1 on the data it was chosen on.

    ``met`` is False when no threshold reaches the targets; the fields then describe
    the best available point and ``message`` says what fell short.
    """

    threshold: float
    precision: float
    recall: float
    f1: float
    met: bool
    message: str


def choose_threshold(y_true, scores, min_recall=None, min_precision=None) -> ThresholdChoice:
    """Pick a threshold (``score >= threshold`` is positive) that meets recall/precision floors.

    Rules, evaluated over every distinct score (see :func:`threshold_sweep`):

    - only ``min_recall``: highest precision among thresholds with recall >= min_recall
      (always met: the lowest threshold has recall 1);
    - only ``min_precision``: highest recall among thresholds with precision >= min_precision;
    - both: highest precision among thresholds meeting both floors;
    - neither: highest F1.

    Remaining ties go to the other of precision/recall (F1 ties: higher precision). No two
    thresholds share both precision and recall, so the choice is unique. When nothing
    meets the targets, this does not raise: ``met`` is False and the point with the
    smallest shortfall ``max(min_recall - recall, min_precision - precision)`` is returned
    (ties: higher precision, then higher recall), with an explaining ``message``.

    Choose on validation data, report on test data.

    >>> y = [0, 0, 0, 0, 1, 0, 1, 1]
    >>> s = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9]
    >>> c = choose_threshold(y, s, min_recall=0.9)
    >>> c.threshold, round(c.precision, 3), c.recall, c.met
    (0.5, 0.75, 1.0, True)
    >>> c = choose_threshold(y, s, min_recall=0.9, min_precision=0.9)
    >>> c.met, c.threshold
    (False, 0.5)
    >>> c.message
    'no threshold meets recall >= 0.9 and precision >= 0.9; closest: threshold 0.5 (precision 0.75, recall 1)'
    """
    targets = {
        name: None if value is None else check_fraction(value, name)
        for name, value in (("min_recall", min_recall), ("min_precision", min_precision))
    }
    sweep = threshold_sweep(y_true, scores)
    p, r = sweep["precision"].to_numpy(), sweep["recall"].to_numpy()
    min_r, min_p = targets["min_recall"], targets["min_precision"]
    if min_r is None and min_p is None:
        i = _best(sweep["f1"].to_numpy(), p, np.ones(len(p), bool))
        return _choice(sweep, i, True, "highest F1 (no targets given)")
    ok = np.ones(len(p), bool)
    if min_r is not None:
        ok &= r >= min_r
    if min_p is not None:
        ok &= p >= min_p
    wanted = " and ".join(f"{k[4:]} >= {v:g}" for k, v in targets.items() if v is not None)
    if ok.any():
        i = _best(r, p, ok) if min_r is None else _best(p, r, ok)
        return _choice(sweep, i, True, f"meets {wanted}")
    shortfall = np.maximum(
        0.0 if min_r is None else min_r - r, 0.0 if min_p is None else min_p - p
    )
    # Smallest shortfall; lexsort's last key is primary, and negation makes "higher" win.
    i = int(np.lexsort((-r, -p, shortfall))[0])
    row = sweep.iloc[i]
    msg = (
        f"no threshold meets {wanted}; closest: threshold {row['threshold']:g} "
        f"(precision {row['precision']:.3g}, recall {row['recall']:.3g})"
    )
    return _choice(sweep, i, False, msg)


def recall_aim(target: float, n_positives: int, miss_rate: float = 0.1) -> float:
    """Validation recall to aim for so that test recall reaches ``target`` in all but about
    ``miss_rate`` of splits.

    A threshold that only just reaches ``target`` on validation lands below it on test about
    half the time. At one threshold the validation recall and the test recall are two
    independent estimates of the same true recall, each with standard error
    ``sqrt(r (1 - r) / n)`` for ``n`` positives per split, so their difference has ``sqrt(2)``
    times that. Aiming ``z = Phi^-1(1 - miss_rate)`` of these above the target (with
    ``r = target``) leaves test recall below ``target`` in about ``miss_rate`` of splits
    (normal approximation; lesson 07 measures it on resampled splits). Pass the aim as
    ``min_recall`` to :func:`choose_threshold` on validation data. Capped at 1. A precision
    floor is a share too: the same margin serves it when ``n_positives`` is the number of
    items the threshold flags.

    Parameters
    ----------
    target : float in (0, 1), the recall the product needs on new data
    n_positives : int >= 1, positives in the validation split (test assumed the same size)
    miss_rate : float in (0, 0.5], acceptable share of splits where test recall falls short

    >>> round(recall_aim(0.85, 200), 3)
    0.896
    >>> recall_aim(0.85, 200, miss_rate=0.5)  # no margin: a coin flip on test
    0.85
    """
    from scipy.stats import norm

    target = check_fraction(target, "target", closed="neither")
    n = check_int(n_positives, "n_positives", minimum=1)
    miss_rate = check_fraction(miss_rate, "miss_rate", 0.0, 0.5, closed="right")
    margin = norm.ppf(1 - miss_rate) * np.sqrt(2 * target * (1 - target) / n)
    return float(min(target + margin, 1.0))


def _best(primary, secondary, ok) -> int:
    """Index maximising ``primary`` then ``secondary`` among rows where ``ok``."""
    idx = np.flatnonzero(ok)
    return int(idx[np.lexsort((secondary[idx], primary[idx]))[-1]])


def _choice(sweep: pd.DataFrame, i: int, met: bool, message: str) -> ThresholdChoice:
    row = sweep.iloc[i]
    return ThresholdChoice(
        threshold=float(row["threshold"]),
        precision=float(row["precision"]),
        recall=float(row["recall"]),
        f1=float(row["f1"]),
        met=met,
        message=message,
    )


def _per_class_target(value, classes, name):
    """Expand a scalar / mapping / sequence target to one value (or None) per class."""
    if value is None or isinstance(value, (int, float, np.integer, np.floating)):
        return [value] * len(classes)
    if isinstance(value, Mapping):
        unknown = set(value) - set(classes)
        if unknown:
            raise ValueError(f"{name} names unknown classes: {sorted(unknown, key=str)}")
        return [value.get(c) for c in classes]
    if isinstance(value, (Sequence, np.ndarray, pd.Series)) and not isinstance(value, str):
        if len(value) != len(classes):
            raise ValueError(f"{name} has {len(value)} entries for {len(classes)} classes")
        return list(value)
    raise TypeError(f"{name} must be a number, a mapping class -> number, or a sequence, got {type(value).__name__}")


def per_class_thresholds(Y_true, scores, min_recall=None, min_precision=None) -> pd.DataFrame:
    """One :func:`choose_threshold` per label of a multi-label problem.

    Parameters
    ----------
    Y_true : array-like or DataFrame of shape (n, K), 0/1 per label
        Column names of a DataFrame become the class names (else 0..K-1).
    scores : array-like of shape (n, K)
    min_recall, min_precision : None, a number for every class, a mapping
        class -> number (missing classes get no target) or a sequence of K values.

    Returns
    -------
    DataFrame indexed by class with the targets and the fields of ThresholdChoice.

    >>> Y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> S = [[0.9, 0.2], [0.4, 0.6], [0.8, 0.3], [0.1, 0.5]]
    >>> t = per_class_thresholds(Y, S, min_recall={0: 1.0, 1: 0.5})
    >>> t[["threshold", "precision", "recall", "met"]]
           threshold  precision  recall   met
    class                                    
    0            0.8        1.0     1.0  True
    1            0.6        1.0     0.5  True
    """
    classes = list(Y_true.columns) if isinstance(Y_true, pd.DataFrame) else None
    Y = np.asarray(Y_true)
    S = np.asarray(scores, dtype=float)
    if Y.ndim != 2 or S.ndim != 2:
        raise ValueError(f"Y_true and scores must be 2-D (n_samples, n_classes), got shapes {Y.shape} and {S.shape}")
    if Y.shape != S.shape:
        raise ValueError(f"Y_true and scores must have one shape, got {Y.shape} and {S.shape}")
    classes = classes if classes is not None else list(range(Y.shape[1]))
    recalls = _per_class_target(min_recall, classes, "min_recall")
    precisions = _per_class_target(min_precision, classes, "min_precision")
    rows = []
    for j, cls in enumerate(classes):
        try:
            c = choose_threshold(Y[:, j], S[:, j], min_recall=recalls[j], min_precision=precisions[j])
        except (ValueError, TypeError) as err:
            raise type(err)(f"class {cls!r}: {err}") from None
        rows.append({"min_recall": recalls[j], "min_precision": precisions[j], **c.__dict__})
    return pd.DataFrame(rows, index=pd.Index([to_python(c) for c in classes], name="class"))
