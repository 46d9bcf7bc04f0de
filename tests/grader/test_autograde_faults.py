"""Faults: dying kernels, malformed submissions, refusing without a sandbox, interrupted batches.

One batch grades every kind of broken submission next to a good one; the interruption tests kill
a real ``course autograde`` process group (SIGINT, SIGKILL) mid-batch and resume it.
"""
import gc
import json
import os
import signal
import subprocess
import time
import weakref

import nbformat
import pytest

import grader.autograde as A
from grader import gradebook, sandbox
from grader.cli import main

from fixture_assignments import tiny_fixture as T

pytestmark = [pytest.mark.slow, pytest.mark.grading_workers,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]
NB = "tiny_fixture.ipynb"


def _write(subs, sid, nb=None, raw=None, name=NB):
    path = subs / sid / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        path.write_bytes(raw)
    else:
        nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    T.write_course(course)
    subs = course / "submitted"
    _write(subs, "good", T.submission(T.CORRECT))
    _write(subs, "os_exit", T.submission({**T.CORRECT, "answer_ratio": "import os\nos._exit(3)"}))
    _write(subs, "segfault", T.submission({**T.CORRECT, "answer_ratio": "import ctypes\nctypes.string_at(0)"}))
    _write(subs, "oom_kill", T.submission({**T.CORRECT, "answer_ratio":
                                           "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"}))
    _write(subs, "invalid_json", raw=b'{"cells": [')
    _write(subs, "nbformat3", raw=json.dumps({"nbformat": 3, "cells": [], "metadata": {}}).encode())
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("ratio = 3.0")])
    _write(subs, "no_metadata", bare)
    _write(subs, "binary", raw=os.urandom(4096))
    _write(subs, "huge", raw=b"{" + b" " * (17 * 2**20) + b"}")
    real = _write(subs, "good", T.submission(T.CORRECT))
    (subs / "symlink").mkdir()
    os.symlink(real, subs / "symlink" / NB)
    os.symlink(subs / "good", subs / "linked_dir")
    _write(subs, "wrong_name", T.submission(T.CORRECT), name="Tiny Fixture (1).ipynb")
    (subs / "bad id!").mkdir()
    # 10**400 is a plain int the tiny key compares with math.isclose, which raises OverflowError:
    # a key that fails on one answer must cost only that student a result, not the batch
    _write(subs, "key_overflow", T.submission({**T.CORRECT, "answer_ratio": "ratio = 10**400"}))
    records = A.autograde("tiny_fixture", subs, course_dir=course, workers=2, progress=False)
    return course, records


@pytest.mark.parametrize("sid, words", [
    ("os_exit", "kernel died while running cell 'answer_ratio': it exited with status 3"),
    ("segfault", "SIGSEGV, a segmentation fault"),
    ("oom_kill", "probably for running out of memory"),
    ("invalid_json", "not valid JSON"), ("nbformat3", "nbformat 3"),
    ("no_metadata", "no nbgrader cell metadata"), ("binary", "not UTF-8"),
    ("huge", "over the 16 MiB limit"), ("symlink", "symbolic link"), ("linked_dir", "symbolic link"),
    ("wrong_name", "rename the file"), ("bad id!", "invalid student id"),
    ("key_overflow", "the grader failed on this submission (OverflowError"),
])
def test_each_fault_is_a_clear_per_student_error(broken, sid, words):
    _, records = broken
    r = records[sid]
    assert r["status"] == "error" and words in r["error"], r["error"]
    assert r["score"] == 0 and all(q["feedback"] for q in r["questions"].values())


def test_the_good_student_is_graded_in_the_same_batch(broken):
    course, records = broken
    assert records["good"]["score"] == 3 and records["good"]["status"] == "graded"
    assert records["os_exit"]["questions"]["test_share"]["points"] == 0  # cells after the crash never ran


def test_refuses_without_sandbox_unless_unsafe(broken, monkeypatch, capsys):
    course, _ = broken
    monkeypatch.setattr(A, "sandbox_problem", lambda: "bwrap: no permissions to create a namespace")
    with pytest.raises(sandbox.SandboxUnavailable, match="--unsafe-no-sandbox"):
        A.autograde("tiny_fixture", course / "submitted", course_dir=course, force=True, progress=False)
    args = ["autograde", "tiny_fixture", "--submissions", str(course / "submitted"),
            "--course-dir", str(course)]
    assert main(args) == 2 and "refusing to grade" in capsys.readouterr().err
    unsafe = course / "unsafe_only"
    _write(unsafe, "good", T.submission(T.CORRECT))
    r = A.autograde("tiny_fixture", unsafe, course_dir=course, force=True, progress=False,
                    unsafe_no_sandbox=True)
    assert r["good"]["score"] == 3


def test_main_process_keeps_no_executed_notebooks(tmp_path, monkeypatch):
    T.write_course(tmp_path)
    for i in range(6):
        _write(tmp_path / "subs", f"s{i}", T.submission({**T.CORRECT, "answer_ratio":
                                                          "print('z' * 15000)\nratio = round(n_a / n_b, 2)"}))
    alive, seen = [], []
    real_writes = nbformat.writes

    def spy(nb, *a, **k):
        gc.collect()
        alive.append(sum(ref() is not None for ref in seen))
        seen.append(weakref.ref(nb))
        return real_writes(nb, *a, **k)

    monkeypatch.setattr(nbformat, "writes", spy)
    records = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, workers=2,
                          progress=False)
    assert len(seen) == 6 and max(alive) == 0, alive  # each notebook is gone before the next
    assert all("notebook" not in r for r in records.values())


def test_kill_between_result_file_and_gradebook_is_repaired(tmp_path, monkeypatch):
    T.write_course(tmp_path)
    for sid in ("a", "b", "c"):
        _write(tmp_path / "subs", sid, T.submission(T.CORRECT))
    real = gradebook.record_result
    calls = []

    def dies_once(gb, aid, sid, record):
        calls.append(sid)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process "dies" after committing the result file
        return real(gb, aid, sid, record)

    monkeypatch.setattr(gradebook, "record_result", dies_once)
    with pytest.raises(KeyboardInterrupt):
        A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, workers=1, progress=False)
    stored = {p.stem for p in A.results_dir(tmp_path, "tiny_fixture").glob("*.json")}
    assert len(stored) == 2
    monkeypatch.setattr(gradebook, "record_result", real)
    before = {p.stem: p.read_text() for p in A.results_dir(tmp_path, "tiny_fixture").glob("*.json")}
    records = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, progress=False)
    for sid in stored:  # not regraded: the stored result is the record of truth
        assert A.results_dir(tmp_path, "tiny_fixture").joinpath(f"{sid}.json").read_text() == before[sid]
    _assert_consistent(tmp_path, records, {"a", "b", "c"})


def _assert_consistent(course, records, students):
    assert set(records) == students and all(r["status"] == "graded" for r in records.values())
    with gradebook.Gradebook(gradebook.db_url_for(course)) as gb:
        scores = gradebook.auto_scores(gb, "tiny_fixture")
        assert {s.student.id for s in gb.assignment_submissions("tiny_fixture")} == students
    for sid in students:
        on_disk = json.loads((A.results_dir(course, "tiny_fixture") / f"{sid}.json").read_text())
        assert scores[sid] == {g: q["points"] for g, q in on_disk["questions"].items()}


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_batch_resumes_without_double_grading(tmp_path, how):
    T.write_course(tmp_path)
    students = {f"s{i:02d}" for i in range(10)}
    for sid in students:  # slow enough to interrupt mid-batch
        _write(tmp_path / "subs", sid, T.submission({**T.CORRECT, "answer_share":
                                                     "import time\ntime.sleep(0.7)\n" + T.CORRECT["answer_share"]}))
    proc = T.course_process("autograde", "tiny_fixture", "--submissions", str(tmp_path / "subs"),
                            "--course-dir", str(tmp_path), "--workers", "2",
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    store = A.results_dir(tmp_path, "tiny_fixture")
    deadline = time.monotonic() + 120
    while len(list(store.glob("*.json"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, how)
    err = proc.communicate(timeout=60)[1].decode()
    first = {p.stem: p.read_text() for p in store.glob("*.json")}
    assert 3 <= len(first) < len(students), (len(first), err[-500:])
    if how == signal.SIGINT:
        assert proc.returncode == 130 and "run the same command again" in err
    time.sleep(0.5)
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout
    assert not leftovers.strip(), "sandboxed children outlived the interrupted batch"
    records = A.autograde("tiny_fixture", tmp_path / "subs", course_dir=tmp_path, progress=False)
    for sid, text in first.items():  # graded once: the resumed run kept the stored result
        assert (store / f"{sid}.json").read_text() == text
    _assert_consistent(tmp_path, records, students)
