import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from imbalance_kit.calibration import (
    IsotonicCalibrator,
    PlattCalibrator,
    TemperatureCalibrator,
    expected_calibration_error,
    prior_shift_correction,
    reliability_table,
)


def _random_probs(rng):
    n = int(rng.integers(2, 300))
    y = (rng.random(n) < rng.uniform(0.03, 0.5)).astype(int)
    y[:2] = [0, 1]
    p = rng.beta(rng.uniform(0.2, 3), rng.uniform(0.2, 3), size=n)
    # Values exactly on bin edges test the right-closed rule.
    p[rng.random(n) < 0.2] = rng.choice([0.0, 0.1, 0.2, 0.5, 1.0])
    return y, p


@pytest.mark.parametrize("seed", range(150))
def test_positive_ece_matches_calibration_curve(seed):
    rng = np.random.default_rng(seed)
    y, p = _random_probs(rng)
    n_bins = int(rng.integers(1, 16))
    strategy = ["uniform", "quantile"][seed % 2]
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    table = reliability_table(y, p, n_bins=n_bins, strategy=strategy)
    used = table[table["count"] > 0]
    np.testing.assert_allclose(used["observed"], prob_true, atol=1e-12)
    np.testing.assert_allclose(used["mean_predicted"], prob_pred, atol=1e-12)
    edges = np.linspace(0, 1, n_bins + 1) if strategy == "uniform" else np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    counts = np.bincount(np.digitize(p, edges[1:-1], right=True), minlength=n_bins)
    expect = np.sum(counts[counts > 0] / len(y) * np.abs(prob_true - prob_pred))
    assert expected_calibration_error(y, p, n_bins=n_bins, strategy=strategy) == pytest.approx(expect, abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_top_label_ece_matches_loop(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 5))
    n = int(rng.integers(1, 200))
    P = rng.dirichlet(np.full(k, rng.uniform(0.3, 2)), size=n)
    y = rng.integers(0, k, n)
    n_bins = int(rng.integers(1, 16))
    conf, correct = P.max(axis=1), P.argmax(axis=1) == y
    edges = np.linspace(0, 1, n_bins + 1)
    ece = 0.0
    for i in range(n_bins):
        in_bin = (conf > edges[i]) & (conf <= edges[i + 1]) | ((i == 0) & (conf == 0))
        if in_bin.any():
            ece += in_bin.sum() / n * abs(correct[in_bin].mean() - conf[in_bin].mean())
    assert expected_calibration_error(y, P, n_bins=n_bins, kind="top_label") == pytest.approx(ece, abs=1e-12)
    if k == 2:  # a 1-D p is the positive column of a binary problem
        assert expected_calibration_error(y, P[:, 1], n_bins=n_bins, kind="top_label") == pytest.approx(ece, abs=1e-12)


def test_reliability_table_keeps_empty_bins():
    t = reliability_table([0, 1, 1], [0.05, 0.95, 0.9], n_bins=5)
    assert t["count"].tolist() == [1, 0, 0, 0, 2]
    assert t.loc[1:3, "observed"].isna().all()
    assert t.loc[0, "upper"] == pytest.approx(0.2) and t.loc[4, "lower"] == pytest.approx(0.8)


def test_prior_shift_correction_is_bayes_rule():
    # Two unit-variance Gaussians at 0 and 1.5: posterior odds = prior odds * likelihood ratio.
    x = np.linspace(-3, 4, 50)
    lr = np.exp(1.5 * x - 1.5**2 / 2)

    def posterior(prior):
        return prior * lr / (prior * lr + 1 - prior)

    np.testing.assert_allclose(prior_shift_correction(posterior(0.5), 0.5, 0.08), posterior(0.08))
    np.testing.assert_allclose(prior_shift_correction(posterior(0.08), 0.08, 0.3), posterior(0.3))
    np.testing.assert_allclose(prior_shift_correction(posterior(0.2), 0.2, 0.2), posterior(0.2))


@pytest.fixture(scope="module")
def weighted_model():
    """Class-weighted LR on ~8% positives: its probabilities are inflated (see techniques.md §5)."""
    X, y = make_classification(n_samples=12_000, n_features=20, n_informative=5, weights=[0.92],
                               flip_y=0.01, random_state=0)
    X_tr, X_rest, y_tr, y_rest = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
    X_val, X_te, y_val, y_te = train_test_split(X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0)
    clf = LogisticRegression(class_weight="balanced").fit(X_tr, y_tr)
    return clf, X_val, y_val, X_te, y_te, y_tr.mean()


def test_platt_and_prior_correction_repair_weighted_model_but_temperature_does_not(weighted_model):
    clf, X_val, y_val, X_te, y_te, prevalence = weighted_model
    p_val, p_te = clf.predict_proba(X_val)[:, 1], clf.predict_proba(X_te)[:, 1]
    raw = expected_calibration_error(y_te, p_te)
    platt = expected_calibration_error(y_te, PlattCalibrator().fit(p_val, y_val).transform(p_te))
    prior = expected_calibration_error(y_te, prior_shift_correction(p_te, 0.5, prevalence))
    temp = expected_calibration_error(y_te, TemperatureCalibrator().fit(p_val, y_val).transform(p_te))
    iso = expected_calibration_error(y_te, IsotonicCalibrator().fit(p_val, y_val).transform(p_te))
    assert raw > 0.15
    assert platt < raw / 3 and prior < raw / 3 and iso < raw / 3
    assert temp > raw / 2  # no intercept: most of the prior shift remains


def test_platt_matches_sklearn_sigmoid(weighted_model):
    clf, X_val, y_val, X_te, y_te, _ = weighted_model
    ref = CalibratedClassifierCV(FrozenEstimator(clf), method="sigmoid").fit(X_val, y_val)
    expect = ref.predict_proba(X_te)[:, 1]
    from_scores = PlattCalibrator(inputs="score").fit(clf.decision_function(X_val), y_val)
    np.testing.assert_allclose(from_scores.transform(clf.decision_function(X_te)), expect, atol=1e-5)
    from_probs = PlattCalibrator().fit(clf.predict_proba(X_val)[:, 1], y_val)
    np.testing.assert_allclose(from_probs.transform(clf.predict_proba(X_te)[:, 1]), expect, atol=1e-5)


@pytest.mark.parametrize("seed", range(30))
def test_temperature_is_maximum_likelihood(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 300))
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [0, 1]
    z = rng.normal(size=n) + 2 * y - 1
    cal = TemperatureCalibrator(inputs="score").fit(z, y)

    def nll(t):
        q = 1 / (1 + np.exp(-z / t))
        return -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q))

    t = cal.temperature_
    assert nll(t) <= min(nll(t * 1.01), nll(t / 1.01))
    np.testing.assert_allclose(cal.transform(z), 1 / (1 + np.exp(-z / t)))


def test_isotonic_is_monotone_and_clipped():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p**2).astype(int)
    out = IsotonicCalibrator().fit(p, y).transform(np.linspace(-0, 1, 101))
    assert np.all(np.diff(out) >= 0) and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: PlattCalibrator().fit([0.2, 1.2], [0, 1]), ValueError, r"probabilities in \[0, 1\]"),
        (lambda: PlattCalibrator().fit([0.2, 0.3, 0.4], [0, 1]), ValueError, "mismatched lengths"),
        (lambda: PlattCalibrator().fit([0.2, 0.3], [1, 1]), ValueError, "only one class"),
        (lambda: PlattCalibrator(inputs="logit").fit([0.2, 0.3], [0, 1]), ValueError, "inputs must be one of"),
        (lambda: TemperatureCalibrator().transform([0.2]), RuntimeError, "not fitted"),
        (lambda: TemperatureCalibrator(inputs="score").fit([1.0, -1.0], [0, 1]), ValueError, "positive T"),
        (lambda: expected_calibration_error([0, 1], [0.2, 0.3], n_bins=0), ValueError, "n_bins"),
        (lambda: expected_calibration_error([0, 1], [0.2, 0.3], strategy="equal"), ValueError, "strategy"),
        (lambda: expected_calibration_error([0, 1], [0.2, 0.3], kind="negative"), ValueError, "kind"),
        (lambda: expected_calibration_error([0, 1], [0.2, np.nan]), ValueError, "NaN"),
        (lambda: expected_calibration_error([0, 3], [[0.2, 0.8], [0.5, 0.5]], kind="top_label"), ValueError, "class indices"),
        (lambda: expected_calibration_error([], []), ValueError, "empty"),
        (lambda: prior_shift_correction([0.5], 0.0, 0.1), ValueError, "train_prior"),
        (lambda: prior_shift_correction([0.5], 0.5, 1.0), ValueError, "true_prior"),
        (lambda: prior_shift_correction([1.5], 0.5, 0.1), ValueError, "p must be probabilities"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
