"""Grading rules of ex02_labeling_plan (questions and points: the declaration in ``__init__``).

Every failed criterion gives its own feedback line:

- ``q1_wave1_quotas``: ``wave1_quotas`` (source -> int) sums to the wave, fits the pool,
  keeps every source at the diversity floor (:data:`MIN_SHARE` of the wave), and puts Email (the
  source where fraud is rarest) below its pool share. A third of the points off per failed criterion.
- ``q2_seeded_share``: a fraction strictly between 0 and 1, judged by what it does: on a wave
  split like the pool, the seeded picks must find clearly more fraud than random labeling (at
  least :data:`CLEARLY_SD` standard deviations above its expected count; half the points) and
  leave at least :data:`RANDOM_FLOOR` of the wave to random picks (the other half).
- ``q3_dedup_first``: deduplicate before sampling.
- ``q4_uncertainty_labels``: labels kept for uncertainty sampling, within the budget after
  wave 1, and enough for at least one real round (:data:`MIN_ROUND` labels, the round size of
  lesson 07's active-learning loop; fewer earn half the points).
- ``q5_simulated_yield``: :func:`imbalance_kit.labeling.simulate_waves` finds at least
  :data:`GOOD_RATIO` times the fraud that random labeling of the same number of items finds
  (half the points from :data:`OK_RATIO`), on the notebook's parameters; on the fresh ones the
  wave must still be one that can be simulated.
- ``q6_selection_criteria`` (manual): free text, graded by hand in formgrader.

All criteria are checked on the notebook's parameters and on fresh ones, so typed numbers fail.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from imbalance_kit.datasets.tickets import FRAUD_LIFT, SUPPORT_SHARES, labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_quotas

from ...contract import AssignmentKey
from ...feedback_diagnose import annotate, answer_problem, describe, is_int, is_number, read_quotas
from ...spec import Verdict

DEFAULTS = {"n_tickets": 20_000, "source_shares": dict(SUPPORT_SHARES),
            "fraud_rate": 0.02, "label_budget": 2_000, "wave_size": 1_000}
POOL_SEED = 0
MIN_SHARE = 0.1
GOOD_RATIO, OK_RATIO = 2.0, 1.5
RANDOM_FLOOR = 0.1  # share of the wave left to random picks (as in ex03's wave 1)
CLEARLY_SD = 2      # "clearly more than random": this many standard deviations above its mean
MIN_ROUND = 100     # labels in one active-learning round of lesson 07
VARIED = ("n_tickets", "fraud_rate", "label_budget", "wave_size")


def parameter_sets(rng) -> list[dict]:
    """Notebook defaults, then two fresh sets (other pool size, fraud rate, wave and budget).

    The first fresh set has a smaller wave and a tighter budget (less than the default's 1,000
    labels left after wave 1), the second a larger wave, so typed numbers fail one of them.
    """
    rng = np.random.default_rng(rng)
    sets = [dict(DEFAULTS)]
    small = int(rng.choice([800, 900]))
    large = int(rng.choice([1_200, 1_500]))
    for wave_size, budget in ((small, 2 * small),
                              (large, int(round(large * float(rng.choice([2.0, 2.5, 3.0])), -2)))):
        sets.append({
            "n_tickets": int(rng.integers(15, 31)) * 1_000,
            "source_shares": dict(DEFAULTS["source_shares"]),
            "fraud_rate": float(rng.choice([0.015, 0.025, 0.03])),
            "label_budget": budget,
            "wave_size": wave_size,
        })
    return sets


def probes(rng) -> dict:
    return {}


def source_rates(params: dict) -> dict:
    return {s: params["fraud_rate"] * FRAUD_LIFT[s] for s in params["source_shares"]}


@lru_cache(maxsize=8)
def _pool(n: int, shares: tuple, rate: float):
    shares = dict(shares)
    return labeling_pool(n, shares, rate, {s: rate * FRAUD_LIFT[s] for s in shares}, seed=POOL_SEED)


def pool_for(params: dict):
    """The ticket pool the notebook builds for these parameters (same seed, same pool)."""
    return _pool(params["n_tickets"], tuple(params["source_shares"].items()), params["fraud_rate"])


def _first_failures(runs, check) -> list[str]:
    """Run ``check(run) -> {criterion: message}`` on every run; keep each criterion's first message."""
    seen: dict[str, str] = {}
    for i, run in enumerate(runs):
        for criterion, message in check(run).items():
            seen.setdefault(criterion, annotate(message, run, i, VARIED))
    return list(seen.values())


def _quota_failures(run) -> dict:
    p = run.parameters
    sources = list(p["source_shares"])
    quotas, msg = read_quotas("wave1_quotas", run.answers.get("wave1_quotas"), sources)
    if msg:
        return {"form": msg}
    wave, fails = p["wave_size"], {}
    total = sum(quotas.values())
    if total != wave:
        fails["sum"] = f"`wave1_quotas` sum to {total}, not to the wave size {wave}."
    available = pool_for(p)["source"].value_counts().to_dict()
    over = [s for s in sources if quotas[s] > available[s]]
    if over:
        fails["fit"] = "the pool does not hold that many items from " + ", ".join(
            f"{s} ({quotas[s]} asked, {available[s]} in the pool)" for s in over) + "."
    floor = math.ceil(MIN_SHARE * wave - 1e-9)
    low = [s for s in sources if quotas[s] < floor]
    rarest = min(sources, key=FRAUD_LIFT.get)
    if low:
        names = ", ".join(f"{s} ({quotas[s]})" for s in low)
        note = (f"; {rarest} is abandoned although its fraud still counts" if rarest in low else "")
        fails["floor"] = (f"{names} below the diversity floor of {floor} items "
                          f"({MIN_SHARE:.0%} of the wave){note}.")
    share = p["source_shares"][rarest]
    if quotas[rarest] >= share * wave:
        fails["tilt"] = (f"{rarest} is at or above its pool share ({share:.0%}) although fraud "
                         "is rarer there: move items to the sources where fraud is more common.")
    return fails


def _grade_quotas(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    per_run = [_quota_failures(run) for run in runs]
    if any("form" in f for f in per_run):
        v.feedback.extend(_first_failures(runs, lambda r: {k: m for k, m in _quota_failures(r).items()
                                                          if k == "form"}))
        return v
    quotas = [run.answers["wave1_quotas"] for run in runs]
    waves = {run.parameters["wave_size"] for run in runs}
    if len(waves) > 1 and all(q == quotas[0] for q in quotas[1:]):
        v.feedback.append("`wave1_quotas` do not change when wave_size changes: they look "
                          "hard-coded. Compute them from the parameters.")
        return v
    lines = _first_failures(runs, _quota_failures)
    failed = {k for f in per_run for k in f}
    v.points = max(0.0, points - points / 3 * len(failed))
    v.feedback.extend(lines)
    if not failed:
        v.feedback.append("The quotas fill the wave, fit the pool, keep every source and lean "
                          "towards the sources where fraud is more common.")
    return v


def _seeded_failures(run) -> dict:
    value = run.answers.get("seeded_share")
    msg = answer_problem("seeded_share", value)
    if msg:
        return {"form": msg}
    if not is_number(value):
        return {"form": f"`seeded_share` is {describe(value)}; it must be a fraction such as 0.3."}
    if value > 1:
        return {"range": f"`seeded_share` is {value}: it is the fraction of the wave picked by "
                         "rules (between 0 and 1), not a number of items."}
    if value <= 0:
        return {"range": "no part of the wave is seeded by weak rules: with ~2 % fraud, random "
                         "picks find very little."}
    if value >= 1:
        return {"range": "the whole wave is rule-seeded: keep part of it unseeded to find fraud the "
                         "rules miss and to estimate the true rate."}
    fails = {}
    p = run.parameters
    floor = math.ceil(RANDOM_FLOOR * p["wave_size"] - 1e-9)
    seeded = int(round(value * p["wave_size"]))
    if p["wave_size"] - seeded < floor:
        fails["starved"] = (f"seeded_share={value:g} leaves {p['wave_size'] - seeded} random picks; "
                            f"keep at least {floor} ({RANDOM_FLOOR:.0%} of the wave) to find fraud "
                            "the rules miss and to estimate the true rate.")
    found, expected, sd = _seeded_yield(p, seeded)
    if found < expected + CLEARLY_SD * sd:
        fails["yield"] = (f"on a wave split like the pool, seeded_share={value:g} finds {found} fraud "
                          f"tickets, not clearly more than the {expected:.0f} ± {sd:.0f} random "
                          "labeling finds: seed a larger share with rules.")
    return fails


def _seeded_yield(p: dict, seeded: int) -> tuple[int, float, float]:
    """(fraud found, random's expected count, random's sd) for a wave split like the pool with
    ``seeded`` rule picks, so the share is judged apart from the quotas (question 1)."""
    quotas = source_quotas(p["source_shares"], p["wave_size"], min_share=MIN_SHARE)
    out = _run_wave(p["n_tickets"], tuple(p["source_shares"].items()), p["fraud_rate"],
                    tuple(quotas.items()), seeded, True)
    base = random_baseline(pool_for(p), p["wave_size"])
    return int(out["positives"].iloc[0]), base["expected"], base["sd"]


def _grade_seeded(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    per_run = [_seeded_failures(run) for run in runs]
    v.feedback.extend(_first_failures(runs, _seeded_failures))
    failed = {k for f in per_run for k in f}
    if failed & {"form", "range"}:
        return v
    v.points = points - points / 2 * len(failed)
    if not failed:
        p, share = runs[0].parameters, runs[0].answers["seeded_share"]
        found, expected, _ = _seeded_yield(p, int(round(share * p["wave_size"])))
        v.feedback.append(f"On a wave split like the pool, seeded_share={share:g} finds {found} fraud "
                          f"tickets against {expected:.0f} for random labeling, and leaves "
                          f"{1 - share:.0%} of the wave to random picks.")
    return v


def _all_or_nothing(check, ok_message):
    """A grade function: full points when ``check`` finds no failure in any run, else none."""
    def grade(runs, points) -> Verdict:
        v = Verdict(0.0, points)
        lines = _first_failures(runs, check)
        if lines:
            v.feedback.extend(lines)
        else:
            v.points = points
            v.feedback.append(ok_message)
        return v
    return grade


def _dedup_failures(run) -> dict:
    value = run.answers.get("dedup_first")
    msg = answer_problem("dedup_first", value)
    if msg:
        return {"form": msg}
    if not isinstance(value, bool):
        return {"form": f"`dedup_first` is {describe(value)}; set it to True or False."}
    if not value:
        return {"order": "deduplicate first: near-duplicates waste labels and leak between "
                         "training and validation data."}
    return {}


def _uncertainty_failures(run) -> dict:
    p = run.parameters
    value = run.answers.get("uncertainty_labels")
    msg = answer_problem("uncertainty_labels", value)
    if msg:
        return {"form": msg}
    if not is_int(value):
        return {"form": f"`uncertainty_labels` is {describe(value)} ({value!r}); it must be a whole "
                        "number of labels."}
    left = p["label_budget"] - p["wave_size"]
    if value <= 0:
        return {"range": "no labels are kept for uncertainty sampling after the seed model."}
    if value > left:
        return {"range": f"wave 1 ({p['wave_size']}) plus `uncertainty_labels` ({int(value)}) "
                         f"exceed the label budget ({p['label_budget']})."}
    if value < min(MIN_ROUND, left):
        return {"round": f"{int(value)} uncertainty labels are not enough for one real round: an "
                         f"active-learning round labels about {MIN_ROUND} items (lesson 07), and "
                         f"{left} labels are left after wave 1."}
    return {}


def _grade_uncertainty(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    per_run = [_uncertainty_failures(run) for run in runs]
    v.feedback.extend(_first_failures(runs, _uncertainty_failures))
    failed = {k for f in per_run for k in f}
    if failed & {"form", "range"}:
        return v
    v.points = points / 2 if failed else points
    if not failed:
        p, value = runs[0].parameters, int(runs[0].answers["uncertainty_labels"])
        left = p["label_budget"] - p["wave_size"]
        v.feedback.append(f"{value} labels after wave 1 leave room for "
                          f"{'a real round' if value < 2 * MIN_ROUND else 'real rounds'} of "
                          "uncertainty sampling within the budget"
                          + (f" ({left - value} kept back)." if value < left else "."))
    return v


def _simulate(run) -> tuple[float | None, str]:
    """(ratio to random, feedback) for one run; ratio None when the plan cannot be simulated."""
    p = run.parameters
    quotas, msg = read_quotas("wave1_quotas", run.answers.get("wave1_quotas"),
                              list(p["source_shares"]))
    share = run.answers.get("seeded_share")
    dedup = run.answers.get("dedup_first")
    if (msg or sum(quotas.values()) != p["wave_size"] or not is_number(share)
            or not 0 <= share <= 1 or not isinstance(dedup, bool)):
        return None, ("the wave cannot be simulated until `wave1_quotas` fill the wave, "
                      "`seeded_share` is a fraction and `dedup_first` is a bool.")
    pool = pool_for(p)
    try:
        out = _run_wave(p["n_tickets"], tuple(p["source_shares"].items()), p["fraud_rate"],
                        tuple(quotas.items()), int(round(share * p["wave_size"])), dedup)
    except ValueError as exc:
        return None, f"the simulator could not run your wave: {exc}"
    found = int(out["positives"].iloc[0])
    expected = random_baseline(pool, p["wave_size"])["expected"]
    text = (f"the simulated wave finds {found} fraud tickets, {found / expected:.1f}x the "
            f"{expected:.0f} that random labeling of {p['wave_size']} tickets finds")
    dups = int(out["duplicates_drawn"].iloc[0])
    if dups:
        text += f"; {dups} labeled tickets were near-duplicates"
    return found / expected, text + "."


@lru_cache(maxsize=256)
def _run_wave(n: int, shares: tuple, rate: float, quotas: tuple, seeded: int, dedup: bool):
    # Many submissions share a plan, so each distinct plan is simulated once per process.
    plan = plan_wave(dict(quotas), seeded=seeded, dedup=dedup)
    return simulate_waves([plan], _pool(n, shares, rate), seed=POOL_SEED)


def _grade_yield(runs, points) -> Verdict:
    v = Verdict(0.0, points)
    results = []
    for i, run in enumerate(runs):
        ratio, text = _simulate(run)
        if ratio is None:
            v.feedback.append(annotate(text, run, i, VARIED))
            return v
        results.append((ratio, text[0].upper() + text[1:]))
    # The ratio is judged on the notebook's own parameters only: one simulated wave on a fresh
    # pool is too noisy (a plan near a band's edge would pass one draw and fail the next, and
    # a self-check must give the grade's verdict whatever its draw). The fresh runs still have
    # to give a wave that can be simulated, so typed-in quotas fail.
    ratio, text = results[0]
    v.feedback.append(text)
    if ratio >= GOOD_RATIO:
        v.points = points
    elif ratio >= OK_RATIO:
        v.points = points / 2
        v.feedback.append(f"That is more than random, but not clearly ({GOOD_RATIO:g}x): seed more "
                          "of the wave with rules or tilt it further towards fraud-rich sources.")
    else:
        v.feedback.append(f"That is not clearly more than random (aim for {GOOD_RATIO:g}x): use "
                          "rule seeding and source quotas.")
    return v


KEY = AssignmentKey(
    answers=("wave1_quotas", "seeded_share", "dedup_first", "uncertainty_labels",
             "selection_criteria"),
    parameter_sets=parameter_sets,
    probes=probes,
    grade={
        "q1_wave1_quotas": _grade_quotas,
        "q2_seeded_share": _grade_seeded,
        "q3_dedup_first": _all_or_nothing(_dedup_failures, "Deduplication comes first."),
        "q4_uncertainty_labels": _grade_uncertainty,
        "q5_simulated_yield": _grade_yield,
    },
    constants={"FRAUD_LIFT": FRAUD_LIFT, "MIN_SHARE": MIN_SHARE},
)
