import collections

import numpy as np
import pandas as pd
import pytest

from imbalance_kit.augment import (
    SYNONYMS,
    augment_dataframe,
    back_translate,
    eda,
    random_deletion,
    random_insertion,
    random_swap,
    review_sample,
    synonym_replacement,
    template_paraphrases,
)

WORDS = "my refund for the broken phone never arrived please help me fix this problem now".split()


def random_text(rng, low=1, high=12):
    return " ".join(rng.choice(WORDS, size=int(rng.integers(low, high + 1))))


def test_same_seed_same_output_for_every_operation():
    for seed in range(30):
        text = random_text(np.random.default_rng(seed), 3)
        for op in (lambda r: random_swap(text, 2, rng=r), lambda r: random_deletion(text, 0.3, rng=r),
                   lambda r: random_insertion(text, 2, rng=r), lambda r: synonym_replacement(text, 2, rng=r)):
            assert op(seed) == op(seed)
            assert op(np.random.default_rng(seed)) == op(seed)
        assert eda(text, seed=seed) == eda(text, seed=seed)


def test_swap_preserves_the_multiset_of_tokens():
    rng = np.random.default_rng(0)
    changed = 0
    for seed in range(200):
        text = random_text(rng)
        out = random_swap(text, n=int(rng.integers(0, 4)), rng=seed)
        assert collections.Counter(out.split()) == collections.Counter(text.split())
        changed += out != text
    assert changed > 50
    assert random_swap("single", n=3, rng=0) == "single"


def test_deletion_never_empty_and_p0_is_identity():
    rng = np.random.default_rng(1)
    for seed in range(200):
        text = random_text(rng)
        assert random_deletion(text, p=0.0, rng=seed) == text
        out = random_deletion(text, p=1.0, rng=seed)
        assert len(out.split()) == 1 and out in text.split()
        out = random_deletion(text, p=0.5, rng=seed)
        assert out.strip()
        # the kept words appear in their original order
        it = iter(text.split())
        assert all(w in it for w in out.split())


def test_insertion_uses_only_in_vocabulary_words():
    rng = np.random.default_rng(2)
    vocab = ["kindly", "again"]
    for seed in range(200):
        text = random_text(rng)
        n = int(rng.integers(1, 4))
        own = random_insertion(text, n, rng=seed)
        assert len(own.split()) == len(text.split()) + n
        assert set(own.split()) <= set(text.split())
        given = random_insertion(text, n, vocab=vocab, rng=seed)
        added = collections.Counter(given.split()) - collections.Counter(text.split())
        assert sum(added.values()) == n and set(added) <= set(vocab)


def test_synonym_replacement_uses_lexicon_and_keeps_case_and_punctuation():
    lex = {"refund": ["reimbursement"], "late": ["delayed"]}
    assert synonym_replacement("Refund is late!", n=2, lexicon=lex, rng=0) == "Reimbursement is delayed!"
    assert synonym_replacement("Refund is late!", n=1, lexicon=lex, rng=0).count(" ") == 2
    assert synonym_replacement("nothing known here", lexicon=lex, rng=0) == "nothing known here"
    assert synonym_replacement("my problem", n=0, rng=0) == "my problem"
    for seed in range(50):
        out = synonym_replacement("the problem with my refund", n=1, rng=seed)
        assert out != "the problem with my refund"
        new = set(out.split()[1:]) - {"with", "my"}
        assert new & {w for syn in SYNONYMS["problem"] + SYNONYMS["refund"] for w in syn.split()}


def test_builtin_lexicon_is_sizeable_and_clean():
    assert len(SYNONYMS) >= 200
    assert {"issue", "trouble"} <= set(SYNONYMS["problem"])
    assert "reimbursement" in SYNONYMS["refund"]
    negations = {"not", "no", "never"}
    for word, syns in SYNONYMS.items():
        assert syns and word not in syns, word
        assert not negations & {w for s in syns for w in s.split()}, word


def test_eda_variants():
    text = "the refund for my broken phone never arrived"
    out = eda(text, n_aug=8, alpha=0.1, seed=3)
    assert len(out) == 8 and all(isinstance(t, str) and t.strip() for t in out)
    assert collections.Counter(out[2].split()) == collections.Counter(text.split())
    assert len(out[1].split()) == len(text.split()) + 1  # insertion of max(1, round(0.8)) words
    assert eda(text, seed=4) != eda(text, seed=3)
    assert eda("hi", n_aug=4, seed=0)  # one word: still returns non-empty variants


def test_template_paraphrases_are_distinct_and_filled():
    templates = ["I want to {verb} my {thing}", "How do I {verb} my {thing}?", "{verb} {thing} please"]
    slots = {"verb": ["cancel", "close", "delete"], "thing": ["account", "plan", "profile"]}
    for seed in range(20):
        out = template_paraphrases(templates, slots, n=10, seed=seed)
        assert len(out) == len(set(out)) == 10
        assert not any("{" in t or "}" in t for t in out)
        assert all(any(v in t for v in slots["verb"]) and any(x in t for x in slots["thing"]) for t in out)
    assert sorted(template_paraphrases(templates, slots, n=27)) == sorted(
        t.format(verb=v, thing=x) for t in templates for v in slots["verb"] for x in slots["thing"])
    with pytest.raises(ValueError, match="only 27 distinct"):
        template_paraphrases(templates, slots, n=28)
    # duplicated fillers do not count as distinct sentences
    with pytest.raises(ValueError, match="only 1 distinct"):
        template_paraphrases(["{a}"], {"a": ["x", "x"]}, n=2)


def test_template_paraphrases_large_space_is_sampled():
    slots = {f"s{i}": [f"w{i}{j}" for j in range(10)] for i in range(6)}
    out = template_paraphrases([" ".join(f"{{s{i}}}" for i in range(6))], slots, n=50, seed=1)
    assert len(set(out)) == 50
    assert out == template_paraphrases([" ".join(f"{{s{i}}}" for i in range(6))], slots, n=50, seed=1)


@pytest.mark.parametrize("templates, slots, n, exc, err", [
    (["{verb} it"], {"thing": ["x"]}, 1, ValueError, "slot {verb}"),
    (["{verb} it"], {"verb": []}, 1, ValueError, "non-empty list"),
    ("{verb} it", {"verb": ["a"]}, 1, TypeError, "list of strings"),
    (["{verb} it"], ["a"], 1, TypeError, "mapping"),
    (["{verb} it"], {"verb": ["a"]}, 0, ValueError, "n must be"),
])
def test_template_paraphrases_bad_input(templates, slots, n, exc, err):
    with pytest.raises(exc, match=err):
        template_paraphrases(templates, slots, n)


def toy_translate(texts, src, tgt):
    """Reverses word order on the way out and back, with one 'lossy' word mapping."""
    if (src, tgt) == ("en", "de"):
        return [" ".join(reversed(t.split())) for t in texts]
    return [" ".join(reversed(t.split())).replace("late", "delayed") for t in texts]


def test_back_translate_with_a_toy_translator():
    out = back_translate(["my order is late", "thanks"], toy_translate)
    assert out == ["my order is delayed", "thanks"]
    calls = []
    back_translate(["a"], lambda xs, s, t: calls.append((s, t)) or xs, pivot="fr")
    assert calls == [("en", "fr"), ("fr", "en")]


@pytest.mark.parametrize("texts, translate, kwargs, exc, err", [
    (["a"], "not callable", {}, TypeError, "callable"),
    ("a single text", toy_translate, {}, TypeError, "not a single string"),
    ([], toy_translate, {}, ValueError, "empty"),
    (["a"], toy_translate, {"pivot": "en"}, ValueError, "two languages"),
    (["a", "b"], lambda xs, s, t: xs[:1], {}, ValueError, "must return 2 strings"),
])
def test_back_translate_bad_input(texts, translate, kwargs, exc, err):
    with pytest.raises(exc, match=err):
        back_translate(texts, translate, **kwargs)


def tickets():
    return pd.DataFrame({
        "text": ["where is my refund", "the app does not work", "love it", "refund not received yet",
                 "great service", "please fix the problem"],
        "label": ["refund", "bug", "other", "refund", "other", "bug"],
    }, index=[10, 11, 12, 13, 14, 15])


@pytest.mark.parametrize("method", ["eda", "swap", "deletion", "insertion", "synonym"])
def test_augment_dataframe_marks_rows_and_keeps_originals(method):
    df = tickets()
    out = augment_dataframe(df, "text", "label", classes=["refund", "bug"], n_per_item=3, method=method, seed=1)
    assert len(out) == len(df) + 4 * 3
    orig = out[~out.augmented]
    assert orig["text"].tolist() == df["text"].tolist() and orig.source_id.tolist() == df.index.tolist()
    new = out[out.augmented]
    assert set(new.label) == {"refund", "bug"}
    assert new.groupby("source_id").size().to_dict() == {10: 3, 11: 3, 13: 3, 15: 3}
    assert (new.label.to_numpy() == df.loc[new.source_id, "label"].to_numpy()).all()
    assert new.text.str.strip().str.len().gt(0).all()
    again = augment_dataframe(df, "text", "label", classes=["refund", "bug"], n_per_item=3, method=method, seed=1)
    pd.testing.assert_frame_equal(out, again)


def test_augment_dataframe_accepts_a_callable():
    out = augment_dataframe(tickets(), "text", "label", ["bug"], 2, method=lambda t, rng: t.upper())
    assert out[out.augmented].text.tolist() == ["THE APP DOES NOT WORK"] * 2 + ["PLEASE FIX THE PROBLEM"] * 2


@pytest.mark.parametrize("split", ["val", "test", "validation", "all"])
def test_augment_dataframe_refuses_other_splits(split):
    with pytest.raises(ValueError, match="training split only"):
        augment_dataframe(tickets(), "text", "label", ["bug"], 2, split=split)


@pytest.mark.parametrize("kwargs, exc, err", [
    (dict(text="body"), ValueError, "df has no column 'body'"),
    (dict(classes=["spam"]), ValueError, "unknown: \\['spam'\\]"),
    (dict(classes="bug"), TypeError, "list of labels"),
    (dict(n_per_item=0), ValueError, "n_per_item"),
    (dict(method="magic"), ValueError, "method must be one of"),
    (dict(method=lambda t, rng: ""), ValueError, "non-empty str"),
])
def test_augment_dataframe_bad_input(kwargs, exc, err):
    args = dict(df=tickets(), text="text", label="label", classes=["bug"], n_per_item=1) | kwargs
    with pytest.raises(exc, match=err):
        augment_dataframe(**args)
    with pytest.raises(ValueError, match="index must be unique"):
        augment_dataframe(tickets().set_axis([0, 0, 1, 2, 3, 4]), "text", "label", ["bug"], 1)
    once = augment_dataframe(tickets(), "text", "label", ["bug"], 1)
    with pytest.raises(ValueError, match="augment the original data once"):
        augment_dataframe(once, "text", "label", ["bug"], 1)


def test_review_sample_size_columns_and_pairs():
    df = tickets()
    aug = augment_dataframe(df, "text", "label", ["refund", "bug"], n_per_item=5, seed=0)
    sample = review_sample(df, aug, n=7, seed=2)
    assert list(sample.columns) == ["source_id", "label", "original", "augmented", "overlap", "lost_cues",
                                    "drift_hint"]
    assert len(sample) == 7
    assert (sample.original.to_numpy() == df.loc[sample.source_id, "text"].to_numpy()).all()
    assert sample.overlap.between(0, 1).all()
    assert len(review_sample(df, aug, n=500)) == 20  # capped at the number of augmented rows
    pd.testing.assert_frame_equal(sample, review_sample(df, aug, n=7, seed=2))


def test_review_sample_drift_hint():
    df = tickets()
    aug = pd.DataFrame({"text": ["the app does work", "the app does not work", "totally unrelated words"],
                        "label": ["bug"] * 3, "augmented": True, "source_id": [11, 11, 11]})
    out = review_sample(df, aug, n=3).set_index("augmented")
    assert out.loc["the app does work", "lost_cues"] == "not"
    assert out.loc["the app does work", "drift_hint"]
    assert not out.loc["the app does not work", "drift_hint"]
    assert out.loc["totally unrelated words", "overlap"] == 0 and out.loc["totally unrelated words", "drift_hint"]
    relaxed = review_sample(df, aug, n=3, cues=(), min_overlap=0.0).set_index("augmented")
    assert not relaxed.drift_hint.any()


def test_review_sample_bad_input():
    df = tickets()
    aug = augment_dataframe(df, "text", "label", ["bug"], 1)
    with pytest.raises(ValueError, match="augmented=True"):
        review_sample(df, aug[~aug.augmented])
    with pytest.raises(ValueError, match=r"augmented \(the output of augment_dataframe\) has no column 'source_id'"):
        review_sample(df, aug.drop(columns="source_id"))
    with pytest.raises(ValueError, match="not in original's index"):
        review_sample(df.drop(index=11), aug)
    with pytest.raises(TypeError, match="DataFrame"):
        review_sample(df["text"], aug)
    with pytest.raises(ValueError, match="n must be"):
        review_sample(df, aug, n=0)


@pytest.mark.parametrize("call, exc, err", [
    (lambda: random_swap("", rng=0), ValueError, "text is empty"),
    (lambda: random_deletion("   ", rng=0), ValueError, "text is empty"),
    (lambda: random_insertion(None, rng=0), TypeError, "text must be a str"),
    (lambda: synonym_replacement(["a", "b"], rng=0), TypeError, "text must be a str"),
    (lambda: random_swap("a b", n=-1), ValueError, "n must be a non-negative integer"),
    (lambda: random_swap("a b", n=1.0), TypeError, "n must be an integer, got float"),
    (lambda: random_deletion("a b", p=1.5), ValueError, r"p must be in \[0, 1\]"),
    (lambda: random_insertion("a b", vocab=[]), ValueError, "vocab is empty"),
    (lambda: random_insertion("a b", vocab="abc"), TypeError, "single string"),
    (lambda: synonym_replacement("a b", lexicon=["a"]), TypeError, "lexicon must be a mapping"),
    (lambda: random_swap("a b", rng="seed"), TypeError, "rng must be an integer, got str"),
    (lambda: eda("a b", n_aug=0), ValueError, "n_aug"),
    (lambda: eda("a b", alpha=2), ValueError, "alpha"),
])
def test_bad_input(call, exc, err):
    with pytest.raises(exc, match=err):
        call()
