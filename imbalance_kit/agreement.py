"""Agreement between two annotators, per class (lesson 04, labeling guidelines).

Overall Cohen's kappa is dominated by the common classes; a rare label can be labeled
inconsistently while the overall number looks fine. ``per_class_kappa`` scores each label one
against the rest, ``agreement_table`` puts the counts behind it next to it. Plain numpy; the test
suite checks the kappas against scikit-learn's ``cohen_kappa_score`` on binarised labels.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import as_1d, check_same_length


def _labels(a, b, labels):
    a, b = as_1d(a, "labels_a"), as_1d(b, "labels_b")
    check_same_length(labels_a=a, labels_b=b)
    if labels is None:
        return a, b, np.union1d(a, b)
    lab = as_1d(labels, "labels")
    if len(np.unique(lab)) != len(lab):
        raise ValueError("labels contains duplicates")
    return a, b, lab


def _kappa(both, only_a, only_b, n):
    """Cohen's kappa of one label vs the rest from its 2x2 counts; NaN when chance agreement is 1."""
    neither = n - both - only_a - only_b
    p_o = (both + neither) / n
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(p_e, 1.0), np.nan, (p_o - p_e) / (1 - p_e))


def agreement_table(labels_a, labels_b, labels=None) -> pd.DataFrame:
    """Per-label agreement of two annotators on the same items, one label against the rest.

    Parameters
    ----------
    labels_a, labels_b : array-like of shape (n_items,)
        The label each annotator gave each item (any hashable values, same order of items).
    labels : array-like, optional
        Rows of the table, in this order (default: every label either annotator used). A label
        nobody used gets zero counts and a NaN kappa.

    Returns
    -------
    DataFrame indexed by label with columns ``n_a`` and ``n_b`` (items each annotator gave
    the label), ``both`` (items both gave it), ``only_a``, ``only_b``, ``positive_agreement``
    (``2 * both / (n_a + n_b)``, the share of the label's uses the other annotator confirms) and
    ``kappa`` (Cohen's kappa of "this label" vs "any other label"; NaN when both annotators
    give the label to every item or to none, where kappa is undefined).

    Examples
    --------
    >>> a = ["spam", "ham", "ham", "spam", "ham", "phish", "ham", "ham"]
    >>> b = ["spam", "ham", "ham", "ham",  "ham", "ham",   "ham", "phish"]
    >>> agreement_table(a, b)[["n_a", "n_b", "both", "kappa"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
           n_a  n_b  both  kappa
    label
    ham      5    6     4  0.143
    phish    1    1     0 -0.143
    spam     2    1     1  0.600
    """
    a, b, lab = _labels(labels_a, labels_b, labels)
    n = len(a)
    in_a = a[:, None] == lab[None, :]
    in_b = b[:, None] == lab[None, :]
    n_a, n_b = in_a.sum(axis=0), in_b.sum(axis=0)
    both = (in_a & in_b).sum(axis=0)
    used = n_a + n_b
    table = pd.DataFrame({
        "n_a": n_a, "n_b": n_b, "both": both, "only_a": n_a - both, "only_b": n_b - both,
        "positive_agreement": np.divide(2 * both, used, out=np.full(len(lab), np.nan), where=used > 0),
        "kappa": _kappa(both, n_a - both, n_b - both, n),
    }, index=pd.Index(lab.tolist(), name="label"))
    return table


def per_class_kappa(labels_a, labels_b, labels=None) -> pd.Series:
    """Cohen's kappa of each label against all others (one-vs-rest), as a Series by label.

    The same number as ``cohen_kappa_score(np.equal(labels_a, c), np.equal(labels_b, c))`` for
    each label ``c``; NaN where that is undefined (both annotators use the label for every item or
    for none). See :func:`agreement_table` for the counts behind each value.

    Examples
    --------
    >>> a = ["spam", "ham", "ham", "spam", "ham", "phish", "ham", "ham"]
    >>> b = ["spam", "ham", "ham", "ham",  "ham", "ham",   "ham", "phish"]
    >>> per_class_kappa(a, b).round(3).to_dict()
    {'ham': 0.143, 'phish': -0.143, 'spam': 0.6}
    """
    return agreement_table(labels_a, labels_b, labels)["kappa"].rename("kappa")
