"""Seeded labeling pools (syllabus Exercise 2 and the mini challenge), and the support tickets.

:func:`labeling_pool` writes a pool of items from several sources in one domain (see
:mod:`imbalance_kit.datasets.domains`: support tickets with fraud as the rare class, or messages
with abuse as the rare class). Each item has a source, a hidden 0/1 label (1 = the rare class), a
``dup_group`` (near-duplicate copies share their original's group) and a ``seed_score`` from the
domain's own weak keyword rule, which finds the rare class with imperfect precision and recall:

- a positive carries a keyword cue with probability ``cue_rate`` (otherwise only soft wording
  such as "unauthorized" or "hacked", which the rule misses, so rule recall < 1);
- a negative carries a keyword in a benign context ("a refund for the damaged lamp") with
  probability ``false_cue_rate`` (false rule hits, so rule precision < 1).

With the defaults on :func:`support_tickets` the rule's precision and recall are (computed here,
not typed; ``tests/kit/test_tickets.py`` checks the ranges):

>>> df = support_tickets()
>>> hit = df["seed_score"] > 0
>>> precision = (hit & (df["label"] == 1)).sum() / hit.sum()
>>> recall = (hit & (df["label"] == 1)).sum() / (df["label"] == 1).sum()
>>> round(float(precision), 2), round(float(recall), 2)
(0.36, 0.8)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_fraction, check_int, check_number_mapping, check_seed, check_shares
from ..labeling.rules import seed_candidates
from ..rounding import largest_remainder
from .domains import DOMAINS, FRAUD_KEYWORDS, PoolDomain

__all__ = ["labeling_pool", "support_tickets", "FRAUD_KEYWORDS", "FRAUD_LIFT", "SUPPORT_SHARES",
           "SUPPORT_FRAUD_RATE", "SUPPORT_FRAUD_RATES"]

SUPPORT_SHARES = {"Email": 0.6, "Chat": 0.3, "Social": 0.1}
#: The support tickets' overall fraud rate, and each source's rate relative to it (share-weighted
#: mean exactly 1): fraud is under-represented in the largest source, Email.
SUPPORT_FRAUD_RATE = 0.02
FRAUD_LIFT = {"Email": 0.5, "Chat": 1.5, "Social": 2.5}
#: Fraud rate per source: Email 0.010, Chat 0.030, Social 0.050.
SUPPORT_FRAUD_RATES = {s: round(SUPPORT_FRAUD_RATE * lift, 6) for s, lift in FRAUD_LIFT.items()}


def _derive_rates(shares: dict, positive_rate: float, rng) -> dict:
    # Seeded log-normal multipliers (sigma 0.5), rescaled so the share-weighted mean is exact.
    mult = np.exp(rng.normal(0.0, 0.5, size=len(shares)))
    w = np.array(list(shares.values()))
    rates = positive_rate * mult / float(w @ mult)
    if rates.max() > 1:
        raise ValueError(f"positive_rate={positive_rate} is too high to vary across sources; "
                         "pass source_positive_rates explicitly")
    return dict(zip(shares, rates.tolist()))


def labeling_pool(n, source_shares, positive_rate, source_positive_rates=None, dup_rate=0.05,
                  seed=0, *, domain="tickets", cue_rate=0.8, false_cue_rate=0.03) -> pd.DataFrame:
    """Generate an unlabeled pool (with hidden truth) from several sources of one domain.

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
    seed : int >= 0, the generator seed (same seed, same pool).
    domain : "tickets" (support tickets, fraud = 1), "abuse" (messages, abuse = 1), or a
        :class:`~imbalance_kit.datasets.domains.PoolDomain`: how the texts are written and
        which weak rule scores them.
    cue_rate, false_cue_rate : chance that a positive / a negative contains one of the domain's
        keywords (see the module docstring).

    Returns
    -------
    DataFrame with ``item_id`` (0..n-1), ``text``, ``source``, ``label`` (hidden truth, 0/1),
    ``dup_group`` (int; equals ``item_id`` for originals) and ``seed_score`` (the domain's weak
    rule, :func:`~imbalance_kit.labeling.seed_candidates` of ``domain.rules``: what
    :func:`~imbalance_kit.labeling.simulate_waves` seeds with). Each source holds exactly
    ``round(n_source * rate_source)`` positives.

    >>> df = labeling_pool(1_000, {"A": 0.5, "B": 0.5}, 0.1, {"A": 0.04, "B": 0.16})
    >>> df.groupby("source")["label"].sum().to_dict()
    {'A': 20, 'B': 80}
    """
    n = check_int(n, "n", minimum=1)
    shares = {str(s): v for s, v in check_shares(source_shares, "source_shares").items()}
    positive_rate = check_fraction(positive_rate, "positive_rate")
    dup_rate = check_fraction(dup_rate, "dup_rate", closed="left")  # some originals are needed
    check_fraction(cue_rate, "cue_rate")
    check_fraction(false_cue_rate, "false_cue_rate")
    if isinstance(domain, str):
        if domain not in DOMAINS:
            raise ValueError(f"domain must be one of {sorted(DOMAINS)} or a PoolDomain, got {domain!r}")
        domain = DOMAINS[domain]
    elif not isinstance(domain, PoolDomain):
        raise TypeError(f"domain must be one of {sorted(DOMAINS)} or a PoolDomain, got {type(domain).__name__}")
    rng = np.random.default_rng(check_seed(seed))
    if source_positive_rates is None:
        rates = _derive_rates(shares, positive_rate, rng)
    else:
        check_number_mapping(source_positive_rates, "source_positive_rates", "source")
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
                pool = domain.positive_cue if rng.random() < cue_rate else domain.positive_soft
            else:
                pool = domain.negative_cue if rng.random() < false_cue_rate else domain.negative
            rows.append((domain.render(pool[rng.integers(len(pool))], src, rng), src, int(y)))
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
                edit = domain.dup_edits[rng.integers(len(domain.dup_edits))]
                text[c], group[c] = edit.format(t=text[o]), group[o]
        df["text"] = pd.Series(text, dtype="str")
        df["dup_group"] = group
    df["seed_score"] = seed_candidates(df, domain.rules)
    return df


def support_tickets(n=20_000, seed=0) -> pd.DataFrame:
    """The course's 20,000 support tickets: Email 60 % / Chat 30 % / Social 10 %, fraud = 1.

    Fraud rates per source are Email 0.010, Chat 0.030, Social 0.050 (:data:`SUPPORT_FRAUD_RATES`;
    overall :data:`SUPPORT_FRAUD_RATE` = 0.02 times :data:`FRAUD_LIFT`), so fraud is
    under-represented in the largest source, Email.

    >>> df = support_tickets()
    >>> df["source"].value_counts().to_dict()
    {'Email': 12000, 'Chat': 6000, 'Social': 2000}
    >>> df.groupby("source")["label"].sum().to_dict(), int(df["label"].sum())
    ({'Chat': 180, 'Email': 120, 'Social': 100}, 400)
    """
    return labeling_pool(n, SUPPORT_SHARES, SUPPORT_FRAUD_RATE, SUPPORT_FRAUD_RATES, seed=seed,
                         domain="tickets")
