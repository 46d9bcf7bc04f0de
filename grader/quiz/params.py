"""Parameterized numeric questions: fresh numbers per attempt, answers from imbalance_kit.

A bank entry names a generator by key (``generator: minority_weight``); the generator draws the
numbers from the attempt's RNG and computes the answer with the kit's reference function, so the
quiz can never disagree with the library the lessons teach. ``mistakes`` are the values common
slips produce, so feedback can name the slip.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imbalance_kit import class_weights, imbalance_report
from imbalance_kit.calibration import prior_shift_correction
from imbalance_kit.losses import focal_loss, label_smoothing
from imbalance_kit.labeling import source_quotas
from imbalance_kit.metrics import expected_cost


@dataclass(frozen=True)
class Draw:
    """One attempt's numbers: ``values`` fill the prompt/explanation placeholders."""

    values: dict
    answer: float
    mistakes: tuple = ()


def _counts(rng, low=5_000, high=40_000, share=(0.01, 0.15)):
    n0 = int(rng.integers(low, high) // 100 * 100)
    n1 = int(round(n0 * rng.uniform(*share) / (1 - share[0]) / 10) * 10) or 10
    return n0, max(n1, 10)


def minority_weight(rng) -> Draw:
    """Inverse-frequency weight of class 1: ``class_weights({0: n0, 1: n1})[1]``."""
    n0, n1 = _counts(rng)
    w = class_weights({0: n0, 1: n1})
    return Draw(dict(n0=n0, n1=n1, n=n0 + n1, w0=w[0], w1=w[1]), w[1],
                ((n0 / n1, "That is the imbalance ratio n0/n1, not the weight N / (K * n1)."),
                 ((n0 + n1) / n1, "You left out K: the weight is N / (K * n1) with K = 2.")))


def majority_weight(rng) -> Draw:
    """Inverse-frequency weight of class 0."""
    d = minority_weight(rng)
    n0, n1 = d.values["n0"], d.values["n1"]
    return Draw(d.values, d.values["w0"],
                ((n1 / n0, "That is n1/n0; the weight is N / (K * n0)."),
                 ((n0 + n1) / n0, "You left out K: the weight is N / (K * n0) with K = 2.")))


def effective_weight(rng) -> Draw:
    """Effective-number weight of class 1 (Cui et al. 2019), weights normalised to sum to K=2."""
    n0 = int(rng.integers(20, 200)) * 100
    n1 = int(rng.integers(10, 200)) * 10
    beta = float(rng.choice([0.999, 0.9999]))
    w = class_weights({0: n0, 1: n1}, method="effective", beta=beta)
    inv = class_weights({0: n0, 1: n1})
    return Draw(dict(n0=n0, n1=n1, beta=beta, w0=w[0], w1=w[1]), w[1],
                ((inv[1], "That is the plain inverse-frequency weight; the effective number "
                          "(1 - beta**n) / (1 - beta) saturates for large classes."),
                 (inv[1] / (inv[0] + inv[1]) * 2, "That is inverse frequency normalised to sum 2, "
                                                  "not the effective number of samples.")))


def imbalance_ratio(rng) -> Draw:
    """Majority / minority count over three classes: ``imbalance_report(labels)``."""
    counts = sorted((int(x) for x in rng.choice(np.arange(20, 3_000), size=3, replace=False)), reverse=True)
    labels = np.repeat(["billing", "login", "fraud"], counts)
    r = imbalance_report(labels)
    return Draw(dict(c_billing=counts[0], c_login=counts[1], c_fraud=counts[2], ratio=r["imbalance_ratio"]),
                r["imbalance_ratio"],
                ((counts[2] / counts[0], "That is minority / majority; the ratio is majority / minority."),
                 (counts[2] / sum(counts), "That is the minority share, not the imbalance ratio.")))


def minority_share(rng) -> Draw:
    """Minority share of a binary label set: ``imbalance_report(labels)["minority_share"]``."""
    n0, n1 = _counts(rng, 1_000, 10_000)
    r = imbalance_report(np.repeat([0, 1], [n0, n1]))
    return Draw(dict(n0=n0, n1=n1, share=r["minority_share"]), r["minority_share"],
                ((n1 / n0, "That divides by the majority count; the share divides by all items."),))


def social_quota(rng) -> Draw:
    """Social's quota in a wave: ``source_quotas(shares, wave, min_share, tilt)["Social"]``."""
    social = float(rng.choice([0.04, 0.05, 0.06, 0.08, 0.1]))
    chat = float(rng.choice([0.2, 0.25, 0.3, 0.35]))
    email = round(1 - chat - social, 2)
    wave = int(rng.choice([500, 800, 1000, 1200, 2000]))
    min_share = float(rng.choice([0.1, 0.15, 0.2]))
    tilt = {"Email": 0.01, "Chat": float(rng.choice([0.02, 0.03])), "Social": float(rng.choice([0.04, 0.05, 0.06]))}
    shares = {"Email": email, "Chat": chat, "Social": social}
    q = source_quotas(shares, wave, min_share=min_share, tilt=tilt)
    plain = wave * social
    return Draw(dict(email=email, chat=chat, social=social, wave=wave, min_share=min_share,
                     t_email=tilt["Email"], t_chat=tilt["Chat"], t_social=tilt["Social"],
                     q_email=q["Email"], q_chat=q["Chat"], q_social=q["Social"]), q["Social"],
                ((plain, "That is Social's plain proportional share; the tilt moves items towards "
                         "sources with more expected fraud."),
                 (float(np.ceil(min_share * wave)), "That is only the floor; the tilt lifts Social above it.")))


def social_floor_quota(rng) -> Draw:
    """Social's quota with a floor and no tilt: proportional shares, lifted to the floor."""
    social = float(rng.choice([0.02, 0.04, 0.05, 0.06]))
    chat = float(rng.choice([0.25, 0.3, 0.35]))
    email = round(1 - chat - social, 2)
    wave = int(rng.choice([500, 1000, 1500, 2000]))
    min_share = float(rng.choice([0.1, 0.15]))
    q = source_quotas({"Email": email, "Chat": chat, "Social": social}, wave, min_share=min_share)
    return Draw(dict(email=email, chat=chat, social=social, wave=wave, min_share=min_share,
                     q_email=q["Email"], q_chat=q["Chat"], q_social=q["Social"]), q["Social"],
                ((wave * social, "That ignores the floor: every source gets at least "
                                 "ceil(min_share * wave) items."),))


def focal_value(rng) -> Draw:
    """Focal loss of one positive with predicted probability p (no alpha), natural log."""
    p = float(rng.choice(np.round(np.arange(0.55, 0.99, 0.05), 2)))
    gamma = float(rng.choice([1.0, 2.0, 3.0]))
    fl = float(focal_loss([1], [p], gamma=gamma, alpha=None))
    return Draw(dict(p=p, gamma=gamma, ce=float(-np.log(p)), fl=fl), fl,
                ((float((1 - p) ** gamma * -np.log10(p)), "You used log10; the loss uses the natural log."),
                 (float(-np.log(p)), "That is plain cross-entropy; multiply it by (1 - p_t) ** gamma.")))


def smoothed_target(rng) -> Draw:
    """Target of the true class after label smoothing: ``label_smoothing(...)``."""
    k = int(rng.integers(3, 31))
    eps = float(rng.choice([0.05, 0.1, 0.2]))
    t = float(label_smoothing([0], n_classes=k, epsilon=eps)[0, 0])
    return Draw(dict(k=k, eps=eps, target=t), t,
                ((1 - eps, "You forgot that the true class also gets its share eps / K."),
                 (1 - eps + eps / (k - 1), "The uniform part is eps / K over all K classes, not K - 1.")))


def corrected_probability(rng) -> Draw:
    """Prior-shift correction of a probability from a balanced (50/50) model."""
    p = float(rng.choice([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]))
    prior = float(rng.choice([0.02, 0.04, 0.05, 0.08, 0.1]))
    out = float(prior_shift_correction([p], train_prior=0.5, true_prior=prior)[0])
    return Draw(dict(p=p, prior=prior, corrected=out), out,
                ((p * prior, "Scaling p by the prior is not Bayes' rule: renormalise over both classes."),
                 (p, "A balanced model's probabilities are inflated; they need correcting.")))


def cost_per_item(rng) -> Draw:
    """Expected cost per item from a confusion matrix: ``expected_cost(y, yhat, C)``."""
    tn, fp, fn, tp = (int(rng.integers(a, b)) for a, b in ((800, 1000), (10, 80), (2, 30), (20, 60)))
    c_fp, c_fn = 1, int(rng.choice([5, 10, 20, 50]))
    y = np.repeat([0, 0, 1, 1], [tn, fp, fn, tp])
    yhat = np.repeat([0, 1, 0, 1], [tn, fp, fn, tp])
    cost = expected_cost(y, yhat, [[0, c_fp], [c_fn, 0]])
    n = tn + fp + fn + tp
    return Draw(dict(tn=tn, fp=fp, fn=fn, tp=tp, c_fp=c_fp, c_fn=c_fn, n=n, cost=cost), cost,
                ((float(fp * c_fp + fn * c_fn), "That is the total cost; divide by the number of items."),
                 ((fp * c_fn + fn * c_fp) / n, "You swapped the costs: a missed positive (FN) costs "
                                               f"{c_fn}, a false alarm (FP) {c_fp}.")))


GENERATORS = {
    "minority_weight": minority_weight,
    "majority_weight": majority_weight,
    "effective_weight": effective_weight,
    "imbalance_ratio": imbalance_ratio,
    "minority_share": minority_share,
    "focal_value": focal_value,
    "smoothed_target": smoothed_target,
    "corrected_probability": corrected_probability,
    "cost_per_item": cost_per_item,
    "social_quota": social_quota,
    "social_floor_quota": social_floor_quota,
}


def draw(generator: str, seed) -> Draw:
    """Draw one attempt's numbers for ``generator`` from ``numpy.random.default_rng(seed)``."""
    if generator not in GENERATORS:
        raise ValueError(f"unknown generator {generator!r}; known: {', '.join(sorted(GENERATORS))}")
    return GENERATORS[generator](np.random.default_rng(seed))
