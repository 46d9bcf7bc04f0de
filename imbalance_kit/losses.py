"""Losses for imbalanced classification: focal loss, class-weighted and label-smoothed cross-entropy.

Conventions
-----------
- Natural log throughout (write-ups quoting FL = 0.00045 at p = 0.9 used log10).
- Loss functions take **probabilities** ``p`` (clipped to ``[eps, 1 - eps]`` so ``ln 0`` never
  happens); ``*_from_logits`` and every ``*_grad`` take **logits** ``z`` because that is what an
  optimiser updates and it avoids the clipping.
- ``*_grad`` returns the per-sample derivative of each sample's (weighted) loss with respect to
  its own logit, i.e. the gradient of the ``reduction="sum"`` loss. Divide by ``n`` (focal) or by
  the total weight (weighted cross-entropy) for the ``"mean"`` loss.
- Binary: ``y_true`` holds 0/1 and ``p``/``z`` is 1-D (the positive class). Multiclass: ``y_true``
  holds class indices ``0..K-1`` and ``p``/``z`` is ``(n, K)``.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit, log_expit, softmax

from ._validation import (as_1d, check_binary, check_fraction, check_in_choices, check_int, check_probabilities,
                          check_same_length, check_scores)

REDUCTIONS = ("mean", "sum", "none")
# Same clipping as sklearn.metrics.log_loss, so weighted CE agrees with it to rounding.
_EPS = np.finfo(float).eps


def _check_labels01(y_true) -> np.ndarray:
    return check_binary(y_true, "y_true", both=False).astype(float)  # a batch may hold one class


def _check_class_index(y_true, n_classes: int) -> np.ndarray:
    y = as_1d(y_true, "y_true")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"y_true must hold integer class indices in [0, {n_classes - 1}]")
    return y


def _check_prob(p, name: str = "p") -> np.ndarray:
    return check_probabilities(p, name, ndim=2 if np.ndim(p) == 2 else 1)


def _check_logits(z) -> np.ndarray:
    return check_scores(z, "logits", ndim=2 if np.ndim(z) == 2 else 1)


def _reduce(per_sample: np.ndarray, reduction: str, total_weight: float | None = None):
    check_in_choices(reduction, REDUCTIONS, "reduction")
    if reduction == "none":
        return per_sample
    s = float(per_sample.sum())
    if reduction == "sum":
        return s
    return s / float(len(per_sample) if total_weight is None else total_weight)


def _check_focal_params(gamma, alpha):
    check_fraction(gamma, "gamma", 0.0, np.inf, closed="left")
    if alpha is not None:
        check_fraction(alpha, "alpha")


def _focal_from_log_pt(y, log_pt, log_1m_pt, gamma, alpha):
    alpha_t = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    return -alpha_t * np.exp(gamma * log_1m_pt) * log_pt


def focal_loss(y_true, p, gamma: float = 2.0, alpha: float | None = 0.25, reduction: str = "mean"):
    """Binary focal loss ``FL = -alpha_t (1 - p_t)**gamma ln(p_t)`` (Lin et al., 2017).

    Parameters
    ----------
    y_true : array-like of 0/1
    p : array-like of predicted probabilities of class 1
    gamma : float >= 0, focusing parameter; 0 gives (alpha-weighted) cross-entropy.
    alpha : float in [0, 1] or None
        Weight of class 1 (class 0 gets ``1 - alpha``); ``None`` applies no class weight.
        The paper's default 0.25 *down*-weights the rare positive, since gamma already favours it.
    reduction : {"mean", "sum", "none"}

    >>> round(focal_loss([1], [0.9], gamma=2, alpha=None), 7)   # 0.01 * CE(0.9) = 0.01 * 0.1053605
    0.0010536
    >>> import math
    >>> math.isclose(2 * focal_loss([1, 0], [0.7, 0.2], gamma=0, alpha=0.5),
    ...              -(math.log(0.7) + math.log(0.8)) / 2)     # gamma=0, alpha=0.5: half of BCE
    True
    """
    _check_focal_params(gamma, alpha)
    y = _check_labels01(y_true)
    p = _check_prob(p)
    if p.ndim != 1:
        raise ValueError("p must be 1-D: focal_loss is binary (probabilities of class 1)")
    check_same_length(y_true=y, p=p)
    p_t = np.clip(np.where(y == 1, p, 1 - p), _EPS, 1 - _EPS)
    return _reduce(_focal_from_log_pt(y, np.log(p_t), np.log1p(-p_t), gamma, alpha), reduction)


def focal_loss_from_logits(y_true, logits, gamma: float = 2.0, alpha: float | None = 0.25,
                           reduction: str = "mean"):
    """Binary focal loss computed from logits ``z`` (``p = sigmoid(z)``), stable for any ``z``.

    Same parameters as :func:`focal_loss`; no clipping is needed because
    ``ln p_t = log_sigmoid(y' z)`` with ``y' = +1/-1``.

    >>> round(focal_loss_from_logits([1, 0], [40.0, 40.0], alpha=None, reduction="sum"), 6)
    40.0
    """
    _check_focal_params(gamma, alpha)
    y = _check_labels01(y_true)
    z = _check_logits(logits)
    if z.ndim != 1:
        raise ValueError("logits must be 1-D: focal loss is binary")
    check_same_length(y_true=y, logits=z)
    sz = np.where(y == 1, z, -z)
    return _reduce(_focal_from_log_pt(y, log_expit(sz), log_expit(-sz), gamma, alpha), reduction)


def focal_loss_grad(y_true, logits, gamma: float = 2.0, alpha: float | None = 0.25) -> np.ndarray:
    """Derivative of each sample's focal loss with respect to its logit.

    ``dFL/dz = alpha_t y' (1 - p_t)**gamma (gamma p_t ln p_t + p_t - 1)`` with ``y' = +1/-1``
    and ``p_t = sigmoid(y' z)``. Divide by ``n`` for the gradient of the mean loss.

    >>> g = focal_loss_grad([1, 0], [0.0, 0.0], gamma=0, alpha=None)   # gamma=0: p - y
    >>> g.tolist()
    [-0.5, 0.5]
    """
    _check_focal_params(gamma, alpha)
    y = _check_labels01(y_true)
    z = _check_logits(logits)
    if z.ndim != 1:
        raise ValueError("logits must be 1-D: focal loss is binary")
    check_same_length(y_true=y, logits=z)
    sign = np.where(y == 1, 1.0, -1.0)
    log_pt, log_1m_pt = log_expit(sign * z), log_expit(-sign * z)
    p_t, one_m_pt = np.exp(log_pt), np.exp(log_1m_pt)
    alpha_t = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    # (p_t - 1) is written as -(1 - p_t) from log_expit so it keeps precision when p_t -> 1.
    return alpha_t * sign * np.exp(gamma * log_1m_pt) * (gamma * p_t * log_pt - one_m_pt)


def _sample_weights(y: np.ndarray, weights, n: int) -> np.ndarray:
    """Per-sample weights from a class -> weight mapping or a per-sample array."""
    if weights is None:
        return np.ones(n)
    if isinstance(weights, Mapping):
        missing = sorted({v.item() for v in np.unique(y)} - set(weights), key=str)
        if missing:
            raise ValueError(f"weights has no entry for class(es) {missing}")
        w = np.array([weights[v] for v in y.tolist()], dtype=float)
    else:
        w = as_1d(weights, "weights").astype(float)
        check_same_length(y_true=y, weights=w)
    if not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError("weights must be finite and non-negative")
    if w.sum() == 0:
        raise ValueError("weights sum to zero")
    return w


def _true_class_prob(y_true, p):
    """Return (labels, probability given to the true class), for binary 1-D or multiclass 2-D p."""
    if p.ndim == 1:
        y = _check_labels01(y_true).astype(int)
        check_same_length(y_true=y, p=p)
        return y, np.where(y == 1, p, 1 - p)
    y = _check_class_index(y_true, p.shape[1])
    check_same_length(y_true=y, p=p)
    return y, p[np.arange(len(y)), y]


def weighted_cross_entropy(y_true, p, weights=None, reduction: str = "mean"):
    """Class- or sample-weighted cross-entropy (log loss).

    Parameters
    ----------
    y_true : 0/1 labels (binary, ``p`` 1-D) or class indices ``0..K-1`` (``p`` is ``(n, K)``)
    p : predicted probabilities
    weights : mapping class -> weight (e.g. from :func:`imbalance_kit.class_weights`),
        per-sample array, or None (unweighted)
    reduction : {"mean", "sum", "none"}
        ``"mean"`` is the *weighted* mean ``sum(w * l) / sum(w)``, as in
        ``sklearn.metrics.log_loss(..., sample_weight=w)`` and PyTorch's weighted
        ``CrossEntropyLoss``; ``"none"`` returns ``w * l`` per sample.

    >>> round(weighted_cross_entropy([0, 1], [0.1, 0.6], {0: 1.0, 1: 3.0}, reduction="sum"), 4)
    1.6378
    """
    p = _check_prob(p)
    y, p_true = _true_class_prob(y_true, p)
    w = _sample_weights(y, weights, len(y))
    per_sample = -w * np.log(np.clip(p_true, _EPS, 1 - _EPS))
    return _reduce(per_sample, reduction, total_weight=w.sum())


def weighted_cross_entropy_grad(y_true, logits, weights=None) -> np.ndarray:
    """Derivative of each sample's weighted cross-entropy with respect to its logit(s).

    Binary (1-D logits, sigmoid): ``w * (p - y)``. Multiclass (``(n, K)`` logits, softmax):
    ``w * (softmax(z) - onehot(y))``. Divide by ``sum(w)`` for the ``"mean"`` loss.

    >>> weighted_cross_entropy_grad([1, 0], [0.0, 0.0], {0: 1.0, 1: 4.0}).tolist()
    [-2.0, 0.5]
    """
    z = _check_logits(logits)
    if z.ndim == 1:
        y = _check_labels01(y_true).astype(int)
        check_same_length(y_true=y, logits=z)
        return _sample_weights(y, weights, len(y)) * (expit(z) - y)
    y = _check_class_index(y_true, z.shape[1])
    check_same_length(y_true=y, logits=z)
    g = softmax(z, axis=1)
    g[np.arange(len(y)), y] -= 1.0
    return _sample_weights(y, weights, len(y))[:, None] * g


def label_smoothing(y, n_classes: int, epsilon: float = 0.1) -> np.ndarray:
    """Smoothed one-hot targets: ``(1 - epsilon) * onehot(y) + epsilon / n_classes``.

    Each row sums to 1; the true class gets ``1 - epsilon + epsilon / K`` (Szegedy et al., 2016).

    >>> label_smoothing([0, 2], n_classes=3, epsilon=0.3).round(2).tolist()
    [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    epsilon = check_fraction(epsilon, "epsilon")
    y = _check_class_index(y, n_classes)
    q = np.full((len(y), n_classes), epsilon / n_classes)
    q[np.arange(len(y)), y] += 1.0 - epsilon
    return q


def smoothed_cross_entropy(y_true, p, epsilon: float = 0.1, weights=None, reduction: str = "mean"):
    """Multiclass cross-entropy against label-smoothed targets, optionally class-weighted.

    ``l_i = -w_i * sum_k q_ik ln p_ik`` with ``q = label_smoothing(y_true, K, epsilon)``;
    ``epsilon=0`` gives :func:`weighted_cross_entropy`. ``weights`` and ``reduction`` as there
    (the weight of a sample is that of its *true* class).

    >>> round(smoothed_cross_entropy([0], [[0.8, 0.1, 0.1]], epsilon=0.3), 4)   # = entropy of q
    0.639
    """
    p = _check_prob(p)
    if p.ndim != 2:
        raise ValueError("p must be a (n_samples, n_classes) array of class probabilities")
    q = label_smoothing(y_true, p.shape[1], epsilon)
    y = np.asarray(y_true)
    check_same_length(y_true=y, p=p)
    w = _sample_weights(y, weights, len(y))
    per_sample = -w * (q * np.log(np.clip(p, _EPS, 1.0))).sum(axis=1)
    return _reduce(per_sample, reduction, total_weight=w.sum())
