"""Weak rules that flag likely-minority texts, and the seed score they add up to."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import check_dataframe, check_positive


def _texts(texts) -> pd.Series:
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of strings, not a single string")
    s = pd.Series(texts) if not isinstance(texts, pd.Series) else texts
    return s.astype("str")


@dataclass(frozen=True)
class KeywordRule:
    """Fires when any keyword occurs in the text (case-insensitive, whole words or phrases).

    >>> KeywordRule("fraud", ["refund", "gift card"]).matches(["Refund me", "gift cards", "ok"])
    array([ True,  True, False])
    """

    name: str
    keywords: tuple
    weight: float = 1.0

    def __post_init__(self):
        kws = (self.keywords,) if isinstance(self.keywords, str) else tuple(self.keywords)
        if not kws or any(not isinstance(k, str) or not k.strip() for k in kws):
            raise ValueError(f"KeywordRule {self.name!r}: keywords must be non-empty strings")
        object.__setattr__(self, "keywords", kws)
        object.__setattr__(self, "weight", check_positive(self.weight, "weight"))

    def matches(self, texts) -> np.ndarray:
        # Word boundary only at the start, so "gift card" also matches "gift cards".
        pattern = r"\b(?:" + "|".join(re.escape(k) for k in self.keywords) + ")"
        return _texts(texts).str.contains(pattern, case=False, regex=True).to_numpy(dtype=bool)


@dataclass(frozen=True)
class RegexRule:
    """Fires when the regular expression matches anywhere in the text (case-insensitive).

    >>> RegexRule("money", r"\\$\\d{3,}").matches(["paid $900", "paid $5"])
    array([ True, False])
    """

    name: str
    pattern: str
    weight: float = 1.0

    def __post_init__(self):
        if not isinstance(self.pattern, str) or not self.pattern:
            raise ValueError(f"RegexRule {self.name!r}: pattern must be a non-empty string")
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"RegexRule {self.name!r}: invalid pattern: {exc}") from None
        object.__setattr__(self, "weight", check_positive(self.weight, "weight"))

    def matches(self, texts) -> np.ndarray:
        # re.search directly, as str.contains does: str.contains warns when the pattern has groups.
        search = re.compile(self.pattern, re.IGNORECASE).search
        return np.array([isinstance(t, str) and search(t) is not None for t in _texts(texts)], dtype=bool)


def seed_candidates(df, rules, text: str = "text") -> pd.Series:
    """Score each row in [0, 1]: the weighted share of rules that fire on its text.

    ``score = sum(weight_r * fires_r) / sum(weight_r)``: 1 means every rule fired, 0 none.

    >>> df = pd.DataFrame({"text": ["gift card please", "send a wire transfer gift card", "hi"]})
    >>> rules = [KeywordRule("gift", ["gift card"]), KeywordRule("wire", ["wire"], weight=3)]
    >>> seed_candidates(df, rules).tolist()
    [0.25, 1.0, 0.0]
    """
    check_dataframe(df, "df", [text], allow_empty=True)
    rules = [rules] if isinstance(rules, (KeywordRule, RegexRule)) else list(rules)
    if not rules:
        raise ValueError("rules is empty; give at least one KeywordRule or RegexRule")
    for r in rules:
        if not hasattr(r, "matches") or not hasattr(r, "weight"):
            raise TypeError(f"each rule needs .matches(texts) and .weight, got {type(r).__name__}")
    total = sum(r.weight for r in rules)
    score = sum(r.weight * r.matches(df[text]).astype(float) for r in rules) / total
    return pd.Series(np.asarray(score, float), index=df.index, name="seed_score")
