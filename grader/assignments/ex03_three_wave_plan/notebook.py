"""The mini challenge's text and cell order; its code cells are in solution.py (see
grader/authoring.py)."""
from grader.authoring import Author

from . import ASSIGNMENT
from .key import DEFAULTS, GOAL_RATIO, POOL_SIZE, SOURCE_LIFT, SUCCESS_METRICS


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    d = DEFAULTS
    rows = "\n".join(f"| {s} | {share:.0%} | {SOURCE_LIFT[s]}x | {d['positive_rate'] * SOURCE_LIFT[s]:.3f} |"
                     for s, share in d["source_shares"].items())
    vocab = "\n".join(["| name | kind | what it measures |", "|---|---|---|"]
                      + [f"| `{n}` | {kind} | {what} |" for n, (kind, what) in SUCCESS_METRICS.items()])
    return {"ex03_three_wave_plan": nb.notebook([
        nb.md("intro", f"""
# Mini challenge — A three-wave labeling plan

An abuse-detection team has a pool of **{POOL_SIZE:,} unlabeled messages**, about
**{d['positive_rate']:.0%} abusive**, from {len(d['source_shares'])} sources. Design
**{d['n_waves']} labeling waves of {d['wave_size']:,} items** that at least **double** the
positives random labeling would find by the end of wave 2, without harming diversity, and say
how you will measure success after each wave.

| source | share of the pool | abuse rate vs overall (`SOURCE_LIFT`) | abuse rate |
|---|---|---|---|
{rows}

Each wave picks items per source (`quotas`) and splits the wave into `seeded` (top matches of
a weak rule on abuse keywords, the pool's `seed_score`), `uncertainty` (items a model is least
sure about) and `random` items. The plan is judged by simulation with `imbalance_kit.labeling`:
no model is trained there; uncertainty picks come from a simulated model whose quality grows
with the positives labeled so far (`help(simulate_waves)` lists every assumption). The grader
re-runs the notebook with **other parameter values**: compute from them.
"""),
        nb.parameters(),
        nb.setup("setup"),
        nb.md("plan_text", f"""
## Your plan

Set `waves`, a list of `n_waves` dicts (or `plan_wave(...)` results), one per wave, each with
`quotas` (source -> int, summing to `wave_size`) and `seeded`, `uncertainty`, `random`
(ints summing to `wave_size`). Rules of the game:

- wave 1 has no model yet, so no `uncertainty` picks, and keeps at least `RANDOM_FLOOR` of the
  wave as `random` picks for an unbiased estimate of the positive rate;
- every wave's source entropy stays at or above `ENTROPY_FLOOR`;
- by the end of wave 2, at least {GOAL_RATIO:g}x the positives that random labeling of the
  same number of items finds.
"""),
        nb.answer("a_waves"),
        nb.tests("q1_wave_format"),
        nb.tests("q2_wave1_mix"),
        nb.tests("q3_yield"),
        nb.tests("q4_diversity"),
        nb.md("q5_text", f"""
## How you will measure success

Set `success_metrics`, a list of names from this vocabulary (`SUCCESS_METRICS`), that you will
check after each wave. Yield and diversity earn the points; a `check` costs nothing; a
metric that misleads on imbalanced data (`misleading`) costs a point.

{vocab}
"""),
        nb.answer("a_success_metrics"),
        nb.tests("q5_success_metrics"),
        nb.md("q6_text", f"""
## Question 6 ({nb.points("q6_selection_rules")}, graded by hand): the selection rules in words

In `selection_rules`, describe in a few sentences how each wave picks its items and why: the
rule that seeds wave 1 and the random slice that keeps its estimate honest, how the mix shifts
from seeded to uncertainty picks over the waves, how the quotas keep the sources diverse, how
you avoid labeling duplicates, and what you check after each wave before planning the next.
"""),
        nb.manual("q6_selection_rules"),
    ])}
