"""Labeling under a budget: weak-rule seeding, source quotas, minority-aware batches, wave plans.

:func:`simulate_waves` replays a labeling plan on a pool whose hidden ``label`` column plays the
annotator, so a plan can be judged by the minority items it would have found. It is a
simulation, not a labeling run: no model is trained on the texts. Its assumptions:

- **Pool.** A DataFrame with ``source``, ``label`` (0/1, 1 = minority) and ``dup_group``, e.g.
  :func:`imbalance_kit.datasets.labeling_pool`. Labels are exact (a perfect annotator). Items are
  labeled at most once across all waves.
- **Quotas.** Each wave labels exactly ``plan.quotas[source]`` items per source. Each source's
  quota is split over seeded / uncertainty / random items in proportion to the plan's mix by
  largest remainder; ties are settled so the split also sums to the plan's totals.
- **Seeded** items are the unlabeled items of the source with the highest seed score; ties are
  broken at random (seeded). The score belongs to the pool's domain: it is the weighted share of
  ``rules`` that fire (:func:`seed_candidates`) when ``rules`` is given, else the pool's
  ``seed_score`` column (:func:`~imbalance_kit.datasets.labeling_pool` fills it with the weak
  keyword rule of the pool's domain: fraud keywords for support tickets, abuse keywords for the
  abuse pool). A plan with seeded items on a pool with neither is an error: there is no default
  rule, because one domain's keywords say nothing about another's.
- **Uncertainty** items are *not* picked by a model trained on the labels so far. They come
  from a simulated model of a given quality, whose score depends on the hidden label:
  ``z = q * label + noise`` with ``noise ~ N(0, 1)`` drawn afresh each wave and
  ``q = model_quality(n_labeled, n_positive)`` (counts collected so far; default
  :func:`default_model_quality`, which grows from 0 towards 4 with the labeled positives). Its
  probability is the exact posterior of that Gaussian model with the pool's minority rate as
  prior, and the items with probability closest to 0.5 are drawn. So the simulation assumes the
  model's errors are independent noise that shrinks as positives are labeled; a real text
  model's errors cluster on hard or unusual texts, and its quality depends on the texts, not
  only on the counts. No model exists before the first labels, so uncertainty items in wave 1
  are an error (never a silent fallback to random).
- **Random** items are drawn uniformly from the source's remaining unlabeled items.
- **Duplicates.** With ``dedup=True`` an item whose ``dup_group`` was already drawn (earlier,
  or earlier in this wave) is skipped, and the next-best item is taken. With ``dedup=False`` it
  may be drawn and counts in ``duplicates_drawn``.
- **Running out.** If a source has fewer eligible items left than its quota, a ValueError
  names the wave, source and counts.
- **Diversity.** ``source_entropy`` is :func:`source_entropy` of the wave's per-source counts
  over all K sources of the pool: the Shannon entropy of the shares divided by ``log K``, 1 for
  perfectly even, 0 for a single source (also 0 when the pool has only one source).
"""
from .quotas import minority_aware_batches, source_entropy, source_quotas
from .rules import KeywordRule, RegexRule, seed_candidates
from .waves import WavePlan, default_model_quality, plan_wave, random_baseline, simulate_waves

__all__ = [
    "KeywordRule", "RegexRule", "seed_candidates", "source_quotas", "source_entropy",
    "minority_aware_batches", "WavePlan", "plan_wave", "simulate_waves", "random_baseline",
    "default_model_quality",
]
