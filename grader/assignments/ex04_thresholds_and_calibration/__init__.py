"""Exercise 4 (lesson 06): a threshold chosen on validation, confirmed once on test; calibration."""
from grader.contract import Assignment, Notebook, Question

from .key import KEY

ASSIGNMENT = Assignment(
    "ex04_thresholds_and_calibration",
    notebooks=[Notebook("ex04_thresholds_and_calibration", questions=[
        Question("q1_threshold_for_recall", 3, reads=("a1_threshold_for_recall",), every_run=False),
        Question("q2_threshold_on_test", 2, reads=("a2_threshold_on_test",)),
        Question("q3_peeking", 2, reads=("a3_peeking",)),
        Question("q4_calibrate", 3, reads=("a4_calibrate",), every_run=False),
        Question("q5_calibrated_test", 2, reads=("a5_calibrated_test",)),
    ])],
)

__all__ = ["ASSIGNMENT", "KEY"]  # what the engine loads (grader.contract)
