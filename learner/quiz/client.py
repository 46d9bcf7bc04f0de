"""The learner's side of the quiz service: requests over its Unix socket, and a session that
renders what the service sends.

``$IMBALANCE_LAB_QUIZ_SOCKET`` (or an explicit ``service=``) names the socket. With it, every
attempt is held and scored by the service and saved for the course under the learner's OS
account; without it, quizzes are practice in this process (:class:`QuizSession`), saved at most
in the learner's private file. Nothing here can make the service save or reveal more: changing
the variable only changes where this learner's own attempts go.

Practice needs the course's question bank and quiz engine (:mod:`grader.quiz`), imported only
then: the grading sandbox has neither, so a graded notebook cannot take a quick test.
"""
from __future__ import annotations

import json
import os
import socket

from .display import Asked, Feedback, history_text

SOCKET_ENV = "IMBALANCE_LAB_QUIZ_SOCKET"
MAX_REPLY = 1024 * 1024
TIMEOUT = 60.0  # the service may wait up to 30 s for the store's lock


class ServiceError(RuntimeError):
    """The quiz service refused a request (the message is its own) or gave an unreadable reply."""


class ServiceUnavailable(ServiceError):
    """Nothing answers on the socket."""


class PracticeUnavailable(RuntimeError):
    """This Python has no course question bank to practise with (e.g. the grading sandbox)."""


def service_socket(service=None) -> str | None:
    """The socket to use: ``service``, else ``$IMBALANCE_LAB_QUIZ_SOCKET``, else None."""
    return str(service) if service else os.environ.get(SOCKET_ENV) or None


def call(socket_path, request: dict, timeout: float = TIMEOUT) -> dict:
    """Send one request to the service and return its reply (raises ServiceError on refusal)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(socket_path))
        except OSError as exc:
            raise ServiceUnavailable(f"the quiz service at {socket_path} is not answering "
                                     f"({exc.strerror or exc})") from None
        data = b""
        try:
            sock.sendall(json.dumps(request).encode("utf-8") + b"\n")
            while not data.endswith(b"\n") and len(data) <= MAX_REPLY:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError as exc:
            raise ServiceUnavailable(f"the quiz service at {socket_path} stopped answering "
                                     f"({exc.strerror or exc})") from None
    finally:
        sock.close()
    try:
        reply = json.loads(data)
        ok = reply["ok"]
    except (ValueError, TypeError, KeyError):
        raise ServiceError(f"unreadable reply from the quiz service at {socket_path}") from None
    if ok is not True:
        raise ServiceError(str(reply.get("error", "refused")))
    return reply


class RemoteSession:
    """An attempt held by the quiz service; same reading interface as :class:`QuizSession`
    (``quiz_id``, ``title``, ``status``, ``history``, ``current``, ``finished``, ``score``,
    ``submit``, ``summary``) so the widget and ``course quiz`` render either."""

    def __init__(self, quiz, socket_path):
        self.socket_path = socket_path
        r = call(socket_path, {"op": "start", "quiz": str(quiz)})
        try:
            self.attempt, self.user, self.quiz_id = r["attempt"], r["user"], r["quiz"]
            self.title, self.total, self.graded = r["title"], int(r["total"]), bool(r["graded"])
            self._status = str(r["status"])
            self.current = Asked.from_json(r["question"])
            self._history = r.get("history")  # absent from a service older than this client
            history_text(self._history)  # refuses a malformed record here, not in the widget
        except (KeyError, TypeError, ValueError, OverflowError):
            raise ServiceError(f"unreadable reply from the quiz service at {socket_path}") from None
        self.notice = ""
        self._score = (0 if not self.graded else None, 0, self.total)
        self._summary = None

    @property
    def status(self) -> str:
        return self._status + (f"\n{self.notice}" if self.notice else "")

    @property
    def finished(self) -> bool:
        return self.current is None

    def history(self) -> dict | None:
        """The learner's record on this quiz as the service sent it when the attempt started."""
        return self._history

    @property
    def score(self) -> tuple:
        """(correct, answered, total); correct is None while a graded attempt runs."""
        return self._score

    def submit(self, answer: str) -> Feedback:
        """Send the typed ``answer`` (letters as displayed, a number, or "none") to the service."""
        if self.finished:
            raise RuntimeError("the quiz is finished; start a new session to try again")
        qid = self.current.id
        try:
            r = call(self.socket_path, {"op": "answer", "attempt": self.attempt, "question": qid,
                                        "answer": str(answer)})
            fb = Feedback(**r["feedback"])
            following = None if r["question"] is None else Asked.from_json(r["question"])
        except ServiceError as exc:
            k, n, total = self._score
            return Feedback(qid, False, None, f"Not sent: {exc}. Try again.", k, n, total, self.notice)
        except (KeyError, TypeError, ValueError):
            k, n, total = self._score
            return Feedback(qid, False, None, "Unreadable reply from the quiz service. Try again.",
                            k, n, total, self.notice)
        self._score = (fb.n_correct, fb.n_answered, fb.total)
        self.notice = fb.notice
        if fb.accepted:
            self.current = following
            self._summary = r.get("summary")
        return fb

    def summary(self) -> str:
        if self._summary is not None:
            return self._summary
        k, n, total = self._score
        return f"Quiz {self.quiz_id} ({self.title}): {n} of {total} answered."


def open_session(quiz, service=None, **practice):
    """The session for ``quiz``: held by the quiz service when one is configured (``service``
    or ``$IMBALANCE_LAB_QUIZ_SOCKET``), else a practice :class:`QuizSession` (``practice``
    keywords: ``seed``, ``store``, ``bank``, ... go to it).

    A configured service that does not answer gives an unsaved practice session that says so.
    """
    path = service_socket(service)
    if path is None:
        load_quiz, QuizSession = _practice_engine()
        if practice.get("bank") is not None:
            quiz = load_quiz(quiz, practice.pop("bank"))
        practice.pop("bank", None)
        return QuizSession(quiz, **practice)
    given = sorted(k for k, v in practice.items() if v is not None)
    if given:
        raise ValueError(f"{', '.join(given)}: only for practice without the quiz service "
                         f"(the service at {path} draws and scores every attempt)")
    try:
        return RemoteSession(quiz, path)
    except ServiceUnavailable as exc:
        session = _practice_engine()[1](quiz, user=None, detect_user=False)
        session.notice = f"{exc}: this attempt is practice and is not saved."
        return session


def _practice_engine():
    """The course's quiz engine (bank loader, session), or :class:`PracticeUnavailable`."""
    try:
        from grader.quiz.bank import load_quiz
        from grader.quiz.session import QuizSession
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("grader"):
            raise
        raise PracticeUnavailable("practice quick tests need the course's question bank, which is "
                                  "not installed here (a graded run has none)") from None
    return load_quiz, QuizSession
