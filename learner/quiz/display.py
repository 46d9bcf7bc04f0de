"""What a learner sees of a quiz: a question as asked (no answer key) and the feedback on one
submission. The quiz service sends these; the widget and ``course quiz`` render them."""
from __future__ import annotations

import string
import time
from dataclasses import dataclass

#: Labels of shown options and steps, in display order ("A", "B", ...).
LETTERS = string.ascii_uppercase

HOW_TO_ANSWER = {
    "multiple_choice": "Answer with one letter.",
    "multiple_select": "Select all that apply: letters separated by commas (e.g. A, C), or none.",
    "numeric": "Answer with a number",
    "ordering": "Put the steps in order: letters separated by spaces (e.g. C A B ...).",
}


class RenderedQuestion:
    """Plain-text rendering of a displayed question (terminal), from its public fields only."""

    def render(self) -> str:
        how = HOW_TO_ANSWER[self.type]
        if self.type == "numeric":
            how += f" (in {self.unit})." if self.unit else "."
        lines = [f"Question {self.number}/{self.total} [{self.lesson}: {self.topic}]", self.prompt]
        lines += [f"  {LETTERS[i]}. {c}" for i, c in enumerate(self.choices)]
        return "\n".join(lines + [how])


@dataclass(frozen=True)
class Asked(RenderedQuestion):
    """What a learner sees of a question: no answer key, no numbers beyond the prompt's. The quiz
    service sends this (:meth:`to_json`); a remote session rebuilds it (:meth:`from_json`)."""

    number: int
    total: int
    id: str
    lesson: str
    topic: str
    type: str
    unit: str
    prompt: str
    choices: tuple

    def to_json(self) -> dict:
        return {**self.__dict__, "choices": list(self.choices)}

    @classmethod
    def from_json(cls, data: dict) -> "Asked":
        if not isinstance(data, dict) or set(data) != set(cls.__dataclass_fields__):
            raise ValueError(f"not a question: {data!r:.200}")
        return cls(**{**data, "choices": tuple(data["choices"])})


@dataclass(frozen=True)
class Feedback:
    """Outcome of one submission. ``accepted`` is False when the answer was not taken (rate
    limit, or unreadable text); then ``correct`` is None and the same question stays current.
    A graded attempt also gives ``correct=None`` and ``n_correct=None`` for accepted answers
    until it is over."""

    question_id: str
    accepted: bool
    correct: bool | None
    message: str
    n_correct: int | None
    n_answered: int
    total: int
    notice: str = ""   # e.g. "progress could not be saved"

    @property
    def score_text(self):
        if self.n_correct is None:
            return f"Answered: {self.n_answered} of {self.total} questions"
        return f"Score: {self.n_correct}/{self.n_answered} answered ({self.total} questions)"


def history_text(history) -> str:
    """One line on the learner's record on a quiz before this attempt: ``history`` as
    :meth:`grader.quiz.progress.ProgressStore.history` gives it (``{"attempts": 0}`` when nothing
    is saved yet); "" for None (nothing is saved for this learner)."""
    if history is None:
        return ""
    attempts = int(history["attempts"])
    if attempts == 0:
        return "No attempt saved yet."
    last, best = history["last"], history["best"]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(last["finished_at"])))
    return (f"Your last attempt: {int(last['n_correct'])}/{int(last['n_questions'])} on {when}; "
            f"best {int(best['n_correct'])}/{int(best['n_questions'])} "
            f"({attempts} attempt{'s' if attempts != 1 else ''}).")
