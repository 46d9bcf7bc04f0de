"""Exact and near-duplicate texts: normalisation, shingles, MinHash candidates verified exactly.

Near-duplicates inflate test scores when copies land on both sides of a split; their cluster ids
are the ``groups`` that :func:`imbalance_kit.splits.stratified_split` keeps together.
"""
from __future__ import annotations

import functools
import sys
import unicodedata
import zlib

import numpy as np
import pandas as pd
from datasketch import MinHash
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ._validation import as_1d, check_fraction, check_in_choices, check_int, check_seed

SHINGLES = ("char", "word")
# Candidate recall wanted at exactly J == threshold; pairs above it are found even more often.
_TARGET_RECALL = 0.99
# Candidate pairs generated at a time, and shingles per verification slice: bound the memory used.
_PAIR_BLOCK = 2_000_000
_VERIFY_NNZ = 10_000_000


@functools.cache
def _punctuation_table() -> dict:
    # Built once: every Unicode punctuation code point (category P*) maps to a space.
    return {
        cp: " " for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)).startswith("P")
    }


def normalize_text(text: str) -> str:
    """Normalise a text before comparing it: the steps, in order, are

    1. Unicode NFKC (full-width letters, ligatures, non-breaking spaces -> plain forms);
    2. ``str.lower()``;
    3. every punctuation character (Unicode category ``P*``: ``.,!?'"-()`` ...) becomes a space,
       so a run of punctuation acts as one word break (``"don't"`` -> ``"don t"``);
       symbols (``$``, ``+``, emoji) and digits are kept;
    4. runs of whitespace collapse to one space; leading and trailing whitespace is removed.

    >>> normalize_text("  Great   MOVIE!!! Loved it...  ")
    'great movie loved it'
    >>> normalize_text("\uff28\uff45\uff4c\uff4c\uff4f\u00a0WORLD")   # full-width letters, no-break space
    'hello world'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    text = unicodedata.normalize("NFKC", text).lower().translate(_punctuation_table())
    return " ".join(text.split())


def _check_texts(texts) -> list:
    arr = as_1d(texts, "texts")
    # numpy turns ["a", 3] into strings, so check the caller's own elements where possible.
    values = arr if isinstance(texts, (np.ndarray, pd.Series, pd.Index)) else list(texts)
    for i, t in enumerate(values):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] must be a string, got {type(t).__name__} ({t!r})")
    return [str(t) for t in values]


def _check_shingle_args(shingle, k) -> None:
    check_in_choices(shingle, SHINGLES, "shingle")
    check_int(k, "k", minimum=1)


def _shingle_normalized(text: str, shingle: str, k: int) -> set:
    units = text if shingle == "char" else text.split()
    if len(units) <= k:
        # A text shorter than one shingle is its own single shingle (empty text: empty set).
        return {text} if text else set()
    if shingle == "char":
        return {text[i : i + k] for i in range(len(text) - k + 1)}
    return {" ".join(units[i : i + k]) for i in range(len(units) - k + 1)}


def shingles(text: str, shingle: str = "char", k: int = 5) -> set:
    """The set of shingles of ``normalize_text(text)``.

    ``shingle="char"``: overlapping ``k``-character substrings (suits short texts);
    ``shingle="word"``: overlapping ``k``-word sequences joined by one space (suits documents).
    A text with at most ``k`` characters (words) is a single shingle; an empty one has none.

    >>> sorted(shingles("Hello, World", k=7))
    ['ello wo', 'hello w', 'llo wor', 'lo worl', 'o world']
    >>> shingles("to be or not to be", shingle="word", k=5) == {"to be or not to", "be or not to be"}
    True
    """
    _check_shingle_args(shingle, k)
    return _shingle_normalized(normalize_text(text), shingle, k)


def jaccard(a, b) -> float:
    """Exact Jaccard similarity ``|a & b| / |a | b|`` of two sets (1.0 for two empty sets).

    >>> jaccard({"ab", "bc", "cd"}, {"bc", "cd", "de"})
    0.5
    """
    a, b = set(a), set(b)
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def exact_duplicates(texts) -> np.ndarray:
    """Group ids for exact duplicates after :func:`normalize_text`.

    Returns an int array, one id per text: texts that are equal after normalisation share an id.
    Ids are numbered 0, 1, 2, ... in order of first appearance.

    >>> exact_duplicates(["Loved it!", "meh", "loved   it", "LOVED IT."]).tolist()
    [0, 1, 0, 0]
    """
    normalized = [normalize_text(t) for t in _check_texts(texts)]
    return pd.factorize(np.array(normalized, dtype=object))[0].astype(np.int64)


def lsh_params(threshold: float = 0.8, num_perm: int = 128) -> tuple:
    """Bands ``b`` and rows per band ``r`` for the MinHash LSH candidate step.

    A pair with Jaccard ``J`` becomes a candidate with probability ``1 - (1 - J**r)**b``. The
    rule: the largest ``r`` (fewest false candidates) whose ``b = num_perm // r`` bands still make
    a pair with ``J == threshold`` a candidate with probability >= 0.99. This places the LSH
    threshold well below ``threshold``; the exact verification afterwards removes the extras.

    >>> lsh_params(0.8, 128)
    (21, 6)
    >>> b, r = lsh_params(0.8, 128)
    >>> round(1 - (1 - 0.8 ** r) ** b, 4)   # candidate probability at J = 0.8
    0.9983
    """
    check_fraction(threshold, "threshold", closed="right")
    check_int(num_perm, "num_perm", minimum=1)
    for r in range(int(num_perm), 0, -1):
        b = int(num_perm) // r
        if 1 - (1 - threshold**r) ** b >= _TARGET_RECALL:
            return b, r
    return int(num_perm), 1


def _relabel(ids: np.ndarray) -> np.ndarray:
    """Renumber ids 0, 1, 2, ... in order of first appearance."""
    return pd.factorize(ids)[0].astype(np.int64)


def _band_pairs(signatures: np.ndarray, b: int, r: int):
    """Yield ``(i, j)`` index arrays, ``i < j``, of texts that share one band of the signature.

    Pairs come in pieces of at most about ``_PAIR_BLOCK`` (plus one text's partners), so a huge
    bucket of templated texts never has all its pairs in memory at once.
    """
    width = signatures.dtype.itemsize * r
    for band in range(b):
        keys = np.ascontiguousarray(signatures[:, band * r : (band + 1) * r]).view(np.dtype((np.void, width)))
        _, inv, counts = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
        inv = inv.ravel()
        members = np.flatnonzero(counts[inv] > 1)
        if members.size == 0:
            continue
        bucket = inv[members]
        order = np.argsort(bucket, kind="stable")
        members, bucket = members[order], bucket[order]   # ascending index within each bucket
        # Position p pairs with every later position of its bucket: p + 1 .. bucket end - 1.
        starts = np.r_[0, np.flatnonzero(np.diff(bucket)) + 1]
        ends = np.repeat(np.r_[starts[1:], len(members)], np.diff(np.r_[starts, len(members)]))
        n_partners = ends - np.arange(len(members)) - 1
        cut = np.unique(np.searchsorted(np.cumsum(n_partners), np.arange(_PAIR_BLOCK, n_partners.sum(), _PAIR_BLOCK)))
        for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(members)]):
            partners = n_partners[lo:hi]
            first = np.repeat(np.arange(lo, hi) + 1 - np.cumsum(np.r_[0, partners[:-1]]), partners)
            yield np.repeat(members[lo:hi], partners), members[first + np.arange(partners.sum())]


def _blocks(pieces):
    """Concatenate pieces of (i, j) pairs into blocks of at least ``_PAIR_BLOCK`` pairs (the last may be smaller)."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece[0])
        if size >= _PAIR_BLOCK:
            yield tuple(np.concatenate(x) for x in zip(*buffer))
            buffer, size = [], 0
    if buffer:
        yield tuple(np.concatenate(x) for x in zip(*buffer))


def _unique_pairs(i: np.ndarray, j: np.ndarray, n: int) -> tuple:
    """Drop repeated (i, j) pairs (a pair shares several bands); sort + compare beats np.unique here."""
    code = np.sort(i.astype(np.int64) * n + j)
    code = code[np.diff(code, prepend=-1) != 0]
    return code // n, code % n


def _shingle_matrix(sets: list):
    """Binary CSR matrix, one row per shingle set, one column per distinct shingle."""
    lengths = [len(x) for x in sets]
    codes = pd.factorize(np.array([s for x in sets for s in x], dtype=object))[0]
    indptr = np.r_[0, np.cumsum(lengths)]
    matrix = csr_matrix((np.ones(len(codes), dtype=np.int32), codes, indptr),
                        shape=(len(sets), codes.max(initial=-1) + 1))
    matrix.sort_indices()   # canonical rows for the element-wise products
    return matrix


def _jaccard_at_least(sets: list, lengths: np.ndarray, i: np.ndarray, j: np.ndarray, threshold: float) -> np.ndarray:
    """Exact ``jaccard(sets[i], sets[j]) >= threshold`` for many pairs at once (same float division)."""
    # Only the texts in some pair get a row: building the matrix costs more than most checks.
    involved = np.zeros(len(sets), dtype=bool)
    involved[i] = involved[j] = True
    row = np.cumsum(involved) - 1
    matrix = _shingle_matrix([sets[t] for t in np.flatnonzero(involved)])
    row_i, row_j = row[i], row[j]
    similar = np.zeros(len(i), dtype=bool)
    # Slices of about _VERIFY_NNZ shingles bound the memory of the row-wise products.
    cost = np.cumsum(lengths[i] + lengths[j])
    cut = np.unique(np.searchsorted(cost, np.arange(_VERIFY_NNZ, cost[-1], _VERIFY_NNZ)))
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(i)]):
        inter = np.asarray(matrix[row_i[lo:hi]].multiply(matrix[row_j[lo:hi]]).sum(axis=1)).ravel()
        # Distinct texts never both have an empty set, so the union is at least 1.
        similar[lo:hi] = inter / (lengths[i[lo:hi]] + lengths[j[lo:hi]] - inter) >= threshold
    return similar


def near_duplicate_clusters(texts, threshold: float = 0.8, num_perm: int = 128, shingle: str = "char",
                            k: int = 5, seed: int = 1) -> np.ndarray:
    """Cluster ids for near-duplicate texts (Jaccard of shingle sets >= ``threshold``).

    Steps: texts equal after :func:`normalize_text` are merged first; each remaining text gets a
    datasketch ``MinHash`` of its :func:`shingles` (``MinHash.bulk``; shingles hashed with CRC-32,
    which is fast and, being verified afterwards, needs no cryptographic strength); LSH banding
    with :func:`lsh_params` proposes candidate pairs; every candidate pair is **verified with the
    exact Jaccard** of the shingle sets (in numpy, on a sparse shingle matrix; pairs already in
    one cluster or whose set sizes alone rule out ``threshold`` are skipped); verified pairs are
    joined into connected components.

    So a returned cluster is a connected component of the graph "exact Jaccard >= threshold"
    (single linkage: two members may be less similar than ``threshold`` through a chain). The
    only approximation is recall: a pair at exactly ``J == threshold`` is missed with probability
    <= 1 %, pairs above it less often; no pair below it is ever merged directly. The banding is the
    same as ``MinHashLSH(params=(b, r))`` but runs in numpy on the signature matrix, which is
    much faster than inserting and querying 50,000 sketches one by one.

    Parameters
    ----------
    texts : sequence of str
    threshold : float in (0, 1], Jaccard similarity that counts as near-duplicate
    num_perm : int, MinHash permutations
    shingle : {"char", "word"} and k : int, see :func:`shingles` (``"char"`` with ``k=5`` for
        short comments; ``"word"`` with ``k=5`` for longer documents)
    seed : int, MinHash seed (results do not depend on it except through rare recall misses)

    Returns
    -------
    np.ndarray of int, one cluster id per text, numbered 0, 1, 2, ... in order of first
    appearance; a text without near-duplicates has an id of its own. Pass it as ``groups`` to a
    splitter so that no cluster crosses splits.

    >>> texts = ["The quick brown fox jumps over the lazy dog",
    ...          "the quick brown fox jumps over the lazy dog today!",
    ...          "Completely different sentence here.",
    ...          "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG"]
    >>> round(jaccard(shingles(texts[0]), shingles(texts[1])), 3)
    0.867
    >>> near_duplicate_clusters(texts).tolist()
    [0, 0, 1, 0]
    >>> near_duplicate_clusters(texts, threshold=0.9).tolist()
    [0, 1, 2, 0]
    """
    texts = _check_texts(texts)
    check_fraction(threshold, "threshold", closed="right")
    _check_shingle_args(shingle, k)
    check_seed(seed)
    b, r = lsh_params(threshold, num_perm)

    normalized = [normalize_text(t) for t in texts]
    exact_ids, uniques = pd.factorize(np.array(normalized, dtype=object))
    sets = [_shingle_normalized(t, shingle, k) for t in uniques]
    sketches = MinHash.bulk(
        ([s.encode("utf-8") for s in shingle_set] for shingle_set in sets),
        num_perm=int(num_perm), seed=int(seed), hashfunc=zlib.crc32,
    )
    signatures = np.vstack([m.hashvalues for m in sketches])

    lengths = np.array([len(x) for x in sets], dtype=np.int64)
    labels = np.arange(len(sets))   # connected component of each distinct text so far
    edges = []
    for i, j in _blocks(_band_pairs(signatures, b, r)):
        # Pairs already connected cannot change the components; the size bound
        # J <= min(|A|, |B|) / max(|A|, |B|) rules out others exactly, without their Jaccard.
        size_ratio = np.minimum(lengths[i], lengths[j]) / np.maximum(lengths[i], lengths[j])
        keep = (labels[i] != labels[j]) & (size_ratio >= threshold)
        if not keep.any():
            continue
        i, j = _unique_pairs(i[keep], j[keep], len(sets))
        similar = _jaccard_at_least(sets, lengths, i, j, threshold)
        if similar.any():
            edges.append((i[similar], j[similar]))
            rows, cols = (np.concatenate(x) for x in zip(*edges))
            graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(sets),) * 2)
            labels = connected_components(graph, directed=False)[1]
    return _relabel(labels[exact_ids])
