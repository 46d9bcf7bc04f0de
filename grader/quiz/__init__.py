"""Quick tests: a YAML question bank, scoring, parameterized numbers, and progress: saved for the
course by the quiz service (:mod:`grader.quiz.server`), or as private practice.

In a notebook: ``from grader.quiz import quick_test; quick_test("02")``. In a terminal:
``course quiz 02``. The state lives in a session (:class:`QuizSession`, or the service's via
:class:`~grader.quiz.client.RemoteSession`); the widget only renders it.
"""
from .bank import BankError, Question, Quiz, load_bank, load_quiz
from .session import Feedback, QuizSession, RateLimit


def quick_test(lesson, **kwargs):
    """Show the quiz for ``lesson`` ("01".."09" or "final") as an ipywidgets quiz, held by the
    quiz service when ``$IMBALANCE_LAB_QUIZ_SOCKET`` names one.

    Keyword arguments go to :func:`grader.quiz.client.open_session` (``service``, and for
    practice without the service ``seed``, ``store``, ``bank``, ...).
    """
    from .client import open_session
    from .widget import QuizWidget

    QuizWidget(open_session(lesson, **kwargs)).display()


__all__ = ["quick_test", "QuizSession", "Feedback", "RateLimit", "load_bank", "load_quiz",
           "BankError", "Question", "Quiz"]
