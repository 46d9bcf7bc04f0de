"""The course's assignments, one folder each; never released, hidden from the sandbox.

``<assignment_id>/__init__.py`` declares the assignment (:class:`grader.contract.Assignment`) and
exposes its key; ``key.py`` grades, ``solution.py`` holds the code cells, ``notebook.py`` the
text and cell order (README, "How grading works"). One line here per assignment.
"""

ASSIGNMENTS = (
    "ex01_class_weights",
    "ex02_labeling_plan",
    "ex03_three_wave_plan",
    "ex04_thresholds_and_calibration",
    "project_rare_entities",
    "project_rare_intents",
    "project_toxicity",
    "quick_test",
)
