"""Practical project 3: a rare DRUG entity type in news NER, graded on held-out documents."""
from grader.contract import Assignment, Notebook, Question

from ..project_common import PROJECT_LIMITS
from .key import KEY

ASSIGNMENT = Assignment(
    "project_rare_entities",
    notebooks=[Notebook("project_rare_entities", questions=[
        Question("q1_drug_f1", 4, reads=("a_solution",)),
        Question("q2_overall_f1", 2, reads=("a_solution",)),
        Question("q3_process", 2, reads=("a_solution",)),
        Question("q4_reported_metrics", 1, reads=("a_solution",)),
    ])],
    limits=PROJECT_LIMITS,
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
