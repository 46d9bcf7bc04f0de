"""Quick tests in a notebook: ``from learner.quiz import quick_test; quick_test("02")``.

The widget (:mod:`learner.quiz.widget`) renders a session: the course's quiz service's
(:mod:`learner.quiz.client`, when ``$IMBALANCE_LAB_QUIZ_SOCKET`` names one), or else a practice
session of the course's quiz engine (:mod:`grader.quiz`). In a terminal: ``course quiz 02``.
"""


def quick_test(lesson, **kwargs):
    """Show the quiz for ``lesson`` ("01".."10" or "final") as an ipywidgets quiz, held by the
    quiz service when ``$IMBALANCE_LAB_QUIZ_SOCKET`` names one.

    Keyword arguments go to :func:`learner.quiz.client.open_session` (``service``, and for
    practice without the service ``seed``, ``store``, ``bank``, ...).
    """
    from .client import open_session
    from .widget import QuizWidget

    # "Try again" draws fresh numbers and order: a seed is for the first attempt only.
    again = {k: v for k, v in kwargs.items() if k != "seed"}
    QuizWidget(open_session(lesson, **kwargs), lambda: open_session(lesson, **again)).display()


__all__ = ["quick_test"]
