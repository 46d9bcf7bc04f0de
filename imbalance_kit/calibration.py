"""Probability calibration for binary classifiers: calibrators, ECE, reliability, prior shift.

Calibrators are small estimators fitted on a held-out (validation) set:
``PlattCalibrator().fit(p_val, y_val).transform(p_test)``. They take positive-class
probabilities by default (``inputs="proba"``) or raw decision scores
(``inputs="score"``), and ``transform`` returns calibrated positive-class
probabilities as a 1-D array.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import (
    as_1d,
    check_binary,
    check_fraction,
    check_in_choices,
    check_int,
    check_probabilities,
    check_same_length,
    check_scores,
)

INPUTS = ("proba", "score")
_EPS = 1e-12  # keeps logit(0) and logit(1) finite


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # tanh form: no overflow for large |z|


class _Calibrator:
    def __init__(self, inputs: str = "proba"):
        self.inputs = inputs

    def _values(self, x, name="x"):
        check_in_choices(self.inputs, INPUTS, "inputs")
        return check_probabilities(x, name) if self.inputs == "proba" else check_scores(x, name)

    def _logits(self, x, name="x"):
        v = self._values(x, name)
        if self.inputs == "score":
            return v
        v = np.clip(v, _EPS, 1 - _EPS)
        return np.log(v) - np.log1p(-v)

    def _check_fit_input(self, x, y):
        y = check_binary(y, "y")
        check_same_length(x=as_1d(x, "x"), y=y)
        return y

    def _check_fitted(self):
        if not hasattr(self, "n_samples_fit_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(x, y) first")

    def fit_transform(self, x, y) -> np.ndarray:
        return self.fit(x, y).transform(x)


def _fit_logistic(X, t, max_iter=100):
    """Minimise the log loss of sigmoid(X @ w) against targets t in [0, 1] (Newton's method)."""
    w = np.zeros(X.shape[1])

    def loss(w):
        z = X @ w
        return np.sum(np.logaddexp(0, z) - t * z)

    for _ in range(max_iter):
        p = _sigmoid(X @ w)
        grad = X.T @ (p - t)
        hess = (X * (p * (1 - p))[:, None]).T @ X + 1e-12 * np.eye(X.shape[1])
        step = np.linalg.solve(hess, grad)
        # Backtracking keeps each step a descent step far from the optimum.
        f0, scale = loss(w), 1.0
        while loss(w - scale * step) > f0 and scale > 1e-10:
            scale /= 2
        w = w - scale * step
        if np.max(np.abs(scale * step)) < 1e-10:
            break
    return w


class PlattCalibrator(_Calibrator):
    """Platt (sigmoid) scaling: ``p' = sigmoid(a * z + b)``, z the logit of the input.

    Fitted by maximum likelihood against Platt's smoothed targets
    ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)``, as scikit-learn's ``method="sigmoid"``
    does. The intercept ``b`` can undo a shift of the class prior (e.g. from
    ``class_weight="balanced"``).

    Attributes: ``slope_`` (a), ``intercept_`` (b).

    >>> y = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1]
    >>> p = [0.1, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.8, 0.9]
    >>> cal = PlattCalibrator().fit(p, y)
    >>> bool(cal.slope_ > 0), cal.transform([0.5]).round(2).tolist()
    (True, [0.47])
    """

    def fit(self, x, y) -> "PlattCalibrator":
        y = self._check_fit_input(x, y)
        z = self._logits(x)
        n_pos = y.sum()
        t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (len(y) - n_pos + 2))
        self.slope_, self.intercept_ = (float(v) for v in _fit_logistic(np.c_[z, np.ones_like(z)], t))
        self.n_samples_fit_ = len(y)
        return self

    def transform(self, x) -> np.ndarray:
        self._check_fitted()
        return _sigmoid(self.slope_ * self._logits(x) + self.intercept_)


class TemperatureCalibrator(_Calibrator):
    """Temperature scaling: ``p' = sigmoid(z / T)``, z the logit of the input.

    One parameter, fitted by maximum likelihood. There is **no intercept**: it can
    sharpen or soften probabilities but cannot move them towards a different class
    prior, so it does not repair the inflated probabilities of a class-weighted or
    resampled model (use Platt scaling or :func:`prior_shift_correction`).

    Attributes: ``temperature_`` (T).

    >>> y = [0, 0, 1, 0, 1, 1]
    >>> p = [0.01, 0.02, 0.03, 0.97, 0.98, 0.99]  # over-confident
    >>> cal = TemperatureCalibrator().fit(p, y)
    >>> round(cal.temperature_, 2), cal.transform([0.5, 0.99]).round(2).tolist()
    (4.52, [0.5, 0.73])
    """

    def fit(self, x, y) -> "TemperatureCalibrator":
        y = self._check_fit_input(x, y)
        z = self._logits(x)
        (inv_t,) = _fit_logistic(z[:, None], y.astype(float))
        if inv_t <= 0:
            raise ValueError("the inputs rank negatives above positives; temperature scaling needs positive T")
        self.temperature_ = float(1 / inv_t)
        self.n_samples_fit_ = len(y)
        return self

    def transform(self, x) -> np.ndarray:
        self._check_fitted()
        return _sigmoid(self._logits(x) / self.temperature_)


class IsotonicCalibrator(_Calibrator):
    """Isotonic calibration: the best non-decreasing step map from input to probability.

    Wraps scikit-learn's ``IsotonicRegression(out_of_bounds="clip")``. Flexible, so it
    overfits small validation sets (scikit-learn advises against it well below 1,000
    samples) and its ties can lower average precision.

    >>> cal = IsotonicCalibrator().fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1])
    >>> cal.transform([0.1, 0.25, 0.4]).tolist()
    [0.0, 0.5, 1.0]
    """

    def fit(self, x, y) -> "IsotonicCalibrator":
        from sklearn.isotonic import IsotonicRegression  # here: keeps `import imbalance_kit` light

        y = self._check_fit_input(x, y)
        self.isotonic_ = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
        self.isotonic_.fit(self._values(x), y)
        self.n_samples_fit_ = len(y)
        return self

    def transform(self, x) -> np.ndarray:
        self._check_fitted()
        return self.isotonic_.predict(self._values(x))


def prior_shift_correction(p, train_prior: float, true_prior: float) -> np.ndarray:
    """Re-weight probabilities learned under one positive-class prior to another.

    ``p' = p * w1 / (p * w1 + (1 - p) * w0)`` with ``w_k = pi_k / pi_k,train``
    (Elkan 2001; Saerens et al. 2002). After ``class_weight="balanced"`` or resampling
    to 50/50, ``train_prior`` is 0.5 and ``true_prior`` the real prevalence.

    >>> prior_shift_correction([0.5, 0.9], train_prior=0.5, true_prior=0.08).round(4).tolist()
    [0.08, 0.439]
    """
    p = check_probabilities(p, "p")
    train = check_fraction(train_prior, "train_prior", closed="neither")
    true = check_fraction(true_prior, "true_prior", closed="neither")
    w1, w0 = true / train, (1 - true) / (1 - train)
    return p * w1 / (p * w1 + (1 - p) * w0)


KINDS = ("positive", "top_label")
STRATEGIES = ("uniform", "quantile")


def _confidence_and_outcome(y_true, p, kind):
    """What is binned (predicted probability) and what it is compared with (observed rate)."""
    if kind == "positive":
        p = check_probabilities(p, "p")
        y = check_binary(y_true, "y_true")
        check_same_length(y_true=y, p=p)
        return p, y.astype(float)
    arr = np.asarray(p, dtype=float)
    if arr.ndim == 1:
        arr = check_probabilities(arr, "p")
        arr = np.c_[1 - arr, arr]
    elif arr.ndim != 2 or arr.shape[1] < 2 or arr.size == 0:
        raise ValueError(f"p must be 1-D (binary) or 2-D (n_samples, n_classes), got shape {arr.shape}")
    check_probabilities(arr.ravel(), "p")
    y = as_1d(y_true, "y_true")
    check_same_length(y_true=y, p=arr)
    if not np.isin(y, np.arange(arr.shape[1])).all():
        raise ValueError(f"y_true must hold class indices 0..{arr.shape[1] - 1} (the columns of p)")
    return arr.max(axis=1), (arr.argmax(axis=1) == y).astype(float)


def reliability_table(y_true, p, n_bins: int = 10, strategy: str = "uniform", kind: str = "positive") -> pd.DataFrame:
    """Per-bin calibration statistics (every bin, empty ones with count 0 and NaN means).

    Parameters
    ----------
    y_true : 0/1 labels (``kind="positive"``) or class indices (``kind="top_label"``)
    p : positive-class probabilities (1-D); for ``"top_label"`` also (n, K) class probabilities
    n_bins : int >= 1
    strategy : {"uniform", "quantile"}
        Equal-width bins on [0, 1], or edges at the quantiles of the binned values.
        Bins are right-closed and the first includes 0, as in scikit-learn's
        ``calibration_curve``.
    kind : {"positive", "top_label"}
        ``"positive"``: bin P(y=1), observed = fraction of positives.
        ``"top_label"`` (Guo et al. 2017): bin the highest class probability,
        observed = accuracy of the argmax class (ties go to the lower class index).

    Returns
    -------
    DataFrame with columns lower, upper, count, mean_predicted, observed, gap
    (observed - mean_predicted).

    >>> reliability_table([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], n_bins=2)
       lower  upper  count  mean_predicted  observed   gap
    0    0.0    0.5      2            0.15       0.0 -0.15
    1    0.5    1.0      2            0.80       1.0  0.20
    """
    check_in_choices(kind, KINDS, "kind")
    check_in_choices(strategy, STRATEGIES, "strategy")
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    conf, outcome = _confidence_and_outcome(y_true, p, kind)
    if strategy == "quantile":
        # Same expression as calibration_curve: linspace(0, 100) rounds differently.
        edges = np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], conf)  # side="left": right-closed bins
    count = np.bincount(ids, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(ids, weights=conf, minlength=n_bins) / count
        observed = np.bincount(ids, weights=outcome, minlength=n_bins) / count
    return pd.DataFrame(
        {
            "lower": edges[:-1],
            "upper": edges[1:],
            "count": count,
            "mean_predicted": mean_pred,
            "observed": observed,
            "gap": observed - mean_pred,
        }
    )


def expected_calibration_error(y_true, p, n_bins: int = 10, strategy: str = "uniform", kind: str = "positive") -> float:
    """Expected calibration error: count-weighted mean of ``|observed - mean_predicted|``.

    ``kind="positive"`` (default) is positive-class ECE (torchmetrics'
    ``binary_calibration_error``; the weighted gap between the two outputs of
    scikit-learn's ``calibration_curve``). ``kind="top_label"`` is the ECE of Guo et al.
    (2017), which bins the confidence of the predicted class. Under imbalance the two
    differ a lot, so always say which one you report. Empty bins are dropped. See
    :func:`reliability_table` for the parameters.

    >>> y = [0, 0, 0, 0, 0, 0, 1, 1]
    >>> p = [0.1, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.9]  # inflated, as after reweighting
    >>> round(expected_calibration_error(y, p), 4)
    0.3625
    >>> round(expected_calibration_error(y, p, kind="top_label"), 4)
    0.15
    """
    table = reliability_table(y_true, p, n_bins=n_bins, strategy=strategy, kind=kind)
    used = table[table["count"] > 0]
    return float(np.sum(used["count"] / used["count"].sum() * used["gap"].abs()))
