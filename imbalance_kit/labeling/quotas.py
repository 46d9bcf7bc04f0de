"""Split a labeling wave across sources, and cut it into minority-aware rater batches."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .._validation import check_fraction, check_in_choices
from ._checks import _check_count, _check_mapping


def largest_remainder(values, total: int) -> list:
    """Round non-negative ``values`` to integers summing to ``total`` (Hamilton's method).

    Each value is floored, then the leftover units go to the largest fractional parts (ties to
    the earlier entry). ``values`` should sum to ``total``; it is rescaled if it does not.

    >>> largest_remainder([333.3, 333.3, 333.4], 1000)
    [333, 333, 334]
    """
    v = np.asarray(values, float)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)) or v.min() < 0 or v.sum() <= 0:
        raise ValueError("values must be a non-empty 1-D array of non-negative numbers with a positive sum")
    total = _check_count(total, "total")
    v = v * total / v.sum()
    base = np.floor(v + 1e-9).astype(int)
    left = total - int(base.sum())
    order = np.argsort(-(v - base), kind="stable")
    base[order[:left]] += 1
    return base.tolist()


def _water_fill(w, low, high, total):
    """Continuous x = clip(lam * w, low, high) with sum(x) == total (low/high already feasible)."""
    if np.all(w == 0):
        lam = 0.0
    else:
        lo_lam, hi_lam = 0.0, 1.0
        while np.minimum(np.maximum(hi_lam * w, low), high).sum() < total:
            hi_lam *= 2
            if hi_lam > 1e300:
                break
        for _ in range(200):
            mid = (lo_lam + hi_lam) / 2
            if np.minimum(np.maximum(mid * w, low), high).sum() < total:
                lo_lam = mid
            else:
                hi_lam = mid
        lam = hi_lam
    x = np.minimum(np.maximum(lam * w, low), high)
    # Solve exactly on the items not pinned to a bound, so rounding starts from an exact sum.
    free = (lam * w > low) & (lam * w < high)
    if free.any():
        rest = total - x[~free].sum()
        x[free] = rest * w[free] / w[free].sum()
    if abs(x.sum() - total) > 1e-6:
        raise ValueError("cannot fill the wave: the sources with a positive quota weight are "
                         "exhausted (pool_counts) and the others are held at their floor")
    return x


def source_quotas(source_shares, wave_size, min_share=0.1, tilt=None, pool_counts=None,
                  strength=1.0) -> dict:
    """Split a labeling wave across sources: proportional, tilted to the minority, with a floor.

    Parameters
    ----------
    source_shares : mapping source -> share of the pool (non-negative, summing to 1 within 1e-3).
    wave_size : int, items to label in this wave (> 0).
    min_share : float in [0, 1], diversity floor: every source gets at least
        ``ceil(min_share * wave_size)`` items.
    tilt : mapping source -> relative minority rate (e.g. the expected fraud rate per source),
        optional; sources not named get 1. The target of source s is proportional to
        ``share_s * tilt_s ** strength`` (``strength=0`` ignores the tilt, 1 allocates in
        proportion to the expected minority count of each source).
    pool_counts : mapping source -> items available, optional; no quota exceeds it.
    strength : float >= 0, exponent on the tilt.

    Returns
    -------
    dict source -> int, in the order of ``source_shares``, summing exactly to ``wave_size``.
    Quotas are ``clip(lam * target_s, floor, pool_count_s)`` with ``lam`` chosen so they sum to
    the wave (sources above the floor keep their proportions), then rounded by largest remainder.

    Raises ValueError when the floors exceed the wave, the pool (or a source) is smaller than
    required, a source has no items, a ``tilt``/``pool_counts`` key is not a source, or the shares
    do not sum to 1.

    >>> source_quotas({"Email": 0.6, "Chat": 0.3, "Social": 0.1}, 1000)
    {'Email': 600, 'Chat': 300, 'Social': 100}
    >>> source_quotas({"Email": 0.6, "Chat": 0.3, "Social": 0.1}, 1000,
    ...               tilt={"Email": 0.01, "Chat": 0.03, "Social": 0.05})
    {'Email': 300, 'Chat': 450, 'Social': 250}
    """
    shares = _check_mapping(source_shares, "source_shares")
    if abs(sum(shares.values()) - 1.0) > 1e-3:
        raise ValueError(f"source_shares must sum to 1, got {sum(shares.values()):.6g}")
    wave_size = _check_count(wave_size, "wave_size", positive=True)
    min_share = check_fraction(min_share, "min_share")
    strength = float(_check_mapping({"strength": strength}, "strength")["strength"])
    sources = list(shares)
    tilt = {} if tilt is None else _check_mapping(tilt, "tilt", allow_zero=False)
    unknown = [s for s in tilt if s not in shares]
    if unknown:
        raise ValueError(f"tilt names unknown sources {unknown}; sources are {sources}")
    floor = math.ceil(min_share * wave_size - 1e-9)
    if floor * len(sources) > wave_size:
        raise ValueError(f"infeasible: {len(sources)} sources x floor {floor} (min_share={min_share}) "
                         f"= {floor * len(sources)} exceeds wave_size={wave_size}")
    high = np.full(len(sources), np.inf)
    if pool_counts is not None:
        counts = _check_mapping(pool_counts, "pool_counts")
        unknown = [s for s in counts if s not in shares]
        if unknown:
            raise ValueError(f"pool_counts names unknown sources {unknown}; sources are {sources}")
        missing = [s for s in sources if s not in counts]
        if missing:
            raise ValueError(f"pool_counts has no count for sources {missing}")
        for s in sources:
            if counts[s] != int(counts[s]):
                raise ValueError(f"pool_counts[{s!r}] must be a whole number, got {counts[s]}")
            if counts[s] == 0:
                raise ValueError(f"source {s!r} has no items in the pool; drop it from source_shares")
            if counts[s] < floor:
                raise ValueError(f"infeasible: source {s!r} has {int(counts[s])} items, fewer than "
                                 f"the floor {floor} (min_share={min_share})")
        high = np.array([float(counts[s]) for s in sources])
        if high.sum() < wave_size:
            raise ValueError(f"infeasible: the pool has {int(high.sum())} items, fewer than "
                             f"wave_size={wave_size}")
    w = np.array([shares[s] * float(tilt.get(s, 1.0)) ** strength for s in sources])
    x = _water_fill(w, np.full(len(sources), float(floor)), high, wave_size)
    return dict(zip(sources, largest_remainder(x, wave_size)))


def minority_aware_batches(items, batch_size, min_candidates=2, score="seed_score",
                           threshold=0.5, seed=0, on_shortfall="raise") -> list:
    """Cut a labeling set into rater batches that each hold some likely-minority items.

    Parameters
    ----------
    items : DataFrame with a ``score`` column (e.g. from :func:`seed_candidates`).
    batch_size : int > 0, maximum batch size. The number of batches is
        ``ceil(len(items) / batch_size)`` and sizes differ by at most one.
    min_candidates : int >= 0, likely-minority items (``score >= threshold``) wanted per batch.
    on_shortfall : {"raise", "warn"}. When there are fewer than ``min_candidates * n_batches``
        candidates (or a batch is smaller than ``min_candidates``) the request is impossible:
        ``"raise"`` (default) raises ValueError, ``"warn"`` warns and spreads the candidates
        that exist as evenly as possible.

    Returns
    -------
    list of DataFrames (rows of ``items``, original index kept). Candidates are dealt
    round-robin in a seeded random order and each batch is shuffled, so raters cannot tell
    candidates by position.

    >>> items = pd.DataFrame({"seed_score": [1, 0, 0, 1, 0, 0, 1, 0, 1, 0]})
    >>> [int((b["seed_score"] >= 0.5).sum()) for b in minority_aware_batches(items, 5)]
    [2, 2]
    """
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame, got {type(items).__name__}")
    if len(items) == 0:
        raise ValueError("items is empty")
    if score not in items.columns:
        raise ValueError(f"items has no column {score!r}; compute it with seed_candidates")
    batch_size = _check_count(batch_size, "batch_size", positive=True)
    min_candidates = _check_count(min_candidates, "min_candidates")
    check_in_choices(on_shortfall, {"raise", "warn"}, "on_shortfall")
    rng = np.random.default_rng(seed)
    n = len(items)
    n_batches = math.ceil(n / batch_size)
    sizes = [len(a) for a in np.array_split(np.arange(n), n_batches)]
    is_cand = items[score].to_numpy(dtype=float) >= threshold
    cand = rng.permutation(np.flatnonzero(is_cand))
    rest = rng.permutation(np.flatnonzero(~is_cand))
    need = min_candidates * n_batches
    if len(cand) < need or min(sizes) < min_candidates:
        msg = (f"cannot put {min_candidates} candidates in each of {n_batches} batches: "
               f"{len(cand)} items have {score} >= {threshold}, smallest batch holds {min(sizes)}")
        if on_shortfall == "raise":
            raise ValueError(msg)
        warnings.warn(msg, UserWarning, stacklevel=2)
    members = [[] for _ in range(n_batches)]
    for i, pos in enumerate(cand):  # round-robin; sizes differ by <= 1 so capacity is never hit
        members[i % n_batches].append(pos)
    it = iter(rest)
    for b, size in enumerate(sizes):
        while len(members[b]) < size:
            members[b].append(next(it))
    return [items.iloc[rng.permutation(m)] for m in members]
