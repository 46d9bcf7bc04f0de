"""Grading rules of project_rare_intents (questions and points: the declaration in ``__init__``).

The learner trains on the public ``train`` part (each rare intent keeps a handful of real
examples), augments the rare intents with paraphrases, and defines ``predict(texts)``. The
hidden test set is drawn with a held-out seed; its texts reach ``predict``, its intents stay here.

Questions (grade ids):

- ``q1_macro_f1``: macro F1 over the 30 intents on the hidden test set, target 0.93.
- ``q2_rare_recall``: recall over the rare intents' test rows, target 0.75 (reported per
  intent too).
- ``q3_process``: rare intents augmented with distinct paraphrases (not copies), validation
  kept as given, no validation or test rows in the training data.
- ``q4_reported_metrics``: ``reported_metrics`` reports macro F1 on validation, not accuracy.

The chatterbot-corpus variant at the end of the notebook is practice and is not graded.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

from imbalance_kit.datasets.intents import RARE_INTENTS
from imbalance_kit.datasets.projects import RARE_INTENT_EXAMPLES
from imbalance_kit.metrics import macro_f1, per_class_report

from ...contract import AssignmentKey
from ...feedback_diagnose import answer_problem, describe
from ...spec import Verdict
from .. import project_common as pc

ASSIGNMENT_ID = "project_rare_intents"  # the held-out seed derives from it
FUNC = "predict"
TARGETS = {"macro_f1": 0.93, "rare_recall": 0.75}
FLOORS = {"macro_f1": 0.85, "rare_recall": 0.4}
MIN_PARAPHRASES = 20  # distinct new texts per rare intent for the augmentation check
ALIASES = {"f1_macro": "macro_f1", "macro_f1_score": "macro_f1"}


def _parts() -> dict:
    return pc.held_out_parts("rare_intents", ASSIGNMENT_ID)


def parameter_sets(rng) -> list[dict]:
    return [{"rare_examples": RARE_INTENT_EXAMPLES}]


def probes(rng) -> dict[str, list[tuple]]:
    """Predictions for the hidden test texts, then for the validation texts."""
    p = _parts()
    return {FUNC: [(p["test"]["text"].tolist(),), (p["validation"]["text"].tolist(),)]}


@lru_cache(maxsize=8)
def _report(preds: tuple):
    y = _parts()["test"]["intent"].tolist()
    return per_class_report(y, list(preds), labels=sorted(set(y))), macro_f1(y, list(preds), labels=sorted(set(y)))


def _predictions(runs, index, part):
    n = len(_parts()[part])
    got, msg = pc.probe_result(runs[0], FUNC, index, n, "string")
    return (tuple(str(x) for x in got) if got is not None else None), msg


def _grade_macro(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    preds, msg = _predictions(runs, 0, "test")
    if msg:
        v.feedback.append(msg)
        return v
    report, mf1 = _report(preds)
    v.points = round(points * pc.credit(mf1, TARGETS["macro_f1"], FLOORS["macro_f1"]), 2)
    v.feedback.append(pc.target_line("macro F1", mf1, TARGETS["macro_f1"]))
    worst = report.sort_values("f1").head(3)
    v.feedback.append("lowest per-intent F1: " + ", ".join(f"{i} {r.f1:.2f}" for i, r in worst.iterrows()) + ".")
    fig = pc.bar_table(report, "Per-intent scores on the hidden test set (rare intents in red)",
                       highlight=RARE_INTENTS)
    v.figures += pc.save_figure(fig, runs, "per_intent")
    return v


def _rare_recall(preds, part: str) -> float:
    y = _parts()[part]["intent"].tolist()
    rare = [i for i, t in enumerate(y) if t in RARE_INTENTS]
    return sum(preds[i] == y[i] for i in rare) / len(rare)


def _grade_rare(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    preds, msg = _predictions(runs, 0, "test")
    if msg:
        v.feedback.append(msg)
        return v
    recall = _rare_recall(preds, "test")
    v.points = round(points * pc.credit(recall, TARGETS["rare_recall"], FLOORS["rare_recall"]), 2)
    v.feedback.append(pc.target_line("recall over the rare intents", recall, TARGETS["rare_recall"]))
    report, _ = _report(preds)
    v.feedback.append("per rare intent: " + ", ".join(
        f"{i} recall {report.loc[i, 'recall']:.2f}" for i in RARE_INTENTS) + ".")
    return v


def _grade_process(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    p = _parts()
    train, m1 = pc.text_list(runs, "train_texts")
    val, m2 = pc.text_list(runs, "val_texts")
    labels = runs[0].answers.get("train_labels")
    m3 = answer_problem("train_labels", labels)
    if m3 is None and (not isinstance(labels, list) or train is None or len(labels) != len(train)):
        m3 = f"`train_labels` is {describe(labels)}; make it a list with one intent per training text."
    if m1 or m2 or m3:
        v.feedback += [m for m in (m1, m2, m3) if m]
        return v
    given = Counter(map(pc.key, p["train"]["text"]))
    new = {}
    for text, label in zip(train, labels):
        k = pc.key(text)
        if given[k] > 0:
            given[k] -= 1
        elif str(label) in RARE_INTENTS:
            new.setdefault(str(label), set()).add(k)
    thin = [i for i in RARE_INTENTS if len(new.get(i, ())) < MIN_PARAPHRASES]
    problems = []
    if thin:
        problems.append(f"rare intents with fewer than {MIN_PARAPHRASES} distinct new paraphrases "
                        f"in the training data: {', '.join(thin)} (copies of the same rows are "
                        "oversampling, not augmentation).")
    problems += pc.validation_problems(val, p["validation"]["text"].tolist())
    problems += pc.leak_problems(train, p["validation"]["text"].tolist(), p["train"]["text"].tolist(),
                                 p["test"]["text"].tolist())
    v.points = max(0.0, points - points / 2 * len(problems))
    v.feedback += problems or ["rare intents augmented with distinct paraphrases; validation kept "
                               "as given; no validation or test rows in training."]
    return v


def _validation_macro_f1(preds) -> float:
    y = _parts()["validation"]["intent"].tolist()
    return macro_f1(y, list(preds), labels=sorted(set(y)))


def _grade_reported(runs, points) -> Verdict:
    preds, msg = _predictions(runs, 1, "validation")
    measured = None if msg else _validation_macro_f1(preds)
    return pc.reported_metrics_verdict(runs, points, "macro_f1", measured, ALIASES)


def _on_validation(what: str, measure, target: float):
    """The line `course check` shows for a hidden-test question: ``measure`` on validation."""
    def line(runs) -> str:
        preds, msg = _predictions(runs, 1, "validation")
        return msg or pc.validation_line((what, measure(preds), target))
    return line


KEY = AssignmentKey(
    answers=("train_texts", "train_labels", "val_texts", "reported_metrics"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={"q1_macro_f1": _grade_macro, "q2_rare_recall": _grade_rare, "q3_process": _grade_process,
           "q4_reported_metrics": _grade_reported},
    constants={"MACRO_F1_NAMES": ["macro_f1", *ALIASES]},
    on_validation={
        "q1_macro_f1": _on_validation("macro F1", _validation_macro_f1, TARGETS["macro_f1"]),
        "q2_rare_recall": _on_validation("recall over the rare intents",
                                         lambda preds: _rare_recall(preds, "validation"),
                                         TARGETS["rare_recall"]),
    },
)
