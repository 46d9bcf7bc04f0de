"""Practical project 1: toxic comments on a labeling budget, graded on a held-out test set."""
from grader.contract import Assignment, Notebook, Question

from ..project_common import PROJECT_LIMITS
from .key import KEY

ASSIGNMENT = Assignment(
    "project_toxicity",
    notebooks=[Notebook("project_toxicity", questions=[
        Question("q1_labels", 2, reads=("a_solution",)),
        Question("q2_targets", 6, reads=("a_solution",)),
        Question("q3_process", 2, reads=("a_solution",)),
        Question("q4_reported_metrics", 1, reads=("a_solution",)),
    ])],
    services=("oracle",),
    limits=PROJECT_LIMITS,
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
