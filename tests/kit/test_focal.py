"""FocalLogisticRegression: sklearn estimator contract, equivalence with LogisticRegression at gamma=0."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from imbalance_kit.focal import FocalLogisticRegression, FocalSoftmaxRegression
from imbalance_kit.losses import focal_loss_from_logits


@parametrize_with_checks([FocalLogisticRegression(),
                          FocalLogisticRegression(gamma=0.5, alpha=0.3, class_weight="balanced"),
                          FocalSoftmaxRegression(), FocalSoftmaxRegression(gamma=0.5, class_weight="balanced")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _problem(seed, sparse=False):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(60, 300)), int(rng.integers(2, 12))
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2, d)
    y = (X @ rng.normal(size=d) + rng.normal(size=n) > rng.uniform(0.5, 2)).astype(int)
    y[:2] = [0, 1]
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    return X, y


@pytest.mark.parametrize("seed", range(40))
def test_gamma0_matches_logistic_regression(seed):
    X, y = _problem(seed, sparse=seed % 2 == 1)
    C = [0.01, 0.1, 1.0, 10.0][seed % 4]
    class_weight = [None, "balanced"][seed % 3 == 0]
    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000, class_weight=class_weight).fit(X, y)
    clf = FocalLogisticRegression(gamma=0.0, alpha=None, C=C, tol=1e-10, class_weight=class_weight).fit(X, y)
    assert np.allclose(clf.coef_, ref.coef_, atol=1e-5, rtol=1e-5)
    assert np.allclose(clf.intercept_, ref.intercept_, atol=1e-5, rtol=1e-5)
    assert np.allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("seed", range(30))
def test_fit_is_a_stationary_point_of_the_focal_objective(seed):
    """The fitted (w, b) cannot be improved by small moves along random directions."""
    X, y = _problem(seed)
    rng = np.random.default_rng(seed)
    gamma, alpha, C = float(rng.choice([0.5, 1.0, 2.0, 3.0])), [None, 0.25, 0.75][seed % 3], 1.0
    clf = FocalLogisticRegression(gamma=gamma, alpha=alpha, C=C, tol=1e-9).fit(X, y)

    def objective(w, b):
        loss = focal_loss_from_logits(y, X @ w + b, gamma, alpha, reduction="sum")
        return (loss + w @ w / (2 * C)) / len(y)

    best = objective(clf.coef_[0], clf.intercept_[0])
    for _ in range(10):
        step = rng.normal(size=X.shape[1] + 1) * 1e-3
        assert objective(clf.coef_[0] + step[:-1], clf.intercept_[0] + step[-1]) >= best - 1e-12


def test_string_labels_and_positive_class():
    X, y = _problem(0)
    labels = np.array(["ok", "toxic"])[y]
    clf = FocalLogisticRegression().fit(X, labels)
    assert clf.classes_.tolist() == ["ok", "toxic"]
    assert set(clf.predict(X)) <= {"ok", "toxic"}
    proba = clf.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(clf.predict(X), clf.classes_[(proba[:, 1] > 0.5).astype(int)])
    assert np.allclose(np.exp(clf.predict_log_proba(X)), proba)


def test_alpha_shifts_towards_the_weighted_class():
    X, y = _problem(3)
    low = FocalLogisticRegression(alpha=0.1).fit(X, y).predict_proba(X)[:, 1].mean()
    high = FocalLogisticRegression(alpha=0.9).fit(X, y).predict_proba(X)[:, 1].mean()
    assert high > low


def _tfidf_corpus(seed, n=1500, positive_rate=0.08):
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(400)])
    signal = np.array([f"s{i}" for i in range(15)])
    y = (rng.random(n) < positive_rate).astype(int)
    docs = []
    for label in y:
        words = list(rng.choice(vocab, size=int(rng.integers(5, 25))))
        if label or rng.random() < 0.05:
            words += list(rng.choice(signal, size=int(rng.integers(1, 3))))
        docs.append(" ".join(words))
    return docs, y


@pytest.mark.parametrize("seed", range(3))
def test_ranks_comparably_to_lr_on_imbalanced_tfidf(seed):
    docs, y = _tfidf_corpus(seed)
    X = TfidfVectorizer().fit_transform(docs)
    tr, te = slice(0, 1000), slice(1000, None)
    ap_lr = average_precision_score(y[te], LogisticRegression(C=10).fit(X[tr], y[tr]).decision_function(X[te]))
    ap_fl = average_precision_score(
        y[te], FocalLogisticRegression(C=10, alpha=0.25).fit(X[tr], y[tr]).decision_function(X[te]))
    assert ap_fl > 4 * y[te].mean()  # far above the chance level (prevalence)
    assert ap_fl > ap_lr - 0.05


def test_clone_params_and_pipeline():
    clf = FocalLogisticRegression(gamma=1.5, alpha=0.25, C=0.5)
    assert clone(clf).get_params() == clf.get_params()
    assert clf.set_params(gamma=3.0).gamma == 3.0
    docs, y = _tfidf_corpus(0, n=400, positive_rate=0.2)
    pipe = make_pipeline(TfidfVectorizer(), FocalLogisticRegression())
    scores = cross_val_score(pipe, np.array(docs), y, cv=3, scoring="average_precision")
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def test_multiclass_is_rejected_with_a_clear_error():
    X, _ = _problem(0)
    with pytest.raises(ValueError, match="Only binary classification"):
        FocalLogisticRegression().fit(X, np.arange(len(X)) % 3)


@pytest.mark.parametrize("params", [{"gamma": -1}, {"alpha": 1.5}, {"C": 0}, {"max_iter": 0},
                                    {"class_weight": "auto"}])
def test_bad_params(params):
    X, y = _problem(0)
    with pytest.raises(ValueError, match=next(iter(params))):
        FocalLogisticRegression(**params).fit(X, y)


def test_convergence_warning():
    X, y = _problem(1)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        FocalLogisticRegression(max_iter=1, tol=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        FocalLogisticRegression().fit(X, y)


# ---------------------------------------------------------------- FocalSoftmaxRegression ----------

def _multiclass(seed, n=300, k=4, d=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.choice(k, size=n, p=[0.7, 0.2, 0.07, 0.03][:k] / np.sum([0.7, 0.2, 0.07, 0.03][:k]))
    X[np.arange(n), y % d] += 1.5  # some signal per class
    return X, y


@pytest.mark.parametrize("seed", range(3))
def test_softmax_focal_with_gamma_0_is_sklearn_multinomial_logistic_regression(seed):
    from sklearn.linear_model import LogisticRegression

    from imbalance_kit.focal import FocalSoftmaxRegression

    X, y = _multiclass(seed)
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, len(y))
    ours = FocalSoftmaxRegression(gamma=0.0, C=0.7, tol=1e-10).fit(X, y, sample_weight=sw)
    ref = LogisticRegression(C=0.7, tol=1e-10, max_iter=10_000).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


@pytest.mark.parametrize("seed", range(3))
def test_softmax_focal_of_two_classes_is_the_binary_focal_loss_of_the_logit_difference(seed):
    from imbalance_kit.focal import _softmax_focal_terms
    from imbalance_kit.losses import focal_loss_from_logits

    rng = np.random.default_rng(seed)
    Z, t = rng.normal(scale=5, size=(200, 2)), rng.integers(0, 2, 200)
    for gamma in (0.0, 0.3, 1.0, 2.0, 5.0):
        fl, _, _ = _softmax_focal_terms(Z, t, gamma)
        ref = focal_loss_from_logits(t, Z[:, 1] - Z[:, 0], gamma=gamma, alpha=None, reduction="none")
        np.testing.assert_allclose(fl, ref, rtol=1e-7, atol=1e-14)  # logsumexp vs log_expit rounding


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_softmax_focal_gradient_matches_central_differences(gamma):
    import scipy.sparse as sp

    from imbalance_kit.focal import FocalSoftmaxRegression

    X, y = _multiclass(1, n=40, k=3, d=4)
    clf = FocalSoftmaxRegression(gamma=gamma, C=0.5)
    clf.classes_, t = np.unique(y, return_inverse=True)
    rng = np.random.default_rng(2)
    scale, theta = rng.uniform(0, 0.05, len(y)), rng.normal(scale=2, size=4 * 3 + 3)
    for data in (X, sp.csr_matrix(X)):
        _, grad = clf._objective(theta, data, t, scale, 0.3)
        eye, h = np.eye(len(theta)), 1e-6
        numeric = [(clf._objective(theta + h * e, data, t, scale, 0.3)[0]
                    - clf._objective(theta - h * e, data, t, scale, 0.3)[0]) / (2 * h) for e in eye]
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_softmax_focal_stays_finite_when_the_true_class_is_certain():
    from imbalance_kit.focal import _softmax_focal_terms

    Z = np.array([[60.0, -60.0, 0.0], [0.0, 0.0, 0.0]])
    for gamma in (0.0, 0.5, 2.0):
        fl, g, _ = _softmax_focal_terms(Z, np.array([0, 2]), gamma)
        assert np.all(np.isfinite(fl)) and np.all(np.isfinite(g)) and fl[0] < 1e-20


def test_softmax_focal_turns_down_easy_rows_and_takes_class_weights():
    from imbalance_kit.focal import FocalSoftmaxRegression

    X, y = _multiclass(0)
    plain = FocalSoftmaxRegression(gamma=0.0).fit(X, y)
    weighted = FocalSoftmaxRegression(gamma=0.0, class_weight="balanced").fit(X, y)
    rare = y == 3
    assert (weighted.predict(X) == 3).sum() > (plain.predict(X) == 3).sum()
    assert weighted.predict_proba(X)[rare, 3].mean() > plain.predict_proba(X)[rare, 3].mean()
    with pytest.raises(ValueError, match="at least 2 are needed"):
        FocalSoftmaxRegression().fit(X[y == 0], y[y == 0])


def test_softmax_focal_fits_only_the_features_that_occur_and_leaves_the_others_at_zero():
    from imbalance_kit.focal import FocalSoftmaxRegression

    X, y = _multiclass(0)
    wide = np.zeros((len(y), 10))
    wide[:, [1, 4, 5, 6, 8, 9]] = X
    for data in (wide, sp.csr_matrix(wide)):
        clf = FocalSoftmaxRegression(gamma=2.0, tol=1e-10).fit(data, y)
        narrow = FocalSoftmaxRegression(gamma=2.0, tol=1e-10).fit(X, y)
        assert np.all(clf.coef_[:, [0, 2, 3, 7]] == 0)
        np.testing.assert_allclose(clf.coef_[:, [1, 4, 5, 6, 8, 9]], narrow.coef_, atol=1e-6)
        np.testing.assert_allclose(clf.predict_proba(data), narrow.predict_proba(X), atol=1e-8)
