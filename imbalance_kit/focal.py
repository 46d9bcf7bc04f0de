"""Linear classifiers trained with focal loss (scikit-learn estimators): FocalLogisticRegression
(binary) and FocalSoftmaxRegression (any number of classes, e.g. a token tagger)."""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.sparse import issparse
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


class FocalLogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression trained with focal loss instead of log loss.

    Minimises ``(sum_i s_i FL(y_i, x_i w + b) + ||w||^2 / (2 C)) / sum_i s_i`` with L-BFGS-B and the
    analytic gradient, where ``FL = -alpha_t (1 - p_t)**gamma ln p_t`` (:func:`imbalance_kit.losses.focal_loss`)
    and ``s_i`` are sample weights (times class weights; all 1 by default). Up to a constant factor
    this is scikit-learn's ``C * sum(loss) + ||w||^2 / 2``, so with ``gamma=0, alpha=None`` it fits the same
    model as ``LogisticRegression(C=C)``. The intercept is not penalised. Focal loss is not convex
    for ``gamma > 0``; the fit starts from zero, so it is deterministic.

    Parameters
    ----------
    gamma : float >= 0, focusing parameter (0 = cross-entropy).
    alpha : float in [0, 1] or None. Weight of the positive class ``classes_[1]`` (negatives
        get ``1 - alpha``); None for no alpha weighting.
    C : float > 0, inverse L2 regularisation strength, as in ``LogisticRegression``.
    max_iter : int, L-BFGS-B iteration limit. tol : float, gradient tolerance (``gtol``).
    class_weight : None, "balanced" or dict class -> weight, multiplied into the sample weights.

    Attributes
    ----------
    classes_, coef_ (1, n_features), intercept_ (1,), n_iter_ (1,), n_features_in_

    Accepts dense arrays or scipy sparse matrices (e.g. TF-IDF). Binary targets only.

    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, weights=[0.9], random_state=0)
    >>> clf = FocalLogisticRegression(gamma=2.0, alpha=0.25).fit(X, y)
    >>> clf.coef_.shape, clf.predict_proba(X[:2]).shape
    ((1, 20), (2, 2))
    """

    _parameter_constraints: dict = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="both"), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, gamma=2.0, alpha=None, C=1.0, max_iter=1000, tol=1e-4, class_weight=None):
        self.gamma = gamma
        self.alpha = alpha
        self.C = C
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit on ``X`` (n_samples, n_features), dense or sparse, and binary ``y``."""
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {y_type}; "
                "for multiclass wrap the model in sklearn.multiclass.OneVsRestClassifier")
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"y has only 1 class ({self.classes_[0]!r}); both classes are needed to fit")
        t = (y == self.classes_[1]).astype(float)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        class_total = np.bincount(t.astype(int), weights=sw, minlength=2)
        if np.any(class_total <= 0):
            raise ValueError(f"sample_weight sums to zero for class {self.classes_[np.argmin(class_total)]!r}")
        if self.class_weight is not None:
            # "balanced" counts weighted samples, so weights stay equivalent to repeated rows.
            cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y, sample_weight=sw)
            sw = sw * cw[t.astype(int)]
        n, d = X.shape
        sign = 2 * t - 1
        alpha_t = np.ones(n) if self.alpha is None else np.where(t == 1, self.alpha, 1 - self.alpha)
        # Normalising by the total weight (not n) makes integer weights equivalent to repeated rows.
        total = sw.sum()
        scale = sw * alpha_t / total
        gamma, l2 = float(self.gamma), 1.0 / (self.C * total)

        def objective(theta):
            w, b = theta[:d], theta[d]
            sz = sign * (X @ w + b)
            log_pt, log_1m_pt = log_expit(sz), log_expit(-sz)
            mod = np.exp(gamma * log_1m_pt)  # (1 - p_t)**gamma
            loss = -np.dot(scale, mod * log_pt) + 0.5 * l2 * np.dot(w, w)
            # dFL/dz, see imbalance_kit.losses.focal_loss_grad
            dz = scale * sign * mod * (gamma * np.exp(log_pt) * log_pt - np.exp(log_1m_pt))
            grad = np.empty(d + 1)
            grad[:d] = X.T @ dz + l2 * w
            grad[d] = dz.sum()
            return loss, grad

        res = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                       options={"maxiter": self.max_iter, "gtol": self.tol,
                                "ftol": 64 * np.finfo(float).eps, "maxls": 50})
        if res.status == 1:
            warnings.warn(f"L-BFGS-B did not converge in max_iter={self.max_iter} iterations; "
                          "increase max_iter or scale the features", ConvergenceWarning, stacklevel=2)
        self.coef_ = res.x[:d].reshape(1, -1)
        self.intercept_ = res.x[d:].copy()
        self.n_iter_ = np.array([res.nit])
        return self

    def decision_function(self, X):
        """Logit of ``classes_[1]`` for each row (> 0 predicts ``classes_[1]``)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32])
        return np.asarray(X @ self.coef_[0] + self.intercept_[0]).ravel()

    def predict_proba(self, X):
        """Columns ``P(classes_[0]), P(classes_[1])``. Focal loss does not give calibrated
        probabilities for ``gamma > 0`` (it pushes them towards 0.5); calibrate before using them."""
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict_log_proba(self, X):
        z = self.decision_function(X)
        return np.column_stack([log_expit(-z), log_expit(z)])

    def predict(self, X):
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]


def _softmax_focal_terms(Z, t, gamma):
    """Per-row focal loss ``-(1 - p_t)**gamma ln p_t`` of softmax logits ``Z`` (n, K) with true
    class indices ``t``, and ``g = dFL/dp_t * p_t`` such that ``dFL/dZ = g * (onehot - P)``."""
    log_p = Z - logsumexp(Z, axis=1, keepdims=True)
    log_pt = log_p[np.arange(len(t)), t]
    one_m_pt = -np.expm1(log_pt)  # 1 - p_t without cancellation
    mod = one_m_pt ** gamma
    # ln(p_t) / (1 - p_t) -> -1 as p_t -> 1 (keeps gamma < 1 finite)
    ratio = np.where(one_m_pt > 1e-12, log_pt / np.maximum(one_m_pt, 1e-300), -1.0 - one_m_pt / 2)
    g = mod * (gamma * np.exp(log_pt) * ratio - 1.0)
    return -mod * log_pt, g, np.exp(log_p)


class FocalSoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Multinomial (softmax) logistic regression trained with focal loss: any number of classes,
    e.g. one token classifier over all IOB2 tags (lesson 08, example 3).

    Minimises ``(sum_i s_i FL_i + ||W||^2 / (2 C)) / sum_i s_i`` with L-BFGS-B and the analytic
    gradient, where ``FL_i = -(1 - p_t)**gamma ln p_t`` and ``p_t`` is the softmax probability of
    row i's true class; ``s_i`` are sample weights times class weights (all 1 by default). With
    ``gamma=0`` this is scikit-learn's multinomial ``LogisticRegression(C=C)`` (same objective up to
    a constant factor; one weight column per class, intercepts not penalised). For two classes the
    loss equals the binary focal loss of the logit difference (``alpha=None``). Focal loss is not
    convex for ``gamma > 0``; the fit starts from zero, so it is deterministic.

    Parameters
    ----------
    gamma : float >= 0, focusing parameter (0 = cross-entropy).
    C : float > 0, inverse L2 regularisation strength, as in ``LogisticRegression``.
    max_iter : int, L-BFGS-B iteration limit. tol : float, gradient tolerance (``gtol``).
    class_weight : None, "balanced" or dict class -> weight, multiplied into the sample weights.

    Attributes
    ----------
    classes_, coef_ (n_classes, n_features), intercept_ (n_classes,), n_iter_ (1,), n_features_in_

    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, weights=[0.8, 0.15],
    ...                            random_state=0)
    >>> clf = FocalSoftmaxRegression(gamma=2.0).fit(X, y)
    >>> clf.coef_.shape, clf.predict_proba(X[:2]).shape
    ((3, 20), (2, 3))
    """

    _parameter_constraints: dict = {
        "gamma": [Interval(Real, 0, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(self, gamma=2.0, C=1.0, max_iter=1000, tol=1e-4, class_weight=None):
        self.gamma = gamma
        self.C = C
        self.max_iter = max_iter
        self.tol = tol
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _objective(self, theta, X, t, scale, l2):
        """Loss and gradient at ``theta`` (coef then intercept, flattened)."""
        d, k = X.shape[1], len(self.classes_)
        W, b = theta[:d * k].reshape(d, k), theta[d * k:]
        fl, g, P = _softmax_focal_terms(np.asarray(X @ W) + b, t, float(self.gamma))
        onehot = np.zeros_like(P)
        onehot[np.arange(len(t)), t] = 1.0
        G = (scale * g)[:, None] * (onehot - P)
        loss = np.dot(scale, fl) + 0.5 * l2 * np.sum(W * W)
        return loss, np.concatenate([(X.T @ G + l2 * W).ravel(), G.sum(axis=0)])

    def fit(self, X, y, sample_weight=None):
        """Fit on ``X`` (n_samples, n_features), dense or sparse, and labels ``y`` (2+ classes)."""
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, t = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has only 1 class ({self.classes_[0]!r}); at least 2 are needed to fit")
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.class_weight is not None:
            sw = sw * compute_class_weight(self.class_weight, classes=self.classes_, y=y, sample_weight=sw)[t]
        total = sw.sum()
        if total <= 0:
            raise ValueError("sample_weight sums to zero")
        # Features that are zero in every row (most buckets of hashed features) get zero gradient
        # and stay at 0, so only the others are optimised: L-BFGS-B's cost grows with the length.
        used = np.unique(X.indices) if issparse(X) else np.flatnonzero(np.any(X != 0, axis=0))
        Xu, d, k = X[:, used], len(used), len(self.classes_)
        res = minimize(self._objective, np.zeros(d * k + k), args=(Xu, t, sw / total, 1.0 / (self.C * total)),
                       jac=True, method="L-BFGS-B",
                       options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 64 * np.finfo(float).eps,
                                "maxls": 50})
        if res.status == 1:
            warnings.warn(f"L-BFGS-B did not converge in max_iter={self.max_iter} iterations; "
                          "increase max_iter or scale the features", ConvergenceWarning, stacklevel=2)
        self.coef_ = np.zeros((k, X.shape[1]))
        self.coef_[:, used] = res.x[:d * k].reshape(d, k).T
        self.intercept_ = res.x[d * k:].copy()
        self.n_iter_ = np.array([res.nit])
        return self

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32])
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def decision_function(self, X):
        """Logits, one column per class in ``classes_``; for two classes, as scikit-learn's
        classifiers do, the 1-D logit of ``classes_[1]`` against ``classes_[0]``."""
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Softmax of the logits. Focal loss (``gamma > 0``) does not give calibrated
        probabilities; calibrate before using them."""
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X):
        z = self._logits(X)
        return z - logsumexp(z, axis=1, keepdims=True)

    def predict(self, X):
        z = self._logits(X)
        return self.classes_[np.argmax(z, axis=1)]
