"""Mini challenge (syllabus): a three-wave labeling plan, judged by simulation."""
from grader.contract import Assignment, Notebook, Question

from .key import KEY

ASSIGNMENT = Assignment(
    "ex03_three_wave_plan",
    notebooks=[Notebook("ex03_three_wave_plan", questions=[
        Question("q1_wave_format", 2, reads=("a_waves",)),
        Question("q2_wave1_mix", 2, reads=("a_waves",)),
        Question("q3_yield", 3, reads=("a_waves",)),
        Question("q4_diversity", 2, reads=("a_waves",)),
        Question("q5_success_metrics", 2, reads=("a_success_metrics",), every_run=False),
        Question("q6_selection_rules", 2, manual=True),
    ])],
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
