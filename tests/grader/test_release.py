"""Release: source notebooks are sound and match their declarations, student copies are generated and in sync."""
from __future__ import annotations

import copy
import shutil
import subprocess
import sys

import nbformat
import pytest

from grader import release
from grader.assignments import ASSIGNMENTS
from grader.cli import main as course
from grader.contract import graded_cells

ROOT = release.ROOT
IDS = release.assignment_ids()


def source(aid):
    return nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)


def student(aid):
    return nbformat.read(ROOT / "exercises" / aid / f"{aid}.ipynb", as_version=4)


def test_every_assignment_exists():
    assert IDS == ["ex01_class_weights", "ex02_labeling_plan", "ex03_three_wave_plan",
                   "ex04_thresholds_and_calibration",
                   "project_rare_entities", "project_rare_intents", "project_toxicity", "quick_test"]
    assert IDS == sorted(ASSIGNMENTS)


def test_sources_lint_clean_and_match_their_keys():
    assert release.lint() == []


def test_sources_are_what_the_generator_writes():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "make_notebooks.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def _graded(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_duplicate_grade_id_is_reported():
    nb = source("ex01_class_weights")
    graded = _graded(nb)
    graded[1].metadata["nbgrader"]["grade_id"] = graded[0].metadata["nbgrader"]["grade_id"]
    problems = release.lint_notebook(nb, "nb")
    assert any("duplicate grade_id 'q1_inverse_frequency_weights'" in p for p in problems), problems


@pytest.mark.parametrize("breakage, expected", [
    (lambda c: c.metadata["nbgrader"].update(locked=False), "is not locked"),
    (lambda c: c.metadata["nbgrader"].pop("points"), "has no positive points"),
    (lambda c: c.metadata["nbgrader"].update(points=0), "has no positive points"),
    (lambda c: c.update(outputs=[nbformat.v4.new_output("stream", text="x")]), "stored outputs"),
    (lambda c: c.metadata.update(tags=["parameters"]), "2 cells tagged `parameters`"),
])
def test_lint_catches_broken_test_cells(breakage, expected):
    nb = copy.deepcopy(source("ex02_labeling_plan"))
    breakage(_graded(nb)[0])
    assert any(expected in p for p in release.lint_notebook(nb, "nb")), release.lint_notebook(nb, "nb")


def test_declaration_and_notebook_must_agree_on_grade_cells(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    path = tmp_path / "solutions" / "ex03_three_wave_plan" / "ex03_three_wave_plan.ipynb"
    nb = source("ex03_three_wave_plan")
    _graded(nb)[0].metadata["nbgrader"]["grade_id"] = "q9_extra"
    _graded(nb)[1].metadata["nbgrader"]["points"] = 5
    nbformat.write(nb, path)
    (path.parent / "draft.ipynb").write_text(path.read_text())
    problems = release.lint(tmp_path)
    assert any("grade cells the declaration lacks: ['q9_extra']" in p for p in problems), problems
    assert any("declared questions without a grade cell: ['q1_wave_format']" in p for p in problems)
    assert any("q2_wave1_mix is worth 5 points in the notebook but 2 in the declaration" in p
               for p in problems)
    assert any("does not declare: ['draft.ipynb']" in p for p in problems)
    assert not release.lint_assignment("ex01_class_weights", tmp_path)


@pytest.mark.parametrize("aid", IDS)
def test_sources_hold_no_hidden_tests(aid):
    """Hidden tests never run at grading time, so they could only disagree with the key (whose
    rules decide); nbgrader's validate still fails the stubs (tests/grader/test_stubs_and_solutions.py)."""
    assert "HIDDEN TESTS" not in (ROOT / "solutions" / aid / f"{aid}.ipynb").read_text()
    assert "HIDDEN TESTS" not in (ROOT / "grader" / "assignments" / aid / "solution.py").read_text()


@pytest.mark.parametrize("aid", IDS)
def test_student_copies_hide_solutions_and_hidden_tests(aid):
    text = (ROOT / "exercises" / aid / f"{aid}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS"):
        assert marker not in text
    nb = student(aid)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if meta.get("solution"):
            assert "raise NotImplementedError()" in cell.source
        if meta.get("grade") and not meta.get("solution"):
            assert meta["locked"] and cell.metadata.get("editable") is False
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0].metadata["nbgrader"]["locked"]
    assert graded_cells(nb) == graded_cells(source(aid))


@pytest.mark.slow
def test_release_check_passes_on_the_committed_tree(capsys):
    assert course(["release", "--check"]) == 0, capsys.readouterr().err


@pytest.mark.slow
def test_release_check_names_drifting_files(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    nb_path = tmp_path / "exercises" / "ex01_class_weights" / "ex01_class_weights.ipynb"
    nb_path.write_text(nb_path.read_text().replace("raise NotImplementedError()", "w0 = 0.54", 1))
    shutil.rmtree(tmp_path / "exercises" / "ex03_three_wave_plan")
    (tmp_path / "exercises" / "ex02_labeling_plan" / "notes.txt").write_text("hand edit")
    drift = release.check(tmp_path)
    assert drift.changed == ["exercises/ex01_class_weights/ex01_class_weights.ipynb"]
    assert drift.missing == ["exercises/ex03_three_wave_plan/ex03_three_wave_plan.ipynb"]
    assert drift.extra == ["exercises/ex02_labeling_plan/notes.txt"]
