"""What exercise 4's key compares answers with: the reference, and each classic mistake as code.

Everything here is a pure function of the run's parameters or of the probe inputs, computed in
the grader's own process with :mod:`imbalance_kit` as the reference:

- :func:`scores_for` gives the class-weighted model's scores of one parameter set (the notebook
  calls the same :func:`imbalance_kit.datasets.weighted_toxic_scores`);
- :data:`THRESHOLD_RULES` holds the rule the exercise asks for (highest precision at recall >= a
  target, positive when ``score >= threshold``) next to the rules of the classic mistakes, so a
  student's threshold can be matched with the one that produces it;
- :func:`calibrations` gives every calibrator the notebook offers, fitted on each split, so a
  student's calibrated test scores can be traced to the split they were fitted on.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from imbalance_kit.calibration import (IsotonicCalibrator, PlattCalibrator, TemperatureCalibrator,
                                       expected_calibration_error, prior_shift_correction)
from imbalance_kit.datasets.scores import SPLITS, weighted_toxic_scores
from imbalance_kit.thresholds import choose_threshold, threshold_sweep

#: Bins of the positive-class ECE the exercise reports (equal width, as in lesson 06).
ECE_BINS = 10


# ---------------------------------------------------------------- the model's scores

@lru_cache(maxsize=64)
def _scores(data_seed: int, toxic_rate: float) -> dict:
    parts = weighted_toxic_scores(seed=data_seed, toxic_rate=toxic_rate)
    out = {}
    for name, df in parts.items():
        y, p = df["label"].to_numpy(), df["score"].to_numpy()
        y.setflags(write=False)
        p.setflags(write=False)
        out[name] = (y, p)
    return out


def scores_for(params: dict) -> dict:
    """split name -> (labels, scores) of the parameter set's data (read-only arrays, cached)."""
    return _scores(int(params["data_seed"]), float(params["toxic_rate"]))


# ---------------------------------------------------------------- threshold rules

def _best(primary, secondary, ok) -> int | None:
    """Index maximising ``primary``, then ``secondary``, among rows where ``ok`` (None if none)."""
    idx = np.flatnonzero(ok)
    if not len(idx):
        return None
    return int(idx[np.lexsort((secondary[idx], primary[idx]))[-1]])


def _table(y, s):
    sweep = threshold_sweep(y, s)
    return (sweep["threshold"].to_numpy(), sweep["precision"].to_numpy(),
            sweep["recall"].to_numpy(), sweep["fp"].to_numpy(), int((np.asarray(y) == 0).sum()))


def rule_reference(y, s, r):
    """The exercise's rule (:func:`imbalance_kit.thresholds.choose_threshold`)."""
    return choose_threshold(y, s, min_recall=r).threshold


def rule_strict_score(y, s, r):
    """Each candidate t evaluated as ``score > t``, then t returned for the ``>=`` rule."""
    t, p, rec, _, _ = _table(y, s)
    # ``score > t[k]`` flags exactly what ``score >= t[k + 1]`` flags; the top score flags nothing.
    i = _best(p[1:], rec[1:], rec[1:] >= r)
    return None if i is None else float(t[i])


def rule_strict_recall(y, s, r):
    """``recall > target`` instead of ``recall >= target``."""
    t, p, rec, _, _ = _table(y, s)
    i = _best(p, rec, rec > r)
    return None if i is None else float(t[i])


def rule_negative_recall(y, s, r):
    """Recall of class 0 (the share of negatives below the threshold) held to the target."""
    t, p, rec, fp, n_neg = _table(y, s)
    i = _best(p, rec, (n_neg - fp) / n_neg >= r)
    return None if i is None else float(t[i])


def rule_class_zero(y, s, r):
    """Class 0 taken as the positive class (e.g. ``pos_label=0``) with the same scores."""
    return choose_threshold(1 - np.asarray(y), s, min_recall=r).threshold


def rule_highest_threshold(y, s, r):
    """The highest threshold that meets the recall target (precision is not monotone)."""
    t, _, rec, _, _ = _table(y, s)
    return float(t[np.flatnonzero(rec >= r)[-1]])


#: name -> rule. The first is the reference; the others are the classic mistakes a key names.
THRESHOLD_RULES = {
    "reference": rule_reference,
    "strict_score": rule_strict_score,
    "strict_recall": rule_strict_recall,
    "negative_recall": rule_negative_recall,
    "class_zero": rule_class_zero,
    "highest_threshold": rule_highest_threshold,
}
#: Mistakes every grader-drawn probe must tell apart from the reference (so a function that makes
#: one is named the same way whatever the draw). ``highest_threshold`` often agrees with the
#: reference (where precision happens to rise with the threshold), so it is only named when seen.
DISCRIMINATED = ("strict_score", "strict_recall", "negative_recall", "class_zero")


def flagged(scores, threshold) -> np.ndarray:
    """What a threshold flags under the course's rule: ``score >= threshold``."""
    return np.asarray(scores, dtype=float) >= threshold


def same_decisions(scores, a, b) -> bool:
    """Two thresholds flag exactly the same items of ``scores`` (None flags nothing)."""
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(flagged(scores, a), flagged(scores, b)))


def precision_recall(y, scores, threshold, strict: bool = False, positive: int = 1):
    """(precision, recall) of class ``positive`` when ``score >= threshold`` (``>`` if strict)
    predicts class 1. Precision is 0 when nothing is predicted ``positive``."""
    y = np.asarray(y)
    s = np.asarray(scores, dtype=float)
    pred = (s > threshold) if strict else (s >= threshold)
    if positive == 0:
        pred = ~pred
    is_pos = y == positive
    tp = int((pred & is_pos).sum())
    n_pred = int(pred.sum())
    return (tp / n_pred if n_pred else 0.0), tp / int(is_pos.sum())


# ---------------------------------------------------------------- threshold probes

def _precision_tied(y, s, r) -> bool:
    """Whether the best precision at recall >= r is shared by two thresholds (a tie rule would
    then decide, which the exercise does not grade)."""
    _, p, rec, _, _ = _table(y, s)
    ok = p[rec >= r]
    return len(ok) > 1 and np.isclose(np.sort(ok)[-1], np.sort(ok)[-2], rtol=0, atol=1e-12)


def discriminates(y, s, r) -> bool:
    """The reference is untied and every rule of :data:`DISCRIMINATED` flags other items."""
    if _precision_tied(y, s, r):
        return False
    ref = rule_reference(y, s, r)
    return all(not same_decisions(s, ref, THRESHOLD_RULES[name](y, s, r)) for name in DISCRIMINATED)


def draw_threshold_probe(rng) -> tuple[list, list, float]:
    """One (y_true, scores, min_recall) input: 8-32 positives among 3-12 times as many negatives,
    scores rounded to 2 decimals (so thresholds are tied), a target every formula of recall meets
    exactly (k / n_pos with n_pos a multiple of 4 or 8), redrawn until it discriminates."""
    while True:
        n_pos = int(rng.choice([8, 12, 16, 20, 24, 32]))
        n_neg = int(n_pos * rng.uniform(3, 12))
        targets = [0.5, 0.75] + ([0.625, 0.875] if n_pos % 8 == 0 else [])
        r = float(rng.choice(targets))
        y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
        rng.shuffle(y)
        z = rng.normal(size=len(y)) + rng.uniform(0.8, 2.2) * y - 1.0
        s = np.round(1 / (1 + np.exp(-z)), 2)
        if discriminates(y, s, r):
            return [int(v) for v in y], [float(v) for v in s], r


# ---------------------------------------------------------------- calibration probes

def _weighted_model_scores(rng, n, prior, sep, scale):
    """``n`` labelled scores of a class-weighted model on a problem with positive rate ``prior``:
    one feature, N(0, 1) for negatives and N(sep, 1) for positives, so the log-odds are
    ``sep * x - sep**2 / 2 + logit(prior)``. Balanced weights drop the prior term (the model acts
    as if the prior were 0.5) and ``scale`` makes it too sharp (> 1) or too soft (< 1)."""
    y = (rng.random(n) < prior).astype(int)
    y[:2] = [0, 1]
    x = rng.normal(size=n) + sep * y
    z = scale * (sep * x - sep ** 2 / 2)
    p = np.clip(np.round(1 / (1 + np.exp(-z)), 6), 1e-6, 1 - 1e-6)
    return [int(v) for v in y], [float(v) for v in p]


#: Sizes of the calibration probes: scenarios, and items per set (three sets per scenario).
CALIBRATION_SCENARIOS = 2
CALIBRATION_SET_SIZE = 2_000


def draw_calibration_probes(rng) -> list[tuple]:
    """Calls of ``calibrate(fit_scores, fit_labels, scores)`` in a chain per scenario.

    Each scenario draws three sets A, B, C of one weighted model and calls
    ``(A -> B), (B -> C), (C -> A)``: the labels of an applied set reach the student's function
    only in a *later* call, after the output for that set was recorded, so no function can have
    seen the labels its output is judged on. The first two calls of each scenario are judged;
    the third only hands over C's labels.
    """
    calls = []
    for _ in range(CALIBRATION_SCENARIOS):
        prior, sep, scale = rng.uniform(0.04, 0.12), rng.uniform(1.5, 3.0), rng.uniform(0.7, 1.4)
        sets = [_weighted_model_scores(rng, CALIBRATION_SET_SIZE, prior, sep, scale) for _ in range(3)]
        for i in range(3):
            (y_fit, p_fit), (_, p_apply) = sets[i], sets[(i + 1) % 3]
            calls.append((p_fit, y_fit, p_apply))
    return calls


def judged_calibration_calls(args: list) -> list[tuple[int, list]]:
    """(index of a judged call, labels of the set it was applied to), from the probe inputs."""
    out = []
    for start in range(0, len(args) - 2, 3):
        for i in (start, start + 1):
            out.append((i, args[i + 1][1]))
    return out


def calibration_scores(y, q) -> tuple[float, float]:
    """(positive-class ECE with :data:`ECE_BINS` equal-width bins, Brier score)."""
    y = np.asarray(y, dtype=float)
    q = np.asarray(q, dtype=float)
    return (expected_calibration_error(y, q, n_bins=ECE_BINS), float(np.mean((q - y) ** 2)))


def reference_calibration(p_fit, y_fit, p_apply) -> np.ndarray:
    """The reference calibrator: Platt scaling fitted on the given split."""
    return PlattCalibrator().fit(p_fit, y_fit).transform(p_apply)


# ---------------------------------------------------------------- the notebook's calibrations

#: Calibrators fitted on a split (name -> fitted map of scores), and the two that need no fit.
FITTED = {
    "Platt scaling": lambda p, y: PlattCalibrator().fit(p, y).transform,
    "isotonic regression": lambda p, y: IsotonicCalibrator().fit(p, y).transform,
    "temperature scaling": lambda p, y: TemperatureCalibrator().fit(p, y).transform,
}


@lru_cache(maxsize=64)
def _calibrations(data_seed: int, toxic_rate: float) -> dict:
    data = _scores(data_seed, toxic_rate)
    p_test = data["test"][1]
    out = {}
    for split in SPLITS:
        y, p = data[split]
        for name, fit in FITTED.items():
            out[(name, split)] = fit(p, y)(p_test)
    for split in ("train", "validation"):
        prior = float(data[split][0].mean())
        out[("prior-shift correction", split)] = prior_shift_correction(p_test, 0.5, prior)
    out[("no calibration", None)] = np.asarray(p_test, dtype=float)
    for v in out.values():
        v.setflags(write=False)
    return out


def calibrations(params: dict) -> dict:
    """(method, split fitted on) -> that calibration of the test scores (cached, read-only)."""
    return _calibrations(int(params["data_seed"]), float(params["toxic_rate"]))
