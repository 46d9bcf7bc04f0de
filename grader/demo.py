"""``course demo``: a throw-away course with a small class of sample submissions, autograded.

The sample students are code, not files: each fills the answer cells (by nbgrader grade id) of the
*released* notebook, so the demo stays in step with the exercises. The class covers correct
answers, a correct answer in another form, partial credit, common mistakes, and students gaming
the grader (typed-in numbers, monkeypatched builtins, skip-tagged tests), plus broken submissions
(damaged JSON, ``sys.exit``, a kernel killed by ``os._exit``).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
MARKER = ".imbalance-lab-demo"
# Lets ``jupyter lab`` started in the demo course open formgrader on it: the released notebooks
# double as nbgrader's source folder (formgrader lists assignments from there) and the gradebook
# is the one ``course autograde`` writes (grader.gradebook.db_url_for).
NBGRADER_CONFIG = """\
from pathlib import Path

c = get_config()  # noqa: F821
here = Path(__file__).resolve().parent
c.CourseDirectory.root = str(here)
c.CourseDirectory.source_directory = "exercises"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = f"sqlite:///{here / 'gradebook.db'}"
"""

_CORRECT_FN = '''def inverse_frequency_weights(counts):
    total = sum(counts.values())
    k = len(counts)
    return {c: total / (k * n_c) for c, n_c in counts.items()}'''
_CORRECT_W = '''weights = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})
w0 = round(weights[0], 2)
w1 = round(weights[1], 2)'''

_TILTED_QUOTAS = ("wave1_quotas = source_quotas(source_shares, wave_size, min_share=MIN_SHARE,\n"
                  "                             tilt=FRAUD_LIFT, pool_counts=pool_counts)")
_CRITERIA = ('selection_criteria = """Deduplicate first; quotas with a 10% floor per source, tilted to\n'
             'Chat and Social; 40% of each source from weak fraud rules, the rest random; after wave 1,\n'
             'a seed model picks the most uncertain tickets."""')
_THREE_WAVES = ("quotas = source_quotas(source_shares, wave_size, min_share=0.1, tilt=SOURCE_LIFT, strength=0.5)\n"
                "fifth, half = wave_size // 5, wave_size // 2\n"
                "later = {'quotas': quotas, 'seeded': fifth, 'uncertainty': half, 'random': wave_size - fifth - half}\n"
                "waves = ([{'quotas': quotas, 'seeded': half, 'uncertainty': 0, 'random': wave_size - half}]\n"
                "         + [dict(later) for _ in range(n_waves - 1)])")
_SUCCESS = "success_metrics = ['cumulative_positives', 'yield_vs_random', 'source_entropy']"
_RULES = ('selection_rules = """Quotas tilted to UserReports and Chat with a 10% floor; dedup first;\n'
          'wave 1 half keyword-seeded, half random; then half uncertainty from a model on the labels so far,\n'
          'a fifth seeded, the rest random; after each wave compare with random and check source entropy."""')

# Exercise 4: the reference answers, and one classic mistake per sample student.
_EX04_FN = """def threshold_for_recall(y_true, scores, min_recall):
    y, s = np.asarray(y_true), np.asarray(scores, dtype=float)
    precision, recall, thresholds = precision_recall_curve(y, s)
    precision, recall = precision[:-1], recall[:-1]
    meets = np.flatnonzero(recall >= min_recall)
    return float(thresholds[meets[np.argmax(precision[meets])]])"""
_EX04_ON_TEST = """threshold = threshold_for_recall(y_val, p_val, target_recall)
test_precision = precision_score(y_test, (p_test >= threshold).astype(int))
test_recall = recall_score(y_test, (p_test >= threshold).astype(int))"""
_EX04_PEEK = """peek_threshold = threshold_for_recall(y_test, p_test, target_recall)
peek_precision = precision_score(y_test, (p_test >= peek_threshold).astype(int))
peek_recall = recall_score(y_test, (p_test >= peek_threshold).astype(int))"""
_EX04_PLATT = """def calibrate(fit_scores, fit_labels, scores):
    return PlattCalibrator().fit(fit_scores, fit_labels).transform(scores)"""
_EX04_APPLY = "p_test_calibrated = calibrate(p_val, y_val, p_test)"


def _ex04_loop(flag: str, recall: str) -> str:
    """A hand-written threshold search: ``flag`` decides what is flagged at candidate ``t``,
    ``recall`` is the recall it holds to the target."""
    return f"""def threshold_for_recall(y_true, scores, min_recall):
    y, s = np.asarray(y_true), np.asarray(scores, dtype=float)
    best, best_precision = None, -1.0
    for t in np.unique(s):
        flagged = {flag}
        if not flagged.any():
            continue
        precision = np.sum(flagged & (y == 1)) / np.sum(flagged)
        recall = {recall}
        if recall >= min_recall and precision > best_precision:
            best, best_precision = float(t), precision
    return best"""


def _ex04(**answers) -> dict:
    cells = {"a1_threshold_for_recall": _EX04_FN, "a2_threshold_on_test": _EX04_ON_TEST,
             "a3_peeking": _EX04_PEEK, "a4_calibrate": _EX04_PLATT, "a5_calibrated_test": _EX04_APPLY}
    return {**cells, **answers}


#: assignment id -> student id -> {answer cell grade id: source}; "*" entries are special:
#: "*json" replaces the whole file, "*tags" adds tags to cells by grade id.
SAMPLES = {
    "ex01_class_weights": {
        "alice_correct": {"a1_inverse_frequency_weights": _CORRECT_FN,
                          "a2_rounded_weights": _CORRECT_W,
                          "a3_metrics": 'metrics = ["pr_auc", "macro_f1"]'},
        "bob_numpy_pairs": {
            "a1_inverse_frequency_weights": (
                "import numpy as np\n\n"
                "def inverse_frequency_weights(counts):\n"
                "    keys = list(counts)\n"
                "    n = np.array([counts[k] for k in keys], dtype=float)\n"
                "    w = n.sum() / (len(n) * n)\n"
                "    return [(k, w[i]) for i, k in enumerate(keys)]"),
            "a2_rounded_weights": ("w = dict(inverse_frequency_weights({'0': n_non_toxic, '1': n_toxic}))\n"
                                   "w0, w1 = np.round(w['0'], 2), np.round(w['1'], 2)"),
            "a3_metrics": 'metrics = ("PR-AUC", "macro F1")'},
        "carol_partly": {"a1_inverse_frequency_weights": _CORRECT_FN,
                         "a2_rounded_weights": ("w = inverse_frequency_weights({0: n_non_toxic, 1: n_toxic})\n"
                                                "w0, w1 = w[0], w[1]"),
                         "a3_metrics": 'metrics = ["accuracy", "macro_f1"]'},
        "dave_swapped": {"a1_inverse_frequency_weights": (
                             "def inverse_frequency_weights(counts):\n"
                             "    total, k = sum(counts.values()), len(counts)\n"
                             "    return {c: n_c * k / total for c, n_c in counts.items()}"),
                         "a2_rounded_weights": _CORRECT_W,
                         "a3_metrics": 'metrics = ["roc_auc", "accuracy"]'},
        "erin_forgot_k": {"a1_inverse_frequency_weights": (
                              "def inverse_frequency_weights(counts):\n"
                              "    total = sum(counts.values())\n"
                              "    return {c: total / n_c for c, n_c in counts.items()}"),
                          "a2_rounded_weights": _CORRECT_W,
                          "a3_metrics": 'metrics = ["pr_auc", "balanced_accuracy"]'},
        "frank_hardcoded": {"a1_inverse_frequency_weights": (
                                "def inverse_frequency_weights(counts):\n"
                                "    return {0: 0.54, 1: 6.25}"),
                            "a2_rounded_weights": "w0 = 0.54\nw1 = 6.25",
                            "a3_metrics": 'metrics = ["pr_auc", "macro_f1"]'},
        "grace_monkeypatch": {"a1_inverse_frequency_weights": (
                                  "import builtins, numpy as np\n"
                                  "builtins.abs = lambda x: 0.0\n"
                                  "builtins.round = lambda x, n=None: x\n"
                                  "np.isclose = np.allclose = lambda *a, **k: True\n"
                                  "def inverse_frequency_weights(counts):\n"
                                  "    return {0: 0.54, 1: 6.25}"),
                              "a2_rounded_weights": "w0 = 0.54\nw1 = 6.25",
                              "a3_metrics": 'metrics = ["accuracy", "roc_auc"]'},
        "heidi_skip_tags": {"a1_inverse_frequency_weights": _CORRECT_FN,
                            "a2_rounded_weights": "w0 = 1\nw1 = 1",
                            "a3_metrics": 'metrics = ["accuracy"]',
                            "*tags": {"q2_rounded_weights": ["skip-execution", "raises-exception"],
                                      "q3_metrics": ["skip-execution"]}},
        "ivan_sys_exit": {"a1_inverse_frequency_weights": _CORRECT_FN,
                          "a2_rounded_weights": "import sys\nsys.exit(0)\n" + _CORRECT_W,
                          "a3_metrics": 'metrics = ["pr_auc", "macro_f1"]'},
        "judy_kernel_crash": {"a1_inverse_frequency_weights": "import os\nos._exit(1)",
                              "a2_rounded_weights": _CORRECT_W,
                              "a3_metrics": 'metrics = ["pr_auc", "macro_f1"]'},
        "mallory_broken_json": {"*json": '{"cells": [{"cell_type": "code", "source": "w0 = 0.54"'},
    },
    "ex02_labeling_plan": {
        "alice_correct": {"a1_wave1_quotas": _TILTED_QUOTAS, "a2_seeded_share": "seeded_share = 0.4",
                          "a3_dedup_first": "dedup_first = True",
                          "a4_uncertainty_labels": "uncertainty_labels = label_budget - wave_size",
                          "q6_selection_criteria": _CRITERIA},
        "bob_pool_shares": {"a1_wave1_quotas": ("wave1_quotas = source_quotas(source_shares, wave_size, "
                                                "min_share=MIN_SHARE)"),
                            "a2_seeded_share": "seeded_share = 0.4", "a3_dedup_first": "dedup_first = True",
                            "a4_uncertainty_labels": "uncertainty_labels = label_budget - wave_size",
                            "q6_selection_criteria": "selection_criteria = 'same mix as the pool'"},
        "carol_typed_numbers": {"a1_wave1_quotas": "wave1_quotas = {'Email': 400, 'Chat': 400, 'Social': 200}",
                                "a2_seeded_share": "seeded_share = 0.4", "a3_dedup_first": "dedup_first = True",
                                "a4_uncertainty_labels": "uncertainty_labels = 1000",
                                "q6_selection_criteria": _CRITERIA},
        "dave_no_seeding": {"a1_wave1_quotas": _TILTED_QUOTAS, "a2_seeded_share": "seeded_share = 0.0",
                            "a3_dedup_first": "dedup_first = False",
                            "a4_uncertainty_labels": "uncertainty_labels = label_budget - wave_size",
                            "q6_selection_criteria": "selection_criteria = 'random tickets'"},
        "erin_percent": {"a1_wave1_quotas": _TILTED_QUOTAS, "a2_seeded_share": "seeded_share = 40  # percent",
                         "a3_dedup_first": "dedup_first = 'yes'",
                         "a4_uncertainty_labels": "uncertainty_labels = label_budget",
                         "q6_selection_criteria": _CRITERIA},
    },
    "ex03_three_wave_plan": {
        "alice_correct": {"a_waves": _THREE_WAVES, "a_success_metrics": _SUCCESS, "q6_selection_rules": _RULES},
        "bob_random_only": {"a_waves": ("quotas = source_quotas(source_shares, wave_size, min_share=0.1)\n"
                                        "waves = [{'quotas': quotas, 'seeded': 0, 'uncertainty': 0, "
                                        "'random': wave_size}] * n_waves"),
                            "a_success_metrics": "success_metrics = ['positives_found']",
                            "q6_selection_rules": "selection_rules = 'random messages from every source'"},
        "carol_uncertainty_first": {"a_waves": _THREE_WAVES + "\nwaves[0] = waves[1]",
                                    "a_success_metrics": _SUCCESS},
        "dave_one_source": {"a_waves": _THREE_WAVES.replace(
                                "quotas = source_quotas(source_shares, wave_size, min_share=0.1, "
                                "tilt=SOURCE_LIFT, strength=0.5)",
                                "quotas = {s: wave_size // 10 for s in source_shares}\n"
                                "quotas['UserReports'] = wave_size - 3 * (wave_size // 10)"),
                            "a_success_metrics": "success_metrics = ['accuracy']",
                            "q6_selection_rules": "selection_rules = 'mostly user reports'"},
        "erin_typed_numbers": {"a_waves": ("q = {'Comments': 300, 'Reviews': 150, 'Chat': 250, 'UserReports': 300}\n"
                                           "waves = [{'quotas': q, 'seeded': 500, 'uncertainty': 0, 'random': 500},\n"
                                           "         {'quotas': q, 'seeded': 200, 'uncertainty': 500, 'random': 300},\n"
                                           "         {'quotas': q, 'seeded': 200, 'uncertainty': 500, 'random': 300}]"),
                               "a_success_metrics": _SUCCESS},
    },
    "ex04_thresholds_and_calibration": {
        "alice_correct": _ex04(),
        "bob_loop_isotonic": _ex04(
            a1_threshold_for_recall=_ex04_loop("s >= t", "np.sum(flagged & (y == 1)) / np.sum(y == 1)"),
            a4_calibrate=("def calibrate(fit_scores, fit_labels, scores):\n"
                          "    return IsotonicCalibrator().fit(fit_scores, fit_labels).transform(scores)")),
        "carol_tuned_on_test": _ex04(a2_threshold_on_test=_EX04_ON_TEST.replace("(y_val, p_val,",
                                                                                "(y_test, p_test,")),
        "dave_strict_greater": _ex04(
            a1_threshold_for_recall=_ex04_loop("s > t", "np.sum(flagged & (y == 1)) / np.sum(y == 1)")),
        "erin_recall_of_class_0": _ex04(
            a1_threshold_for_recall=_ex04_loop("s >= t", "np.sum(~flagged & (y == 0)) / np.sum(y == 0)")),
        "frank_calibrated_on_train": _ex04(
            a5_calibrated_test="p_test_calibrated = calibrate(p_train, y_train, p_test)"),
        "grace_temperature": _ex04(a4_calibrate=(
            "def calibrate(fit_scores, fit_labels, scores):\n"
            "    # sharpens or softens the scores, which should fix them\n"
            "    return TemperatureCalibrator().fit(fit_scores, fit_labels).transform(scores)")),
    },
}


def sample_notebook(released, answers: dict):
    """The released notebook with answer cells filled and any extra tags added."""
    nb = nbformat.reads(nbformat.writes(released), as_version=4)
    tags = answers.get("*tags", {})
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
        if gid in tags:
            cell.metadata["tags"] = list(tags[gid])
    return nb


def write_submissions(course_dir, assignment_id: str, notebook_name: str) -> Path:
    """Write the sample class into ``<course_dir>/submitted/<student>/<assignment>/``."""
    course_dir = Path(course_dir)
    released = nbformat.read(course_dir / "exercises" / assignment_id / f"{notebook_name}.ipynb",
                             as_version=4)
    root = course_dir / "submitted"
    for student, answers in SAMPLES[assignment_id].items():
        path = root / student / assignment_id / f"{notebook_name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if "*json" in answers:
            path.write_text(answers["*json"])
        else:
            nbformat.write(sample_notebook(released, answers), path)
    return root


def prepare_course(course_dir, assignments) -> Path:
    """A fresh course directory with the released exercises (``exercises/`` of this repository)."""
    course_dir = Path(course_dir)
    if course_dir.exists() and any(course_dir.iterdir()):
        if not (course_dir / MARKER).exists():
            raise FileExistsError(f"{course_dir} exists and is not a demo course; choose another --dir")
        shutil.rmtree(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / MARKER).write_text("created by `course demo`; safe to delete\n")
    (course_dir / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    for aid in assignments:
        src = REPO / "exercises" / aid
        if not src.is_dir():
            raise FileNotFoundError(f"{src} is missing; run `course release` in the repository")
        shutil.copytree(src, course_dir / "exercises" / aid)
    return course_dir
