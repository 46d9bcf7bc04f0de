"""Answer keys grade hand-built runs: every accepted answer form, every common mistake.

No notebook runs here: a Run holds what the engine would have read out of a student's notebook,
and the engine's judge (declaration + key) turns the runs into verdicts.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grader.assignments.ex01_class_weights import key as k1
from grader.assignments.ex02_labeling_plan import key as k2
from grader.assignments.ex03_three_wave_plan import key as k3
from grader.contract import load_assignment, load_key
from grader.pipeline.judge import judge
from grader.spec import CallError, Missing, Run, Unsupported

EX01, EX02, EX03 = "ex01_class_weights", "ex02_labeling_plan", "ex03_three_wave_plan"


def grade(assignment_id, runs):
    """The verdicts the engine gives these runs (without running any notebook)."""
    return judge(load_assignment(assignment_id), load_key(assignment_id), runs)
from imbalance_kit import class_weights
from imbalance_kit.labeling import source_quotas


def feedback(verdict) -> str:
    return "\n".join(verdict.feedback)


def as_json(value):
    """What survives a JSON round trip (dict keys become strings, tuples lists)."""
    return json.loads(json.dumps(value))


def encoded(mapping):
    """The engine's type-keeping dict encoding."""
    return {"__dict__": [[k, v] for k, v in mapping.items()]}


@pytest.mark.parametrize("key_id", ["ex01_class_weights", "ex02_labeling_plan", "ex03_three_wave_plan"])
def test_parameter_sets_start_with_defaults_and_vary(key_id):
    key = load_key(key_id)
    assert load_assignment(key_id).notebook.name == key_id
    for seed in range(20):
        sets = key.parameter_sets(np.random.default_rng(seed))
        assert sets[0] == key.parameter_sets(np.random.default_rng(seed + 1))[0]
        assert len(sets) >= 2 and all(s != sets[0] for s in sets[1:])
        assert all(json.loads(json.dumps(s)) == s for s in sets)  # injectable as plain data


# ---------------------------------------------------------------- ex01 ---------------------------

def ref_weights(counts):
    return class_weights(counts)


def ex01_runs(func=ref_weights, w=None, metrics=("pr_auc", "macro_f1"), form=lambda d: d,
              seed=0, with_args=True, **run_kw):
    rng = np.random.default_rng(seed)
    params = k1.parameter_sets(rng)
    args = k1.probes(rng)
    runs = []
    for p in params:
        exact = class_weights({0: p["n_non_toxic"], 1: p["n_toxic"]})
        w0, w1 = (round(exact[0], 2), round(exact[1], 2)) if w is None else w(p, exact)
        results = []
        for (counts,) in args[k1.FUNC]:
            try:
                r = func(counts)
            except Exception as exc:  # noqa: BLE001 - a student's function may raise anything
                r = CallError(f"{type(exc).__name__}: {exc}")
            results.append(form(r) if isinstance(r, dict) else r)
        runs.append(Run(parameters=p, answers={"w0": w0, "w1": w1, "metrics": list(metrics)},
                        probes={k1.FUNC: results}, probe_args=args if with_args else {}, **run_kw))
    return runs


@pytest.mark.parametrize("form", [
    lambda d: d,                                          # dict, keys as given
    as_json,                                              # JSON: int keys became strings
    encoded,                                              # engine encoding keeps key types
    lambda d: [[k, v] for k, v in d.items()],             # documented list of pairs
    lambda d: {k: float(np.float64(v)) for k, v in d.items()},  # numpy floats, converted
])
@pytest.mark.parametrize("seed", range(5))
def test_ex01_correct_forms_get_full_marks(form, seed):
    verdicts = grade(EX01, ex01_runs(form=form, seed=seed))
    assert {g: v.points for g, v in verdicts.items()} == {
        "q1_inverse_frequency_weights": 3, "q2_rounded_weights": 2, "q3_metrics": 2}
    assert all(v.feedback for v in verdicts.values())


def test_ex01_without_probe_args_grades_the_fixed_probes():
    assert grade(EX01, ex01_runs(with_args=False))["q1_inverse_frequency_weights"].points == 3


@pytest.mark.parametrize("func, points, line", [
    (lambda c: dict(zip(c, list(ref_weights(c).values())[::-1])), 0, "swapped"),
    (lambda c: {k: sum(c.values()) / n for k, n in c.items()}, 0, "not by K"),
    (lambda c: {k: n / sum(c.values()) for k, n in c.items()}, 0, "class frequencies"),
    (lambda c: {k: 1 / n for k, n in c.items()}, 0, "1 / n_c"),
    (lambda c: {k: sum(c.values()) / (2 * n) for k, n in c.items()}, 1, "not for more"),
    (lambda c: {k: round(v, 2) for k, v in ref_weights(c).items()}, 2, "rounds its weights"),
    (lambda c: list(ref_weights(c).values()), 0, "bare list"),
    (lambda c: {str(k) + "x": v for k, v in ref_weights(c).items()}, 0, "not the classes"),
    (lambda c: 1 / 0, 0, "ZeroDivisionError"),
])
def test_ex01_function_mistakes(func, points, line):
    v = grade(EX01, ex01_runs(func=func))["q1_inverse_frequency_weights"]
    assert v.points == points and line in feedback(v), feedback(v)


def test_ex01_missing_function():
    runs = ex01_runs()
    for r in runs:
        r.probes = {}
    v = grade(EX01, runs)["q1_inverse_frequency_weights"]
    assert v.points == 0 and "not defined" in feedback(v)


@pytest.mark.parametrize("w, points, line", [
    (lambda p, e: (0.54, 6.25), 0, "look hard-coded"),
    (lambda p, e: (e[0], e[1]), 1, "not rounded"),
    (lambda p, e: (round(e[1], 2), round(e[0], 2)), 0, "swapped"),
    (lambda p, e: (round(2 * e[0], 2), round(2 * e[1], 2)), 0, "not by K"),
    (lambda p, e: (round(e[0], 2), round(20_000 / (2 * p["n_toxic"]), 2)), 0, "not when the counts change"),
    (lambda p, e: ("0.54", "6.25"), 0, "must be a number"),
    (lambda p, e: (Missing("w0"), 6.25), 0, "not defined"),
    (lambda p, e: (Unsupported("w0", "AlwaysEqual"), 6.25), 0, "AlwaysEqual"),
    (lambda p, e: (True, 6.25), 0, "must be a number"),
])
def test_ex01_rounded_weight_mistakes(w, points, line):
    v = grade(EX01, ex01_runs(w=w))["q2_rounded_weights"]
    assert v.points == points and line in feedback(v), feedback(v)


@pytest.mark.parametrize("metrics, points, line", [
    (["PR-AUC", "Macro F1"], 2, "PR-AUC and macro F1"),
    (["average_precision", "f1_macro"], 2, "PR-AUC and macro F1"),
    (["macro_f1", "pr_auc"], 2, "PR-AUC and macro F1"),
    (["accuracy", "roc_auc"], 0, "a model that flags nothing already scores 0.92"),
    (["accuracy", "roc_auc"], 0, "ROC-AUC can look high"),
    (["pr_auc", "per_class_recall"], 2, "PR-AUC and per-class recall"),
    (["macro_f1", "per_class_recall"], 1.5, "add PR-AUC (average precision)"),
    (["balanced_accuracy", "macro_f1"], 1.5, "are read at one threshold"),
    (["pr_auc", "roc_auc"], 1, "pair it with a per-class or macro view"),
    (["accuracy", "macro_f1"], 1, "pair it with PR-AUC"),
    (["pr_auc", "micro_f1"], 1, "equals accuracy"),
    (["pr_auc", "macro_f1", "accuracy"], 0, "exactly two"),
    (["pr_auc", "pr_auc"], 0, "twice"),
    (["pr_auc", "f2"], 0, "not in the vocabulary"),
])
def test_ex01_metric_choices(metrics, points, line):
    v = grade(EX01, ex01_runs(metrics=metrics))["q3_metrics"]
    assert v.points == points and line in feedback(v), feedback(v)


def test_ex01_metrics_as_string_or_object():
    runs = ex01_runs()
    runs[0].answers["metrics"] = "pr_auc, macro_f1"
    assert "single string" in feedback(grade(EX01, runs)["q3_metrics"])
    runs[0].answers["metrics"] = Unsupported("metrics", "Metrics")
    v = grade(EX01, runs)["q3_metrics"]
    assert v.points == 0 and "plain Python values" in feedback(v)


EX01_CELLS = ("a1_inverse_frequency_weights", "q1_inverse_frequency_weights", "a2_rounded_weights",
              "q2_rounded_weights", "a3_metrics", "q3_metrics")
TIMEOUT = "CellTimeoutError: the cell ran longer than the time limit per cell (3 s) and was interrupted"


def ex01_cells(**changed):
    cells = {g: {"executed": True, "error": None} for g in EX01_CELLS}
    cells.update(changed)
    return cells


def test_execution_problems_zero_the_affected_questions():
    cells = ex01_cells(q3_metrics={"executed": False, "error": None})  # skipped or exited early
    verdicts = grade(EX01, ex01_runs(cells=cells))
    assert verdicts["q1_inverse_frequency_weights"].points == 3
    assert verdicts["q3_metrics"].points == 0
    assert "did not run" in feedback(verdicts["q3_metrics"])
    died = grade(EX01, ex01_runs(error="kernel died"))
    assert all(v.points == 0 and "kernel died" in feedback(v) for v in died.values())


@pytest.mark.parametrize("error, words", [
    (TIMEOUT, "time limit per cell (3 s)"),
    ("MemoryError: the cell ran out of memory (the memory limit (2048 MB))", "memory limit (2048 MB)"),
])
def test_a_limit_in_one_answer_cell_costs_only_its_question(error, words):
    """A cell stopped at a limit the kernel survives: the other questions keep their marks."""
    verdicts = grade(EX01, ex01_runs(cells=ex01_cells(a3_metrics={"executed": True, "error": error})))
    assert verdicts["q1_inverse_frequency_weights"].points == 3
    assert verdicts["q2_rounded_weights"].points == 2
    v = verdicts["q3_metrics"]
    assert v.points == 0 and "cell 'a3_metrics' hit a limit" in feedback(v) and words in feedback(v)
    # a limit in a test cell (it calls the student's code) costs that question too
    cells = ex01_cells(q1_inverse_frequency_weights={"executed": True, "error": error})
    verdicts = grade(EX01, ex01_runs(cells=cells))
    assert verdicts["q1_inverse_frequency_weights"].points == 0 and words in feedback(
        verdicts["q1_inverse_frequency_weights"])
    assert verdicts["q2_rounded_weights"].points == 2 and verdicts["q3_metrics"].points == 2


def test_a_cell_that_only_raised_is_judged_on_its_answers():
    error = "NameError: name 'oops' is not defined"
    verdicts = grade(EX01, ex01_runs(cells=ex01_cells(a3_metrics={"executed": True, "error": error})))
    assert verdicts["q3_metrics"].points == 2


def test_a_run_that_stopped_names_why_for_questions_that_ran_and_those_that_did_not():
    stuck = ("cell 'a3_metrics' ran longer than the time limit per cell (3 s) and did not stop "
             "when interrupted")
    runs = ex01_runs(cells=ex01_cells(a3_metrics={"executed": False, "error": None},
                                      q3_metrics={"executed": False, "error": None}), error=stuck)
    verdicts = grade(EX01, runs)
    assert all(v.points == 0 and stuck in feedback(v) for v in verdicts.values())
    # no answers were read, so even the questions that ran get nothing, and are told why
    assert "cells ran, but your notebook stopped later" in feedback(verdicts["q1_inverse_frequency_weights"])
    assert "did not all run" in feedback(verdicts["q3_metrics"])


def test_a_failed_re_run_costs_only_the_questions_judged_on_fresh_parameters():
    runs = ex01_runs(cells=ex01_cells())
    runs[1].error = "the kernel died while running cell 'a2_rounded_weights'"
    runs[1].cells = ex01_cells(q2_rounded_weights={"executed": False, "error": None})
    runs[2].error, runs[2].cells = "not run: re-run 2 skipped after an earlier failure", {}
    verdicts = grade(EX01, runs)
    assert verdicts["q1_inverse_frequency_weights"].points == 3 and verdicts["q3_metrics"].points == 2
    v = verdicts["q2_rounded_weights"]
    assert v.points == 0 and "re-ran your notebook" in feedback(v) and "kernel died" in feedback(v)
    # the same for a limit hit only on fresh parameters (e.g. a loop when the counts change)
    runs = ex01_runs(cells=ex01_cells())
    runs[1].cells = ex01_cells(a2_rounded_weights={"executed": True, "error": TIMEOUT})
    v = grade(EX01, runs)["q2_rounded_weights"]
    assert v.points == 0 and "time limit per cell (3 s)" in feedback(v) and "re-ran" in feedback(v)


def test_weight_mistake_on_random_counts():
    rng = np.random.default_rng(0)
    for _ in range(100):
        counts = rng.integers(1, 10_000, size=int(rng.integers(3, 6))).tolist()
        n = np.array(counts, float)
        ref = n.sum() / (len(n) * n)
        assert k1.weight_mistake(list(ref), counts, 1e-9) is None
        assert "not by K" in k1.weight_mistake(list(n.sum() / n), counts, 1e-9)


# ---------------------------------------------------------------- ex02 ---------------------------

def ex02_answers(p):
    counts = k2.pool_for(p)["source"].value_counts().to_dict()
    return {"wave1_quotas": source_quotas(p["source_shares"], p["wave_size"], min_share=k2.MIN_SHARE,
                                          tilt=k2.FRAUD_LIFT, pool_counts=counts),
            "seeded_share": 0.4, "dedup_first": True,
            "uncertainty_labels": p["label_budget"] - p["wave_size"],
            "selection_criteria": "seed with rules, dedup first, quotas with a floor"}


def ex02_runs(change=None, seed=0, params=None):
    params = params or k2.parameter_sets(np.random.default_rng(seed))
    runs = []
    for p in params:
        answers = ex02_answers(p)
        if change:
            answers.update(change(p, answers))
        runs.append(Run(parameters=p, answers=answers))
    return runs


EX02_FULL = {"q1_wave1_quotas": 3, "q2_seeded_share": 1, "q3_dedup_first": 1,
             "q4_uncertainty_labels": 1, "q5_simulated_yield": 2}


@pytest.mark.parametrize("form", [
    lambda q: q, encoded, lambda q: [[s, n] for s, n in q.items()],
    lambda q: {s: float(n) for s, n in q.items()},            # whole floats (e.g. numpy)
])
@pytest.mark.parametrize("seed", range(2))
def test_ex02_correct_forms_get_full_marks(form, seed):
    runs = ex02_runs(lambda p, a: {"wave1_quotas": form(a["wave1_quotas"])}, seed=seed)
    verdicts = grade(EX02, runs)
    assert {g: v.points for g, v in verdicts.items()} == EX02_FULL, \
        {g: v.feedback for g, v in verdicts.items()}
    manual = [q.grade_id for q in load_assignment(EX02).questions if q.manual]
    assert manual == ["q6_selection_criteria"] and "q6_selection_criteria" not in verdicts


def scaled(p, shares):
    return {"wave1_quotas": dict(zip(shares, _round_to([f * p["wave_size"] for f in shares.values()],
                                                        p["wave_size"])))}


def _round_to(values, total):
    out = [int(v) for v in values]
    out[0] += total - sum(out)
    return out


@pytest.mark.parametrize("change, points, line", [
    (lambda p, a: scaled(p, {"Email": 0.6, "Chat": 0.3, "Social": 0.1}), 2,
     "Email is at or above its pool share (60%) although fraud is rarer there"),
    (lambda p, a: scaled(p, {"Email": 0.0, "Chat": 0.5, "Social": 0.5}), 2, "Email is abandoned"),
    (lambda p, a: scaled(p, {"Email": 0.3, "Chat": 0.65, "Social": 0.05}), 2, "below the diversity floor"),
    (lambda p, a: {"wave1_quotas": {"Email": 300, "Chat": 450, "Social": 250}}, 0, "look hard-coded"),
    (lambda p, a: {"wave1_quotas": {**a["wave1_quotas"], "Email": a["wave1_quotas"]["Email"] - 50}}, 2,
     "not to the wave size"),
    (lambda p, a: {"wave1_quotas": {"Email": 300, "Chat": 450}}, 0, "missing sources ['Social']"),
    (lambda p, a: {"wave1_quotas": [300, 450, 250]}, 0, "make it a dict"),
    (lambda p, a: {"wave1_quotas": {**a["wave1_quotas"], "Email": 299.5}}, 0, "whole numbers"),
])
def test_ex02_quota_mistakes(change, points, line):
    v = grade(EX02, ex02_runs(change))["q1_wave1_quotas"]
    assert v.points == points and line in feedback(v), feedback(v)


def test_ex02_quotas_must_fit_the_pool():
    p = {**k2.DEFAULTS, "n_tickets": 3_000}        # Social holds 300 tickets
    runs = ex02_runs(lambda p, a: {"wave1_quotas": {"Email": 100, "Chat": 100, "Social": 800}},
                     params=[p])
    v = grade(EX02, runs)["q1_wave1_quotas"]
    assert v.points == 2 and "Social (800 asked, 300 in the pool)" in feedback(v)


@pytest.mark.parametrize("grade_id, change, line", [
    ("q2_seeded_share", {"seeded_share": 0}, "no part of the wave is seeded"),
    ("q2_seeded_share", {"seeded_share": 1}, "the whole wave is rule-seeded"),
    ("q2_seeded_share", {"seeded_share": 400}, "not a number of items"),
    ("q2_seeded_share", {"seeded_share": "0.4"}, "must be a fraction"),
    ("q3_dedup_first", {"dedup_first": False}, "deduplicate first"),
    ("q3_dedup_first", {"dedup_first": "yes"}, "True or False"),
    ("q4_uncertainty_labels", {"uncertainty_labels": 0}, "no labels are kept"),
    ("q4_uncertainty_labels", {"uncertainty_labels": 1_000}, "exceed the label budget"),
    ("q4_uncertainty_labels", {"uncertainty_labels": 12.5}, "whole number"),
    ("q4_uncertainty_labels", {"uncertainty_labels": Missing("uncertainty_labels")}, "not defined"),
])
def test_ex02_single_criteria(grade_id, change, line):
    verdicts = grade(EX02, ex02_runs(lambda p, a: change))
    assert verdicts[grade_id].points == 0 and line in feedback(verdicts[grade_id]), feedback(verdicts[grade_id])


@pytest.mark.parametrize("grade_id, change, points, line", [
    ("q2_seeded_share", {"seeded_share": 0.95}, 0.5, "keep at least 100 (10% of the wave)"),
    ("q2_seeded_share", {"seeded_share": 0.02}, 0.5, "not clearly more than the 20"),
    ("q2_seeded_share", {"seeded_share": 0.3}, 1, "leaves 70% of the wave to random picks"),
    ("q4_uncertainty_labels", {"uncertainty_labels": 1}, 0.5, "not enough for one real round"),
    ("q4_uncertainty_labels", {"uncertainty_labels": 300}, 1, "kept back"),
])
def test_ex02_choices_are_judged_by_what_they_do(grade_id, change, points, line):
    v = grade(EX02, ex02_runs(lambda p, a: change))[grade_id]
    assert v.points == points and line in feedback(v), feedback(v)


def test_ex02_hard_coded_budget_names_the_fresh_parameters():
    v = grade(EX02, ex02_runs(lambda p, a: {"uncertainty_labels": 1_000}))["q4_uncertainty_labels"]
    assert "when the grader re-ran your notebook with" in feedback(v)


def test_ex02_simulation_judges_the_yield():
    no_rules = grade(EX02, ex02_runs(lambda p, a: {"seeded_share": 0.0}))["q5_simulated_yield"]
    assert no_rules.points == 0 and "not clearly more than random" in feedback(no_rules)
    dups = grade(EX02, ex02_runs(lambda p, a: {"dedup_first": False}))["q5_simulated_yield"]
    assert "near-duplicates" in feedback(dups)
    broken = grade(EX02, ex02_runs(lambda p, a: {"wave1_quotas": {"Email": 1}}))["q5_simulated_yield"]
    assert broken.points == 0 and "cannot be simulated" in feedback(broken)


def test_ex02_yield_verdict_is_the_same_whatever_the_draw():
    """A self-check draws other fresh parameters than the grade (decisions, 18): a plan whose
    simulated yield sits near a band's edge (a token seeded share) must get one verdict."""
    token = lambda p, a: {"seeded_share": 0.02}  # noqa: E731
    got = {grade(EX02, ex02_runs(token, seed=seed))["q5_simulated_yield"].points for seed in range(12)}
    assert len(got) == 1, got


# ---------------------------------------------------------------- ex03 ---------------------------

def ex03_waves(p, tilt_strength=0.5, first=None):
    size = p["wave_size"]
    quotas = source_quotas(p["source_shares"], size, min_share=0.1, tilt=k3.SOURCE_LIFT,
                           strength=tilt_strength)
    fifth, half = size // 5, size // 2
    waves = [{"quotas": quotas, "seeded": half, "uncertainty": 0, "random": size - half},
             {"quotas": quotas, "seeded": fifth, "uncertainty": half, "random": size - fifth - half},
             {"quotas": quotas, "seeded": fifth, "uncertainty": half, "random": size - fifth - half}]
    if first:
        waves[0] = {**waves[0], **first(size)}
    return waves


def ex03_runs(change=None, metrics=("cumulative_positives", "source_entropy"), seed=0):
    runs = []
    for p in k3.parameter_sets(np.random.default_rng(seed)):
        waves = ex03_waves(p)
        if change:
            waves = change(p, waves)
        runs.append(Run(parameters=p, answers={"waves": waves, "success_metrics": list(metrics)}))
    return runs


EX03_FULL = {"q1_wave_format": 2, "q2_wave1_mix": 2, "q3_yield": 3, "q4_diversity": 2,
             "q5_success_metrics": 2}


@pytest.mark.parametrize("form", [
    lambda ws: ws, as_json,
    lambda ws: [encoded({**w, "quotas": encoded(w["quotas"])}) for w in ws],
    lambda ws: [{**w, "quotas": [[s, n] for s, n in w["quotas"].items()]} for w in ws],
])
def test_ex03_correct_forms_get_full_marks(form):
    verdicts = grade(EX03, ex03_runs(lambda p, ws: form(ws)))
    assert {g: v.points for g, v in verdicts.items()} == EX03_FULL, \
        {g: v.feedback for g, v in verdicts.items()}
    # the selection rules in words are graded by hand: no key verdict, pending in check and report
    manual = [q.grade_id for q in load_assignment(EX03).questions if q.manual]
    assert manual == ["q6_selection_rules"] and "q6_selection_rules" not in verdicts


def test_ex03_entropy_matches_the_simulator():
    p = k3.DEFAULTS
    waves = ex03_waves(p)
    out, _ = k3.simulate(Run(parameters=p), waves)
    assert np.allclose(out["source_entropy"], [k3.source_entropy(w["quotas"]) for w in waves])


def test_ex03_wave1_mix_mistakes():
    unc = grade(EX03, ex03_runs(lambda p, ws: ex03_waves(p, first=lambda n: {
        "seeded": n // 2, "uncertainty": n // 4, "random": n - n // 2 - n // 4})))
    assert unc["q2_wave1_mix"].points == 1
    assert "wave 1 uses uncertainty sampling but no model exists yet" in feedback(unc["q2_wave1_mix"])
    assert "simulated as random" in feedback(unc["q3_yield"])
    no_random = grade(EX03, ex03_runs(lambda p, ws: ex03_waves(p, first=lambda n: {
        "seeded": n, "uncertainty": 0, "random": 0})))
    assert no_random["q2_wave1_mix"].points == 1 and "unbiased estimate" in feedback(no_random["q2_wave1_mix"])


def test_ex03_random_only_plan_misses_the_yield_goal():
    def random_only(p, ws):
        return [{**w, "seeded": 0, "uncertainty": 0, "random": p["wave_size"]} for w in ws]
    v = grade(EX03, ex03_runs(random_only))["q3_yield"]
    assert v.points == 0 and "at least 2x random" in feedback(v)


def test_ex03_low_diversity():
    def lopsided(p, ws):
        n = p["wave_size"]
        q = {"Comments": n // 20, "Reviews": n // 20, "Chat": n // 10}
        q["UserReports"] = n - sum(q.values())
        return [{**w, "quotas": q} for w in ws]
    v = grade(EX03, ex03_runs(lopsided))["q4_diversity"]
    assert v.points == 0 and "they lean too hard on UserReports" in feedback(v)
    assert len(v.feedback) == 1 and v.feedback[0].startswith("waves 1, 2, 3 have source entropy")


def test_ex03_one_source_waves_have_zero_entropy_not_minus_zero():
    def one_source(p, ws):
        return [{**w, "quotas": {**{s: 0 for s in p["source_shares"]}, "Chat": p["wave_size"]}} for w in ws]
    v = grade(EX03, ex03_runs(one_source))["q4_diversity"]
    assert "source entropy 0.00," in feedback(v) and "-0.00" not in feedback(v)


def test_ex03_typed_numbers_get_one_line_not_one_per_wave_and_run():
    verdicts = grade(EX03, ex03_runs(lambda p, ws: ex03_waves(k3.DEFAULTS)))
    for gid in ("q1_wave_format", "q2_wave1_mix", "q3_yield", "q4_diversity"):
        assert verdicts[gid].points == 0 and len(verdicts[gid].feedback) == 1, gid
        assert "look hard-coded" in verdicts[gid].feedback[0]


@pytest.mark.parametrize("change, line", [
    (lambda p, ws: as_json(ex03_waves(k3.DEFAULTS)), "they look hard-coded"),
    (lambda p, ws: ws if p == k3.DEFAULTS else [{**w, "random": w["random"] + 1} for w in ws],
     "waves 1, 2, 3: seeded + uncertainty + random add up to"),
    (lambda p, ws: ws[:2], "holds 2 waves"),
    (lambda p, ws: [{k: v for k, v in w.items() if k != "random"} for w in ws], "lacks random"),
    (lambda p, ws: [{**w, "seeded": w["seeded"] + 1} for w in ws], "seeded + uncertainty + random"),
    (lambda p, ws: {"wave1": ws[0]}, "make it a list"),
])
def test_ex03_format_mistakes(change, line):
    verdicts = grade(EX03, ex03_runs(change))
    assert verdicts["q1_wave_format"].points == 0 and line in feedback(verdicts["q1_wave_format"])
    assert verdicts["q3_yield"].points == 0


@pytest.mark.parametrize("metrics, points, line", [
    (["positives_found", "per_source_counts"], 2, "both yield and diversity"),
    (["Cumulative Positives", "source-entropy"], 2, "both yield and diversity"),
    (["positives_found"], 1, "add a diversity measure"),
    (["source_entropy", "accuracy"], 0, "accuracy misleads on imbalanced data"),
    (["cumulative_positives", "source_entropy", "accuracy"], 1, "a point off for metrics that mislead"),
    (list(k3.SUCCESS_METRICS), 1, "a point off for metrics that mislead"),
    (["cumulative_positives", "source_entropy", "fun"], 1, "not in the vocabulary"),
    (["labels_used"], 0, "add a yield measure"),
    (["fun"], 0, "not in the vocabulary"),
])
def test_ex03_success_metrics(metrics, points, line):
    v = grade(EX03, ex03_runs(metrics=metrics))["q5_success_metrics"]
    assert v.points == points and line in feedback(v), feedback(v)


@pytest.mark.parametrize("key_id, runs, gid", [
    ("ex01_class_weights", lambda: ex01_runs(w=lambda p, exact: (10**400, round(exact[1], 2))),
     "q2_rounded_weights"),
    ("ex02_labeling_plan", lambda: ex02_runs(lambda p, a: {"wave1_quotas": {**a["wave1_quotas"],
                                                                           "Email": 10**400}}),
     "q1_wave1_quotas"),
])
def test_an_int_too_big_for_a_float_is_a_wrong_answer_not_a_crash(key_id, runs, gid):
    verdicts = grade(key_id, runs())
    assert verdicts[gid].points == 0 and verdicts[gid].feedback


def released_cells(key_id):
    """Grade ids of the code cells of the released notebook (what the engine reports on)."""
    import nbformat

    path = Path(__file__).resolve().parents[2] / "exercises" / key_id / f"{key_id}.ipynb"
    return [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, 4).cells
            if c.cell_type == "code" and "nbgrader" in c.metadata]


EX03_ALL = set(EX03_FULL)


@pytest.mark.parametrize("key_id, make_runs, limited, lost", [
    ("ex01_class_weights", ex01_runs, "a1_inverse_frequency_weights", {"q1_inverse_frequency_weights"}),
    ("ex01_class_weights", ex01_runs, "a2_rounded_weights", {"q2_rounded_weights"}),
    ("ex01_class_weights", ex01_runs, "a3_metrics", {"q3_metrics"}),
    ("ex02_labeling_plan", ex02_runs, "a1_wave1_quotas", {"q1_wave1_quotas", "q5_simulated_yield"}),
    ("ex02_labeling_plan", ex02_runs, "a2_seeded_share", {"q2_seeded_share", "q5_simulated_yield"}),
    ("ex02_labeling_plan", ex02_runs, "a4_uncertainty_labels", {"q4_uncertainty_labels"}),
    ("ex03_three_wave_plan", ex03_runs, "a_waves", EX03_ALL - {"q5_success_metrics"}),
    ("ex03_three_wave_plan", ex03_runs, "a_success_metrics", {"q5_success_metrics"}),
    ("quick_test", lambda: [Run(parameters={}, answers={"answers": {}})], "answers_cell", None),
])
def test_a_limit_in_an_answer_cell_costs_the_questions_that_read_it(key_id, make_runs, limited, lost):
    runs = make_runs()
    cells = released_cells(key_id)
    assert limited in cells
    for run in runs:
        run.cells = {g: {"executed": True, "error": None} for g in cells}
    before = grade(key_id, runs)
    runs[0].cells[limited]["error"] = TIMEOUT
    after = grade(key_id, runs)
    lost = set(after) if lost is None else lost
    assert {g for g, v in after.items() if v.points != before[g].points or v.points == 0} == lost
    assert all(before[g].points > 0 for g in lost) or key_id == "quick_test"
    assert all(f"cell '{limited}' hit a limit" in feedback(after[g]) for g in lost)
