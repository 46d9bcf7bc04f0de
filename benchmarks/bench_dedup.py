"""Near-duplicate clustering of 50,000 short comments: MinHash/LSH vs brute-force Jaccard; and
the 20,000 templated support tickets, whose texts share most shingles (many LSH candidates).

Run: python benchmarks/bench_dedup.py   (one run prints all timings and the planted-pair recall)
"""
import itertools
import string
import time

import numpy as np

from imbalance_kit.datasets import support_tickets
from imbalance_kit.dedup import jaccard, lsh_params, near_duplicate_clusters, shingles

N, N_PAIRS, SUBSAMPLE, THRESHOLD = 50_000, 2_500, 2_000, 0.8


def comments(n, n_pairs, seed=0):
    """n short comments; the last n_pairs are lightly edited copies of earlier ones.

    Edits: case and punctuation changes (removed by normalisation) plus 0-2 adjacent-letter
    swaps, so most planted pairs stay above a Jaccard of 0.8 on character 5-shingles.
    Returns the texts and the planted (original, copy) index pairs.
    """
    rng = np.random.default_rng(seed)
    vocab = ["".join(rng.choice(list(string.ascii_lowercase), rng.integers(2, 9))) for _ in range(5_000)]
    texts = [" ".join(rng.choice(vocab, rng.integers(8, 20))) for _ in range(n - n_pairs)]
    pairs = []
    for original in rng.choice(len(texts), n_pairs, replace=False):
        words = texts[original].split()
        for _ in range(rng.integers(0, 3)):
            pos = rng.integers(len(words))
            w = words[pos]
            if len(w) > 2:
                c = rng.integers(len(w) - 1)
                words[pos] = w[:c] + w[c + 1] + w[c] + w[c + 2 :]
        words[0] = words[0].capitalize()
        pairs.append((int(original), len(texts)))
        texts.append(" ".join(words) + rng.choice(["", "!", "!!!", " ...", "?"]))
    return texts, pairs


def main():
    texts, planted = comments(N, N_PAIRS)
    b, r = lsh_params(THRESHOLD, 128)
    print(f"{N:,} comments, {N_PAIRS:,} planted near-duplicate pairs, threshold {THRESHOLD}, "
          f"char 5-shingles, 128 perms, LSH b={b} r={r}")

    start = time.perf_counter()
    ids = near_duplicate_clusters(texts, threshold=THRESHOLD)
    lsh_time = time.perf_counter() - start
    above = [(i, j) for i, j in planted if jaccard(shingles(texts[i]), shingles(texts[j])) >= THRESHOLD]
    found = sum(ids[i] == ids[j] for i, j in above)
    found_all = sum(ids[i] == ids[j] for i, j in planted)
    print(f"near_duplicate_clusters: {lsh_time:.2f} s, {len(np.unique(ids)):,} clusters")
    print(f"  planted pairs with exact J >= {THRESHOLD}: {len(above):,} of {N_PAIRS:,}; "
          f"recall {found / len(above):.4f} ({found:,} found)")
    print(f"  recall over all planted pairs: {found_all / N_PAIRS:.4f}")

    sub = np.random.default_rng(1).choice(N, SUBSAMPLE, replace=False)
    start = time.perf_counter()
    sets = [shingles(texts[i]) for i in sub]
    brute = [(a, c) for a, c in itertools.combinations(range(SUBSAMPLE), 2) if jaccard(sets[a], sets[c]) >= THRESHOLD]
    brute_time = time.perf_counter() - start
    sub_ids = near_duplicate_clusters([texts[i] for i in sub], threshold=THRESHOLD)
    agree = sum(sub_ids[a] == sub_ids[c] for a, c in brute)
    n_pairs = SUBSAMPLE * (SUBSAMPLE - 1) // 2
    print(f"brute force on {SUBSAMPLE:,} texts: {n_pairs:,} pairs in {brute_time:.2f} s, "
          f"{len(brute)} pairs >= {THRESHOLD}, {agree} of them clustered together by LSH")
    scale = (N * (N - 1) / 2) / n_pairs
    print(f"brute force extrapolated to {N:,} texts (x{scale:.0f} pairs): {brute_time * scale / 60:.1f} min "
          f"({brute_time * scale / lsh_time:.0f}x the LSH run)")

    tickets = support_tickets()["text"]
    start = time.perf_counter()
    ids = near_duplicate_clusters(tickets, threshold=THRESHOLD)
    print(f"support_tickets ({len(tickets):,} templated texts): near_duplicate_clusters "
          f"{time.perf_counter() - start:.2f} s, {len(np.unique(ids)):,} clusters")


if __name__ == "__main__":
    main()
