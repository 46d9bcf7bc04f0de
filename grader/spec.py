"""The contract between the grading engine and each assignment's grader-side answer key.

An answer key is a module ``grader/assignments/<assignment_id>.py`` that defines
``KEY = AssignmentKey(...)``. The engine runs a student's notebook (isolated, in a child process),
reads the named answers out as plain JSON data, calls the student's functions on inputs the key
picks at grade time, and hands everything to ``KEY.grade`` *in the grader's own process*. Nothing
the student's code returns is trusted beyond being plain data (None, bool, int, float, str, list,
dict); anything else arrives as :class:`Unsupported`.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Missing:
    """The student's notebook did not define this name (or the cell defining it failed)."""

    name: str


@dataclass(frozen=True)
class Unsupported:
    """The value was not plain data (e.g. a custom object); it is never trusted."""

    name: str
    type_name: str


@dataclass(frozen=True)
class CallError:
    """Calling the student's function raised, timed out, or returned non-plain data."""

    message: str


@dataclass
class Run:
    """What one execution of a submission produced, as plain data.

    ``parameters``: the values injected into the cell tagged ``parameters``.
    ``answers``: name -> plain value, :class:`Missing` or :class:`Unsupported`.
    ``probes``: function name -> list of results (plain value or :class:`CallError`), one per
    input in the key's probe list, in order.
    ``cells``: grade_id -> {"executed": bool, "error": str | None} for every nbgrader cell.
    ``error``: a run-level problem (kernel died, time limit) or None.
    ``probe_args``: function name -> the list of args tuples that ``probes`` answers, in order
    (exactly what the key's ``probes(rng)`` returned), so ``grade`` can check results against
    inputs drawn at grade time.
    ``artifacts_dir``: optional per-student directory where the key may write feedback files
    (figures); None when the engine gives none (the key then writes no files).
    ``oracle``: optional report of a grader-side service the run used (the toxicity project's
    labeling oracle, :meth:`grader.oracle.OracleServer.report`); None when there was none.
    """

    parameters: dict
    answers: dict = field(default_factory=dict)
    probes: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)
    error: str | None = None
    probe_args: dict = field(default_factory=dict)
    artifacts_dir: str | None = None
    oracle: dict | None = None


@dataclass
class Verdict:
    """Points for one graded question (an nbgrader grade_id) and feedback in the student's terms.

    ``figures``: paths of pictures the key wrote into the run's ``artifacts_dir`` for this
    question; the result record keeps their file names and ``course feedback`` embeds them.
    """

    points: float
    max_points: float
    feedback: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AssignmentKey:
    """Grader-side answer key of one assignment.

    ``parameter_sets(rng)`` returns a list of parameter dicts: the first is the notebook's own
    defaults, the others fresh values drawn at grade time (so hard-coded answers fail).
    ``probes(rng)`` returns {function name: [args tuple, ...]} to call in the student's kernel
    after each run. ``grade(runs)`` returns {grade_id: Verdict} for every autograded question.
    ``manual`` lists grade ids graded by hand in formgrader (they get no autograde verdict).
    ``limits`` overrides :class:`grader.limits.Limits` defaults for this assignment (projects
    train models, so their cells may take longer than an exercise's).
    ``check_shows_scores``: whether a learner's ``course check`` prints the key's points and
    feedback. False for a test (the graded quick test), where it would be an answer oracle that
    can be queried until every answer is right; the check then reports the public tests only.
    """

    assignment_id: str
    notebook: str
    answers: tuple[str, ...]
    parameter_sets: Callable[[Any], list[dict]]
    probes: Callable[[Any], dict[str, list[tuple]]]
    grade: Callable[[list[Run]], dict[str, Verdict]]
    manual: tuple[str, ...] = ()
    limits: dict = field(default_factory=dict)
    check_shows_scores: bool = True


#: Names a package of further assignments (a course's own keys, the test suite's fixtures): an id
#: that ``grader.assignments`` lacks is looked up as ``<package>.<assignment_id>``. An environment
#: variable, so grading workers get it under every start method, and so does a ``course`` command.
PACKAGE_ENV = "IMBALANCE_LAB_ASSIGNMENTS"


def assignment_module(assignment_id: str):
    """The module of ``assignment_id``: ``grader.assignments.<id>``, else ``$IMBALANCE_LAB_ASSIGNMENTS.<id>``.

    Raises ValueError for an invalid id, a variable that names no importable package, or when
    neither package has the assignment; a module that exists but fails to import raises its own
    error.
    """
    if not assignment_id.replace("_", "").isalnum():
        raise ValueError(f"invalid assignment id {assignment_id!r}")
    module = _import_if_present(f"grader.assignments.{assignment_id}")
    extra = os.environ.get(PACKAGE_ENV)
    if module is None and extra:
        try:
            importlib.import_module(extra)
        except (ImportError, ValueError, TypeError) as exc:
            raise ValueError(f"${PACKAGE_ENV}={extra!r} names no importable package ({exc})") from None
        module = _import_if_present(f"{extra}.{assignment_id}")
    if module is None:
        raise ValueError(f"no answer key for assignment {assignment_id!r}")
    return module


def _import_if_present(name: str):
    """The module ``name``, or None when there is none (a module that imports something missing
    raises: the assignment exists but cannot load)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def load_key(assignment_id: str) -> AssignmentKey:
    """Import the answer key for ``assignment_id`` with a clear error when there is none."""
    return assignment_module(assignment_id).KEY
