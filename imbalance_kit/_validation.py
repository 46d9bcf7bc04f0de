"""Input checks shared by every public function: one place, one wording of each error."""
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


def check_binary(y, name: str = "y_true") -> np.ndarray:
    """Return ``y`` as an int array of 0/1 with both classes present."""
    arr = as_1d(y, name)
    if arr.dtype == bool:
        arr = arr.astype(int)
    uniq = set(np.unique(arr).tolist())
    if not uniq <= {0, 1}:
        raise ValueError(f"{name} must hold only 0 and 1, got {sorted(uniq, key=str)[:5]}")
    if len(uniq) < 2:
        raise ValueError(f"{name} holds only one class ({uniq.pop()}); both 0 and 1 are needed")
    return arr.astype(int)


def check_probabilities(p, name: str = "p") -> np.ndarray:
    """Return ``p`` as a float array, raising if any value is outside [0, 1] or not finite."""
    arr = as_1d(p, name).astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{name} must be probabilities in [0, 1], got range [{arr.min():.4g}, {arr.max():.4g}]")
    return arr


def check_scores(s, name: str = "scores") -> np.ndarray:
    """Return ``s`` as a finite float array."""
    arr = as_1d(s, name).astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
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


def check_fraction(x, name: str, low: float = 0.0, high: float = 1.0, inclusive: bool = True) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}")
    ok = low <= x <= high if inclusive else low < x < high
    if not ok:
        bounds = f"[{low}, {high}]" if inclusive else f"({low}, {high})"
        raise ValueError(f"{name} must be in {bounds}, got {x}")
    return float(x)
