"""Batches are isolated, and failures of the grader's own machinery are never a student's error.

The sandbox's process limit counts every process of its uid on the host: batches that shared uids
(the old fixed 20000 + worker) let the students of one exhaust the processes of the other's.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

import grader.autograde as A
from grader import sandbox
from grader.cli import main
from grader.limits import Limits
from grader.runner import launch

from fixture_assignments import tiny_fixture as T

pytestmark = [pytest.mark.slow, pytest.mark.grading_workers,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]

# A student who takes every process the sandbox allows and keeps them (within the cell's time).
HOG = ("import os, time\n"
       "try:\n"
       "    while True:\n"
       "        if os.fork() == 0:\n"
       "            time.sleep(120); os._exit(0)\n"
       "except OSError:\n"
       "    pass\n"
       "time.sleep(25)\n"
       "ratio = round(n_a / n_b, 2)")


def _course(root: Path, students: dict) -> Path:
    T.write_course(root)
    for sid, answers in students.items():
        path = root / "subs" / sid / "tiny_fixture.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(T.submission(answers), path)
    return root


def _autograde(course: Path, *extra):
    return T.course_process("autograde", "tiny_fixture", "--submissions", str(course / "subs"),
                            "--course-dir", str(course), "--workers", "2",
                            "--json", str(course / "results.json"), *extra,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _full_uids(at_least: int) -> set[int]:
    """Unprivileged uids that hold at least ``at_least`` processes right now."""
    counts: dict[int, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as fh:
                uid = int(next(line for line in fh if line.startswith("Uid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            continue
        counts[uid] = counts.get(uid, 0) + 1
    return {u for u, n in counts.items() if n >= at_least and u not in (0, os.getuid())}


def test_a_batch_grades_while_another_batch_holds_every_process_it_may(tmp_path):
    hogs = _course(tmp_path / "hogs", {f"hog{i}": {**T.CORRECT, "answer_ratio": HOG} for i in range(2)})
    calm = _course(tmp_path / "calm", {f"s{i}": T.CORRECT for i in range(4)})
    busy = _autograde(hogs)
    try:
        deadline = time.monotonic() + 90
        held = Limits().processes - 2
        while len(_full_uids(held)) < 2 and busy.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_full_uids(held)) >= 2, "the hogs never held their processes"
        done = _autograde(calm)
        out, err = done.communicate(timeout=180)
        assert busy.poll() is None, "the hogs were still holding their processes"
    finally:
        os.killpg(busy.pid, signal.SIGKILL)
        busy.communicate()
    assert done.returncode == 0, err[-2000:]
    results = json.loads((calm / "results.json").read_text())
    assert {sid: (r["status"], r["score"], r["error"]) for sid, r in results.items()} == {
        f"s{i}": ("graded", 3.0, None) for i in range(4)}


def _squat(uid: int, n: int) -> list:
    """``n`` sleeping processes of ``uid``, once they run as it."""
    procs = [subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                               "sleep", "120"]) for _ in range(n)]
    while sum(uid == u for u in _process_uids()) < n:
        time.sleep(0.05)
    return procs


def _process_uids() -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as fh:
                found.append(int(next(line for line in fh if line.startswith("Uid:")).split()[1]))
        except (OSError, StopIteration, ValueError):
            pass
    return found


def _release(procs):
    for p in procs:
        p.kill()
        p.wait()


SPARE = 29_600  # uids outside the default range: nothing else on this host leases them


def test_a_sandbox_that_could_not_start_is_retried_on_another_uid(tmp_path):
    """Every process its uid may have is taken before the sandbox starts: our failure, not the
    student's; grading starts again on another uid."""
    T.write_course(tmp_path)
    nb = tmp_path / "s" / "tiny_fixture.ipynb"
    nb.parent.mkdir()
    nbformat.write(T.submission(T.CORRECT), nb)
    task = A.Task("tiny_fixture", "s", str(nb), str(tmp_path / "exercises" / "tiny_fixture" / nb.name))
    squatters = _squat(SPARE, Limits().processes)
    try:
        with pytest.raises(sandbox.InfrastructureError, match="before running any of the submission"):
            launch({"notebooks": [{"cells": []}], "nonce": "n", "expected": [], "extraction": ""},
                   uid=SPARE)
        record = A.grade_submission(task, uid=SPARE)
    finally:
        _release(squatters)
    assert (record["status"], record["score"]) == ("graded", 3.0), record["error"]


def test_a_grader_failure_is_reported_as_ours_and_not_stored(tmp_path, monkeypatch, capsys):
    course = _course(tmp_path, {"s": T.CORRECT})
    argv = ["autograde", "tiny_fixture", "--submissions", str(course / "subs"),
            "--course-dir", str(course), "--workers", "1"]
    monkeypatch.setenv("IMBALANCE_LAB_SANDBOX_UIDS", f"{SPARE}-{SPARE}")
    squatter = _squat(SPARE, 1)  # the only uid is in use: no sandbox can start
    try:
        assert main(argv) == 1
    finally:
        _release(squatter)
    out = capsys.readouterr().out
    assert "grader_error" in out and "problem on the grader's side (not the students')" in out
    assert not A.results_dir(course, "tiny_fixture").joinpath("s.json").exists()
    assert main(argv) == 0, "the next run grades the student, without --retry-errors"
    assert json.loads(A.results_dir(course, "tiny_fixture").joinpath("s.json").read_text())["score"] == 3


def test_a_dead_worker_costs_no_student_a_grade_unless_it_kills_two(tmp_path, monkeypatch):
    course = _course(tmp_path, {sid: T.CORRECT for sid in ("good", "flaky", "killer")})
    monkeypatch.setattr(A, "grade_submission", T.grade_or_die)
    records = A.autograde("tiny_fixture", course / "subs", course_dir=course, workers=2,
                          progress=False)
    assert (course / "feedback_artifacts" / "tiny_fixture" / "flaky.died").exists()
    assert {sid: r["status"] for sid, r in records.items()} == {
        "good": "graded", "flaky": "graded", "killer": "error"}
    assert records["killer"]["error"] == A.WORKER_DIED_TWICE
    stored = A.results_dir(course, "tiny_fixture")
    assert sorted(p.stem for p in stored.glob("*.json")) == ["flaky", "good", "killer"]
