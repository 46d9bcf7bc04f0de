"""Input checks shared by every public function: one place, one wording of each error.

Conventions: a value of the wrong type raises TypeError, a value of the right type outside its
allowed range raises ValueError, and each message names the parameter, says what it must be and
shows what it got. Checks that only one function needs stay in its module; anything a second
module would repeat (integers, seeds, fractions, mappings of numbers, DataFrames and their
columns, arrays of scores or probabilities) lives here.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def as_1d(values, name: str = "values", allow_empty: bool = False) -> np.ndarray:
    """Return ``values`` as a 1-D numpy array, or raise a clear error."""
    if values is None:
        raise TypeError(f"{name} must be array-like, got None")
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of values, not a single string")
    if isinstance(values, Mapping):
        raise TypeError(f"{name} must be a sequence, not a mapping")
    arr = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if arr.ndim == 0:
        raise TypeError(f"{name} must be 1-D array-like, got a scalar")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    return arr


def to_python(x):
    """numpy scalar -> plain Python value (so dict keys print and serialise cleanly)."""
    return x.item() if isinstance(x, np.generic) else x


def check_same_length(**arrays) -> int:
    """Raise if the named arrays do not all have one length; return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise ValueError(f"mismatched lengths: {detail}")
    return next(iter(lengths.values()))


def check_binary(y, name: str = "y_true", both: bool = True) -> np.ndarray:
    """Return ``y`` as an int array of 0/1; with ``both`` (default) each class must occur."""
    arr = as_1d(y, name)
    if arr.dtype == bool:
        arr = arr.astype(int)
    uniq = set(np.unique(arr).tolist())
    if not uniq <= {0, 1}:
        raise ValueError(f"{name} must hold only 0 and 1, got {sorted(uniq, key=str)[:5]}")
    if both and len(uniq) < 2:
        raise ValueError(f"{name} holds only one class ({uniq.pop()}); both 0 and 1 are needed")
    return arr.astype(int)


def check_scores(s, name: str = "scores", ndim: int = 1) -> np.ndarray:
    """Return ``s`` as a finite float array: 1-D, or with ``ndim=2`` an (n_samples, n_classes) matrix."""
    if ndim == 1:
        arr = as_1d(s, name).astype(float)
    else:
        arr = np.asarray(s, dtype=float)
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] < 2:
            raise ValueError(f"{name} must be a non-empty (n_samples, n_classes >= 2) array, "
                             f"got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_probabilities(p, name: str = "p", ndim: int = 1) -> np.ndarray:
    """Like :func:`check_scores`, and every value must lie in [0, 1]."""
    arr = check_scores(p, name, ndim)
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must be probabilities in [0, 1], got range [{arr.min():.4g}, {arr.max():.4g}]")
    return arr


def check_counts(counts, name: str = "counts") -> dict:
    """Normalise a class -> count mapping (or a sequence of labels) to a dict of positive ints.

    At least two classes are required; a zero or negative count is an error, because a
    class that never occurs cannot be given a weight.
    """
    if isinstance(counts, Mapping):
        if len(counts) == 0:
            raise ValueError(f"{name} is empty")
        out = {}
        for cls, n in counts.items():
            if isinstance(n, bool) or not isinstance(n, (int, np.integer, float, np.floating)):
                raise TypeError(f"{name}[{cls!r}] must be a number, got {type(n).__name__}")
            if not np.isfinite(n) or n != int(n):
                raise ValueError(f"{name}[{cls!r}] must be a whole number, got {n}")
            if n <= 0:
                raise ValueError(f"{name}[{cls!r}] must be positive, got {n}")
            out[cls] = int(n)
    else:
        labels = as_1d(counts, name)
        uniq, freq = np.unique(labels, return_counts=True)
        out = {to_python(u): int(f) for u, f in zip(uniq, freq)}
    if len(out) < 2:
        raise ValueError(f"{name} has only one class ({next(iter(out))!r}); at least two are needed")
    return out


def check_in_choices(value, choices, name: str):
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_number(x, name: str) -> float:
    """Return ``x`` as a float; bools, strings and NaN are refused."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}")
    if np.isnan(x):
        raise ValueError(f"{name} must be a number, got nan")
    return float(x)


_CLOSED = {"both": "[]", "left": "[)", "right": "(]", "neither": "()"}


def check_fraction(x, name: str, low: float = 0.0, high: float = 1.0, closed: str = "both") -> float:
    """Return ``x`` as a float in the interval from ``low`` to ``high``.

    ``closed`` says which ends belong to it: "both" ``[low, high]``, "left" ``[low, high)``,
    "right" ``(low, high]`` or "neither" ``(low, high)``.

    >>> check_fraction(0.25, "share")
    0.25
    """
    x = check_number(x, name)
    left, right = _CLOSED[closed]
    ok = (low <= x if left == "[" else low < x) and (x <= high if right == "]" else x < high)
    if not ok:
        raise ValueError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {x:g}")
    return x


def check_positive(x, name: str) -> float:
    """Return ``x`` as a float; it must be finite and greater than 0."""
    x = check_number(x, name)
    if not np.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {x}")
    return x


def check_int(x, name: str, minimum: int | None = None) -> int:
    """Return ``x`` as an int; floats (even ``2.0``) and bools are refused.

    >>> check_int(3, "n_waves", minimum=1)
    3
    """
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    if minimum is not None and x < minimum:
        what = {0: "a non-negative integer", 1: "a positive integer"}.get(minimum, f"an integer >= {minimum}")
        raise ValueError(f"{name} must be {what}, got {x}")
    return int(x)


def check_seed(seed, name: str = "seed") -> int:
    """Seeds are whole numbers >= 0: ``None`` would silently break "same seed, same result"."""
    return check_int(seed, name, minimum=0)


def check_number_mapping(m, name: str, keys: str = "key", allow_zero: bool = True) -> dict:
    """Return a dict of finite numbers >= 0 (> 0 when ``allow_zero`` is False) from a mapping."""
    if not isinstance(m, Mapping):
        raise TypeError(f"{name} must be a mapping {keys} -> number, got {type(m).__name__}")
    if len(m) == 0:
        raise ValueError(f"{name} is empty")
    out = {}
    for k, v in m.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
            raise TypeError(f"{name}[{k!r}] must be a finite number, got {v!r}")
        if v < 0 or (v == 0 and not allow_zero):
            raise ValueError(f"{name}[{k!r}] must be {'non-negative' if allow_zero else 'positive'}, got {v}")
        out[k] = v
    return out


def check_shares(shares, name: str, keys: str = "source") -> dict:
    """Return a dict of non-negative shares that sum to 1 (within 1e-3), as floats."""
    out = check_number_mapping(shares, name, keys)
    total = sum(out.values())
    if abs(total - 1.0) > 1e-3:
        raise ValueError(f"{name} must sum to 1, got {total:.6g}")
    return {k: float(v) for k, v in out.items()}


def check_dataframe(df, name: str = "df", columns=(), allow_empty: bool = False) -> pd.DataFrame:
    """Return ``df`` if it is a non-empty DataFrame holding ``columns``, or raise a clear error."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0 and not allow_empty:
        raise ValueError(f"{name} is empty")
    missing = [c for c in ([columns] if isinstance(columns, str) else columns) if c not in df.columns]
    if missing:
        shown = list(df.columns)[:10]
        raise ValueError(f"{name} has no column{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(map(repr, missing))} (columns: {shown})")
    return df
