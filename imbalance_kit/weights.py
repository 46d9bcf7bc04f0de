"""Class weights for a weighted loss: inverse frequency, its square root, effective number."""
from __future__ import annotations

import numpy as np

from ._validation import check_counts, check_fraction, check_in_choices

METHODS = ("inverse", "sqrt_inverse", "effective")


def class_weights(counts, method: str = "inverse", beta: float = 0.9999) -> dict:
    """Weight each class for a class-weighted loss.

    Parameters
    ----------
    counts : mapping class -> count, or a sequence of labels
    method : {"inverse", "sqrt_inverse", "effective"}
        - ``"inverse"``: ``N / (K * n_c)``, identical to scikit-learn's
          ``compute_class_weight("balanced")``. Convention: the weights, applied per
          sample, sum to N (the mean weight per *sample* is 1).
        - ``"sqrt_inverse"``: the softened variant ``sqrt(N / (K * n_c))``, for when full
          inverse weighting over-corrects.
        - ``"effective"``: effective number of samples (Cui et al., 2019):
          ``(1 - beta) / (1 - beta ** n_c)``, normalised so the weights **sum to K**
          (mean 1 per *class*, as in the paper's code; unlike ``"inverse"``).
    beta : float in [0, 1), only for ``"effective"``. Pick it relative to the class sizes:
        once every ``n_c >> 1 / (1 - beta)`` all weights become equal.

    Returns
    -------
    dict class -> float weight, in the order of ``counts``.

    >>> w = class_weights({0: 18_400, 1: 1_600})
    >>> round(w[0], 4), round(w[1], 4)
    (0.5435, 6.25)
    >>> w = class_weights({0: 18_400, 1: 1_600}, method="effective", beta=0.9999)
    >>> round(w[0], 4), round(w[1], 4)
    (0.299, 1.701)
    """
    counts = check_counts(counts)
    check_in_choices(method, METHODS, "method")
    classes = list(counts)
    n = np.array([counts[c] for c in classes], dtype=float)
    k = len(n)
    if method == "inverse":
        w = n.sum() / (k * n)
    elif method == "sqrt_inverse":
        w = np.sqrt(n.sum() / (k * n))
    else:
        beta = check_fraction(beta, "beta", closed="left")
        # 1 - beta**n via expm1 keeps precision when beta is close to 1 (beta**n near 1).
        effective = -np.expm1(n * np.log(beta)) / (1 - beta) if beta > 0 else np.ones_like(n)
        w = 1.0 / effective
        w = w / w.sum() * k
    return {c: float(x) for c, x in zip(classes, w)}
