import collections

import numpy as np
import pandas as pd
import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import IOB2, Tokens

from imbalance_kit.datasets import news_ner
from imbalance_kit.datasets.news import DRUG_LEXICON, DRUGS
from imbalance_kit.ner import (
    DRUG_SUFFIXES,
    bio_to_spans,
    document_split,
    entity_scores,
    mine_candidates,
    span_weights,
    spans_to_bio,
    token_weights,
    validate_tags,
)

TYPES = ["PER", "LOC", "DRUG"]
TAGS = ["O"] + [f"{p}-{t}" for t in TYPES for p in "BI"]


def random_tags(rng, length, p_o=0.4):
    """Any mix of tags, orphan I- and type switches included."""
    probs = np.full(len(TAGS), (1 - p_o) / (len(TAGS) - 1))
    probs[0] = p_o
    return [TAGS[k] for k in rng.choice(len(TAGS), size=length, p=probs)]


def random_corpus(rng):
    lengths = rng.integers(1, 12, size=rng.integers(1, 8))
    y_true = [random_tags(rng, n) for n in lengths]
    # predictions: mostly copies with some tags changed, so hits and misses both occur
    y_pred = [[t if rng.random() < 0.7 else TAGS[rng.integers(len(TAGS))] for t in s] for s in y_true]
    return y_true, y_pred


def test_strict_spans_match_seqeval_on_random_sequences():
    rng = np.random.default_rng(0)
    for _ in range(300):
        tags = random_tags(rng, int(rng.integers(1, 15)))
        expected = [(e.tag, e.start, e.end) for e in Tokens(tags, IOB2).entities]
        assert bio_to_spans(tags) == expected, tags


def test_lenient_spans_match_seqeval_get_entities():
    rng = np.random.default_rng(1)
    for _ in range(300):
        tags = random_tags(rng, int(rng.integers(1, 15)))
        expected = [(t, s, e + 1) for t, s, e in get_entities(tags)]
        assert bio_to_spans(tags, mode="lenient") == expected, tags


def test_orphan_inside_tag_starts_nothing_in_strict_mode():
    assert bio_to_spans(["I-PER", "I-PER", "O"]) == []
    assert bio_to_spans(["B-PER", "I-LOC"]) == [("PER", 0, 1)]
    assert bio_to_spans(["B-PER", "I-LOC"], mode="lenient") == [("PER", 0, 1), ("LOC", 1, 2)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # seqeval averages an empty type list
def test_entity_scores_equal_seqeval_strict_iob2_on_random_corpora():
    rng = np.random.default_rng(2)
    checked = 0
    for _ in range(150):
        y_true, y_pred = random_corpus(rng)
        ours = entity_scores(y_true, y_pred)
        report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
        types = [k for k in report if not k.endswith(" avg")]
        assert list(ours.index) == types + ["micro", "macro"]
        for name, key in [*zip(types, types), ("micro", "micro avg"), ("macro", "macro avg")]:
            row = ours.loc[name]
            assert row["support"] == report[key]["support"]
            assert np.allclose([row["precision"], row["recall"], row["f1"]],
                               [report[key]["precision"], report[key]["recall"], report[key]["f1-score"]],
                               equal_nan=True)  # macro of no types is NaN in both
        if ours.index.size == 2:
            continue
        kw = dict(mode="strict", scheme=IOB2, zero_division=0)
        assert np.isclose(ours.loc["micro", "precision"], precision_score(y_true, y_pred, **kw))
        assert np.isclose(ours.loc["micro", "recall"], recall_score(y_true, y_pred, **kw))
        assert np.isclose(ours.loc["macro", "f1"], f1_score(y_true, y_pred, average="macro", **kw))
        checked += 1
    assert checked > 120


def test_entity_scores_strict_cases_from_notes():
    # techniques.md section 12: lenient would give 1.0 here, strict IOB2 gives 0.0
    out = entity_scores([["B-NP", "I-NP", "O"]], [["I-NP", "I-NP", "O"]])
    assert out.loc["micro", "f1"] == 0.0
    # a truncated entity is one false positive plus one false negative
    out = entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    assert out.loc["PER", ["precision", "recall"]].tolist() == [0.0, 0.0]


def test_entity_scores_rare_type_pulls_macro_down():
    y_true = [["B-PER", "O", "B-LOC", "B-DRUG"], ["B-PER", "I-PER", "B-DRUG", "O"]] + [["B-LOC", "O"]] * 2
    y_pred = [["B-PER", "O", "B-LOC", "O"], ["B-PER", "I-PER", "O", "O"]] + [["B-LOC", "O"]] * 2
    out = entity_scores(y_true, y_pred)
    assert out.loc["DRUG", "f1"] == 0.0 and out.loc["DRUG", "support"] == 2
    assert out.loc["macro", "f1"] < out.loc["micro", "f1"]


def test_entity_scores_no_entities_gives_zero_micro_and_nan_macro():
    out = entity_scores([["O", "O"]], [["O", "O"]])
    assert list(out.index) == ["micro", "macro"]
    assert out.loc["micro", "f1"] == 0.0 and np.isnan(out.loc["macro", "f1"])


def test_entity_scores_accepts_series_and_a_flat_sentence():
    s = pd.Series([["B-PER", "O"], ["B-LOC"]])
    assert entity_scores(s, s).loc["micro", "f1"] == 1.0
    assert entity_scores(["B-PER", "O"], ["B-PER", "O"]).loc["PER", "support"] == 1


@pytest.mark.parametrize("y_true, y_pred, err", [
    ([["O"]], [["O"], ["O"]], "mismatched lengths"),
    ([["O", "O"]], [["O"]], "sentence 0"),
    ([], [], "empty"),
    ([["B-PER", "E-PER"]], [["O", "O"]], "IOBES"),
])
def test_entity_scores_bad_input(y_true, y_pred, err):
    with pytest.raises(ValueError, match=err):
        entity_scores(y_true, y_pred)


def test_spans_and_bio_round_trip():
    rng = np.random.default_rng(3)
    for _ in range(200):
        tags = random_tags(rng, int(rng.integers(1, 15)))
        spans = bio_to_spans(tags)
        rebuilt = spans_to_bio(spans, len(tags))
        assert bio_to_spans(rebuilt) == spans
        # orphan I- tags become O, everything else survives
        assert all(r == t or (t.startswith("I-") and r == "O") for r, t in zip(rebuilt, tags))


@pytest.mark.parametrize("spans, length, err", [
    ([("PER", 0, 3)], 2, "start < end <= length"),
    ([("PER", 1, 1)], 2, "start < end"),
    ([("PER", 0, 2), ("LOC", 1, 2)], 3, "overlaps"),
    ([("PER", 0)], 3, r"\(type, start, end\)"),
    ([("", 0, 1)], 3, "non-empty"),
    ([], -1, "non-negative"),
])
def test_spans_to_bio_bad_input(spans, length, err):
    with pytest.raises(ValueError, match=err):
        spans_to_bio(spans, length)


@pytest.mark.parametrize("tags, exc, err", [
    (["PER"], ValueError, "not an IOB2 tag"),
    (["B_PER"], ValueError, "not an IOB2 tag"),
    (["B-"], ValueError, "not an IOB2 tag"),
    (["O", "U-LOC"], ValueError, r"tags\[1\].*IOBES/BILOU"),
    (["O", 3], TypeError, "must be a str"),
    ("B-PER", TypeError, "list of tag strings"),
    (None, TypeError, "list of tag strings"),
])
def test_validate_tags_errors(tags, exc, err):
    with pytest.raises(exc, match=err):
        validate_tags(tags)


def test_token_and_span_weights():
    tags = ["B-PER", "O", "B-DRUG", "I-DRUG", "I-DRUG", "O", "I-LOC"]
    assert token_weights(tags).tolist() == [1, 1, 5, 5, 5, 1, 1]
    w = token_weights(tags, rare_types={"DRUG": 3.0, "LOC": 2.0}, default=0.5)
    assert w.tolist() == [0.5, 0.5, 3, 3, 3, 0.5, 2]
    assert span_weights(tags) == [("PER", 0, 1, 1.0), ("DRUG", 2, 5, 5.0)]
    with pytest.raises(ValueError, match="positive"):
        token_weights(tags, rare_types={"DRUG": 0})
    with pytest.raises(ValueError, match="positive"):
        span_weights(tags, default=-1)
    with pytest.raises(TypeError, match="mapping"):
        token_weights(tags, rare_types=["DRUG"])


def test_mine_candidates_rules():
    sents = [["Patients", "took", "Omeprazole,", "and", "aspirin"], ["vir", "mab", "Kavir"], ["no", "drugs"]]
    out = mine_candidates(sents, lexicon=["Aspirin"])
    assert list(out.columns) == ["sentence", "position", "token", "rule"]
    assert out.values.tolist() == [
        [0, 2, "Omeprazole,", "suffix:-prazole"],  # longest suffix wins over -azole
        [0, 4, "aspirin", "lexicon"],
        [1, 2, "Kavir", "suffix:-vir"],  # a trap: suffix rules over-generate
    ]
    assert mine_candidates(sents, suffixes=["-olol"]).empty
    assert len(mine_candidates(sents, min_stem=3)) == 1
    with pytest.raises(ValueError, match="lexicon or suffixes"):
        mine_candidates(sents, suffixes=())
    with pytest.raises(TypeError, match="list of tokens"):
        mine_candidates(["a sentence as a string"])
    with pytest.raises(TypeError, match="single string"):
        mine_candidates(sents, lexicon="aspirin")


def test_document_split_keeps_documents_whole_and_stratifies():
    df = news_ner(n_docs=300, seed=4)
    train, val, test = document_split(df, seed=1)
    assert len(train) + len(val) + len(test) == len(df)
    docs = [set(part.doc_id) for part in (train, val, test)]
    assert not (docs[0] & docs[1] or docs[0] & docs[2] or docs[1] & docs[2])
    has = df.tags.map(lambda t: "B-DRUG" in t).groupby(df.doc_id).any()
    share = has.mean()
    for part, n_docs, size in zip((train, val, test), map(len, docs), (0.8, 0.1, 0.1)):
        assert abs(n_docs - size * 300) <= 2
        assert abs(has[sorted(set(part.doc_id))].mean() - share) < 0.05
    again = document_split(df, seed=1)
    assert all(a.index.equals(b.index) for a, b in zip((train, val, test), again))
    assert not document_split(df, seed=2)[1].index.equals(val.index)


@pytest.mark.parametrize("kwargs, exc, err", [
    (dict(sizes=(0.8, 0.1)), ValueError, "three fractions"),
    (dict(sizes=(0.8, 0.3, 0.1)), ValueError, "sum to 1"),
    (dict(sizes=(1.2, -0.1, -0.1)), ValueError, r"sizes\[0\] must be in \[0, 1\]"),
    (dict(sizes=(0.8, "0.1", 0.1)), TypeError, r"sizes\[1\] must be a number"),
    (dict(doc="document"), ValueError, "df has no column 'document'"),
])
def test_document_split_bad_input(kwargs, exc, err):
    df = pd.DataFrame({"doc_id": [0, 1], "tags": [["O"], ["B-DRUG"]]})
    with pytest.raises(exc, match=err):
        document_split(df, **kwargs)
    with pytest.raises(ValueError, match="empty"):
        document_split(df.iloc[:0])


# --- the news NER data set -------------------------------------------------------------------


def test_news_ner_is_deterministic_and_valid_iob2():
    a, b = news_ner(n_docs=80, seed=5), news_ner(n_docs=80, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(news_ner(n_docs=80, seed=6))
    assert a.doc_id.nunique() == 80
    assert a.groupby("doc_id").size().between(3, 8).all()
    for tokens, tags in zip(a.tokens, a.tags):
        assert len(tokens) == len(tags) > 0
        # valid and with no orphan I- tags: rebuilding from spans gives the same tags
        assert spans_to_bio(bio_to_spans(tags), len(tags)) == validate_tags(tags)


def test_news_ner_drug_is_rare():
    df = news_ner(seed=0)
    counts = collections.Counter(t for tags in df.tags for t, _, _ in bio_to_spans(tags))
    share = counts["DRUG"] / sum(counts.values())
    print(f"entity counts {dict(counts)}; DRUG share {share:.4f}")
    assert 0.005 < share < 0.05
    assert all(counts[t] > 8 * counts["DRUG"] for t in ("PER", "ORG", "LOC"))
    drug_sentences = df.tags.map(lambda t: "B-DRUG" in t).mean()
    assert 0.02 < drug_sentences < 0.07
    assert news_ner(n_docs=100, drug_rate=0.0).tags.map(lambda t: "B-DRUG" not in t).all()


def test_mining_finds_most_drug_sentences_but_not_only_them():
    df = news_ner(seed=0)
    assert not set(DRUGS) <= set(DRUG_LEXICON)  # the lexicon alone is not enough
    found = set(mine_candidates(df.tokens, lexicon=DRUG_LEXICON, suffixes=DRUG_SUFFIXES).sentence)
    truth = set(df.index[df.tags.map(lambda t: "B-DRUG" in t)])
    recall, precision = len(found & truth) / len(truth), len(found & truth) / len(found)
    print(f"sentence-level mining recall {recall:.3f}, precision {precision:.3f}")
    assert recall > 0.7
    assert precision < 1.0  # traps such as "April" fire as well
    lexicon_only = set(mine_candidates(df.tokens, lexicon=DRUG_LEXICON, suffixes=()).sentence)
    assert len(lexicon_only & truth) < len(found & truth)


@pytest.mark.parametrize("kwargs, err", [
    (dict(n_docs=0), "n_docs"),
    (dict(sentences_per_doc=(5, 2)), "low <= high"),
    (dict(sentences_per_doc=3), r"\(low, high\)"),
    (dict(drug_rate=1.5), "drug_rate"),
])
def test_news_ner_bad_input(kwargs, err):
    with pytest.raises(ValueError, match=err):
        news_ner(**kwargs)
