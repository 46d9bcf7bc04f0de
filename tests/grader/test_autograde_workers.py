"""Grading workers under each start method: fork, forkserver (Python 3.14's default on Linux) and
spawn. Workers inherit nothing from the batch but what it hands them: the task, the environment,
and what they import. ``$IMBALANCE_LAB_MP_START`` picks the method; each test here sets its own
(other grading tests use Python's default; scripts/test.sh runs the ``grading_workers`` ones again
under forkserver)."""
import json
import multiprocessing.forkserver
import os
import subprocess

import nbformat
import pytest

import grader.autograde as A
from grader import sandbox

from fixture_assignments import tiny_fixture as T

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]
HARDCODED = {"answer_share": "def share(a, b):\n    return 0.75", "answer_ratio": "ratio = 3.0"}


def _course(root, students: dict):
    T.write_course(root)
    for sid, answers in students.items():
        path = root / "subs" / sid / "tiny_fixture.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(T.submission(answers), path)
    return root


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_a_class_is_graded_alike_under_each_start_method(tmp_path, monkeypatch, method):
    course = _course(tmp_path, {"ok": T.CORRECT, "hardcoded": HARDCODED})
    monkeypatch.setenv(A.START_METHOD_ENV, method)
    records = A.autograde("tiny_fixture", course / "subs", course_dir=course, workers=2,
                          progress=False)
    assert {sid: (r["status"], r["score"]) for sid, r in records.items()} == {
        "ok": ("graded", 3.0), "hardcoded": ("graded", 0.0)}


@pytest.mark.skipif(os.geteuid() != 0, reason="uids are leased only as root")
def test_workers_get_the_environment_of_the_batch_not_of_an_older_forkserver(tmp_path, monkeypatch):
    course = _course(tmp_path, {"ok": T.CORRECT})
    monkeypatch.setenv(A.START_METHOD_ENV, "forkserver")
    multiprocessing.forkserver.ensure_running()  # started now, with the environment of now
    monkeypatch.setenv("IMBALANCE_LAB_SANDBOX_UIDS", "not-a-range")  # read by the worker's lease
    with pytest.raises(sandbox.SandboxUnavailable, match="not a range"):
        A.autograde("tiny_fixture", course / "subs", course_dir=course, workers=1, progress=False)


def test_an_unknown_start_method_is_a_clear_error(tmp_path, monkeypatch):
    course = _course(tmp_path, {"ok": T.CORRECT})
    monkeypatch.setenv(A.START_METHOD_ENV, "thread")
    with pytest.raises(ValueError, match=r"\$IMBALANCE_LAB_MP_START='thread' is not a start method"):
        A.autograde("tiny_fixture", course / "subs", course_dir=course, progress=False)
    assert not (course / "gradebook.db").exists()  # refused before any work


def test_a_key_that_does_not_load_in_a_worker_is_reported_as_the_graders_failure(tmp_path):
    course = _course(tmp_path / "course", {"ok": T.CORRECT})
    keys = tmp_path / "keys" / "flaky_keys"
    keys.mkdir(parents=True)
    (keys / "__init__.py").write_text("")
    (keys / "tiny_fixture.py").write_text(
        "import multiprocessing\n"
        "if multiprocessing.parent_process() is not None:\n"
        "    raise ImportError('this key does not load in a worker')\n"
        "from fixture_assignments.tiny_fixture import *  # noqa: F401,F403\n")
    proc = T.course_process("autograde", "tiny_fixture", "--submissions", str(course / "subs"),
                            "--course-dir", str(course), "--workers", "1", "--json",
                            str(course / "results.json"),
                            env={"PYTHONPATH": str(tmp_path / "keys"), A.START_METHOD_ENV: "spawn",
                                 "IMBALANCE_LAB_ASSIGNMENTS": "flaky_keys"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=300)
    record = json.loads((course / "results.json").read_text())["ok"]
    assert record["status"] == "error", (out, err[-2000:])
    assert "the grader failed on this submission (ImportError: this key does not load in a worker)" \
        in record["error"]
