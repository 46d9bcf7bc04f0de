"""Active learning: uncertainty formulas, capped queries, diversity picks, the loop."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy as scipy_entropy
from sklearn.linear_model import LogisticRegression

from imbalance_kit.active import (ActiveLearningLoop, diversity_pick, entropy, least_confidence,
                                  margin, query)
from imbalance_kit.datasets import support_tickets


def random_proba(rng, n=None, k=None):
    n = n or int(rng.integers(1, 60))
    k = k or int(rng.integers(2, 7))
    p = rng.dirichlet(rng.uniform(0.1, 3, size=k), size=n)
    p[rng.random(n) < 0.1] = np.eye(k)[0]  # some certain rows, with exact zeros
    return p


def test_scores_equal_textbook_formulas():
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = random_proba(rng)
        s = np.sort(p, axis=1)
        np.testing.assert_allclose(least_confidence(p), 1 - p.max(axis=1))
        np.testing.assert_allclose(margin(p), s[:, -1] - s[:, -2])
        np.testing.assert_allclose(entropy(p), scipy_entropy(p, axis=1), atol=1e-12)
        manual = np.array([-sum(x * np.log(x) for x in row if x > 0) for row in p])
        np.testing.assert_allclose(entropy(p), manual, atol=1e-12)


def test_binary_vector_is_p_of_class_one():
    p1 = np.random.default_rng(1).uniform(size=40)
    both = np.column_stack([1 - p1, p1])
    for f in (least_confidence, margin, entropy):
        np.testing.assert_allclose(f(p1), f(both))


@pytest.mark.parametrize("proba, match", [
    ([[0.5, 0.6]], "sum to 1"),
    ([[-0.1, 1.1]], r"in \[0, 1\]"),
    ([[np.nan, 1.0]], "NaN"),
    (np.empty((0, 2)), "shape"),
    ([[1.0]], "shape"),
    (np.ones((2, 2, 2)) / 2, "shape"),
])
def test_bad_probabilities(proba, match):
    for f in (least_confidence, margin, entropy):
        with pytest.raises(ValueError, match=match):
            f(proba)


def test_query_orders_by_strategy_without_caps():
    rng = np.random.default_rng(2)
    for _ in range(100):
        p = random_proba(rng, n=50)
        n = int(rng.integers(0, 50))
        np.testing.assert_array_equal(query(p, n, "entropy"), np.argsort(-entropy(p), kind="stable")[:n])
        np.testing.assert_array_equal(query(p, n, "least_confidence"),
                                      np.argsort(-least_confidence(p), kind="stable")[:n])
        # margin: the SMALLEST gap is the most uncertain.
        np.testing.assert_array_equal(query(p, n, "margin"), np.argsort(margin(p), kind="stable")[:n])


@pytest.mark.filterwarnings("ignore:query returned")
def test_query_caps_and_exclude_hold():
    rng = np.random.default_rng(3)
    for _ in range(100):
        p = random_proba(rng, n=80, k=3)
        sources = rng.choice(["Email", "Chat", "Social"], size=80)
        exclude = rng.choice(80, size=10, replace=False)
        idx = query(p, 15, classes=["a", "b", "c"], per_class_cap={"a": 3, "b": 6}, sources=sources,
                    per_source_cap=6, exclude=exclude)
        pred = np.array(["a", "b", "c"])[p[idx].argmax(axis=1)]
        assert (pred == "a").sum() <= 3 and (pred == "b").sum() <= 6
        assert pd.Series(sources[idx]).value_counts().max() <= 6
        assert len(set(idx)) == len(idx) and not set(idx) & set(exclude)
        # Greedy: the result is a subsequence of the uncapped ranking.
        ranking = [i for i in np.argsort(-entropy(p), kind="stable") if i not in set(exclude)]
        positions = [ranking.index(i) for i in idx]
        assert positions == sorted(positions)


def test_predicted_class_cap_is_not_a_true_class_cap():
    """techniques.md §10: on an 85/12/3 pool, 8 per PREDICTED class is not 8 per TRUE class."""
    for seed in range(10):
        rng = np.random.default_rng(seed)
        y = np.r_[np.zeros(850, int), np.ones(120, int), np.full(30, 2)]
        proba = np.exp(1.5 * np.eye(3)[y] + rng.normal(size=(1000, 3)))
        proba /= proba.sum(axis=1, keepdims=True)
        idx = query(proba, 24, per_class_cap=8)
        assert np.bincount(proba[idx].argmax(axis=1), minlength=3).tolist() == [8, 8, 8]
        true_counts = np.bincount(y[idx], minlength=3)
        # The majority floods the batch through the "minority" predictions.
        assert true_counts[0] > 8 and true_counts[1:].sum() < 16


def test_query_warns_and_errors():
    p = np.full((4, 2), 0.5)
    with pytest.warns(UserWarning, match="returned 2 of 3"):
        assert len(query(p, 3, per_class_cap=2)) == 2
    with pytest.warns(UserWarning, match="returned 1 of 2"):
        query(p, 2, exclude=[0, 1, 2])
    with pytest.raises(ValueError, match="strategy must be one of"):
        query(p, 1, strategy="bald")
    with pytest.raises(ValueError, match="n must be a non-negative"):
        query(p, -1)
    with pytest.raises(ValueError, match="per_source_cap needs sources"):
        query(p, 1, per_source_cap=1)
    with pytest.raises(ValueError, match="sources has 3 entries"):
        query(p, 1, sources=["a", "b", "c"])
    with pytest.raises(ValueError, match="classes has 3 labels"):
        query(p, 1, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="per_class_cap must be"):
        query(p, 1, per_class_cap=-2)
    with pytest.raises(ValueError, match="exclude must index rows"):
        query(p, 1, exclude=[7])


def test_diversity_pick_covers_separated_clusters():
    rng = np.random.default_rng(4)
    for seed in range(20):
        centers = rng.uniform(-50, 50, size=(5, 3))
        X = np.repeat(centers, 20, axis=0) + rng.normal(size=(100, 3))
        cand = rng.permutation(100)[:60]
        present = np.unique(cand // 20)
        picks = diversity_pick(X, cand, len(present), seed=seed)
        assert set(picks) <= set(cand) and len(set(picks)) == len(picks)
        assert sorted(picks // 20) == sorted(present)  # one per blob
    X = np.zeros((6, 2))  # all duplicates: KMeans finds one cluster, picks are still distinct
    assert len(set(diversity_pick(X, range(6), 3))) == 3
    assert sorted(diversity_pick(X, [1, 4], 5)) == [1, 4]
    with pytest.raises(ValueError, match="k must be a positive"):
        diversity_pick(X, [0, 1], 0)
    with pytest.raises(ValueError, match="candidates must index rows"):
        diversity_pick(X, [0, 9], 1)
    with pytest.raises(ValueError, match="candidates is empty"):
        diversity_pick(X, [], 1)


@pytest.fixture(scope="module")
def small_pool():
    df = support_tickets(3_000, seed=1)
    return df, df["label"].to_numpy()


def seed_idx(y, n_pos=5, n_neg=45):
    return np.r_[np.flatnonzero(y == 1)[:n_pos], np.flatnonzero(y == 0)[:n_neg]]


def test_loop_history_and_uncertainty_finds_minority(small_pool):
    df, y = small_pool
    pool, ev = np.arange(2_000), np.arange(2_000, 3_000)
    start = seed_idx(y[pool])
    loop = ActiveLearningLoop(LogisticRegression(max_iter=1000), batch_size=50, progress=False)
    loop.run(df["text"].to_numpy()[pool], lambda i: y[pool][i], 4, start,
             eval_texts=df["text"].to_numpy()[ev], eval_labels=y[ev])
    h = loop.history_
    assert h.columns.tolist() == ["round", "n_labeled", "minority_labeled", "queried",
                                  "queried_minority", "pr_auc", "macro_f1"]
    assert h["round"].tolist() == [0, 1, 2, 3, 4] and h["n_labeled"].tolist() == [50, 100, 150, 200, 250]
    assert len(set(loop.labeled_idx_)) == 250
    np.testing.assert_array_equal(loop.labels_, y[pool][loop.labeled_idx_])
    assert h["minority_labeled"].is_monotonic_increasing
    # Uncertainty queries are far richer in fraud than the 2 % base rate.
    assert h["queried_minority"].iloc[1:].sum() > 4 * 0.02 * 200
    assert h[["pr_auc", "macro_f1"]].apply(lambda c: c.between(0, 1)).all().all()


def test_loop_caps_diversity_and_features(small_pool):
    df, y = small_pool
    src = df["source"].to_numpy()
    loop = ActiveLearningLoop(LogisticRegression(), batch_size=30, per_source_cap=12, diversity=3,
                              progress=False)
    loop.run(df["text"], lambda i: y[i], 2, seed_idx(y), sources=src)
    assert loop.history_["queried"].tolist() == [0, 30, 30]
    for r in (1, 2):
        batch = loop.labeled_idx_[50 + 30 * (r - 1): 50 + 30 * r]
        assert pd.Series(src[batch]).value_counts().max() <= 12
    assert np.isnan(loop.history_["pr_auc"]).all()
    # A per-class cap below the batch size can leave a round short (with a warning).
    capped = ActiveLearningLoop(LogisticRegression(), batch_size=30, per_class_cap=10, progress=False)
    with pytest.warns(UserWarning, match="caps left"):
        capped.run(df["text"], lambda i: y[i], 1, seed_idx(y))
    assert capped.history_["queried"].iloc[1] <= 20
    # A numeric feature matrix is used as is.
    X = np.random.default_rng(0).normal(size=(300, 4)) + y[:300, None]
    ActiveLearningLoop(LogisticRegression(), batch_size=10, progress=False).run(
        X, lambda i: y[:300][i], 1, seed_idx(y[:300], 3, 20))


def test_loop_bad_input(small_pool):
    df, y = small_pool
    loop = ActiveLearningLoop(LogisticRegression(), progress=False)
    texts = df["text"]
    with pytest.raises(ValueError, match="single class"):
        loop.run(texts, lambda i: y[i], 1, np.flatnonzero(y == 0)[:20])
    with pytest.raises(ValueError, match="oracle returned shape"):
        loop.run(texts, lambda i: y[:3], 1, seed_idx(y))
    with pytest.raises(ValueError, match="initial_idx must be distinct"):
        loop.run(texts, lambda i: y[i], 1, [0, 0, 1])
    with pytest.raises(ValueError, match="initial_idx is empty"):
        loop.run(texts, lambda i: y[i], 1, [])
    with pytest.raises(ValueError, match="n_rounds must be"):
        loop.run(texts, lambda i: y[i], -1, seed_idx(y))
    with pytest.raises(ValueError, match="per_source_cap needs sources"):
        ActiveLearningLoop(LogisticRegression(), per_source_cap=5, progress=False).run(
            texts, lambda i: y[i], 1, seed_idx(y))
    with pytest.raises(ValueError, match="batch_size must be"):
        ActiveLearningLoop(LogisticRegression(), batch_size=0, progress=False).run(
            texts, lambda i: y[i], 1, seed_idx(y))
