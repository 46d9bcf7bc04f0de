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
from imbalance_kit import class_weights

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
inputs**, so compute everything from the parameters instead of typing numbers.
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
    rate_rows = "\n".join(f"| {s} | {share:.0%} | {k2.FRAUD_LIFT[s]}x | {rates[s]:.3f} |"
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

FRAUD_LIFT = {k2.FRAUD_LIFT!r}
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
    rows = "\n".join(f"| {s} | {share:.0%} | {k3.SOURCE_LIFT[s]}x | {d['positive_rate'] * k3.SOURCE_LIFT[s]:.3f} |"
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
weak keyword rules), `uncertainty` (items a model trained on all labels so far is least sure
about) and `random` items. The plan is judged by simulation with `imbalance_kit.labeling`
(`help(simulate_waves)` lists the simulator's assumptions), and the grader re-runs the notebook
with **other parameter values**: compute from them.
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

SOURCE_LIFT = {k3.SOURCE_LIFT!r}
POOL_SIZE = {k3.POOL_SIZE:_}
ENTROPY_FLOOR = {k3.ENTROPY_FLOOR}  # every wave's source entropy (0..1) must reach this
RANDOM_FLOOR = {k3.RANDOM_FLOOR}  # wave 1 keeps at least this share of random picks
pool = labeling_pool(POOL_SIZE, source_shares, positive_rate,
                     {{s: positive_rate * SOURCE_LIFT[s] for s in source_shares}}, seed={k3.POOL_SEED})
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
check after each wave:

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
### END HIDDEN TESTS
""", 2),
    ])


NOTEBOOKS = {k1.ASSIGNMENT_ID: ex01, k2.ASSIGNMENT_ID: ex02, k3.ASSIGNMENT_ID: ex03}


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
