"""Exercise 2 (syllabus Exercise 2): a first labeling wave under a 2,000-label budget."""
from grader.contract import Assignment, Notebook, Question

from .key import KEY

ASSIGNMENT = Assignment(
    "ex02_labeling_plan",
    notebooks=[Notebook("ex02_labeling_plan", questions=[
        Question("q1_wave1_quotas", 3, reads=("a1_wave1_quotas",)),
        Question("q2_seeded_share", 1, reads=("a2_seeded_share",)),
        Question("q3_dedup_first", 1, reads=("a3_dedup_first",)),
        Question("q4_uncertainty_labels", 1, reads=("a4_uncertainty_labels",)),
        Question("q5_simulated_yield", 2, reads=("a1_wave1_quotas", "a2_seeded_share", "a3_dedup_first")),
        Question("q6_selection_criteria", 2, manual=True),
    ])],
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
