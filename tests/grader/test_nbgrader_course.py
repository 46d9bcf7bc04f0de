"""`course autograde` in a course made by `nbgrader quickstart`: assignments without a key,
graded the nbgrader way, in the sandbox, into the course's own gradebook (issue 19).

The course is nbgrader's own quickstart (ps1: two notebooks, fractional points, manually graded
answers, a task, an image) plus two assignments of our own: ps2 (a data file read by relative
path, a hidden test, a partial-credit test) and ps0 (one cell). Submissions are nbgrader's
released copies, the source solutions, and edited ones.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.cli import main
from grader.nbgrader_course import load_course

pytestmark = pytest.mark.slow
V4 = nbformat.v4


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _notebook(cells):
    nb = V4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def ps2_source():
    """A data file read by relative path, a hidden test, a test that outputs partial credit."""
    return _notebook([
        V4.new_markdown_cell("Read `data/values.txt`.", metadata=_meta("intro", locked=True)),
        V4.new_code_cell("def load():\n    ### BEGIN SOLUTION\n    with open('data/values.txt') as f:\n"
                         "        return [int(x) for x in f.read().split()]\n    ### END SOLUTION",
                         metadata=_meta("answer_load", solution=True)),
        V4.new_code_cell("assert len(load()) == 4\n### BEGIN HIDDEN TESTS\nassert load() == [3, 1, 4, 1]\n"
                         "### END HIDDEN TESTS", metadata=_meta("test_load", grade=True, points=2)),
        V4.new_code_cell("def total(xs):\n    ### BEGIN SOLUTION\n    return sum(xs)\n    ### END SOLUTION",
                         metadata=_meta("answer_total", solution=True)),
        V4.new_code_cell("cases = [([1, 2], 3), ([], 0), ([5], 5), ([2, 2], 4)]\n"
                         "sum(total(xs) == want for xs, want in cases) * 0.75",
                         metadata=_meta("test_total", grade=True, points=3)),
    ])


def ps0_source():
    """A one-cell assignment: a test cell that prints and shows its partial credit."""
    return _notebook([V4.new_code_cell("print('checked')\n0.5", metadata=_meta("only", grade=True,
                                                                               points=1))])


def ps3_source():
    """An assignment the course grades with a key of its own (``grader_keys/ps3``)."""
    return _notebook([
        V4.new_code_cell("### BEGIN SOLUTION\nratio = 0.75\n### END SOLUTION",
                         metadata=_meta("answer_ratio", solution=True)),
        V4.new_code_cell("assert ratio > 0", metadata=_meta("test_ratio", grade=True, points=1)),
    ])


PS3_KEY = '''
from grader.contract import Assignment, AssignmentKey, Notebook, Question
from grader.spec import Verdict

ASSIGNMENT = Assignment("ps3", notebooks=[Notebook("ratio", questions=[
    Question("test_ratio", 1, reads=("answer_ratio",))])])


def _ratio(runs, points):
    right = runs[0].answers["ratio"] == 0.75
    return Verdict(points if right else 0.0, points, [] if right else ["the key says: not 3/4"])


KEY = AssignmentKey(answers=("ratio",), parameter_sets=lambda rng: [{}], probes=lambda rng: {},
                    grade={"test_ratio": _ratio})
'''


def ps4_source():
    """A locked parameters cell with value ranges in parameters.yml (fresh re-runs)."""
    params = V4.new_code_cell("n = 3", metadata=_meta("params", locked=True))
    params.metadata["tags"] = ["parameters"]
    return _notebook([
        params,
        V4.new_code_cell("### BEGIN SOLUTION\nsquare = n * n\n### END SOLUTION",
                         metadata=_meta("answer_square", solution=True)),
        V4.new_code_cell("assert square == n ** 2", metadata=_meta("test_square", grade=True, points=1)),
    ])


def _nbgrader(*args, cwd):
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=300)


def _submit(course: Path, student: str, assignment: str, notebooks: dict):
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")


def _released(course, assignment, name):
    return nbformat.read(course / "release" / assignment / f"{name}.ipynb", as_version=4)


def _with(nb, grade_id, source):
    """``nb`` with the cell ``grade_id``'s source replaced (what a student's edit does)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = source
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    top = tmp_path_factory.mktemp("nbgrader")
    _nbgrader("quickstart", "course101", cwd=top)
    root = top / "course101"
    (root / "source" / "ps2" / "data").mkdir(parents=True)
    nbformat.write(ps2_source(), root / "source" / "ps2" / "analysis.ipynb")
    (root / "source" / "ps2" / "data" / "values.txt").write_text("3 1 4 1\n")
    (root / "source" / "ps0").mkdir()
    nbformat.write(ps0_source(), root / "source" / "ps0" / "one.ipynb")
    # ps0 was due long ago, and the course gives late work zero (nbgrader's own plugin)
    _nbgrader("db", "assignment", "add", "ps0", "--duedate=2020-01-01 00:00:00 UTC", cwd=root)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    (root / "source" / "ps3").mkdir()
    nbformat.write(ps3_source(), root / "source" / "ps3" / "ratio.ipynb")
    (root / "grader_keys" / "ps3").mkdir(parents=True)
    (root / "grader_keys" / "__init__.py").write_text("")
    (root / "grader_keys" / "ps3" / "__init__.py").write_text(PS3_KEY)
    (root / "source" / "ps4").mkdir()
    nbformat.write(ps4_source(), root / "source" / "ps4" / "squares.ipynb")
    (root / "source" / "ps4" / "parameters.yml").write_text("runs: 2\nparameters:\n  n: [4, 50]\n")
    for assignment in ("ps1", "ps2", "ps0", "ps3", "ps4"):
        _nbgrader("generate_assignment", assignment, cwd=root)

    p1, p2 = (_released(root, "ps1", n) for n in ("problem1", "problem2"))
    s1, s2 = (nbformat.read(root / "source" / "ps1" / f"{n}.ipynb", as_version=4)
              for n in ("problem1", "problem2"))
    answer = "def squares(n):\n    if n < 1:\n        raise ValueError()\n    return [i * i for i in range(1, n + 1)]"
    _submit(root, "stub", "ps1", {"problem1": p1, "problem2": p2})
    _submit(root, "good", "ps1", {"problem1": s1, "problem2": s2})
    # an error in one answer: the tests that use it fail, the others still run
    _submit(root, "broken", "ps1", {"problem1": _with(s1, "sum_of_squares", "def sum_of_squares(n):\n    return sum(squares(n)"),
                                    "problem2": s2})
    # wrong answer, then the test cell and a locked cell edited to pass: both are restored
    cheat = _with(_with(p1, "squares", "def squares(n):\n    return [1]"), "correct_squares", "pass")
    cheat = _with(cheat, "jupyter", "# all good")
    _submit(root, "cheat", "ps1", {"problem1": cheat})  # and problem2 not handed in
    # only problem1 answered: problem2 missing
    _submit(root, "half", "ps1", {"problem1": _with(p1, "squares", answer)})

    r2 = _released(root, "ps2", "analysis")
    load_ok = "def load():\n    with open('data/values.txt') as f:\n        return [int(x) for x in f.read().split()]"
    _submit(root, "good", "ps2", {"analysis": _with(_with(r2, "answer_load", load_ok), "answer_total",
                                                    "def total(xs):\n    return sum(xs)")})
    # passes the visible test (4 values) but not the hidden one; total right on 2 of 4 cases
    _submit(root, "partial", "ps2", {"analysis": _with(_with(r2, "answer_load", "def load():\n    return [0, 0, 0, 0]"),
                                                       "answer_total", "def total(xs):\n    return sum(xs) if len(xs) == 2 else -1")})
    _submit(root, "stub", "ps0", {"one": _released(root, "ps0", "one")})
    r4 = _released(root, "ps4", "squares")
    _submit(root, "general", "ps4", {"squares": _with(r4, "answer_square", "square = n ** 2")})
    _submit(root, "typed_in", "ps4", {"squares": _with(r4, "answer_square", "square = 9")})
    r3 = _released(root, "ps3", "ratio")
    _submit(root, "right", "ps3", {"ratio": _with(r3, "answer_ratio", "ratio = 3 / 4")})
    _submit(root, "wrong", "ps3", {"ratio": _with(r3, "answer_ratio", "ratio = 2.0")})
    return root


def _grade(root: Path, assignment: str, monkeypatch, capsys, *extra) -> dict:
    monkeypatch.chdir(root)  # from inside the course directory, as an instructor runs it
    out = root / f"{assignment}.json"
    assert main(["autograde", assignment, "--workers", "2", "--json", str(out), *extra]) == 0, capsys.readouterr()
    return json.loads(out.read_text())


def _points(result, student):
    return {g: q["points"] for g, q in result[student]["questions"].items()}


def test_the_course_is_found_as_nbgrader_finds_it(course, monkeypatch):
    monkeypatch.chdir(course)
    found = load_course()
    assert (found.root, found.course_id) == (course, "course101")
    assert found.submitted == course / "submitted" and found.db_url == f"sqlite:///{course}/gradebook.db"


def test_quickstart_ps1_per_cell_scores(course, monkeypatch, capsys):
    result = _grade(course, "ps1", monkeypatch, capsys)
    tests = ["correct_squares", "squares_invalid_input", "correct_sum_of_squares", "sum_of_squares_uses_squares"]
    assert {s: _points(result, s) for s in result} == {
        "good": dict(zip(tests, [1.0, 1.0, 0.5, 0.5])),
        "stub": dict(zip(tests, [0.0, 0.0, 0.0, 0.0])),
        # nbgrader's own test passes when sum_of_squares is undefined (it expects a NameError)
        "broken": dict(zip(tests, [1.0, 1.0, 0.0, 0.5])),
        "cheat": dict(zip(tests, [0.0, 0.0, 0.0, 0.0])),
        "half": dict(zip(tests, [1.0, 1.0, 0.0, 0.0])),
    }
    assert result["cheat"]["status"] == "graded"  # a notebook not handed in is nbgrader's zero
    assert "NameError" in result["broken"]["questions"]["correct_sum_of_squares"]["feedback"][0]
    # both notebooks of each student are autograded, sanitised, beside each other
    assert sorted(p.name for p in (course / "autograded" / "good" / "ps1").glob("*.ipynb")) == [
        "problem1.ipynb", "problem2.ipynb"]


def test_edited_test_and_locked_cells_are_restored(course, monkeypatch, capsys):
    _grade(course, "ps1", monkeypatch, capsys)
    nb = nbformat.read(course / "autograded" / "cheat" / "ps1" / "problem1.ipynb", as_version=4)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    assert cells["correct_squares"].source.startswith('"""Check that squares returns')
    assert "For this problem set" in cells["jupyter"].source and "all good" not in cells["jupyter"].source
    assert any(o.get("ename") == "AssertionError" for o in cells["correct_squares"].outputs)


def test_gradebook_has_nbgraders_per_cell_grades(course, monkeypatch, capsys):
    from nbgrader.api import Gradebook

    _grade(course, "ps1", monkeypatch, capsys)
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        good = {g.name: g for nb in gb.find_submission("ps1", "good").notebooks for g in nb.grades}
        stub = {g.name: g for nb in gb.find_submission("ps1", "stub").notebooks for g in nb.grades}
        cheat = {g.name: g for nb in gb.find_submission("ps1", "cheat").notebooks for g in nb.grades}
        stub_comments = {c.name: c.auto_comment for nb in gb.find_submission("ps1", "stub").notebooks
                         for c in nb.comments}
    assert (good["correct_sum_of_squares"].auto_score, good["correct_sum_of_squares"].needs_manual_grade) == (0.5, False)
    # an answered written answer waits for formgrader; one left as released is 0, as nbgrader gives
    assert (good["part-a"].auto_score, good["part-a"].needs_manual_grade) == (None, True)
    assert (stub["part-a"].auto_score, stub["part-a"].needs_manual_grade) == (0.0, False)
    assert stub_comments["squares"] == "No response."
    assert cheat["part-b"].auto_score == 0.0  # problem2 was not handed in: all its cells are 0
    assert good["cell-938593c4a215c6cc"].auto_score is None  # the task: graded by hand


def test_data_file_hidden_test_and_partial_credit(course, monkeypatch, capsys):
    result = _grade(course, "ps2", monkeypatch, capsys)
    assert _points(result, "good") == {"test_load": 2.0, "test_total": 3.0}
    partial = result["partial"]["questions"]
    assert partial["test_load"]["points"] == 0  # the hidden test, restored from the gradebook
    assert partial["test_total"]["points"] == 1.5 and "partial credit" in partial["test_total"]["feedback"][0]


def test_one_cell_assignment_of_ones_own(course, monkeypatch, capsys):
    result = _grade(course, "ps0", monkeypatch, capsys)
    assert result["stub"]["questions"] == {"only": {"points": 0.5, "max_points": 1.0,
                                                    "feedback": ["partial credit: the test showed 0.5"]}}


def test_rerun_resumes_and_feedback_export_work(course, monkeypatch, capsys, tmp_path):
    first = _grade(course, "ps0", monkeypatch, capsys)
    stored = json.loads((course / "grader_results" / "ps0" / "stub.json").read_text())
    again = _grade(course, "ps0", monkeypatch, capsys)
    assert again == first
    assert json.loads((course / "grader_results" / "ps0" / "stub.json").read_text())["seconds"] == stored["seconds"]
    assert main(["export", "-o", str(tmp_path / "grades.csv")]) == 0
    assert "ps0,stub,0.5" in (tmp_path / "grades.csv").read_text()


def test_feedback_and_report_work_on_an_nbgrader_assignment(course, monkeypatch, capsys):
    _grade(course, "ps1", monkeypatch, capsys)
    assert main(["feedback", "ps1"]) == 0
    pages = sorted((course / "feedback" / "good" / "ps1").glob("*.html"))
    assert [p.name for p in pages] == ["problem1.html", "problem2.html"]
    assert "Feedback: 3 / 3 points" in pages[0].read_text()
    assert main(["report", "ps1"]) == 0
    report = (course / "reports" / "ps1" / "report.html").read_text()
    assert "correct_squares" in report and "part-a" in report


def test_late_work_gets_nbgraders_penalty_from_the_trusted_time(course, monkeypatch, capsys):
    from nbgrader.api import Gradebook

    result = _grade(course, "ps0", monkeypatch, capsys)
    assert result["stub"]["score"] == 0.5  # the grade itself; the penalty is the gradebook's
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        sub = gb.find_submission("ps0", "stub")
        assert sub.total_seconds_late > 0
        assert [nb.late_submission_penalty for nb in sub.notebooks] == [0.5]
        ps1 = gb.find_submission("ps1", "good")  # no due date: no penalty
        assert all(nb.late_submission_penalty is None for nb in ps1.notebooks)


def test_a_course_grades_with_its_own_key(course, monkeypatch, capsys):
    from grader.contract import COURSE_KEYS_ENV

    monkeypatch.setenv(COURSE_KEYS_ENV, "")  # restored after the test: the command sets it
    result = _grade(course, "ps3", monkeypatch, capsys)
    assert _points(result, "right") == {"test_ratio": 1.0}
    # the visible test passes; the course's key decides
    assert result["wrong"]["questions"]["test_ratio"] == {
        "points": 0.0, "max_points": 1.0, "feedback": ["the key says: not 3/4"]}
    assert (course / "autograded" / "wrong" / "ps3" / "ratio.ipynb").is_file()


def test_fresh_parameter_values_from_yaml_catch_typed_in_answers(course, monkeypatch, capsys):
    result = _grade(course, "ps4", monkeypatch, capsys)
    assert _points(result, "general") == {"test_square": 1.0}
    typed = result["typed_in"]["questions"]["test_square"]
    assert typed["points"] == 0
    assert "fresh values" in typed["feedback"][0] and "passed with the notebook's own values" in typed["feedback"][0]
