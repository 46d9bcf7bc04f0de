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
if isinstance(w, (list, tuple)):  # a list of (class, weight) pairs is read as a dict
    assert all(isinstance(p, (list, tuple)) and len(p) == 2 for p in w), \
        "return a dict class -> weight (or a list of (class, weight) pairs)"
    w = dict(w)
assert isinstance(w, dict), f"return a dict class -> weight, got {type(w).__name__}"
_w = {str(c): x for c, x in w.items()}  # class 0 may be named 0 or "0"
assert set(_w) == {"0", "1"}, f"return one weight per class (keys 0 and 1), got keys {list(w)}"
assert abs(_w["0"] - 0.543478) < 1e-4 and abs(_w["1"] - 6.250000) < 1e-4, \
    f"got {w}; the weight of class c is N / (K * n_c)"


# %% a2_rounded_weights
### BEGIN SOLUTION
weights = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
w0 = round(weights[0], 2)
w1 = round(weights[1], 2)
### END SOLUTION


# %% q2_rounded_weights
"""w0, w1: the weights for the parameters' counts, rounded to 2 decimals"""
from numbers import Real

for name, value in [("w0", w0), ("w1", w1)]:
    assert isinstance(value, Real) and not isinstance(value, bool), \
        f"{name} must be a number, got {type(value).__name__}"
    assert abs(value * 100 - round(value * 100)) < 1e-6, f"round {name} to 2 decimals, got {value}"
assert w0 < w1, "the rare class (1) must get the larger weight"


# %% vocabulary
METRIC_NAMES = ['accuracy', 'balanced_accuracy', 'roc_auc', 'pr_auc', 'macro_f1', 'micro_f1', 'weighted_f1', 'per_class_recall', 'per_class_precision', 'log_loss']


# %% a3_metrics
### BEGIN SOLUTION
metrics = ["pr_auc", "macro_f1"]
### END SOLUTION


# %% q3_metrics
"""metrics: two distinct names from METRIC_NAMES (any case, "-" or " " for "_")"""
# other names the grader reads as one of METRIC_NAMES
METRIC_ALIASES = {'average_precision': 'pr_auc', 'auprc': 'pr_auc', 'pr_auc_score': 'pr_auc', 'f1_macro': 'macro_f1', 'f1_micro': 'micro_f1', 'f1_weighted': 'weighted_f1', 'roc_auc_score': 'roc_auc', 'auroc': 'roc_auc'}
assert isinstance(metrics, (list, tuple)), f"metrics must be a list, got {type(metrics).__name__}"
assert len(metrics) == 2, f"name exactly two metrics, got {len(metrics)}"
_names = ["_".join(str(m).lower().replace("-", " ").replace("_", " ").split()) for m in metrics]
_names = [METRIC_ALIASES.get(n, n) for n in _names]
assert len(set(_names)) == 2, "name two different metrics"
for m, n in zip(metrics, _names):
    assert n in METRIC_NAMES, f"{m!r} is not in METRIC_NAMES"
