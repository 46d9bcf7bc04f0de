"""Exercise 1's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author

from . import ASSIGNMENT
from .key import DEFAULTS, METRICS


def _table(rows):
    return "\n".join(["| name | what it measures |", "|---|---|"]
                     + [f"| `{name}` | {what} |" for name, what in rows])


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    vocab = _table((name, what) for name, (_, what) in METRICS.items())
    return {"ex01_class_weights": nb.notebook([
        nb.md("intro", f"""
# Exercise 1 — Class weights for a toxic-comment classifier

A moderation team has labeled **{DEFAULTS['n_non_toxic']:,} non-toxic** comments (class 0) and
**{DEFAULTS['n_toxic']:,} toxic** ones (class 1). A plain cross-entropy loss would let the
majority drown out the rare class, so you will weight each class by its inverse frequency:

$$w_c = \\frac{{N}}{{K \\cdot n_c}}$$

where $N$ is the number of samples, $K$ the number of classes and $n_c$ the count of class $c$.
Then you will pick two evaluation metrics that tell you how well the *rare* class is handled.

Work only in the cells that say `YOUR CODE HERE`; run the test cell after each answer. The
grader re-runs your notebook with **other class counts** and calls your function on **other
inputs**, so compute everything from the parameters instead of typing numbers. This exercise
mirrors lesson 04: try it here first, then compare with what the lesson computes.

<details><summary>Show a nudge</summary>

Here N = {DEFAULTS['n_non_toxic'] + DEFAULTS['n_toxic']:,} and K = 2: compute w_0 and w_1
from those, and think about which two metrics look at the rare class rather than at the crowd
(PR-AUC and macro F1 are the usual pair).
</details>
"""),
        nb.parameters(),
        nb.md("q1_text", f"""
## Question 1 ({nb.points("q1_inverse_frequency_weights")}): inverse-frequency weights

Write `inverse_frequency_weights(counts)`: `counts` maps each class to its count (any number of
classes, keys may be ints or strings); return a dict mapping each class to `N / (K * n_c)`
(a list of `(class, weight)` pairs is accepted too). Do not round inside the function.
"""),
        nb.answer("a1_inverse_frequency_weights"),
        nb.tests("q1_inverse_frequency_weights"),
        nb.md("q2_text", f"""
## Question 2 ({nb.points("q2_rounded_weights")}): the two weights, rounded

Set `w0` and `w1`, the weights of class 0 and class 1 for the counts in the parameters cell,
rounded to 2 decimals with `round(x, 2)`. Use your function; do not type the numbers.
"""),
        nb.answer("a2_rounded_weights"),
        nb.tests("q2_rounded_weights"),
        nb.md("q3_text", f"""
## Question 3 ({nb.points("q3_metrics")}): two evaluation metrics

Which two metrics would you report for this classifier? Set `metrics` to a list of two names
from this vocabulary (`METRIC_NAMES` in the next cell):

{vocab}
"""),
        nb.setup("vocabulary"),
        nb.answer("a3_metrics"),
        nb.tests("q3_metrics"),
    ])}
