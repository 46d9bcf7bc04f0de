"""Losses: closed forms, the techniques.md table, finite-difference gradients, sklearn log_loss."""
import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import log_loss

from imbalance_kit.losses import (
    focal_loss, focal_loss_from_logits, focal_loss_grad, label_smoothing, smoothed_cross_entropy,
    weighted_cross_entropy, weighted_cross_entropy_grad,
)


def _binary(seed, n=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(1, 60))
    y = rng.integers(0, 2, n)
    z = rng.normal(0, 3, n)
    return rng, y, z


def _central_diff(f, z, h=1e-6):
    """d f(z) / d z_j for a scalar f, one coordinate at a time."""
    g = np.zeros_like(z)
    for j in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[j] = h
        g[j] = (f(z + e) - f(z - e)) / (2 * h)
    return g


# techniques.md §2 table, with the precision it is printed at.
@pytest.mark.parametrize("p_t, ce, fl, fl_tol", [(0.5, 0.6931, 0.1733, 1e-4), (0.9, 0.10536, 0.0010536, 1e-7),
                                                 (0.99, 0.01005, 1.0e-6, 1e-7)])
def test_ce_fl_table(p_t, ce, fl, fl_tol):
    for y, p in ((1, p_t), (0, 1 - p_t)):  # p_t is the probability of the true class
        ce_got = focal_loss([y], [p], gamma=0, alpha=None)
        fl_got = focal_loss([y], [p], gamma=2, alpha=None)
        assert ce_got == pytest.approx(ce, abs=5e-5) and fl_got == pytest.approx(fl, abs=fl_tol)
        assert ce_got / fl_got == pytest.approx(1 / (1 - p_t) ** 2, rel=1e-9)


@pytest.mark.parametrize("seed", range(50))
def test_gamma0_alpha_half_is_half_bce(seed):
    rng, y, z = _binary(seed)
    p = expit(z)
    bce = -np.where(y == 1, np.log(p), np.log1p(-p))
    fl = focal_loss(y, p, gamma=0, alpha=0.5, reduction="none")
    assert np.allclose(2 * fl, bce, rtol=1e-9, atol=1e-12)
    assert np.allclose(focal_loss_from_logits(y, z, gamma=0, alpha=None, reduction="none"), bce, rtol=1e-9)
    if len(np.unique(y)) == 2:
        assert focal_loss(y, p, gamma=0, alpha=None) == pytest.approx(log_loss(y, p), rel=1e-9)


@pytest.mark.parametrize("seed", range(50))
def test_focal_reference_formula_and_reductions(seed):
    rng, y, z = _binary(seed)
    gamma = float(rng.choice([0.0, 0.5, 1.0, 2.0, 5.0]))
    alpha = [None, 0.25, 0.5, 0.9][seed % 4]
    p = expit(z)
    p_t = np.where(y == 1, p, 1 - p)
    a_t = 1.0 if alpha is None else np.where(y == 1, alpha, 1 - alpha)
    ref = -a_t * (1 - p_t) ** gamma * np.log(p_t)
    none = focal_loss(y, p, gamma=gamma, alpha=alpha, reduction="none")
    assert np.allclose(none, ref, rtol=1e-8, atol=1e-300)
    assert np.allclose(focal_loss_from_logits(y, z, gamma, alpha, "none"), ref, rtol=1e-8, atol=1e-300)
    assert focal_loss(y, p, gamma, alpha, "sum") == pytest.approx(ref.sum(), rel=1e-8)
    assert focal_loss(y, p, gamma, alpha) == pytest.approx(ref.mean(), rel=1e-8)


@pytest.mark.parametrize("seed", range(60))
def test_focal_grad_matches_central_differences(seed):
    rng, y, z = _binary(seed, n=8)
    gamma = float(rng.choice([0.0, 0.5, 1.0, 2.0, 3.5]))
    alpha = [None, 0.25, 0.75][seed % 3]
    z = np.clip(z, -8, 8)
    num = _central_diff(lambda v: focal_loss_from_logits(y, v, gamma, alpha, "sum"), z)
    assert np.allclose(focal_loss_grad(y, z, gamma, alpha), num, atol=1e-7)


def test_focal_is_stable_at_extreme_logits():
    y = np.array([1, 0, 1, 0])
    z = np.array([800.0, -800.0, -800.0, 800.0])
    loss = focal_loss_from_logits(y, z, gamma=2, alpha=None, reduction="none")
    assert np.all(np.isfinite(loss)) and np.allclose(loss, [0, 0, 800, 800])
    g = focal_loss_grad(y, z, gamma=2, alpha=None)
    assert np.all(np.isfinite(g)) and np.allclose(g, [0, 0, -1, 1])
    assert np.all(np.isfinite(focal_loss(y, [1.0, 0.0, 0.0, 1.0], reduction="none")))


@pytest.mark.parametrize("seed", range(60))
def test_weighted_ce_equals_sklearn_log_loss(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 80))
    k = 2 if seed % 2 else int(rng.integers(3, 7))
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)
    cw = {c: float(rng.uniform(0.1, 5)) for c in range(k)}
    sw = np.array([cw[c] for c in y])
    if k == 2:
        p = expit(rng.normal(0, 2, n))
        expected = log_loss(y, p, sample_weight=sw)
    else:
        p = softmax(rng.normal(0, 2, (n, k)), axis=1)
        expected = log_loss(y, p, sample_weight=sw, labels=np.arange(k))
    assert weighted_cross_entropy(y, p, cw) == pytest.approx(expected, rel=1e-9)
    assert weighted_cross_entropy(y, p, sw) == pytest.approx(expected, rel=1e-9)
    assert weighted_cross_entropy(y, p, sw, "sum") == pytest.approx(expected * sw.sum(), rel=1e-9)
    assert weighted_cross_entropy(y, p, None) == pytest.approx(
        log_loss(y, p, labels=np.arange(k)), rel=1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_weighted_ce_grad_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    n = 6
    cw = {0: 0.7, 1: 3.0, 2: 1.5}
    if seed % 2:
        y, z = rng.integers(0, 2, n), rng.normal(0, 2, n)
        loss = lambda v: weighted_cross_entropy(y, expit(v), cw, "sum")
    else:
        y, z = rng.integers(0, 3, n), rng.normal(0, 2, (n, 3))
        loss = lambda v: weighted_cross_entropy(y, softmax(v, axis=1), cw, "sum")
    assert np.allclose(weighted_cross_entropy_grad(y, z, cw), _central_diff(loss, z), atol=1e-6)


@pytest.mark.parametrize("seed", range(40))
def test_label_smoothing_and_smoothed_ce(seed):
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 8)), int(rng.integers(1, 40))
    y = rng.integers(0, k, n)
    eps = float(rng.uniform(0, 0.5))
    q = label_smoothing(y, k, eps)
    assert q.shape == (n, k) and np.allclose(q.sum(axis=1), 1)
    assert np.allclose(q[np.arange(n), y], 1 - eps + eps / k)
    assert np.allclose(label_smoothing(y, k, 0.0), np.eye(k)[y])
    p = softmax(rng.normal(0, 2, (n, k)), axis=1)
    ref = -(q * np.log(p)).sum(axis=1)
    assert smoothed_cross_entropy(y, p, eps, reduction="none") == pytest.approx(ref, rel=1e-9)
    w = rng.uniform(0.5, 2, k)
    cw = dict(enumerate(w))
    assert smoothed_cross_entropy(y, p, eps, cw) == pytest.approx((w[y] * ref).sum() / w[y].sum(), rel=1e-9)
    assert smoothed_cross_entropy(y, p, 0.0, cw) == pytest.approx(weighted_cross_entropy(y, p, cw), rel=1e-9)


@pytest.mark.parametrize("call, match", [
    (lambda: focal_loss([0, 1], [0.2, 1.3]), "probabilities"),
    (lambda: focal_loss([0, 2], [0.2, 0.3]), "only 0 and 1"),
    (lambda: focal_loss([0, 1], [0.2]), "mismatched"),
    (lambda: focal_loss([], []), "empty"),
    (lambda: focal_loss([0, 1], [0.2, float("nan")]), "NaN"),
    (lambda: focal_loss([0, 1], [0.2, 0.3], gamma=-1), "gamma"),
    (lambda: focal_loss([0, 1], [0.2, 0.3], alpha=1.5), "alpha"),
    (lambda: focal_loss([0, 1], [0.2, 0.3], reduction="avg"), "reduction"),
    (lambda: focal_loss_grad([0, 1], [[0.1, 0.2], [0.3, 0.1]]), "1-D"),
    (lambda: weighted_cross_entropy([0, 1], [0.2, 0.3], {0: 1.0}), "no entry"),
    (lambda: weighted_cross_entropy([0, 1], [0.2, 0.3], [1.0, -1.0]), "non-negative"),
    (lambda: weighted_cross_entropy([0, 1], [0.2, 0.3], [0.0, 0.0]), "zero"),
    (lambda: weighted_cross_entropy([0, 3], [[0.5, 0.5], [0.5, 0.5]]), "class indices"),
    (lambda: label_smoothing([0, 1], 1), "n_classes"),
    (lambda: label_smoothing([0, 1], 2, epsilon=1.5), "epsilon"),
    (lambda: smoothed_cross_entropy([0, 1], [0.2, 0.3]), "n_classes"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
