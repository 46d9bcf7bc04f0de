"""Exercise 4 (thresholds and calibration): the notebook's code cells as real Python.

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell
(see grader/authoring.py).
"""


# %% imports
import numpy as np
from sklearn.metrics import brier_score_loss, precision_recall_curve, precision_score, recall_score

from imbalance_kit.calibration import (IsotonicCalibrator, PlattCalibrator, TemperatureCalibrator,
                                       expected_calibration_error, prior_shift_correction)
from imbalance_kit.datasets.scores import weighted_toxic_scores


# %% parameters
# Parameters (the grader may change these values)
data_seed = 0
toxic_rate = 0.06
target_recall = 0.8


# %% data
splits = weighted_toxic_scores(seed=data_seed, toxic_rate=toxic_rate)
y_train, p_train = splits["train"]["label"].to_numpy(), splits["train"]["score"].to_numpy()
y_val, p_val = splits["validation"]["label"].to_numpy(), splits["validation"]["score"].to_numpy()
y_test, p_test = splits["test"]["label"].to_numpy(), splits["test"]["score"].to_numpy()
for name, y, p in [("train", y_train, p_train), ("validation", y_val, p_val), ("test", y_test, p_test)]:
    print(f"{name:>10}: {len(y):,} comments, {y.sum()} toxic ({y.mean():.1%}); mean score {p.mean():.3f}")


# %% a1_threshold_for_recall
def threshold_for_recall(y_true, scores, min_recall):
    """The threshold with the highest precision among those with recall >= min_recall
    (an item is flagged when its score >= the threshold)."""
    ### BEGIN SOLUTION
    y, s = np.asarray(y_true), np.asarray(scores, dtype=float)
    precision, recall, thresholds = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]  # the last point (P=1, R=0) has no threshold
    meets = np.flatnonzero(recall >= min_recall)
    # argmax takes the first of equal precisions: the lower threshold, so the higher recall
    return float(thresholds[meets[np.argmax(precision[meets])]])
    ### END SOLUTION


# %% q1_threshold_for_recall
"""threshold_for_recall: the highest precision among the thresholds with recall >= min_recall"""
_scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9])
_t = threshold_for_recall([0, 0, 0, 0, 1, 0, 1, 1], _scores.tolist(), 0.6)
assert isinstance(_t, (int, float, np.integer, np.floating)) and not isinstance(_t, bool), \
    f"return the threshold as a number, got {type(_t).__name__}"
assert (_scores >= _t).tolist() == [False] * 6 + [True] * 2, (
    f"threshold {_t} flags the scores {_scores[_scores >= _t].tolist()}; at recall >= 0.6 the best "
    "precision (1.0, recall 2/3) comes from flagging 0.7 and 0.9 only")


# %% a2_threshold_on_test
### BEGIN SOLUTION
threshold = threshold_for_recall(y_val, p_val, target_recall)
test_precision = precision_score(y_test, (p_test >= threshold).astype(int))
test_recall = recall_score(y_test, (p_test >= threshold).astype(int))
### END SOLUTION
print(f"threshold {threshold:.4f}: test precision {test_precision:.3f}, test recall {test_recall:.3f}")


# %% q2_threshold_on_test
"""threshold: chosen on validation; test_precision, test_recall: that threshold on the test split"""
for _name, _value in [("threshold", threshold), ("test_precision", test_precision),
                      ("test_recall", test_recall)]:
    assert isinstance(_value, (int, float, np.integer, np.floating)) and not isinstance(_value, bool), \
        f"{_name} must be a number, got {type(_value).__name__}"
_val_hits = ((p_val >= threshold) & (y_val == 1)).sum()
assert _val_hits / (y_val == 1).sum() >= target_recall, \
    "on the validation split, `threshold` must flag at least target_recall of the toxic comments"
_flagged = p_test >= threshold
_hits = (_flagged & (y_test == 1)).sum()
assert abs(test_recall - _hits / (y_test == 1).sum()) < 1e-6, \
    "test_recall: the share of toxic test comments with score >= threshold"
assert abs(test_precision - _hits / max(_flagged.sum(), 1)) < 1e-6, \
    "test_precision: the share of toxic comments among the test comments with score >= threshold"


# %% a3_peeking
### BEGIN SOLUTION
peek_threshold = threshold_for_recall(y_test, p_test, target_recall)
peek_precision = precision_score(y_test, (p_test >= peek_threshold).astype(int))
peek_recall = recall_score(y_test, (p_test >= peek_threshold).astype(int))
### END SOLUTION
print(f"chosen on test (never do this): threshold {peek_threshold:.4f}, precision {peek_precision:.3f}, "
      f"recall {peek_recall:.3f}")


# %% q3_peeking
"""peek_threshold, peek_precision, peek_recall: the threshold chosen on the test split, and its numbers"""
for _name, _value in [("peek_threshold", peek_threshold), ("peek_precision", peek_precision),
                      ("peek_recall", peek_recall)]:
    assert isinstance(_value, (int, float, np.integer, np.floating)) and not isinstance(_value, bool), \
        f"{_name} must be a number, got {type(_value).__name__}"
_flagged = p_test >= peek_threshold
_hits = (_flagged & (y_test == 1)).sum()
assert abs(peek_recall - _hits / (y_test == 1).sum()) < 1e-6, \
    "peek_recall: the share of toxic test comments with score >= peek_threshold"
assert abs(peek_precision - _hits / max(_flagged.sum(), 1)) < 1e-6, \
    "peek_precision: the share of toxic comments among the test comments with score >= peek_threshold"
assert peek_recall >= target_recall, "chosen on the test split, peek_threshold meets the target there"


# %% a4_calibrate
def calibrate(fit_scores, fit_labels, scores):
    """Fit a calibrator on (fit_scores, fit_labels); return calibrated probabilities of `scores`."""
    ### BEGIN SOLUTION
    return PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)
    ### END SOLUTION


# %% q4_calibrate
"""calibrate: one probability in [0, 1] per score"""
_q = calibrate([0.2, 0.6, 0.7, 0.9, 0.4, 0.8, 0.3, 0.65], [0, 0, 1, 1, 0, 1, 0, 0], [0.1, 0.5, 0.95])
_q = np.asarray(_q, dtype=float)
assert _q.shape == (3,), f"return one probability per score of the last argument, got shape {_q.shape}"
assert np.all(np.isfinite(_q) & (_q >= 0) & (_q <= 1)), f"return probabilities in [0, 1], got {_q}"


# %% a5_calibrated_test
### BEGIN SOLUTION
p_test_calibrated = calibrate(p_val, y_val, p_test)
### END SOLUTION
for name, p in [("raw", p_test), ("calibrated", p_test_calibrated)]:
    ece, brier = expected_calibration_error(y_test, p, n_bins=10), brier_score_loss(y_test, p)
    print(f"{name:>10}: mean p {np.mean(p):.3f} (toxic share {y_test.mean():.3f}), "
          f"ECE {ece:.3f}, Brier {brier:.4f}")


# %% q5_calibrated_test
"""p_test_calibrated: the test scores, calibrated (one probability per test comment)"""
_q = np.asarray(p_test_calibrated, dtype=float)
assert _q.shape == p_test.shape, f"one probability per test comment ({p_test.shape}), got shape {_q.shape}"
assert np.all(np.isfinite(_q) & (_q >= 0) & (_q <= 1)), "probabilities must lie in [0, 1]"
assert not np.allclose(_q, p_test), "these are the raw test scores; calibrate them"
