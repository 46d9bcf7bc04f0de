"""The graded end-of-course quick test: one question per grade id, from the bank ``final.yml``."""
from grader.contract import Assignment, Notebook, Question

from .key import KEY, quiz

ASSIGNMENT = Assignment(
    "quick_test",
    notebooks=(Notebook("quick_test", questions=tuple(
        Question(q.id, 1, reads=("answers_cell",)) for q in quiz().questions)),),
    check_shows_scores=False,  # `course check` must not tell a learner which answers are right
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
