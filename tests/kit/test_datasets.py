"""Tests for the seeded data sets in imbalance_kit.datasets (toxic, intents, chatterbot)."""
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_score, recall_score
from sklearn.model_selection import train_test_split

from imbalance_kit.datasets import chatterbot_intents, support_intents, toxic_comments
from imbalance_kit.datasets import _text as T
from imbalance_kit.datasets.intents import INTENT_SLOTS, INTENT_TEMPLATES, RARE_INTENTS


@pytest.fixture(scope="module")
def toxic_default():
    return toxic_comments()


# --- toxic_comments ---------------------------------------------------------------------------

def test_toxic_schema_and_exact_toxic_count():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(100, 800))
        rate = float(rng.uniform(0.01, 0.5))
        df = toxic_comments(n=n, toxic_rate=rate, seed=seed)
        assert list(df.columns) == ["comment_id", "text", "label", "source", "dup_group"]
        assert df["comment_id"].tolist() == list(range(n))
        assert int(df["label"].sum()) == round(n * rate)
        assert set(df["label"].unique()) <= {0, 1}
        assert set(df["source"]) <= {"forum", "news", "video", "social"}
        assert all(isinstance(t, str) for t in df["text"])
        n_words = df["text"].str.split().str.len()
        assert n_words.between(8, 30).all()


def test_toxic_deterministic_per_seed():
    a, b, c = toxic_comments(n=600, seed=5), toxic_comments(n=600, seed=5), toxic_comments(n=600, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["text"].equals(c["text"])
    assert not a["label"].equals(c["label"])


def test_toxic_duplicate_groups(toxic_default):
    df = toxic_default
    ids = df["comment_id"].to_numpy()
    group = df["dup_group"].to_numpy()
    copies = group != ids
    assert (group <= ids).all()  # a copy points back to an earlier original
    assert (group[group[copies]] == group[copies]).all()  # ... which is itself an original
    for col in ("label", "source"):
        assert (df[col].to_numpy()[copies] == df[col].to_numpy()[group[copies]]).all()
    original_text = df["text"].to_numpy()[group[copies]]
    copy_text = df["text"].to_numpy()[copies]
    exact = original_text == copy_text
    assert 0.008 < exact.sum() / len(df) < 0.013
    assert 0.03 < (~exact).sum() / len(df) < 0.05
    # Near copies differ by a small edit: same words up to casing/punctuation, one typo or drop.
    for orig, near in zip(original_text[~exact], copy_text[~exact]):
        a, b = re.findall(r"\w+", orig.lower()), re.findall(r"\w+", near.lower())
        assert orig != near
        assert abs(len(a) - len(b)) <= 1
        assert len(set(a) & set(b)) >= len(set(a)) - 2


def test_toxic_sources_have_different_rates(toxic_default):
    rates = toxic_default.groupby("source")["label"].mean()
    assert set(rates.index) == {"forum", "news", "video", "social"}
    assert rates["video"] > 2 * rates["forum"]
    assert abs(float(toxic_default["label"].mean()) - 0.04) < 1e-12


def test_toxic_vocabulary_overlaps_between_classes(toxic_default):
    insults = "|".join(sorted(T.INSULT_NOUNS + T.INSULT_ADJS, key=len, reverse=True))
    has_insult = toxic_default["text"].str.lower().str.contains(rf"\b(?:{insults})\b")
    label = toxic_default["label"] == 1
    assert (has_insult & ~label).sum() > 500  # quoted insults in non-toxic comments
    assert (~has_insult & label).mean() > 0.0  # subtle toxicity without insult words
    assert (~has_insult[label]).mean() > 0.3
    negative = toxic_default["text"].str.contains(rf"\b(?:{'|'.join(T.NEGATIVE)})\b")
    assert negative[label].mean() > 0.3 and negative[~label].mean() > 0.3


@pytest.mark.parametrize("kwargs, error", [
    ({"n": 99}, ValueError), ({"n": 1000.0}, TypeError), ({"n": True}, TypeError),
    ({"toxic_rate": 0.0}, ValueError), ({"toxic_rate": 0.6}, ValueError),
    ({"toxic_rate": -0.1}, ValueError), ({"toxic_rate": "0.04"}, TypeError),
    ({"toxic_rate": 0.001, "n": 100}, ValueError),
    ({"seed": None}, TypeError), ({"seed": -1}, ValueError), ({"seed": 1.5}, TypeError),
])
def test_toxic_bad_input(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        toxic_comments(**kwargs)


@pytest.mark.slow
def test_toxic_target_needs_weights_and_tuned_threshold(toxic_default):
    """Worked example 1: recall >= 0.85 at precision >= 0.6 only with weighting + tuned threshold."""
    X, y = toxic_default["text"], toxic_default["label"].to_numpy()
    X_tr, X_ho, y_tr, y_ho = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    X_va, X_te, y_va, y_te = train_test_split(X_ho, y_ho, test_size=0.5, stratify=y_ho, random_state=0)
    vec = TfidfVectorizer()
    A, V, E = vec.fit_transform(X_tr), vec.transform(X_va), vec.transform(X_te)

    plain = LogisticRegression(max_iter=1000).fit(A, y_tr)
    assert recall_score(y_te, plain.predict_proba(E)[:, 1] >= 0.5) < 0.75

    weighted = LogisticRegression(class_weight="balanced", max_iter=1000).fit(A, y_tr)
    p_va, p_te = weighted.predict_proba(V)[:, 1], weighted.predict_proba(E)[:, 1]
    ap = average_precision_score(y_te, p_te)
    assert 0.7 < ap < 0.9
    # Highest threshold whose validation recall is >= 0.85.
    precision, recall, thresholds = precision_recall_curve(y_va, p_va)
    threshold = thresholds[np.flatnonzero(recall[:-1] >= 0.85)[-1]]
    assert precision_score(y_te, p_te >= threshold) >= 0.6
    # 200 test positives: recall at a validation-chosen threshold varies by about +-0.025.
    assert recall_score(y_te, p_te >= threshold) >= 0.8
    # The target is reachable on test: some threshold gives recall >= 0.85 and precision >= 0.6.
    precision, recall, _ = precision_recall_curve(y_te, p_te)
    assert precision[recall >= 0.85].max() >= 0.6


# --- support_intents --------------------------------------------------------------------------

def test_intents_constants_are_consistent():
    assert len(INTENT_TEMPLATES) == 30
    assert len(RARE_INTENTS) == 5 and set(RARE_INTENTS) <= set(INTENT_TEMPLATES)
    for intent, templates in INTENT_TEMPLATES.items():
        assert len(templates) >= 3, intent
        for template in templates:
            assert set(re.findall(r"\{(\w+)\}", template)) <= set(INTENT_SLOTS), template
    shared = {}
    for intent, templates in INTENT_TEMPLATES.items():
        for template in templates:
            shared.setdefault(template, set()).add(intent)
    confusable = [owners for owners in shared.values() if len(owners) > 1]
    assert len(confusable) >= 5
    assert any(owners & set(RARE_INTENTS) for owners in confusable)


def test_intents_shares_rare_and_long_tail():
    for k in range(15):
        n = 1_000 + 1_357 * k
        df = support_intents(n=n, seed=k)
        shares = df["intent"].value_counts(normalize=True)
        assert len(df) == n and len(shares) == 30
        assert set(shares[shares < 0.01].index) == set(RARE_INTENTS)
        assert (shares[list(RARE_INTENTS)] > 0.003).all()
        assert (shares.drop(list(RARE_INTENTS)) >= 0.01).all()
        assert shares.iloc[0] / shares.drop(list(RARE_INTENTS)).iloc[-1] > 5  # long tail


def test_intents_texts_follow_their_templates():
    df = support_intents(n=3_000, seed=1)
    slot_words = {w for values in INTENT_SLOTS.values() for v in values for w in re.findall(r"[a-z]+", v)}
    for intent, group in df.groupby("intent"):
        template_words = {w for t in INTENT_TEMPLATES[intent] for w in re.findall(r"[a-z]+", t)}
        for text in group["text"].head(20):
            words = set(re.findall(r"[a-z]+", text.lower()))
            assert len(words & template_words) >= 2, (intent, text)
            assert words - template_words - slot_words <= set(
                re.findall(r"[a-z]+", "hi hello hey there good morning team excuse me thanks thank you "
                           "please help asap any update cheers thx quickly again actually um just really")), text


def test_intents_deterministic_and_seed_dependent():
    a, b, c = support_intents(seed=3), support_intents(seed=3), support_intents(seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert (a["intent"].value_counts().sort_index() == c["intent"].value_counts().sort_index()).all()


def test_intents_rare_intents_are_learnable_but_not_perfect():
    df = support_intents(seed=0)
    tr, te = train_test_split(df, test_size=0.2, stratify=df["intent"], random_state=0)
    vec = TfidfVectorizer()
    model = LogisticRegression(max_iter=500).fit(vec.fit_transform(tr["text"]), tr["intent"])
    pred = model.predict(vec.transform(te["text"]))
    accuracy = float((pred == te["intent"].to_numpy()).mean())
    assert 0.85 < accuracy < 0.99
    for intent in RARE_INTENTS:
        assert (pred[te["intent"].to_numpy() == intent] == intent).mean() > 0.4, intent


@pytest.mark.parametrize("kwargs, error", [
    ({"n": 999}, ValueError), ({"n": 5000.0}, TypeError), ({"seed": None}, TypeError), ({"seed": -3}, ValueError),
])
def test_intents_bad_input(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        support_intents(**kwargs)


# --- chatterbot_intents -----------------------------------------------------------------------

def test_chatterbot_english_counts():
    df = chatterbot_intents()
    counts = df["category"].value_counts()
    assert list(df.columns) == ["text", "category"]
    assert len(df) == 4_403 and len(counts) == 21
    assert counts["tech support"] == 2_100 and counts["trivia"] == 592 and counts["coding"] == 368
    assert counts["health"] == 9 and counts.idxmin() == "health"
    assert "AI" in counts.index and "artificial intelligence" not in counts.index
    assert df["text"].map(lambda t: isinstance(t, str) and t == t.strip() and t != "").all()


def test_chatterbot_matches_raw_yaml():
    import yaml
    import chatterbot_corpus
    from pathlib import Path

    folder = Path(chatterbot_corpus.__file__).parent / "data" / "english"
    raw = 0
    for path in folder.glob("*.yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw += sum(len(c) for c in doc["conversations"])
    assert raw == 4_419  # 16 blank trivia utterances are dropped
    assert len(chatterbot_intents()) == raw - 16


def test_chatterbot_other_language_and_bad_language():
    df = chatterbot_intents("spanish")
    assert len(df) > 0 and df["category"].nunique() > 1
    with pytest.raises(ValueError, match="language"):
        chatterbot_intents("klingon")


def test_chatterbot_missing_data_is_a_clear_error(tmp_path, monkeypatch):
    import chatterbot_corpus

    (tmp_path / "data" / "english").mkdir(parents=True)
    monkeypatch.setattr(chatterbot_corpus, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(FileNotFoundError, match="chatterbot-corpus"):
        chatterbot_intents()


# --- weighted_toxic_scores ----------------------------------------------------------------------

def test_weighted_scores_are_scikit_learns_pipeline_on_the_group_split():
    from imbalance_kit.datasets import weighted_toxic_scores
    from imbalance_kit.splits import stratified_split

    got = weighted_toxic_scores(seed=7, toxic_rate=0.08, n=2_000)
    df = toxic_comments(n=2_000, toxic_rate=0.08, seed=7)
    train, val, test = stratified_split(df, "label", sizes=(0.5, 0.25, 0.25), groups="dup_group", seed=7)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(solver="liblinear", class_weight="balanced").fit(vec.fit_transform(train["text"]),
                                                                               train["label"])
    for name, part in zip(["train", "validation", "test"], [train, val, test]):
        assert list(got[name].columns) == ["comment_id", "text", "label", "score"]
        assert got[name]["comment_id"].tolist() == part["comment_id"].tolist()
        assert got[name]["label"].tolist() == part["label"].tolist()
        np.testing.assert_allclose(got[name]["score"], clf.predict_proba(vec.transform(part["text"]))[:, 1],
                                   rtol=0, atol=1e-12)
    groups = [set(df.loc[df["comment_id"].isin(got[s]["comment_id"]), "dup_group"]) for s in got]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


def test_weighted_scores_are_deterministic_and_inflated():
    from imbalance_kit.datasets import weighted_toxic_scores

    a, b = weighted_toxic_scores(seed=3), weighted_toxic_scores(seed=3)
    assert all(a[s].equals(b[s]) for s in a)
    assert not a["test"]["score"].equals(weighted_toxic_scores(seed=4)["test"]["score"])
    for part in a.values():  # balanced weights imitate a 50/50 prior: mean p far above the rate
        assert part["score"].mean() > 2 * part["label"].mean()


def test_weighted_scores_reject_bad_arguments():
    from imbalance_kit.datasets import weighted_toxic_scores

    with pytest.raises(ValueError, match="toxic_rate"):
        weighted_toxic_scores(toxic_rate=0.7)
    with pytest.raises(ValueError, match="n"):
        weighted_toxic_scores(n=100)
