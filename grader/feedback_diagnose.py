"""Shared helpers for answer keys: read plain answers in every accepted form, explain problems.

Answers reach a key as plain JSON-like data (see :mod:`grader.spec`). A student's mapping may
arrive as a dict (JSON turns its keys into strings), as an engine-encoded dict
``{"__dict__": [[key, value], ...]}`` that keeps key types, or as a list of ``[key, value]``
pairs (a documented, accepted answer form). These helpers normalise all of them, and word the
usual problems (missing name, wrong type, a question whose cells never ran or stopped at a
limit) for feedback.
"""
from __future__ import annotations

import math

from .runner import LIMIT_ERRORS
from .spec import CallError, Missing, Unsupported

TYPE_WORDS = {bool: "a bool", int: "an int", float: "a float", str: "a string", list: "a list",
              dict: "a dict", type(None): "None"}


def describe(value) -> str:
    """How a value looks to the student: 'a string', 'a list', 'a custom object (Foo)' ..."""
    if isinstance(value, Unsupported):
        return f"an object of type {value.type_name} (only plain numbers, strings, lists and dicts are read)"
    if isinstance(value, dict) and set(value) == {"__dict__"}:
        return "a dict"
    return TYPE_WORDS.get(type(value), type(value).__name__)


def is_number(x) -> bool:
    """A finite int or float (bool is not a number here; nor is an int too big for a float)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # e.g. 10**400: every comparison with a float would raise
        return False


def is_int(x) -> bool:
    """A whole number: an int, or a float with no fractional part (numpy ints arrive as int)."""
    return is_number(x) and float(x) == int(x)


def pairs(value) -> list[tuple] | None:
    """A mapping in any accepted form -> list of (key, value) pairs; None if it is not one."""
    if isinstance(value, dict):
        if set(value) == {"__dict__"}:
            value = value["__dict__"]
        else:
            return list(value.items())
    if isinstance(value, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in value):
        keys = [k for k, _ in value]
        if not all(isinstance(k, (str, int, float, bool)) or k is None for k in keys):
            return None
        return [(k, v) for k, v in value]
    return None


def same_key(a, b) -> bool:
    """Class keys match when equal, or equal as text (JSON turns 0 into "0")."""
    return a == b or str(a) == str(b)


def lookup(items: list[tuple], key):
    """Value for ``key`` among (key, value) pairs, matching keys with :func:`same_key`."""
    for k, v in items:
        if same_key(k, key):
            return v
    raise KeyError(key)


def key_set(items: list[tuple]) -> set[str]:
    return {str(k) for k, _ in items}


def answer_problem(name: str, value) -> str | None:
    """Feedback for a missing or untrusted answer, else None."""
    if isinstance(value, Missing):
        return f"`{name}` is not defined (or the cell defining it raised an error)."
    if isinstance(value, Unsupported):
        return f"`{name}` is {describe(value)}; use plain Python values."
    return None


def call_problem(func: str, result) -> str | None:
    """Feedback for a probe call that raised or returned something unreadable, else None."""
    if isinstance(result, CallError):
        return f"calling `{func}` failed: {result.message}"
    if isinstance(result, Unsupported):
        return f"`{func}` returned {describe(result)}."
    if isinstance(result, Missing):
        return f"`{func}` is not defined (or the cell defining it raised an error)."
    return None


def limit_problem(cells: dict, grade_ids) -> str | None:
    """'cell 'a3' hit a limit: ...' when one of ``grade_ids`` stopped at a per-cell limit, else None.

    >>> limit_problem({"a3": {"executed": True, "error": "CellTimeoutError: the cell ran longer "
    ...                        "than the time limit per cell (3 s) and was interrupted"}}, ["a3"])
    "cell 'a3' hit a limit: the cell ran longer than the time limit per cell (3 s) and was interrupted"
    >>> limit_problem({"a3": {"executed": True, "error": "ValueError: bad"}}, ["a3"]) is None
    True
    """
    for gid in grade_ids:
        error = (cells or {}).get(gid, {}).get("error") or ""
        name, _, detail = error.partition(": ")
        if name in LIMIT_ERRORS:
            return f"cell {gid!r} hit a limit: {detail or name}"
    return None


def execution_problem(runs, grade_id: str, answer_cells=()) -> str | None:
    """Why a question gets no marks whatever its answers say, else None.

    ``runs`` are the runs the question is judged on (``runs[:1]`` for a question judged on the
    notebook's own parameters only); ``answer_cells`` the grade ids of the answer cells the
    question reads, besides its test cell ``grade_id`` (both from the declaration: the engine
    asks this before any key, :mod:`grader.judge`). The problems, per run in order:

    - one of these cells stopped at a per-cell limit (time, memory): the limit is named;
    - the run stopped as a whole (``run.error``: kernel died, wall time...) before these cells
      ran, or after them: then the grader read no answers, so nothing can be judged;
    - the test cell did not run at all (deleted, missing).

    A cell that merely raised is not a problem here: the question is judged on its answers.
    """
    own = (*answer_cells, grade_id)
    for i, run in enumerate(runs):
        rerun = "" if i == 0 else " (when the grader re-ran your notebook with new parameter values)"
        hit = limit_problem(run.cells, own)
        if hit:
            return f"{hit}{rerun}."
        ran = bool(run.cells) and all(run.cells.get(g, {}).get("executed") for g in own)
        if run.error:
            why = run.error if run.error.endswith(".") else run.error + "."
            if ran:
                return (f"this question's cells ran, but your notebook stopped later{rerun}, before "
                        f"the grader could read your answers: {why}")
            return f"this question's cells did not all run{rerun}: {why}"
        cell = run.cells.get(grade_id) if run.cells else None
        if run.cells and (cell is None or not cell.get("executed")):
            why = (cell or {}).get("error") or "the cell was removed or skipped"
            return f"the test cell of this question did not run{rerun} ({why})."
    return None


def vocab_name(value) -> str | None:
    """Normalise a vocabulary name: 'PR-AUC' / 'pr auc' / 'pr_auc' -> 'pr_auc'; None if not text."""
    if not isinstance(value, str):
        return None
    return "_".join(value.strip().lower().replace("-", " ").replace("_", " ").split())


def read_quotas(name: str, value, sources) -> tuple[dict | None, str | None]:
    """A source -> whole-number mapping in any accepted form, keyed exactly by ``sources``.

    Returns ``(quotas, None)`` or ``(None, feedback)``.
    """
    msg = answer_problem(name, value)
    if msg:
        return None, msg
    items = pairs(value)
    if items is None:
        return None, f"`{name}` is {describe(value)}; make it a dict source -> number of items."
    keys = [str(k) for k, _ in items]
    unknown = sorted(set(keys) - set(sources))
    missing = [s for s in sources if s not in keys]
    if unknown or missing or len(keys) != len(set(keys)):
        parts = []
        if missing:
            parts.append(f"missing sources {missing}")
        if unknown:
            parts.append(f"unknown sources {unknown}")
        if len(keys) != len(set(keys)):
            parts.append("a source named twice")
        return None, f"`{name}` must name each source once ({', '.join(parts)}); sources: {list(sources)}."
    out = {}
    for k, v in items:
        if not is_int(v) or v < 0:
            return None, f"`{name}[{k!r}]` is {v!r}; quotas are whole numbers of items, >= 0."
        out[str(k)] = int(v)
    return {s: out[s] for s in sources}, None


def when(run, index: int, varied: tuple[str, ...]) -> str:
    """' (when the grader re-ran your notebook with wave_size=1200)' for fresh runs, else ''."""
    if index == 0:
        return ""
    detail = ", ".join(f"{k}={run.parameters[k]!r}" for k in varied if k in run.parameters)
    return f" (when the grader re-ran your notebook with {detail})"


def annotate(message: str, run, index: int, varied: tuple[str, ...]) -> str:
    """``message`` with :func:`when` inserted before its final full stop."""
    extra = when(run, index, varied)
    if not extra:
        return message
    return (message[:-1] + extra + ".") if message.endswith(".") else message + extra
