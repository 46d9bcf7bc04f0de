"""End to end: grade a small class into the gradebook (tiny fixture assignment and ex01)."""
import csv
import json
from pathlib import Path

import nbformat
import pytest

from grader import demo
from grader.autograde import autograde
from grader.cli import main
from grader.gradebook import Gradebook, db_url_for

from fixture_assignments import tiny_fixture as T

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
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
    notes = [c.source for c in nb.cells if "<strong>Autograder, " in c.source]
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
    assert "public test" not in out and "total: 3 / 3" in out


#: ``course demo``'s sample classes and the scores their answers are built to earn.
DEMO_SCORES = {
    "ex01_class_weights": {"alice_correct": 7, "bob_numpy_pairs": 7, "carol_partly": 5, "dave_swapped": 0,
                           "erin_forgot_k": 2, "frank_hardcoded": 2, "grace_monkeypatch": 0,
                           "heidi_skip_tags": 3, "ivan_sys_exit": 5, "judy_kernel_crash": 0,
                           "mallory_broken_json": 0},
    "ex02_labeling_plan": {"alice_correct": 8, "bob_pool_shares": 7, "carol_typed_numbers": 2,
                           "dave_no_seeding": 4, "erin_percent": 3},
    "ex03_three_wave_plan": {"alice_correct": 11, "bob_random_only": 7, "carol_uncertainty_first": 10,
                             "dave_one_source": 7, "erin_typed_numbers": 2},
    "ex04_thresholds_and_calibration": {"alice_correct": 12, "bob_loop_isotonic": 12,
                                        "carol_tuned_on_test": 11, "dave_strict_greater": 8,
                                        "erin_recall_of_class_0": 8, "frank_calibrated_on_train": 10,
                                        "grace_temperature": 9},
}
#: The ex04 students' classic mistakes, and the feedback that names each.
EX04_MISTAKES = {"carol_tuned_on_test": ("q2_threshold_on_test", "tuned on the test split"),
                 "dave_strict_greater": ("q1_threshold_for_recall", "`score > t`"),
                 "erin_recall_of_class_0": ("q1_threshold_for_recall", "recall counts the wrong class"),
                 "frank_calibrated_on_train": ("q5_calibrated_test", "calibrated on the training split"),
                 "grace_temperature": ("q4_calibrate", "behaves like temperature scaling")}


def test_course_demo_grades_every_sample_class_and_writes_reports(tmp_path, capsys):
    """README's first command: a demo course, each exercise's sample class graded, one report each."""
    course = tmp_path / "demo_course"
    assert main(["demo", "--dir", str(course), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert set(demo.SAMPLES) == set(DEMO_SCORES)
    for aid, expected in DEMO_SCORES.items():
        records = json.loads((course / f"{aid}.results.json").read_text())
        # a student who handed in only other exercises is not listed (nbgrader's folder layout)
        assert {sid: r["score"] for sid, r in records.items()} == expected, aid
        assert (course / "reports" / aid / "report.html").is_file()
        assert f"class report: {course / 'reports' / aid / 'report.html'}" in out
    ex01 = json.loads((course / "ex01_class_weights.results.json").read_text())
    assert "hard-coded" in ex01["frank_hardcoded"]["questions"]["q2_rounded_weights"]["feedback"][0]
    assert ex01["judy_kernel_crash"]["status"] == "error" and "kernel died" in ex01["judy_kernel_crash"]["error"]
    assert ex01["mallory_broken_json"]["status"] == "error"
    ex03 = json.loads((course / "ex03_three_wave_plan.results.json").read_text())
    typed = ex03["erin_typed_numbers"]["questions"]["q1_wave_format"]["feedback"]
    assert len(typed) == 1 and "look hard-coded" in typed[0]
    ex04 = json.loads((course / "ex04_thresholds_and_calibration.results.json").read_text())
    for student, (gid, phrase) in EX04_MISTAKES.items():
        assert phrase in "\n".join(ex04[student]["questions"][gid]["feedback"]), student
    with Gradebook(db_url_for(course)) as gb:
        assert {a.name for a in gb.assignments} == set(DEMO_SCORES)
    # a folder that is not a demo course is refused, and left as it was
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    assert main(["demo", "--dir", str(tmp_path / "mine")]) == 2
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_gradebook_gets_the_collected_time_and_timestamp_txt_agrees(graded):
    """No exchange here: the time is the collected notebook's; formgrader counts a submission as
    autograded only when timestamp.txt equals the gradebook's, so it is rewritten to match."""
    from datetime import datetime

    root, records, _ = graded
    folder = root / "submitted" / "ok" / "tiny_fixture"
    assert (folder / "timestamp.claimed.txt").read_text() == "2026-11-20 09:30:00.000000 UTC"
    with Gradebook(db_url_for(root, None)) as gb:
        for sid in ("ok", "hardcoded"):  # hardcoded handed in no timestamp.txt
            stamp = gb.find_submission("tiny_fixture", sid).timestamp
            assert records[sid]["submitted_at_source"] == "collected"
            assert stamp == datetime.fromisoformat(records[sid]["submitted_at"].rstrip("Z"))
            assert (root / "submitted" / sid / "tiny_fixture" / "timestamp.txt").read_text() == \
                records[sid]["timestamp"] == f"{stamp:%Y-%m-%d %H:%M:%S.%f} UTC"


def test_discover_skips_students_who_handed_in_only_other_assignments(tmp_path):
    from grader.autograde import discover

    def touch(rel):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")

    touch("both/ex01/ex01.ipynb")
    touch("both/ex02/ex02.ipynb")
    touch("only_ex01/ex01/ex01.ipynb")                 # did not hand in ex02: not listed
    touch("misnamed/ex02/ex02 (1).ipynb")              # handed in ex02 under another name
    touch("flat/ex02.ipynb")
    touch("flat_misnamed/Copy of ex02.ipynb")
    (tmp_path / "empty").mkdir()                        # an empty hand-in is reported
    found = {sid: (path, problem) for sid, path, problem in discover(tmp_path, "ex02", "ex02")}
    assert set(found) == {"both", "misnamed", "flat", "flat_misnamed", "empty"}
    assert found["both"] == (tmp_path / "both/ex02/ex02.ipynb", None)
    assert found["flat"] == (tmp_path / "flat/ex02.ipynb", None)
    assert "found ex02 (1).ipynb; rename the file" in found["misnamed"][1]
    assert "rename the file" in found["flat_misnamed"][1]
    assert found["empty"][0] is None and "no ex02.ipynb" in found["empty"][1]
