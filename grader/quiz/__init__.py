"""Quick tests: a YAML question bank, scoring, parameterized numbers, and progress: saved for the
course by the quiz service (:mod:`grader.quiz.server`), or as private practice.

A notebook takes one with :func:`learner.quiz.quick_test` (the widget and the service's client
live in :mod:`learner.quiz`); a terminal with ``course quiz 02``. The state lives in a session
(:class:`QuizSession`, or the service's via :class:`~learner.quiz.client.RemoteSession`); the
widget only renders it.
"""
# Lesson notebooks released before learner/ existed import quick_test from here: kept one release.
from learner.quiz import quick_test
from learner.quiz.display import Feedback

from .bank import BankError, Question, Quiz, load_bank, load_quiz
from .session import QuizSession, RateLimit

__all__ = ["quick_test", "QuizSession", "Feedback", "RateLimit", "load_bank", "load_quiz",
           "BankError", "Question", "Quiz"]
