"""Split a labeling wave across sources, measure how even it is, and cut it into rater batches."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._validation import (check_dataframe, check_fraction, check_in_choices, check_int,
                           check_number_mapping, check_shares)
from ..rounding import largest_remainder


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
    shares = check_shares(source_shares, "source_shares")
    wave_size = check_int(wave_size, "wave_size", minimum=1)
    min_share = check_fraction(min_share, "min_share")
    strength = check_fraction(strength, "strength", 0.0, math.inf, closed="left")
    sources = list(shares)
    tilt = {} if tilt is None else check_number_mapping(tilt, "tilt", "source", allow_zero=False)
    unknown = [s for s in tilt if s not in shares]
    if unknown:
        raise ValueError(f"tilt names unknown sources {unknown}; sources are {sources}")
    floor = math.ceil(min_share * wave_size - 1e-9)
    if floor * len(sources) > wave_size:
        raise ValueError(f"infeasible: {len(sources)} sources x floor {floor} (min_share={min_share}) "
                         f"= {floor * len(sources)} exceeds wave_size={wave_size}")
    high = np.full(len(sources), np.inf)
    if pool_counts is not None:
        counts = check_number_mapping(pool_counts, "pool_counts", "source")
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


def source_entropy(counts, n_sources=None) -> float:
    """How evenly a wave spreads over sources: Shannon entropy of the shares divided by ``log K``.

    ``counts`` maps source -> items (or is a sequence of counts); ``K`` is ``n_sources``, by
    default the number of entries in ``counts`` (pass the pool's number of sources when a wave
    names only some of them). 1 means perfectly even, 0 means a single source; it is also 0 when
    ``K`` is 1 or the counts are all zero. :func:`simulate_waves` reports it per wave and the
    mini challenge's key grades it.

    >>> source_entropy({"Email": 500, "Chat": 500})
    1.0
    >>> round(source_entropy({"Email": 300, "Chat": 450, "Social": 250}), 3)
    0.971
    >>> source_entropy({"Email": 1000, "Chat": 0, "Social": 0})
    0.0
    """
    values = counts.values() if isinstance(counts, Mapping) else counts
    n = np.array([check_fraction(c, "counts", 0.0, math.inf, closed="left") for c in values], float)
    if n.size == 0:
        raise ValueError("counts is empty")
    k = n.size if n_sources is None else check_int(n_sources, "n_sources", minimum=n.size)
    if k < 2 or n.sum() == 0:
        return 0.0
    p = n[n > 0] / n.sum()
    return max(0.0, float(-(p * np.log(p)).sum() / math.log(k)))  # max: no -0.0 for one source


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
    check_dataframe(items, "items", [score])
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    min_candidates = check_int(min_candidates, "min_candidates", minimum=0)
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
