"""Write the exercise source notebooks (solutions/<id>/<id>.ipynb) from the readable Python below.

Usage: ``python tools/make_notebooks.py`` (write) or ``python tools/make_notebooks.py --check``
(exit 1 when a committed notebook differs). Then ``course release`` generates exercises/.

Vocabularies, source shares and floors come from the grader's answer keys, so the notebook and
the key that grades it cannot disagree. Notebooks are stored without outputs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.assignments import ex01_class_weights as k1
from grader.assignments import ex02_labeling_plan as k2
from grader.assignments import ex03_three_wave_plan as k3
from grader.assignments import project_rare_entities as ke
from grader.assignments import project_rare_intents as ki
from grader.assignments import project_toxicity as kt
from grader.assignments import quick_test as kq
from imbalance_kit import class_weights
from imbalance_kit.datasets.abuse import ABUSE_LIFT
from imbalance_kit.datasets.intents import RARE_INTENTS
from imbalance_kit.datasets.projects import RARE_INTENT_EXAMPLES, TOXICITY_BUDGET, project_data
from imbalance_kit.datasets.tickets import FRAUD_LIFT

ROOT = Path(__file__).resolve().parents[1]


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def md(grade_id, text):
    """A locked markdown cell (read-only for students)."""
    return new_markdown_cell(text.strip(), id=grade_id, metadata=_meta(grade_id, locked=True))


def setup(grade_id, src):
    """A locked code cell students run but do not edit."""
    return new_code_cell(src.strip(), id=grade_id, metadata=_meta(grade_id, locked=True))


def parameters(src):
    cell = setup("parameters", src)
    cell.metadata["tags"] = ["parameters"]
    return cell


def answer(grade_id, src):
    """A solution cell: the region between the markers becomes a stub in the student copy."""
    return new_code_cell(src.strip(), id=grade_id, metadata=_meta(grade_id, solution=True))


def manual(grade_id, src, points):
    """A manually graded answer (formgrader)."""
    return new_code_cell(src.strip(), id=grade_id,
                         metadata=_meta(grade_id, grade=True, solution=True, points=points))


def tests(grade_id, src, points):
    """A locked, graded test cell: public asserts, then hidden tests."""
    return new_code_cell(src.strip(), id=grade_id,
                         metadata=_meta(grade_id, grade=True, locked=True, points=points))


def notebook(cells):
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    return nb


def _table(rows):
    return "\n".join(["| name | what it measures |", "|---|---|"]
                     + [f"| `{name}` | {what} |" for name, what in rows])


def ex01():
    w = class_weights({0: k1.DEFAULTS["n_non_toxic"], 1: k1.DEFAULTS["n_toxic"]})
    w3 = class_weights({"a": 500, "b": 300, "c": 200})
    vocab = _table((name, what) for name, (_, what) in k1.METRICS.items())
    return notebook([
        md("intro", f"""
# Exercise 1 — Class weights for a toxic-comment classifier

A moderation team has labeled **{k1.DEFAULTS['n_non_toxic']:,} non-toxic** comments (class 0) and
**{k1.DEFAULTS['n_toxic']:,} toxic** ones (class 1). A plain cross-entropy loss would let the
majority drown out the rare class, so you will weight each class by its inverse frequency:

$$w_c = \\frac{{N}}{{K \\cdot n_c}}$$

where $N$ is the number of samples, $K$ the number of classes and $n_c$ the count of class $c$.
Then you will pick two evaluation metrics that tell you how well the *rare* class is handled.

Work only in the cells that say `YOUR CODE HERE`; run the test cell after each answer. The
grader re-runs your notebook with **other class counts** and calls your function on **other
inputs**, so compute everything from the parameters instead of typing numbers. This exercise
mirrors lesson 04: try it here first, then compare with what the lesson computes.

<details><summary>Show a nudge</summary>

Here N = {k1.DEFAULTS['n_non_toxic'] + k1.DEFAULTS['n_toxic']:,} and K = 2: compute w_0 and w_1
from those, and think about which two metrics look at the rare class rather than at the crowd
(PR-AUC and macro F1 are the usual pair).
</details>
"""),
        parameters(f"""
# Parameters (the grader may change these values)
n_non_toxic = {k1.DEFAULTS['n_non_toxic']:_}
n_toxic = {k1.DEFAULTS['n_toxic']:_}
"""),
        md("q1_text", """
## Question 1 (3 points): inverse-frequency weights

Write `inverse_frequency_weights(counts)`: `counts` maps each class to its count (any number of
classes, keys may be ints or strings); return a dict mapping each class to `N / (K * n_c)`
(a list of `(class, weight)` pairs is accepted too). Do not round inside the function.
"""),
        answer("a1_inverse_frequency_weights", """
def inverse_frequency_weights(counts):
    \"\"\"Map each class in ``counts`` (class -> count) to the weight N / (K * n_c).\"\"\"
    ### BEGIN SOLUTION
    total = sum(counts.values())
    k = len(counts)
    return {c: total / (k * n_c) for c, n_c in counts.items()}
    ### END SOLUTION
"""),
        tests("q1_inverse_frequency_weights", f"""
\"\"\"inverse_frequency_weights: one weight per class, N / (K * n_c)\"\"\"
w = inverse_frequency_weights({{0: 18_400, 1: 1_600}})
w = dict(w) if isinstance(w, list) else w
assert isinstance(w, dict), f"return a dict class -> weight, got {{type(w).__name__}}"
assert set(w) == {{0, 1}}, f"return one weight per class (keys 0 and 1), got keys {{sorted(w)}}"
assert abs(w[0] - {w[0]:.6f}) < 1e-4 and abs(w[1] - {w[1]:.6f}) < 1e-4, \\
    f"got {{w}}; the weight of class c is N / (K * n_c)"
### BEGIN HIDDEN TESTS
w3 = dict(inverse_frequency_weights({{"a": 500, "b": 300, "c": 200}}))
assert set(w3) == {{"a", "b", "c"}}
assert all(abs(w3[c] - x) < 1e-6 for c, x in {w3!r}.items())
### END HIDDEN TESTS
""", 3),
        md("q2_text", """
## Question 2 (2 points): the two weights, rounded

Set `w0` and `w1`, the weights of class 0 and class 1 for the counts in the parameters cell,
rounded to 2 decimals with `round(x, 2)`. Use your function; do not type the numbers.
"""),
        answer("a2_rounded_weights", """
### BEGIN SOLUTION
weights = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
w0 = round(weights[0], 2)
w1 = round(weights[1], 2)
### END SOLUTION
"""),
        tests("q2_rounded_weights", """
\"\"\"w0, w1: the weights for the parameters' counts, rounded to 2 decimals\"\"\"
for name, value in [("w0", w0), ("w1", w1)]:
    assert isinstance(value, (int, float)), f"{name} must be a number, got {type(value).__name__}"
    assert abs(value * 100 - round(value * 100)) < 1e-6, f"round {name} to 2 decimals, got {value}"
assert w0 < w1, "the rare class (1) must get the larger weight"
### BEGIN HIDDEN TESTS
_w = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
assert abs(w0 - round(_w[0], 2)) < 1e-9 and abs(w1 - round(_w[1], 2)) < 1e-9
### END HIDDEN TESTS
""", 2),
        md("q3_text", f"""
## Question 3 (2 points): two evaluation metrics

Which two metrics would you report for this classifier? Set `metrics` to a list of two names
from this vocabulary (`METRIC_NAMES` in the next cell):

{vocab}
"""),
        setup("vocabulary", f"METRIC_NAMES = {list(k1.METRICS)!r}"),
        answer("a3_metrics", """
### BEGIN SOLUTION
metrics = ["pr_auc", "macro_f1"]
### END SOLUTION
"""),
        tests("q3_metrics", """
\"\"\"metrics: two distinct names from METRIC_NAMES\"\"\"
assert isinstance(metrics, (list, tuple)), f"metrics must be a list, got {type(metrics).__name__}"
assert len(metrics) == 2, f"name exactly two metrics, got {len(metrics)}"
assert len(set(metrics)) == 2, "name two different metrics"
for m in metrics:
    assert m in METRIC_NAMES, f"{m!r} is not in METRIC_NAMES"
### BEGIN HIDDEN TESTS
assert set(metrics) == {"pr_auc", "macro_f1"}
### END HIDDEN TESTS
""", 2),
    ])


def ex02():
    d = k2.DEFAULTS
    rates = k2.source_rates(d)
    rate_rows = "\n".join(f"| {s} | {share:.0%} | {FRAUD_LIFT[s]}x | {rates[s]:.3f} |"
                          for s, share in d["source_shares"].items())
    return notebook([
        md("intro", f"""
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
        parameters(f"""
# Parameters (the grader may change these values)
n_tickets = {d['n_tickets']:_}
source_shares = {d['source_shares']!r}
fraud_rate = {d['fraud_rate']}
label_budget = {d['label_budget']:_}
wave_size = {d['wave_size']:_}
"""),
        setup("setup", f"""
from imbalance_kit.datasets import labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_quotas

FRAUD_LIFT = {FRAUD_LIFT!r}
MIN_SHARE = {k2.MIN_SHARE}  # diversity floor: every source gets at least this share of a wave
pool = labeling_pool(n_tickets, source_shares, fraud_rate,
                     {{s: fraud_rate * FRAUD_LIFT[s] for s in source_shares}}, seed={k2.POOL_SEED})
pool_counts = pool["source"].value_counts().to_dict()
pool_counts
"""),
        md("q1_text", """
## Question 1 (3 points): quotas per source

Set `wave1_quotas`, a dict source -> number of tickets for wave 1. The quotas must add up to
`wave_size`, fit the pool, give every source at least `MIN_SHARE` of the wave, and lean towards
the sources where fraud is more common without abandoning any.
"""),
        answer("a1_wave1_quotas", """
### BEGIN SOLUTION
wave1_quotas = source_quotas(source_shares, wave_size, min_share=MIN_SHARE, tilt=FRAUD_LIFT,
                             pool_counts=pool_counts)
### END SOLUTION
"""),
        tests("q1_wave1_quotas", """
\"\"\"wave1_quotas: source -> int, filling the wave\"\"\"
assert isinstance(wave1_quotas, dict), f"wave1_quotas must be a dict, got {type(wave1_quotas).__name__}"
assert set(wave1_quotas) == set(source_shares), f"name every source once: {sorted(source_shares)}"
assert all(int(q) == q and q >= 0 for q in wave1_quotas.values()), "quotas are whole numbers >= 0"
assert sum(wave1_quotas.values()) == wave_size, \\
    f"quotas sum to {sum(wave1_quotas.values())}, not wave_size={wave_size}"
### BEGIN HIDDEN TESTS
assert all(wave1_quotas[s] >= MIN_SHARE * wave_size for s in source_shares)
assert wave1_quotas["Email"] < source_shares["Email"] * wave_size
assert all(wave1_quotas[s] <= pool_counts[s] for s in source_shares)
### END HIDDEN TESTS
""", 3),
        md("q2_text", """
## Question 2 (1 point): rule seeding

Set `seeded_share`, the fraction of wave 1 (between 0 and 1) picked by weak rules (keyword
matches that flag likely fraud); the rest is drawn at random within each source's quota.
"""),
        answer("a2_seeded_share", """
### BEGIN SOLUTION
seeded_share = 0.4
### END SOLUTION
"""),
        tests("q2_seeded_share", """
\"\"\"seeded_share: a fraction of the wave\"\"\"
assert isinstance(seeded_share, (int, float)), f"seeded_share must be a number, got {type(seeded_share).__name__}"
assert 0 <= seeded_share <= 1, f"seeded_share is a fraction between 0 and 1, got {seeded_share}"
### BEGIN HIDDEN TESTS
assert 0 < seeded_share < 1
### END HIDDEN TESTS
""", 1),
        md("q3_text", """
## Question 3 (1 point): deduplication

Set `dedup_first` to `True` if near-duplicates are removed before the wave is drawn, else `False`.
"""),
        answer("a3_dedup_first", """
### BEGIN SOLUTION
dedup_first = True
### END SOLUTION
"""),
        tests("q3_dedup_first", """
\"\"\"dedup_first: a bool\"\"\"
assert isinstance(dedup_first, bool), f"dedup_first must be True or False, got {dedup_first!r}"
### BEGIN HIDDEN TESTS
assert dedup_first is True
### END HIDDEN TESTS
""", 1),
        md("q4_text", """
## Question 4 (1 point): budget for uncertainty sampling

After wave 1 you train a seed model and label the items it is least sure about. Set
`uncertainty_labels`, the number of labels of the budget you keep for that.
"""),
        answer("a4_uncertainty_labels", """
### BEGIN SOLUTION
uncertainty_labels = label_budget - wave_size
### END SOLUTION
"""),
        tests("q4_uncertainty_labels", """
\"\"\"uncertainty_labels: a whole number within the budget\"\"\"
assert isinstance(uncertainty_labels, int), f"uncertainty_labels must be an int, got {type(uncertainty_labels).__name__}"
assert wave_size + uncertainty_labels <= label_budget, "wave 1 plus uncertainty_labels exceed the budget"
### BEGIN HIDDEN TESTS
assert uncertainty_labels > 0
### END HIDDEN TESTS
""", 1),
        md("q5_text", f"""
## Question 5 (2 points): check your wave by simulation

The next cell simulates wave 1 and compares the fraud it finds with random labeling of as many
tickets. Full points need clearly more fraud: at least {k2.GOOD_RATIO:g}x random.
"""),
        tests("q5_simulated_yield", f"""
\"\"\"simulated wave 1 finds clearly more fraud than random labeling\"\"\"
plan = plan_wave(wave1_quotas, seeded=round(seeded_share * wave_size), dedup=dedup_first)
result = simulate_waves([plan], pool, seed={k2.POOL_SEED})
found = int(result["positives"].iloc[0])
expected = random_baseline(pool, wave_size)["expected"]
print(f"wave 1 finds {{found}} fraud tickets; random labeling finds {{expected:.0f}} on average")
assert found > expected, "your wave finds no more fraud than random labeling"
### BEGIN HIDDEN TESTS
assert found >= {k2.GOOD_RATIO} * expected
### END HIDDEN TESTS
""", 2),
        md("q6_text", """
## Question 6 (2 points, graded by hand): selection criteria

In `selection_criteria`, describe in a few sentences how wave 1 is selected and why: the rules
you seed with, how you deduplicate, how you keep the wave diverse, and what happens after wave 1.
"""),
        manual("q6_selection_criteria", """
### BEGIN SOLUTION
selection_criteria = \"\"\"
Deduplicate first (MinHash near-duplicates, one item per group) so labels are not wasted and
copies cannot leak between train and validation. Split the wave by source with a 10 % floor per
source and a tilt towards Chat and Social, where fraud is more common; Email stays in the wave
but below its pool share. Within each source, 40 % of the items are the top matches of weak
fraud rules (refund, chargeback, gift card, wire transfer, verify account); the rest are random,
so we also find fraud the rules miss and can estimate the true rate. After wave 1, train a seed
model and spend the remaining budget on the items it is least sure about, capped per source.
\"\"\"
### END SOLUTION
""", 2),
    ])


def ex03():
    d = k3.DEFAULTS
    rows = "\n".join(f"| {s} | {share:.0%} | {ABUSE_LIFT[s]}x | {d['positive_rate'] * ABUSE_LIFT[s]:.3f} |"
                     for s, share in d["source_shares"].items())
    vocab = "\n".join(["| name | kind | what it measures |", "|---|---|---|"]
                      + [f"| `{n}` | {kind} | {what} |"
                         for n, (kind, what) in k3.SUCCESS_METRICS.items()])
    return notebook([
        md("intro", f"""
# Mini challenge — A three-wave labeling plan

An abuse-detection team has a pool of **{k3.POOL_SIZE:,} unlabeled messages**, about
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
        parameters(f"""
# Parameters (the grader may change these values)
positive_rate = {d['positive_rate']}
wave_size = {d['wave_size']:_}
n_waves = {d['n_waves']}
source_shares = {d['source_shares']!r}
"""),
        setup("setup", f"""
from imbalance_kit.datasets import labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_quotas

SOURCE_LIFT = {ABUSE_LIFT!r}
POOL_SIZE = {k3.POOL_SIZE:_}
ENTROPY_FLOOR = {k3.ENTROPY_FLOOR}  # every wave's source entropy (0..1) must reach this
RANDOM_FLOOR = {k3.RANDOM_FLOOR}  # wave 1 keeps at least this share of random picks
pool = labeling_pool(POOL_SIZE, source_shares, positive_rate,
                     {{s: positive_rate * SOURCE_LIFT[s] for s in source_shares}}, seed={k3.POOL_SEED},
                     domain="abuse")
SUCCESS_METRICS = {list(k3.SUCCESS_METRICS)!r}
"""),
        md("plan_text", f"""
## Your plan

Set `waves`, a list of `n_waves` dicts, one per wave, each with
`quotas` (source -> int, summing to `wave_size`) and `seeded`, `uncertainty`, `random`
(ints summing to `wave_size`). Rules of the game:

- wave 1 has no model yet, so no `uncertainty` picks, and keeps at least `RANDOM_FLOOR` of the
  wave as `random` picks for an unbiased estimate of the positive rate;
- every wave's source entropy stays at or above `ENTROPY_FLOOR`;
- by the end of wave 2, at least {k3.GOAL_RATIO:g}x the positives that random labeling of the
  same number of items finds.
"""),
        answer("a_waves", """
### BEGIN SOLUTION
quotas = source_quotas(source_shares, wave_size, min_share=0.1, tilt=SOURCE_LIFT, strength=0.5)
fifth = wave_size // 5
waves = [
    {"quotas": quotas, "seeded": wave_size // 2, "uncertainty": 0, "random": wave_size - wave_size // 2},
    {"quotas": quotas, "seeded": fifth, "uncertainty": wave_size // 2,
     "random": wave_size - fifth - wave_size // 2},
    {"quotas": quotas, "seeded": fifth, "uncertainty": wave_size // 2,
     "random": wave_size - fifth - wave_size // 2},
][:n_waves]
### END SOLUTION
"""),
        tests("q1_wave_format", """
\"\"\"waves: n_waves dicts whose quotas and mix fill the wave\"\"\"
assert isinstance(waves, list) and len(waves) == n_waves, f"waves must be a list of {n_waves} dicts"
for i, w in enumerate(waves, 1):
    assert set(w) >= {"quotas", "seeded", "uncertainty", "random"}, f"wave {i} lacks a key"
    assert set(w["quotas"]) == set(source_shares), f"wave {i}: name every source once"
    assert sum(w["quotas"].values()) == wave_size, f"wave {i}: quotas do not sum to wave_size"
    assert w["seeded"] + w["uncertainty"] + w["random"] == wave_size, f"wave {i}: mix does not sum to wave_size"
### BEGIN HIDDEN TESTS
plans = [plan_wave(w["quotas"], w["seeded"], w["uncertainty"], w["random"]) for w in waves]
### END HIDDEN TESTS
""", 2),
        tests("q2_wave1_mix", """
\"\"\"wave 1: no model yet, and a random slice\"\"\"
assert waves[0]["uncertainty"] == 0, "wave 1 cannot use uncertainty sampling: no model exists yet"
### BEGIN HIDDEN TESTS
assert waves[0]["random"] >= RANDOM_FLOOR * wave_size
### END HIDDEN TESTS
""", 2),
        tests("q3_yield", f"""
\"\"\"simulated positives by wave 2 at least double random labeling\"\"\"
plans = [plan_wave(w["quotas"], w["seeded"], w["uncertainty"], w["random"]) for w in waves]
result = simulate_waves(plans, pool, seed={k3.POOL_SEED})
print(result[["wave", "positives", "cumulative_positives", "source_entropy"]])
expected = random_baseline(pool, 2 * wave_size)["expected"]
found = int(result["cumulative_positives"].iloc[1])
print(f"by wave 2: {{found}} positives; random labeling finds {{expected:.0f}}")
assert found > expected, "the plan finds no more positives than random labeling"
### BEGIN HIDDEN TESTS
assert found >= {k3.GOAL_RATIO} * expected
### END HIDDEN TESTS
""", 3),
        tests("q4_diversity", """
\"\"\"every wave keeps source diversity\"\"\"
low = result.loc[result["source_entropy"] < ENTROPY_FLOOR, "wave"].tolist()
assert not low, f"waves {low} fall below ENTROPY_FLOOR"
### BEGIN HIDDEN TESTS
assert (result["source_entropy"] >= ENTROPY_FLOOR).all()
### END HIDDEN TESTS
""", 2),
        md("q5_text", f"""
## How you will measure success

Set `success_metrics`, a list of names from this vocabulary (`SUCCESS_METRICS`), that you will
check after each wave. List only what you would track: a name that measures neither yield nor
diversity costs a point.

{vocab}
"""),
        answer("a_success_metrics", """
### BEGIN SOLUTION
success_metrics = ["cumulative_positives", "yield_vs_random", "source_entropy"]
### END SOLUTION
"""),
        tests("q5_success_metrics", """
\"\"\"success_metrics: names from SUCCESS_METRICS\"\"\"
assert isinstance(success_metrics, (list, tuple)) and success_metrics, "make success_metrics a non-empty list"
for m in success_metrics:
    assert m in SUCCESS_METRICS, f"{m!r} is not in SUCCESS_METRICS"
### BEGIN HIDDEN TESTS
assert {"cumulative_positives", "positives_found", "positive_rate_per_wave", "yield_vs_random"} & set(success_metrics)
assert {"source_entropy", "per_source_counts", "min_source_share"} & set(success_metrics)
assert set(success_metrics) <= {"cumulative_positives", "positives_found", "positive_rate_per_wave", "yield_vs_random",
                                "source_entropy", "per_source_counts", "min_source_share"}
### END HIDDEN TESTS
""", 2),
    ])


# ---------------------------------------------------------------- practical projects

_REPORT_HELP = """
Also set `reported_metrics`, a dict metric name -> value **measured on the validation set with
your final model**. The grader computes the same metric on the same validation data and
compares. Accuracy alone is not enough on imbalanced data.
"""


def project_toxicity():
    t = kt.TARGETS
    n_val_pos = int(project_data("toxicity", "validation")["label"].sum())
    return notebook([
        md("intro", f"""
# Project 1 — Toxic comments on a labeling budget

You get an **unlabeled pool** of about {len(project_data('toxicity', 'pool')):,} comments from
four sources (about 4 % toxic) and a **labeling oracle** that sells at most `budget` labels.
Collect labels in waves (deduplicate, seed with rules, keep every source in the wave, then
sample what your model is unsure about), train a classifier, choose a threshold on the
labeled **validation** set, and define:

- `predict_scores(texts)` -> a list of floats, one score per text (higher = more toxic);
- `threshold`: a text is flagged toxic when its score is >= `threshold`.

**Target on the hidden test set: recall >= {t['recall']:g} with precision >= {t['precision']:g}.**
In the graded run the oracle, the pool and the validation set are the grader's (the same
size, drawn from the same distribution), so work only through `oracle`; the grader keeps its
own log of the labels you bought and never trusts numbers your notebook reports.
"""),
        parameters(f"""
# Parameters (the grader may change these values)
budget = {TOXICITY_BUDGET:_}
"""),
        setup("setup", """
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from learner.oracle import get_oracle
from imbalance_kit.active import query
from imbalance_kit.dedup import exact_duplicates
from imbalance_kit.labeling import source_quotas
from imbalance_kit.metrics import pr_auc
from imbalance_kit.thresholds import choose_threshold, threshold_sweep

oracle = get_oracle(budget=budget)
pool = oracle.pool()              # item_id, text, source: no labels
val = oracle.validation()         # item_id, text, source, label: for thresholds, not training
print(len(pool), "pool items;", len(val), "validation items;", oracle.remaining, "labels left")
"""),
        md("a_text", f"""
## Your solution

Buy labels with `oracle.label(ids)` (a dict id -> 0/1; each new id costs one label, asking again
is free, a request past the budget is refused). Then set `threshold`, `predict_scores`,
`train_texts` (the texts you trained on), `val_texts` (the validation texts you scored) and
`reported_metrics` (at least `pr_auc`).

Leave slack when you choose `threshold`: the validation set holds only about {n_val_pos} toxic
comments (each is {100 / n_val_pos:.1f} % of recall), so a threshold that only just meets a
target there can miss it on the hidden test set. `threshold_sweep` lists precision and recall
at every candidate threshold; `choose_threshold` picks one that meets floors you set.
{_REPORT_HELP}"""),
        answer("a_solution", """
### BEGIN SOLUTION
vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit(pool["text"])
X = vec.transform(pool["text"])

# Deduplicate first: one item per group of texts equal after normalisation.
first = ~pd.Series(exact_duplicates(pool["text"].tolist())).duplicated().to_numpy()
candidates = np.flatnonzero(first)

# Wave 1 (1,000 labels): quotas per source, half of each quota seeded by insult keywords.
rng = np.random.default_rng(0)
shares = pool["source"].value_counts(normalize=True).to_dict()
quotas = source_quotas(shares, 1_000, min_share=0.15)
seeded = pool["text"].str.lower().str.contains(
    r"idiot|stupid|moron|loser|pathetic|shut up|hate you|kill|trash|clown|dumb")
wave = []
for source, quota in quotas.items():
    in_source = candidates[(pool["source"].to_numpy()[candidates] == source)]
    hits = in_source[seeded.to_numpy()[in_source]]
    k = min(quota // 2, len(hits))
    picked = list(rng.choice(hits, size=k, replace=False))
    rest = np.setdiff1d(in_source, picked)
    picked += list(rng.choice(rest, size=quota - k, replace=False))
    wave += picked
labels = oracle.label(pool["item_id"].to_numpy()[wave].tolist())
labeled = list(wave)

# Later waves (500 each): the items the current model is least sure about.
while oracle.remaining > 0:
    y = [labels[i] for i in pool["item_id"].to_numpy()[labeled]]
    model = LogisticRegression(C=4, class_weight="balanced", max_iter=2_000).fit(X[labeled], y)
    proba = model.predict_proba(X[candidates])
    taken = set(labeled)
    exclude = [j for j, i in enumerate(candidates) if i in taken]
    new = candidates[query(proba, min(500, oracle.remaining), exclude=exclude)].tolist()
    labels.update(oracle.label(pool["item_id"].to_numpy()[new].tolist()))
    labeled += new

y = [labels[i] for i in pool["item_id"].to_numpy()[labeled]]
model = LogisticRegression(C=4, class_weight="balanced", max_iter=2_000).fit(X[labeled], y)
val_scores = model.predict_proba(vec.transform(val["text"]))[:, 1]
# Leave slack on both targets: take the threshold whose worse target has the most room, i.e. the
# largest min(recall - 0.85, precision - 0.65) on validation. Just past the last subtle put-down
# precision falls off a cliff while recall barely moves, so precision is aimed a little above its
# 0.6 target; a recall floor alone (min_recall=0.92) lands on that cliff for many test draws.
sweep = threshold_sweep(val["label"], val_scores)
slack = np.minimum(sweep["recall"] - 0.85, sweep["precision"] - 0.65)
choice = sweep.iloc[int(np.argmax(slack))]
threshold = float(choice.threshold)


def predict_scores(texts):
    return model.predict_proba(vec.transform(list(texts)))[:, 1].tolist()


train_texts = pool["text"].iloc[labeled].tolist()
val_texts = val["text"].tolist()
reported_metrics = {"pr_auc": pr_auc(val["label"], val_scores),
                    "recall": float(choice.recall), "precision": float(choice.precision)}
print(reported_metrics, "threshold", round(threshold, 3))
### END SOLUTION
"""),
        tests("q1_labels", """
\"\"\"labels bought through the oracle, within the budget\"\"\"
assert oracle.used <= budget, "more labels than the budget?"
assert oracle.used > 0, "buy labels with oracle.label(ids)"
assert isinstance(train_texts, list) and train_texts, "set train_texts to the texts you trained on"
### BEGIN HIDDEN TESTS
assert len(train_texts) <= budget
### END HIDDEN TESTS
""", 2),
        tests("q2_targets", f"""
\"\"\"recall >= {t['recall']:g} with precision >= {t['precision']:g} (checked here on validation; graded on the hidden test set)\"\"\"
_s = np.asarray(predict_scores(val["text"].tolist()), dtype=float)
assert len(_s) == len(val), "predict_scores must return one score per text"
_flag = _s >= threshold
_recall = (_flag & (val["label"] == 1)).sum() / (val["label"] == 1).sum()
_precision = (_flag & (val["label"] == 1)).sum() / max(_flag.sum(), 1)
print(f"validation: recall {{_recall:.3f}}, precision {{_precision:.3f}}")
assert _recall >= {t['recall']:g} and _precision >= {t['precision']:g}, "targets missed on validation"
### BEGIN HIDDEN TESTS
assert 0 < threshold < 1
### END HIDDEN TESTS
""", 6),
        tests("q3_process", """
\"\"\"validation kept as given and never trained on\"\"\"
assert sorted(val_texts) == sorted(val["text"]), "val_texts must be the validation set as given"
assert not set(train_texts) & set(val["text"]), "validation texts are in your training data"
### BEGIN HIDDEN TESTS
assert len(val_texts) == len(val)
### END HIDDEN TESTS
""", 2),
        tests("q4_reported_metrics", """
\"\"\"PR-AUC reported on validation\"\"\"
assert isinstance(reported_metrics, dict) and "pr_auc" in reported_metrics, "report pr_auc"
### BEGIN HIDDEN TESTS
assert 0 <= reported_metrics["pr_auc"] <= 1
### END HIDDEN TESTS
""", 1),
    ])


def project_rare_intents():
    t = ki.TARGETS
    return notebook([
        md("intro", f"""
# Project 2 — Rare intents with paraphrase augmentation

A support assistant must route messages to **30 intents**. Five of them are rare
({', '.join(f'`{i}`' for i in RARE_INTENTS)}): the training data keeps only
`rare_examples` real messages of each. Build a paraphrase augmentation pipeline for the rare
intents (`template_paraphrases`: write templates in your own words, list slot fillers), train
a classifier and define `predict(texts)` -> a list of intent names.

**Graded on a hidden test set:** macro F1 >= {t['macro_f1']:g} and recall over the rare intents
>= {t['rare_recall']:g} (each rare intent's recall is reported separately). Augment training
data only: the validation set stays as given.
"""),
        parameters(f"""
# Parameters (the grader may change these values)
rare_examples = {RARE_INTENT_EXAMPLES}
"""),
        setup("setup", """
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from imbalance_kit.augment import template_paraphrases
from imbalance_kit.datasets import project_data
from imbalance_kit.datasets.intents import INTENT_SLOTS, RARE_INTENTS
from imbalance_kit.metrics import macro_f1, per_class_report

train = project_data("rare_intents", "train")
val = project_data("rare_intents", "validation")
print(train["intent"].value_counts().tail(7))
for intent in RARE_INTENTS:
    print(intent, "->", train.loc[train["intent"] == intent, "text"].tolist())
"""),
        md("a_text", f"""
## Your solution

Set `predict`, `train_texts` and `train_labels` (your final training data, augmented rows
included), `val_texts` (the validation texts you evaluated on) and `reported_metrics` (at least
`macro_f1`). Slot fillers are in `INTENT_SLOTS`.
{_REPORT_HELP}"""),
        answer("a_solution", """
### BEGIN SOLUTION
rare_templates = {
    "report_fraud": ["someone used my {payment} without asking", "my account was hacked",
                     "i see a charge of {amount} on my {payment} i did not make", "fraud on my {payment}",
                     "i did not place order {order_id}, it is fraud", "scam email claiming to be from you",
                     "unauthorized purchase on my {payment}"],
    "data_export_request": ["i want a copy of my personal data", "export my data please",
                            "what personal data do you store about me", "gdpr data request",
                            "download all the data you have on me", "send me all my information"],
    "accessibility_help": ["your site does not work with {aid}", "i use {aid} and cannot check out",
                           "the app is not accessible with my {aid}", "the text is too small for me to read",
                           "buttons have no labels for {aid}", "accessibility problem with {aid}"],
    "bulk_order_quote": ["i need a quote for {quantity} {item}", "bulk discount for {quantity} {item}",
                         "wholesale pricing on {item}", "our company wants to buy {quantity} {item}",
                         "price for {quantity} units of the {item}"],
    "price_match": ["{competitor} has the {item} cheaper", "will you price match {competitor}",
                    "the {item} costs {amount} less at {competitor}", "can you match the price of {competitor}",
                    "price match for the {item} please"],
}
# Openings and endings multiply the phrasings, so every intent gets 100 distinct sentences.
slots = dict(INTENT_SLOTS, lead=["", "hi ", "hello, ", "hey ", "please "],
             tail=["", " thanks", " please", " asap", "?"])
augmented = pd.DataFrame(
    [(text, intent) for intent, templates in rare_templates.items()
     for text in template_paraphrases(["{lead}" + t + "{tail}" for t in templates], slots, n=100, seed=1)],
    columns=["text", "intent"])
data = pd.concat([train, augmented], ignore_index=True)
model = make_pipeline(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
                      LogisticRegression(C=10, class_weight="balanced", max_iter=3_000))
model.fit(data["text"], data["intent"])


def predict(texts):
    return model.predict(list(texts)).tolist()


train_texts = data["text"].tolist()
train_labels = data["intent"].tolist()
val_texts = val["text"].tolist()
val_pred = predict(val_texts)
reported_metrics = {"macro_f1": macro_f1(val["intent"], val_pred)}
report = per_class_report(val["intent"], val_pred)
print(reported_metrics)
print(report.loc[list(RARE_INTENTS)].round(2))
### END SOLUTION
"""),
        tests("q1_macro_f1", f"""
\"\"\"macro F1 (checked here on validation; graded on the hidden test set)\"\"\"
_pred = predict(val["text"].tolist())
assert len(_pred) == len(val), "predict must return one intent per text"
_mf1 = macro_f1(val["intent"], _pred)
print(f"validation macro F1 {{_mf1:.3f}}")
assert _mf1 >= {t['macro_f1'] - 0.03:g}, "macro F1 far below the target on validation"
### BEGIN HIDDEN TESTS
assert all(isinstance(p, str) for p in _pred)
### END HIDDEN TESTS
""", 4),
        tests("q2_rare_recall", f"""
\"\"\"recall over the rare intents (checked here on validation)\"\"\"
_rare = val["intent"].isin(RARE_INTENTS).to_numpy()
_recall = (pd.Series(_pred)[_rare].to_numpy() == val["intent"][_rare].to_numpy()).mean()
print(f"validation recall over rare intents {{_recall:.3f}}")
assert _recall >= {t['rare_recall'] - 0.1:g}, "rare-intent recall far below the target on validation"
### BEGIN HIDDEN TESTS
assert _recall > 0
### END HIDDEN TESTS
""", 3),
        tests("q3_process", """
\"\"\"augmented training data, validation kept as given\"\"\"
assert len(train_texts) == len(train_labels), "one label per training text"
assert sorted(val_texts) == sorted(val["text"]), "val_texts must be the validation set as given"
for intent in RARE_INTENTS:
    assert train_labels.count(intent) > rare_examples, f"augment {intent}"
### BEGIN HIDDEN TESTS
assert len(train_texts) > len(train)
### END HIDDEN TESTS
""", 2),
        tests("q4_reported_metrics", """
\"\"\"macro F1 reported on validation\"\"\"
assert isinstance(reported_metrics, dict) and "macro_f1" in reported_metrics, "report macro_f1"
### BEGIN HIDDEN TESTS
assert 0 <= reported_metrics["macro_f1"] <= 1
### END HIDDEN TESTS
""", 1),
        md("variant", """
## Variant (practice, not graded): real chatterbot-corpus categories

The same recipe on real dialog data: `chatterbot_intents()` holds the English
chatterbot-corpus conversations labeled by category, with a long tail of small categories.
Try augmenting the smallest ones and compare per-category recall with and without.
"""),
        setup("variant_code", """
from imbalance_kit.datasets import chatterbot_intents
from imbalance_kit.splits import stratified_split

bot = chatterbot_intents()
bot_train, bot_val, _ = stratified_split(bot, "category", sizes=(0.7, 0.15, 0.15))
bot_model = make_pipeline(TfidfVectorizer(sublinear_tf=True),
                          LogisticRegression(class_weight="balanced", max_iter=2_000))
bot_model.fit(bot_train["text"], bot_train["category"])
print(per_class_report(bot_val["category"], bot_model.predict(bot_val["text"])).round(2).tail(6))
"""),
    ])


def project_rare_entities():
    t = ke.TARGETS
    return notebook([
        md("intro", f"""
# Project 3 — A rare entity type: DRUG in news

News sentences are tagged with PER, ORG, LOC and a **rare DRUG** type (IOB2 tags). Few
training sentences mention a drug. Mine DRUG candidates (`mine_candidates`: lexicon plus
suffix rules), use them (as features, or to build more DRUG training sentences), upweight the
rare type in the loss (`token_weights`) and define `predict_tags(sentences)` -> one list of
IOB2 tags per sentence (a sentence is a list of tokens).

**Graded on hidden test documents with strict entity matching:** DRUG F1 >= {t['drug_f1']:g}
and micro F1 over all types >= {t['micro_f1']:g}. Report DRUG F1 on validation, not token
accuracy (a tagger that never predicts DRUG has excellent token accuracy).
"""),
        parameters("""
# Parameters (the grader may change these values)
drug_weight = 8.0
"""),
        setup("setup", """
import numpy as np
import pandas as pd
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from imbalance_kit.datasets import project_data
from imbalance_kit.datasets.news import DRUG_LEXICON
from imbalance_kit.ner import DRUG_SUFFIXES, bio_to_spans, entity_scores, mine_candidates, token_weights

train = project_data("rare_entities", "train")
val = project_data("rare_entities", "validation")
n_drug = sum(any(t.endswith("DRUG") for t in tags) for tags in train["tags"])
print(len(train), "training sentences,", n_drug, "with a DRUG")
"""),
        md("a_text", f"""
## Your solution

Set `predict_tags`, `train_sentences` (token lists you trained on, added ones included),
`val_sentences` (the validation sentences you evaluated on) and `reported_metrics` (at least
`drug_f1`).
{_REPORT_HELP}"""),
        answer("a_solution", """
### BEGIN SOLUTION
lexicon = {d.lower() for d in DRUG_LEXICON}
suffixes = tuple(s.lstrip("-") for s in DRUG_SUFFIXES)
mined = mine_candidates(list(train["tokens"]), lexicon=DRUG_LEXICON)
print(len(mined), "candidate tokens;", mined["rule"].value_counts().head(3).to_dict())

# More DRUG sentences: swap each drug mention for other one-word lexicon drugs.
rng = np.random.default_rng(0)
names = sorted(d for d in DRUG_LEXICON if " " not in d)
extra = []
for tokens, tags in zip(train["tokens"], train["tags"]):
    spans = [s for s in bio_to_spans(tags) if s[0] == "DRUG"]
    for _ in range(20 if spans else 0):
        new_tokens, new_tags, i = [], [], 0
        for _, start, end in spans:
            new_tokens += list(tokens[i:start]) + [str(rng.choice(names))]
            new_tags += list(tags[i:start]) + ["B-DRUG"]
            i = end
        extra.append((new_tokens + list(tokens[i:]), new_tags + list(tags[i:])))
sentences = [list(t) for t in train["tokens"]] + [t for t, _ in extra]
tag_lists = [list(t) for t in train["tags"]] + [g for _, g in extra]


def features(tokens, i):
    w = tokens[i]
    lw = w.lower()
    return {"w=" + lw: 1, "upper": int(w[:1].isupper()), "first": int(i == 0),
            "p=" + (tokens[i - 1].lower() if i else "<s>"): 1,
            "p2=" + (tokens[i - 2].lower() if i > 1 else "<s>"): 1,
            "n=" + (tokens[i + 1].lower() if i + 1 < len(tokens) else "</s>"): 1,
            "s3=" + lw[-3:]: 1, "s4=" + lw[-4:]: 1,
            "lexicon": int(lw in lexicon), "drug_suffix": int(lw.endswith(suffixes))}


def featurize(sents):
    return [features(s, i) for s in sents for i in range(len(s))]


vec = DictVectorizer()
X = vec.fit_transform(featurize(sentences))
weights = np.concatenate([token_weights(t, {"DRUG": drug_weight}) for t in tag_lists])
tagger = LogisticRegression(C=5, max_iter=3_000).fit(X, [t for ts in tag_lists for t in ts],
                                                     sample_weight=weights)


def predict_tags(sents):
    sents = [list(s) for s in sents]
    flat = tagger.predict(vec.transform(featurize(sents))) if sents else []
    out, k = [], 0
    for s in sents:
        tags = [str(x) for x in flat[k:k + len(s)]]
        k += len(s)
        for i, tag in enumerate(tags):  # an I- tag without its entity before it starts one
            if tag.startswith("I-") and (i == 0 or tags[i - 1][2:] != tag[2:]):
                tags[i] = "B-" + tag[2:]
        out.append(tags)
    return out


train_sentences = sentences
val_sentences = [list(t) for t in val["tokens"]]
val_scores = entity_scores(list(val["tags"]), predict_tags(val_sentences))
reported_metrics = {"drug_f1": float(val_scores.loc["DRUG", "f1"]),
                    "micro_f1": float(val_scores.loc["micro", "f1"])}
print(val_scores.round(3))
### END SOLUTION
"""),
        tests("q1_drug_f1", f"""
\"\"\"DRUG F1 (checked here on validation; graded on the hidden test set)\"\"\"
_tags = predict_tags([list(t) for t in val["tokens"]])
assert len(_tags) == len(val), "predict_tags must return one tag list per sentence"
_scores = entity_scores(list(val["tags"]), _tags)
print(_scores.round(3))
assert "DRUG" in _scores.index and _scores.loc["DRUG", "f1"] >= {t['drug_f1'] - 0.15:g}, \\
    "DRUG F1 far below the target on validation (few drug sentences there: a rough check)"
### BEGIN HIDDEN TESTS
assert all(len(a) == len(b) for a, b in zip(_tags, val["tokens"]))
### END HIDDEN TESTS
""", 4),
        tests("q2_overall_f1", f"""
\"\"\"micro F1 over all entity types\"\"\"
assert _scores.loc["micro", "f1"] >= {t['micro_f1'] - 0.02:g}, "micro F1 far below the target on validation"
### BEGIN HIDDEN TESTS
assert _scores.loc["micro", "f1"] > 0
### END HIDDEN TESTS
""", 2),
        tests("q3_process", """
\"\"\"validation kept as given\"\"\"
assert len(val_sentences) == len(val), "val_sentences must be the validation set as given"
### BEGIN HIDDEN TESTS
assert len(train_sentences) >= len(train)
### END HIDDEN TESTS
""", 2),
        tests("q4_reported_metrics", """
\"\"\"DRUG F1 reported on validation\"\"\"
assert isinstance(reported_metrics, dict) and "drug_f1" in reported_metrics, "report drug_f1"
### BEGIN HIDDEN TESTS
assert 0 <= reported_metrics["drug_f1"] <= 1
### END HIDDEN TESTS
""", 1),
    ])


def _markdown(text):
    """Bank text as literal markdown (``p*a`` and ``(1 - p)**gamma`` are not emphasis)."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def _quiz_question(q):
    """Prompt, options (or shuffled steps) and answer form of one graded question: never its
    answer or explanations, which stay in the grader-side bank."""
    lines = [f"### `{q.id}` ({q.type.replace('_', ' ')})", "", _markdown(kq.prompt(q)), ""]
    if q.type == "ordering":
        lines += [f"- **{pos}**: {_markdown(q.steps[step].text)}"
                  for pos, step in enumerate(kq.step_order(q))] + [""]
    elif q.options:
        lines += [f"- **{i}**: {_markdown(o.text)}" for i, o in enumerate(q.options)] + [""]
    return "\n".join(lines + [f"*Answer with* {kq.answer_form(q)}."])


def quick_test():
    questions = kq.quiz().questions
    forms = {q.id: (q.type, len(q.options or q.steps)) for q in questions}
    template = "\n".join(f"    {q.id!r}: None,  # {q.type.replace('_', ' ')}" for q in questions)
    key = "\n".join(f"    {q.id!r}: {kq.solution(q)!r}," for q in questions)
    return notebook([
        md("intro", f"""
# End-of-course quick test (graded)

{len(questions)} questions covering the whole course, 1 point each. Read the questions below,
then fill in the **one** answer cell: a dict `answers` mapping each question id to your answer.

| question type | how to answer | example |
|---|---|---|
| multiple choice | the number of the one right option | `0` |
| multiple select | a list of the numbers of all right options | `[0, 3]` |
| numeric | a number (plain, no quotes); each question states its tolerance | `6.25` |
| ordering | the step numbers as shown, put in the right order, each once | `[2, 0, 1, 3]` |

The check cells below the answer cell only check the *form* of each answer; the answers are
graded after you submit. Feedback says whether each answer is right and comments on what you
chose. For practice with immediate feedback, take the ungraded quiz:
`from learner.quiz import quick_test; quick_test("final")`.
"""),
        parameters(f"""
# Parameters: nothing changes at grading time. FORMS: question id -> (type, number of options or steps)
FORMS = {forms!r}
"""),
        setup("check_helper", """
from numbers import Integral, Real


def check_answer(qid):
    \"\"\"Check the form of one answer (not whether it is right: that is graded after submission).\"\"\"
    assert isinstance(answers, dict), f"answers must be a dict, got {type(answers).__name__}"
    assert qid in answers, f"answers has no entry {qid!r}"
    value, (kind, n) = answers[qid], FORMS[qid]
    assert value is not None, f"{qid}: replace None with your answer"
    is_index = lambda v: isinstance(v, Integral) and not isinstance(v, bool) and 0 <= v < n
    if kind == "multiple_choice":
        assert is_index(value), f"{qid}: give one option number from 0 to {n - 1}"
    elif kind == "multiple_select":
        assert isinstance(value, (list, tuple)) and all(map(is_index, value)), \\
            f"{qid}: give a list of option numbers from 0 to {n - 1}"
        assert len(set(value)) == len(value), f"{qid}: an option is listed twice"
    elif kind == "numeric":
        assert isinstance(value, Real) and not isinstance(value, bool) and value == value, \\
            f"{qid}: give a number such as 6.25 (no quotes)"
    else:
        assert isinstance(value, (list, tuple)) and sorted(value) == list(range(n)), \\
            f"{qid}: list each step number from 0 to {n - 1} exactly once"
    print(f"{qid}: answer recorded, {value!r}")
"""),
        *[md(f"text_{q.id}", _quiz_question(q)) for q in questions],
        md("answers_text", """
## Your answers

Replace each `None` with your answer, delete the `raise NotImplementedError()` line, run the
cell, then run the check cells below it.
"""),
        answer("answers_cell", f"""
answers = {{
{template}
}}
### BEGIN SOLUTION
answers = {{
{key}
}}
### END SOLUTION
"""),
        *[tests(q.id, f"""
\"\"\"{q.id}: {q.type.replace('_', ' ')}, answer in the right form\"\"\"
check_answer({q.id!r})
""", 1) for q in questions],
    ])


NOTEBOOKS = {k1.ASSIGNMENT_ID: ex01, k2.ASSIGNMENT_ID: ex02, k3.ASSIGNMENT_ID: ex03,
             kt.ASSIGNMENT_ID: project_toxicity, ki.ASSIGNMENT_ID: project_rare_intents,
             ke.ASSIGNMENT_ID: project_rare_entities, kq.ASSIGNMENT_ID: quick_test}


def render(assignment_id: str) -> str:
    nb = NOTEBOOKS[assignment_id]()
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a notebook differs")
    args = parser.parse_args(argv)
    drift = []
    for aid in NOTEBOOKS:
        path = ROOT / "solutions" / aid / f"{aid}.ipynb"
        text = render(aid)
        if args.check:
            if not path.exists() or path.read_text() != text:
                drift.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if drift:
        print("out of date (run python tools/make_notebooks.py):", *drift, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
