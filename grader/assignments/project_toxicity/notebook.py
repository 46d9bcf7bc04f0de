"""Project 1's text and cell order; its code cells are in solution.py (see grader/authoring.py)."""
from grader.authoring import Author
from imbalance_kit.datasets.projects import project_data

from ..project_common import REPORT_HELP
from . import ASSIGNMENT
from .key import TARGETS


def notebooks() -> dict:
    nb = Author(ASSIGNMENT, __file__)
    t = TARGETS
    n_val_pos = int(project_data("toxicity", "validation")["label"].sum())
    return {"project_toxicity": nb.notebook([
        nb.md("intro", f"""
# Project 1 — Toxic comments on a labeling budget

You get an **unlabeled pool** of about {len(project_data('toxicity', 'pool')):,} comments from
four sources (about 4 % toxic) and a **labeling oracle** that sells at most `budget` labels.
Collect labels in waves (deduplicate, seed with rules, keep every source in the wave, then
sample what your model is unsure about), train a classifier, choose a threshold on the
labeled **validation** set, and define:

- `predict_scores(texts)` -> a list of floats, one score per text (higher = more toxic);
- `threshold`: a text is flagged toxic when its score is >= `threshold`.

**Target on the hidden test set: recall >= {t['recall']:g} with precision >= {t['precision']:g}.**
In the graded run the oracle, the pool and the validation set are the grader's (the same
size, drawn from the same distribution), so work only through `oracle`; the grader keeps its
own log of the labels you bought and never trusts numbers your notebook reports.
"""),
        nb.parameters(),
        nb.setup("setup"),
        nb.md("a_text", f"""
## Your solution

Buy labels with `oracle.label(ids)` (a dict id -> 0/1; each new id costs one label, asking again
is free, a request past the budget is refused). Then set `threshold`, `predict_scores`,
`train_texts` (the texts you trained on), `val_texts` (the validation texts you scored) and
`reported_metrics` (at least `pr_auc`).

Leave slack when you choose `threshold`: the validation set holds only about {n_val_pos} toxic
comments (each is {100 / n_val_pos:.1f} % of recall), so a threshold that only just meets a
target there can miss it on the hidden test set. `threshold_sweep` lists precision and recall
at every candidate threshold; `choose_threshold` picks one that meets floors you set.
{REPORT_HELP}"""),
        nb.answer("a_solution"),
        nb.tests("q1_labels"),
        nb.tests("q2_targets"),
        nb.tests("q3_process"),
        nb.tests("q4_reported_metrics"),
    ])}
