"""Wave plans and the labeling simulator (assumptions: see :mod:`imbalance_kit.labeling`)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import (check_binary, check_dataframe, check_int, check_number_mapping, check_scores,
                           check_seed)
from .quotas import source_entropy
from .rules import seed_candidates


def _check_pool(pool, need=("source", "label", "dup_group")) -> pd.DataFrame:
    pool = check_dataframe(pool, "pool", need)
    if "label" in need:
        check_binary(pool["label"], "pool['label']", both=False)
    return pool


@dataclass(frozen=True)
class WavePlan:
    """One labeling wave: per-source quotas and the seeded / uncertainty / random mix.

    ``seeded + uncertainty + random`` must equal ``sum(quotas.values())``.
    """

    quotas: dict
    seeded: int = 0
    uncertainty: int = 0
    random: int = 0
    dedup: bool = True

    def __post_init__(self):
        quotas = check_number_mapping(self.quotas, "quotas", "source")
        for s, q in quotas.items():
            if q != int(q):
                raise ValueError(f"quotas[{s!r}] must be a whole number, got {q}")
        quotas = {s: int(q) for s, q in quotas.items()}
        if sum(quotas.values()) == 0:
            raise ValueError("quotas sum to 0; a wave must label at least one item")
        for name in ("seeded", "uncertainty", "random"):
            object.__setattr__(self, name, check_int(getattr(self, name), name, minimum=0))
        if not isinstance(self.dedup, (bool, np.bool_)):
            raise TypeError(f"dedup must be True or False, got {self.dedup!r}")
        total = self.seeded + self.uncertainty + self.random
        if total != sum(quotas.values()):
            raise ValueError(f"seeded + uncertainty + random = {self.seeded} + {self.uncertainty} + "
                             f"{self.random} = {total}, but the quotas sum to {sum(quotas.values())}")
        object.__setattr__(self, "quotas", quotas)

    @property
    def size(self) -> int:
        return sum(self.quotas.values())

    @property
    def mix(self) -> dict:
        return {"seeded": self.seeded, "uncertainty": self.uncertainty, "random": self.random}


def plan_wave(quotas, seeded=0, uncertainty=0, random=None, dedup=True) -> WavePlan:
    """Build a validated :class:`WavePlan`; ``random`` defaults to the rest of the quotas.

    >>> plan_wave({"Email": 300, "Chat": 450, "Social": 250}, seeded=400)
    WavePlan(quotas={'Email': 300, 'Chat': 450, 'Social': 250}, seeded=400, uncertainty=0, random=600, dedup=True)
    """
    quotas = check_number_mapping(quotas, "quotas", "source")
    total = sum(quotas.values())
    seeded = check_int(seeded, "seeded", minimum=0)
    uncertainty = check_int(uncertainty, "uncertainty", minimum=0)
    if random is None:
        random = total - seeded - uncertainty
        if random < 0:
            raise ValueError(f"seeded + uncertainty = {seeded + uncertainty} exceeds the quotas' "
                             f"total {total}")
    return WavePlan(dict(quotas), seeded, uncertainty, random, dedup)


def _split(quotas: dict, mix: dict) -> dict:
    """Matrix of source x strategy counts: rows sum to quotas, columns to the plan's mix."""
    sources, kinds = list(quotas), list(mix)
    q = np.array([quotas[s] for s in sources], float)
    m = np.array([mix[k] for k in kinds], float)
    exact = np.outer(q, m) / m.sum()
    cells = np.floor(exact + 1e-9).astype(int)
    row_left = q.astype(int) - cells.sum(1)
    col_left = m.astype(int) - cells.sum(0)
    frac = exact - cells
    # Largest remainders first, honouring both margins; leftovers (rare) go to any open cell.
    for flat in np.argsort(-frac, axis=None, kind="stable"):
        i, j = divmod(int(flat), len(kinds))
        if row_left[i] > 0 and col_left[j] > 0 and frac[i, j] > 1e-9:
            cells[i, j] += 1
            row_left[i] -= 1
            col_left[j] -= 1
    for i in range(len(sources)):
        for j in range(len(kinds)):
            take = min(row_left[i], col_left[j])
            cells[i, j] += take
            row_left[i] -= take
            col_left[j] -= take
    return {s: dict(zip(kinds, cells[i].tolist())) for i, s in enumerate(sources)}


def default_model_quality(n_labeled, n_positive) -> float:
    """Separation (in noise SDs) of the simulated model: ``4 * P / (P + 100)``.

    It depends on the labeled positives P only (``n_labeled`` is accepted so custom curves can
    use it): a model cannot rank the minority before it has seen some, and gains little from
    yet more majority labels.

    >>> default_model_quality(1000, 0), default_model_quality(1000, 100)
    (0.0, 2.0)
    """
    p = float(n_positive)
    return 4.0 * p / (p + 100.0)


def simulate_waves(plans, pool, seed=0, rules=None, model_quality=None, text="text",
                   return_drawn=False):
    """Replay labeling waves on a pool with hidden labels; one summary row per wave.

    See the docstring of :mod:`imbalance_kit.labeling` for every assumption of the simulator. In
    short: labels are exact; seeded picks follow the pool's own weak rules; uncertainty picks
    come from a simulated model whose score is drawn from the hidden label with a separation
    ``model_quality`` (no model is trained on the texts); random picks are uniform per source.

    Parameters
    ----------
    plans : WavePlan or sequence of WavePlan, applied in order.
    pool : DataFrame with ``source``, ``label``, ``dup_group``, and ``seed_score`` (or ``text``
        when ``rules`` are given).
    seed : int >= 0, seeds tie-breaking, random draws and the simulated model's noise.
    rules : weak rules for :func:`seed_candidates`, optional: they replace the pool's
        ``seed_score`` column. Without either, seeded picks are an error.
    model_quality : callable (n_labeled, n_positive) -> separation >= 0 of the simulated
        model, default :func:`default_model_quality`.
    return_drawn : if True also return a DataFrame of drawn items (``item`` = pool index,
        ``wave``, ``source``, ``strategy``, ``label``, ``duplicate``).

    Returns
    -------
    DataFrame with ``wave`` (1-based), ``labeled``, ``positives``, ``cumulative_positives``,
    ``per_source`` (dict source -> items labeled), ``source_entropy`` (in [0, 1]),
    ``duplicates_drawn``, ``positive_rate``, plus ``cumulative_labeled``,
    ``per_source_positives`` and ``positives_seeded`` / ``_uncertainty`` / ``_random``.

    >>> from imbalance_kit.datasets import support_tickets
    >>> pool = support_tickets()
    >>> from imbalance_kit.labeling import source_quotas
    >>> q = source_quotas({"Email": 0.6, "Chat": 0.3, "Social": 0.1}, 1000,
    ...                   tilt={"Email": 0.01, "Chat": 0.03, "Social": 0.05})
    >>> out = simulate_waves([plan_wave(q, seeded=400), plan_wave(q, seeded=300, uncertainty=500)], pool)
    >>> out[["wave", "labeled", "duplicates_drawn"]].values.tolist()
    [[1, 1000, 0], [2, 1000, 0]]
    >>> bool((out["positives"] > 2 * random_baseline(pool, 1000)["expected"]).all())
    True
    """
    plans = [plans] if isinstance(plans, WavePlan) else list(plans)
    if not plans:
        raise ValueError("plans is empty; give at least one WavePlan")
    for i, p in enumerate(plans, 1):
        if not isinstance(p, WavePlan):
            raise TypeError(f"plans[{i - 1}] must be a WavePlan (use plan_wave), got {type(p).__name__}")
    pool = _check_pool(pool)
    if plans[0].uncertainty > 0:
        raise ValueError(f"wave 1 asks for {plans[0].uncertainty} uncertainty items, but no labels "
                         "exist yet to train a model; use seeded and random items in wave 1")
    quality = default_model_quality if model_quality is None else model_quality
    if not callable(quality):
        raise TypeError("model_quality must be a callable (n_labeled, n_positive) -> float")
    source = pool["source"].astype(str).to_numpy()
    label = pool["label"].to_numpy(dtype=int)
    group = pool["dup_group"].to_numpy()
    all_sources = list(dict.fromkeys(source.tolist()))
    for i, p in enumerate(plans, 1):
        unknown = [s for s in p.quotas if s not in all_sources]
        if unknown:
            raise ValueError(f"wave {i}: quota for sources {unknown} with no items in the pool "
                             f"(pool sources: {all_sources})")
    if rules is not None:
        score = seed_candidates(pool, rules, text=text).to_numpy()
    elif "seed_score" in pool.columns:
        score = check_scores(pool["seed_score"], "pool['seed_score']")
    elif any(p.seeded for p in plans):
        raise ValueError("the plans ask for seeded items, but the pool has no seed_score column and "
                         "no rules were given: pass rules= (weak rules for the pool's own domain) or "
                         "add a seed_score column (e.g. with seed_candidates)")
    else:
        score = np.zeros(len(pool))
    prior = min(max(label.mean(), 1e-6), 1 - 1e-6)
    rng = np.random.default_rng(check_seed(seed))
    labeled = np.zeros(len(pool), bool)
    drawn_groups: set = set()
    rows, drawn = [], []
    cum_pos = cum_lab = 0
    for w, plan in enumerate(plans, 1):
        q = float(quality(cum_lab, cum_pos))
        if not np.isfinite(q) or q < 0:
            raise ValueError(f"model_quality({cum_lab}, {cum_pos}) returned {q}; it must be finite and >= 0")
        z = q * label + rng.normal(size=len(pool))
        posterior_logit = q * z - q * q / 2 + math.log(prior / (1 - prior))
        priority = {
            "seeded": -score,                      # highest rule score first
            "uncertainty": np.abs(posterior_logit),  # probability closest to 0.5 first
            "random": np.zeros(len(pool)),           # ties everywhere: pure random order
        }
        split = _split(plan.quotas, plan.mix)
        for src, per_kind in split.items():
            for kind, k in per_kind.items():
                if k == 0:
                    continue
                cand = np.flatnonzero((source == src) & ~labeled)
                # lexsort: last key is primary; the random key breaks ties (seeded).
                order = cand[np.lexsort((rng.random(len(cand)), priority[kind][cand]))]
                if plan.dedup:
                    first = ~pd.Series(group[order]).duplicated().to_numpy()
                    fresh = ~pd.Series(group[order]).isin(drawn_groups).to_numpy()
                    order = order[first & fresh]
                if len(order) < k:
                    raise ValueError(f"wave {w}: source {src!r} has only {len(order)} eligible "
                                     f"unlabeled items{' (distinct dup groups)' if plan.dedup else ''} "
                                     f"left, but the plan needs {k} {kind} items")
                take = order[:k]
                for i in take:
                    dup = group[i] in drawn_groups
                    drawn_groups.add(group[i])
                    drawn.append((int(i), w, src, kind, int(label[i]), dup))
                labeled[take] = True
        wave = pd.DataFrame(drawn, columns=["item", "wave", "source", "strategy", "label", "duplicate"])
        wave = wave[wave["wave"] == w]
        n, pos = len(wave), int(wave["label"].sum())
        cum_pos += pos
        cum_lab += n
        per_source = {s: int((wave["source"] == s).sum()) for s in plan.quotas}
        rows.append({
            "wave": w, "labeled": n, "positives": pos, "cumulative_positives": cum_pos,
            "per_source": per_source,
            "source_entropy": source_entropy(per_source, n_sources=len(all_sources)),
            "duplicates_drawn": int(wave["duplicate"].sum()), "positive_rate": pos / n,
            "cumulative_labeled": cum_lab,
            "per_source_positives": {s: int(wave.loc[wave["source"] == s, "label"].sum()) for s in plan.quotas},
            **{f"positives_{k}": int(wave.loc[wave["strategy"] == k, "label"].sum())
               for k in ("seeded", "uncertainty", "random")},
        })
    out = pd.DataFrame(rows)
    if return_drawn:
        return out, pd.DataFrame(drawn, columns=["item", "wave", "source", "strategy", "label", "duplicate"])
    return out


def random_baseline(pool, n_labels, seed=0) -> dict:
    """Positives found by labeling ``n_labels`` items drawn uniformly (without replacement).

    Returns a dict: ``expected`` (hypergeometric mean ``n_labels * P / N``), ``sd`` (its standard
    deviation), ``simulated`` (positives in one seeded draw) and ``n_labels``.

    >>> pool = pd.DataFrame({"label": [1] * 20 + [0] * 980})
    >>> r = random_baseline(pool, 100)
    >>> r["expected"], round(r["sd"], 3)
    (2.0, 1.329)
    """
    pool = _check_pool(pool, ("label",))
    n_labels = check_int(n_labels, "n_labels", minimum=0)
    big_n = len(pool)
    if n_labels > big_n:
        raise ValueError(f"n_labels={n_labels} exceeds the pool size {big_n}")
    pos = int(pool["label"].sum())
    p = pos / big_n
    var = n_labels * p * (1 - p) * (big_n - n_labels) / (big_n - 1) if big_n > 1 else 0.0
    rng = np.random.default_rng(check_seed(seed))
    simulated = int(rng.hypergeometric(pos, big_n - pos, n_labels)) if n_labels else 0
    return {"n_labels": n_labels, "expected": n_labels * p, "sd": math.sqrt(var), "simulated": simulated}
