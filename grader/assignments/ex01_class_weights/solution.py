"""Exercise 1 (class weights): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
n_non_toxic = 18_400
n_toxic = 1_600


# %% a1_inverse_frequency_weights
def inverse_frequency_weights(counts):
    """Map each class in ``counts`` (class -> count) to the weight N / (K * n_c)."""
    ### BEGIN SOLUTION
    total = sum(counts.values())
    k = len(counts)
    return {c: total / (k * n_c) for c, n_c in counts.items()}
    ### END SOLUTION


# %% q1_inverse_frequency_weights
"""inverse_frequency_weights: one weight per class, N / (K * n_c)"""
w = inverse_frequency_weights({0: 18_400, 1: 1_600})
w = dict(w) if isinstance(w, list) else w
assert isinstance(w, dict), f"return a dict class -> weight, got {type(w).__name__}"
assert set(w) == {0, 1}, f"return one weight per class (keys 0 and 1), got keys {sorted(w)}"
assert abs(w[0] - 0.543478) < 1e-4 and abs(w[1] - 6.250000) < 1e-4, \
    f"got {w}; the weight of class c is N / (K * n_c)"
### BEGIN HIDDEN TESTS
w3 = dict(inverse_frequency_weights({"a": 500, "b": 300, "c": 200}))
assert set(w3) == {"a", "b", "c"}
assert all(abs(w3[c] - x) < 1e-6 for c, x in {'a': 0.6666666666666666, 'b': 1.1111111111111112, 'c': 1.6666666666666667}.items())
### END HIDDEN TESTS


# %% a2_rounded_weights
### BEGIN SOLUTION
weights = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
w0 = round(weights[0], 2)
w1 = round(weights[1], 2)
### END SOLUTION


# %% q2_rounded_weights
"""w0, w1: the weights for the parameters' counts, rounded to 2 decimals"""
for name, value in [("w0", w0), ("w1", w1)]:
    assert isinstance(value, (int, float)), f"{name} must be a number, got {type(value).__name__}"
    assert abs(value * 100 - round(value * 100)) < 1e-6, f"round {name} to 2 decimals, got {value}"
assert w0 < w1, "the rare class (1) must get the larger weight"
### BEGIN HIDDEN TESTS
_w = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
assert abs(w0 - round(_w[0], 2)) < 1e-9 and abs(w1 - round(_w[1], 2)) < 1e-9
### END HIDDEN TESTS


# %% vocabulary
METRIC_NAMES = ['accuracy', 'balanced_accuracy', 'roc_auc', 'pr_auc', 'macro_f1', 'micro_f1', 'weighted_f1', 'per_class_recall', 'per_class_precision', 'log_loss']


# %% a3_metrics
### BEGIN SOLUTION
metrics = ["pr_auc", "macro_f1"]
### END SOLUTION


# %% q3_metrics
"""metrics: two distinct names from METRIC_NAMES"""
assert isinstance(metrics, (list, tuple)), f"metrics must be a list, got {type(metrics).__name__}"
assert len(metrics) == 2, f"name exactly two metrics, got {len(metrics)}"
assert len(set(metrics)) == 2, "name two different metrics"
for m in metrics:
    assert m in METRIC_NAMES, f"{m!r} is not in METRIC_NAMES"
### BEGIN HIDDEN TESTS
assert set(metrics) == {"pr_auc", "macro_f1"}
### END HIDDEN TESTS
