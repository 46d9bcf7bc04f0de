"""`course check` gives the grade's verdict (issue 18): per question the points `course autograde`
gives, exit 0 exactly at full autograded marks, 1 below, 2 when it cannot check; renamed copies
are recognised from their metadata; the notebook's own check cells show the same and never stop
Run All, and do nothing while the notebook is graded."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from grader import demo
from grader.release import ROOT

COURSE = [sys.executable, "-m", "grader.cli"]


def _course(*args, cwd=None):
    return subprocess.run([*COURSE, *args], capture_output=True, text=True, cwd=cwd, timeout=900)


EXERCISES = ("ex01_class_weights", "ex02_labeling_plan", "ex03_three_wave_plan",
             "ex04_thresholds_and_calibration")
CORPUS = Path(__file__).parent / "corpus"


def load_corpus(aid):
    """tests/grader/corpus/<aid>.py: the reasonable alternatives (FULL) and near misses (PARTIAL)."""
    spec = importlib.util.spec_from_file_location(f"corpus_{aid}", CORPUS / f"{aid}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_corpus(course: Path, aid: str) -> dict:
    """Every corpus entry handed in as the released notebook with the solution's other answers:
    student id -> (kind, label, expected points or None for full marks)."""
    solution = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    own = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
           if c.cell_type == "code" and c.metadata["nbgrader"]["solution"]}
    released = nbformat.read(course / "exercises" / aid / f"{aid}.ipynb", as_version=4)
    corpus, entries = load_corpus(aid), {}
    for kind in ("FULL", "PARTIAL"):
        for i, (label, (answers, points, _)) in enumerate(getattr(corpus, kind).items()):
            sid = f"corpus_{kind.lower()}_{i:02d}"
            path = course / "submitted" / sid / aid / f"{aid}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(demo.sample_notebook(released, {**own, **answers}), path)
            entries[sid] = (kind, label, points)
    return entries


@pytest.fixture(scope="module", params=EXERCISES)
def graded_class(request, tmp_path_factory):
    """One class per exercise: its wrong-answer corpus (the demo's sample students) and its
    reasonable-alternatives corpus (tests/grader/corpus), graded in ONE `course autograde --json`
    batch; then each notebook checked once by `course check --json`."""
    aid = request.param
    course = demo.prepare_course(tmp_path_factory.mktemp(aid) / "course", [aid])
    subs = demo.write_submissions(course, aid, aid)
    corpus = _write_corpus(course, aid)
    out = course / "grades.json"
    res = _course("autograde", aid, "--submissions", str(subs), "--course-dir", str(course),
                  "--json", str(out), "--workers", "2")
    assert out.exists(), res.stderr
    graded = json.loads(out.read_text())
    paths = {sid: subs / sid / aid / f"{aid}.ipynb" for sid in graded}

    def check(sid):
        # a renamed copy elsewhere: the assignment comes from the metadata, not the file name
        copy = course / "elsewhere" / f"Copy of {aid} ({sid}).ipynb"
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(paths[sid], copy)
        return sid, _course("check", "--json", str(copy), "--course-dir", str(course))

    with ThreadPoolExecutor(2) as pool:
        checked = dict(pool.map(check, graded))
    return aid, graded, checked, corpus, subs


def test_check_gives_the_points_autograde_gives(graded_class):
    aid, graded, checked, corpus, _ = graded_class
    assert set(demo.SAMPLES[aid]) | set(corpus) == set(graded)
    for sid, record in graded.items():
        res = checked[sid]
        if res.returncode == 2:  # could not check: a file grading could not read either
            assert record["status"] == "error" and record["score"] == 0, (sid, res.stdout)
            assert json.loads(res.stdout)["status"] == "could_not_check"
            continue
        got = json.loads(res.stdout)
        assert set(got) >= {"score", "max_score", "questions"}
        points = {g: q["points"] for g, q in got["questions"].items()}
        differ = {g: {"check": q, "autograde": record["questions"][g]} for g, q in got["questions"].items()
                  if q["points"] != record["questions"][g]["points"]}
        assert points == {g: q["points"] for g, q in record["questions"].items()}, (sid, differ)
        full = record["score"] == record["max_score"]
        assert res.returncode == (0 if full else 1), (sid, record["score"], res.returncode)
        for g, q in got["questions"].items():
            assert q["max_points"] == record["questions"][g]["max_points"]
            if q["points"] < q["max_points"]:
                assert q["feedback"], (sid, g)


def test_the_sandbox_grades_every_corpus_entry_like_the_key(graded_class):
    """The corpus in the real batch (tests/grader/test_reasonable_answers.py runs it in-process):
    every reasonable alternative earns full marks, every near miss exactly its listed points."""
    aid, graded, _, corpus, _ = graded_class
    wrong = {}
    for sid, (kind, label, points) in corpus.items():
        got = {g: q["points"] for g, q in graded[sid]["questions"].items()}
        want = {g: q["max_points"] for g, q in graded[sid]["questions"].items()} | (points or {})
        if got != want:
            wrong[label] = graded[sid]["questions"]
    assert not wrong, wrong


@pytest.mark.parametrize("aid, manual", [("ex02_labeling_plan", "q6_selection_criteria"),
                                         ("ex03_three_wave_plan", "q6_selection_rules")])
def test_terminal_report_one_line_per_question_and_pending_manual_points(tmp_path, aid, manual):
    course = demo.prepare_course(tmp_path / "course", [aid])
    subs = demo.write_submissions(course, aid, aid)
    res = _course("check", str(subs / "alice_correct" / aid / f"{aid}.ipynb"), "--course-dir", str(course))
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    from grader.contract import load_assignment

    for q in load_assignment(aid).questions:
        assert sum(line.startswith(f"{q.grade_id}:") for line in lines) == 1, q.grade_id
    assert f"{manual}: 2 points, graded by hand after you submit (pending)" in lines
    assert "public test" not in res.stdout
    assert len([line for line in lines if line.startswith("  - ")]) == len(
        set(line for line in lines if line.startswith("  - ")))


def test_cannot_check_exits_2(tmp_path):
    bad = tmp_path / "x.ipynb"
    bad.write_text('{"cells": [')
    res = _course("check", str(bad))
    assert res.returncode == 2 and "not valid JSON" in res.stderr


def test_check_cells_do_nothing_while_graded_and_learner_imports_no_grader(tmp_path):
    code = ("import sys, os\n"
            "os.environ['NBGRADER_EXECUTION'] = 'autograde'\n"
            "import subprocess; subprocess.run = None  # a check would fail loudly here\n"
            "from learner.check import check, total\n"
            "check('q2_rounded_weights'); total()\n"
            "loaded = [m for m in sys.modules if m == 'grader' or m.startswith('grader.')]\n"
            "assert not loaded, loaded\n"
            "print('quiet')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "quiet\n"


def _executed(path: Path, monkeypatch):
    """Run the notebook top to bottom in a real kernel, as Run All in JupyterLab does: nbclient
    stops at an error unless the cell is tagged raises-exception, like JupyterLab."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))  # the kernel knows its notebook, as in Lab
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    NotebookClient(nb, kernel_name="python3", timeout=600,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


#: Per exercise, sample students who lose points in several questions (and fail visible tests).
RUN_ALL = {"ex01_class_weights": ("frank_hardcoded", "carol_partly"),
           "ex02_labeling_plan": ("erin_percent",),
           "ex03_three_wave_plan": ("dave_one_source",),
           "ex04_thresholds_and_calibration": ("dave_strict_greater",)}


def test_run_all_reaches_the_end_and_shows_every_lost_points_feedback(graded_class, monkeypatch):
    """Run All in a real kernel stops only where an answer cell raises (none does here), and the
    check cells show every question's points and the feedback of those that lost points."""
    aid, _, checked, _, subs = graded_class
    assert set(RUN_ALL) == set(EXERCISES)
    for sid in RUN_ALL[aid]:
        expected = json.loads(checked[sid].stdout)
        nb = _executed(subs / sid / aid / f"{aid}.ipynb", monkeypatch)  # raises if an untagged cell raised
        text = {c.id: "".join(o.get("text", "") for o in c.outputs) for c in nb.cells if c.cell_type == "code"}
        assert "Total:" in text["check_total"] and "To submit" in text["check_total"], sid
        # run as saved: no check warns that the file differs from what the kernel ran
        assert not [c for c, t in text.items() if c.startswith("check_") and "Warning" in t], sid
        assert any(q["points"] < q["max_points"] for q in expected["questions"].values()), sid
        for gid, q in expected["questions"].items():
            shown = text[f"check_{gid}"]
            assert f"{gid}: {q['points']:g} / {q['max_points']:g} points" in shown, (sid, shown)
            if q["points"] < q["max_points"]:
                # two checks, two draws: the numbers of the fresh re-runs may differ, not the words
                for f in q["feedback"]:
                    assert _words(f) in _words(shown), (sid, gid, f, shown)


def _words(text: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "#", text)


PROJECTS = ("project_rare_entities", "project_rare_intents", "project_toxicity")


def test_a_projects_check_shows_form_and_validation_scores_and_that_points_come_at_grading(tmp_path):
    """Issue 18.1: a question judged on a project's hidden test set gets no points from the
    check, but whether the answer ran, the same measure on the learner's own validation data, and
    plainly that the points come at grading. Each solution, and one unanswered stub."""
    from grader.commands.check import READABLE
    from grader.contract import load_assignment

    def check(which):
        aid, folder = which
        path = tmp_path / f"{folder}_{aid}.ipynb"
        shutil.copy(ROOT / folder / aid / f"{aid}.ipynb", path)
        return which, _course("check", "--json", str(path), "--course-dir", str(ROOT))

    todo = [(aid, "solutions") for aid in PROJECTS] + [("project_rare_intents", "exercises")]
    with ThreadPoolExecutor(2) as pool:
        results = dict(pool.map(check, todo))
    later = ("the points come at grading, on the hidden test set (a score on your validation data "
             "is a guide, not the grade)")
    for (aid, folder), res in results.items():
        got = json.loads(res.stdout)
        hidden = {q.grade_id for q in load_assignment(aid).questions if q.hidden_test}
        assert hidden and hidden <= set(got["questions"]), aid
        shown = {g: q for g, q in got["questions"].items() if g not in hidden}
        assert got["score"] == sum(q["points"] for q in shown.values())
        for gid in hidden:
            q = got["questions"][gid]
            assert q["points"] is None and q["feedback"][-1] == later, (aid, gid, q)
            on_val = [f for f in q["feedback"] if f.startswith("on your validation data: ")]
            if folder == "solutions":
                assert q["feedback"][0] == READABLE and len(on_val) == 1, (aid, gid, q)
                assert "target" in on_val[0] and "reached" in on_val[0], on_val
            else:  # nothing to measure: said so, and no validation score is made up
                assert q["feedback"][0].startswith("the grader could not judge"), q
                assert not on_val, q
        full = folder == "solutions" and all(q["points"] == q["max_points"] for q in shown.values())
        assert res.returncode == (0 if full else 1), (aid, folder, res.returncode)
