"""Active learning without modAL: uncertainty scores, capped queries, diversity, a small loop.

modAL 0.4.2.1's learner fails on scikit-learn >= 1.8 (see techniques.md §10), so the loop here
is plain scikit-learn. Uncertainty scores follow the textbook definitions (modAL's
``classifier_uncertainty`` / ``classifier_margin`` / ``classifier_entropy``).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import average_precision_score, f1_score
from sklearn.preprocessing import label_binarize

from ._validation import as_1d, check_in_choices, check_int, check_probabilities

STRATEGIES = ("entropy", "margin", "least_confidence")


def _check_proba(proba, name: str = "proba") -> np.ndarray:
    """(n, k) probabilities with rows summing to 1; a 1-D array is read as p(class 1)."""
    arr = np.asarray(proba, dtype=float)
    if arr.ndim == 1:
        arr = np.column_stack([1 - arr, arr])
    arr = check_probabilities(arr, name, ndim=2)
    if not np.allclose(arr.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError(f"each row of {name} must sum to 1")
    return arr


def least_confidence(proba) -> np.ndarray:
    """``1 - max_c p(c)`` per row: larger = more uncertain.

    >>> least_confidence([[0.9, 0.1], [0.5, 0.5]]).tolist()
    [0.09999999999999998, 0.5]
    """
    return 1.0 - _check_proba(proba).max(axis=1)


def margin(proba) -> np.ndarray:
    """``p(1) - p(2)``, the gap between the two most probable classes: SMALLER = more uncertain.

    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]).round(2).tolist()
    [0.5, 0.05]
    """
    top2 = np.sort(_check_proba(proba), axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy(proba) -> np.ndarray:
    """Shannon entropy ``-sum_c p(c) ln p(c)`` in nats (``0 ln 0 = 0``): larger = more uncertain.

    >>> entropy([[0.5, 0.5], [1.0, 0.0]]).round(4).tolist()
    [0.6931, 0.0]
    """
    p = _check_proba(proba)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return 0.0 - terms.sum(axis=1)  # "0.0 -" avoids printing -0.0 for certain rows


def _uncertainty(proba, strategy: str) -> np.ndarray:
    """Larger = more uncertain for every strategy (margin is negated)."""
    check_in_choices(strategy, STRATEGIES, "strategy")
    if strategy == "margin":
        return -margin(proba)
    return least_confidence(proba) if strategy == "least_confidence" else entropy(proba)


def diversity_pick(X, candidates, k, seed=0) -> np.ndarray:
    """Pick ``k`` diverse rows among ``candidates``: k-means, then the item nearest each centroid.

    ``X`` is a feature matrix (dense or sparse, e.g. TF-IDF or embeddings). KMeans with
    ``n_clusters=k`` runs on the candidate rows; from each cluster the member closest to its
    centroid is taken. If duplicates leave fewer distinct clusters, the remaining picks are the
    unpicked candidates closest to any centroid. Returns row indices of ``X`` (a subset of
    ``candidates``), ordered by cluster.

    >>> X = np.array([[0, 0], [0, 0.1], [5, 5], [5, 5.1], [9, 0]])
    >>> picks = diversity_pick(X, [0, 1, 2, 3, 4], k=3)
    >>> sorted(X[picks, 0].tolist())  # one item from each of the three groups
    [0.0, 5.0, 9.0]
    """
    cand = as_1d(candidates, "candidates").astype(int)
    if len(np.unique(cand)) != len(cand):
        raise ValueError("candidates contains repeated indices")
    n_rows = X.shape[0]
    if cand.min() < 0 or cand.max() >= n_rows:
        raise ValueError(f"candidates must index rows of X (0..{n_rows - 1})")
    k = check_int(k, "k", minimum=1)
    if k >= len(cand):
        return cand.copy()
    Xc = X[cand]
    with warnings.catch_warnings():  # "fewer distinct clusters" is handled below
        warnings.simplefilter("ignore")
        km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(Xc)
    dist = km.transform(Xc)  # (n_candidates, k) distances to every centroid
    own = dist[np.arange(len(cand)), km.labels_]
    picks = []
    for c in range(k):
        members = np.flatnonzero(km.labels_ == c)
        if len(members):
            picks.append(members[np.argmin(own[members])])
    if len(picks) < k:
        rest = [i for i in np.argsort(dist.min(axis=1), kind="stable") if i not in set(picks)]
        picks.extend(rest[: k - len(picks)])
    return cand[np.asarray(picks, int)]


def _cap_lookup(cap, name: str):
    if cap is None:
        return lambda key: np.inf
    if isinstance(cap, Mapping):
        for key, v in cap.items():
            check_int(v, f"{name}[{key!r}]", minimum=0)
        return lambda key: cap.get(key, np.inf)
    cap = check_int(cap, name, minimum=0)
    return lambda key: cap


def query(proba, n, strategy="entropy", classes=None, per_class_cap=None, sources=None,
          per_source_cap=None, exclude=None) -> np.ndarray:
    """Indices of the ``n`` most uncertain rows, most uncertain first, under optional caps.

    Parameters
    ----------
    proba : (n_samples, n_classes) predicted probabilities (1-D = p(class 1) of a binary model).
    n : int >= 0, how many to return.
    strategy : {"entropy", "margin", "least_confidence"}. Entropy and least confidence take the
        LARGEST scores; margin takes the SMALLEST ``p(1) - p(2)``. Ties keep row order.
    classes : labels of the columns of ``proba`` (default ``0..k-1``), used as the keys of
        ``per_class_cap``.
    per_class_cap : int or mapping class -> int: at most this many queried rows per PREDICTED
        class (the argmax of ``proba``). **A cap on the predicted class is not a cap on the true
        class**: a model that mistakes majority items for the minority will fill the minority's
        share of the batch with majority items (see ``tests/kit/test_active.py``).
    sources, per_source_cap : a source label per row and an int or mapping source -> int cap.
    exclude : indices never to return (e.g. already labeled).

    Rows are taken greedily in uncertainty order, skipping any whose class or source cap is full.
    If the caps leave fewer than ``n`` rows, the shorter result is returned with a UserWarning.

    >>> proba = [[0.9, 0.1], [0.55, 0.45], [0.5, 0.5], [0.2, 0.8]]
    >>> query(proba, 2).tolist()
    [2, 1]
    >>> query(proba, 2, per_class_cap=1).tolist()
    [2, 3]
    """
    p = _check_proba(proba)
    n = check_int(n, "n", minimum=0)
    score = _uncertainty(p, strategy)
    if classes is None:
        classes = np.arange(p.shape[1])
    classes = as_1d(classes, "classes")
    if len(classes) != p.shape[1]:
        raise ValueError(f"classes has {len(classes)} labels but proba has {p.shape[1]} columns")
    predicted = classes[p.argmax(axis=1)]
    class_cap = _cap_lookup(per_class_cap, "per_class_cap")
    source_cap = _cap_lookup(per_source_cap, "per_source_cap")
    if per_source_cap is not None and sources is None:
        raise ValueError("per_source_cap needs sources (one source label per row)")
    if sources is not None:
        sources = as_1d(sources, "sources")
        if len(sources) != len(p):
            raise ValueError(f"sources has {len(sources)} entries but proba has {len(p)} rows")
    allowed = np.ones(len(p), bool)
    if exclude is not None:
        ex = as_1d(exclude, "exclude", allow_empty=True).astype(int)
        if ex.size and (ex.min() < 0 or ex.max() >= len(p)):
            raise ValueError(f"exclude must index rows of proba (0..{len(p) - 1})")
        allowed[ex] = False
    order = np.argsort(-score, kind="stable")
    order = order[allowed[order]]
    if per_class_cap is None and per_source_cap is None:
        picked = order[:n]
    else:
        by_class, by_source, picked = {}, {}, []
        for i in order:
            if len(picked) == n:
                break
            c = predicted[i].item() if hasattr(predicted[i], "item") else predicted[i]
            s = None if sources is None else sources[i]
            if by_class.get(c, 0) >= class_cap(c):
                continue
            if s is not None and by_source.get(s, 0) >= source_cap(s):
                continue
            by_class[c] = by_class.get(c, 0) + 1
            if s is not None:
                by_source[s] = by_source.get(s, 0) + 1
            picked.append(i)
        picked = np.asarray(picked, int)
    if len(picked) < n:
        warnings.warn(f"query returned {len(picked)} of {n} requested rows: caps or exclude "
                      "left no more eligible rows", UserWarning, stacklevel=2)
    return picked


class ActiveLearningLoop:
    """Pool-based active learning: train, query the most uncertain batch, ask the oracle, repeat.

    Parameters
    ----------
    estimator : scikit-learn classifier with ``predict_proba``; cloned and refit every round.
    vectorizer : transformer fitted once on the whole pool (unsupervised, so no label leaks).
        None: ``TfidfVectorizer(sublinear_tf=True)`` for text input; numeric 2-D input is used
        as features as is.
    strategy, per_class_cap, per_source_cap : passed to :func:`query` (caps apply per round).
    batch_size : int, items queried per round.
    diversity : int >= 1 or None. If set, the ``diversity * batch_size`` most uncertain items
        (caps applied) are narrowed to ``batch_size`` by :func:`diversity_pick`.
    seed : int, for diversity picks.
    progress : bool, show a tqdm progress bar over rounds.

    After :meth:`run`: ``history_`` (one row per trained model: round 0 is the initial seed),
    ``labeled_idx_``, ``labels_``, ``estimator_`` (last fit), ``vectorizer_``.
    """

    def __init__(self, estimator, vectorizer=None, strategy="entropy", batch_size=100,
                 per_class_cap=None, per_source_cap=None, seed=0, diversity=None, progress=True):
        self.estimator = estimator
        self.vectorizer = vectorizer
        self.strategy = strategy
        self.batch_size = batch_size
        self.per_class_cap = per_class_cap
        self.per_source_cap = per_source_cap
        self.seed = seed
        self.diversity = diversity
        self.progress = progress

    def _features(self, pool):
        if self.vectorizer is not None:
            self.vectorizer_ = clone(self.vectorizer)
            return self.vectorizer_.fit_transform(pool)
        arr = pool if hasattr(pool, "shape") and len(pool.shape) == 2 else None
        if arr is not None and not (hasattr(arr, "dtype") and arr.dtype.kind in "OUT"):
            self.vectorizer_ = None
            return arr
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True)
        return self.vectorizer_.fit_transform(as_1d(pool, "pool_texts").astype(str))

    def run(self, pool_texts, oracle: Callable, n_rounds, initial_idx, sources=None,
            eval_texts=None, eval_labels=None, minority_class=None):
        """Run ``n_rounds`` query rounds; return ``self``.

        Parameters
        ----------
        pool_texts : texts (or a feature matrix when no vectorizer applies) of the unlabeled pool.
        oracle : callable ``idx -> labels`` (array of pool indices in, one label per index out).
        n_rounds : int >= 0.
        initial_idx : indices labeled before round 1 (must yield at least two classes).
        sources : one source per pool item, required for ``per_source_cap``.
        eval_texts, eval_labels : optional held-out set for ``pr_auc`` (average precision of the
            minority class; macro over classes when there are more than two) and ``macro_f1``.
        minority_class : class counted in ``minority_labeled``; default the rarest initial label.

        >>> from sklearn.linear_model import LogisticRegression
        >>> from imbalance_kit.datasets import support_tickets
        >>> df = support_tickets(2_000)
        >>> y = df["label"].to_numpy()
        >>> start = np.r_[np.flatnonzero(y == 1)[:5], np.flatnonzero(y == 0)[:45]]
        >>> loop = ActiveLearningLoop(LogisticRegression(), batch_size=50, progress=False)
        >>> h = loop.run(df["text"], lambda idx: y[idx], 2, start).history_
        >>> h[["round", "n_labeled"]].values.tolist()
        [[0, 50], [1, 100], [2, 150]]
        """
        from tqdm.auto import tqdm

        check_in_choices(self.strategy, STRATEGIES, "strategy")
        check_int(n_rounds, "n_rounds", minimum=0)
        check_int(self.batch_size, "batch_size", minimum=1)
        if not callable(oracle):
            raise TypeError("oracle must be a callable idx -> labels")
        X = self._features(pool_texts)
        n_pool = X.shape[0]
        if n_pool == 0:
            raise ValueError("pool_texts is empty")
        if sources is not None:
            sources = as_1d(sources, "sources")
            if len(sources) != n_pool:
                raise ValueError(f"sources has {len(sources)} entries, pool has {n_pool}")
        idx = as_1d(initial_idx, "initial_idx").astype(int)
        if idx.min() < 0 or idx.max() >= n_pool or len(np.unique(idx)) != len(idx):
            raise ValueError(f"initial_idx must be distinct indices in 0..{n_pool - 1}")
        labels = self._ask(oracle, idx)
        if len(np.unique(labels)) < 2:
            raise ValueError("the initial labels hold a single class; seed with both classes "
                             "(e.g. rule hits plus a random sample)")
        if minority_class is None:
            uniq, counts = np.unique(labels, return_counts=True)
            minority_class = uniq[np.argmin(counts)].item()
        X_eval = None
        if eval_texts is not None:
            if eval_labels is None:
                raise ValueError("eval_texts given without eval_labels")
            X_eval = self.vectorizer_.transform(eval_texts) if self.vectorizer_ is not None else eval_texts
            eval_labels = as_1d(eval_labels, "eval_labels")
        rows = []
        queried = np.array([], int)
        bar = tqdm(range(n_rounds + 1), desc="active learning", disable=not self.progress)
        for r in bar:
            est = clone(self.estimator).fit(X[idx], labels)
            rows.append(self._record(r, est, labels, queried, minority_class, X_eval, eval_labels))
            if r == n_rounds:
                break
            unlabeled = np.setdiff1d(np.arange(n_pool), idx)
            if len(unlabeled) == 0:
                warnings.warn(f"pool exhausted after round {r}", UserWarning, stacklevel=2)
                break
            proba = est.predict_proba(X[unlabeled])
            n_take = min(self.batch_size, len(unlabeled))
            n_cand = n_take if self.diversity is None else min(len(unlabeled), self.diversity * n_take)
            with warnings.catch_warnings():  # a short round is reported once, below
                warnings.simplefilter("ignore", UserWarning)
                local = query(proba, n_cand, self.strategy, classes=est.classes_,
                              per_class_cap=self.per_class_cap,
                              sources=None if sources is None else sources[unlabeled],
                              per_source_cap=self.per_source_cap)
            if len(local) < n_take:
                warnings.warn(f"round {r + 1}: caps left {len(local)} of {n_take} items to query",
                              UserWarning, stacklevel=2)
            if self.diversity is not None and len(local) > n_take:
                local = diversity_pick(X[unlabeled], local, n_take, seed=self.seed + r)
            queried = unlabeled[local]
            idx = np.r_[idx, queried]
            labels = np.r_[labels, self._ask(oracle, queried)]
            bar.set_postfix(n_labeled=len(idx))
        self.estimator_ = est
        self.labeled_idx_, self.labels_ = idx, labels
        self.history_ = pd.DataFrame(rows)
        return self

    @staticmethod
    def _ask(oracle, idx):
        y = np.asarray(oracle(idx))
        if y.shape != (len(idx),):
            raise ValueError(f"oracle returned shape {y.shape} for {len(idx)} indices")
        return y

    @staticmethod
    def _record(r, est, labels, queried, minority, X_eval, y_eval) -> dict:
        row = {"round": r, "n_labeled": len(labels),
               "minority_labeled": int((labels == minority).sum()),
               "queried": len(queried) if r else 0,
               "queried_minority": int((labels[len(labels) - len(queried):] == minority).sum()) if r else 0,
               "pr_auc": np.nan, "macro_f1": np.nan}
        if X_eval is not None:
            proba = est.predict_proba(X_eval)
            classes = list(est.classes_)
            if len(classes) == 2:
                row["pr_auc"] = average_precision_score(y_eval == minority, proba[:, classes.index(minority)])
            else:
                present = np.isin(classes, y_eval)
                y_bin = label_binarize(y_eval, classes=classes)[:, present]
                row["pr_auc"] = average_precision_score(y_bin, proba[:, present], average="macro")
            row["macro_f1"] = f1_score(y_eval, est.classes_[proba.argmax(axis=1)], average="macro")
        return row
