"""The declared contract: declarations, keys and notebooks that disagree are refused clearly; the
judge gives questions whose cells did not run zero before any key; the generator checks its parts."""
from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from grader.assignments import ASSIGNMENTS
from grader.authoring import Author, AuthoringError
from grader.autograde import notebook_id
from grader.contract import (PACKAGE_ENV, Assignment, AssignmentKey, GradingConfigError, Notebook,
                             Question, key_problems, load_assignment, load_key, notebook_problems)
from grader.pipeline.judge import DELETED, judge
from grader.release import ROOT
from grader.spec import Run, Verdict


def declared(*questions, **kw):
    return Assignment("demo", notebooks=[Notebook("demo", questions=list(questions))], **kw)


def key_for(grade, **kw):
    return AssignmentKey(answers=("x",), parameter_sets=lambda rng: [{}], probes=lambda rng: {},
                         grade=grade, **kw)


def full(runs, points):
    return Verdict(points, points, ["right"])


# ------------------------------------------------------------------ declarations -----------------

@pytest.mark.parametrize("make, message", [
    (lambda: declared(Question("q1", 1), Question("q1", 2)), "grade ids declared twice: ['q1']"),
    (lambda: declared(Question("q1", 0)), "points must be a positive number"),
    (lambda: declared(Question("q1", True)), "points must be a positive number"),
    (lambda: declared(Question("q1", 2, reads=("a1",), manual=True)), "declare no reads"),
    (lambda: declared(Question("q 1", 2)), "invalid grade id"),
    (lambda: declared(Question("q1", 1), services=("labels",)), "services must be distinct names"),
    (lambda: declared(Question("q1", 1), limits={"cell_seconds": -1}), "cell_seconds"),
    (lambda: declared(Question("q1", 1), limits={"gpu": 1}), "limits must be a mapping of"),
    (lambda: Assignment("demo", notebooks=[]), "declare its notebooks"),
    (lambda: Assignment("demo", notebooks=[Notebook("demo.ipynb", [Question("q1", 1)])]),
     "invalid notebook name"),
    (lambda: Assignment("demo", notebooks=[Notebook("a", [Question("q1", 1)]),
                                           Notebook("b", [Question("q1", 1)])]), "declared twice"),
])
def test_malformed_declarations_are_refused(make, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make()


def test_several_notebooks_can_be_declared_but_the_engine_grades_one():
    two = Assignment("demo", notebooks=[Notebook("part1", [Question("q1", 1, reads=("a1",))]),
                                        Notebook("part2", [Question("q2", 2, manual=True)])])
    assert [q.grade_id for q in two.questions] == ["q1", "q2"] and two.auto_points == {"q1": 1.0}
    with pytest.raises(GradingConfigError, match="declares 2 notebooks; grading assignments with "
                                                 "several notebooks is not supported yet"):
        notebook_id(two)


def test_every_registered_assignment_loads_with_a_matching_key():
    for aid in ASSIGNMENTS:
        assert load_assignment(aid).assignment_id == aid
        assert key_problems(load_assignment(aid), load_key(aid)) == []
    with pytest.raises(ValueError, match="no assignment 'ex99_missing'"):
        load_assignment("ex99_missing")
    with pytest.raises(ValueError, match="invalid assignment id"):
        load_key("../etc")


def test_a_key_that_disagrees_with_its_declaration_is_named():
    a = declared(Question("q1", 1), Question("q2", 1), Question("q3", 1, manual=True),
                 services=("oracle",))
    problems = key_problems(a, key_for({"q1": full, "q3": full}))
    assert any("not declared autograded: ['q3']" in p for p in problems), problems
    assert any("no grade function for the declared questions ['q2']" in p for p in problems)
    assert any("provides services [] but the assignment declares ['oracle']" in p for p in problems)
    hidden = declared(Question("q1", 1, hidden_test=True), Question("q2", 1))
    lines = {"q1": lambda runs: "on validation", "q2": lambda runs: "on validation"}
    problems = key_problems(hidden, key_for({"q1": full, "q2": full}, on_validation=lines))
    assert problems == ["demo: on_validation names questions not graded on a hidden test set: ['q2']"]


def test_a_notebook_that_disagrees_with_its_declaration_is_named():
    nb = nbformat.read(ROOT / "solutions" / "ex02_labeling_plan" / "ex02_labeling_plan.ipynb", 4)
    a = load_assignment("ex02_labeling_plan")
    assert notebook_problems(a, "ex02_labeling_plan", nb) == []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "q2_seeded_share":
            meta["points"] = 3
        if meta.get("grade_id") == "q6_selection_criteria":
            meta["solution"] = False  # now an autograded test cell
        if meta.get("grade_id") == "a3_dedup_first":
            meta["grade_id"] = "a3_renamed"
    problems = notebook_problems(a, "ex02_labeling_plan", nb)
    assert any("q2_seeded_share is worth 3 points in the notebook but 1 in the declaration" in p
               for p in problems), problems
    assert any("q6_selection_criteria is a test cell in the notebook but declared manual" in p
               for p in problems)
    assert any("declared answer cells the notebook lacks: ['a3_dedup_first']" in p for p in problems)
    assert notebook_problems(a, "other", nb) == ["ex02_labeling_plan/other.ipynb: the assignment "
                                                 "declares no notebook 'other'"]


# ------------------------------------------------------------------ the judge --------------------

def never(runs, points):
    raise AssertionError("the key was asked about a question whose cells did not run")


LIMIT = "CellTimeoutError: the cell ran longer than the time limit per cell (3 s) and was interrupted"


def test_the_engine_zeroes_questions_whose_cells_did_not_run_before_any_key():
    a = declared(Question("q1", 2, reads=("a1",)), Question("q2", 1, reads=("a2",)),
                 Question("q3", 1, reads=("a3",)), Question("q4", 1))
    ok = {"executed": True, "error": None}
    cells = {"a1": {"executed": True, "error": LIMIT}, "q1": ok, "a2": ok, "q2": ok,
             "a3": ok, "q3": {"executed": False, "error": None}, "q4": ok}
    verdicts = judge(a, key_for({"q1": never, "q2": full, "q3": never, "q4": never}),
                     [Run({}, cells=cells)], deleted=["q4"])
    assert verdicts["q1"].points == 0 and "cell 'a1' hit a limit" in verdicts["q1"].feedback[0]
    assert verdicts["q2"].points == 1 and verdicts["q2"].feedback == ["right"]
    assert verdicts["q3"].points == 0 and "did not run" in verdicts["q3"].feedback[0]
    assert verdicts["q4"].feedback == [DELETED]


def test_a_failed_re_run_costs_only_questions_judged_on_every_run():
    a = declared(Question("q1", 1, reads=("a1",)), Question("q2", 1, reads=("a2",), every_run=False))
    ok = {"executed": True, "error": None}
    runs = [Run({}, cells=dict.fromkeys(("a1", "q1", "a2", "q2"), ok)),
            Run({"n": 2}, cells={}, error="the kernel died while running cell 'a1'")]
    verdicts = judge(a, key_for({"q1": never, "q2": full}), runs)
    assert verdicts["q1"].points == 0 and "re-ran your notebook" in verdicts["q1"].feedback[0]
    assert verdicts["q2"].points == 1


def test_verdicts_are_kept_within_the_declared_points_and_must_use_them():
    a = declared(Question("q1", 2), Question("q2", 2))
    verdicts = judge(a, key_for({"q1": lambda r, p: Verdict(5, p), "q2": lambda r, p: Verdict(-1, p)}),
                     [Run({})])
    assert (verdicts["q1"].points, verdicts["q2"].points) == (2, 0)
    with pytest.raises(GradingConfigError, match="q1 returned 3 points, not a Verdict for its declared 2"):
        judge(a, key_for({"q1": lambda r, p: Verdict(3, 3), "q2": full}), [Run({})])


def test_ensure_assignment_refuses_a_released_notebook_that_disagrees(tmp_path):
    from grader import gradebook

    a = load_assignment("ex01_class_weights")
    nb = nbformat.read(ROOT / "exercises" / "ex01_class_weights" / "ex01_class_weights.ipynb", 4)
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "q3_metrics"]
    with gradebook.Gradebook(f"sqlite:///{tmp_path / 'gb.db'}") as gb:
        with pytest.raises(GradingConfigError, match=r"without a grade cell: \['q3_metrics'\]"):
            gradebook.ensure_assignment(gb, a, {"ex01_class_weights": nb})
        with pytest.raises(GradingConfigError, match="no released notebook ex01_class_weights.ipynb"):
            gradebook.ensure_assignment(gb, a, {})


# ------------------------------------------------------------------ the generator ----------------

def _author(tmp_path, edit):
    """An Author of ex01 whose solution.py is a copy edited by ``edit``."""
    folder = tmp_path / "ex01"
    folder.mkdir()
    src = (ROOT / "grader" / "assignments" / "ex01_class_weights" / "solution.py").read_text()
    (folder / "solution.py").write_text(edit(src))
    return Author(load_assignment("ex01_class_weights"), folder)


def test_the_generator_checks_parameters_and_constants_against_the_key(tmp_path):
    nb = _author(tmp_path, lambda s: s.replace("n_toxic = 1_600", "n_toxic = 1_700").replace(
        "'log_loss']", "'log_loss', 'f2']"))
    cells = [nb.parameters(), nb.setup("vocabulary")]
    for cid in ("a1_inverse_frequency_weights", "a2_rounded_weights", "a3_metrics"):
        cells.append(nb.answer(cid))
    for gid in ("q1_inverse_frequency_weights", "q2_rounded_weights", "q3_metrics"):
        cells.append(nb.tests(gid))
    with pytest.raises(AuthoringError) as err:
        nb.notebook(cells)
    assert "parameter n_toxic = 1700 in the notebook but 1600 in the key" in str(err.value)
    assert "constant METRIC_NAMES is [" in str(err.value) and "'f2']" in str(err.value)


def test_the_generator_refuses_unused_code_and_undeclared_questions(tmp_path):
    nb = _author(tmp_path, lambda s: s + "\n\n# %% leftover\nx = 1\n")
    with pytest.raises(AuthoringError, match="q9 is not declared as an autograded question"):
        nb.tests("q9")
    with pytest.raises(AuthoringError, match="no cell `# %% a9`"):
        nb.answer("a9")
    with pytest.raises(AuthoringError) as err:
        nb.notebook([nb.parameters()])
    assert "cells no notebook cell uses: [" in str(err.value) and "'leftover'" in str(err.value)
    assert "declared questions without a cell: ['q1_inverse_frequency_weights'" in str(err.value)


def test_every_solution_file_is_python():
    for aid in ASSIGNMENTS:
        path = ROOT / "grader" / "assignments" / aid / "solution.py"
        compile(path.read_text(), str(path), "exec")


# ---------------------------------------------------------------- finding an assignment by id

def test_the_suites_own_assignment_is_found_by_id():
    # tests/conftest.py names the suite's package; nothing registers the fixture anywhere
    assert load_assignment("tiny_fixture").assignment_id == "tiny_fixture"
    assert load_key("tiny_fixture").answers == ("ratio",)
    assert "grader.assignments.tiny_fixture" not in sys.modules


def test_without_the_variable_only_the_courses_assignments_exist(monkeypatch):
    monkeypatch.delenv(PACKAGE_ENV)
    with pytest.raises(ValueError, match="no assignment 'tiny_fixture'"):
        load_key("tiny_fixture")
    with pytest.raises(ValueError, match="invalid assignment id"):
        load_key("fixture_assignments.tiny_fixture")


@pytest.mark.parametrize("package", ["no_such_package", "a..b"])
def test_a_variable_naming_no_package_is_a_clear_error(monkeypatch, package):
    monkeypatch.setenv(PACKAGE_ENV, package)
    assert load_assignment("ex01_class_weights").assignment_id == "ex01_class_weights"  # not needed
    with pytest.raises(ValueError, match=f"IMBALANCE_LAB_ASSIGNMENTS='{package}' names no importable package"):
        load_key("tiny_fixture")


def test_an_assignment_that_imports_something_missing_says_so(tmp_path):
    (tmp_path / "course_keys").mkdir()
    (tmp_path / "course_keys" / "__init__.py").write_text("")
    (tmp_path / "course_keys" / "ps1.py").write_text("import no_such_dependency\n")
    code = "from grader.contract import load_key; load_key('ps1')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path),
                               PACKAGE_ENV: "course_keys"})
    assert "No module named 'no_such_dependency'" in proc.stderr, proc.stderr[-500:]
