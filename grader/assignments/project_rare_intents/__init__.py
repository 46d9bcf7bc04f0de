"""Practical project 2: rare intents with paraphrase augmentation, graded on a held-out test set."""
from grader.contract import Assignment, Notebook, Question

from ..project_common import PROJECT_LIMITS
from .key import KEY

ASSIGNMENT = Assignment(
    "project_rare_intents",
    notebooks=[Notebook("project_rare_intents", questions=[
        Question("q1_macro_f1", 4, reads=("a_solution",)),
        Question("q2_rare_recall", 3, reads=("a_solution",)),
        Question("q3_process", 2, reads=("a_solution",)),
        Question("q4_reported_metrics", 1, reads=("a_solution",)),
    ])],
    limits=PROJECT_LIMITS,
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
