"""Exercise 2's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author

from . import ASSIGNMENT
from .key import DEFAULTS, FRAUD_LIFT, GOOD_RATIO, source_rates


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    d = DEFAULTS
    rates = source_rates(d)
    rate_rows = "\n".join(f"| {s} | {share:.0%} | {FRAUD_LIFT[s]}x | {rates[s]:.3f} |"
                          for s, share in d["source_shares"].items())
    return {"ex02_labeling_plan": nb.notebook([
        nb.md("intro", f"""
# Exercise 2 — A labeling plan under a budget

You have **{d['n_tickets']:,} unlabeled support tickets** from three sources. The rare class,
*fraud*, is about {d['fraud_rate']:.0%} of all tickets but under-represented in Email. You may
label **{d['label_budget']:,}** tickets in total. Plan the first wave of **{d['wave_size']:,}**
tickets so that it finds fraud early, does not waste labels on near-duplicates and keeps the
data diverse, and keep part of the budget for uncertainty sampling once a seed model exists.

| source | share of the pool | fraud rate vs overall (`FRAUD_LIFT`) | fraud rate |
|---|---|---|---|
{rate_rows}

The pool below is simulated with `imbalance_kit`; its `label` column is the hidden truth that
the simulator uses as the annotator. Your plan is judged by simulation against random labeling,
and the grader re-runs the notebook with **other parameter values**: compute from them.
Useful helpers: `source_quotas`, `plan_wave`, `simulate_waves`, `random_baseline`
(`help(source_quotas)` shows how to tilt quotas and keep a diversity floor).

<details><summary>Hint</summary>

Combine source quotas (tilted towards where fraud is common, with a floor for every source),
weak-rule seeding for likely fraud, deduplication before drawing, and uncertainty sampling after
a small seed model has been trained on wave 1.
</details>
"""),
        nb.parameters(),
        nb.setup("setup"),
        nb.md("q1_text", f"""
## Question 1 ({nb.points("q1_wave1_quotas")}): quotas per source

Set `wave1_quotas`, a dict source -> number of tickets for wave 1. The quotas must add up to
`wave_size`, fit the pool, give every source at least `MIN_SHARE` of the wave, and lean towards
the sources where fraud is more common without abandoning any.
"""),
        nb.answer("a1_wave1_quotas"),
        nb.tests("q1_wave1_quotas"),
        nb.md("q2_text", f"""
## Question 2 ({nb.points("q2_seeded_share")}): rule seeding

Set `seeded_share`, the fraction of wave 1 (between 0 and 1) picked by weak rules (keyword
matches that flag likely fraud); the rest is drawn at random within each source's quota.
"""),
        nb.answer("a2_seeded_share"),
        nb.tests("q2_seeded_share"),
        nb.md("q3_text", f"""
## Question 3 ({nb.points("q3_dedup_first")}): deduplication

Set `dedup_first` to `True` if near-duplicates are removed before the wave is drawn, else `False`.
"""),
        nb.answer("a3_dedup_first"),
        nb.tests("q3_dedup_first"),
        nb.md("q4_text", f"""
## Question 4 ({nb.points("q4_uncertainty_labels")}): budget for uncertainty sampling

After wave 1 you train a seed model and label the items it is least sure about. Set
`uncertainty_labels`, the number of labels of the budget you keep for that.
"""),
        nb.answer("a4_uncertainty_labels"),
        nb.tests("q4_uncertainty_labels"),
        nb.md("q5_text", f"""
## Question 5 ({nb.points("q5_simulated_yield")}): check your wave by simulation

The next cell simulates wave 1 and compares the fraud it finds with random labeling of as many
tickets. Full points need clearly more fraud: at least {GOOD_RATIO:g}x random.
"""),
        nb.tests("q5_simulated_yield"),
        nb.md("q6_text", f"""
## Question 6 ({nb.points("q6_selection_criteria")}, graded by hand): selection criteria

In `selection_criteria`, describe in a few sentences how wave 1 is selected and why: the rules
you seed with, how you deduplicate, how you keep the wave diverse, and what happens after wave 1.
"""),
        nb.manual("q6_selection_criteria"),
    ])}
