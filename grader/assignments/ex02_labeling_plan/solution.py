"""Exercise 2 (a labeling plan under a budget): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
n_tickets = 20_000
source_shares = {'Email': 0.6, 'Chat': 0.3, 'Social': 0.1}
fraud_rate = 0.02
label_budget = 2_000
wave_size = 1_000


# %% setup
from imbalance_kit.datasets import labeling_pool
from imbalance_kit.labeling import plan_wave, random_baseline, simulate_waves, source_quotas

FRAUD_LIFT = {'Email': 0.5, 'Chat': 1.5, 'Social': 2.5}
MIN_SHARE = 0.1  # diversity floor: every source gets at least this share of a wave
pool = labeling_pool(n_tickets, source_shares, fraud_rate,
                     {s: fraud_rate * FRAUD_LIFT[s] for s in source_shares}, seed=0)
pool_counts = pool["source"].value_counts().to_dict()
pool_counts


# %% a1_wave1_quotas
### BEGIN SOLUTION
wave1_quotas = source_quotas(source_shares, wave_size, min_share=MIN_SHARE, tilt=FRAUD_LIFT,
                             pool_counts=pool_counts)
### END SOLUTION


# %% q1_wave1_quotas
"""wave1_quotas: source -> int, filling the wave"""
assert isinstance(wave1_quotas, (dict, list, tuple)), \
    f"wave1_quotas must be a dict, got {type(wave1_quotas).__name__}"
_quotas = dict(wave1_quotas)  # a list of (source, count) pairs is read as a dict
assert set(_quotas) == set(source_shares), f"name every source once: {sorted(source_shares)}"
assert all(int(q) == q and q >= 0 for q in _quotas.values()), "quotas are whole numbers >= 0"
assert sum(_quotas.values()) == wave_size, \
    f"quotas sum to {sum(_quotas.values())}, not wave_size={wave_size}"


# %% a2_seeded_share
### BEGIN SOLUTION
seeded_share = 0.4
### END SOLUTION


# %% q2_seeded_share
"""seeded_share: a fraction of the wave"""
from numbers import Real

assert isinstance(seeded_share, Real) and not isinstance(seeded_share, bool), \
    f"seeded_share must be a number, got {type(seeded_share).__name__}"
assert 0 <= seeded_share <= 1, f"seeded_share is a fraction between 0 and 1, got {seeded_share}"


# %% a3_dedup_first
### BEGIN SOLUTION
dedup_first = True
### END SOLUTION


# %% q3_dedup_first
"""dedup_first: a bool"""
import numpy as np

assert isinstance(dedup_first, (bool, np.bool_)), f"dedup_first must be True or False, got {dedup_first!r}"


# %% a4_uncertainty_labels
### BEGIN SOLUTION
uncertainty_labels = label_budget - wave_size
### END SOLUTION


# %% q4_uncertainty_labels
"""uncertainty_labels: a whole number within the budget"""
from numbers import Real

assert isinstance(uncertainty_labels, Real) and not isinstance(uncertainty_labels, bool) \
    and float(uncertainty_labels).is_integer(), \
    f"uncertainty_labels must be a whole number, got {uncertainty_labels!r}"
assert wave_size + uncertainty_labels <= label_budget, "wave 1 plus uncertainty_labels exceed the budget"


# %% q5_simulated_yield
"""simulated wave 1 finds clearly more fraud than random labeling"""
plan = plan_wave(dict(wave1_quotas), seeded=int(round(seeded_share * wave_size)), dedup=bool(dedup_first))
result = simulate_waves([plan], pool, seed=0)
found = int(result["positives"].iloc[0])
expected = random_baseline(pool, wave_size)["expected"]
print(f"wave 1 finds {found} fraud tickets; random labeling finds {expected:.0f} on average")
assert found > expected, "your wave finds no more fraud than random labeling"


# %% q6_selection_criteria
### BEGIN SOLUTION
selection_criteria = """
Deduplicate first (MinHash near-duplicates, one item per group) so labels are not wasted and
copies cannot leak between train and validation. Split the wave by source with a 10 % floor per
source and a tilt towards Chat and Social, where fraud is more common; Email stays in the wave
but below its pool share. Within each source, 40 % of the items are the top matches of weak
fraud rules (refund, chargeback, gift card, wire transfer, verify account); the rest are random,
so we also find fraud the rules miss and can estimate the true rate. After wave 1, train a seed
model and spend the remaining budget on the items it is least sure about, capped per source.
"""
### END SOLUTION
