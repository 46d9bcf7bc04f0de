"""Data of the three practical projects, split into public parts and a held-out test part.

Every part is a pure function of ``seed``: learners use seed 0 (including a public ``test`` part
for self-checks), the grader draws the hidden test part with a seed only it knows, so its labels
never exist on the learner's side. No near-duplicate crosses parts: toxic comments are split by
duplicate group (the generator's planted copies plus texts equal after
:func:`imbalance_kit.dedup.normalize_text`); intents and news sentences of a ``test`` part that
repeat a text of the training or validation parts (of ``train_seed``) are dropped.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .._validation import check_in_choices, check_seed
from ..dedup import exact_duplicates, normalize_text

PARTS = {
    "toxicity": ("pool", "validation", "test"),
    "rare_intents": ("train", "validation", "test"),
    "rare_entities": ("train", "validation", "test"),
}
#: Labels the toxicity oracle sells; learners start with none of the pool's labels (the public
#: pool has no ``label`` column; the oracles read :func:`_pool_labels`).
TOXICITY_BUDGET = 4_000
TOXICITY_SIZE = 36_000
TOXICITY_SHARES = {"test": 0.17, "validation": 0.08}   # of duplicate groups; the rest is the pool
#: Real examples of each rare intent left in the training part (the rest is for augmentation).
RARE_INTENT_EXAMPLES = 4
INTENT_SIZES = {"train": 6_000, "validation": 3_000, "test": 8_000}
NEWS_DOCS = {"train": 400, "validation": 150, "test": 1_500}
NEWS_DRUG_RATE = 0.01


def _child_seed(seed: int, *key: int) -> int:
    """An independent int seed for one part, derived from the project seed."""
    return int(np.random.SeedSequence([seed, *key]).generate_state(1)[0])


@lru_cache(maxsize=4)
def _toxicity(seed: int) -> dict:
    from .toxic import toxic_comments

    df = toxic_comments(n=TOXICITY_SIZE, seed=seed)
    # Connected components of "planted copy of" and "equal after normalisation": a group
    # never crosses parts.
    n = len(df)
    exact = exact_duplicates(df["text"].tolist())
    rows = np.arange(n)
    edges = coo_matrix((np.ones(2 * n), (np.r_[rows, rows], np.r_[df["dup_group"].to_numpy(), n + exact])),
                       shape=(2 * n, 2 * n))
    group = connected_components(edges, directed=False)[1][:n]
    ids = np.unique(group)
    ids = ids[np.random.default_rng(_child_seed(seed, 1)).permutation(len(ids))]
    n_test = round(TOXICITY_SHARES["test"] * len(ids))
    n_val = round(TOXICITY_SHARES["validation"] * len(ids))
    part_of = dict.fromkeys(ids[:n_test].tolist(), "test")
    part_of.update(dict.fromkeys(ids[n_test:n_test + n_val].tolist(), "validation"))
    parts = np.array([part_of.get(g, "pool") for g in group.tolist()])
    out = {}
    for part in PARTS["toxicity"]:
        rows = df[parts == part]
        out[part] = pd.DataFrame({"item_id": rows["comment_id"].to_numpy(), "text": rows["text"].to_numpy(),
                                  "source": rows["source"].to_numpy(), "label": rows["label"].to_numpy()})
    return out


def _pool_labels(seed: int) -> dict:
    """Item id -> label (1 = toxic) of the toxicity pool of ``seed``: what the labeling oracles
    sell, one label at a time within the budget. Not for notebooks."""
    pool = _toxicity(check_seed(seed))["pool"]
    return dict(zip(pool["item_id"].tolist(), pool["label"].tolist()))


def _intents(part: str, seed: int) -> pd.DataFrame:
    from .intents import RARE_INTENTS, support_intents

    key = PARTS["rare_intents"].index(part)
    df = support_intents(n=INTENT_SIZES[part], seed=_child_seed(seed, 2, key))
    if part == "train":
        rare = df["intent"].isin(RARE_INTENTS)
        keep = ~rare | (df.groupby("intent").cumcount() < RARE_INTENT_EXAMPLES)
        df = df[keep.to_numpy()]
    return df.reset_index(drop=True)


def _news(part: str, seed: int) -> pd.DataFrame:
    from .news import news_ner

    key = PARTS["rare_entities"].index(part)
    df = news_ner(n_docs=NEWS_DOCS[part], drug_rate=NEWS_DRUG_RATE, seed=_child_seed(seed, 3, key))
    return df.assign(doc_id=df["doc_id"] + 100_000 * key).reset_index(drop=True)


def _drop_seen(test: pd.DataFrame, seen: set, key) -> pd.DataFrame:
    return test[~test.apply(key, axis=1).isin(seen).to_numpy()].reset_index(drop=True)


def project_data(name: str, part: str, seed: int = 0, train_seed: int | None = None) -> pd.DataFrame:
    """One part of a practical project's data.

    Parameters
    ----------
    name : {"toxicity", "rare_intents", "rare_entities"}
    part : "pool" (toxicity) or "train" (the others), "validation" or "test"
    seed : int, same seed, same part. Learners use 0; the grader tests on a seed of its own.
    train_seed : int or None (default: ``seed``). For ``rare_intents`` and ``rare_entities``,
        ``test`` rows whose normalised text (tokens for news) also occurs in the ``train`` or
        ``validation`` part of ``train_seed`` are dropped, so a model is never tested on a
        sentence it could have memorised. Toxicity parts come from one seeded corpus split by
        duplicate group, so only ``seed`` matters there.

    Returns
    -------
    DataFrame. toxicity: ``item_id``, ``text``, ``source``, and ``label`` (1 = toxic) in
    ``validation`` and ``test``; the ``pool`` has no labels: buy them from the labeling oracle
    (``learner.oracle.get_oracle``) within the budget. rare_intents: ``text``, ``intent`` (30 intents; in
    ``train`` each rare intent keeps only a handful of rows). rare_entities: ``doc_id``,
    ``sentence_id``, ``tokens``, ``tags`` (IOB2 with a rare DRUG type; parts share no document).

    Examples
    --------
    >>> pool = project_data("toxicity", "pool")
    >>> test = project_data("toxicity", "test")
    >>> set(pool["text"]).isdisjoint(test["text"]), "label" in pool, round(float(test["label"].mean()), 2)
    (True, False, 0.04)
    >>> train = project_data("rare_intents", "train")
    >>> int(train["intent"].value_counts().min())
    4
    >>> list(project_data("rare_entities", "validation").columns)
    ['doc_id', 'sentence_id', 'tokens', 'tags']
    """
    check_in_choices(name, PARTS, "name")
    check_in_choices(part, PARTS[name], "part")
    seed = check_seed(seed)
    train_seed = seed if train_seed is None else check_seed(train_seed)
    if name == "toxicity":
        df = _toxicity(seed)[part]
        return df.drop(columns="label") if part == "pool" else df.copy()
    if name == "rare_intents":
        df = _intents(part, seed)
        if part == "test":
            seen = {normalize_text(t) for p in ("train", "validation") for t in _intents(p, train_seed)["text"]}
            df = _drop_seen(df, seen, lambda r: normalize_text(r["text"]))
        return df
    df = _news(part, seed)
    if part == "test":
        seen = {tuple(t) for p in ("train", "validation") for t in _news(p, train_seed)["tokens"]}
        df = _drop_seen(df, seen, lambda r: tuple(r["tokens"]))
    return df
