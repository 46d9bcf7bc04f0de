"""End to end: grade a small class into the gradebook (tiny fixture assignment and ex01)."""
import csv
import json
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
import tiny_assignment as T  # noqa: E402

from grader import demo  # noqa: E402
from grader.autograde import autograde  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.gradebook import Gradebook, db_url_for  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    T.install()
    root = tmp_path_factory.mktemp("course")
    T.write_course(root)
    subs = root / "submitted"
    class_ = {"ok": T.submission(T.CORRECT),
              "hardcoded": T.submission({"answer_share": "def share(a, b):\n    return 0.75",
                                         "answer_ratio": "ratio = 3.0"}),
              "deleted": T.submission(T.CORRECT, drop=("test_share",))}
    for sid, nb in class_.items():
        path = subs / sid / "tiny_fixture" / "tiny_fixture.ipynb"  # nbgrader's submitted/ layout
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    (subs / "ok" / "tiny_fixture" / "timestamp.txt").write_text("2026-11-20 09:30:00.000000 UTC")
    (subs / "badjson").mkdir()
    (subs / "badjson" / "tiny_fixture.ipynb").write_text('{"cells": [')
    (subs / "wrongname").mkdir()
    (subs / "wrongname" / "tiny (1).ipynb").write_text("{}")
    out = root / "results.json"
    records = autograde("tiny_fixture", subs, course_dir=root, workers=2, json_path=out,
                        progress=False)
    return root, records, json.loads(out.read_text())


def test_json_results_per_student(graded):
    _, _, results = graded
    assert set(results) == {"ok", "hardcoded", "deleted", "badjson", "wrongname"}
    ok = results["ok"]
    assert (ok["score"], ok["max_score"], ok["status"], ok["error"]) == (3.0, 3.0, "graded", None)
    assert set(ok["questions"]) == {"test_ratio", "test_share"}
    assert results["hardcoded"]["score"] == 0 and results["hardcoded"]["status"] == "graded"
    assert "every class size" in results["hardcoded"]["questions"]["test_ratio"]["feedback"][0]
    deleted = results["deleted"]["questions"]
    assert deleted["test_ratio"]["points"] == 2 and deleted["test_share"]["points"] == 0
    assert "deleted" in deleted["test_share"]["feedback"][0]
    assert results["badjson"]["status"] == "error" and "not valid JSON" in results["badjson"]["error"]
    assert "rename the file" in results["wrongname"]["error"]


def test_gradebook_scores_and_manual_cells(graded):
    root, _, _ = graded
    with Gradebook(db_url_for(root)) as gb:
        sub = gb.find_submission("tiny_fixture", "ok")
        grades = {g.name: g for nb in sub.notebooks for g in nb.grades}
        assert grades["test_ratio"].auto_score == 2 and not grades["test_ratio"].needs_manual_grade
        assert grades["explain"].auto_score is None and grades["explain"].needs_manual_grade
        assert gb.find_submission("tiny_fixture", "hardcoded").score == 0
        assert gb.find_assignment("tiny_fixture").max_score == 4  # 3 autograded + 1 manual


def test_rerun_skips_graded_students(graded, capsys):
    root, records, _ = graded
    again = autograde("tiny_fixture", root / "submitted", course_dir=root, progress=False)
    assert again["ok"]["seconds"] == records["ok"]["seconds"]  # not regraded
    assert again["hardcoded"]["seconds"] == records["hardcoded"]["seconds"]
    # errors are kept (grading them again would spend the limits again) unless asked for
    assert again["badjson"] == records["badjson"]
    retried = autograde("tiny_fixture", root / "submitted", course_dir=root, progress=False,
                        retry_errors=True)
    assert retried["ok"]["seconds"] == records["ok"]["seconds"]
    assert retried["badjson"]["status"] == "error" and retried["badjson"] is not records["badjson"]


def test_autograded_notebook_feedback_and_export(graded, capsys):
    root, _, _ = graded
    nb = nbformat.read(root / "autograded" / "ok" / "tiny_fixture" / "tiny_fixture.ipynb", 4)
    notes = [c.source for c in nb.cells if c.source.startswith("**Autograder")]
    assert notes and "2 / 2 points" in notes[0]
    assert main(["feedback", "tiny_fixture", "--course-dir", str(root)]) == 0
    html = (root / "feedback" / "hardcoded" / "tiny_fixture" / "tiny_fixture.html").read_text()
    assert "every class size" in html and "rng.integers" not in html  # no key internals
    assert main(["export", "--course-dir", str(root), "-o", str(root / "g.csv")]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(root / "g.csv"))}
    assert float(rows["ok"]["score"]) == 3.0 and rows["ok"]["needs_manual_grade"] == "True"


def test_check_command_on_a_notebook(graded, capsys):
    root, _, _ = graded
    path = root / "submitted" / "ok" / "tiny_fixture" / "tiny_fixture.ipynb"
    assert main(["check", str(path), "--course-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "public test test_ratio: passed" in out and "3 / 3" in out


@pytest.mark.skipif(not (REPO / "exercises" / "ex01_class_weights").is_dir(),
                    reason="ex01 not released yet")
def test_ex01_sample_class(tmp_path):
    course = demo.prepare_course(tmp_path / "demo", ["ex01_class_weights"])
    picked = {k: demo.SAMPLES["ex01_class_weights"][k] for k in
              ("alice_correct", "frank_hardcoded", "grace_monkeypatch", "judy_kernel_crash",
               "mallory_broken_json")}
    released = nbformat.read(course / "exercises/ex01_class_weights/ex01_class_weights.ipynb", 4)
    for sid, answers in picked.items():
        path = course / "submitted" / sid / "ex01_class_weights.ipynb"
        path.parent.mkdir(parents=True)
        if "*json" in answers:
            path.write_text(answers["*json"])
        else:
            nbformat.write(demo.sample_notebook(released, answers), path)
    r = autograde("ex01_class_weights", course / "submitted", course_dir=course, workers=2,
                  progress=False)
    assert r["alice_correct"]["score"] == r["alice_correct"]["max_score"] == 7
    q2 = r["frank_hardcoded"]["questions"]["q2_rounded_weights"]
    assert q2["points"] == 0 and "hard-coded" in q2["feedback"][0]
    grace = r["grace_monkeypatch"]["questions"]
    assert grace["q1_inverse_frequency_weights"]["points"] == 0 and grace["q2_rounded_weights"]["points"] == 0
    assert r["judy_kernel_crash"]["status"] == "error" and "kernel died" in r["judy_kernel_crash"]["error"]
    assert r["mallory_broken_json"]["status"] == "error"


def test_gradebook_keeps_nbgraders_submission_timestamp(graded):
    """formgrader counts a submission as autograded only when the timestamps agree."""
    root, _, _ = graded
    with Gradebook(db_url_for(root, None)) as gb:
        assert str(gb.find_submission("tiny_fixture", "ok").timestamp) == "2026-11-20 09:30:00"
        assert gb.find_submission("tiny_fixture", "hardcoded").timestamp is None
