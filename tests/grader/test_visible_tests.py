"""One rule per question: a notebook's visible tests accept every answer form its key accepts.

Each case fills the answer cells of a source notebook with a correct answer in another form
(numpy numbers, lists of pairs, ``WavePlan`` objects, other spellings), runs the notebook's cells
in this process, and checks that every visible test passes and that the engine's reading of the
same kernel (the extraction cell) earns full marks from the key.
"""
from __future__ import annotations

import contextlib
import io

import nbformat
import numpy as np
import pytest

from grader.contract import load_assignment, load_key
from grader.extract import extraction_cell, read_answers, read_probes, strict_loads
from grader.pipeline.judge import judge
from grader.release import ROOT
from grader.spec import Run

EX02_QUOTAS = ("source_quotas(source_shares, wave_size, min_share=MIN_SHARE, tilt=FRAUD_LIFT, "
               "pool_counts=pool_counts)")
EX03_QUOTAS = ("quotas = source_quotas(source_shares, wave_size, min_share=0.1, tilt=SOURCE_LIFT, "
               "strength=0.5)\nhalf, fifth = wave_size // 2, wave_size // 5\n")

CASES = {
    "ex01 pairs, numpy floats, sklearn's metric names": ("ex01_class_weights", {
        "a1_inverse_frequency_weights": (
            "import numpy as np\n\n"
            "def inverse_frequency_weights(counts):\n"
            "    keys = list(counts)\n"
            "    n = np.array([counts[k] for k in keys], dtype=float)\n"
            "    return [(k, w) for k, w in zip(keys, n.sum() / (len(n) * n))]"),
        "a2_rounded_weights": ("w = dict(inverse_frequency_weights({0: n_non_toxic, 1: n_toxic}))\n"
                               "w0, w1 = np.round(w[0], 2), np.round(w[1], 2)"),
        "a3_metrics": 'metrics = ("average_precision", "Macro F1")'}),
    "ex01 string class names": ("ex01_class_weights", {
        "a1_inverse_frequency_weights": (
            "def inverse_frequency_weights(counts):\n"
            "    total, k = sum(counts.values()), len(counts)\n"
            "    return {str(c): total / (k * n) for c, n in counts.items()}"),
        "a2_rounded_weights": ("w = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})\n"
                               "w0, w1 = round(w['0'], 2), round(w['1'], 2)"),
        "a3_metrics": 'metrics = ["PR-AUC", "macro_f1"]'}),
    "ex02 numpy numbers and a list of pairs": ("ex02_labeling_plan", {
        "a1_wave1_quotas": ("import numpy as np\n"
                            f"wave1_quotas = [(s, np.int64(q)) for s, q in {EX02_QUOTAS}.items()]"),
        "a2_seeded_share": "seeded_share = np.float64(0.4)",
        "a3_dedup_first": "dedup_first = np.bool_(True)",
        "a4_uncertainty_labels": "uncertainty_labels = np.int64(label_budget - wave_size)",
        "q6_selection_criteria": "selection_criteria = 'rules, dedup, quotas'"}),
    "ex03 WavePlans from plan_wave": ("ex03_three_wave_plan", {
        "a_waves": EX03_QUOTAS + (
            "waves = [plan_wave(quotas, seeded=half)]\n"
            "waves += [plan_wave(quotas, seeded=fifth, uncertainty=half) for _ in range(n_waves - 1)]"),
        "a_success_metrics": 'success_metrics = ("Cumulative positives", "source-entropy")'}),
    "ex03 lists of pairs": ("ex03_three_wave_plan", {
        "a_waves": EX03_QUOTAS + (
            "mix = [('seeded', fifth), ('uncertainty', half), ('random', wave_size - fifth - half)]\n"
            "waves = [[('quotas', list(quotas.items())), ('seeded', half), ('uncertainty', 0),\n"
            "          ('random', wave_size - half)]] + [[('quotas', quotas)] + mix] * (n_waves - 1)"),
        "a_success_metrics": "success_metrics = ['positives_found', 'per_source_counts']"}),
    "ex04 a hand-written >= loop, numpy floats, isotonic regression, a numpy array": (
        "ex04_thresholds_and_calibration", {
            "a1_threshold_for_recall": (
                "def threshold_for_recall(y_true, scores, min_recall):\n"
                "    y, s = np.asarray(y_true), np.asarray(scores, dtype=float)\n"
                "    best, best_precision = None, -1.0\n"
                "    for t in np.unique(s):\n"
                "        flagged = s >= t\n"
                "        precision = np.sum(flagged & (y == 1)) / np.sum(flagged)\n"
                "        recall = np.sum(flagged & (y == 1)) / np.sum(y == 1)\n"
                "        if recall >= min_recall and precision > best_precision:\n"
                "            best, best_precision = t, precision\n"
                "    return best"),
            "a2_threshold_on_test": (
                "threshold = threshold_for_recall(y_val, p_val, target_recall)\n"
                "flagged = p_test >= threshold\n"
                "test_precision = np.mean(y_test[flagged])\n"
                "test_recall = np.mean(flagged[y_test == 1])"),
            "a4_calibrate": ("def calibrate(fit_scores, fit_labels, scores):\n"
                             "    return IsotonicCalibrator().fit(fit_scores, fit_labels).transform(scores)")}),
    "ex04 the kit's choose_threshold, the prior-shift correction, a list": (
        "ex04_thresholds_and_calibration", {
            "a1_threshold_for_recall": (
                "from imbalance_kit.thresholds import choose_threshold\n\n"
                "def threshold_for_recall(y_true, scores, min_recall):\n"
                "    return choose_threshold(y_true, scores, min_recall=min_recall).threshold"),
            "a4_calibrate": ("def calibrate(fit_scores, fit_labels, scores):\n"
                             "    return prior_shift_correction(scores, train_prior=0.5,\n"
                             "                                  true_prior=np.mean(fit_labels))"),
            "a5_calibrated_test": "p_test_calibrated = calibrate(p_val, y_val, p_test).tolist()"}),
}


def _run_notebook(aid, answers):
    """Execute the source notebook's code cells here with ``answers`` (grade id -> source) in
    place of the solutions; return the namespace and the visible tests' failures."""
    nb = nbformat.read(ROOT / "solutions" / aid / f"{aid}.ipynb", as_version=4)
    ns, failures = {}, {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata["nbgrader"]
        source = answers.get(meta["grade_id"], cell.source)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, meta["grade_id"], "exec"), ns)
        except AssertionError as exc:
            if not (meta["grade"] and not meta["solution"]):
                raise
            failures[meta["grade_id"]] = str(exc)
    return ns, failures


def _graded(aid, ns):
    """The engine's verdicts on the kernel ``ns``: answers and probe calls read out as plain data."""
    key = load_key(aid)
    rng = np.random.default_rng(0)
    params = key.parameter_sets(rng)[0]
    probes = {name: [tuple(a) for a in args] for name, args in key.probes(rng).items()}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(extraction_cell(key.answers, probes, "NONCE"), ns)
    payload = strict_loads(out.getvalue().strip().splitlines()[-1][len("NONCE"):], 10**8)
    run = Run(parameters=params, answers=read_answers(payload, key.answers),
              probes=read_probes(payload, {n: len(a) for n, a in probes.items()}), probe_args=probes)
    return judge(load_assignment(aid), key, [run])


@pytest.mark.parametrize("case", list(CASES))
def test_visible_tests_accept_what_the_key_accepts(case):
    aid, answers = CASES[case]
    ns, failures = _run_notebook(aid, answers)
    assert not failures, failures
    verdicts = _graded(aid, ns)
    assert all(v.points == v.max_points for v in verdicts.values()), \
        {g: v.feedback for g, v in verdicts.items() if v.points < v.max_points}


def test_quick_test_checks_accept_pairs_and_whole_floats():
    from grader.assignments.quick_test.key import quiz, solution

    loose = []
    for q in quiz().questions:
        value = solution(q)
        if q.type in ("multiple_choice", "ordering", "multiple_select"):
            value = float(value) if q.type == "multiple_choice" else [float(v) for v in value]
        loose.append((q.id, value))  # a list of pairs, option and step numbers as floats
    ns, failures = _run_notebook("quick_test", {"answers_cell": f"answers = {loose!r}"})
    assert not failures, failures
    verdicts = _graded("quick_test", ns)
    assert all(v.points == v.max_points for v in verdicts.values())
