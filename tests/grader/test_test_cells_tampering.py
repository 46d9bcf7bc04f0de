"""Issue 19.3: where nbgrader can be fooled, we are not.

Each attack of :mod:`tamper_attacks` answers wrongly and adds a cheat. Real ``nbgrader
autograde`` gives most of them points (asserted per attack); the sandboxed runner
(:func:`grader.runner.launch` with ``job["tests"]``, test cells run by
:mod:`grader.test_cells`) gives every one of them what an honest wrong answer earns, 0, and
names the tampering where it was detected. An honest right answer keeps full marks.
"""
import json
import secrets

import pytest

from grader import sandbox, test_cells
from grader.cli import main
from grader.extract import extraction_cell
from grader.limits import Limits
from grader.pipeline.read import parse
from grader.runner import launch

import nbgrader_course
import tamper_attacks as A

needs_sandbox = pytest.mark.skipif(sandbox.sandbox_problem() is not None,
                                   reason=f"sandbox unavailable: {sandbox.sandbox_problem()}")
LIMITS = Limits(cell_seconds=10, wall_seconds=120)
HONEST = {"right": A.RIGHT, "wrong": A.WRONG}


def run_all(answers: dict, tests=A.TESTS) -> dict:
    """One sandboxed template, one fresh copy per answer: name -> that run's record."""
    nonce = secrets.token_hex(8)
    job = {"notebooks": [A.notebook(a, tests) for a in answers.values()], "nonce": nonce,
           "expected": ["answer"], "tests": list(tests), "preimport": ["numpy"],
           "extraction": extraction_cell((), {}, nonce, 5)}
    result = parse(launch(job, LIMITS), 1 << 24)
    return dict(zip(answers, result["runs"])), result["outputs"]


def points(record: dict, tests=A.TESTS) -> dict:
    """What each test cell earns the nbgrader way, from the runner's record."""
    out = {}
    for gid, (_, max_points) in tests.items():
        c = record["cells"].get(gid)
        ok = c and c["executed"] and not c["error"] and not c["tampered"]
        out[gid] = test_cells.nbgrader_points(c["partial"], max_points) if ok else 0
    return out


@pytest.fixture(scope="module")
def runs():
    if sandbox.sandbox_problem() is not None:
        pytest.skip("sandbox unavailable")
    records, outputs = run_all({**HONEST, **{k: v[0] for k, v in A.ATTACKS.items()}})
    return records, outputs


@needs_sandbox
@pytest.mark.slow
def test_honest_answers_keep_their_points(runs):
    records, outputs = runs
    assert points(records["right"]) == {"test_eq": 1, "test_close": 1, "test_abs": 1, "test_np": 1,
                                        "test_partial": 2}
    assert points(records["wrong"]) == dict.fromkeys(A.TESTS, 0)
    assert not any(c.get("tampered") for r in (records["right"], records["wrong"])
                   for c in r["cells"].values())
    # the test cell's own output and its result, as nbgrader's notebook would show them
    shown = [o["outputs"] for o in outputs]
    assert {"output_type": "stream", "name": "stdout", "text": "ok\n"} in shown[2]
    assert shown[-1][-1]["data"] == {"text/plain": "2"}
    assert records["wrong"]["cells"]["test_partial"]["partial"] == 0


@needs_sandbox
@pytest.mark.slow
@pytest.mark.parametrize("name", list(A.ATTACKS))
def test_every_attack_earns_what_a_wrong_answer_earns(runs, name):
    records, _ = runs
    record = records[name]
    assert record["error"] is None, record
    assert sum(points(record).values()) == 0, record["cells"]
    named = A.ATTACKS[name][2]
    if named:
        reasons = " ".join(c.get("tampered") or "" for c in record["cells"].values())
        assert named in reasons, record["cells"]


@needs_sandbox
@pytest.mark.slow
@pytest.mark.parametrize("name", list(A.ENDINGS))
def test_ending_the_kernel_before_the_tests_earns_nothing(name):
    records, _ = run_all({name: A.ENDINGS[name]})
    assert sum(points(records[name]).values()) == 0, records[name]


@needs_sandbox
@pytest.mark.slow
def test_nbgrader_is_fooled_and_course_autograde_is_not(tmp_path, monkeypatch, capsys):
    """The same submissions, in one nbgrader course, graded by real ``nbgrader autograde`` and
    then by ``course autograde``: nbgrader gives points to the wrong answers marked so; ours
    gives every attack 0, with "your code changed how the tests run" where it named one."""
    answers = {**HONEST, **{k.replace("_", "-"): v[0] for k, v in A.ATTACKS.items()}}
    course = tmp_path / "course"
    scores = nbgrader_course.autograde(course, A.notebook(A.RIGHT), answers)
    total = {k: sum(v for g, v in (s or {}).items() if g in A.TESTS) for k, s in scores.items()}
    assert total["right"] == A.MAX_POINTS and total["wrong"] == 0
    fooled = {k for k, v in A.ATTACKS.items() if v[1]}
    assert {k for k in A.ATTACKS if total[k.replace("_", "-")] > 0} == fooled, total
    assert len(fooled) >= 8

    monkeypatch.chdir(course)
    out = course / "ours.json"
    assert main(["autograde", "ps1", "--workers", "2", "--json", str(out)]) == 0, capsys.readouterr()
    ours = json.loads(out.read_text())
    got = {k: sum(q["points"] for g, q in r["questions"].items() if g in A.TESTS) for k, r in ours.items()}
    assert got["right"] == A.MAX_POINTS, ours["right"]
    assert {k: v for k, v in got.items() if k != "right"} == dict.fromkeys(set(answers) - {"right"}, 0), got
    for name, (_, _, named) in A.ATTACKS.items():
        feedback = json.dumps(ours[name.replace("_", "-")])
        assert ("your code changed how the tests run" in feedback) == bool(named), (name, feedback)
        assert not named or named in feedback, (name, feedback)


@needs_sandbox
@pytest.mark.slow
def test_honest_work_is_left_alone():
    """Students' own classes, numpy, pandas, scikit-learn and matplotlib objects pass as in
    plain Python; the partial-credit number is the test's."""
    records, outputs = run_all({"honest": A.HONEST_ANSWER}, A.HONEST_TESTS)
    record = records["honest"]
    assert record["error"] is None, record
    bad = {g: c for g, c in record["cells"].items() if c.get("error") or c.get("tampered")}
    assert not bad, bad
    assert points(record, A.HONEST_TESTS) == {**dict.fromkeys(A.HONEST_TESTS, 1), "t_partial": 1.0}
    assert record["cells"]["t_try"]["partial"] is None  # True is not a number to nbgrader
    assert {"output_type": "stream", "name": "stdout", "text": "all good\n"} in outputs[-2]["outputs"]


@needs_sandbox
@pytest.mark.slow
def test_a_forged_reply_for_a_test_is_refused():
    """Student code that answers the template's test commands itself (taking them off the
    command pipe) cannot sign the verdict: every test is named as tampered, 0 points."""
    records, _ = run_all({"forged": A.FORGED_REPLY})
    record = records["forged"]
    assert sum(points(record).values()) == 0, record
    assert all("did not come from the grader's test executor" in (record["cells"][g]["tampered"] or "")
               for g in A.TESTS), record["cells"]


@needs_sandbox
@pytest.mark.slow
def test_the_executor_cannot_be_patched_by_name():
    records, _ = run_all(A.ON_THE_EXECUTOR)
    for name, record in records.items():
        assert record["error"] is None, (name, record)
        assert sum(points(record).values()) == 0, (name, record["cells"])
    named = {n: " ".join(c.get("tampered") or "" for c in r["cells"].values()) for n, r in records.items()}
    assert "the builtin abs was replaced" in named["patch_executor_module"]
    assert "class Any your code defined" in named["swap_executor_code"]
    # the audit hook was never added: nothing replaced numpy.isclose, the tests simply fail
    assert records["audit_hook_patches_during_tests"]["cells"]["answer"]["error"] is None
    assert not named["audit_hook_patches_during_tests"].strip()


@needs_sandbox
@pytest.mark.slow
def test_a_test_that_runs_too_long_is_stopped_at_its_limit_and_the_next_runs():
    tests = {"t_loop": ("while True:\n    pass", 1), "t_slow_answer": ("assert share(1, 3) == 0.25", 1),
             "t_after": ("assert share(1, 1) == 0.5", 1)}
    answer = ("import time\ndef share(a, b):\n    if b == 3:\n        time.sleep(60)\n    return a / (a + b)\n"
              "print = lambda *a, **k: None\n")  # shadowing print decides no test
    nonce = secrets.token_hex(8)
    job = {"notebooks": [A.notebook(answer, tests)], "nonce": nonce, "expected": ["answer"],
           "tests": list(tests), "extraction": extraction_cell((), {}, nonce, 5)}
    record = parse(launch(job, Limits(cell_seconds=2, wall_seconds=60)), 1 << 24)["runs"][0]
    cells = record["cells"]
    assert cells["t_loop"]["error"].startswith("CellTimeoutError"), cells
    assert cells["t_slow_answer"]["error"].startswith("CellTimeoutError"), cells
    assert cells["t_after"] == {"executed": True, "error": None, "partial": None, "tampered": None,
                                "stderr": None}, cells


SEARCH_MEMORY_FOR_TESTS = '''\
import gc
seen = [repr(o)[:100000] for o in gc.get_objects() if type(o) in (dict, list) and o is not globals()]
print("LEAKED" if any(("hidden_" + "secret_42") in text for text in seen) else "NOTHING")
del seen
''' + A.RIGHT


@needs_sandbox
@pytest.mark.slow
def test_the_tests_text_is_not_left_in_the_copy():
    """The copy inherits the template's job (every notebook, hidden tests included), which
    student code could find (``gc.get_objects()``): it is emptied before the first cell."""
    tests = {"t_hidden": ("assert share(4, 2) != 'hidden_secret_42'", 1)}
    records, outputs = run_all({"reader": SEARCH_MEMORY_FOR_TESTS}, tests)
    assert outputs[1]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "NOTHING\n"}]
    assert points(records["reader"], tests) == {"t_hidden": 1}
