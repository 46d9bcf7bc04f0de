"""Fit FocalLogisticRegression on a 20,000 x 5,000 sparse TF-IDF-like matrix (target: < 5 s).

Also fits sklearn LogisticRegression for scale, and reports test average precision so a fast
but broken fit shows up. Run: python benchmarks/bench_focal.py
"""
import time

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from imbalance_kit.focal import FocalLogisticRegression

N, D, DENSITY = 20_000, 5_000, 0.004


def main() -> None:
    rng = np.random.default_rng(0)
    X = sp.random(N, D, density=DENSITY, random_state=0, format="csr")
    w = np.zeros(D)
    w[:50] = rng.normal(0, 15, 50)
    y = (rng.random(N) < 1 / (1 + np.exp(-(X @ w - 3.5)))).astype(int)
    train, test = slice(0, 16_000), slice(16_000, None)
    print(f"X {N:,} x {D:,}, nnz {X.nnz:,}, positives {y.mean():.3f}")
    for model in (LogisticRegression(), FocalLogisticRegression(gamma=0.0),
                  FocalLogisticRegression(gamma=2.0), FocalLogisticRegression(gamma=2.0, alpha=0.25)):
        start = time.perf_counter()
        model.fit(X[train], y[train])
        seconds = time.perf_counter() - start
        ap = average_precision_score(y[test], model.decision_function(X[test]))
        print(f"{model!r:55} fit {seconds:5.2f} s  iterations {model.n_iter_[0]:4d}  test AP {ap:.3f}")


if __name__ == "__main__":
    main()
