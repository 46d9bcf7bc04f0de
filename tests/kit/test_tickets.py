"""Support-ticket pools: exact per-source counts, rule precision/recall, duplicates, bad input."""
import re

import numpy as np
import pandas as pd
import pytest

from imbalance_kit.datasets import labeling_pool, support_tickets
from imbalance_kit.datasets.tickets import FRAUD_KEYWORDS

SHARES = {"Email": 0.6, "Chat": 0.3, "Social": 0.1}
RATES = {"Email": 0.010, "Chat": 0.030, "Social": 0.050}


@pytest.fixture(scope="module")
def tickets():
    return support_tickets()


def rule_hits(texts):
    return texts.str.contains("|".join(map(re.escape, FRAUD_KEYWORDS)), case=False).to_numpy()


def test_support_tickets_schema_and_counts(tickets):
    assert list(tickets.columns) == ["item_id", "text", "source", "label", "dup_group", "seed_score"]
    assert len(tickets) == 20_000
    assert tickets["item_id"].tolist() == list(range(20_000))
    assert tickets["label"].isin([0, 1]).all()
    assert all(isinstance(t, str) and t for t in tickets["text"])
    for src, share in SHARES.items():
        part = tickets[tickets["source"] == src]
        assert len(part) == round(20_000 * share)
        assert part["label"].sum() == round(len(part) * RATES[src])
    assert tickets["label"].mean() == pytest.approx(0.02)


def test_fraud_under_represented_in_email(tickets):
    rate = tickets.groupby("source")["label"].mean()
    assert rate["Email"] < tickets["label"].mean() < rate["Chat"] < rate["Social"]


def test_rule_precision_and_recall_are_imperfect(tickets):
    hit, y = rule_hits(tickets["text"]), tickets["label"].to_numpy() == 1
    precision, recall = (hit & y).sum() / hit.sum(), (hit & y).sum() / y.sum()
    # cue_rate=0.8 gives recall ~0.8; false_cue_rate=0.03 on 98 % negatives gives ~0.35 precision.
    assert 0.7 < recall < 0.9
    assert 0.25 < precision < 0.5
    # The rule beats the base rate by an order of magnitude, but is far from perfect.
    assert precision > 10 * y.mean()


def test_rule_recall_follows_cue_rates():
    for seed in range(5):
        df = labeling_pool(4_000, {"A": 1.0}, 0.25, cue_rate=0.6, false_cue_rate=0.1, dup_rate=0, seed=seed)
        hit, y = rule_hits(df["text"]), df["label"].to_numpy() == 1
        assert abs(hit[y].mean() - 0.6) < 0.05
        assert abs(hit[~y].mean() - 0.1) < 0.02


def test_same_seed_same_pool_other_seed_other_pool(tickets):
    pd.testing.assert_frame_equal(tickets, support_tickets())
    assert not tickets["text"].equals(support_tickets(seed=1)["text"])


def test_duplicates_share_source_label_and_text(tickets):
    group = tickets["dup_group"].to_numpy()
    copies = tickets[group != tickets["item_id"].to_numpy()]
    assert len(copies) == round(0.05 * 20_000)
    originals = tickets.set_index("item_id").loc[copies["dup_group"]]
    assert (originals["source"].to_numpy() == copies["source"].to_numpy()).all()
    assert (originals["label"].to_numpy() == copies["label"].to_numpy()).all()
    assert all(o in c for o, c in zip(originals["text"], copies["text"]))
    # An original is never itself a copy, so groups are stars around their original.
    assert (originals.index.to_numpy() == originals["dup_group"].to_numpy()).all()


def test_derived_rates_average_to_positive_rate_and_differ():
    shares = {"A": 0.5, "B": 0.3, "C": 0.2}
    spreads = []
    for seed in range(30):
        df = labeling_pool(2_000, shares, 0.1, seed=seed, dup_rate=0.0)
        sizes = df["source"].value_counts()
        assert sizes.to_dict() == {"A": 1000, "B": 600, "C": 400}
        rates = df.groupby("source")["label"].mean()
        # Per-source rounding moves each count by <= 0.5, so the total is within K/2 of n*rate.
        assert abs(df["label"].sum() - 200) <= 1.5
        spreads.append(rates.max() - rates.min())
    assert min(spreads) > 0.001  # rates always differ across sources
    rates0 = labeling_pool(5_000, shares, 0.04, seed=0).groupby("source")["label"].mean()
    rates1 = labeling_pool(5_000, shares, 0.04, seed=1).groupby("source")["label"].mean()
    assert not np.allclose(rates0, rates1)  # seeded, not fixed


def test_tiny_and_degenerate_pools():
    df = labeling_pool(1, {"A": 1.0}, 0.0)
    assert len(df) == 1 and df["label"].sum() == 0
    df = labeling_pool(50, {"A": 0.5, "B": 0.5}, 1.0, {"A": 1.0, "B": 1.0})
    assert df["label"].sum() == 50


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n=0), ValueError, "n must be a positive integer, got 0"),
    (dict(n=-5), ValueError, "n must be a positive integer"),
    (dict(n=2.5), TypeError, "n must be an integer, got float"),
    (dict(source_shares={}), ValueError, "source_shares is empty"),
    (dict(source_shares=[0.5, 0.5]), TypeError, "source_shares must be a mapping source -> number"),
    (dict(source_shares={"A": 0.7, "B": 0.7}), ValueError, "must sum to 1"),
    (dict(source_shares={"A": -0.5, "B": 1.5}), ValueError, r"source_shares\['A'\]"),
    (dict(positive_rate=1.5), ValueError, "positive_rate"),
    (dict(source_positive_rates={"A": 0.1}), ValueError, "same sources"),
    (dict(source_positive_rates={"A": 0.1, "B": 0.3}), ValueError, "average to"),
    (dict(source_positive_rates=0.1), TypeError, "source_positive_rates must be a mapping"),
    (dict(dup_rate=1.0), ValueError, r"dup_rate must be in \[0, 1\), got 1"),
    (dict(dup_rate=-0.1), ValueError, "dup_rate"),
    (dict(positive_rate=0.99, source_positive_rates=None, source_shares={"A": 0.9, "B": 0.1}),
     ValueError, "too high"),
    (dict(domain="fraud"), ValueError, r"domain must be one of \['abuse', 'tickets'\]"),
    (dict(domain=None), TypeError, "domain must be one of"),
    (dict(seed=None), TypeError, "seed must be an integer"),
])
def test_bad_input(kwargs, exc, match):
    args = dict(n=100, source_shares={"A": 0.5, "B": 0.5}, positive_rate=0.1,
                source_positive_rates={"A": 0.05, "B": 0.15})
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        labeling_pool(**args)


def test_lifts_shares_and_rates_are_one_fact():
    from imbalance_kit.datasets.tickets import (FRAUD_LIFT, SUPPORT_FRAUD_RATE, SUPPORT_FRAUD_RATES,
                                                SUPPORT_SHARES)

    assert SUPPORT_SHARES == SHARES and SUPPORT_FRAUD_RATES == RATES
    assert sum(SUPPORT_SHARES[s] * FRAUD_LIFT[s] for s in SUPPORT_SHARES) == pytest.approx(1.0)
    assert SUPPORT_FRAUD_RATES == pytest.approx({s: SUPPORT_FRAUD_RATE * FRAUD_LIFT[s] for s in FRAUD_LIFT})


def test_seed_score_is_the_fraud_keyword_rule(tickets):
    assert (tickets["seed_score"] == rule_hits(tickets["text"]).astype(float)).all()


def test_ticket_templates_put_keywords_only_in_cue_texts():
    from imbalance_kit.datasets.domains import TICKETS

    rule = TICKETS.rules[0]
    assert rule.matches(list(TICKETS.positive_cue) + list(TICKETS.negative_cue)).all()
    assert not rule.matches(list(TICKETS.positive_soft) + list(TICKETS.negative)).any()
