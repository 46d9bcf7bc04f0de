"""Grading rules of project_toxicity (questions and points: the declaration in ``__init__``).

In a graded run the notebook's oracle is the grader's (:mod:`grader.oracle`): it serves a pool
and a validation set drawn with a held-out seed and sells pool labels up to the budget. The test
texts of the same corpus are passed to ``predict_scores``; their labels stay here.

Questions (grade ids):

- ``q1_labels``: from the oracle's own log only: labels bought within the budget, the
  labeled items hold clearly more toxic comments than random labeling would (active learning,
  seeding), and the training texts are labeled items.
- ``q2_targets``: recall >= 0.85 with precision >= 0.6 at ``threshold`` on the hidden test
  set; partial credit scales with the farther of the two from its target.
- ``q3_process``: validation data kept as given (not oversampled or augmented) and no
  validation or test rows in the training data.
- ``q4_reported_metrics``: ``reported_metrics`` reports PR-AUC on validation, not accuracy.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from imbalance_kit.datasets.projects import TOXICITY_BUDGET, _pool_labels, project_data
from imbalance_kit.metrics import pr_auc

from ...contract import AssignmentKey
from ...feedback_diagnose import answer_problem, describe, is_number
from ...limits import Limits
from ...oracle import OracleServer, OracleSession
from ...spec import Verdict
from .. import project_common as pc

ASSIGNMENT_ID = "project_toxicity"  # the held-out seed derives from it
FUNC = "predict_scores"
TARGETS = {"recall": 0.85, "precision": 0.6}
FLOORS = {"recall": 0.5, "precision": 0.3}
GOOD_YIELD = 2.0  # toxic share among labeled items vs the pool's, for full marks
ALIASES = {"average_precision": "pr_auc", "auprc": "pr_auc", "ap": "pr_auc"}


def graded_seed() -> int:
    return pc.held_out_seed(ASSIGNMENT_ID)


@lru_cache(maxsize=2)
def _parts(seed: int) -> dict:
    """The corpus of ``seed`` with every label, the pool's included (grader side only)."""
    parts = {p: project_data("toxicity", p, seed=seed) for p in ("pool", "validation", "test")}
    parts["pool"]["label"] = parts["pool"]["item_id"].map(_pool_labels(seed))
    return parts


def parameter_sets(rng) -> list[dict]:
    return [{"budget": TOXICITY_BUDGET}]


def probes(rng) -> dict[str, list[tuple]]:
    """Scores for the hidden test texts, then for the validation texts (to check reports)."""
    parts = _parts(graded_seed())
    return {FUNC: [(parts["test"]["text"].tolist(),), (parts["validation"]["text"].tolist(),)]}


def make_server(path, limits: Limits = Limits()) -> OracleServer:
    """The grader's oracle over the held-out pool (see :func:`oracle_session`)."""
    parts = _parts(graded_seed())
    pool = parts["pool"]
    return OracleServer(dict(zip(pool["item_id"].tolist(), pool["label"].tolist())),
                        TOXICITY_BUDGET, path, pool=pool, validation=parts["validation"],
                        limits=limits)


def oracle_session(directory, inside: str | None = None, limits: Limits = Limits()) -> OracleSession:
    """The ``oracle`` service: start the oracle in ``directory`` (mounted at ``inside`` in the
    sandbox), bounded by the submission's ``limits``."""
    return OracleSession(make_server, directory, inside, limits)


def _seed_of(run) -> int:
    # Without the grader's oracle the notebook used the public pool (seed 0).
    return graded_seed() if run.oracle is not None else 0


def _grade_labels(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    report = runs[0].oracle
    if not isinstance(report, dict):
        v.feedback.append("this run did not use the grader's labeling oracle, so the labels you "
                          "bought cannot be checked (use `get_oracle()`).")
        return v
    pool = _parts(graded_seed())["pool"]
    labeled = pool[pool["item_id"].isin(report["labeled"])]
    used, budget = report["used"], report["budget"]
    if used == 0:
        v.feedback.append("no labels were bought from the oracle.")
        return v
    rate, pool_rate = float(labeled["label"].mean()), float(pool["label"].mean())
    ratio = rate / pool_rate
    v.feedback.append(f"the oracle labeled {used} of {budget} items; {rate:.1%} of them are toxic "
                      f"({ratio:.1f}x the pool's {pool_rate:.1%}).")
    if report["refused"]:
        v.feedback.append(f"{report['refused']} requests were refused (over budget or unknown ids).")
    v.points = points if ratio >= GOOD_YIELD else points / 2 if ratio >= 1.2 else 0.0
    if v.points < points:
        v.feedback.append(f"random labeling finds toxic comments at the pool rate; seeding with "
                          f"rules and uncertainty sampling should reach {GOOD_YIELD:g}x.")
    train, msg = pc.text_list(runs, "train_texts")
    if msg is None:
        known = set(map(pc.key, labeled["text"]))
        outside = sum(1 for t in set(map(pc.key, train)) if t not in known)
        if outside:
            v.points = max(0.0, v.points - points / 2)
            v.feedback.append(f"{outside} of your training texts were never labeled by the oracle; "
                              "train on the labels you bought.")
    else:
        v.feedback.append(msg)
    return v


def _test_scores(runs):
    parts = _parts(graded_seed())
    return pc.probe_result(runs[0], FUNC, 0, len(parts["test"]), "number")


def _threshold_problem(runs) -> str | None:
    threshold = runs[0].answers.get("threshold")
    msg = answer_problem("threshold", threshold)
    if msg is None and not is_number(threshold):
        msg = f"`threshold` is {describe(threshold)}; make it a number."
    return msg


def _at_threshold(y, s, threshold: float) -> dict:
    pred = s >= threshold
    tp = int(np.sum(pred & (y == 1)))
    return {"recall": tp / y.sum(), "precision": tp / pred.sum() if pred.any() else 0.0}


def _targets_on_validation(runs) -> str:
    """q2's measures on the validation set the grader's oracle served (`course check`)."""
    if runs[0].oracle is None:
        return "this run did not use the grader's labeling oracle (use `get_oracle()`)."
    parts = _parts(graded_seed())
    scores, msg = pc.probe_result(runs[0], FUNC, 1, len(parts["validation"]), "number")
    msg = msg or _threshold_problem(runs)
    if msg:
        return msg
    got = _at_threshold(parts["validation"]["label"].to_numpy(), np.asarray(scores, dtype=float),
                        float(runs[0].answers["threshold"]))
    return pc.validation_line(*[(m, got[m], TARGETS[m]) for m in TARGETS])


def _grade_targets(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    scores, msg = _test_scores(runs)
    threshold = runs[0].answers.get("threshold")
    msg = msg or _threshold_problem(runs)
    if msg:
        v.feedback.append(msg)
        return v
    y = _parts(graded_seed())["test"]["label"].to_numpy()
    s = np.asarray(scores, dtype=float)
    got = _at_threshold(y, s, float(threshold))
    share = min(pc.credit(got[m], TARGETS[m], FLOORS[m]) for m in TARGETS)
    v.points = round(points * share, 2)
    v.feedback += [pc.target_line(m, got[m], TARGETS[m]) for m in TARGETS]
    v.feedback.append(f"PR-AUC on the hidden test set: {pr_auc(y, s):.3f}.")
    if got["recall"] < TARGETS["recall"] and got["precision"] >= TARGETS["precision"]:
        v.feedback.append("precision has room to spare: a lower threshold (or class weights) "
                          "trades some of it for recall.")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from imbalance_kit.plots import plot_pr_curve

    fig, ax = plt.subplots(figsize=(6, 4.5))
    plot_pr_curve(y, s, threshold=float(threshold), ax=ax)
    ax.plot([TARGETS["recall"]], [TARGETS["precision"]], "k*", markersize=12, label="target")
    ax.legend(loc="lower left", fontsize=8)
    v.figures += pc.save_figure(fig, runs, "pr_curve")
    return v


def _grade_process(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    parts = _parts(_seed_of(runs[0]))
    train, msg1 = pc.text_list(runs, "train_texts")
    val, msg2 = pc.text_list(runs, "val_texts")
    if msg1 or msg2:
        v.feedback += [m for m in (msg1, msg2) if m]
        return v
    val_problems = pc.validation_problems(val, parts["validation"]["text"].tolist())
    leaks = pc.leak_problems(train, parts["validation"]["text"].tolist(), [],
                             parts["test"]["text"].tolist())
    v.points = (0.0 if val_problems else points / 2) + (0.0 if leaks else points / 2)
    v.feedback += val_problems + leaks
    if v.points == points:
        v.feedback.append("validation data kept as given, and no validation or test rows in training.")
    return v


def _grade_reported(runs, points) -> Verdict:
    parts = _parts(graded_seed())
    scores, msg = pc.probe_result(runs[0], FUNC, 1, len(parts["validation"]), "number")
    measured = None
    if msg is None and runs[0].oracle is not None:
        measured = pr_auc(parts["validation"]["label"].to_numpy(), np.asarray(scores, dtype=float))
    return pc.reported_metrics_verdict(runs, points, "pr_auc", measured, ALIASES)


KEY = AssignmentKey(
    answers=("threshold", "train_texts", "val_texts", "reported_metrics"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={"q1_labels": _grade_labels, "q2_targets": _grade_targets, "q3_process": _grade_process,
           "q4_reported_metrics": _grade_reported},
    services={"oracle": oracle_session},
    constants={"PR_AUC_NAMES": ["pr_auc", *ALIASES]},
    on_validation={"q2_targets": _targets_on_validation},
)
