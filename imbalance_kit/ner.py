"""Rare entity types in NER: IOB2 spans, entity-level scores, loss weights, candidate mining, splits.

Spans are ``(type, start, end)`` with ``end`` exclusive (Python slicing), one sentence at a time.
Scores follow seqeval's ``mode="strict", scheme=IOB2`` (not its lenient default).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._validation import check_dataframe, check_fraction, check_in_choices, check_int, check_positive

_TAG = re.compile(r"^(?:O|[BI]-\S+)$")
_OTHER_SCHEMES = re.compile(r"^[ESLU]-\S+$")

#: Suffixes of international nonproprietary drug names (longest is matched first).
DRUG_SUFFIXES = (
    "mab", "pril", "olol", "statin", "cillin", "azole", "prazole", "vir", "sartan",
    "tinib", "floxacin", "cycline", "dipine",
)


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, np.ndarray, pd.Series))


def validate_tags(tags, name: str = "tags") -> list:
    """Check that ``tags`` is one sentence of IOB2 tags; return them as a list of str.

    Allowed tags are ``"O"``, ``"B-TYPE"`` and ``"I-TYPE"``. IOBES/BILOU tags (``E-``, ``S-``,
    ``L-``, ``U-``) and bare types (``"PER"``) are rejected with a message naming the position.

    >>> validate_tags(["B-PER", "I-PER", "O"])
    ['B-PER', 'I-PER', 'O']
    >>> validate_tags(["B-PER", "S-LOC"])
    Traceback (most recent call last):
    ...
    ValueError: tags[1] = 'S-LOC' is an IOBES/BILOU tag; convert to IOB2 (O, B-TYPE, I-TYPE) first
    """
    if tags is None or isinstance(tags, (str, bytes)) or not _is_sequence(tags):
        raise TypeError(f"{name} must be a list of tag strings, got {type(tags).__name__}")
    out = list(tags)
    for i, tag in enumerate(out):
        if not isinstance(tag, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(tag).__name__}")
        if _TAG.match(tag):
            continue
        if _OTHER_SCHEMES.match(tag):
            raise ValueError(f"{name}[{i}] = {tag!r} is an IOBES/BILOU tag; convert to IOB2 (O, B-TYPE, I-TYPE) first")
        raise ValueError(f"{name}[{i}] = {tag!r} is not an IOB2 tag; expected 'O', 'B-TYPE' or 'I-TYPE'")
    return out


def _sentences(seqs, name: str) -> list:
    """A batch of sentences (list of tag lists); a single flat tag list counts as one sentence."""
    if seqs is None or isinstance(seqs, (str, bytes)) or not _is_sequence(seqs):
        raise TypeError(f"{name} must be a list of tag sequences, got {type(seqs).__name__}")
    seqs = list(seqs)
    if len(seqs) == 0:
        raise ValueError(f"{name} is empty")
    if all(isinstance(t, str) for t in seqs):
        seqs = [seqs]
    return [validate_tags(s, f"{name}[{i}]") for i, s in enumerate(seqs)]


def bio_to_spans(tags, mode: str = "strict") -> list:
    """Entity spans ``(type, start, end)`` (``end`` exclusive) of one IOB2-tagged sentence.

    - ``mode="strict"`` (seqeval ``mode="strict", scheme=IOB2``): an entity starts only at
      ``B-X`` and continues over the following ``I-X`` of the same type. An ``I-X`` that does
      not continue an ``X`` entity (after ``O`` or another type) starts **nothing**: it is a
      tagging error and is ignored.
    - ``mode="lenient"`` (seqeval's default / conlleval): such an ``I-X`` starts a new entity.

    >>> bio_to_spans(["B-PER", "I-PER", "O", "B-LOC"])
    [('PER', 0, 2), ('LOC', 3, 4)]
    >>> bio_to_spans(["O", "I-PER", "I-PER", "B-LOC", "I-PER"])
    [('LOC', 3, 4)]
    >>> bio_to_spans(["O", "I-PER", "I-PER", "B-LOC", "I-PER"], mode="lenient")
    [('PER', 1, 3), ('LOC', 3, 4), ('PER', 4, 5)]
    """
    check_in_choices(mode, ("strict", "lenient"), "mode")
    tags = validate_tags(tags)
    spans = []
    i, n = 0, len(tags)
    while i < n:
        prefix, etype = tags[i][0], tags[i][2:]
        if prefix == "B" or (prefix == "I" and mode == "lenient"):
            j = i + 1
            while j < n and tags[j] == f"I-{etype}":
                j += 1
            spans.append((etype, i, j))
            i = j
        else:
            i += 1
    return spans


def spans_to_bio(spans, length: int) -> list:
    """IOB2 tags of length ``length`` from non-overlapping spans ``(type, start, end)``.

    >>> spans_to_bio([("PER", 0, 2), ("LOC", 3, 4)], 5)
    ['B-PER', 'I-PER', 'O', 'B-LOC', 'O']
    """
    length = check_int(length, "length", minimum=0)
    tags = ["O"] * int(length)
    for k, span in enumerate(spans):
        if not _is_sequence(span) or len(span) != 3:
            raise ValueError(f"spans[{k}] must be (type, start, end), got {span!r}")
        etype, start, end = span
        if not isinstance(etype, str) or not etype or re.search(r"\s", etype):
            raise ValueError(f"spans[{k}] type must be a non-empty str without spaces, got {etype!r}")
        if not (0 <= start < end <= length):
            raise ValueError(f"spans[{k}] = {tuple(span)!r} needs 0 <= start < end <= length={length}")
        if any(t != "O" for t in tags[start:end]):
            raise ValueError(f"spans[{k}] = {tuple(span)!r} overlaps another span")
        tags[start:end] = [f"B-{etype}"] + [f"I-{etype}"] * (end - start - 1)
    return tags


def entity_scores(y_true, y_pred) -> pd.DataFrame:
    """Entity-level precision, recall, F1 and support per type, plus ``micro`` and ``macro`` rows.

    Strict IOB2 (see :func:`bio_to_spans`): a predicted entity counts only if type, start and
    end all match, so a truncated entity is one false positive plus one false negative. Equal
    to seqeval's ``classification_report(..., mode="strict", scheme=IOB2)``; pass ``scheme=``
    there, since seqeval's ``f1_score(mode="strict")`` without it silently runs lenient mode.
    Types are those seen in ``y_true`` or ``y_pred``; a 0/0 ratio counts as 0. ``macro`` is the
    unweighted mean over types (NaN when no entity occurs anywhere), so a rare type with F1 0
    pulls it down while ``micro`` hides it. Support of both average rows is the total.

    >>> y_true = [["B-PER", "I-PER", "O", "B-DRUG"], ["B-LOC", "O"]]
    >>> y_pred = [["B-PER", "I-PER", "O", "O"], ["B-LOC", "O"]]
    >>> entity_scores(y_true, y_pred).round(3)
           precision  recall     f1  support
    DRUG       0.000   0.000  0.000        1
    LOC        1.000   1.000  1.000        1
    PER        1.000   1.000  1.000        1
    micro      1.000   0.667  0.800        3
    macro      0.667   0.667  0.667        3
    """
    true = _sentences(y_true, "y_true")
    pred = _sentences(y_pred, "y_pred")
    if len(true) != len(pred):
        raise ValueError(f"mismatched lengths: y_true has {len(true)} sentences, y_pred has {len(pred)}")
    true_spans, pred_spans = set(), set()
    for k, (t, p) in enumerate(zip(true, pred)):
        if len(t) != len(p):
            raise ValueError(f"sentence {k}: y_true has {len(t)} tags, y_pred has {len(p)}")
        true_spans.update((k, *s) for s in bio_to_spans(t))
        pred_spans.update((k, *s) for s in bio_to_spans(p))
    types = sorted({s[1] for s in true_spans | pred_spans})
    hits = true_spans & pred_spans
    count = {name: {t: 0 for t in types} for name in ("tp", "pred", "true")}
    for name, spans in (("tp", hits), ("pred", pred_spans), ("true", true_spans)):
        for s in spans:
            count[name][s[1]] += 1

    def prf(tp, n_pred, n_true):
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_true if n_true else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    rows = {t: (*prf(count["tp"][t], count["pred"][t], count["true"][t]), count["true"][t]) for t in types}
    total = len(true_spans)
    rows["micro"] = (*prf(len(hits), len(pred_spans), total), total)
    per_type = np.array([rows[t][:3] for t in types], dtype=float).reshape(-1, 3)
    rows["macro"] = (*(per_type.mean(axis=0) if types else [np.nan] * 3), total)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["precision", "recall", "f1", "support"])
    out["support"] = out["support"].astype(int)
    return out


def _weights_for(rare_types, default) -> tuple[dict, float]:
    rare = {"DRUG": 5.0} if rare_types is None else rare_types
    if not isinstance(rare, Mapping) or not rare:
        raise TypeError("rare_types must be a non-empty mapping type -> weight, e.g. {'DRUG': 5.0}")
    rare = {k: check_positive(w, f"rare_types[{k!r}]") for k, w in rare.items()}
    return rare, check_positive(default, "default")


def token_weights(tags, rare_types=None, default: float = 1.0) -> np.ndarray:
    """Per-token loss weights for one sentence: tokens tagged ``B-X``/``I-X`` of a rare type X
    get that type's weight, every other token (``O`` included) gets ``default``.

    ``rare_types`` defaults to ``{"DRUG": 5.0}``. Weights follow the *tag* of each token (the
    per-token loss is computed against that tag), so an orphan ``I-DRUG`` is upweighted too.

    >>> token_weights(["O", "B-DRUG", "I-DRUG", "B-PER"]).tolist()
    [1.0, 5.0, 5.0, 1.0]
    """
    tags = validate_tags(tags)
    rare, default = _weights_for(rare_types, default)
    return np.array([rare.get(t[2:], default) if t != "O" else default for t in tags], dtype=float)


def span_weights(tags, rare_types=None, default: float = 1.0) -> list:
    """Strict IOB2 spans of one sentence with a loss weight: ``(type, start, end, weight)``.

    For span-level losses (span classifiers, or a per-entity term): a span of a rare type gets
    that type's weight (``rare_types`` defaults to ``{"DRUG": 5.0}``), others ``default``.

    >>> span_weights(["B-PER", "I-PER", "O", "B-DRUG"])
    [('PER', 0, 2, 1.0), ('DRUG', 3, 4, 5.0)]
    """
    rare, default = _weights_for(rare_types, default)
    return [(t, s, e, rare.get(t, default)) for t, s, e in bio_to_spans(tags)]


def mine_candidates(sentences, lexicon=None, suffixes=DRUG_SUFFIXES, min_stem: int = 1) -> pd.DataFrame:
    """Find likely DRUG tokens for human verification: lexicon hits plus drug-suffix rules.

    A token (case-insensitive, surrounding punctuation stripped) is a candidate when it is in
    ``lexicon`` (rule ``"lexicon"``) or is alphabetic, ends with one of ``suffixes`` (longest
    match reported, rule ``"suffix:-prazole"``) and keeps at least ``min_stem`` letters before
    it. The rules over-generate on purpose ("April" ends in "-pril"): candidates are a cheap
    sampling filter for annotation, not labels.

    Returns a DataFrame with columns ``sentence`` (index into ``sentences``), ``position``
    (token index), ``token`` and ``rule``.

    >>> mine_candidates([["Take", "omeprazole", "daily"], ["See", "you", "in", "April"]])
       sentence  position       token             rule
    0         0         1  omeprazole  suffix:-prazole
    1         1         3       April     suffix:-pril
    """
    if sentences is None or isinstance(sentences, (str, bytes)) or not _is_sequence(sentences):
        raise TypeError("sentences must be a list of token lists")
    lex = set()
    if lexicon is not None:
        if isinstance(lexicon, (str, bytes)):
            raise TypeError("lexicon must be a collection of words, not a single string")
        lex = {str(w).lower() for w in lexicon}
    if isinstance(suffixes, (str, bytes)):
        raise TypeError("suffixes must be a collection of strings, not a single string")
    sufs = sorted({str(s).lower().lstrip("-") for s in suffixes} - {""}, key=len, reverse=True)
    if not lex and not sufs:
        raise ValueError("give a non-empty lexicon or suffixes, otherwise nothing can be mined")
    rows = []
    for i, tokens in enumerate(sentences):
        if isinstance(tokens, (str, bytes)) or not _is_sequence(tokens):
            raise TypeError(f"sentences[{i}] must be a list of tokens, got {type(tokens).__name__}")
        for j, token in enumerate(tokens):
            word = str(token).strip(".,;:!?()[]\"'").lower()
            if word in lex:
                rows.append((i, j, token, "lexicon"))
                continue
            if not word.isalpha():
                continue
            for suf in sufs:
                if word.endswith(suf) and len(word) - len(suf) >= min_stem:
                    rows.append((i, j, token, f"suffix:-{suf}"))
                    break
    return pd.DataFrame(rows, columns=["sentence", "position", "token", "rule"]).astype(
        {"sentence": int, "position": int}
    )


def document_split(df: pd.DataFrame, doc: str = "doc_id", sizes=(0.8, 0.1, 0.1), rare_type: str = "DRUG",
                   tags: str = "tags", seed: int = 0) -> tuple:
    """Split sentences into train/val/test by document, stratified on "contains ``rare_type``".

    Documents (all sentences sharing ``df[doc]``) are the unit: none crosses splits, so
    repeated names and phrasing of one article cannot leak. Documents with at least one
    ``B-``/``I-`` tag of ``rare_type`` and those without are shuffled and cut separately
    (``round(size * n_docs)`` for val and test, the rest to train), so each split gets its
    share of the rare documents.

    Returns ``(train, val, test)`` DataFrames (rows keep their index).

    >>> df = pd.DataFrame({"doc_id": [0, 0, 1, 2, 3], "tags": [["O"], ["B-DRUG"], ["O"], ["B-PER"], ["O"]]})
    >>> train, val, test = document_split(df, sizes=(0.5, 0.25, 0.25))
    >>> sorted(map(len, (train, val, test)))
    [1, 1, 3]
    """
    check_dataframe(df, "df", [doc, tags])
    if not _is_sequence(sizes) or len(sizes) != 3:
        raise ValueError(f"sizes must be three fractions (train, val, test), got {sizes!r}")
    sizes = tuple(check_fraction(s, f"sizes[{i}]") for i, s in enumerate(sizes))
    if not np.isclose(sum(sizes), 1.0):
        raise ValueError(f"sizes must sum to 1, got {sum(sizes)}")
    rare_tags = {f"B-{rare_type}", f"I-{rare_type}"}
    has_rare = df[tags].map(lambda t: bool(rare_tags.intersection(validate_tags(t)))).groupby(df[doc]).any()
    rng = np.random.default_rng(seed)
    split_of = {}
    for flag in (True, False):
        docs = has_rare.index[has_rare.to_numpy() == flag].to_numpy()
        docs = docs[rng.permutation(len(docs))]
        n_val, n_test = (int(round(s * len(docs))) for s in sizes[1:])
        n_val = min(n_val, len(docs))
        n_test = min(n_test, len(docs) - n_val)
        for k, d in enumerate(docs):
            split_of[d] = "val" if k < n_val else "test" if k < n_val + n_test else "train"
    where = df[doc].map(split_of)
    return tuple(df[where == name] for name in ("train", "val", "test"))
