"""The declared contract of an assignment, and its grader-side answer key.

An assignment lives in one folder, ``grader/assignments/<assignment_id>/`` (listed in
:data:`grader.assignments.ASSIGNMENTS`; further ones in the package ``$IMBALANCE_LAB_ASSIGNMENTS``
names). Its ``__init__.py`` declares it once::

    ASSIGNMENT = Assignment("ex01_class_weights", notebooks=[
        Notebook("ex01_class_weights", questions=[
            Question("q1_inverse_frequency_weights", 3, reads=("a1_inverse_frequency_weights",)),
            ...])])
    from .key import KEY  # AssignmentKey(...), the grading rules

The declaration (grade ids, points, the answer cells each question reads, manual or auto, the
services a graded run needs, limits) is the one source that the engine, the notebook generator,
release lint, the gradebook and feedback read. The key (:class:`AssignmentKey`) holds only the
grading rules: parameter sets, probes and one grade function per autograded question. The engine
itself gives a question whose cells did not run zero points with the reason
(:mod:`grader.pipeline.judge`), so a grade function only ever sees runs in which its question ran.

Several notebooks per assignment can be declared; the engine grades one notebook per assignment
for now (:attr:`Assignment.notebook` says so clearly for more).
"""
from __future__ import annotations

import importlib
import math
import os
import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from .limits import Limits
from .spec import Run, Verdict

#: Services a graded run may need, by name. ``oracle``: the labeling oracle (:mod:`grader.oracle`),
#: started by the engine next to the sandbox; the key provides its session factory.
SERVICES = ("oracle",)

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class GradingConfigError(RuntimeError):
    """An assignment's declaration, key and notebooks disagree (an instructor's bug: nothing can
    be graded until it is fixed)."""


@dataclass(frozen=True)
class Question:
    """One graded cell of a notebook (an nbgrader grade id) and what it is worth.

    ``reads``: grade ids of the answer cells the question reads besides its own cell; a cell of
    these that stopped at a limit (or a run that stopped) costs this question only.
    ``manual``: graded by hand in formgrader (its cell is the answer); the engine skips it.
    ``every_run``: judged on every run (the notebook's own parameters and the fresh ones the key
    draws), so a re-run in which its cells did not run costs it; False: on the notebook's own run.
    ``hidden_test``: judged on data the learner must not see before grading (a project's hidden
    test set): a learner's ``course check`` does not show its points, only whether it could run.
    """

    grade_id: str
    points: float
    reads: tuple[str, ...] = ()
    manual: bool = False
    every_run: bool = True
    hidden_test: bool = False

    def __post_init__(self):
        if not isinstance(self.grade_id, str) or not _NAME.match(self.grade_id):
            raise ValueError(f"invalid grade id {self.grade_id!r}")
        if (isinstance(self.points, bool) or not isinstance(self.points, (int, float))
                or not math.isfinite(self.points) or self.points <= 0):
            raise ValueError(f"{self.grade_id}: points must be a positive number, got {self.points!r}")
        object.__setattr__(self, "points", float(self.points))
        reads = (self.reads,) if isinstance(self.reads, str) else tuple(self.reads)
        if not all(isinstance(r, str) and _NAME.match(r) for r in reads):
            raise ValueError(f"{self.grade_id}: reads must be grade ids of answer cells, got {reads!r}")
        if self.manual and reads:
            raise ValueError(f"{self.grade_id}: a manual question is its own answer cell; "
                             "declare no reads")
        object.__setattr__(self, "reads", reads)


@dataclass(frozen=True)
class Notebook:
    """One notebook of an assignment: ``name`` is nbgrader's notebook id (the file name without
    ``.ipynb``); ``questions`` in notebook order."""

    name: str
    questions: tuple[Question, ...]

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name) or self.name.endswith(".ipynb"):
            raise ValueError(f"invalid notebook name {self.name!r} (the file name without .ipynb)")
        questions = tuple(self.questions)
        if not questions or not all(isinstance(q, Question) for q in questions):
            raise ValueError(f"notebook {self.name}: declare its questions as Question(...)")
        object.__setattr__(self, "questions", questions)


@dataclass(frozen=True)
class Assignment:
    """The declaration of one assignment (see the module docstring).

    ``services``: names from :data:`SERVICES` a graded run needs. ``limits`` overrides
    :class:`grader.limits.Limits` defaults (projects train models, so their cells may take
    longer). ``check_shows_scores``: whether a learner's ``course check`` prints the key's points
    and feedback; False for a test, where it would be an answer oracle that can be queried until
    every answer is right.
    """

    assignment_id: str
    notebooks: tuple[Notebook, ...]
    services: tuple[str, ...] = ()
    limits: Mapping[str, Any] = field(default_factory=dict)
    check_shows_scores: bool = True

    def __post_init__(self):
        if not isinstance(self.assignment_id, str) or not _ID.match(self.assignment_id):
            raise ValueError(f"invalid assignment id {self.assignment_id!r} (letters, digits, _)")
        notebooks = tuple(self.notebooks)
        if not notebooks or not all(isinstance(n, Notebook) for n in notebooks):
            raise ValueError(f"{self.assignment_id}: declare its notebooks as Notebook(...)")
        names = [n.name for n in notebooks]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.assignment_id}: a notebook is declared twice")
        ids = [q.grade_id for n in notebooks for q in n.questions]
        twice = sorted({g for g in ids if ids.count(g) > 1})
        if twice:
            raise ValueError(f"{self.assignment_id}: grade ids declared twice: {twice}")
        services = (self.services,) if isinstance(self.services, str) else tuple(self.services)
        unknown = [s for s in services if s not in SERVICES]
        if unknown or len(set(services)) != len(services):
            raise ValueError(f"{self.assignment_id}: services must be distinct names from "
                             f"{SERVICES}, got {services!r}")
        allowed = {f.name for f in fields(Limits)}
        if not isinstance(self.limits, Mapping) or set(self.limits) - allowed:
            raise ValueError(f"{self.assignment_id}: limits must be a mapping of {sorted(allowed)}")
        Limits(**self.limits)  # raises on a bad value
        object.__setattr__(self, "notebooks", notebooks)
        object.__setattr__(self, "services", services)
        object.__setattr__(self, "limits", dict(self.limits))

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question of every notebook, in order."""
        return tuple(q for n in self.notebooks for q in n.questions)

    @property
    def auto_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if not q.manual)

    @property
    def auto_points(self) -> dict[str, float]:
        """grade id -> points of the autograded questions, in order."""
        return {q.grade_id: q.points for q in self.auto_questions}

    @property
    def notebook(self) -> Notebook:
        """The assignment's notebook: the engine grades one notebook per assignment for now."""
        if len(self.notebooks) != 1:
            raise GradingConfigError(
                f"{self.assignment_id} declares {len(self.notebooks)} notebooks; grading "
                "assignments with several notebooks is not supported yet (one notebook each)")
        return self.notebooks[0]


#: A grade function: the runs of one submission and the question's declared points -> its verdict.
GradeFunction = Callable[[list[Run], float], Verdict]


@dataclass(frozen=True)
class AssignmentKey:
    """The grader-side grading rules of one assignment (never released, never in the sandbox).

    ``answers``: names read out of the student's kernel after each run, as plain data.
    ``parameter_sets(rng)``: a list of parameter dicts; the first is the notebook's own defaults
    (the generator checks that its parameters cell assigns exactly these), the others fresh values
    drawn at grade time, so hard-coded answers fail.
    ``probes(rng)``: {function name: [args tuple, ...]} to call in the student's kernel after each run.
    ``grade``: {grade id: function(runs, points) -> Verdict}, one per autograded question of the
    declaration; a function is called only when its question's cells ran (see :mod:`grader.pipeline.judge`)
    and gets the declared points, so it never restates them.
    ``services``: {service name: session factory(directory, inside)} for the declared services.
    ``constants``: names the notebook's locked cells assign as literals that the key grades by
    (floors, vocabularies); the generator fails when the notebook's value differs.
    """

    answers: tuple[str, ...]
    parameter_sets: Callable[[Any], list[dict]]
    probes: Callable[[Any], dict[str, list[tuple]]]
    grade: Mapping[str, GradeFunction]
    services: Mapping[str, Callable] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)


def key_problems(assignment: Assignment, key: AssignmentKey) -> list[str]:
    """Where a key disagrees with its assignment's declaration (empty when it does not)."""
    aid, problems = assignment.assignment_id, []
    declared = set(assignment.auto_points)
    graded = set(key.grade)
    if graded - declared:
        problems.append(f"{aid}: the key grades questions that are not declared autograded: "
                        f"{sorted(graded - declared)}")
    if declared - graded:
        problems.append(f"{aid}: no grade function for the declared questions "
                        f"{sorted(declared - graded)}")
    if not all(callable(f) for f in key.grade.values()):
        problems.append(f"{aid}: every grade function must be callable")
    if set(key.services) != set(assignment.services):
        problems.append(f"{aid}: the key provides services {sorted(key.services)} but the "
                        f"assignment declares {sorted(assignment.services)}")
    return problems


def graded_cells(nb) -> dict[str, tuple[float, bool]]:
    """grade id -> (points, manual) of a notebook's nbgrader grade cells.

    A grade cell that is also a solution cell, or a markdown one, is graded by hand; a code cell
    that is only a grade cell is an autograded test cell.
    """
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id"):
            manual = bool(meta.get("solution")) or cell.cell_type != "code"
            out[meta["grade_id"]] = (meta.get("points"), manual)
    return out


def notebook_problems(assignment: Assignment, name: str, nb) -> list[str]:
    """Where notebook ``name`` of ``assignment`` disagrees with its declaration (empty when it
    does not): the grade cells, their points and kinds, and the answer cells questions read."""
    declared = next((n for n in assignment.notebooks if n.name == name), None)
    where = f"{assignment.assignment_id}/{name}.ipynb"
    if declared is None:
        return [f"{where}: the assignment declares no notebook {name!r}"]
    cells = graded_cells(nb)
    questions = {q.grade_id: q for q in declared.questions}
    problems = []
    if set(cells) - set(questions):
        extra = sorted(set(cells) - set(questions))
        problems.append(f"{where}: grade cells the declaration lacks: {extra}")
    if set(questions) - set(cells):
        problems.append(f"{where}: declared questions without a grade cell: "
                        f"{sorted(set(questions) - set(cells))}")
    for gid in sorted(set(cells) & set(questions)):
        points, manual = cells[gid]
        q = questions[gid]
        if isinstance(points, bool) or not isinstance(points, (int, float)) or float(points) != q.points:
            problems.append(f"{where}: {gid} is worth {points!r} points in the notebook but "
                            f"{q.points:g} in the declaration")
        if manual != q.manual:
            kind = "a manually graded answer" if manual else "a test cell"
            problems.append(f"{where}: {gid} is {kind} in the notebook but declared "
                            f"{'manual' if q.manual else 'autograded'}")
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells}
    missing = sorted({r for q in declared.questions for r in q.reads} - ids)
    if missing:
        problems.append(f"{where}: declared answer cells the notebook lacks: {missing}")
    return problems


#: Names a package of further assignments (a course's own, the test suite's fixtures): an id that
#: ``grader.assignments`` lacks is looked up as ``<package>.<assignment_id>``. An environment
#: variable, so grading workers get it under every start method, and so does a ``course`` command.
PACKAGE_ENV = "IMBALANCE_LAB_ASSIGNMENTS"


#: An instructor's course keeps its own keys in ``<course>/grader_keys/<assignment_id>/`` (this
#: contract, one folder per assignment); ``course autograde`` run in that course sets this variable
#: to the ``grader_keys`` folder, so grading workers find them under every start method too.
COURSE_KEYS_ENV = "IMBALANCE_LAB_COURSE_KEYS"
COURSE_KEYS_DIR = "grader_keys"
#: The name the course's ``grader_keys`` package is imported under (never on sys.path).
_COURSE_PACKAGE = "imbalance_lab_course_keys"


def course_keys_package():
    """The course's ``grader_keys`` package (``$IMBALANCE_LAB_COURSE_KEYS``), imported from its
    folder under a name of its own; None when the variable is unset."""
    import importlib.util
    import sys

    folder = os.environ.get(COURSE_KEYS_ENV)
    if not folder:
        return None
    loaded = sys.modules.get(_COURSE_PACKAGE)
    init = os.path.join(folder, "__init__.py")
    if loaded is not None and getattr(loaded, "__file__", None) == init:
        return loaded
    if not os.path.isfile(init):
        raise ValueError(f"${COURSE_KEYS_ENV}={folder!r} is not a package folder (no __init__.py)")
    spec = importlib.util.spec_from_file_location(_COURSE_PACKAGE, init,
                                                  submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[_COURSE_PACKAGE] = module
    spec.loader.exec_module(module)
    return module


def _module(assignment_id: str):
    """``grader.assignments.<id>``, else ``$IMBALANCE_LAB_ASSIGNMENTS.<id>``, else the course's
    own ``grader_keys/<id>`` (``$IMBALANCE_LAB_COURSE_KEYS``).

    Raises ValueError for an invalid id, a variable that names no importable package, or when
    no package has the assignment; one that imports something missing raises its own error.
    """
    if not isinstance(assignment_id, str) or not _ID.match(assignment_id):
        raise ValueError(f"invalid assignment id {assignment_id!r}")
    module = _import_if_present(f"grader.assignments.{assignment_id}")
    extra = os.environ.get(PACKAGE_ENV)
    if module is None and extra:
        try:
            importlib.import_module(extra)
        except (ImportError, ValueError, TypeError) as exc:
            raise ValueError(f"${PACKAGE_ENV}={extra!r} names no importable package ({exc})") from None
        module = _import_if_present(f"{extra}.{assignment_id}")
    if module is None and course_keys_package() is not None:
        module = _import_if_present(f"{_COURSE_PACKAGE}.{assignment_id}")
    if module is None:
        raise ValueError(f"no assignment {assignment_id!r} (no folder grader/assignments/"
                         f"{assignment_id}/)")
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


def load_assignment(assignment_id: str) -> Assignment:
    """The declaration of ``assignment_id`` (``grader/assignments/<id>/``, by id).

    Raises ValueError when there is none, :class:`GradingConfigError` when it is malformed.
    """
    assignment = getattr(_module(assignment_id), "ASSIGNMENT", None)
    if not isinstance(assignment, Assignment) or assignment.assignment_id != assignment_id:
        raise GradingConfigError(f"grader/assignments/{assignment_id}/ must declare "
                                 f"ASSIGNMENT = Assignment({assignment_id!r}, ...)")
    return assignment


def load_key(assignment_id: str) -> AssignmentKey:
    """The answer key of ``assignment_id``, checked against its declaration.

    Raises ValueError when there is no such assignment, :class:`GradingConfigError` when the key
    is missing or disagrees with the declaration.
    """
    assignment = load_assignment(assignment_id)
    key = getattr(_module(assignment_id), "KEY", None)
    if not isinstance(key, AssignmentKey):
        raise GradingConfigError(f"grader/assignments/{assignment_id}/ must define "
                                 "KEY = AssignmentKey(...)")
    problems = key_problems(assignment, key)
    if problems:
        raise GradingConfigError("; ".join(problems))
    return key
