"""Input checks used across the labeling subpackage (wording matches ``_validation``)."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def _check_count(x, name: str, positive: bool = False) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}")
    if x < 0 or (positive and x == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'non-negative'}, got {x}")
    return int(x)


def _check_weight(w, name: str) -> float:
    if isinstance(w, bool) or not isinstance(w, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(w).__name__}")
    if not np.isfinite(w) or w <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {w}")
    return float(w)


def _check_mapping(m, name: str, allow_zero: bool = True) -> dict:
    if not isinstance(m, Mapping):
        raise TypeError(f"{name} must be a mapping source -> number, got {type(m).__name__}")
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


def _check_pool(pool, need=("source", "label", "dup_group")) -> pd.DataFrame:
    if not isinstance(pool, pd.DataFrame):
        raise TypeError(f"pool must be a DataFrame, got {type(pool).__name__}")
    if len(pool) == 0:
        raise ValueError("pool is empty")
    missing = [c for c in need if c not in pool.columns]
    if missing:
        raise ValueError(f"pool lacks columns {missing}")
    if "label" in need:
        labels = pool["label"].to_numpy()
        if not set(np.unique(labels).tolist()) <= {0, 1}:
            raise ValueError("pool['label'] must hold only 0 and 1")
    return pool
