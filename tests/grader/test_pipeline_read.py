"""Stage 4, read: the one parser of the sandboxed child's untrusted result."""
import json

import pytest

from grader.pipeline.read import MalformedResult, failed_runs, parse, read
from grader.runner import RunnerError
from grader.spec import CallError, Missing

PARAMS, PROBES, ANSWERS, EXPECTED = [{"n": 1}], {"f": [(1,), (2,)]}, ("x",), ["q1"]


def _raw(runs, outputs=None) -> bytes:
    return json.dumps({"runs": runs, "outputs": outputs or []}).encode()


def _run(**changes):
    rec = {"error": None, "cells": {"q1": {"executed": True, "error": None}},
           "payload": {"answers": {"x": {"value": 0.5}}, "probes": {"f": [{"ok": 2}, {"error": "E: no"}]}},
           "payload_error": None}
    return {**rec, **changes}


def test_a_good_result_becomes_runs_with_plain_answers_and_probe_results():
    runs, outputs = read(_raw([_run()], [{"outputs": []}]), 10**6, PARAMS, PROBES, ANSWERS, EXPECTED)
    (run,) = runs
    assert run.parameters == {"n": 1} and run.answers == {"x": 0.5} and run.error is None
    assert run.probes["f"][0] == 2 and isinstance(run.probes["f"][1], CallError)
    assert run.cells == {"q1": {"executed": True, "error": None}} and outputs == [{"outputs": []}]


@pytest.mark.parametrize("raw, message", [
    (b"\xff{}", "unreadable result"),
    (b"[1, 2]", "not an object"),
    (b'{"runs": [], "runs": []}', "unreadable result"),
    (b'{"runs": NaN}', "unreadable result"),
    (b'{"runs": "' + b"x" * 200 + b'"}', "unreadable result"),
])
def test_parse_refuses_what_is_not_one_strict_json_object(raw, message):
    with pytest.raises(RunnerError, match=message):
        parse(raw, 150)


@pytest.mark.parametrize("runs, message", [
    ([], "wrong number of runs"),
    ([_run(extra=1)], "malformed run record"),
    ([_run(error=3)], "malformed error"),
    ([_run(cells={"q1": {"executed": "yes", "error": None}})], "cell 'q1'"),
    ([_run(cells={"forged": {"executed": True, "error": None}})], "cell 'forged'"),
    ([_run(payload=[1])], "malformed payload"),
    ([_run(payload={"answers": {"x": {"value": 1, "points": 9}}, "probes": {"f": []}})], ""),
])
def test_forged_shapes_are_malformed(runs, message):
    with pytest.raises(MalformedResult, match=message):
        read(_raw(runs), 10**6, PARAMS, PROBES, ANSWERS, EXPECTED)


def test_a_run_without_answers_reads_as_missing_with_the_reason():
    rec = _run(payload=None, payload_error="the answers could not be read (no output)", cells={})
    (run,) = read(_raw([rec]), 10**6, PARAMS, PROBES, ANSWERS, EXPECTED, deleted=["q2"])[0]
    assert isinstance(run.answers["x"], Missing)
    assert all(isinstance(r, CallError) and "no output" in str(r.message) for r in run.probes["f"])
    assert run.cells == {"q1": {"executed": False, "error": "the cell is missing"},
                         "q2": {"executed": False, "error": "the cell was deleted"}}


def test_failed_runs_say_why_for_every_parameter_set():
    runs = failed_runs("the kernel died", [{"n": 1}, {"n": 2}], PROBES, ANSWERS, EXPECTED)
    assert [r.parameters for r in runs] == [{"n": 1}, {"n": 2}]
    assert all(r.error == "the kernel died" and isinstance(r.answers["x"], Missing) for r in runs)
    assert runs[0].cells == {"q1": {"executed": False, "error": None}}
