"""Time one active-learning round on the 20,000 support tickets (TF-IDF + LogisticRegression).

Run: ``python benchmarks/bench_active.py``. Prints the time of each step of one round (fit on
the labeled seed, predict_proba on the pool, entropy query of 100) and of
``ActiveLearningLoop.run(n_rounds=1)`` end to end (vectorize, two fits, one query).
"""
from __future__ import annotations

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from imbalance_kit.active import ActiveLearningLoop, query
from imbalance_kit.datasets import support_tickets


def timed(label, fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<44} {best * 1000:9.1f} ms  (best of {repeat})")
    return out


def main():
    df = support_tickets()
    texts, y = df["text"].to_numpy(), df["label"].to_numpy()
    rng = np.random.default_rng(0)
    seed = np.r_[rng.choice(np.flatnonzero(y == 1), 20, replace=False),
                 rng.choice(np.flatnonzero(y == 0), 480, replace=False)]
    print(f"pool: {len(df):,} tickets, seed: {len(seed)} labeled, query: 100")
    vec = TfidfVectorizer(sublinear_tf=True)
    X = timed("TfidfVectorizer.fit_transform (pool)", lambda: vec.fit_transform(texts))
    clf = timed("LogisticRegression.fit (seed)", lambda: LogisticRegression().fit(X[seed], y[seed]))
    rest = np.setdiff1d(np.arange(len(df)), seed)
    proba = timed("predict_proba (unlabeled pool)", lambda: clf.predict_proba(X[rest]))
    timed("query(entropy, n=100)", lambda: query(proba, 100, "entropy"))
    loop = ActiveLearningLoop(LogisticRegression(), batch_size=100, progress=False)
    timed("ActiveLearningLoop.run(n_rounds=1) end to end",
          lambda: loop.run(texts, lambda idx: y[idx], 1, seed))
    print(loop.history_[["round", "n_labeled", "minority_labeled", "queried_minority"]].to_string(index=False))


if __name__ == "__main__":
    main()
