"""A limit hit costs only the questions whose cells hit it (ex01, one sandboxed batch).

A cell stopped at its time limit (interrupted) or at the memory limit (a MemoryError) is an error
of that cell: later cells, the answer reading and the fresh-parameter re-runs still happen, the
other questions keep their marks and the affected one gets zero with the limit named. A cell that
does not stop when interrupted stops the whole run: nothing can be read, every question gets zero
with a message saying so accurately.
"""
import shutil
from pathlib import Path

import nbformat
import pytest

from grader import demo, sandbox
from grader.autograde import autograde
from grader.limits import Limits

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                 reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")]
REPO = Path(__file__).resolve().parents[2]
AID = "ex01_class_weights"
LIMITS = Limits(cell_seconds=3, wall_seconds=90, memory_mb=2048)
CORRECT = demo.SAMPLES[AID]["alice_correct"]
LOOP = "while True:\n    pass"
STUCK = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
CLASS = {
    "loop_in_a3": {**CORRECT, "a3_metrics": LOOP},
    # run 0's timeout must not stop the re-runs that catch typed numbers
    "loop_and_typed": {**CORRECT, "a2_rounded_weights": "w0, w1 = 0.54, 6.25", "a3_metrics": LOOP},
    "memory_in_a1": {**CORRECT, "a1_inverse_frequency_weights": "x = bytearray(50 * 1024**3)",
                     "a2_rounded_weights": "n = n_non_toxic + n_toxic\n"
                                           "w0, w1 = round(n / (2 * n_non_toxic), 2), round(n / (2 * n_toxic), 2)"},
    "stuck_in_a3": {**CORRECT, "a3_metrics": STUCK},
}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(REPO / "exercises" / AID, course / "exercises" / AID)
    released = nbformat.read(course / "exercises" / AID / f"{AID}.ipynb", 4)
    for sid, answers in CLASS.items():
        path = course / "submitted" / sid / f"{AID}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(demo.sample_notebook(released, answers), path)
    return autograde(AID, course / "submitted", course_dir=course, workers=2, limits=LIMITS,
                     progress=False)


def points(record) -> dict:
    return {g: q["points"] for g, q in record["questions"].items()}


def said(record, gid) -> str:
    return "\n".join(record["questions"][gid]["feedback"])


def test_a_loop_in_one_answer_cell_costs_only_its_question(records):
    r = records["loop_in_a3"]
    assert points(r) == {"q1_inverse_frequency_weights": 3, "q2_rounded_weights": 2, "q3_metrics": 0}
    assert (r["status"], r["error"]) == ("graded", None)
    assert "cell 'a3_metrics' hit a limit" in said(r, "q3_metrics")
    assert "time limit per cell (3 s)" in said(r, "q3_metrics")
    assert "time limit per cell (3 s)" in r["cells"]["a3_metrics"]["error"]
    assert r["cells"]["q3_metrics"]["executed"]  # the cells after the loop still ran


def test_re_runs_still_catch_typed_numbers_after_a_timeout(records):
    r = records["loop_and_typed"]
    assert points(r) == {"q1_inverse_frequency_weights": 3, "q2_rounded_weights": 0, "q3_metrics": 0}
    assert "hard-coded" in said(r, "q2_rounded_weights")
    assert "time limit per cell (3 s)" in said(r, "q3_metrics")


def test_the_memory_limit_costs_only_its_question(records):
    r = records["memory_in_a1"]
    assert points(r) == {"q1_inverse_frequency_weights": 0, "q2_rounded_weights": 2, "q3_metrics": 2}
    assert "memory limit (2048 MB)" in said(r, "q1_inverse_frequency_weights")
    assert r["status"] == "graded"


def test_a_cell_that_will_not_stop_stops_the_run_and_every_message_is_accurate(records):
    r = records["stuck_in_a3"]
    assert r["score"] == 0 and r["status"] == "error"
    assert "did not stop when interrupted" in r["error"]
    for gid in ("q1_inverse_frequency_weights", "q2_rounded_weights"):
        # these cells ran; no answers could be read after the stuck cell
        assert "cells ran, but your notebook stopped later" in said(r, gid)
        assert "did not stop when interrupted" in said(r, gid)
    assert "did not all run" in said(r, "q3_metrics")
    assert "did not run to the end" not in str(r["questions"])
