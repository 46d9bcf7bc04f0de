"""Grading rules of project_rare_entities (questions and points: the declaration in ``__init__``).

The learner trains on the public ``train`` documents (few sentences mention a drug), mines DRUG
candidates, upweights the rare type and defines ``predict_tags(sentences)``. The hidden test
documents are drawn with a held-out seed; their tokens reach ``predict_tags``, their tags stay here.

Questions (grade ids):

- ``q1_drug_f1``: strict entity F1 of DRUG on the hidden test set, target 0.85.
- ``q2_overall_f1``: strict micro F1 over all entity types, target 0.98.
- ``q3_process``: validation sentences kept as given (not augmented or oversampled), and no
  validation or test sentences in the training data.
- ``q4_reported_metrics``: ``reported_metrics`` reports DRUG F1 on validation, not token
  accuracy.
"""
from __future__ import annotations

from imbalance_kit.ner import entity_scores

from ...contract import AssignmentKey
from ...feedback_diagnose import answer_problem, describe
from ...spec import Verdict
from .. import project_common as pc

ASSIGNMENT_ID = "project_rare_entities"  # the held-out seed derives from it
FUNC = "predict_tags"
TARGETS = {"drug_f1": 0.85, "micro_f1": 0.98}
FLOORS = {"drug_f1": 0.75, "micro_f1": 0.95}
ALIASES = {"f1_drug": "drug_f1", "drug_f1_score": "drug_f1"}


def _parts() -> dict:
    return pc.held_out_parts("rare_entities", ASSIGNMENT_ID)


def parameter_sets(rng) -> list[dict]:
    return [{"drug_weight": 8.0}]


def probes(rng) -> dict[str, list[tuple]]:
    """Tags for the hidden test sentences, then for the validation sentences."""
    p = _parts()
    return {FUNC: [([list(t) for t in p["test"]["tokens"]],),
                   ([list(t) for t in p["validation"]["tokens"]],)]}


def _scores(runs, index: int, part: str):
    sents = _parts()[part]
    got, msg = pc.probe_result(runs[0], FUNC, index, len(sents), "tags")
    if msg:
        return None, msg
    bad = sum(len(p) != len(t) for p, t in zip(got, sents["tokens"]))
    if bad:
        return None, f"`{FUNC}` must return one tag per token; {bad} sentences got another number of tags."
    try:
        return entity_scores(list(sents["tags"]), got), None
    except ValueError as exc:
        return None, f"`{FUNC}` returned tags that are not IOB2 ({exc})."


def _value(table, row: str, col: str = "f1") -> float:
    return float(table.loc[row, col]) if row in table.index else 0.0


def _metric(runs, points, row, col, target, floor, what, figure=False) -> Verdict:
    v = Verdict(0.0, points)
    table, msg = _scores(runs, 0, "test")
    if msg:
        v.feedback.append(msg)
        return v
    value = _value(table, row, col)
    v.points = round(points * pc.credit(value, target, floor), 2)
    v.feedback.append(pc.target_line(what, value, target))
    if figure:
        types = table.drop(index=["micro", "macro"], errors="ignore")
        v.feedback.append("per type (P / R / F1): " + ", ".join(
            f"{t} {r.precision:.2f} / {r.recall:.2f} / {r.f1:.2f}" for t, r in types.iterrows()) + ".")
        fig = pc.bar_table(table, "Strict entity scores on the hidden test set", highlight=("DRUG",))
        v.figures += pc.save_figure(fig, runs, "entity_scores")
    return v


def _sentences(runs, name: str):
    value = runs[0].answers.get(name)
    msg = answer_problem(name, value)
    if msg is None and not (isinstance(value, list) and all(
            isinstance(s, list) and all(isinstance(t, str) for t in s) for s in value)):
        msg = f"`{name}` is {describe(value)}; make it a list of token lists."
    return (None, msg) if msg else (value, None)


def _grade_process(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    p = _parts()
    train, m1 = _sentences(runs, "train_sentences")
    val, m2 = _sentences(runs, "val_sentences")
    if m1 or m2:
        v.feedback += [m for m in (m1, m2) if m]
        return v
    tok = lambda part: [list(t) for t in p[part]["tokens"]]  # noqa: E731
    val_problems = pc.validation_problems(val, tok("validation"))
    leaks = pc.leak_problems(train, tok("validation"), tok("train"), tok("test"))
    v.points = (0.0 if val_problems else points / 2) + (0.0 if leaks else points / 2)
    v.feedback += (val_problems + leaks) or ["validation kept as given; no validation or test "
                                             "sentences in training."]
    return v


def _grade_reported(runs, points) -> Verdict:
    table, msg = _scores(runs, 1, "validation")
    measured = None if msg else _value(table, "DRUG")
    return pc.reported_metrics_verdict(runs, points, "drug_f1", measured, ALIASES)


def _grade_drug(runs, points) -> Verdict:
    return _metric(runs, points, "DRUG", "f1", TARGETS["drug_f1"], FLOORS["drug_f1"], "DRUG F1",
                   figure=True)


def _grade_overall(runs, points) -> Verdict:
    return _metric(runs, points, "micro", "f1", TARGETS["micro_f1"], FLOORS["micro_f1"],
                   "micro F1 over all entity types")


def _on_validation(row: str, what: str, target: float):
    """The line `course check` shows for a hidden-test question: the same F1 on validation."""
    def line(runs) -> str:
        table, msg = _scores(runs, 1, "validation")
        return msg or pc.validation_line((what, _value(table, row), target))
    return line


KEY = AssignmentKey(
    answers=("train_sentences", "val_sentences", "reported_metrics"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={"q1_drug_f1": _grade_drug, "q2_overall_f1": _grade_overall, "q3_process": _grade_process,
           "q4_reported_metrics": _grade_reported},
    constants={"DRUG_F1_NAMES": ["drug_f1", *ALIASES]},
    on_validation={"q1_drug_f1": _on_validation("DRUG", "DRUG F1", TARGETS["drug_f1"]),
                   "q2_overall_f1": _on_validation("micro", "micro F1 over all entity types",
                                                   TARGETS["micro_f1"])},
)
