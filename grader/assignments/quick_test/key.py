"""Grading rules of quick_test, the graded end-of-course quick test (issue 7).

The questions live next to this module in ``final.yml`` (grader side: the sandbox hides
``grader/assignments`` from student code). It uses the quiz bank's schema and is validated by
:func:`grader.quiz.bank.load_file`; its questions differ from the learner-facing
``lessons/quick_tests/final.yml``, whose answers learners see while practising. The released
notebook (``notebook.py``) shows only prompts, options and answer forms.

The learner fills ONE dict, ``answers``, question id -> answer:

- multiple choice: one option number, ``2``;
- multiple select: a list of option numbers, ``[0, 3]``;
- numeric: a number, ``6.25`` (each question states its tolerance);
- ordering: the step numbers *as shown* in the right order, ``[2, 0, 1, 3]``. Steps are shown in
  a fixed shuffled order (:func:`step_order`) so their numbers do not give the order away.

Grade ids: one per question, ``final_q1`` .. ``final_q12`` (declared in ``__init__`` from the
bank), each scored with :func:`grader.quiz.scoring.score`: full points when right. Feedback on a wrong answer says so and explains the option(s)
chosen (or names a recognised numeric slip); it never names the correct answer. Missing or
unreadable answers earn 0 with a message saying what form is expected.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ...contract import AssignmentKey
from ...feedback_diagnose import answer_problem, describe, is_int, is_number, lookup, pairs
from ...quiz.bank import Question, Quiz, load_file
from ...quiz.scoring import attempt_draw, score, within_tolerance
from ...spec import Verdict

BANK_FILE = Path(__file__).resolve().parent / "final.yml"
ANSWERS = "answers"
# Fixed per assignment: the numbers of parameterized questions are drawn once from it, so the
# released notebook and the key agree. Changing it changes the questions: re-run make_notebooks.
SEED = 2025


@functools.lru_cache(maxsize=1)
def quiz() -> Quiz:
    """The graded questions, schema-checked (a malformed bank raises ``BankError``)."""
    return load_file(BANK_FILE)


def question_ids() -> list[str]:
    return [q.id for q in quiz().questions]


def draw(q: Question):
    """The fixed draw of a parameterized numeric question (None for the others)."""
    return attempt_draw(q, [SEED, question_ids().index(q.id)])


def prompt(q: Question) -> str:
    """The prompt as shown, placeholders filled from the question's fixed draw."""
    d = draw(q)
    return q.prompt.format(**d.values) if d else q.prompt


def step_order(q: Question) -> list[int]:
    """Display position -> step index (bank order) of an ordering question: a fixed shuffle in
    which no step is shown at its own position."""
    rng = np.random.default_rng([SEED, question_ids().index(q.id)])
    while True:
        order = [int(i) for i in rng.permutation(len(q.steps))]
        if all(pos != step for pos, step in enumerate(order)):
            return order


def answer_form(q: Question) -> str:
    """How to write the answer to ``q`` (shown in the notebook; never the answer itself)."""
    if q.type == "multiple_choice":
        return f"one option number (0 to {len(q.options) - 1})"
    if q.type == "multiple_select":
        return "a list of option numbers (all that apply, any order)"
    if q.type == "ordering":
        return f"a list of the {len(q.steps)} step numbers in the right order, each once"
    tol = [f"± {q.abs_tol:g}"] if q.abs_tol else []
    tol += [f"± {q.rel_tol:.1%} of the exact value"] if q.rel_tol else []
    unit = f" in {q.unit}" if q.unit else ""
    either = ", whichever is larger" if len(tol) > 1 else ""
    return f"a number{unit}, e.g. `6.25` (accepted within {' or '.join(tol)}{either})"


def solution(q: Question):
    """The correct answer in the notebook's terms (for the source notebook's solution cell)."""
    if q.type == "numeric":
        d = draw(q)
        return d.answer if d else q.answer
    if q.type == "ordering":
        order = step_order(q)
        return [order.index(step) for step in range(len(q.steps))]
    return list(q.answer) if q.type == "multiple_select" else q.answer


class _Unreadable(ValueError):
    """The answer is not in the question's form; the message says what is expected."""


def _option(value, n, what="option"):
    if not is_int(value):
        raise _Unreadable(f"{describe(value)} is not an {what} number; use one of 0 to {n - 1}.")
    if not 0 <= int(value) < n:
        raise _Unreadable(f"there is no {what} {int(value)}; the {what}s are numbered 0 to {n - 1}.")
    return int(value)


def read_answer(q: Question, value):
    """A learner's answer to ``q`` -> the plain answer :func:`score` takes (step numbers mapped
    to bank order). Raises ``ValueError`` with a learner-facing message when it is unreadable."""
    if value is None:
        raise _Unreadable("no answer (the entry is still None).")
    if q.type == "multiple_choice":
        if isinstance(value, list):
            raise _Unreadable("give ONE option number, not a list.")
        return _option(value, len(q.options))
    if q.type == "multiple_select":
        picks = [value] if is_number(value) else value
        if not isinstance(picks, list):
            raise _Unreadable(f"{describe(value)} is not a list of option numbers, e.g. [0, 2].")
        picks = [_option(v, len(q.options)) for v in picks]
        if len(set(picks)) != len(picks):
            raise _Unreadable("an option number is listed twice.")
        return picks
    if q.type == "numeric":
        if not is_number(value):
            raise _Unreadable(f"{describe(value)} is not a finite number; write e.g. 6.25 (no quotes).")
        return float(value)
    n = len(q.steps)
    if not isinstance(value, list):
        raise _Unreadable(f"{describe(value)} is not a list of step numbers.")
    shown = [_option(v, n, "step") for v in value]
    if sorted(shown) != list(range(n)):
        raise _Unreadable(f"list each of the {n} step numbers (0 to {n - 1}) exactly once.")
    order = step_order(q)
    return [order[p] for p in shown]


def _wrong(q: Question, answer, attempt) -> str:
    """Feedback on a wrong answer: what was chosen and why it is not right, not the key."""
    if q.type == "multiple_choice":
        o = q.options[answer]
        return f"Incorrect. You chose {answer} ({o.text}): {o.explain}"
    if q.type == "multiple_select":
        if not answer:
            return "Incorrect. You selected no option."
        return "\n".join(["Incorrect. About the options you selected:"]
                         + [f"- {i} ({q.options[i].text}): {q.options[i].explain}" for i in sorted(answer)])
    if q.type == "numeric":
        mistakes = attempt.mistakes if attempt is not None else q.mistakes
        hint = next((why for v, why in mistakes if within_tolerance(v, answer, q.abs_tol, q.rel_tol)), None)
        unit = f" {q.unit}" if q.unit else ""
        return f"Incorrect: {answer:.6g}{unit} is not within the tolerance." + (f" {hint}" if hint else "")
    return "Incorrect: the steps are not in the right order."


def grade_question(q: Question, runs, points) -> Verdict:
    v = Verdict(0.0, points)
    problem = answer_problem(ANSWERS, runs[0].answers.get(ANSWERS))
    if problem:
        v.feedback.append(problem)
        return v
    items = pairs(runs[0].answers[ANSWERS])
    if items is None:
        v.feedback.append(f"`{ANSWERS}` is {describe(runs[0].answers[ANSWERS])}; make it a dict "
                          f"question id -> answer, e.g. {{\"{q.id}\": ...}}.")
        return v
    try:
        raw = lookup(items, q.id)
    except KeyError:
        v.feedback.append(f"`{ANSWERS}` has no entry \"{q.id}\".")
        return v
    attempt = draw(q)
    try:
        answer = read_answer(q, raw)
        result = score(q, answer, attempt)
    except ValueError as exc:
        v.feedback.append(f"{q.id}: {exc} Expected {answer_form(q)}.")
        return v
    if result.correct:
        v.points = points
        v.feedback.append(result.message)
    else:
        v.feedback.append(_wrong(q, answer, attempt))
    return v


def parameter_sets(rng) -> list[dict]:
    """One run: nothing is injected (the numbers are fixed by :data:`SEED`)."""
    return [{}]


def probes(rng) -> dict[str, list[tuple]]:
    return {}


KEY = AssignmentKey(
    answers=(ANSWERS,),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={q.id: functools.partial(grade_question, q) for q in quiz().questions},
    # what the notebook's check cells need to know of each question: (type, options or steps)
    constants={"FORMS": {q.id: (q.type, len(q.options or q.steps)) for q in quiz().questions}},
)
