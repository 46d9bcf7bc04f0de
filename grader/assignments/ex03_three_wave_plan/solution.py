"""The mini challenge (a three-wave labeling plan): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
positive_rate = 0.01
wave_size = 1_000
n_waves = 3
source_shares = {'Comments': 0.5, 'Reviews': 0.2, 'Chat': 0.2, 'UserReports': 0.1}


# %% setup
from imbalance_kit.datasets import labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_quotas

SOURCE_LIFT = {'Comments': 0.6, 'Reviews': 0.5, 'Chat': 1.2, 'UserReports': 3.6}
POOL_SIZE = 40_000
ENTROPY_FLOOR = 0.75  # every wave's source entropy (0..1) must reach this
RANDOM_FLOOR = 0.1  # wave 1 keeps at least this share of random picks
pool = labeling_pool(POOL_SIZE, source_shares, positive_rate,
                     {s: positive_rate * SOURCE_LIFT[s] for s in source_shares}, seed=0,
                     domain="abuse")
SUCCESS_METRICS = ['positives_found', 'cumulative_positives', 'positive_rate_per_wave', 'yield_vs_random', 'per_source_positives', 'source_entropy', 'per_source_counts', 'min_source_share', 'duplicates_drawn', 'labels_used', 'accuracy', 'roc_auc']


# %% a_waves
### BEGIN SOLUTION
quotas = source_quotas(source_shares, wave_size, min_share=0.1, tilt=SOURCE_LIFT, strength=0.5)
fifth = wave_size // 5
waves = [
    {"quotas": quotas, "seeded": wave_size // 2, "uncertainty": 0, "random": wave_size - wave_size // 2},
    {"quotas": quotas, "seeded": fifth, "uncertainty": wave_size // 2,
     "random": wave_size - fifth - wave_size // 2},
    {"quotas": quotas, "seeded": fifth, "uncertainty": wave_size // 2,
     "random": wave_size - fifth - wave_size // 2},
][:n_waves]
### END SOLUTION


# %% q1_wave_format
"""waves: n_waves dicts (or WavePlans from plan_wave) whose quotas and mix fill the wave"""
from dataclasses import asdict, is_dataclass

assert isinstance(waves, (list, tuple)) and len(waves) == n_waves, f"waves must be a list of {n_waves} dicts"
# a WavePlan from plan_wave is read as a dict of its fields, a list of (key, value) pairs as a dict
_waves = [asdict(w) if is_dataclass(w) else dict(w) for w in waves]
for i, w in enumerate(_waves, 1):
    assert set(w) >= {"quotas", "seeded", "uncertainty", "random"}, f"wave {i} lacks a key"
    assert set(dict(w["quotas"])) == set(source_shares), f"wave {i}: name every source once"
    assert sum(dict(w["quotas"]).values()) == wave_size, f"wave {i}: quotas do not sum to wave_size"
    assert w["seeded"] + w["uncertainty"] + w["random"] == wave_size, f"wave {i}: mix does not sum to wave_size"


# %% q2_wave1_mix
"""wave 1: no model yet, and a random slice"""
assert _waves[0]["uncertainty"] == 0, "wave 1 cannot use uncertainty sampling: no model exists yet"


# %% q3_yield
"""simulated positives by wave 2 at least double random labeling"""
plans = [plan_wave(dict(w["quotas"]), w["seeded"], w["uncertainty"], w["random"]) for w in _waves]
result = simulate_waves(plans, pool, seed=0)
print(result[["wave", "positives", "cumulative_positives", "source_entropy"]])
expected = random_baseline(pool, 2 * wave_size)["expected"]
found = int(result["cumulative_positives"].iloc[1])
print(f"by wave 2: {found} positives; random labeling finds {expected:.0f}")
assert found > expected, "the plan finds no more positives than random labeling"


# %% q4_diversity
"""every wave keeps source diversity"""
low = result.loc[result["source_entropy"] < ENTROPY_FLOOR, "wave"].tolist()
assert not low, f"waves {low} fall below ENTROPY_FLOOR"


# %% a_success_metrics
### BEGIN SOLUTION
success_metrics = ["cumulative_positives", "yield_vs_random", "source_entropy"]
### END SOLUTION


# %% q5_success_metrics
"""success_metrics: names from SUCCESS_METRICS (any case, "-" or " " for "_")"""
assert isinstance(success_metrics, (list, tuple)) and success_metrics, "make success_metrics a non-empty list"
for m in success_metrics:
    _name = "_".join(str(m).lower().replace("-", " ").replace("_", " ").split())
    assert _name in SUCCESS_METRICS, f"{m!r} is not in SUCCESS_METRICS"


# %% q6_selection_rules
### BEGIN SOLUTION
selection_rules = """
Every wave takes the same source quotas: tilted towards UserReports and Chat, where abuse is
more common, with at least 10 % per source so no channel disappears from the data. Near-duplicates
are removed from the pool first, so no label is spent twice on one message. Wave 1 has no model:
half of each source's items are the top matches of the abuse keyword rule, the other half random,
which also gives an unbiased estimate of the abuse rate and finds abuse the rule misses. Waves 2
and 3 train a model on the labels so far and spend half the wave on the items it is least sure
about, keep a fifth on the rule (its best matches are used up by then) and the rest random.
After each wave we check positives found against random labeling, the source entropy and the
per-source counts, and that no duplicates were drawn, before planning the next wave.
"""
### END SOLUTION
