"""Grading rules of ex03_three_wave_plan (questions and points: the declaration in ``__init__``).

- ``q1_wave_format``: ``waves`` is a list of ``n_waves`` dicts with ``quotas`` (source ->
  int, summing to the wave) and a mix ``seeded`` / ``uncertainty`` / ``random`` summing to the wave.
- ``q2_wave1_mix``: wave 1 has no uncertainty picks (no model exists yet; half the points) and
  keeps a random slice of at least :data:`RANDOM_FLOOR` of the wave for an unbiased estimate
  (the other half).
- ``q3_yield``: simulated positives by the end of wave 2 at least double what random labeling
  of the same number of items finds (half the points from :data:`OK_RATIO`).
- ``q4_diversity``: every wave's :func:`imbalance_kit.labeling.source_entropy` (normalised to
  [0, 1], as :func:`~imbalance_kit.labeling.simulate_waves` reports it) is at least
  :data:`ENTROPY_FLOOR`.
- ``q5_success_metrics``: ``success_metrics`` from :data:`SUCCESS_METRICS` measure both yield
  (half the points) and diversity (the other half). Checks that lesson 07 says to run after every
  wave (duplicates drawn, labels spent) cost nothing; a point off for metrics that mislead on
  imbalanced data (accuracy, ROC-AUC) or names outside the vocabulary.
- ``q6_selection_rules`` (manual): the selection rules in words, graded by hand in formgrader.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from imbalance_kit.datasets.abuse import ABUSE_LIFT as SOURCE_LIFT
from imbalance_kit.datasets.abuse import ABUSE_SHARES
from imbalance_kit.datasets.tickets import labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_entropy

from ...contract import AssignmentKey
from ...feedback_diagnose import (annotate, answer_problem, describe, is_int, pairs, read_quotas,
                                  vocab_name, when)
from ...spec import Verdict

DEFAULTS = {"positive_rate": 0.01, "wave_size": 1_000, "n_waves": 3,
            "source_shares": dict(ABUSE_SHARES)}
POOL_SIZE = 40_000
POOL_SEED = 0
ENTROPY_FLOOR = 0.75
RANDOM_FLOOR = 0.1
GOAL_RATIO, OK_RATIO = 2.0, 1.5
MIX = ("seeded", "uncertainty", "random")
VARIED = ("positive_rate", "wave_size")

# name -> (kind, what it measures). "yield" and "diversity" earn half the points each; "check"
# (worth tracking, lesson 07) earns and costs nothing; "misleading" (hides the rare class) costs.
SUCCESS_METRICS = {
    "positives_found": ("yield", "positives labeled in the wave"),
    "cumulative_positives": ("yield", "positives labeled so far, all waves together"),
    "positive_rate_per_wave": ("yield", "share of the wave's labels that are positive"),
    "yield_vs_random": ("yield", "positives found divided by what random labeling would find"),
    "per_source_positives": ("yield", "positives labeled from each source (re-estimates the tilt)"),
    "source_entropy": ("diversity", "evenness of the wave over sources (0 = one source, 1 = even)"),
    "per_source_counts": ("diversity", "items labeled from each source"),
    "min_source_share": ("diversity", "share of the wave taken by the least-used source"),
    "duplicates_drawn": ("check", "near-duplicates that slipped into the wave (should stay 0)"),
    "labels_used": ("check", "labels spent so far"),
    "accuracy": ("misleading", "accuracy of the model trained on the labels"),
    "roc_auc": ("misleading", "ROC-AUC of the model trained on the labels"),
}
WHY_MISLEADING = {
    "accuracy": "a model that never flags a positive still scores near 1 when positives are this rare",
    "roc_auc": "ROC-AUC can look high while the rare class is found poorly (lesson 02)",
}


def parameter_sets(rng) -> list[dict]:
    """Notebook defaults, then two fresh sets (other positive rate and wave size)."""
    rng = np.random.default_rng(rng)
    sets = [dict(DEFAULTS)]
    rates = rng.choice([0.008, 0.012, 0.015, 0.02], size=2, replace=False)
    sizes = rng.choice([800, 1_200, 1_500], size=2, replace=False)
    for rate, size in zip(rates, sizes):
        sets.append({**DEFAULTS, "source_shares": dict(DEFAULTS["source_shares"]),
                     "positive_rate": float(rate), "wave_size": int(size)})
    return sets


def probes(rng) -> dict:
    return {}


@lru_cache(maxsize=8)
def _pool(shares: tuple, rate: float):
    shares = dict(shares)
    return labeling_pool(POOL_SIZE, shares, rate, {s: rate * SOURCE_LIFT[s] for s in shares},
                         seed=POOL_SEED, domain="abuse")


def pool_for(params: dict):
    """The pool the notebook builds for these parameters (same seed, same pool)."""
    return _pool(tuple(params["source_shares"].items()), params["positive_rate"])


def read_waves(run) -> tuple[list[dict] | None, list[str]]:
    """Parse ``waves`` into [{quotas, seeded, uncertainty, random}, ...] or explain what is wrong."""
    p = run.parameters
    value = run.answers.get("waves")
    msg = answer_problem("waves", value)
    if msg:
        return None, [msg]
    if not isinstance(value, list):
        return None, [f"`waves` is {describe(value)}; make it a list of {p['n_waves']} dicts."]
    if len(value) != p["n_waves"]:
        return None, [f"`waves` holds {len(value)} waves, not n_waves = {p['n_waves']}."]
    out, problems = [], []
    sources = list(p["source_shares"])
    for i, wave in enumerate(value, 1):
        items = pairs(wave)
        if items is None or not all(isinstance(k, str) for k, _ in items):
            problems.append(f"wave {i} is {describe(wave)}; make it a dict with keys quotas, "
                            "seeded, uncertainty, random.")
            continue
        d = dict(items)
        missing = [k for k in ("quotas", *MIX) if k not in d]
        if missing:
            problems.append(f"wave {i} lacks {', '.join(missing)}.")
            continue
        quotas, msg = read_quotas(f"waves[{i - 1}]['quotas']", d["quotas"], sources)
        if msg:
            problems.append(msg)
            continue
        bad = [k for k in MIX if not is_int(d[k]) or d[k] < 0]
        if bad:
            problems.append(f"wave {i}: {', '.join(bad)} must be whole numbers >= 0.")
            continue
        out.append({"quotas": quotas, **{k: int(d[k]) for k in MIX}})
    if problems:
        return None, problems
    size = p["wave_size"]
    for what, total in (("quotas add up", lambda w: sum(w["quotas"].values())),
                        ("seeded + uncertainty + random add up", lambda w: sum(w[k] for k in MIX))):
        off = {i: total(w) for i, w in enumerate(out, 1) if total(w) != size}
        if off:
            sums = sorted(set(off.values()))
            problems.append(f"{_waves_label(list(off))}: {what} to {' / '.join(map(str, sums))}, "
                            f"not to the wave size {size}.")
    return (None if problems else out), problems


def _waves_label(numbers: list[int]) -> str:
    return f"wave {numbers[0]}" if len(numbers) == 1 else f"waves {', '.join(map(str, numbers))}"


def hard_coded(runs) -> str | None:
    """A message when ``waves`` fit the notebook's wave size but stay the same on fresh ones."""
    if len(runs) < 2 or read_waves(runs[0])[0] is None:
        return None
    own = runs[0].parameters["wave_size"]
    for run in runs[1:]:
        value = run.answers.get("waves")
        if run.parameters["wave_size"] != own and value == runs[0].answers.get("waves"):
            return ("`waves` do not change when wave_size changes: they look hard-coded (they still "
                    f"add up to {own} when the grader set wave_size={run.parameters['wave_size']}). "
                    "Compute the quotas and the mix from `wave_size`.")
    return None


def _each_run(runs, check):
    """Apply ``check(run, waves) -> list[str]`` to every run; first-seen messages, annotated."""
    typed = hard_coded(runs)
    if typed:
        return [typed]
    lines: dict[str, str] = {}
    for i, run in enumerate(runs):
        waves, problems = read_waves(run)
        for line in (problems if waves is None else check(run, waves)):
            lines.setdefault(line, annotate(line, run, i, VARIED))
    return list(lines.values())


def _grade_format(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    lines = _each_run(runs, lambda run, waves: [])
    if lines:
        v.feedback.extend(lines)
    else:
        v.points = points
        v.feedback.append("Every wave fills its quotas and its selection mix exactly.")
    return v


def _grade_wave1(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    lost = set()

    def check(run, waves):
        first, size = waves[0], run.parameters["wave_size"]
        out = []
        if first["uncertainty"] > 0:
            lost.add("uncertainty")
            out.append("wave 1 uses uncertainty sampling but no model exists yet: nothing is "
                       "labeled before wave 1.")
        floor = math.ceil(RANDOM_FLOOR * size - 1e-9)
        if first["random"] < floor:
            lost.add("random")
            out.append(f"wave 1 keeps {first['random']} random picks; keep at least {floor} "
                       f"({RANDOM_FLOOR:.0%} of the wave) for an unbiased estimate of the positive rate.")
        return out

    lines = _each_run(runs, check)
    if any(read_waves(run)[0] is None for run in runs):
        v.feedback.extend(lines)
        return v
    v.points = points - points / 2 * len(lost)
    v.feedback.extend(lines or ["Wave 1 has no uncertainty picks and keeps a random slice."])
    return v


def simulate(run, waves):
    """(simulation DataFrame or None, notes): wave-1 uncertainty picks are simulated as random."""
    notes, plans = [], []
    for i, w in enumerate(waves, 1):
        seeded, unc, rnd = w["seeded"], w["uncertainty"], w["random"]
        if i == 1 and unc:
            rnd, unc = rnd + unc, 0
            notes.append("(wave 1's uncertainty picks were simulated as random ones.)")
        plans.append((tuple(w["quotas"].items()), seeded, unc, rnd))
    try:
        return _run_plans(tuple(run.parameters["source_shares"].items()),
                          run.parameters["positive_rate"], tuple(plans)), notes
    except ValueError as exc:
        return None, [f"the simulator could not run your plan: {exc}"]


@lru_cache(maxsize=256)
def _run_plans(shares: tuple, rate: float, plans: tuple):
    # Many submissions share a plan, so each distinct plan is simulated once per process.
    waves = [plan_wave(dict(q), seeded=s, uncertainty=u, random=r) for q, s, u, r in plans]
    return simulate_waves(waves, _pool(shares, rate), seed=POOL_SEED)


def _grade_yield(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    results = []
    for i, run in enumerate(runs):
        waves, problems = read_waves(run)
        if waves is None:
            v.feedback.append(hard_coded(runs) or annotate("the plan cannot be simulated until `waves` is well formed "
                                       "(see the wave format question).", run, i, VARIED))
            return v
        out, notes = simulate(run, waves)
        if out is None:
            v.feedback.extend(annotate(n, run, i, VARIED) for n in notes)
            return v
        size = run.parameters["wave_size"]
        found = int(out["cumulative_positives"].iloc[min(1, len(out) - 1)])
        expected = random_baseline(pool_for(run.parameters), 2 * size)["expected"]
        text = (f"By the end of wave 2 the simulation finds {found} positives, "
                f"{found / expected:.1f}x the {expected:.0f} that random labeling of {2 * size} "
                f"items finds" + when(run, i, VARIED) + ".")
        results.append((found / expected, text, notes))
    ratio = min(r for r, _, _ in results)
    # Show the notebook's own run, or the run that fell short.
    _, text, notes = results[0] if ratio >= GOAL_RATIO else min(results, key=lambda r: r[0])
    v.feedback.append(text)
    v.feedback.extend(notes)
    if ratio >= GOAL_RATIO:
        v.points = points
    elif ratio >= OK_RATIO:
        v.points = points / 2
        v.feedback.append(f"That is not yet double ({GOAL_RATIO:g}x): seed more items with rules, "
                          "or use uncertainty sampling once a model exists.")
    else:
        v.feedback.append(f"The goal is at least {GOAL_RATIO:g}x random by wave 2.")
    return v


def _grade_diversity(runs, points) -> Verdict:
    v = Verdict(0.0, points)

    def check(run, waves):
        low: dict[tuple, list[int]] = {}  # (entropy, top source) -> waves, so repeats read once
        for i, w in enumerate(waves, 1):
            h = source_entropy(w["quotas"])
            if h < ENTROPY_FLOOR:
                low.setdefault((f"{h:.2f}", max(w["quotas"], key=w["quotas"].get)), []).append(i)
        return [f"{_waves_label(waves_)} {'has' if len(waves_) == 1 else 'have'} source entropy {h}, "
                f"below the floor {ENTROPY_FLOOR}: {'it leans' if len(waves_) == 1 else 'they lean'} "
                f"too hard on {top}." for (h, top), waves_ in low.items()]

    lines = _each_run(runs, check)
    if lines:
        v.feedback.extend(lines)
    else:
        v.points = points
        v.feedback.append(f"Every wave keeps source entropy at or above {ENTROPY_FLOOR}.")
    return v


def _grade_metrics(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    value = runs[0].answers.get("success_metrics")
    msg = answer_problem("success_metrics", value)
    if msg is None and (not isinstance(value, list) or not all(isinstance(x, str) for x in value)):
        msg = f"`success_metrics` is {describe(value)}; make it a list of metric names."
    if msg:
        v.feedback.append(msg)
        return v
    names = [vocab_name(x) for x in value]
    unknown = [raw for raw, n in zip(value, names) if n not in SUCCESS_METRICS]
    if unknown:
        v.feedback.append(f"not in the vocabulary: {', '.join(map(repr, unknown))}.")
    kinds = {SUCCESS_METRICS[n][0] for n in names if n in SUCCESS_METRICS}
    for n in names:
        if n in WHY_MISLEADING:
            v.feedback.append(f"{n} misleads on imbalanced data: {WHY_MISLEADING[n]}.")
    if "yield" in kinds:
        v.points += points / 2
    else:
        v.feedback.append("add a yield measure: how many positives each wave finds.")
    if "diversity" in kinds:
        v.points += points / 2
    else:
        v.feedback.append("add a diversity measure: how the waves spread over sources.")
    if (unknown or "misleading" in kinds) and v.points > 0:
        # otherwise listing the whole vocabulary would earn full marks
        v.points -= points / 2
        v.feedback.append("a point off for metrics that mislead on imbalanced data or are not in "
                          "the vocabulary: list only what you would track after each wave.")
    if v.points == points and len(v.feedback) == 0:
        v.feedback.append("The success metrics track both yield and diversity.")
    return v


KEY = AssignmentKey(
    answers=("waves", "success_metrics"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={"q1_wave_format": _grade_format, "q2_wave1_mix": _grade_wave1, "q3_yield": _grade_yield,
           "q4_diversity": _grade_diversity, "q5_success_metrics": _grade_metrics},
    constants={"SOURCE_LIFT": SOURCE_LIFT, "POOL_SIZE": POOL_SIZE, "ENTROPY_FLOOR": ENTROPY_FLOOR,
               "RANDOM_FLOOR": RANDOM_FLOOR, "SUCCESS_METRICS": list(SUCCESS_METRICS)},
)
