"""Exercise 4's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author

from . import ASSIGNMENT
from .key import DEFAULTS
from .reference import ECE_BINS


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    return {"ex04_thresholds_and_calibration": nb.notebook([
        nb.md("intro", f"""
# Exercise 4 — A threshold for a recall target, and calibrated probabilities

A moderation team flags toxic comments with a classifier trained with
`class_weight="balanced"` (see *Class weights and losses*). The team needs
**recall >= {DEFAULTS['target_recall']:g}** on toxic comments with as few false alarms as
possible, and probabilities that mean what they say. You will choose the decision threshold on the **validation** split, confirm it **once** on
the **test** split, see what a threshold tuned on test would have hidden, and calibrate the
model's scores.

Work only in the cells that say `YOUR CODE HERE`; run the test cell after each answer. The
grader re-runs your notebook on **other comments, another toxic rate and another recall
target**, and calls your two functions on **inputs it draws**, so compute everything from the
variables instead of typing numbers. This exercise practises the lesson *Thresholds and
calibration*: try it here first, then compare with what the lesson does.

<details><summary>Show a nudge</summary>

`sklearn.metrics.precision_recall_curve(y_true, scores)` gives precision and recall at every
distinct score used as threshold (flag when `score >= threshold`); its last point has no
threshold. For calibration, ask which calibrator can move *all* probabilities towards the real
share of toxic comments.
</details>
"""),
        nb.parameters(),
        nb.setup("imports"),
        nb.md("data_text", """
## The data: three splits and one model's scores

`weighted_toxic_scores` draws toxic comments, splits them 50/25/25 without letting a duplicate
cross splits (see *Splits without leakage*), and trains TF-IDF + logistic regression with
`class_weight="balanced"` on the training split. You get the model's positive-class
probability (`p_...`) and the true label (`y_...`, 1 = toxic) of every comment:

- **train**: the model was fitted here, so it has seen these labels;
- **validation**: where every choice is made (the threshold, the calibrator);
- **test**: used once, to report what the choice achieves.
"""),
        nb.setup("data"),
        nb.md("q1_text", f"""
## Question 1 ({nb.points("q1_threshold_for_recall")}): the threshold for a recall target

Write `threshold_for_recall(y_true, scores, min_recall)`. A comment is flagged when its
`score >= threshold`; every distinct score is a candidate threshold. Among the candidates whose
**recall** (the share of toxic comments, class 1, that are flagged) is at least `min_recall`,
return the one with the highest **precision** (the share of toxic comments among the flagged
ones); if two share the best precision, the lower threshold. Inputs may be lists or numpy
arrays; return the threshold as a number.
"""),
        nb.answer("a1_threshold_for_recall"),
        nb.tests("q1_threshold_for_recall"),
        nb.md("q2_text", f"""
## Question 2 ({nb.points("q2_threshold_on_test")}): choose on validation, apply once to test

Set `threshold` to your function's choice on the **validation** split for `target_recall`, then
`test_precision` and `test_recall` to the precision and recall of that same threshold on the
**test** split. Do not adjust the threshold after you see the test numbers: test recall may land
a little below the target, and that is exactly what the test split is there to tell you.
"""),
        nb.answer("a2_threshold_on_test"),
        nb.tests("q2_threshold_on_test"),
        nb.md("q3_text", f"""
## Question 3 ({nb.points("q3_peeking")}): what a threshold tuned on test would hide

Never do this in a project; here it shows what such a report would claim. Set
`peek_threshold` to your function's choice on the **test** split for `target_recall`, and
`peek_precision`, `peek_recall` to its precision and recall there. Compare them with
Question 2: the grader's feedback says what the peeked numbers hide.
"""),
        nb.answer("a3_peeking"),
        nb.tests("q3_peeking"),
        nb.md("q4_text", f"""
## Question 4 ({nb.points("q4_calibrate")}): calibrate the weighted model's scores

Balanced class weights make the model learn as if half of all comments were toxic, so its
probabilities are inflated: compare the mean score with the toxic share printed above. Write
`calibrate(fit_scores, fit_labels, scores)`: fit a calibrator on `fit_scores` and `fit_labels`,
and return the calibrated probabilities of `scores` (one per score, a list or a numpy array).
Choose a method that can undo that prior shift. `imbalance_kit.calibration` (imported above)
offers `PlattCalibrator`, `IsotonicCalibrator`, `TemperatureCalibrator` and
`prior_shift_correction` (the training prior imitated by balanced weights is 0.5).

The grader calls your function on scores of another class-weighted model and judges the
probabilities by the positive-class ECE ({ECE_BINS} equal-width bins, as in the lesson) and the
Brier score, on labels your function never sees, against Platt scaling fitted on the same data.
"""),
        nb.answer("a4_calibrate"),
        nb.tests("q4_calibrate"),
        nb.md("q5_text", f"""
## Question 5 ({nb.points("q5_calibrated_test")}): calibrated test probabilities

Set `p_test_calibrated` to the test scores calibrated with your `calibrate`, fitted on the
right split. The cell then prints the mean probability, ECE and Brier score before and after.
"""),
        nb.answer("a5_calibrated_test"),
        nb.tests("q5_calibrated_test"),
    ])}
