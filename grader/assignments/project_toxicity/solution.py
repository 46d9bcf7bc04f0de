"""Project 1 (toxic comments on a labeling budget): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
budget = 4_000


# %% setup
import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from grader.oracle import get_oracle
from imbalance_kit.active import query
from imbalance_kit.dedup import exact_duplicates
from imbalance_kit.labeling import source_quotas
from imbalance_kit.metrics import pr_auc
from imbalance_kit.thresholds import choose_threshold, threshold_sweep

oracle = get_oracle(budget=budget)
pool = oracle.pool()              # item_id, text, source: no labels
val = oracle.validation()         # item_id, text, source, label: for thresholds, not training
print(len(pool), "pool items;", len(val), "validation items;", oracle.remaining, "labels left")


# %% a_solution
### BEGIN SOLUTION
vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit(pool["text"])
X = vec.transform(pool["text"])

# Deduplicate first: one item per group of texts equal after normalisation.
first = ~pd.Series(exact_duplicates(pool["text"].tolist())).duplicated().to_numpy()
candidates = np.flatnonzero(first)

# Wave 1 (1,000 labels): quotas per source, half of each quota seeded by insult keywords.
rng = np.random.default_rng(0)
shares = pool["source"].value_counts(normalize=True).to_dict()
quotas = source_quotas(shares, 1_000, min_share=0.15)
seeded = pool["text"].str.lower().str.contains(
    r"idiot|stupid|moron|loser|pathetic|shut up|hate you|kill|trash|clown|dumb")
wave = []
for source, quota in quotas.items():
    in_source = candidates[(pool["source"].to_numpy()[candidates] == source)]
    hits = in_source[seeded.to_numpy()[in_source]]
    k = min(quota // 2, len(hits))
    picked = list(rng.choice(hits, size=k, replace=False))
    rest = np.setdiff1d(in_source, picked)
    picked += list(rng.choice(rest, size=quota - k, replace=False))
    wave += picked
labels = oracle.label(pool["item_id"].to_numpy()[wave].tolist())
labeled = list(wave)

# Later waves (500 each): the items the current model is least sure about.
while oracle.remaining > 0:
    y = [labels[i] for i in pool["item_id"].to_numpy()[labeled]]
    model = LogisticRegression(C=4, class_weight="balanced", max_iter=2_000).fit(X[labeled], y)
    proba = model.predict_proba(X[candidates])
    taken = set(labeled)
    exclude = [j for j, i in enumerate(candidates) if i in taken]
    new = candidates[query(proba, min(500, oracle.remaining), exclude=exclude)].tolist()
    labels.update(oracle.label(pool["item_id"].to_numpy()[new].tolist()))
    labeled += new

y = [labels[i] for i in pool["item_id"].to_numpy()[labeled]]
model = LogisticRegression(C=4, class_weight="balanced", max_iter=2_000).fit(X[labeled], y)
val_scores = model.predict_proba(vec.transform(val["text"]))[:, 1]
# Leave slack on both targets: take the threshold whose worse target has the most room, i.e. the
# largest min(recall - 0.85, precision - 0.65) on validation. Just past the last subtle put-down
# precision falls off a cliff while recall barely moves, so precision is aimed a little above its
# 0.6 target; a recall floor alone (min_recall=0.92) lands on that cliff for many test draws.
sweep = threshold_sweep(val["label"], val_scores)
slack = np.minimum(sweep["recall"] - 0.85, sweep["precision"] - 0.65)
choice = sweep.iloc[int(np.argmax(slack))]
threshold = float(choice.threshold)


def predict_scores(texts):
    return model.predict_proba(vec.transform(list(texts)))[:, 1].tolist()


train_texts = pool["text"].iloc[labeled].tolist()
val_texts = val["text"].tolist()
reported_metrics = {"pr_auc": pr_auc(val["label"], val_scores),
                    "recall": float(choice.recall), "precision": float(choice.precision)}
print(reported_metrics, "threshold", round(threshold, 3))
### END SOLUTION


# %% q1_labels
"""labels bought through the oracle, within the budget"""
assert oracle.used <= budget, "more labels than the budget?"
assert oracle.used > 0, "buy labels with oracle.label(ids)"
assert isinstance(train_texts, (list, tuple, np.ndarray)) and len(train_texts) > 0, \
    "set train_texts to the texts you trained on"


# %% q2_targets
"""recall >= 0.85 with precision >= 0.6 (checked here on validation; graded on the hidden test set)"""
_s = np.asarray(predict_scores(val["text"].tolist()), dtype=float)
assert len(_s) == len(val), "predict_scores must return one score per text"
_flag = _s >= threshold
_recall = (_flag & (val["label"] == 1)).sum() / (val["label"] == 1).sum()
_precision = (_flag & (val["label"] == 1)).sum() / max(_flag.sum(), 1)
print(f"validation: recall {_recall:.3f}, precision {_precision:.3f}")
assert _recall >= 0.85 and _precision >= 0.6, "targets missed on validation"


# %% q3_process
"""validation kept as given and never trained on"""
assert sorted(val_texts) == sorted(val["text"]), "val_texts must be the validation set as given"
assert not set(train_texts) & set(val["text"]), "validation texts are in your training data"


# %% q4_reported_metrics
"""PR-AUC reported on validation"""
# the names the grader reads as pr_auc (any case, "-" or " " for "_")
PR_AUC_NAMES = ['pr_auc', 'average_precision', 'auprc', 'ap']
assert isinstance(reported_metrics, (dict, list, tuple)), "make reported_metrics a dict metric name -> value"
_reported = ["_".join(str(k).lower().replace("-", " ").replace("_", " ").split()) for k in dict(reported_metrics)]
assert set(_reported) & set(PR_AUC_NAMES), "report pr_auc"
