"""Judging nbgrader test cells without a key: the runner's reading of a test cell's outputs, the
reader's strictness, and the verdict (nbgrader's ``determine_grade``), on plain run records."""
import pytest

from grader.keyless import TAMPERED, judge, judge_test
from grader.pipeline.read import MalformedResult, runs
from grader.runner import outcome_of_test
from grader.spec import Run


def _result(text):
    return {"output_type": "execute_result", "data": {"text/plain": text}, "metadata": {},
            "execution_count": 1}


@pytest.mark.parametrize("outputs, partial, stderr", [
    ([], None, None),
    ([{"output_type": "stream", "name": "stdout", "text": "hi\n"}, _result("0.5")], 0.5, None),
    ([_result("'text'")], None, None),  # not a number: full credit
    ([_result("nan")], None, None),  # nbgrader: not >= 0, full credit
    ([_result("inf")], 1.7976931348623157e308, None),  # nbgrader: more than the points
    ([{"output_type": "stream", "name": "stderr", "text": "Warning: x\n"}, _result("1")], None, "Warning: x\n"),
    ([_result("2"), {"output_type": "stream", "name": "stderr", "text": "late\n"}], 2.0, None),
    ([{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}, _result("1")], None, None),
])
def test_outcome_reads_outputs_as_nbgrader_does(outputs, partial, stderr):
    assert outcome_of_test(outputs) == {"partial": partial, "stderr": stderr, "tampered": None}


def _run(cell, error=None, params=None):
    return Run(parameters=params or {}, cells={"t": cell}, error=error)


def _cell(**fields):
    return {"executed": True, "error": None, "partial": None, "stderr": None, "tampered": None, **fields}


@pytest.mark.parametrize("cell, points, says", [
    (_cell(), 2.0, None),
    (_cell(partial=1.5), 1.5, "partial credit: the test showed 1.5"),
    (_cell(partial=-1.0), 2.0, None),  # nbgrader: below 0 is full credit
    (_cell(partial=3.0), 0.0, "more than its 2 points"),
    (_cell(error="AssertionError: no"), 0.0, "the test failed: AssertionError: no"),
    (_cell(stderr="DeprecationWarning: old\n"), 0.0, "standard error"),
    (_cell(tampered="the assert statement was rebound", partial=2.0), 0.0,
     TAMPERED.format("the assert statement was rebound")),
    ({"executed": False, "error": "the cell is missing"}, 0.0, "did not run (the cell is missing)"),
])
def test_judge_test_gives_nbgraders_points(cell, points, says):
    v = judge_test("t", 2.0, _run(cell))
    assert (v.points, v.max_points) == (points, 2.0)
    assert (v.feedback == []) if says is None else (says in v.feedback[0])


def test_deleted_test_earns_nothing():
    v = judge_test("t", 1.0, _run(_cell()), deleted=("t",))
    assert v.points == 0 and "deleted" in v.feedback[0]


def test_a_test_that_fails_only_on_fresh_values_says_so():
    own, fresh = _run(_cell()), _run(_cell(error="AssertionError"), params={"n": 7})
    v = judge({"t": 1.0}, [own, fresh])["t"]
    assert v.points == 0
    assert "fresh values" in v.feedback[0] and "n = 7" in v.feedback[0]
    assert "passed with the notebook's own values" in v.feedback[0]


def _raw(cell):
    return {"runs": [{"error": None, "cells": {"t": cell}, "payload": {"answers": {}, "probes": {}},
                      "payload_error": None}]}


def test_reader_accepts_test_fields_only_on_test_cells():
    got = runs(_raw(_cell(partial=1)), [{}], {}, (), ["t"], tests=["t"])
    assert got[0].cells["t"]["partial"] == 1.0
    with pytest.raises(MalformedResult):
        runs(_raw(_cell(partial=1)), [{}], {}, (), ["t"])  # not a test cell


@pytest.mark.parametrize("bad", [{"partial": "1"}, {"partial": True}, {"stderr": 3},
                                 {"tampered": ["x"]}, {"extra": 1}])
def test_reader_refuses_malformed_test_fields(bad):
    with pytest.raises(MalformedResult):
        runs(_raw(_cell(**bad)), [{}], {}, (), ["t"], tests=["t"])


def test_course_timeout_becomes_the_cell_limit():
    from traitlets.config import Config

    from grader.keyless import course_limits
    from grader.limits import Limits

    config = Config()
    assert course_limits(config) == Limits()
    config.Execute.timeout = 5
    assert (course_limits(config).cell_seconds, course_limits(config).wall_seconds) == (5.0, Limits.wall_seconds)
