"""Quick tests: a YAML question bank, scoring, parameterized numbers, progress for logged-in
learners.

In a notebook: ``from grader.quiz import quick_test; quick_test("02")``. In a terminal:
``course quiz 02``. The state lives in :class:`QuizSession`; the widget only renders it.
"""
from .bank import BankError, Question, Quiz, load_bank, load_quiz
from .session import Feedback, QuizSession, RateLimit


def quick_test(lesson, **kwargs):
    """Show the quiz for ``lesson`` ("01".."09" or "final") as an ipywidgets quiz.

    Keyword arguments go to :class:`QuizSession` (``seed``, ``store``, ``rate_limit``, ...).
    """
    from .widget import QuizWidget

    QuizWidget(QuizSession(lesson, **kwargs)).display()


__all__ = ["quick_test", "QuizSession", "Feedback", "RateLimit", "load_bank", "load_quiz",
           "BankError", "Question", "Quiz"]
