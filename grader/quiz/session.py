"""Quiz state without any UI: the notebook widget and ``course quiz`` only render it.

A :class:`QuizSession` walks through one quiz: ``current`` is the question on screen (with this
attempt's numbers and display order), ``submit(answer)`` scores it and returns
:class:`Feedback`, ``score`` is the running total. When the last question is answered the
attempt is saved to the session's store; anonymous sessions never touch the disk. A broken
progress store never stops the quiz: it continues unsaved and says so.

The same class runs inside the quiz service (:mod:`grader.quiz.server`), which holds the
attempt, its numbers and its answer key; the learner's side then holds a
:class:`~learner.quiz.client.RemoteSession` that sees only :class:`Asked` questions. A
``graded`` session withholds correctness, answers and the running score until the attempt is
over, then lists them all in :meth:`QuizSession.summary`.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from learner.quiz.display import Asked, Feedback, RenderedQuestion

from .bank import Question, Quiz, load_quiz
from .identity import ANONYMOUS_NOTE, current_user
from .progress import ProgressStore, ProgressStoreError
from .scoring import attempt_draw, parse_answer, score


@dataclass(frozen=True)
class RateLimit:
    """At most ``max_submissions`` submissions of one question per ``window`` seconds."""

    max_submissions: int = 5
    window: float = 600.0

    def __post_init__(self):
        if isinstance(self.max_submissions, bool) or not isinstance(self.max_submissions, int) \
                or self.max_submissions < 1:
            raise ValueError(f"max_submissions must be an integer >= 1, got {self.max_submissions!r}")
        if not self.window > 0:
            raise ValueError(f"window must be > 0 seconds, got {self.window!r}")

    @classmethod
    def parse(cls, text: str) -> "RateLimit":
        """``"5/600"``: 5 submissions per 600 seconds."""
        try:
            n, w = str(text).split("/")
            return cls(int(n), float(w))
        except ValueError:
            raise ValueError(f"rate limit must look like N/SECONDS (e.g. 5/600), got {text!r}") from None


class MemoryLimiter:
    """Submission log for sessions without a progress store (in memory only), keyed by
    (user, quiz, question). Sessions share :data:`MEMORY_LIMITER`, so starting a new session
    in the same kernel or process does not reset the limit."""

    def __init__(self):
        self._log = {}
        self._lock = threading.Lock()  # widget callbacks and the kernel may run in different threads

    def try_submit(self, user, quiz, question_id, now, limit, window):
        key = (user, quiz, question_id)
        with self._lock:
            recent = [t for t in self._log.get(key, []) if t > now - window]
            if len(recent) >= limit:
                self._log[key] = recent
                return False, recent[len(recent) - limit] + window - now
            self._log[key] = recent + [now]
        return True, 0.0


MEMORY_LIMITER = MemoryLimiter()


@dataclass(frozen=True)
class Shown(RenderedQuestion):
    """A question as displayed in this attempt: filled prompt, choices/steps in display order,
    and (private to whoever scores it) the question with its key, the order and the numbers."""

    number: int
    total: int
    question: Question
    prompt: str
    choices: tuple   # option or step texts in this attempt's shuffled order
    order: tuple     # display position -> option index (choice types) or step index (ordering)
    draw: object = None  # this attempt's numbers (parameterized numeric questions)

    @property
    def id(self):
        return self.question.id

    @property
    def type(self):
        return self.question.type

    @property
    def lesson(self):
        return self.question.lesson

    @property
    def topic(self):
        return self.question.topic

    @property
    def unit(self):
        return self.question.unit

    def asked(self) -> Asked:
        return Asked(self.number, self.total, self.id, self.lesson, self.topic, self.type, self.unit,
                     self.prompt, self.choices)


RECORDED = "Answer recorded. Whether it is right, the answers and your score are shown when you finish."


@dataclass
class QuizSession:
    """One attempt at a quiz.

    Parameters
    ----------
    quiz : Quiz or quiz id ("01".."10", "final")
    user : learner name, or None for anonymous. Defaults to :func:`current_user`, the learner's
        own label for practice (pass ``user=None, detect_user=False`` for an explicitly
        anonymous session); the quiz service passes the name it verified.
    store : ProgressStore, path of a private practice store, or None (default practice store);
        used only when ``user`` is set.
    seed : seeds this attempt's parameterized numbers and the display order of options and
        steps (default: fresh).
    rate_limit : RateLimit or None (no limit). The quiz service passes one for graded quizzes.
    clock : callable returning seconds (injectable for tests).
    graded : withhold correctness, answers and the score until the attempt is over.
    """

    quiz: object
    user: str | None = None
    store: object = None
    seed: int | None = None
    rate_limit: RateLimit | None = None
    clock: object = time.time
    detect_user: bool = True
    graded: bool = False
    index: int = field(default=0, init=False)
    results: list = field(default_factory=list, init=False)
    notice: str = field(default="", init=False)

    def __post_init__(self):
        if not isinstance(self.quiz, Quiz):
            self.quiz = load_quiz(self.quiz)
        if self.user is None and self.detect_user:
            self.user = current_user()
        if self.user is not None and not isinstance(self.store, ProgressStore):
            self.store = ProgressStore(self.store)
        if self.user is None:
            self.store = None
            self.notice = ANONYMOUS_NOTE
        self.seed = random.SystemRandom().randrange(2**63) if self.seed is None else self.seed
        self.started_at = self.clock()
        rng = random.Random(self.seed)
        self._shown = [self._show(i, q, rng.randrange(2**63)) for i, q in enumerate(self.quiz.questions)]
        self.saved_attempt = None
        self._messages = []  # feedback per answered question, for a graded attempt's review

    def _show(self, i, q, seed):
        draw = attempt_draw(q, seed)
        prompt = q.prompt.format(**draw.values) if draw else q.prompt
        items, rng = q.steps or q.options, random.Random(seed)
        order = list(range(len(items)))
        if q.type == "ordering":
            while order == sorted(order):  # never show the steps already in order
                rng.shuffle(order)
        else:  # choice types: the option's place in the bank file must not hint at the answer
            rng.shuffle(order)
        return Shown(i + 1, len(self.quiz), q, prompt, tuple(items[j].text for j in order), tuple(order), draw)

    @property
    def quiz_id(self) -> str:
        return self.quiz.quiz

    @property
    def title(self) -> str:
        return self.quiz.title

    @property
    def logged_in(self) -> bool:
        return self.user is not None

    @property
    def status(self) -> str:
        """The line shown above the quiz: whether, where and when progress is saved (an attempt
        is stored whole, once its last question is answered), and a graded attempt's rules."""
        if self.store is None:
            text = self.notice
        elif self.store.kind == "service":
            text = (f"Signed in as {self.user} (your account on this machine); the course saves this "
                    f"attempt when you answer the last question (an unfinished attempt is not saved).")
        else:
            text = (f"Practice as {self.user}: saved only in your private file {self.store.path} when you "
                    f"answer the last question (unofficial: the course does not see it).")
        if self.graded:
            text += " Graded: right answers and your score are shown when you finish"
            if self.rate_limit is not None:
                text += (f"; at most {self.rate_limit.max_submissions} submissions per question "
                         f"per {self.rate_limit.window:g} s")
            text += "."
        return text

    def history(self) -> dict | None:
        """This learner's record on this quiz (:meth:`ProgressStore.history`; ``{"attempts": 0}``
        before the first), or None when nothing is saved for them (anonymous, or an unreadable
        store: the status line says why)."""
        if self.store is None:
            return None
        if not self.store.path.exists():
            return {"attempts": 0}
        try:
            return self.store.history(self.user, self.quiz.quiz) or {"attempts": 0}
        except ProgressStoreError:
            return None

    @property
    def finished(self) -> bool:
        return self.index >= len(self._shown)

    @property
    def current(self) -> Shown | None:
        return None if self.finished else self._shown[self.index]

    @property
    def score(self) -> tuple:
        """(correct, answered, total)."""
        return sum(r[1] for r in self.results), len(self.results), len(self._shown)

    def _feedback(self, qid, accepted, correct, message):
        k, n, total = self.score
        if self.graded and not self.finished:
            k = None
            if accepted:
                correct, message = None, RECORDED
        return Feedback(qid, accepted, correct, message, k, n, total, self.notice)

    def _allowed(self, qid):
        if self.rate_limit is None:
            return True, 0.0
        now, limit, window = self.clock(), self.rate_limit.max_submissions, self.rate_limit.window
        if self.store is not None:
            try:
                return self.store.try_submit(self.user, qid, now, limit, window)
            except ProgressStoreError as exc:
                self._store_failed(exc)
        return MEMORY_LIMITER.try_submit(self.user, self.quiz.quiz, qid, now, limit, window)

    def _store_failed(self, exc):
        self.store = None
        self.notice = f"{exc}\nThe quiz continues, but this attempt is not saved."

    def submit(self, answer) -> Feedback:
        """Score ``answer`` to the current question: a plain answer in bank indices (see
        :mod:`grader.quiz.scoring`) or the typed text, whose letters refer to the options or
        steps as displayed. Moves on to the next question."""
        shown = self.current
        if shown is None:
            raise RuntimeError("the quiz is finished; start a new QuizSession to try again")
        if isinstance(answer, str):
            try:
                answer = parse_answer(shown.question, answer, shown.order)
            except ValueError as exc:
                return self._feedback(shown.id, False, None, f"Could not read your answer: {exc}")
        ok, wait = self._allowed(shown.id)
        if not ok:
            return self._feedback(shown.id, False, None,
                                  f"Too many submissions for this question: at most "
                                  f"{self.rate_limit.max_submissions} per {self.rate_limit.window:g} s. "
                                  f"Try again in {max(wait, 0):.0f} s.")
        result = score(shown.question, answer, shown.draw, shown.order)
        self.results.append((shown.id, result.correct, _answer_text(answer)))
        self._messages.append(result.message)
        self.index += 1
        if self.finished:
            self._save()
        return self._feedback(shown.id, True, result.correct, result.message)

    def _save(self):
        if self.store is None:
            return
        try:
            self.saved_attempt = self.store.record_attempt(self.user, self.quiz.quiz, self.results,
                                                           self.started_at, self.clock(), self.graded)
        except ProgressStoreError as exc:
            self._store_failed(exc)

    def summary(self) -> str:
        """The final score and where it was saved; a graded attempt's answers once it is over."""
        k, n, total = self.score
        if self.graded and not self.finished:
            return f"Quiz {self.quiz.quiz} ({self.quiz.title}): {n} of {total} answered."
        lines = [f"Quiz {self.quiz.quiz} ({self.quiz.title}): {k}/{total} correct."]
        if self.saved_attempt is not None:
            lines.append(f"Progress saved for {self.user}.")
        elif self.notice:
            lines.append(self.notice)
        if self.graded:
            for shown, message in zip(self._shown, self._messages):  # each says "Correct" or "Not quite"
                lines.append(f"\n{shown.number}. {message}")
        return "\n".join(lines)


def _answer_text(answer) -> str:
    if isinstance(answer, (list, tuple)):
        return ",".join(str(a) for a in answer)
    return str(answer)
