"""Scores of a class-weighted classifier on fresh toxic comments (data of Exercise 4).

Thresholds and calibration are chosen on a model's *scores*, not on its texts. This module
trains the model of the thresholds-and-calibration lesson (TF-IDF + logistic regression with
``class_weight="balanced"``) on one draw of :func:`imbalance_kit.datasets.toxic_comments` and
returns every split with the model's positive-class probability, so an exercise and its grader
get the same scores from the same seed.
"""
from __future__ import annotations

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .._validation import check_fraction, check_int, check_seed
from ..splits import stratified_split
from .toxic import toxic_comments

SPLITS = ("train", "validation", "test")
#: Shares per split: the validation and test splits are large enough for a threshold and a
#: calibrator to be judged (about 60 toxic comments each at the default rate).
SIZES = (0.5, 0.25, 0.25)


def weighted_toxic_scores(seed: int = 0, toxic_rate: float = 0.06, n: int = 4_000) -> dict:
    """Train/validation/test toxic comments scored by a class-weighted logistic regression.

    Steps (the thresholds-and-calibration lesson's, with the group-aware split of *Splits without
    leakage*):

    1. ``toxic_comments(n=n, toxic_rate=toxic_rate, seed=seed)``;
    2. :func:`imbalance_kit.splits.stratified_split` 50/25/25 with ``groups="dup_group"``, so no
       planted copy crosses splits;
    3. ``TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)`` fitted on train;
    4. ``LogisticRegression(solver="liblinear", class_weight="balanced")`` fitted on train;
    5. ``score`` = ``predict_proba(...)[:, 1]`` on every split (train too: a calibrator must
       never be fitted there, and these scores show why).

    Parameters
    ----------
    seed : int
        Same seed, same comments, split and scores.
    toxic_rate : float in (0, 0.5]
        Share of toxic comments.
    n : int, at least 400
        Number of comments (duplicates included).

    Returns
    -------
    dict split name ("train", "validation", "test") -> DataFrame with columns
    ``comment_id``, ``text``, ``label`` (1 = toxic) and ``score`` (float in [0, 1]).

    >>> s = weighted_toxic_scores(seed=0)
    >>> {k: len(v) for k, v in s.items()}
    {'train': 2000, 'validation': 1000, 'test': 1000}
    >>> bool(s["test"]["score"].mean() > 2 * s["test"]["label"].mean())  # weighting inflates p
    True
    """
    seed = check_seed(seed)
    toxic_rate = check_fraction(toxic_rate, "toxic_rate", 0.0, 0.5, closed="right")
    n = check_int(n, "n", minimum=400)
    df = toxic_comments(n=n, toxic_rate=toxic_rate, seed=seed)
    parts = dict(zip(SPLITS, stratified_split(df, "label", sizes=SIZES, groups="dup_group", seed=seed)))
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X_train = vectorizer.fit_transform(parts["train"]["text"])
    model = LogisticRegression(solver="liblinear", class_weight="balanced")
    model.fit(X_train, parts["train"]["label"].to_numpy())
    out = {}
    for name, part in parts.items():
        X = X_train if name == "train" else vectorizer.transform(part["text"])
        out[name] = pd.DataFrame({
            "comment_id": part["comment_id"].to_numpy(),
            "text": part["text"].to_numpy(),
            "label": part["label"].to_numpy(),
            "score": model.predict_proba(X)[:, 1],
        })
    return out
