"""Project 2 (rare intents): the notebook's code cells as real Python (see grader/authoring.py).

Run top to bottom, this is the solution notebook; `# %% <cell id>` starts each cell.
"""


# %% parameters
# Parameters (the grader may change these values)
rare_examples = 4


# %% setup
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from imbalance_kit.augment import template_paraphrases
from imbalance_kit.datasets import project_data
from imbalance_kit.datasets.intents import INTENT_SLOTS, RARE_INTENTS
from imbalance_kit.metrics import macro_f1, per_class_report

train = project_data("rare_intents", "train")
val = project_data("rare_intents", "validation")
print(train["intent"].value_counts().tail(7))
for intent in RARE_INTENTS:
    print(intent, "->", train.loc[train["intent"] == intent, "text"].tolist())


# %% a_solution
### BEGIN SOLUTION
rare_templates = {
    "report_fraud": ["someone used my {payment} without asking", "my account was hacked",
                     "i see a charge of {amount} on my {payment} i did not make", "fraud on my {payment}",
                     "i did not place order {order_id}, it is fraud", "scam email claiming to be from you",
                     "unauthorized purchase on my {payment}"],
    "data_export_request": ["i want a copy of my personal data", "export my data please",
                            "what personal data do you store about me", "gdpr data request",
                            "download all the data you have on me", "send me all my information"],
    "accessibility_help": ["your site does not work with {aid}", "i use {aid} and cannot check out",
                           "the app is not accessible with my {aid}", "the text is too small for me to read",
                           "buttons have no labels for {aid}", "accessibility problem with {aid}"],
    "bulk_order_quote": ["i need a quote for {quantity} {item}", "bulk discount for {quantity} {item}",
                         "wholesale pricing on {item}", "our company wants to buy {quantity} {item}",
                         "price for {quantity} units of the {item}"],
    "price_match": ["{competitor} has the {item} cheaper", "will you price match {competitor}",
                    "the {item} costs {amount} less at {competitor}", "can you match the price of {competitor}",
                    "price match for the {item} please"],
}
# Openings and endings multiply the phrasings, so every intent gets 100 distinct sentences.
slots = dict(INTENT_SLOTS, lead=["", "hi ", "hello, ", "hey ", "please "],
             tail=["", " thanks", " please", " asap", "?"])
augmented = pd.DataFrame(
    [(text, intent) for intent, templates in rare_templates.items()
     for text in template_paraphrases(["{lead}" + t + "{tail}" for t in templates], slots, n=100, seed=1)],
    columns=["text", "intent"])
data = pd.concat([train, augmented], ignore_index=True)
model = make_pipeline(TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
                      LogisticRegression(C=10, class_weight="balanced", max_iter=3_000))
model.fit(data["text"], data["intent"])


def predict(texts):
    return model.predict(list(texts)).tolist()


train_texts = data["text"].tolist()
train_labels = data["intent"].tolist()
val_texts = val["text"].tolist()
val_pred = predict(val_texts)
reported_metrics = {"macro_f1": macro_f1(val["intent"], val_pred)}
report = per_class_report(val["intent"], val_pred)
print(reported_metrics)
print(report.loc[list(RARE_INTENTS)].round(2))
### END SOLUTION


# %% q1_macro_f1
"""macro F1 (checked here on validation; graded on the hidden test set)"""
_pred = predict(val["text"].tolist())
assert len(_pred) == len(val), "predict must return one intent per text"
_mf1 = macro_f1(val["intent"], _pred)
print(f"validation macro F1 {_mf1:.3f}")
assert _mf1 >= 0.9, "macro F1 far below the target on validation"


# %% q2_rare_recall
"""recall over the rare intents (checked here on validation)"""
_rare = val["intent"].isin(RARE_INTENTS).to_numpy()
_recall = (pd.Series(_pred)[_rare].to_numpy() == val["intent"][_rare].to_numpy()).mean()
print(f"validation recall over rare intents {_recall:.3f}")
assert _recall >= 0.65, "rare-intent recall far below the target on validation"


# %% q3_process
"""augmented training data, validation kept as given"""
assert len(train_texts) == len(train_labels), "one label per training text"
assert sorted(val_texts) == sorted(val["text"]), "val_texts must be the validation set as given"
for intent in RARE_INTENTS:
    assert list(train_labels).count(intent) > rare_examples, f"augment {intent}"


# %% q4_reported_metrics
"""macro F1 reported on validation"""
# the names the grader reads as macro_f1 (any case, "-" or " " for "_")
MACRO_F1_NAMES = ['macro_f1', 'f1_macro', 'macro_f1_score']
assert isinstance(reported_metrics, (dict, list, tuple)), "make reported_metrics a dict metric name -> value"
_reported = ["_".join(str(k).lower().replace("-", " ").replace("_", " ").split()) for k in dict(reported_metrics)]
assert set(_reported) & set(MACRO_F1_NAMES), "report macro_f1"


# %% variant_code
from imbalance_kit.datasets import chatterbot_intents
from imbalance_kit.splits import stratified_split

bot = chatterbot_intents()
bot_train, bot_val, _ = stratified_split(bot, "category", sizes=(0.7, 0.15, 0.15))
bot_model = make_pipeline(TfidfVectorizer(sublinear_tf=True),
                          LogisticRegression(class_weight="balanced", max_iter=2_000))
bot_model.fit(bot_train["text"], bot_train["category"])
print(per_class_report(bot_val["category"], bot_model.predict(bot_val["text"])).round(2).tail(6))
