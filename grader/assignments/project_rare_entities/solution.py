"""Project 3 (a rare entity type): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
drug_weight = 8.0


# %% setup
import numpy as np
import pandas as pd
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from imbalance_kit.datasets import project_data
from imbalance_kit.datasets.news import DRUG_LEXICON
from imbalance_kit.ner import DRUG_SUFFIXES, bio_to_spans, entity_scores, mine_candidates, token_weights

train = project_data("rare_entities", "train")
val = project_data("rare_entities", "validation")
n_drug = sum(any(t.endswith("DRUG") for t in tags) for tags in train["tags"])
print(len(train), "training sentences,", n_drug, "with a DRUG")


# %% a_solution
### BEGIN SOLUTION
lexicon = {d.lower() for d in DRUG_LEXICON}
suffixes = tuple(s.lstrip("-") for s in DRUG_SUFFIXES)
mined = mine_candidates(list(train["tokens"]), lexicon=DRUG_LEXICON)
print(len(mined), "candidate tokens;", mined["rule"].value_counts().head(3).to_dict())

# More DRUG sentences: swap each drug mention for other one-word lexicon drugs.
rng = np.random.default_rng(0)
names = sorted(d for d in DRUG_LEXICON if " " not in d)
extra = []
for tokens, tags in zip(train["tokens"], train["tags"]):
    spans = [s for s in bio_to_spans(tags) if s[0] == "DRUG"]
    for _ in range(20 if spans else 0):
        new_tokens, new_tags, i = [], [], 0
        for _, start, end in spans:
            new_tokens += list(tokens[i:start]) + [str(rng.choice(names))]
            new_tags += list(tags[i:start]) + ["B-DRUG"]
            i = end
        extra.append((new_tokens + list(tokens[i:]), new_tags + list(tags[i:])))
sentences = [list(t) for t in train["tokens"]] + [t for t, _ in extra]
tag_lists = [list(t) for t in train["tags"]] + [g for _, g in extra]


def features(tokens, i):
    w = tokens[i]
    lw = w.lower()
    return {"w=" + lw: 1, "upper": int(w[:1].isupper()), "first": int(i == 0),
            "p=" + (tokens[i - 1].lower() if i else "<s>"): 1,
            "p2=" + (tokens[i - 2].lower() if i > 1 else "<s>"): 1,
            "n=" + (tokens[i + 1].lower() if i + 1 < len(tokens) else "</s>"): 1,
            "s3=" + lw[-3:]: 1, "s4=" + lw[-4:]: 1,
            "lexicon": int(lw in lexicon), "drug_suffix": int(lw.endswith(suffixes))}


def featurize(sents):
    return [features(s, i) for s in sents for i in range(len(s))]


vec = DictVectorizer()
X = vec.fit_transform(featurize(sentences))
weights = np.concatenate([token_weights(t, {"DRUG": drug_weight}) for t in tag_lists])
tagger = LogisticRegression(C=5, max_iter=3_000).fit(X, [t for ts in tag_lists for t in ts],
                                                     sample_weight=weights)


def predict_tags(sents):
    sents = [list(s) for s in sents]
    flat = tagger.predict(vec.transform(featurize(sents))) if sents else []
    out, k = [], 0
    for s in sents:
        tags = [str(x) for x in flat[k:k + len(s)]]
        k += len(s)
        for i, tag in enumerate(tags):  # an I- tag without its entity before it starts one
            if tag.startswith("I-") and (i == 0 or tags[i - 1][2:] != tag[2:]):
                tags[i] = "B-" + tag[2:]
        out.append(tags)
    return out


train_sentences = sentences
val_sentences = [list(t) for t in val["tokens"]]
val_scores = entity_scores(list(val["tags"]), predict_tags(val_sentences))
reported_metrics = {"drug_f1": float(val_scores.loc["DRUG", "f1"]),
                    "micro_f1": float(val_scores.loc["micro", "f1"])}
print(val_scores.round(3))
### END SOLUTION


# %% q1_drug_f1
"""DRUG F1 (checked here on validation; graded on the hidden test set)"""
_tags = predict_tags([list(t) for t in val["tokens"]])
assert len(_tags) == len(val), "predict_tags must return one tag list per sentence"
_scores = entity_scores(list(val["tags"]), [list(t) for t in _tags])
print(_scores.round(3))
assert "DRUG" in _scores.index and _scores.loc["DRUG", "f1"] >= 0.7, \
    "DRUG F1 far below the target on validation (few drug sentences there: a rough check)"


# %% q2_overall_f1
"""micro F1 over all entity types"""
assert _scores.loc["micro", "f1"] >= 0.96, "micro F1 far below the target on validation"


# %% q3_process
"""validation kept as given"""
assert len(val_sentences) == len(val), "val_sentences must be the validation set as given"


# %% q4_reported_metrics
"""DRUG F1 reported on validation"""
# the names the grader reads as drug_f1 (any case, "-" or " " for "_")
DRUG_F1_NAMES = ['drug_f1', 'f1_drug', 'drug_f1_score']
assert isinstance(reported_metrics, (dict, list, tuple)), "make reported_metrics a dict metric name -> value"
_reported = ["_".join(str(k).lower().replace("-", " ").replace("_", " ").split()) for k in dict(reported_metrics)]
assert set(_reported) & set(DRUG_F1_NAMES), "report drug_f1"
