"""Labeling under a budget: weak-rule seeding, source quotas, minority-aware batches, wave plans.

:func:`simulate_waves` replays a labeling plan on a pool whose hidden ``label`` column plays the
annotator, so a plan can be judged by the fraud it would have found. Simulator assumptions:

- **Pool.** A DataFrame with ``source``, ``label`` (0/1, 1 = minority) and ``dup_group``, e.g.
  :func:`imbalance_kit.datasets.labeling_pool`. Labels are exact (a perfect annotator). Items are
  labeled at most once across all waves.
- **Quotas.** Each wave labels exactly ``plan.quotas[source]`` items per source. Each source's
  quota is split over seeded / uncertainty / random items in proportion to the plan's mix by
  largest remainder; ties are settled so the split also sums to the plan's totals.
- **Seeded** items are the unlabeled items of the source with the highest rule score (see
  :func:`seed_candidates`); ties are broken at random (seeded). Scores come from ``rules`` if
  given, else from a ``seed_score`` column of the pool, else from one keyword rule over
  :data:`imbalance_kit.datasets.tickets.FRAUD_KEYWORDS`.
- **Uncertainty** items come from a simulated model retrained before every wave on all labels
  so far. Its score is ``z = q * label + noise`` with ``noise ~ N(0, 1)`` drawn afresh each wave
  and ``q = model_quality(n_labeled, n_positive)`` (counts collected so far; default
  :func:`default_model_quality`, which grows from 0 towards 4 with the labeled positives).
  The model's probability is the exact posterior of that Gaussian model with the pool's
  minority rate as prior; the items with probability closest to 0.5 are drawn. No model exists
  before the first labels, so uncertainty items in wave 1 are an error (never a silent
  fallback to random).
- **Random** items are drawn uniformly from the source's remaining unlabeled items.
- **Duplicates.** With ``dedup=True`` an item whose ``dup_group`` was already drawn (earlier,
  or earlier in this wave) is skipped, and the next-best item is taken. With ``dedup=False`` it
  may be drawn and counts in ``duplicates_drawn``.
- **Running out.** If a source has fewer eligible items left than its quota, a ValueError
  names the wave, source and counts.
- **Diversity.** ``source_entropy`` is the Shannon entropy of the wave's per-source shares
  divided by ``log K``, K = number of sources in the pool: 1 means perfectly even, 0 means a
  single source (also 0 when the pool has only one source).
"""
from .quotas import largest_remainder, minority_aware_batches, source_quotas
from .rules import KeywordRule, RegexRule, seed_candidates
from .waves import WavePlan, default_model_quality, plan_wave, random_baseline, simulate_waves

__all__ = [
    "KeywordRule", "RegexRule", "seed_candidates", "largest_remainder", "source_quotas",
    "minority_aware_batches", "WavePlan", "plan_wave", "simulate_waves", "random_baseline",
    "default_model_quality",
]
