"""Exercise 4's key on many grader draws: the solution earns full marks, each classic mistake less,
with the feedback line that names it.

A student is simulated in this process, without the sandbox: the solution's code cells
(``solution.py``) run with a sample student's answer cells (:data:`grader.demo.SAMPLES`) in place,
and what they leave behind is turned into plain data as the engine's read-out does. The sandboxed
engine grades the same samples as ``course demo``'s class (tests/grader/test_autograde.py), and the
released stub and the solution in tests/grader/test_stubs_and_solutions.py.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from grader.assignments.ex04_thresholds_and_calibration import ASSIGNMENT
from grader.assignments.ex04_thresholds_and_calibration import key as K
from grader.assignments.ex04_thresholds_and_calibration import reference as R
from grader.authoring import read_cells
from grader.demo import SAMPLES
from grader.extract import encode
from grader.spec import CallError, Missing, Run

AID = "ex04_thresholds_and_calibration"
CELLS = read_cells(Path(K.__file__).with_name("solution.py"))
GRADES = ASSIGNMENT.auto_points
DATA_QUESTIONS = ("q2_threshold_on_test", "q3_peeking", "q5_calibrated_test")
PROBE_QUESTIONS = ("q1_threshold_for_recall", "q4_calibrate")


def plain(value):
    """What the engine reads out of a kernel: numpy values as Python ones, tuples as lists."""
    return json.loads(json.dumps(encode(value)))


FUNCTION_CELLS = ("imports", "a1_threshold_for_recall", "a4_calibrate")


def namespace(answers: dict, params: dict | None, run_tests: bool = False) -> dict:
    """The notebook's namespace after its cells ran with ``answers`` in the answer cells; with
    ``params`` None, only the cells that define the two functions.

    The data cell is replaced by the key's own (cached) copy of the same scores;
    test_data_cell_gives_the_keys_scores checks that they are equal.
    """
    ns: dict = {}
    for cid, src in CELLS.items():
        if params is None and cid not in FUNCTION_CELLS:
            continue
        if cid == "parameters":
            ns.update(params)
            continue
        if cid == "data":
            data = R.scores_for(params)
            for split, (y, p) in zip(("train", "val", "test"), (data[s] for s in R.SPLITS)):
                ns[f"y_{split}"], ns[f"p_{split}"] = np.array(y), np.array(p)
            continue
        if cid.startswith("q") and not run_tests:
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(answers.get(cid, src), ns)  # noqa: S102 - our own solution and samples
    return ns


def call(fn, args):
    try:
        return plain(fn(*plain(list(args))))
    except Exception as exc:  # noqa: BLE001 - a student's function may raise anything
        return CallError(f"{type(exc).__name__}: {exc}")


def runs_for(answers: dict, seed: int, questions=tuple(GRADES)) -> list[Run]:
    """The runs the engine would hand the key. Only what ``questions`` need is computed: the
    probes on the first run, the data answers on every run."""
    rng = np.random.default_rng(seed)
    params = K.parameter_sets(rng)
    probes = K.probes(rng)
    need_data = any(q in DATA_QUESTIONS for q in questions)
    wanted = {K.THRESHOLD_FUNC: "q1_threshold_for_recall" in questions,
              K.CALIBRATE_FUNC: "q4_calibrate" in questions}
    runs = []
    for i, p in enumerate(params if need_data else params[:1]):
        ns = namespace(answers, p if need_data else None)
        got = {name: plain(ns[name]) if name in ns else Missing(name) for name in K.ANSWERS}
        results = {}
        if i == 0:
            results = {f: [call(ns[f], a) for a in args] for f, args in probes.items() if wanted[f]}
        runs.append(Run(parameters=p, answers=got, probes=results, probe_args=probes,
                        cells={gid: {"executed": True, "error": None} for gid in GRADES}))
    return runs


def grade(answers: dict, seed: int, questions=tuple(GRADES)) -> dict:
    runs = runs_for(answers, seed, questions)
    return {q: K.KEY.grade[q](runs, GRADES[q]) for q in questions}


def text(verdict) -> str:
    return "\n".join(verdict.feedback)


SAMPLE = SAMPLES[AID]


# ---------------------------------------------------------------- the exercise's set-up

def test_parameter_sets_start_with_the_notebook_defaults_and_draw_fresh_data():
    for seed in range(200):
        sets = K.parameter_sets(np.random.default_rng(seed))
        assert sets[0] == K.DEFAULTS and len(sets) == 3
        assert len({s["data_seed"] for s in sets}) == 3
        for s in sets[1:]:
            assert 0.04 <= s["toxic_rate"] <= 0.10 and 0.7 <= s["target_recall"] <= 0.9
        assert json.loads(json.dumps(sets)) == sets


def test_data_cell_gives_the_keys_scores():
    ns: dict = {}
    params = K.parameter_sets(np.random.default_rng(5))[1]
    ns.update(params)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(CELLS["imports"], ns)  # noqa: S102
        exec(CELLS["data"], ns)  # noqa: S102
    data = R.scores_for(params)
    for split, name in zip(R.SPLITS, ("train", "val", "test")):
        assert np.array_equal(ns[f"y_{name}"], data[split][0])
        assert np.array_equal(ns[f"p_{name}"], data[split][1])


def test_probes_discriminate_every_classic_mistake():
    for seed in range(100):
        probes = K.probes(np.random.default_rng(seed))
        drawn = probes[K.THRESHOLD_FUNC][len(K.FIXED_THRESHOLD_PROBES):]
        assert len(drawn) == K.N_DRAWN_THRESHOLD_PROBES
        assert all(R.discriminates(*a) for a in drawn)
        calls = probes[K.CALIBRATE_FUNC]
        assert len(R.judged_calibration_calls(calls)) == 2 * R.CALIBRATION_SCENARIOS
        # a judged call's labels reach the function only in a later call
        for i, labels in R.judged_calibration_calls(calls):
            assert calls[i + 1][0] == calls[i][2] and calls[i + 1][1] == labels
            assert all(labels is not c[1] and c[0] != calls[i][2] for c in calls[:i + 1])
    for y, s, r in K.FIXED_THRESHOLD_PROBES:
        assert not R._precision_tied(y, s, r)


def test_the_visible_tests_pass_on_the_solution():
    ns = namespace({}, K.DEFAULTS, run_tests=True)  # raises if an assert fails
    assert ns["threshold"] == R.rule_reference(*R.scores_for(K.DEFAULTS)["validation"], 0.8)


# ---------------------------------------------------------------- the solution, on many draws

@pytest.mark.parametrize("block", range(4))
def test_solution_earns_full_marks_on_the_probed_questions(block):
    for seed in range(block * 60, block * 60 + 60):
        for q, v in grade(SAMPLE["alice_correct"], seed, PROBE_QUESTIONS).items():
            assert v.points == GRADES[q], (seed, q, v.feedback)


@pytest.mark.slow
def test_solution_and_alternatives_earn_full_marks_on_fresh_data():
    """Every question on 200 grader draws (400 fresh data sets): the solution, and the other
    correct forms (a hand-written `>=` loop, isotonic regression) on every fifth draw."""
    for seed in range(200):
        for name in ["alice_correct"] + (["bob_loop_isotonic"] if seed % 5 == 0 else []):
            questions = GRADES if name != "alice_correct" or seed % 5 == 0 else DATA_QUESTIONS
            for q, v in grade(SAMPLE[name], seed, questions).items():
                assert v.points == GRADES[q], (name, seed, q, v.feedback)


# ---------------------------------------------------------------- each classic mistake

MISTAKES = {
    # sample student -> {question: (points, a phrase of the feedback)}
    "carol_tuned_on_test": {"q2_threshold_on_test": (1, "tuned on the test split")},
    "dave_strict_greater": {"q1_threshold_for_recall": (1, "`score > t`"),
                            "q2_threshold_on_test": (1, "`score > t`"),
                            "q3_peeking": (1, "`score > t`")},
    "erin_recall_of_class_0": {"q1_threshold_for_recall": (1, "recall counts the wrong class"),
                               "q2_threshold_on_test": (1, "recall counts the wrong class"),
                               "q3_peeking": (1, "recall counts the wrong class")},
    "frank_calibrated_on_train": {"q5_calibrated_test": (0, "calibrated on the training split")},
    "grace_temperature": {"q4_calibrate": (0, "behaves like temperature scaling")},
}


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_classic_mistake_is_named_on_every_draw(student):
    expected = MISTAKES[student]
    for seed in range(12):
        verdicts = grade(SAMPLE[student], seed)
        for q, v in verdicts.items():
            points, phrase = expected.get(q, (GRADES[q], ""))
            assert v.points == points, (student, seed, q, v.feedback)
            assert phrase in text(v), (student, seed, q, v.feedback)


@pytest.mark.parametrize("student", ["dave_strict_greater", "erin_recall_of_class_0", "grace_temperature"])
def test_probed_mistakes_are_named_on_many_draws(student):
    expected = MISTAKES[student]
    for seed in range(300, 360):
        for q, v in grade(SAMPLE[student], seed, PROBE_QUESTIONS).items():
            points, phrase = expected.get(q, (GRADES[q], ""))
            assert v.points == points and phrase in text(v), (student, seed, q, v.feedback)


FN = SAMPLE["alice_correct"]["a1_threshold_for_recall"]
CAL = SAMPLE["alice_correct"]["a4_calibrate"]


@pytest.mark.parametrize("source, points, phrase", [
    # recall held strictly above the target
    (FN.replace("recall >= min_recall", "recall > min_recall"), 1, "`recall > min_recall`"),
    # class 0 as the positive class
    (FN.replace("np.asarray(y_true)", "1 - np.asarray(y_true)"), 1, "class 0 as the positive class"),
    # the highest threshold meeting the target, not the best precision
    (FN.replace("meets[np.argmax(precision[meets])]", "meets[-1]"), 2, "highest threshold"),
    # the whole (threshold, precision, recall) tuple of the course notes
    (FN.replace("return float(thresholds[meets[np.argmax(precision[meets])]])",
                "i = meets[np.argmax(precision[meets])]\n    return thresholds[i], precision[i], recall[i]"),
     0, "return the threshold alone"),
])
def test_other_threshold_mistakes(source, points, phrase):
    for seed in range(0, 100, 10):
        v = grade({"a1_threshold_for_recall": source}, seed, ("q1_threshold_for_recall",))
        v = v["q1_threshold_for_recall"]
        assert v.points == points and phrase in text(v), (seed, v.feedback)


@pytest.mark.parametrize("source, passes, phrase", [
    (CAL.replace("PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)",
                 "prior_shift_correction(scores, 0.5, np.mean(fit_labels))"), True, ""),
    (CAL.replace("PlattCalibrator()", "IsotonicCalibrator()"), True, ""),
    (CAL.replace("return PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)",
                 "return np.asarray(scores)"), False, "unchanged"),
    (CAL.replace("PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)",
                 "np.asarray(scores) ** 2"), False, "Platt scaling fitted on the same data"),
    (CAL.replace("return PlattCalibrator()", "return list(PlattCalibrator()")
        .replace("(scores)", "(scores))[:-1]"),
     False, "values for"),
    (CAL.replace("return PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)",
                 "q = PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)\n"
                 "    return np.c_[1 - q, q]"), False, "as `predict_proba` does"),
])
def test_other_calibrations(source, passes, phrase):
    for seed in range(0, 100, 10):
        v = grade({"a4_calibrate": source}, seed, ("q4_calibrate",))["q4_calibrate"]
        assert (v.points == 3) == passes and phrase in text(v), (seed, v.feedback)


def test_calibrating_on_test_labels_and_raw_scores_are_named():
    for seed in (0, 3):
        v = grade({"a5_calibrated_test": "p_test_calibrated = calibrate(p_test, y_test, p_test)"},
                  seed, ("q5_calibrated_test",))["q5_calibrated_test"]
        assert v.points == 0 and "test split's own labels" in text(v)
        v = grade({"a5_calibrated_test": "p_test_calibrated = list(p_test)"},
                  seed, ("q5_calibrated_test",))["q5_calibrated_test"]
        assert v.points == 0 and "raw test scores" in text(v)


def test_typed_in_answers_fail_the_fresh_runs():
    runs = runs_for(SAMPLE["alice_correct"], 1, DATA_QUESTIONS)
    for run in runs[1:]:
        run.answers.update({n: runs[0].answers[n] for n in K.ANSWERS})
    for q in DATA_QUESTIONS:
        v = K.KEY.grade[q](runs, GRADES[q])
        assert v.points < GRADES[q], (q, v.feedback)
    v = K.KEY.grade["q2_threshold_on_test"](runs, 2)
    assert "typed in" in text(v)


def test_answers_of_the_wrong_type_get_a_clear_message():
    runs = runs_for(SAMPLE["alice_correct"], 2, DATA_QUESTIONS)
    runs[0].answers["threshold"] = "0.3"
    runs[0].answers["p_test_calibrated"] = 0.5
    assert "`threshold` is a string" in text(K.KEY.grade["q2_threshold_on_test"](runs, 2))
    assert "`p_test_calibrated` is a float" in text(K.KEY.grade["q5_calibrated_test"](runs, 2))
    runs[0].answers["peek_threshold"] = Missing("peek_threshold")
    assert "not defined" in text(K.KEY.grade["q3_peeking"](runs, 2))
