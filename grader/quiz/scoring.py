"""Score one answer to one question. Answers are plain Python values, so a grader-side answer
key (e.g. the end-of-course nbgrader assignment) can reuse these functions as they are:

- ``multiple_choice``: an option index (int);
- ``multiple_select``: an iterable of option indices;
- ``numeric``: a number (parameterized questions also need the attempt's :class:`Draw`);
- ``ordering``: the step indices (0 = first step in the bank file) in the learner's order.

Indices always refer to the bank file's order. A quiz shows options and steps in a shuffled
``order`` (display position -> index): :func:`parse_answer` turns typed text (``"B"``,
``"A, C"`` or ``"none"``, ``"6.25"``, ``"C A D B"``) into those values, mapping letters back
through it, and :func:`score` uses it only to name options by their displayed letters in
feedback.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from learner.quiz.display import LETTERS

from .bank import Question
from .params import Draw, draw as _draw


@dataclass(frozen=True)
class Result:
    """``correct`` and the feedback text (always includes the question's explanation)."""

    correct: bool
    message: str


def within_tolerance(expected: float, answer: float, abs_tol: float = 0.0, rel_tol: float = 0.0) -> bool:
    """``|answer - expected| <= max(abs_tol, rel_tol * |expected|)``; exactly at the tolerance
    passes (a 1e-12 relative slack absorbs float rounding of e.g. 6.25 - 6.24).

    >>> within_tolerance(6.25, 6.24, abs_tol=0.01), within_tolerance(6.25, 6.2399, abs_tol=0.01)
    (True, False)
    """
    if abs_tol < 0 or rel_tol < 0:
        raise ValueError(f"tolerances must be >= 0, got abs_tol={abs_tol}, rel_tol={rel_tol}")
    answer, expected = float(answer), float(expected)
    if not math.isfinite(answer):
        return False
    tol = max(abs_tol, rel_tol * abs(expected))
    return abs(answer - expected) <= tol + 1e-12 * max(1.0, abs(expected))


def _index(answer, n, name="answer"):
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < n:
        raise ValueError(f"{name} must be an index in 0..{n - 1}, got {answer!r}")
    return answer


def score_multiple_choice(q: Question, answer) -> Result:
    i = _index(answer, len(q.options))
    chosen, key = q.options[i], q.options[q.answer]
    if i == q.answer:
        return Result(True, f"Correct. {chosen.explain} {q.explanation}")
    return Result(False, f"Not quite: {chosen.text!r}: {chosen.explain}\n"
                         f"Answer: {key.text!r}: {key.explain} {q.explanation}")


def score_multiple_select(q: Question, answer, order=None) -> Result:
    """``order`` (display position -> option index; default bank order) sets the letters that
    feedback uses to name options."""
    picked = {_index(a, len(q.options)) for a in answer}
    key = set(q.answer)
    if picked == key:
        return Result(True, f"Correct. {q.explanation}")
    position = {i: p for p, i in enumerate(order if order is not None else range(len(q.options)))}
    lines = ["Not quite."]
    for i in sorted(picked ^ key, key=position.get):
        o = q.options[i]
        verb = "should not be selected" if i in picked else "should be selected"
        lines.append(f"- {LETTERS[position[i]]}. {o.text} ({verb}): {o.explain}")
    lines.append(f"Answer: {', '.join(sorted(LETTERS[position[i]] for i in key))}. {q.explanation}")
    return Result(False, "\n".join(lines))


def expected_value(q: Question, attempt: Draw | None = None) -> float:
    """The numeric answer: static, or the attempt's draw for a parameterized question."""
    if q.generator is None:
        return q.answer
    if attempt is None:
        raise ValueError(f"question {q.id!r} is parameterized; pass the attempt's draw")
    return attempt.answer


def score_numeric(q: Question, answer, attempt: Draw | None = None) -> Result:
    expected = expected_value(q, attempt)
    values = attempt.values if attempt is not None else {}
    explanation = q.explanation.format(**values)
    unit = f" {q.unit}" if q.unit else ""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise ValueError(f"answer must be a number, got {answer!r}")
    if within_tolerance(expected, answer, q.abs_tol, q.rel_tol):
        return Result(True, f"Correct ({expected:.6g}{unit}). {explanation}")
    mistakes = attempt.mistakes if attempt is not None else q.mistakes
    hint = next((why for value, why in mistakes
                 if within_tolerance(value, answer, q.abs_tol, q.rel_tol)), None)
    lines = [f"Not quite: you answered {float(answer):.6g}{unit}."] + ([hint] if hint else [])
    lines.append(f"Answer: {expected:.6g}{unit}. {explanation}")
    return Result(False, "\n".join(lines))


def score_ordering(q: Question, answer) -> Result:
    order = [_index(a, len(q.steps)) for a in answer]
    n = len(q.steps)
    if sorted(order) != list(range(n)):
        raise ValueError(f"answer must list each of the {n} steps exactly once, got {list(answer)}")
    if order == list(range(n)):
        return Result(True, f"Correct. {q.explanation}")
    lines = ["Not quite; these steps are out of place:"]
    for pos, step in enumerate(order):
        if step != pos:
            lines.append(f"- {q.steps[step].text} belongs at position {step + 1}, not {pos + 1}: "
                         f"{q.steps[step].explain}")
    lines.append("Correct order: " + " -> ".join(s.text for s in q.steps) + f". {q.explanation}")
    return Result(False, "\n".join(lines))


def score(q: Question, answer, attempt: Draw | None = None, order=None) -> Result:
    """Score a plain answer to ``q`` (see the module docstring for the answer of each type;
    ``order`` is the display order, used only to name options in feedback)."""
    if q.type == "multiple_choice":
        return score_multiple_choice(q, answer)
    if q.type == "multiple_select":
        return score_multiple_select(q, answer, order)
    if q.type == "numeric":
        return score_numeric(q, answer, attempt)
    return score_ordering(q, answer)


def attempt_draw(q: Question, seed) -> Draw | None:
    """The numbers of one attempt at ``q`` (None for non-parameterized questions)."""
    return _draw(q.generator, seed) if q.generator else None


def _letters(text, n, name):
    tokens = [t for t in text.replace(",", " ").replace(";", " ").split() if t]
    out = []
    for t in tokens:
        t = t.strip().upper().rstrip(".)")
        if len(t) == 1 and t in LETTERS[:n]:
            out.append(LETTERS.index(t))
        elif t.isdigit() and 1 <= int(t) <= n:
            out.append(int(t) - 1)
        else:
            raise ValueError(f"{name}: {t!r} is not one of {', '.join(LETTERS[:n])}")
    return out


def parse_answer(q: Question, text: str, order=None):
    """Turn typed text into the plain answer :func:`score` takes.

    Choices are letters (or 1-based numbers) and ordering answers the letters of the steps in
    order, all *as displayed*: they are mapped back through ``order`` (display position ->
    option or step index; default: bank order). Raises ValueError with a message meant for the
    learner.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError("empty answer")
    if q.type == "numeric":
        try:
            value = float(text.replace(",", "").replace("_", ""))
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError("the answer must be a finite number")
        return value
    n = len(q.options or q.steps)
    order = list(order) if order is not None else list(range(n))
    if q.type == "multiple_choice":
        picks = _letters(text, n, "choice")
        if len(picks) != 1:
            raise ValueError("pick exactly one option")
        return order[picks[0]]
    if q.type == "multiple_select":
        if text.lower() == "none":  # nothing selected: a (wrong) answer, unlike an empty line
            return []
        picks = _letters(text, n, "choice")
        if len(set(picks)) != len(picks):
            raise ValueError("an option is listed twice")
        return sorted(order[p] for p in picks)
    picks = _letters(text, n, "step")
    if sorted(picks) != list(range(len(q.steps))):
        raise ValueError(f"list all {len(q.steps)} steps once each, e.g. "
                         f"{' '.join(LETTERS[:len(q.steps)])}")
    return [order[p] for p in picks]
