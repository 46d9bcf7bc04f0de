"""Project 2's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author
from imbalance_kit.datasets.intents import RARE_INTENTS

from ..project_common import REPORT_HELP
from . import ASSIGNMENT
from .key import TARGETS


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    t = TARGETS
    return {"project_rare_intents": nb.notebook([
        nb.md("intro", f"""
# Project 2 — Rare intents with paraphrase augmentation

A support assistant must route messages to **30 intents**. Five of them are rare
({', '.join(f'`{i}`' for i in RARE_INTENTS)}): the training data keeps only
`rare_examples` real messages of each. Build a paraphrase augmentation pipeline for the rare
intents (`template_paraphrases`: write templates in your own words, list slot fillers), train
a classifier and define `predict(texts)` -> a list of intent names.

**Graded on a hidden test set:** macro F1 >= {t['macro_f1']:g} and recall over the rare intents
>= {t['rare_recall']:g} (each rare intent's recall is reported separately). Augment training
data only: the validation set stays as given.
"""),
        nb.parameters(),
        nb.setup("setup"),
        nb.md("a_text", f"""
## Your solution

Set `predict`, `train_texts` and `train_labels` (your final training data, augmented rows
included), `val_texts` (the validation texts you evaluated on) and `reported_metrics` (at least
`macro_f1`). Slot fillers are in `INTENT_SLOTS`.
{REPORT_HELP}"""),
        nb.answer("a_solution"),
        nb.tests("q1_macro_f1"),
        nb.tests("q2_rare_recall"),
        nb.tests("q3_process"),
        nb.tests("q4_reported_metrics"),
        nb.md("variant", """
## Variant (practice, not graded): real chatterbot-corpus categories

The same recipe on real dialog data: `chatterbot_intents()` holds the English
chatterbot-corpus conversations labeled by category, with a long tail of small categories.
Try augmenting the smallest ones and compare per-category recall with and without.
"""),
        nb.setup("variant_code"),
    ])}
