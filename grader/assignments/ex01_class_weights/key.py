"""Grading rules of ex01_class_weights (questions and points: the declaration in ``__init__``).

- ``q1_inverse_frequency_weights``: the student's ``inverse_frequency_weights(counts)`` is
  called on count mappings drawn at grade time (2-5 classes, int and str keys) and compared with
  :func:`imbalance_kit.class_weights`. Returned as a dict or a list of ``(class, weight)`` pairs.
  Rounded weights earn two thirds, weights right for two classes only a third.
- ``q2_rounded_weights``: ``w0`` and ``w1`` rounded to 2 decimals, on the notebook's counts
  and on fresh counts the grader injects (typed numbers fail there); unrounded earn half.
- ``q3_metrics``: ``metrics``, two names from :data:`METRICS`; PR-AUC and macro F1 earn full
  marks, other imbalance-aware metrics a quarter each, accuracy and ROC-AUC nothing.
"""
from __future__ import annotations

import numpy as np

from imbalance_kit import class_weights

from ...contract import AssignmentKey
from ...feedback_diagnose import (answer_problem, call_problem, describe, is_number, key_set,
                                  lookup, pairs, vocab_name)
from ...spec import Verdict

DEFAULTS = {"n_non_toxic": 18_400, "n_toxic": 1_600}
FUNC = "inverse_frequency_weights"

# name -> (credit when chosen, what it measures): each of the two names earns its credit times
# half the question's points. Rendered into the notebook (notebook.py; METRIC_NAMES in
# solution.py is checked against it), so the notebook and the key share one vocabulary.
METRICS = {
    "accuracy": (0.0, "share of all predictions that are correct"),
    "balanced_accuracy": (0.5, "mean of the per-class recalls"),
    "roc_auc": (0.0, "area under the ROC curve (true- vs false-positive rate)"),
    "pr_auc": (1.0, "area under the precision-recall curve of the rare class (average precision)"),
    "macro_f1": (1.0, "F1 per class, averaged with equal weight per class"),
    "micro_f1": (0.0, "F1 over all decisions pooled together"),
    "weighted_f1": (0.0, "F1 per class, averaged weighted by class size"),
    "per_class_recall": (0.5, "recall of each class, reported separately"),
    "per_class_precision": (0.5, "precision of each class, reported separately"),
    "log_loss": (0.0, "cross-entropy of the predicted probabilities"),
}
ALIASES = {"average_precision": "pr_auc", "auprc": "pr_auc", "pr_auc_score": "pr_auc",
           "f1_macro": "macro_f1", "f1_micro": "micro_f1", "f1_weighted": "weighted_f1",
           "roc_auc_score": "roc_auc", "auroc": "roc_auc"}
WHY_NOT = {
    "roc_auc": "ROC-AUC can look high even when the rare class is found poorly: the many easy "
               "negatives keep the false-positive rate low.",
    "micro_f1": "micro F1 equals accuracy for single-label classification, so it hides the rare class.",
    "weighted_f1": "weighted F1 weights each class by its size, so the majority class dominates it.",
    "log_loss": "log loss measures how good the probabilities are overall, not how well the rare "
                "class is found.",
}

# Always probed first; the grader adds random count mappings after these (see ``probes``).
FIXED_PROBES = [({0: 18_400, 1: 1_600},), ({"ham": 900, "spam": 100},), ({0: 500, 1: 300, 2: 200},)]
_LABELS = ["billing", "fraud", "spam", "toxic", "neutral", "refund", "other", "urgent"]


def parameter_sets(rng) -> list[dict]:
    """Notebook defaults, then two fresh (n_non_toxic, n_toxic) pairs with other weights."""
    rng = np.random.default_rng(rng)
    default_w = _rounded(DEFAULTS)
    sets = [dict(DEFAULTS)]
    while len(sets) < 3:
        n = int(rng.integers(5_000, 50_001))
        n_toxic = int(round(n * rng.uniform(0.02, 0.3)))
        params = {"n_non_toxic": n - n_toxic, "n_toxic": n_toxic}
        w = _exact(params)
        # Skip draws whose weights round like the defaults or sit on a rounding boundary.
        if _rounded(params) == default_w or any(abs((x * 100) % 1 - 0.5) < 1e-3 for x in w):
            continue
        sets.append(params)
    return sets


def probes(rng) -> dict[str, list[tuple]]:
    """The fixed probes, then three random count mappings (2-5 classes, int or str keys)."""
    rng = np.random.default_rng(rng)
    args = list(FIXED_PROBES)
    for _ in range(3):
        k = int(rng.integers(2, 6))
        if rng.random() < 0.5:
            keys = [int(x) for x in rng.choice(20, size=k, replace=False)]
        else:
            keys = [str(x) for x in rng.choice(_LABELS, size=k, replace=False)]
        counts = [int(x) for x in rng.integers(1, 5_000, size=k)]
        args.append(({key: c for key, c in zip(keys, counts)},))
    return {FUNC: args}


def _exact(params: dict) -> tuple[float, float]:
    w = class_weights({0: params["n_non_toxic"], 1: params["n_toxic"]})
    return w[0], w[1]


def _rounded(params: dict) -> tuple[float, float]:
    return tuple(round(x, 2) for x in _exact(params))


def _is_two_decimals(x: float) -> bool:
    return abs(x * 100 - round(x * 100)) < 1e-6


def weight_mistake(got: list[float], counts: list[int], atol: float) -> str | None:
    """Name the usual formula slip that turns ``counts`` into ``got`` (in class order), if any."""
    n = np.asarray(counts, dtype=float)
    total, k = n.sum(), len(n)
    ref = total / (k * n)
    candidates = [
        (ref[::-1] if k == 2 else None,
         "the weights are swapped: the rare class must get the larger weight."),
        (total / n, f"the weights are {k} times too large: you divided N by n_c but not by K "
                    "(the number of classes)."),
        (n / total, "these are class frequencies n_c / N; the weight is the inverse, N / (K * n_c)."),
        (k * n / total, "these are K * n_c / N, the reciprocal of the weight N / (K * n_c)."),
        (1 / n, "you used 1 / n_c; multiply it by N / K."),
        (1 / (k * n), "you divided by K * n_c but did not multiply by N."),
        (ref / ref.sum(), "your weights are normalised to sum to 1; use N / (K * n_c) as it is."),
        (np.sqrt(ref), "you took the square root of N / (K * n_c); use the weight itself."),
    ]
    g = np.asarray(got, dtype=float)
    for cand, message in candidates:
        if cand is not None and np.allclose(g, cand, rtol=1e-6, atol=atol):
            return message
    return None


def _grade_function(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    run = runs[0]
    results = run.probes.get(FUNC)
    args = run.probe_args.get(FUNC) or FIXED_PROBES
    if not isinstance(results, list) or not results:
        v.feedback.append(f"`{FUNC}` is not defined (or the cell defining it raised an error).")
        return v
    checks = []  # (n_classes, "ok" | "rounded" | message)
    for (counts,), result in zip(args, results):
        checks.append((len(counts), _check_result(counts, result)))
    bad = [(k, msg) for k, msg in checks if msg not in ("ok", "rounded")]
    if not bad and all(msg == "ok" for _, msg in checks):
        v.points = points
        v.feedback.append(f"`{FUNC}` matches N / (K * n_c) on every input tried.")
    elif not bad:
        v.points = points * 2 / 3
        v.feedback.append(f"`{FUNC}` rounds its weights; return them unrounded "
                          "(round only `w0` and `w1`).")
    else:
        binary_ok = all(msg in ("ok", "rounded") for k, msg in checks if k == 2)
        if binary_ok:
            v.points = points / 3
            v.feedback.append(f"`{FUNC}` is right for two classes but not for more: K is the "
                              "number of classes in `counts`, not always 2.")
        seen = set()
        for k, msg in bad:
            if msg not in seen:
                seen.add(msg)
                v.feedback.append(f"with {k} classes: {msg}")
    return v


def _check_result(counts: dict, result) -> str:
    """'ok', 'rounded' or a feedback message for one probe result."""
    problem = call_problem(FUNC, result)
    if problem:
        return problem
    items = pairs(result)
    if items is None:
        if isinstance(result, list) and all(is_number(x) for x in result):
            return ("it returned a bare list of numbers; return a dict class -> weight (or a list "
                    "of (class, weight) pairs) so each weight names its class.")
        return f"it returned {describe(result)}; return a dict class -> weight."
    if key_set(items) != {str(c) for c in counts} or len(items) != len(counts):
        return "the returned classes are not the classes of `counts` (one weight per key of counts)."
    got = []
    for c in counts:
        w = lookup(items, c)
        if not is_number(w):
            return f"the weight of class {c!r} is {describe(w)}, not a number."
        got.append(float(w))
    ref = class_weights(counts)
    want = [ref[c] for c in counts]
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return "ok"
    if np.allclose(got, want, atol=0.0051) and all(map(_is_two_decimals, got)):
        return "rounded"
    return weight_mistake(got, list(counts.values()), atol=1e-9) or "the weights are not N / (K * n_c)."


def _grade_rounded(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    got = []
    for run in runs:
        pair = []
        for name in ("w0", "w1"):
            value = run.answers.get(name)
            msg = answer_problem(name, value)
            if msg is None and not is_number(value):
                msg = f"`{name}` is {describe(value)}; it must be a number such as round(x, 2)."
            if msg:
                v.feedback.append(msg)
                return v
            pair.append(float(value))
        got.append(tuple(pair))

    def status(pair, params) -> str:
        want = _rounded(params)
        if all(abs(g - w) <= 0.005 + 1e-9 and _is_two_decimals(g) for g, w in zip(pair, want)):
            return "ok"
        if np.allclose(pair, _exact(params), rtol=1e-6):
            return "unrounded"
        return "wrong"

    states = [status(pair, run.parameters) for pair, run in zip(got, runs)]
    if all(s == "ok" for s in states):
        v.points = points
        v.feedback.append("`w0` and `w1` are right, also when the class counts change.")
        return v
    if len(runs) > 1 and states[0] == "ok" and all(p == got[0] for p in got[1:]):
        v.feedback.append("`w0`/`w1` do not change when the class counts change: they look "
                          "hard-coded. Compute them from `n_non_toxic` and `n_toxic`.")
        return v
    if all(s in ("ok", "unrounded") for s in states):
        v.points = points / 2
        v.feedback.append("`w0` and `w1` are right but not rounded to 2 decimals (use round(x, 2)).")
        return v
    first_wrong = next(i for i, s in enumerate(states) if s == "wrong")
    params = runs[first_wrong].parameters
    mistake = weight_mistake(list(got[first_wrong]), [params["n_non_toxic"], params["n_toxic"]],
                             atol=0.0051)
    if first_wrong > 0 and states[0] == "ok":
        v.feedback.append("`w0`/`w1` are right for the notebook's counts but not when the counts "
                          "change: compute N and K from the parameters instead of typing them.")
    v.feedback.append(mistake or "`w0`/`w1` are not N / (K * n_c) rounded to 2 decimals.")
    return v


def _grade_metrics(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    value = runs[0].answers.get("metrics")
    msg = answer_problem("metrics", value)
    if msg:
        v.feedback.append(msg)
        return v
    if isinstance(value, str):
        v.feedback.append("`metrics` is a single string; make it a list of two names, "
                          "e.g. [\"name_1\", \"name_2\"].")
        return v
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        v.feedback.append(f"`metrics` is {describe(value)}; make it a list of two metric names.")
        return v
    names = [ALIASES.get(vocab_name(x), vocab_name(x)) for x in value]
    unknown = [raw for raw, name in zip(value, names) if name not in METRICS]
    if unknown:
        v.feedback.append(f"not in the vocabulary: {', '.join(map(repr, unknown))}; choose from "
                          f"{', '.join(METRICS)}.")
        return v
    if len(set(names)) != len(names):
        v.feedback.append("`metrics` names the same metric twice.")
        return v
    if len(names) != 2:
        v.feedback.append(f"`metrics` must name exactly two metrics; it names {len(names)}.")
        return v
    v.points = points / 2 * sum(METRICS[n][0] for n in names)
    params = runs[0].parameters
    share = params["n_toxic"] / (params["n_toxic"] + params["n_non_toxic"])
    for name in names:
        if name == "accuracy":
            v.feedback.append(f"accuracy rewards the majority class: with {share:.0%} toxic "
                              f"comments, a model that flags nothing already scores {1 - share:.2f}.")
        elif name in WHY_NOT:
            v.feedback.append(WHY_NOT[name])
        elif METRICS[name][0] < 1:
            v.feedback.append(f"{name} is imbalance-aware, but PR-AUC and macro F1 summarise the "
                              "rare class best; they are the expected pair.")
    if v.points == points:
        v.feedback.append("PR-AUC and macro F1: both look at the rare class, not at the majority.")
    return v


KEY = AssignmentKey(
    answers=("w0", "w1", "metrics"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={"q1_inverse_frequency_weights": _grade_function, "q2_rounded_weights": _grade_rounded,
           "q3_metrics": _grade_metrics},
    constants={"METRIC_NAMES": list(METRICS), "METRIC_ALIASES": ALIASES},
)
