"""Project 3's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author

from ..project_common import REPORT_HELP
from . import ASSIGNMENT
from .key import TARGETS


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    t = TARGETS
    return {"project_rare_entities": nb.notebook([
        nb.md("intro", f"""
# Project 3 — A rare entity type: DRUG in news

News sentences are tagged with PER, ORG, LOC and a **rare DRUG** type (IOB2 tags). Few
training sentences mention a drug. Mine DRUG candidates (`mine_candidates`: lexicon plus
suffix rules), use them (as features, or to build more DRUG training sentences), upweight the
rare type in the loss (`token_weights`) and define `predict_tags(sentences)` -> one list of
IOB2 tags per sentence (a sentence is a list of tokens).

**Graded on hidden test documents with strict entity matching:** DRUG F1 >= {t['drug_f1']:g}
and micro F1 over all types >= {t['micro_f1']:g}. Report DRUG F1 on validation, not token
accuracy (a tagger that never predicts DRUG has excellent token accuracy).
"""),
        nb.parameters(),
        nb.setup("setup"),
        nb.md("a_text", f"""
## Your solution

Set `predict_tags`, `train_sentences` (token lists you trained on, added ones included),
`val_sentences` (the validation sentences you evaluated on) and `reported_metrics` (at least
`drug_f1`).
{REPORT_HELP}"""),
        nb.answer("a_solution"),
        nb.tests("q1_drug_f1"),
        nb.tests("q2_overall_f1"),
        nb.tests("q3_process"),
        nb.tests("q4_reported_metrics"),
    ])}
