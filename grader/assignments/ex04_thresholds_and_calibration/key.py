"""Grading rules of ex04_thresholds_and_calibration (questions and points: ``__init__``).

- ``q1_threshold_for_recall``: the student's ``threshold_for_recall(y_true, scores, min_recall)``
  is called on inputs drawn at grade time (tied scores, targets met exactly) and must flag what
  :func:`imbalance_kit.thresholds.choose_threshold` flags. A function that makes one of the
  classic mistakes (``>`` for ``>=``, recall of the wrong class, ...) is named for it.
- ``q2_threshold_on_test``: ``threshold`` chosen on the validation scores, and ``test_precision``
  / ``test_recall`` of that threshold on the test split, on every run (fresh data each). A
  threshold tuned on the test split is named as such. The choice with lesson 07's safety margin
  (at :func:`imbalance_kit.thresholds.recall_aim` of the target) earns the same.
- ``q3_peeking``: ``peek_threshold``, ``peek_precision``, ``peek_recall``: what a threshold chosen
  on the test split would have reported; the feedback says what that report hides.
- ``q4_calibrate``: the student's ``calibrate(fit_scores, fit_labels, scores)`` is called on sets
  of a class-weighted model drawn at grade time and judged by ECE and Brier score on labels it
  never saw, against Platt scaling fitted on the same data. Temperature scaling (no intercept)
  cannot undo the prior shift and is named.
- ``q5_calibrated_test``: ``p_test_calibrated``, the test scores calibrated on the validation
  split, on every run; scores calibrated on the training (or test) split are recognised.
"""
from __future__ import annotations

import numpy as np

from ...contract import AssignmentKey
from ...feedback_diagnose import answer_problem, call_problem, describe, is_number, when
from imbalance_kit.thresholds import recall_aim

from ...spec import Verdict
from . import reference as R

DEFAULTS = {"data_seed": 0, "toxic_rate": 0.06, "target_recall": 0.8}
VARIED = ("data_seed", "toxic_rate", "target_recall")
THRESHOLD_FUNC = "threshold_for_recall"
CALIBRATE_FUNC = "calibrate"
ANSWERS = ("threshold", "test_precision", "test_recall", "peek_threshold", "peek_precision",
           "peek_recall", "p_test_calibrated")

#: Fixed inputs of ``threshold_for_recall``, called before the drawn ones: lesson 06's small
#: example, and one with tied scores where the target is met exactly.
FIXED_THRESHOLD_PROBES = [
    ([0, 0, 0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.9], 0.6),
    ([1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0],
     [0.95, 0.9, 0.9, 0.85, 0.8, 0.8, 0.7, 0.7, 0.6, 0.55, 0.5, 0.5, 0.45, 0.4, 0.4, 0.3, 0.3,
      0.2, 0.15, 0.1], 0.75),
]
N_DRAWN_THRESHOLD_PROBES = 4

#: How much worse than Platt scaling a calibration may be on a held-out set and still pass
#: (isotonic regression, the prior-shift correction and Platt scaling on raw probabilities stay
#: well inside on every draw tried; temperature scaling and raw scores exceed both by far).
ECE_SLACK, BRIER_SLACK = 0.035, 0.01
#: A calibration is traced to the split it was fitted on when it is this much closer to a
#: calibrator fitted there than to any fitted elsewhere (mean absolute difference).
TRACE_RATIO, TRACE_MAX = 0.35, 0.01
TOL = 1e-6

MISTAKES = {
    "strict_score": (
        "it counts an item as flagged when `score > t` while it compares thresholds, but the "
        "threshold it returns is applied as `score >= t` (the course's rule, and "
        "precision_recall_curve's), which also flags the items scoring exactly t: compare with "
        "`>=`."),
    "strict_recall": (
        "it requires `recall > min_recall`; a threshold whose recall equals the target meets it: "
        "use `recall >= min_recall`."),
    "negative_recall": (
        "its recall counts the wrong class: the share of class 0 (non-toxic) left below the "
        "threshold. Recall here is the share of class 1 (toxic) that is flagged, TP / (TP + FN)."),
    "class_zero": (
        "it treats class 0 as the positive class (as `pos_label=0` does); precision and recall "
        "here are those of the rare class 1."),
    "highest_threshold": (
        "it returns the highest threshold that meets the recall target, but precision does not "
        "always rise with the threshold: compare the precision of every threshold that meets "
        "the target and keep the best."),
}
#: Share of the points a function keeps when it makes one of these (and nothing else).
MISTAKE_CREDIT = {"highest_threshold": 2 / 3}
DEFAULT_MISTAKE_CREDIT = 1 / 3


# ---------------------------------------------------------------- parameters and probes

def parameter_sets(rng) -> list[dict]:
    """The notebook's defaults, then two fresh draws: new comments, rate and recall target."""
    rng = np.random.default_rng(rng)
    sets = [dict(DEFAULTS)]
    while len(sets) < 3:
        params = {"data_seed": int(rng.integers(1, 2**31 - 1)),
                  "toxic_rate": round(float(rng.uniform(0.04, 0.10)), 3),
                  "target_recall": round(float(rng.uniform(0.7, 0.9)), 2)}
        if params["data_seed"] not in {s["data_seed"] for s in sets}:
            sets.append(params)
    return sets


def probes(rng) -> dict[str, list[tuple]]:
    """The fixed threshold inputs and four drawn ones; the chained calibration calls."""
    rng = np.random.default_rng(rng)
    thresholds = list(FIXED_THRESHOLD_PROBES)
    thresholds += [R.draw_threshold_probe(rng) for _ in range(N_DRAWN_THRESHOLD_PROBES)]
    return {THRESHOLD_FUNC: [tuple(a) for a in thresholds],
            CALIBRATE_FUNC: R.draw_calibration_probes(rng)}


# ---------------------------------------------------------------- helpers

def _fmt(x: float) -> str:
    return f"{x:.3f}"


def _number_answers(run, names) -> tuple[list[float] | None, str | None]:
    values = []
    for name in names:
        value = run.answers.get(name)
        problem = answer_problem(name, value)
        if problem is None and not is_number(value):
            problem = f"`{name}` is {describe(value)}; it must be a number."
        if problem:
            return None, problem
        values.append(float(value))
    return values, None


def _rerun(run, index: int) -> str:
    return when(run, index, VARIED)


def _hard_coded(runs, names) -> bool:
    """Whether the answers stay the same although every run drew other data."""
    firsts = [run.answers.get(n) for n in names for run in runs[:1]]
    return len(runs) > 1 and all([run.answers.get(n) for n in names] == firsts for run in runs[1:])


def _threshold_mistake(y, s, t, r) -> str | None:
    """The classic mistake whose rule flags what threshold ``t`` flags, if one does."""
    for name in MISTAKES:
        if R.same_decisions(s, t, R.THRESHOLD_RULES[name](y, s, r)):
            return name
    return None


def _metrics_problem(y, s, t, precision, recall, y_other, s_other, split: str) -> str | None:
    """Feedback when (precision, recall) are not those of threshold ``t`` on ``split``."""
    want = R.precision_recall(y, s, t)
    if abs(precision - want[0]) <= TOL and abs(recall - want[1]) <= TOL:
        return None
    if abs(precision - want[1]) <= TOL and abs(recall - want[0]) <= TOL:
        return "precision and recall are swapped."
    strict = R.precision_recall(y, s, t, strict=True)
    if strict != want and abs(precision - strict[0]) <= TOL and abs(recall - strict[1]) <= TOL:
        return ("they flag `score > threshold`; the rule is `score >= threshold`, so the comments "
                "scoring exactly the threshold are flagged too.")
    if abs(recall - R.precision_recall(y, s, t, positive=0)[1]) <= TOL:
        return ("the recall is that of class 0 (non-toxic comments left unflagged); recall is "
                "the share of toxic comments (class 1) that the threshold flags.")
    other = R.precision_recall(y_other, s_other, t)
    if abs(precision - other[0]) <= TOL and abs(recall - other[1]) <= TOL:
        other_split = "validation" if split == "test" else "test"
        return f"these are the {other_split} split's numbers; compute them on the {split} split."
    return (f"they are not the {split} split's precision and recall at your threshold "
            f"(flag when `score >= threshold`).")


# ---------------------------------------------------------------- q1: the threshold function

def grade_threshold_function(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    run = runs[0]
    results = run.probes.get(THRESHOLD_FUNC)
    args = run.probe_args.get(THRESHOLD_FUNC)
    if not isinstance(results, list) or not results or not args:
        v.feedback.append(f"`{THRESHOLD_FUNC}` is not defined (or the cell defining it raised an error).")
        return v
    right, wrong, errors = 0, [], []
    for (y, s, r), result in zip(args, results):
        problem = call_problem(THRESHOLD_FUNC, result)
        if problem is None and not is_number(result):
            problem = (f"`{THRESHOLD_FUNC}` returned {describe(result)}; return the threshold "
                       "alone, as a number.")
        if problem:
            errors.append(problem)
            continue
        if R.same_decisions(s, float(result), R.rule_reference(y, s, r)):
            right += 1
        else:
            wrong.append((y, s, r, float(result)))
    n = len(results)
    if right == n:
        v.points = points
        v.feedback.append(f"`{THRESHOLD_FUNC}` is right on all {n} inputs tried (tied scores and "
                          "targets met exactly included): it flags what the threshold with the "
                          "highest precision at recall >= the target flags.")
        return v
    if errors:
        v.feedback.append(errors[0])
    named = set(MISTAKES)
    for y, s, r, t in wrong:
        named &= {name for name in MISTAKES if R.same_decisions(s, t, R.THRESHOLD_RULES[name](y, s, r))}
    named = [name for name in MISTAKES if name in named]
    if wrong and named:
        v.points = points * min(MISTAKE_CREDIT.get(name, DEFAULT_MISTAKE_CREDIT) for name in named)
        v.feedback += [f"`{THRESHOLD_FUNC}`: {MISTAKES[name]}" for name in named[:1]]
    elif wrong:
        v.points = points / 3 if right >= n / 2 else 0.0
        y, s, r, t = wrong[0]
        got = R.precision_recall(y, s, t)
        best = R.precision_recall(y, s, R.rule_reference(y, s, r))
        v.feedback.append(
            f"`{THRESHOLD_FUNC}` is right on {right} of {n} inputs. On one with {len(y)} items "
            f"({sum(y)} positive) and min_recall={r:g}, your threshold {t:g} gives precision "
            f"{_fmt(got[0])} at recall {_fmt(got[1])}; the best threshold at recall >= {r:g} "
            f"gives precision {_fmt(best[0])} at recall {_fmt(best[1])}.")
    return v


# ---------------------------------------------------------------- q2: one threshold, once on test

def grade_threshold_on_test(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    names = ("threshold", "test_precision", "test_recall")
    threshold_ok, metrics_ok, margins, notes = [], [], [], {}  # one note per part: the first run's
    for i, run in enumerate(runs):
        values, problem = _number_answers(run, names)
        if problem:
            v.feedback.append(problem)
            return v
        t, precision, recall = values
        data = R.scores_for(run.parameters)
        (y_val, p_val), (y_test, p_test) = data["validation"], data["test"]
        r = run.parameters["target_recall"]
        t_val = R.rule_reference(y_val, p_val, r)
        t_test = R.rule_reference(y_test, p_test, r)
        # lesson 07's safety margin (choose at recall_aim on validation) is what the course
        # recommends for deployment: it earns the same as the choice at the target itself
        aim = recall_aim(r, int(np.sum(y_val)))
        with_margin = not R.same_decisions(p_val, t, t_val) and R.same_decisions(
            p_val, t, R.rule_reference(y_val, p_val, aim))
        margins.append(with_margin)
        threshold_ok.append(R.same_decisions(p_val, t, t_val) or with_margin)
        if not threshold_ok[-1]:
            mistake = _threshold_mistake(y_val, p_val, t, r)
            if R.same_decisions(p_test, t, t_test) and not R.same_decisions(p_test, t_val, t_test):
                note = ("`threshold` was tuned on the test split: it is the threshold with the highest "
                        "precision at the target recall *on test*. Choose it on the validation split "
                        "and only apply it to test; a threshold tuned on test makes the test numbers "
                        f"look better than they are{_rerun(run, i)}.")
            elif mistake:
                note = (f"`threshold` is what a function that makes this mistake picks on validation: "
                        f"{MISTAKES[mistake]}")
            else:
                got, best = R.precision_recall(y_val, p_val, t), R.precision_recall(y_val, p_val, t_val)
                note = (f"`threshold` is not the one with the highest precision at recall >= {r:g} on "
                        f"the validation split{_rerun(run, i)}: on validation it gives precision "
                        f"{_fmt(got[0])} at recall {_fmt(got[1])}, the best gives {_fmt(best[0])} at "
                        f"{_fmt(best[1])}.")
            notes.setdefault("threshold", note)
        problem = _metrics_problem(y_test, p_test, t, precision, recall, y_val, p_val, "test")
        metrics_ok.append(problem is None)
        if problem:
            notes.setdefault("metrics", f"`test_precision` / `test_recall`{_rerun(run, i)}: {problem}")
    if not all(threshold_ok) and threshold_ok[0] and _hard_coded(runs, names):
        notes = {"typed": "`threshold`, `test_precision` and `test_recall` do not change when the "
                          "data changes: they look typed in. Compute them from `p_val` and `p_test`."}
    v.points = points / 2 * all(threshold_ok) + points / 2 * all(metrics_ok)
    v.feedback += list(notes.values())
    if v.points == points:
        run = runs[0]
        data = R.scores_for(run.parameters)
        r = run.parameters["target_recall"]
        t = float(run.answers["threshold"])
        precision, recall = R.precision_recall(*data["test"], t)
        if all(margins):
            verdict = ("meets the target" if recall >= r else f"falls {_fmt(r - recall)} short of the "
                       f"target {r:g} even with the margin (it misses in about one split in ten)")
            v.feedback.append(f"Chosen on validation with lesson 07's safety margin (recall_aim) and "
                              f"applied once to test: precision {_fmt(precision)}, recall "
                              f"{_fmt(recall)}, which {verdict}.")
            return v
        verdict = ("meets the target" if recall >= r else
                   f"falls {_fmt(r - recall)} short of the target {r:g}: a threshold chosen at the "
                   "floor on validation misses it on test about half the time, which is why "
                   "practitioners keep a safety margin")
        v.feedback.append(f"Chosen on validation and applied once to test: precision "
                          f"{_fmt(precision)}, recall {_fmt(recall)}, which {verdict}.")
    return v


# ---------------------------------------------------------------- q3: what peeking would report

def grade_peeking(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    names = ("peek_threshold", "peek_precision", "peek_recall")
    threshold_ok, metrics_ok, notes = [], [], {}  # one note per part: the first run's
    for i, run in enumerate(runs):
        values, problem = _number_answers(run, names)
        if problem:
            v.feedback.append(problem)
            return v
        t, precision, recall = values
        data = R.scores_for(run.parameters)
        (y_val, p_val), (y_test, p_test) = data["validation"], data["test"]
        r = run.parameters["target_recall"]
        t_val = R.rule_reference(y_val, p_val, r)
        t_test = R.rule_reference(y_test, p_test, r)
        threshold_ok.append(R.same_decisions(p_test, t, t_test))
        if not threshold_ok[-1]:
            mistake = _threshold_mistake(y_test, p_test, t, r)
            if R.same_decisions(p_val, t, t_val) and not R.same_decisions(p_test, t_val, t_test):
                note = ("`peek_threshold` is the threshold chosen on validation again; here choose it "
                        "on the test split (with your function), to see what a report that peeked at "
                        f"test would claim{_rerun(run, i)}.")
            elif mistake:
                note = (f"`peek_threshold` is what a function that makes this mistake picks on test: "
                        f"{MISTAKES[mistake]}")
            else:
                note = (f"`peek_threshold` is not the threshold with the highest precision at recall "
                        f">= {r:g} on the test split{_rerun(run, i)}.")
            notes.setdefault("threshold", note)
        problem = _metrics_problem(y_test, p_test, t, precision, recall, y_val, p_val, "test")
        metrics_ok.append(problem is None)
        if problem:
            notes.setdefault("metrics", f"`peek_precision` / `peek_recall`{_rerun(run, i)}: {problem}")
    if not all(threshold_ok) and threshold_ok[0] and _hard_coded(runs, names):
        notes = {"typed": "`peek_threshold`, `peek_precision` and `peek_recall` do not change when "
                          "the data changes: they look typed in. Compute them from `p_test`."}
    v.points = points / 2 * all(threshold_ok) + points / 2 * all(metrics_ok)
    v.feedback += list(notes.values())
    if v.points == points:
        v.feedback.append(_what_peeking_hides(runs[0].parameters))
    return v


def _what_peeking_hides(params) -> str:
    data = R.scores_for(params)
    (y_val, p_val), (y_test, p_test) = data["validation"], data["test"]
    r = params["target_recall"]
    honest = R.precision_recall(y_test, p_test, R.rule_reference(y_val, p_val, r))
    peeked = R.precision_recall(y_test, p_test, R.rule_reference(y_test, p_test, r))
    text = (f"Tuned on test, the report would claim precision {_fmt(peeked[0])} at recall "
            f"{_fmt(peeked[1])}; the honest threshold gives precision {_fmt(honest[0])} at recall "
            f"{_fmt(honest[1])} on the same comments.")
    hidden = []
    if peeked[0] > honest[0]:
        hidden.append(f"overstated precision by {_fmt(peeked[0] - honest[0])}")
    if honest[1] < r:
        hidden.append(f"hidden that recall falls short of the target {r:g}")
    if hidden:
        text += " Peeking would have " + " and ".join(hidden) + "."
    return text


# ---------------------------------------------------------------- q4: the calibration function

def _calibrated(result, n: int) -> tuple[np.ndarray | None, str | None]:
    problem = call_problem(CALIBRATE_FUNC, result)
    if problem:
        return None, problem
    if isinstance(result, list) and result and all(isinstance(x, list) and len(x) == 2 for x in result):
        return None, (f"`{CALIBRATE_FUNC}` returned two columns per score, as `predict_proba` "
                      "does; return only the probability of class 1 (column 1).")
    if not isinstance(result, list) or not all(is_number(x) for x in result):
        return None, (f"`{CALIBRATE_FUNC}` returned {describe(result)}; return one probability "
                      "per score (a list or a numpy array of numbers).")
    if len(result) != n:
        return None, (f"`{CALIBRATE_FUNC}` returned {len(result)} values for {n} scores; return "
                      "one probability per score of its last argument.")
    q = np.asarray(result, dtype=float)
    if q.min() < 0 or q.max() > 1:
        return None, f"`{CALIBRATE_FUNC}` returned values outside [0, 1]; return probabilities."
    return q, None


def grade_calibrate(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    run = runs[0]
    results = run.probes.get(CALIBRATE_FUNC)
    args = run.probe_args.get(CALIBRATE_FUNC)
    if not isinstance(results, list) or not results or not args:
        v.feedback.append(f"`{CALIBRATE_FUNC}` is not defined (or the cell defining it raised an error).")
        return v
    judged = R.judged_calibration_calls(args)
    passed, fails, mine, ref = 0, [], [], []
    temperature_like = raw_like = True
    for i, labels in judged:
        p_fit, y_fit, p_apply = args[i]
        q, problem = _calibrated(results[i], len(p_apply))
        if problem:
            v.feedback.append(problem)
            return v
        want = R.reference_calibration(p_fit, y_fit, p_apply)
        ece, brier = R.calibration_scores(labels, q)
        ece_ref, brier_ref = R.calibration_scores(labels, want)
        mine.append((ece, brier))
        ref.append((ece_ref, brier_ref))
        if ece <= ece_ref + ECE_SLACK and brier <= brier_ref + BRIER_SLACK:
            passed += 1
        else:
            fails.append((labels, q, ece, brier, ece_ref, brier_ref))
        temperature = R.FITTED["temperature scaling"](p_fit, y_fit)(p_apply)
        temperature_like &= float(np.mean(np.abs(q - temperature))) < 0.005
        raw_like &= float(np.mean(np.abs(q - np.asarray(p_apply)))) < 0.005
    n = len(judged)
    span = lambda pairs, k: f"{min(p[k] for p in pairs):.3f}-{max(p[k] for p in pairs):.3f}"  # noqa: E731
    if passed == n:
        v.points = points
        v.feedback.append(f"`{CALIBRATE_FUNC}` calibrates as well as Platt scaling on {n} held-out "
                          f"sets of a class-weighted model drawn by the grader: ECE {span(mine, 0)} "
                          f"(Platt {span(ref, 0)}), Brier {span(mine, 1)} (Platt {span(ref, 1)}).")
        return v
    v.points = points / 2 if passed >= n / 2 else 0.0
    labels, q, ece, brier, ece_ref, brier_ref = fails[0]
    rate, mean = float(np.mean(labels)), float(q.mean())
    if temperature_like:
        v.feedback.append(
            f"`{CALIBRATE_FUNC}` behaves like temperature scaling. It only rescales the logits and "
            f"has no intercept, so it cannot undo the prior shift of class weights: on one of the "
            f"grader's sets its mean probability is {mean:.3f} where {rate:.3f} of the items are "
            "positive. Use a calibrator with an intercept (Platt scaling) or the prior-shift "
            "correction.")
    elif raw_like:
        v.feedback.append(f"`{CALIBRATE_FUNC}` returns the scores (almost) unchanged; fit a "
                          "calibrator on the scores and labels it is given.")
    elif mean > 1.5 * rate:
        v.feedback.append(
            f"`{CALIBRATE_FUNC}` leaves the probabilities inflated: on one of the grader's sets its "
            f"mean probability is {mean:.3f} where {rate:.3f} of the items are positive. A "
            "calibrator must be able to move every probability towards the real prior (an "
            "intercept, as in Platt scaling); scaling alone cannot.")
    v.feedback.append(f"`{CALIBRATE_FUNC}` passes on {passed} of {n} held-out sets. On a set of "
                      f"{len(labels)} scores its ECE is {ece:.3f} and Brier {brier:.4f}; Platt "
                      f"scaling fitted on the same data reaches {ece_ref:.3f} and {brier_ref:.4f}.")
    return v


# ---------------------------------------------------------------- q5: calibrated on validation

def trace_calibration(q: np.ndarray, params: dict) -> tuple[str | None, str | None]:
    """(split, method) of the notebook calibration ``q`` is clearly closest to, else (None, None).

    Splits are "train", "validation" (fitted there, or the prior-shift correction, which needs
    no fit), "test" and "none" (the raw scores).
    """
    best: dict[str, tuple[float, str]] = {}
    for (method, split), values in R.calibrations(params).items():
        group = "none" if split is None else ("validation" if method.startswith("prior") else split)
        d = float(np.mean(np.abs(q - values)))
        if group not in best or d < best[group][0]:
            best[group] = (d, method)
    ranked = sorted(best, key=lambda g: best[g][0])
    d1, d2 = best[ranked[0]][0], best[ranked[1]][0]
    if d1 <= TRACE_MAX and d1 <= TRACE_RATIO * d2:
        return ranked[0], best[ranked[0]][1]
    return None, None


def grade_calibrated_test(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    notes, ok = {}, []  # one note of each kind: the first run's
    for i, run in enumerate(runs):
        value = run.answers.get("p_test_calibrated")
        problem = answer_problem("p_test_calibrated", value)
        y_test, p_test = R.scores_for(run.parameters)["test"]
        if problem is None:
            q, problem = _calibrated(value, len(p_test))
            if problem:
                problem = (problem.replace(f"`{CALIBRATE_FUNC}` returned", "`p_test_calibrated` is")
                           .replace("of its last argument", "of `p_test`"))
        if problem:
            v.feedback.append(problem)
            return v
        split, method = trace_calibration(q, run.parameters)
        rerun = _rerun(run, i)
        ok.append(split in (None, "validation"))
        if split == "train":
            train_map = R.calibrations(run.parameters)[(method, "train")]
            notes.setdefault("where", (
                f"`p_test_calibrated` was calibrated on the training split{rerun}: {method} fitted on "
                "`p_train`. The model has seen those labels, so its training scores are "
                "over-confident and a calibrator fitted there misjudges new comments (mean "
                f"probability {train_map.mean():.3f} on test where {y_test.mean():.3f} are toxic). "
                "Fit it on the validation split."))
        elif split == "test":
            notes.setdefault("where", (
                f"`p_test_calibrated` was calibrated on the test split's own labels{rerun} "
                f"({method}): like a threshold tuned on test, that makes the test numbers look "
                "better than they are. Fit it on the validation split."))
        elif split == "none":
            notes.setdefault("where", f"`p_test_calibrated` holds the raw test scores{rerun}; "
                                      "calibrate them.")
        elif split == "validation" and method == "temperature scaling":
            notes.setdefault("temperature", "Fitted on validation, as it should be, but with temperature "
                                            "scaling: see Question 4 for why it cannot undo the prior shift.")
        elif split is None:
            ece, brier = R.calibration_scores(y_test, q)
            ref = R.calibrations(run.parameters)[("Platt scaling", "validation")]
            ece_ref, brier_ref = R.calibration_scores(y_test, ref)
            ok[-1] = ece <= ece_ref + ECE_SLACK and brier <= brier_ref + BRIER_SLACK
            if not ok[-1]:
                notes.setdefault("quality", (
                    f"`p_test_calibrated`{rerun} has ECE {ece:.3f} and Brier {brier:.4f} on test; "
                    f"Platt scaling fitted on validation reaches {ece_ref:.3f} and {brier_ref:.4f}. "
                    "Fit your calibrator on `p_val`, `y_val` and apply it to `p_test`."))
    if all(ok):
        v.points = points
        y_test, p_test = R.scores_for(runs[0].parameters)["test"]
        q = np.asarray(runs[0].answers["p_test_calibrated"], dtype=float)
        ece, brier = R.calibration_scores(y_test, q)
        raw_ece, raw_brier = R.calibration_scores(y_test, p_test)
        notes["summary"] = (f"Calibrated on validation, applied to test: ECE {ece:.3f} (raw scores "
                            f"{raw_ece:.3f}), Brier {brier:.4f} (raw {raw_brier:.4f}), mean probability "
                            f"{q.mean():.3f} for {y_test.mean():.3f} toxic.")
    v.feedback += list(notes.values())
    return v


KEY = AssignmentKey(
    answers=ANSWERS,
    parameter_sets=parameter_sets,
    probes=probes,
    grade={
        "q1_threshold_for_recall": grade_threshold_function,
        "q2_threshold_on_test": grade_threshold_on_test,
        "q3_peeking": grade_peeking,
        "q4_calibrate": grade_calibrate,
        "q5_calibrated_test": grade_calibrated_test,
    },
)
