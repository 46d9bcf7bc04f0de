"""Released stubs earn nothing and solutions earn full marks, graded by the real engine.

One class of two per assignment, graded by ``autograde`` in the sandbox: ``solution`` hands in
the source notebook, ``stub`` the released copy unanswered. The solution's visible tests all
pass and every point of the declaration is earned; every visible test of the stub fails and it
earns 0. nbgrader's own ``validate`` (what instructors keep) agrees on one assignment.
``project_toxicity`` is graded this way in tests/grader/test_projects.py (with the grader's oracle).
"""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from grader.assignments import ASSIGNMENTS
from grader.autograde import autograde
from grader.contract import load_assignment
from grader.release import ROOT
from grader.sandbox import sandbox_problem

GRADED_HERE = [a for a in ASSIGNMENTS if a != "project_toxicity"]


@pytest.mark.slow
@pytest.mark.parametrize("aid", GRADED_HERE)
def test_stubs_earn_nothing_and_solutions_full_marks(aid, tmp_path):
    if sandbox_problem() is not None:
        pytest.skip(f"sandbox unavailable: {sandbox_problem()}")
    assignment = load_assignment(aid)
    name = assignment.notebook.name
    course, subs = tmp_path / "course", tmp_path / "submitted"
    shutil.copytree(ROOT / "exercises" / aid, course / "exercises" / aid)
    for student, folder in (("solution", "solutions"), ("stub", "exercises")):
        (subs / student).mkdir(parents=True)
        shutil.copy(ROOT / folder / aid / f"{name}.ipynb", subs / student)
    records = autograde(aid, subs, course_dir=course, workers=2, progress=False)
    solution, stub = records["solution"], records["stub"]
    tests = [q.grade_id for q in assignment.auto_questions]

    assert solution["status"] == "graded", solution["error"]
    assert solution["score"] == solution["max_score"] == sum(assignment.auto_points.values()), \
        {g: q["feedback"] for g, q in solution["questions"].items() if q["points"] < q["max_points"]}
    assert all(solution["cells"][g] == {"executed": True, "error": None} for g in tests), \
        {g: solution["cells"][g] for g in tests}

    assert stub["score"] == 0
    passing = [g for g in tests if not stub["cells"][g]["error"]]
    assert not passing, f"visible tests pass on the unanswered stubs: {passing}"


def _validate(*args) -> str:
    done = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *args],
                          capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


@pytest.mark.slow
def test_nbgrader_validate_fails_the_stubs_and_passes_the_solution(tmp_path):
    name = "ex01_class_weights"
    shutil.copy(ROOT / "solutions" / name / f"{name}.ipynb", tmp_path / "solution.ipynb")
    shutil.copy(ROOT / "exercises" / name / f"{name}.ipynb", tmp_path / "stub.ipynb")
    passed = _validate(str(tmp_path / "solution.ipynb"))
    assert "Success! Your notebook passes all the tests." in passed, passed
    inverted = _validate("--invert", str(tmp_path / "stub.ipynb"))
    assert "Success! The notebook does not pass any tests." in inverted, inverted
