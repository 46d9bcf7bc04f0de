"""Synthetic news NER with a rare entity type: PER, ORG, LOC are common, DRUG is rare.

Drug names are real generic names built as stem + suffix (``"atorva" + "statin"``), so
suffix rules find most of them, but not all: some drugs have no telltale suffix, and some
non-drug words end like one ("April", the desert "Kavir", the first name "Elvir").
``DRUG_LEXICON`` lists only part of the drugs, so mining needs both lexicon and rules.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_fraction, check_int, check_seed

_STEMS = {
    "mab": ["adalimu", "inflixi", "rituxi", "trastuzu", "pembrolizu", "nivolu"],
    "pril": ["lisino", "enala", "rami", "capto"],
    "olol": ["metopr", "aten", "propran", "bisopr"],
    "statin": ["atorva", "simva", "rosuva", "prava"],
    "cillin": ["amoxi", "ampi", "peni", "flucloxa"],
    "prazole": ["ome", "panto", "lanso", "esome"],
    "azole": ["flucon", "metronid", "ketocon", "itracon"],
    "vir": ["acyclo", "oseltami", "remdesi", "valacyclo"],
    "sartan": ["lo", "val", "irbe", "cande"],
    "tinib": ["ima", "erlo", "gefi"],
}
# Drugs without one of the usual suffixes: suffix rules miss them unless the lexicon has them.
_PLAIN_DRUGS = [
    "aspirin", "ibuprofen", "paracetamol", "metformin", "warfarin", "heparin", "morphine",
    "prednisone", "tamoxifen", "digoxin", "diazepam", "sertraline", "gabapentin", "clopidogrel",
    "insulin glargine", "interferon beta",
]
DRUGS = tuple(stem + suffix for suffix, stems in _STEMS.items() for stem in stems) + tuple(_PLAIN_DRUGS)

#: A partial drug list, as a curated resource would be: every other suffixed drug plus the
#: best-known plain ones. Drugs outside it are found only by suffix rules, if at all.
DRUG_LEXICON = tuple(sorted(
    [d for i, d in enumerate(DRUGS[: -len(_PLAIN_DRUGS)]) if i % 2 == 0]
    + ["aspirin", "ibuprofen", "paracetamol", "metformin", "insulin"]
))

_FIRST = ["Anna", "James", "Maria", "Wei", "Fatima", "Lars", "Priya", "Tom", "Sofia",
          "Kenji", "Olga", "Carlos", "Amara", "David", "Lena"]
_LAST = ["Smith", "Garcia", "Chen", "Okafor", "Novak", "Jensen", "Patel", "Rossi", "Kim",
         "Schmidt", "Haddad", "Silva", "Müller", "Brown"]
_ORG = ["Reuters", "United Nations", "World Health Organization", "Acme Corp", "Globex",
        "Northwind Bank", "Bayer", "Pfizer", "European Commission", "Red Cross", "Tesla",
        "Oxford University", "Central Bank", "Apex Logistics"]
_LOC = ["Berlin", "Paris", "New York", "Lagos", "Tokyo", "São Paulo", "Cairo", "Mumbai",
        "Toronto", "Lisbon", "Nairobi", "Hong Kong", "Oslo"]
_MONTHS = ["January", "March", "April", "May", "June", "October"]
_POOL = {"ORG": _ORG, "LOC": _LOC, "DRUG": list(DRUGS)}
# Non-drug words with a drug-like suffix, drawn now and then in place of a normal name.
_TRAPS = {"PER": "Elvir", "LOC": "Kavir"}
_TRAP_RATE = 0.01

_COMMON = [
    "{PER} met {PER} in {LOC} on Monday .",
    "{ORG} opened a new office in {LOC} .",
    "{PER} , a spokesperson for {ORG} , declined to comment .",
    "Shares of {ORG} fell after {PER} resigned .",
    "The summit in {LOC} will take place in {MONTH} .",
    "{PER} was born in {LOC} and studied at {ORG} .",
    "Officials in {LOC} said the storm had passed .",
    "The report was published by {ORG} on Friday .",
    "Talks between {ORG} and {ORG} resumed in {LOC} .",
    "Prices rose again last month , analysts said .",
    "{PER} won the election by a narrow margin .",
    "Flights from {LOC} to {LOC} were cancelled .",
]
_WITH_DRUG = [
    "Doctors in {LOC} prescribed {DRUG} to the patients .",
    "{ORG} said {DRUG} reduced symptoms in a small trial .",
    "A study of {DRUG} was led by {PER} .",
    "Regulators approved {DRUG} for use in {LOC} .",
    "{PER} said patients taking {DRUG} and {DRUG} should consult a doctor .",
    "Supplies of {DRUG} ran low in {LOC} in {MONTH} .",
]


def _fill(template: str, rng: np.random.Generator) -> tuple[list, list]:
    tokens, tags = [], []
    for piece in template.split():
        if piece.startswith("{") and piece.endswith("}"):
            etype = piece[1:-1]
            if etype == "MONTH":  # not an entity
                tokens.append(_MONTHS[rng.integers(len(_MONTHS))])
                tags.append("O")
                continue
            if etype in _TRAPS and rng.random() < _TRAP_RATE:
                words = [_TRAPS[etype]]
            elif etype == "PER":
                words = [_FIRST[rng.integers(len(_FIRST))]]
                if rng.random() < 0.8:
                    words.append(_LAST[rng.integers(len(_LAST))])
            else:
                pool = _POOL[etype]
                words = pool[rng.integers(len(pool))].split()
            tokens += words
            tags += [f"B-{etype}"] + [f"I-{etype}"] * (len(words) - 1)
        else:
            tokens.append(piece)
            tags.append("O")
    return tokens, tags


def news_ner(n_docs: int = 600, sentences_per_doc=(3, 8), drug_rate: float = 0.04, seed: int = 0) -> pd.DataFrame:
    """Seeded news-style NER corpus, one row per sentence, IOB2 tags with a rare DRUG type.

    Parameters
    ----------
    n_docs : number of documents.
    sentences_per_doc : (low, high), inclusive range of sentences per document.
    drug_rate : probability that a sentence mentions a drug (about that share of sentences
        gets one or two DRUG entities; most documents have none).
    seed : same seed, same corpus.

    Returns
    -------
    DataFrame with columns ``doc_id``, ``sentence_id`` (position within the document),
    ``tokens`` (list of str) and ``tags`` (list of IOB2 str: PER, ORG, LOC, DRUG).

    >>> df = news_ner(n_docs=50, seed=0)
    >>> list(df.columns)
    ['doc_id', 'sentence_id', 'tokens', 'tags']
    >>> df.tokens.map(len).equals(df.tags.map(len))
    True
    """
    n_docs = check_int(n_docs, "n_docs", minimum=1)
    try:
        low, high = (int(x) for x in sentences_per_doc)
    except (TypeError, ValueError):
        raise ValueError(f"sentences_per_doc must be (low, high), got {sentences_per_doc!r}") from None
    if not 1 <= low <= high:
        raise ValueError(f"sentences_per_doc must satisfy 1 <= low <= high, got {sentences_per_doc!r}")
    check_fraction(drug_rate, "drug_rate")
    rng = np.random.default_rng(check_seed(seed))
    rows = []
    for d in range(int(n_docs)):
        for s in range(int(rng.integers(low, high + 1))):
            pool = _WITH_DRUG if rng.random() < drug_rate else _COMMON
            tokens, tags = _fill(pool[rng.integers(len(pool))], rng)
            rows.append((d, s, tokens, tags))
    return pd.DataFrame(rows, columns=["doc_id", "sentence_id", "tokens", "tags"])
