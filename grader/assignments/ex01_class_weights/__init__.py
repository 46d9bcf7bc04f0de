"""Exercise 1 (syllabus Exercise 1): class weights for a toxic-comment classifier, two metrics."""
from grader.contract import Assignment, Notebook, Question

from .key import KEY

ASSIGNMENT = Assignment(
    "ex01_class_weights",
    notebooks=[Notebook("ex01_class_weights", questions=[
        Question("q1_inverse_frequency_weights", 3, reads=("a1_inverse_frequency_weights",),
                 every_run=False),
        Question("q2_rounded_weights", 2, reads=("a2_rounded_weights",)),
        Question("q3_metrics", 2, reads=("a3_metrics",), every_run=False),
    ])],
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
