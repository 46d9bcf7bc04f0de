"""Shared pieces of the three projects: held-out seeds, graded credit, process checks, figures.

Not an assignment (there is no ``solutions/project_common``). Lives under ``grader/assignments``,
which the sandbox hides, so the held-out seeds are unreachable from a student's notebook.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path

from ..feedback_diagnose import answer_problem, call_problem, describe, is_number, pairs, vocab_name
from ..spec import Verdict

#: The notebooks' paragraph on ``reported_metrics`` (notebook.py of each project).
REPORT_HELP = """
Also set `reported_metrics`, a dict metric name -> value **measured on the validation set with
your final model**. The grader computes the same metric on the same validation data and
compares. Accuracy alone is not enough on imbalanced data.
"""

#: Projects train models: longer cells and calls than an exercise's defaults.
PROJECT_LIMITS = {"cell_seconds": 120.0, "call_seconds": 60.0, "wall_seconds": 600.0,
                  "cpu_seconds": 1200}

#: The held-out seeds derive from a private secret: this variable, else this file (never
#: committed; created with a random secret on first use). Back the file up: another secret
#: means other hidden test sets, so regrading with it would not reproduce earlier scores.
SECRET_ENV = "IMBALANCE_LAB_HELDOUT_SECRET"
SECRET_FILE = Path(__file__).with_name("heldout_secret.txt")


def _read_secret() -> str:
    secret = SECRET_FILE.read_text().strip()
    if not secret:
        raise ValueError(f"{SECRET_FILE} is empty: write a private secret into it, or delete it "
                         "to have one created")
    return secret


def held_out_secret() -> str:
    """The private secret behind the held-out seeds: ``$IMBALANCE_LAB_HELDOUT_SECRET``, else
    :data:`SECRET_FILE`, else a fresh random secret written to :data:`SECRET_FILE` (mode 0600).

    The file appears complete or not at all (written aside, then hard-linked into place, which
    fails if it exists), so graders starting at once all end up with the first one's secret.
    """
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env
    if SECRET_FILE.is_file():
        return _read_secret()
    tmp = SECRET_FILE.with_name(f".{SECRET_FILE.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, SECRET_FILE)
        except FileExistsError:
            pass  # another grader created it first: use theirs
    finally:
        tmp.unlink()
    return _read_secret()


def held_out_seed(project: str) -> int:
    """The seed of a project's hidden test part (and of the toxicity pool in graded runs)."""
    return int.from_bytes(hashlib.sha256(f"{held_out_secret()}:{project}".encode()).digest()[:7], "big")


def held_out_parts(project: str, assignment_id: str) -> dict:
    """Public train and validation parts, and the hidden test part drawn with the secret seed."""
    return _parts_with_test_seed(project, held_out_seed(assignment_id))


@lru_cache(maxsize=8)
def _parts_with_test_seed(project: str, seed: int) -> dict:
    from imbalance_kit.datasets.projects import project_data

    return {"train": project_data(project, "train"),
            "validation": project_data(project, "validation"),
            "test": project_data(project, "test", seed=seed, train_seed=0)}


def credit(value: float, target: float, floor: float) -> float:
    """Share of the points for a metric: 0 at or below ``floor``, 1 at or above ``target``."""
    return min(1.0, max(0.0, (value - floor) / (target - floor)))


def target_line(what: str, value: float, target: float) -> str:
    if value >= target:
        return f"{what} = {value:.3f} on the hidden test set: target {target:g} reached."
    return (f"{what} = {value:.3f} on the hidden test set: target {target:g} missed by "
            f"{target - value:.3f}.")


def validation_line(*measures: tuple[str, float, float]) -> str:
    """What ``course check`` shows for a question graded on the hidden test set: each
    ``(what, value, target)`` measured on the learner's validation data."""
    said = [f"{what} = {value:.3f} (target {target:g} "
            + ("reached)" if value >= target else f"missed by {target - value:.3f})")
            for what, value, target in measures]
    return f"on your validation data: {', '.join(said)}."


def probe_result(run, func: str, index: int, n: int, kind: str):
    """``(list, None)`` of ``n`` results of the ``index``-th probe of ``func``, or ``(None, msg)``.

    ``kind`` is "number", "string" or "tags" (a list of strings per item).
    """
    results = run.probes.get(func)
    if not isinstance(results, list) or len(results) <= index:
        return None, f"`{func}` is not defined (or the cell defining it raised an error)."
    got = results[index]
    problem = call_problem(func, got)
    if problem:
        return None, problem
    if not isinstance(got, list) or len(got) != n:
        size = len(got) if isinstance(got, list) else None
        return None, (f"`{func}` must return a list with one entry per input ({n}); it returned "
                      + (f"{size} entries." if size is not None else f"{describe(got)}."))
    if kind == "number" and not all(is_number(x) for x in got):
        return None, f"`{func}` must return numbers (scores), one per text."
    if kind == "string" and not all(isinstance(x, (str, int)) for x in got):
        return None, f"`{func}` must return one intent name (a string) per text."
    if kind == "tags" and not all(isinstance(t, list) and all(isinstance(x, str) for x in t) for t in got):
        return None, f"`{func}` must return one list of tag strings per sentence."
    return got, None


def text_list(runs, name: str):
    """``(list of str, None)`` or ``(None, feedback)`` for a list-of-texts answer."""
    value = runs[0].answers.get(name)
    msg = answer_problem(name, value)
    if msg:
        return None, msg
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        return None, f"`{name}` is {describe(value)}; make it a plain list of strings."
    return value, None


def key(x) -> str:
    """Texts and token lists compare as one normalised string."""
    from imbalance_kit.dedup import normalize_text

    return normalize_text(" ".join(x) if isinstance(x, list) else str(x))


def validation_problems(val: list, public_val: list) -> list[str]:
    """Feedback when the learner's validation set is not the given one (oversampled, augmented,
    trimmed): the validation set must keep the real class balance."""
    got, want = Counter(map(key, val)), Counter(map(key, public_val))
    out = []
    extra = sum((got - want).values())
    missing = sum((want - got).values())
    if extra:
        repeated = sum(min(c, got[k] - want[k]) for k, c in want.items() if got[k] > c)
        if repeated:
            out.append(f"your validation set repeats {repeated} rows: it was oversampled. Keep "
                       "validation data as it is, or its scores overstate the rare class.")
        if extra - repeated:
            out.append(f"your validation set holds {extra - repeated} rows that are not in the "
                       "given validation data (augmented or added rows); augment training data only.")
    if missing and not extra:
        out.append(f"{missing} rows of the given validation set are missing from `val_texts`.")
    return out


def leak_problems(train: list, val: list, allowed: list, test: list) -> list[str]:
    """Validation or test rows found in the training data (beyond ``allowed``, texts that occur
    in the given training data anyway)."""
    allowed_keys = set(map(key, allowed))
    train_keys = set(map(key, train)) - allowed_keys
    out = []
    n_val = len(train_keys & set(map(key, val)))
    n_test = len(train_keys & set(map(key, test)))
    # Short template texts can be rewritten independently; a handful of hits is chance.
    n_test = n_test if n_test > max(5, 0.01 * len(test)) else 0
    if n_val:
        out.append(f"{n_val} validation rows are also in your training data: the threshold and "
                   "scores you tune on validation are then too optimistic.")
    if n_test:
        out.append(f"{n_test} test rows are also in your training data (duplicates shared between "
                   "train and test).")
    return out


def reported_metrics_verdict(runs, points: float, required: str, measured: float | None,
                             aliases: dict) -> Verdict:
    """``reported_metrics`` must name the imbalance-aware metric ``required`` (not accuracy) with
    a value close to what the grader measures on the same validation data (``measured``)."""
    v = Verdict(0.0, points)
    value = runs[0].answers.get("reported_metrics")
    msg = answer_problem("reported_metrics", value)
    if msg:
        v.feedback.append(msg)
        return v
    items = pairs(value)
    if items is None:
        v.feedback.append(f"`reported_metrics` is {describe(value)}; make it a dict metric name -> value.")
        return v
    named = {}
    for k, x in items:
        name = vocab_name(str(k))
        named[aliases.get(name, name)] = x
    if required not in named:
        if "accuracy" in named:
            v.feedback.append(f"you report accuracy but not {required}: on imbalanced data accuracy "
                              "stays high even when the rare class is missed. Report "
                              f"`{required}` (on validation).")
        else:
            v.feedback.append(f"`reported_metrics` has no `{required}`; report it on validation.")
        return v
    x = named[required]
    if not is_number(x):
        v.feedback.append(f"`reported_metrics['{required}']` is {describe(x)}, not a number.")
        return v
    if measured is not None and abs(float(x) - measured) > 0.03:
        v.points = points / 2
        v.feedback.append(f"you report {required} = {float(x):.3f}, but your model scores "
                          f"{measured:.3f} on the validation set: compute it on the validation "
                          "set with the final model.")
        return v
    v.points = points
    v.feedback.append(f"{required} is reported and matches the validation set.")
    if "accuracy" in named:
        v.feedback.append("(accuracy is reported too; on imbalanced data it says little.)")
    return v


def save_figure(fig, runs, name: str) -> list[str]:
    """Write ``fig`` as ``<artifacts_dir>/<name>.png`` when the engine gives a directory; return
    the paths written (for :attr:`Verdict.figures`, never a feedback line: a path means nothing
    to the student and splits the class report's mistakes per student)."""
    import matplotlib.pyplot as plt

    directory = runs[0].artifacts_dir if runs else None
    try:
        if not directory:
            return []
        path = Path(directory) / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90, bbox_inches="tight")
        return [str(path)]
    finally:
        plt.close(fig)


def bar_table(report, title: str, highlight=(), ax=None):
    """A per-class table as a picture: horizontal bars of precision, recall and F1 per class."""
    import matplotlib.pyplot as plt
    import numpy as np

    rows = report.index.tolist()
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 1.5))
    y = np.arange(len(rows))
    for k, (col, color) in enumerate((("precision", "tab:blue"), ("recall", "tab:orange"),
                                      ("f1", "tab:green"))):
        ax.barh(y + (k - 1) * 0.27, report[col], height=0.27, color=color, label=col)
    ax.set_yticks(y, [f"{r} (n={int(report.loc[r, 'support'])})" for r in rows])
    for tick, r in zip(ax.get_yticklabels(), rows):
        if r in highlight:
            tick.set_color("tab:red")
            tick.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return fig
