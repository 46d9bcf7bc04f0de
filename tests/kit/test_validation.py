"""The one validation layer: each kind of bad input has one check and one wording."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import imbalance_kit
from imbalance_kit._validation import (check_dataframe, check_fraction, check_int, check_number_mapping,
                                       check_positive, check_probabilities, check_scores, check_seed,
                                       check_shares)

PACKAGE = Path(imbalance_kit.__file__).resolve().parent

# Hand-written forms of checks that _validation holds; a module writing one again drifts in
# wording and strictness (e.g. ValueError for a float where the rest raise TypeError).
REPEATED = {
    r"isinstance\([\w.]+, bool\) or not isinstance": "check_int / check_number / check_positive",
    r"must be a (pandas )?DataFrame": "check_dataframe",
    r"is not a column of|has no column": "check_dataframe(columns=...)",
    r"contains NaN or infinite": "check_scores",
    r"probabilities in \[0, 1\]": "check_probabilities",
    r"only 0 and 1": "check_binary",
    r"def _?check_(count|int|n|seed|weight|mapping|shares|fraction)\b": "the check in _validation",
}


def test_no_module_repeats_a_shared_check():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_validation.py":
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, use in REPEATED.items():
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(PACKAGE)}:{no}: use {use}: {line.strip()}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("call, exc, message", [
    (lambda: check_int(2.0, "k"), TypeError, "k must be an integer, got float"),
    (lambda: check_int(True, "k"), TypeError, "k must be an integer, got bool"),
    (lambda: check_int(0, "k", minimum=1), ValueError, "k must be a positive integer, got 0"),
    (lambda: check_int(-1, "n", minimum=0), ValueError, "n must be a non-negative integer, got -1"),
    (lambda: check_int(1, "n_classes", minimum=2), ValueError, "n_classes must be an integer >= 2, got 1"),
    (lambda: check_seed(None), TypeError, "seed must be an integer, got NoneType"),
    (lambda: check_seed(-3), ValueError, "seed must be a non-negative integer, got -3"),
    (lambda: check_positive(0, "weight"), ValueError, "weight must be a positive finite number, got 0"),
    (lambda: check_positive(float("inf"), "weight"), ValueError, "weight must be a positive finite number"),
    (lambda: check_positive("1", "weight"), TypeError, "weight must be a number, got str"),
    (lambda: check_fraction(float("nan"), "p"), ValueError, "p must be a number, got nan"),
    (lambda: check_fraction(1.0, "beta", closed="left"), ValueError, r"beta must be in [0, 1), got 1"),
    (lambda: check_fraction(0, "threshold", closed="right"), ValueError, r"threshold must be in (0, 1], got 0"),
    (lambda: check_number_mapping([1], "tilt", "source"), TypeError, "tilt must be a mapping source -> number, got list"),
    (lambda: check_number_mapping({}, "tilt"), ValueError, "tilt is empty"),
    (lambda: check_number_mapping({"a": -1}, "tilt"), ValueError, "tilt['a'] must be non-negative, got -1"),
    (lambda: check_number_mapping({"a": 0}, "tilt", allow_zero=False), ValueError, "tilt['a'] must be positive, got 0"),
    (lambda: check_number_mapping({"a": "x"}, "tilt"), TypeError, "tilt['a'] must be a finite number, got 'x'"),
    (lambda: check_shares({"a": 0.5, "b": 0.6}, "shares"), ValueError, "shares must sum to 1, got 1.1"),
    (lambda: check_dataframe([1], "items"), TypeError, "items must be a pandas DataFrame, got list"),
    (lambda: check_dataframe(pd.DataFrame({"a": []}), "items"), ValueError, "items is empty"),
    (lambda: check_dataframe(pd.DataFrame({"a": [1]}), "df", ["b"]), ValueError, "df has no column 'b' (columns: ['a'])"),
    (lambda: check_dataframe(pd.DataFrame({"a": [1]}), "df", ["b", "c"]), ValueError, "df has no columns 'b', 'c'"),
    (lambda: check_scores([[1.0, 2.0]], "logits", ndim=2), None, None),
    (lambda: check_scores([1.0, 2.0], "logits", ndim=2), ValueError,
     "logits must be a non-empty (n_samples, n_classes >= 2) array, got shape (2,)"),
    (lambda: check_scores([[np.nan, 1.0]], "logits", ndim=2), ValueError, "logits contains NaN or infinite values"),
    (lambda: check_probabilities([[0.5, 1.5]], "proba", ndim=2), ValueError, r"proba must be probabilities in [0, 1]"),
])
def test_one_wording_per_kind(call, exc, message):
    if exc is None:
        call()
        return
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(message)


def test_checks_return_plain_values():
    assert type(check_int(np.int64(3), "k")) is int
    assert check_shares({"a": 1}, "s") == {"a": 1.0}
    assert check_fraction(np.float32(0.5), "p") == 0.5 and isinstance(check_fraction(1, "p"), float)
