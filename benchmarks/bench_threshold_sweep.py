"""Time threshold_sweep on 1,000,000 scores against a single np.argsort of the same scores.

threshold_sweep is one argsort plus linear passes, so the ratio should stay small
(target: <= 3). Run: python benchmarks/bench_threshold_sweep.py
"""
import time

import numpy as np

from imbalance_kit.thresholds import threshold_sweep

N, REPEATS = 1_000_000, 5


def median_seconds(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random(N) < 0.08).astype(int)
    scores = rng.random(N) + 0.5 * y
    t_sort = median_seconds(lambda: np.argsort(scores))
    t_sweep = median_seconds(lambda: threshold_sweep(y, scores))
    print(f"n = {N:,}, median of {REPEATS}")
    print(f"np.argsort:      {t_sort * 1e3:8.1f} ms")
    print(f"threshold_sweep: {t_sweep * 1e3:8.1f} ms")
    print(f"ratio:           {t_sweep / t_sort:8.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
