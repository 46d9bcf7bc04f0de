"""The abuse pool: its own texts and keywords, the shares and lifts the mini challenge uses."""
import re

import numpy as np
import pytest

from imbalance_kit.datasets import abuse_messages, labeling_pool
from imbalance_kit.datasets.abuse import ABUSE_LIFT, ABUSE_SHARES
from imbalance_kit.datasets.domains import ABUSE, ABUSE_KEYWORDS, FRAUD_KEYWORDS


@pytest.fixture(scope="module")
def messages():
    return abuse_messages()


def test_counts_follow_shares_and_lifts(messages):
    assert sum(ABUSE_SHARES[s] * ABUSE_LIFT[s] for s in ABUSE_SHARES) == pytest.approx(1.0)
    for src, share in ABUSE_SHARES.items():
        part = messages[messages["source"] == src]
        assert len(part) == round(40_000 * share)
        assert part["label"].sum() == round(len(part) * 0.01 * ABUSE_LIFT[src])


def test_abuse_rule_is_weak_and_fraud_keywords_never_fire(messages):
    y = messages["label"].to_numpy() == 1
    hit = messages["seed_score"].to_numpy() > 0
    precision, recall = (hit & y).sum() / hit.sum(), (hit & y).sum() / y.sum()
    # cue_rate 0.8 gives recall ~0.8; false_cue_rate 0.03 on 99 % negatives gives precision ~0.2.
    assert 0.7 < recall < 0.9 and 0.12 < precision < 0.35
    assert precision > 10 * y.mean()
    fraud = messages["text"].str.contains("|".join(map(re.escape, FRAUD_KEYWORDS)), case=False)
    assert not fraud.any()
    abuse = messages["text"].str.contains("|".join(map(re.escape, ABUSE_KEYWORDS)), case=False)
    assert (abuse.to_numpy() == hit).all()


def test_soft_templates_carry_no_keyword_and_cue_templates_do():
    rule = ABUSE.rules[0]
    assert rule.matches(list(ABUSE.positive_cue) + list(ABUSE.negative_cue)).all()
    assert not rule.matches(list(ABUSE.positive_soft) + list(ABUSE.negative)).any()


def test_same_as_labeling_pool_with_the_abuse_domain(messages):
    rate = 0.015
    direct = labeling_pool(40_000, ABUSE_SHARES, rate, {s: rate * ABUSE_LIFT[s] for s in ABUSE_SHARES},
                           seed=0, domain="abuse")
    assert direct.equals(abuse_messages(positive_rate=rate))
    assert np.array_equal(messages["label"], abuse_messages()["label"])
    with pytest.raises(ValueError, match="positive_rate"):
        abuse_messages(positive_rate=0.5)
