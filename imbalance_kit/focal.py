"""FocalLogisticRegression: a linear classifier trained with focal loss (scikit-learn estimator)."""
from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
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
