"""imbalance_kit.dedup: normalisation, exact groups, and MinHash clusters vs brute-force Jaccard."""
import functools
import itertools
import string

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from imbalance_kit.dedup import (
    exact_duplicates,
    jaccard,
    lsh_params,
    near_duplicate_clusters,
    normalize_text,
    shingles,
)


def make_texts(seed, n_base=110, n_copies=90):
    """Random short comments plus edited copies (typos, case, punctuation, word swaps)."""
    rng = np.random.default_rng(seed)
    vocab = ["".join(rng.choice(list(string.ascii_lowercase), rng.integers(2, 9))) for _ in range(400)]
    texts = [" ".join(rng.choice(vocab, rng.integers(4, 18))) for _ in range(n_base)]
    for _ in range(n_copies):
        words = texts[rng.integers(len(texts))].split()
        for _ in range(rng.integers(0, 3)):
            edit, pos = rng.integers(5), rng.integers(len(words))
            if edit == 0:
                words[pos] = words[pos].upper() + rng.choice(["!", "...", ",", "?!"])
            elif edit == 1 and len(words[pos]) > 2:   # adjacent-letter typo
                w = words[pos]
                c = rng.integers(len(w) - 1)
                words[pos] = w[:c] + w[c + 1] + w[c] + w[c + 2 :]
            elif edit == 2:
                words[pos] = rng.choice(vocab)
            elif edit == 3:
                words.insert(pos, rng.choice(vocab))
            elif len(words) > 2:
                words.pop(pos)
        texts.append(" ".join(words))
    order = rng.permutation(len(texts))
    return [texts[i] for i in order]


@functools.cache
def all_pair_jaccards(seed, shingle, k):
    texts = make_texts(seed)
    sets = [shingles(t, shingle, k) for t in texts]
    return texts, {(i, j): jaccard(sets[i], sets[j]) for i, j in itertools.combinations(range(len(sets)), 2)}


def brute_force_components(seed, threshold, shingle="char", k=5):
    texts, jac = all_pair_jaccards(seed, shingle, k)
    pairs = [pair for pair, value in jac.items() if value >= threshold]
    rows, cols = (np.array(x, dtype=int) for x in zip(*pairs)) if pairs else (np.array([], int),) * 2
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts),) * 2)
    return connected_components(graph, directed=False)[1], pairs


def same_partition(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return len(set(zip(a.tolist(), b.tolist()))) == len(set(a.tolist())) == len(set(b.tolist()))


# --- normalisation and shingles ---------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  Hello,   WORLD!!! ", "hello world"),
    ("don't", "don t"),
    ("\uff28\uff49", "hi"),                      # full-width letters (NFKC)
    ("a\u00a0b\tc\n\nd", "a b c d"),            # no-break space, tabs, newlines
    ("\ufb01ne \u2014 ok\u2026", "fine ok"),     # ligature, em dash, ellipsis
    ("price: $5 + tax", "price $5 + tax"),       # symbols and digits are kept
    ("\u00bfQu\u00e9?", "qué"),
    ("...!!!", ""),
    ("", ""),
])
def test_normalize_text_examples(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("seed", range(30))
def test_normalize_text_is_idempotent_and_canonical(seed):
    rng = np.random.default_rng(seed)
    alphabet = list(string.ascii_letters + string.punctuation + " \t\n") + ["\u00e9", "\uff21", "\u2019", "\u00a0"]
    text = "".join(rng.choice(alphabet, 60))
    out = normalize_text(text)
    assert normalize_text(out) == out
    assert out == out.strip() and "  " not in out and out == out.lower()
    assert not set(out) & set(string.punctuation.replace("$", "").replace("+", "").replace("<", "")
                              .replace("=", "").replace(">", "").replace("^", "").replace("`", "")
                              .replace("|", "").replace("~", ""))


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["a"]])
def test_normalize_text_rejects_non_strings(bad):
    with pytest.raises(TypeError, match="text must be a string"):
        normalize_text(bad)


def test_shingles_char_and_word():
    assert shingles("abcdef", k=5) == {"abcde", "bcdef"}
    assert shingles("ABC!", k=5) == {"abc"}           # shorter than k: one shingle
    assert shingles("!!!", k=5) == set()
    assert shingles("a b c d e f", shingle="word", k=5) == {"a b c d e", "b c d e f"}
    assert shingles("One, two.", shingle="word", k=3) == {"one two"}
    text = "the cat sat on the mat"
    assert shingles(text, k=3) == {text[i:i + 3] for i in range(len(text) - 2)}


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"shingle": "byte"}, ValueError, "shingle"),
    ({"k": 0}, ValueError, "k must be a positive integer"),
    ({"k": 2.5}, TypeError, "k must be an integer, got float"),
    ({"k": True}, TypeError, "k must be an integer, got bool"),
])
def test_shingle_arguments_validated(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        shingles("some text", **kwargs)
    with pytest.raises(exc, match=match):
        near_duplicate_clusters(["some text", "other text"], **kwargs)


@pytest.mark.parametrize("seed", range(50))
def test_jaccard_matches_definition(seed):
    rng = np.random.default_rng(seed)
    a = set(rng.integers(0, 30, rng.integers(0, 20)).tolist())
    b = set(rng.integers(0, 30, rng.integers(0, 20)).tolist())
    expected = 1.0 if not a | b else len(a & b) / len(a | b)
    assert jaccard(a, b) == pytest.approx(expected)
    assert jaccard(list(a), tuple(b)) == jaccard(b, a)


# --- exact duplicates --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(50))
def test_exact_duplicates_vs_brute_force(seed):
    texts = make_texts(seed, n_base=40, n_copies=40)
    ids = exact_duplicates(texts)
    assert ids.dtype == np.int64 and len(ids) == len(texts)
    norm = [normalize_text(t) for t in texts]
    for i, j in itertools.combinations(range(len(texts)), 2):
        assert (ids[i] == ids[j]) == (norm[i] == norm[j])
    # numbered 0, 1, 2, ... in order of first appearance
    first_seen = pd.unique(ids)
    np.testing.assert_array_equal(first_seen, np.arange(len(first_seen)))


def test_exact_duplicates_accepts_series_and_arrays():
    texts = ["Hi!", "hi", "bye", "HI ..."]
    expected = [0, 0, 1, 0]
    assert exact_duplicates(pd.Series(texts)).tolist() == expected
    assert exact_duplicates(pd.Series(texts, dtype="string")).tolist() == expected
    assert exact_duplicates(np.array(texts)).tolist() == expected


# --- near-duplicate clusters vs brute force ----------------------------------------------------

@pytest.mark.parametrize("threshold, shingle, k", [
    (0.8, "char", 5), (0.5, "char", 5), (0.7, "char", 3), (0.9, "char", 5), (1.0, "char", 5),
    (0.6, "word", 2), (0.8, "word", 1),
])
def test_clusters_match_brute_force_components(threshold, shingle, k):
    total_pairs, found_pairs = 0, 0
    partitions_equal = 0
    seeds = range(8)
    for seed in seeds:
        truth, pairs = brute_force_components(seed, threshold, shingle, k)
        ids = near_duplicate_clusters(make_texts(seed), threshold=threshold, shingle=shingle, k=k)
        # No false merge ever: each cluster lies inside one brute-force component.
        for cluster in np.unique(ids):
            assert len(np.unique(truth[ids == cluster])) == 1
        total_pairs += len(pairs)
        found_pairs += sum(ids[i] == ids[j] for i, j in pairs)
        partitions_equal += same_partition(ids, truth)
    assert total_pairs > 50
    assert found_pairs / total_pairs >= 0.99
    assert partitions_equal >= len(seeds) - 1


@pytest.fixture(scope="module")
def ticket_sample():
    """500 templated support tickets (many shared shingles, many LSH candidates) and their truth."""
    from imbalance_kit.datasets import support_tickets
    texts = support_tickets()["text"].sample(500, random_state=0).tolist()
    sets = [shingles(t) for t in texts]
    pairs = [(i, j) for i, j in itertools.combinations(range(len(sets)), 2) if jaccard(sets[i], sets[j]) >= 0.8]
    rows, cols = np.array(pairs).T
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts),) * 2)
    return texts, pairs, connected_components(graph, directed=False)[1]


@pytest.mark.parametrize("block, nnz", [(None, None), (50, 300), (300, 3_000)])
def test_templated_texts_match_brute_force_in_any_block_size(ticket_sample, monkeypatch, block, nnz):
    # Tiny blocks force many candidate and verification slices; the clusters must not change.
    import imbalance_kit.dedup as dedup
    if block is not None:
        monkeypatch.setattr(dedup, "_PAIR_BLOCK", block)
        monkeypatch.setattr(dedup, "_VERIFY_NNZ", nnz)
    texts, pairs, truth = ticket_sample
    ids = near_duplicate_clusters(texts)
    for cluster in np.unique(ids):
        assert len(np.unique(truth[ids == cluster])) == 1
    assert len(pairs) > 100
    assert sum(ids[i] == ids[j] for i, j in pairs) / len(pairs) >= 0.99


@pytest.mark.parametrize("seed", range(10))
def test_clusters_do_not_depend_on_order_and_number_first_appearance(seed):
    texts = make_texts(seed, n_base=60, n_copies=60)
    ids = near_duplicate_clusters(texts)
    first_seen = pd.unique(ids)
    np.testing.assert_array_equal(first_seen, np.arange(len(first_seen)))
    perm = np.random.default_rng(seed).permutation(len(texts))
    ids_perm = near_duplicate_clusters([texts[i] for i in perm])
    assert same_partition(ids[perm], ids_perm)
    # exact duplicates are always in one cluster
    exact = exact_duplicates(texts)
    for g in np.unique(exact):
        assert len(np.unique(ids[exact == g])) == 1


def test_clusters_small_cases():
    assert near_duplicate_clusters(["only one"]).tolist() == [0]
    assert near_duplicate_clusters(["", "!!", "text"]).tolist() == [0, 0, 1]
    assert near_duplicate_clusters(["abc", "xyz", "ABC."]).tolist() == [0, 1, 0]
    texts = pd.Series(["a long enough comment here", "A long enough comment here!!", "other"],
                      index=[10, 20, 30], dtype="string")
    assert near_duplicate_clusters(texts).tolist() == [0, 0, 1]


@pytest.mark.parametrize("bad, exc, match", [
    ([], ValueError, "texts is empty"),
    (None, TypeError, "texts must be array-like"),
    ("a single string", TypeError, "not a single string"),
    (["ok", 3], TypeError, r"texts\[1\] must be a string"),
    (["ok", None], TypeError, r"texts\[1\] must be a string"),
    (pd.Series(["ok", pd.NA], dtype="string"), TypeError, r"texts\[1\] must be a string"),
])
def test_bad_texts_raise(bad, exc, match):
    with pytest.raises(exc, match=match):
        near_duplicate_clusters(bad)
    with pytest.raises(exc, match=match):
        exact_duplicates(bad)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"threshold": 0}, ValueError, "threshold"),
    ({"threshold": 1.5}, ValueError, "threshold"),
    ({"threshold": -0.1}, ValueError, "threshold"),
    ({"threshold": "0.8"}, TypeError, "threshold"),
    ({"num_perm": 0}, ValueError, "num_perm"),
    ({"num_perm": 12.0}, TypeError, "num_perm must be an integer"),
    ({"seed": "1"}, TypeError, "seed"),
])
def test_bad_parameters_raise(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        near_duplicate_clusters(["a text", "another text"], **kwargs)


@pytest.mark.parametrize("threshold", np.round(np.arange(0.05, 1.0001, 0.05), 2))
@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_lsh_params_reach_target_recall_with_most_rows(threshold, num_perm):
    b, r = lsh_params(float(threshold), num_perm)
    assert b * r <= num_perm and b == num_perm // r
    assert 1 - (1 - threshold ** r) ** b >= 0.99 or r == 1
    if r < num_perm:   # one more row per band would miss the target
        r2 = r + 1
        assert 1 - (1 - threshold ** r2) ** (num_perm // r2) < 0.99
