"""Seeded support-ticket pools for labeling-under-a-budget exercises (syllabus Exercise 2).

Each item has a source channel, a hidden 0/1 label (1 = the rare class, "fraud") and a
``dup_group``: near-duplicate copies share their original's group. Texts are built from templates
so that a keyword rule over :data:`FRAUD_KEYWORDS` finds fraud with imperfect precision and recall:

- a positive carries a keyword cue with probability ``cue_rate`` (otherwise only soft wording
  such as "unauthorized" or "hacked", which the rule misses, so rule recall < 1);
- a negative carries a keyword in a benign context ("a refund for the damaged lamp") with
  probability ``false_cue_rate`` (false rule hits, so rule precision < 1).

With the defaults on :func:`support_tickets` the rule's precision and recall are (computed here,
not typed; ``tests/kit/test_tickets.py`` checks the ranges):

>>> import re
>>> df = support_tickets()
>>> hit = df["text"].str.contains("|".join(map(re.escape, FRAUD_KEYWORDS)), case=False)
>>> precision = (hit & (df["label"] == 1)).sum() / hit.sum()
>>> recall = (hit & (df["label"] == 1)).sum() / (df["label"] == 1).sum()
>>> round(float(precision), 2), round(float(recall), 2)
(0.36, 0.8)
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validation import check_fraction
from ..labeling import largest_remainder

# Lower-case; matched case-insensitively as substrings by the course's keyword rule.
FRAUD_KEYWORDS = ("refund", "chargeback", "gift card", "verify account", "wire transfer")

SUPPORT_SHARES = {"Email": 0.6, "Chat": 0.3, "Social": 0.1}
SUPPORT_FRAUD_RATES = {"Email": 0.010, "Chat": 0.030, "Social": 0.050}

_OPENERS = {
    "Email": ["Hello support team,", "Dear customer service,", "Hi,", "Good morning,"],
    "Chat": ["hi", "hey there", "hello?", "quick question:"],
    "Social": ["@ShopSupport", "@ShopHelp hey", "yo @ShopSupport", "@ShopSupport pls"],
}
_CLOSERS = {
    "Email": ["Kind regards, {name}", "Thanks, {name}", "Best, {name}", "Sincerely, {name}"],
    "Chat": ["thx", "thanks", "ok?", ""],
    "Social": ["#help", "#fail", "smh", "!!"],
}
_NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo"]
_ITEMS = ["lamp", "jacket", "phone case", "blender", "headphones", "desk", "kettle", "backpack"]

# Fraud with a keyword cue (the rule fires).
_FRAUD_CUE = [
    "someone asked me to buy a gift card to unlock my order #{order}",
    "I got a text telling me to verify account details through a strange link",
    "there is a chargeback on order #{order} for a {item} I never bought",
    "a caller said I must send a wire transfer to release my refund",
    "your 'agent' wants a gift card code before shipping my {item}",
    "I was told to verify account ownership by paying a fee, is this real?",
    "a refund of $900 appeared and they want me to send the money back by wire transfer",
    "my bank shows a chargeback I did not request and a new card on file",
]
# Fraud without a keyword (the rule misses it; a model can still learn the soft wording).
_FRAUD_SOFT = [
    "there are unauthorized charges for a {item} on my card",
    "someone logged into my account from another country and changed the email",
    "my account was hacked and order #{order} was shipped to a stranger",
    "I received a suspicious call from someone pretending to be your staff",
    "a stolen card was used to buy {item}s with my account",
    "unknown purchases keep showing up, I never made order #{order}",
]
# Ordinary tickets that happen to contain a keyword (false rule hits).
_BENIGN_CUE = [
    "I would like a refund for the damaged {item} from order #{order}",
    "can I pay for a bulk order of {item}s by wire transfer?",
    "do you sell a gift card I can give as a birthday present?",
    "how long does a refund take after I return the {item}?",
    "the app asks me to verify account email but the link expired",
]
_BENIGN = [
    "where is my order #{order}? it says shipped a week ago",
    "the {item} arrived with a scratch on the side",
    "how do I reset my password on the app?",
    "can I change the delivery address for order #{order}?",
    "the app keeps crashing when I open my cart",
    "I want to cancel my subscription at the end of the month",
    "question about the invoice for my {item}",
    "my discount code does not work at checkout",
    "do you ship the {item} in other colours?",
    "love the new {item}, great quality",
    "the size of the {item} is smaller than listed",
    "is order #{order} eligible for express shipping?",
]
# Near-duplicate edits: reposts, forwards, a changed closing.
_DUP_EDITS = ("Fwd: {t}", "{t} (sent again)", "{t}!!", "Re: {t}", "{t} any update?")


def _check_shares(shares, name: str) -> dict:
    if not isinstance(shares, Mapping) or len(shares) == 0:
        raise ValueError(f"{name} must be a non-empty mapping source -> share")
    out = {}
    for src, v in shares.items():
        check_fraction(v, f"{name}[{src!r}]")
        out[str(src)] = float(v)
    if abs(sum(out.values()) - 1.0) > 1e-6:
        raise ValueError(f"{name} must sum to 1, got {sum(out.values()):.6g}")
    return out


def _derive_rates(shares: dict, positive_rate: float, rng) -> dict:
    # Seeded log-normal multipliers (sigma 0.5), rescaled so the share-weighted mean is exact.
    mult = np.exp(rng.normal(0.0, 0.5, size=len(shares)))
    w = np.array(list(shares.values()))
    rates = positive_rate * mult / float(w @ mult)
    if rates.max() > 1:
        raise ValueError(f"positive_rate={positive_rate} is too high to vary across sources; "
                         "pass source_positive_rates explicitly")
    return dict(zip(shares, rates.tolist()))


def _render(template: str, source: str, rng) -> str:
    core = template.format(order=rng.integers(10_000, 99_999), item=_ITEMS[rng.integers(len(_ITEMS))])
    opener = _OPENERS[source][rng.integers(4)] if source in _OPENERS else ""
    closer = _CLOSERS[source][rng.integers(4)] if source in _CLOSERS else ""
    closer = closer.format(name=_NAMES[rng.integers(len(_NAMES))])
    return " ".join(p for p in (opener, core, closer) if p)


def labeling_pool(n, source_shares, positive_rate, source_positive_rates=None, dup_rate=0.05,
                  seed=0, *, cue_rate=0.8, false_cue_rate=0.03) -> pd.DataFrame:
    """Generate an unlabeled pool (with hidden truth) from several sources.

    Parameters
    ----------
    n : int, pool size (>= 1).
    source_shares : mapping source -> share of the pool, summing to 1. Per-source sizes are
        ``n * share`` rounded by largest remainder, so they sum to ``n`` exactly.
    positive_rate : float in [0, 1], overall rate of label 1.
    source_positive_rates : mapping source -> rate, optional. If given, its share-weighted mean
        must equal ``positive_rate`` (within 0.001). If None, rates are
        ``positive_rate * m_s / sum_s(share_s * m_s)`` with seeded multipliers
        ``m_s = exp(N(0, 0.5**2))``, so they differ across sources and average to
        ``positive_rate``.
    dup_rate : float in [0, 1), share of items rewritten as near-duplicates of another item of the
        same source and label; a copy takes its original's ``dup_group``.
    seed : int, the generator seed (same seed, same pool).
    cue_rate, false_cue_rate : chance that a positive / a negative contains a keyword from
        :data:`FRAUD_KEYWORDS` (see the module docstring).

    Returns
    -------
    DataFrame with ``item_id`` (0..n-1), ``text``, ``source``, ``label`` (hidden truth, 0/1) and
    ``dup_group`` (int; equals ``item_id`` for originals). Each source holds exactly
    ``round(n_source * rate_source)`` positives.

    >>> df = labeling_pool(1_000, {"A": 0.5, "B": 0.5}, 0.1, {"A": 0.04, "B": 0.16})
    >>> df.groupby("source")["label"].sum().to_dict()
    {'A': 20, 'B': 80}
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    shares = _check_shares(source_shares, "source_shares")
    positive_rate = check_fraction(positive_rate, "positive_rate")
    dup_rate = check_fraction(dup_rate, "dup_rate", 0.0, 1.0)
    if dup_rate >= 1:
        raise ValueError(f"dup_rate must be below 1 (some originals are needed), got {dup_rate}")
    check_fraction(cue_rate, "cue_rate")
    check_fraction(false_cue_rate, "false_cue_rate")
    rng = np.random.default_rng(seed)
    if source_positive_rates is None:
        rates = _derive_rates(shares, positive_rate, rng)
    else:
        if not isinstance(source_positive_rates, Mapping):
            raise TypeError("source_positive_rates must be a mapping source -> rate")
        unknown = set(map(str, source_positive_rates)) ^ set(shares)
        if unknown:
            raise ValueError(f"source_positive_rates and source_shares must name the same sources; "
                             f"mismatch: {sorted(unknown)}")
        rates = {str(s): check_fraction(r, f"source_positive_rates[{s!r}]")
                 for s, r in source_positive_rates.items()}
        mean = sum(shares[s] * rates[s] for s in shares)
        if abs(mean - positive_rate) > 1e-3:
            raise ValueError(f"source_positive_rates average to {mean:.4g} (share-weighted), "
                             f"not positive_rate={positive_rate}")

    sizes = largest_remainder([shares[s] * n for s in shares], n)
    rows = []
    for src, size in zip(shares, sizes):
        n_pos = int(round(size * rates[src]))
        labels = np.r_[np.ones(n_pos, int), np.zeros(size - n_pos, int)]
        for y in labels:
            if y == 1:
                pool = _FRAUD_CUE if rng.random() < cue_rate else _FRAUD_SOFT
            else:
                pool = _BENIGN_CUE if rng.random() < false_cue_rate else _BENIGN
            rows.append((_render(pool[rng.integers(len(pool))], src, rng), src, int(y)))
    df = pd.DataFrame(rows, columns=["text", "source", "label"])
    df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    df.insert(0, "item_id", np.arange(n))
    df["dup_group"] = np.arange(n)

    # Near-duplicates: each chosen item becomes an edited copy of an original of its own
    # (source, label) stratum, so counts per source and label stay exact.
    n_dup = int(round(dup_rate * n))
    if n_dup:
        text = df["text"].to_numpy(dtype=object).copy()
        group = df["dup_group"].to_numpy().copy()
        is_copy = np.zeros(n, bool)
        is_copy[rng.choice(n, size=n_dup, replace=False)] = True
        for _, idx in df.groupby(["source", "label"], sort=True).indices.items():
            originals = idx[~is_copy[idx]]
            copies = idx[is_copy[idx]]
            if len(originals) == 0:  # a stratum made only of copies keeps them as originals
                continue
            for c in copies:
                o = originals[rng.integers(len(originals))]
                edit = _DUP_EDITS[rng.integers(len(_DUP_EDITS))]
                text[c], group[c] = edit.format(t=text[o]), group[o]
        df["text"] = pd.Series(text, dtype="str")
        df["dup_group"] = group
    return df


def support_tickets(n=20_000, seed=0) -> pd.DataFrame:
    """The course's 20,000 support tickets: Email 60 % / Chat 30 % / Social 10 %, fraud = 1.

    Fraud rates per source are Email 0.010, Chat 0.030, Social 0.050 (overall 0.020), so fraud
    is under-represented in the largest source, Email.

    >>> df = support_tickets()
    >>> df["source"].value_counts().to_dict()
    {'Email': 12000, 'Chat': 6000, 'Social': 2000}
    >>> df.groupby("source")["label"].sum().to_dict(), int(df["label"].sum())
    ({'Chat': 180, 'Email': 120, 'Social': 100}, 400)
    """
    return labeling_pool(n, SUPPORT_SHARES, 0.02, SUPPORT_FRAUD_RATES, seed=seed)
