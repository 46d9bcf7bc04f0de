"""Grading an nbgrader assignment that has no answer key, the nbgrader way, in our sandbox.

Every autograded test cell (nbgrader metadata ``grade`` and not ``solution``, a code cell) earns
its points when it runs without an error and writes nothing to standard error, and nbgrader's
partial credit when its result is a number (``nbgrader.utils.determine_grade``); manually graded
answers and tasks are left for formgrader (an answer left as released gets 0 and "No response.",
as nbgrader does). Per student, each notebook is rebuilt on the trusted copy from the gradebook
(:func:`grader.nbgrader_course.trusted_notebooks`: locked and test cells, hidden tests included,
come back as ``generate_assignment`` saved them) and run in a sandbox of its own, with the
assignment's files beside it. The pass/fail of a test comes from its cell record
(:func:`grader.runner.outcome_of_test`), judged here, in the grader's process.

Run-record contract for test cells (``job["tests"]`` lists their grade ids): ``cells[grade_id]``
holds ``executed`` (bool), ``error`` (str or None), ``partial`` (the number the cell's result
shows, or None), ``stderr`` (str or None) and ``tampered`` (None, or a named reason: an executor
found that the student's code changed how the tests run; the test then earns nothing).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from grader.limits import Limits
from grader.spec import Verdict

TAMPERED = "your code changed how the tests run ({}): no points for this test"
DELETED = ("The test cell was deleted from your notebook; copy your answers into a fresh copy of "
           "the assignment.")


@dataclass(frozen=True)
class Plan:
    """What a worker needs to grade one submission of a keyless assignment (plain data).

    ``notebooks``: (name, trusted notebook as JSON) per notebook of the assignment;
    ``folder``: the student's submitted folder; ``files``: (relative path, host file) put beside
    the notebooks (:func:`grader.nbgrader_course.extra_files`); ``fresh``: value ranges for the
    notebooks' locked ``parameters`` cells, drawn anew for each student.
    """

    notebooks: tuple[tuple[str, str], ...]
    folder: str
    files: tuple[tuple[str, str], ...] = ()
    #: the assignment's checked ``parameters.yml`` (:mod:`grader.fresh_parameters`), or None
    fresh: dict | None = None


def test_cells(nb) -> dict[str, float]:
    """grade id -> points of a notebook's autograded test cells, in order."""
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            out[meta["grade_id"]] = float(meta.get("points") or 0)
    return out


def max_points(notebooks: dict) -> dict[str, float]:
    """grade id -> points of every autograded test cell of the assignment's notebooks."""
    return {gid: pts for nb in notebooks.values() for gid, pts in test_cells(nb).items()}


def judge_test(gid: str, points: float, run, deleted=()) -> Verdict:
    """One test cell's verdict on one run, as ``nbgrader.utils.determine_grade`` decides it."""
    if gid in deleted:
        return Verdict(0.0, points, [DELETED])
    cell = run.cells.get(gid)
    if cell is None or not cell.get("executed"):
        why = (cell or {}).get("error") or run.error or "it was not reached"
        return Verdict(0.0, points, [f"the test did not run ({why})"])
    if cell.get("tampered"):
        return Verdict(0.0, points, [TAMPERED.format(cell["tampered"])])
    if cell.get("error"):
        return Verdict(0.0, points, [f"the test failed: {cell['error']}"])
    if cell.get("stderr"):
        return Verdict(0.0, points, ["the test wrote to standard error, which counts as failing: "
                                     + cell["stderr"].strip()[:200]])
    partial = cell.get("partial")
    if partial is None or partial < 0:  # nbgrader: not a number, or below 0, is full credit
        return Verdict(points, points, [])
    if partial > points:
        return Verdict(0.0, points, [f"the test showed {partial:g}, more than its {points:g} "
                                     "points (nbgrader stops with an error here)"])
    return Verdict(partial, points, [f"partial credit: the test showed {partial:g}"])


def judge(tests: dict[str, float], runs: list, deleted=()) -> dict[str, Verdict]:
    """grade id -> Verdict: a test earns the least it earns on any run (the notebook's own first,
    then re-runs with fresh parameter values), and says when only a re-run failed."""
    out = {}
    for gid, points in tests.items():
        verdicts = [judge_test(gid, points, run, deleted) for run in runs]
        worst = min(range(len(verdicts)), key=lambda i: verdicts[i].points)
        v = verdicts[worst]
        if worst > 0 and v.points < verdicts[0].points:
            v = Verdict(v.points, points, [f"with fresh values of the notebook's parameters "
                                           f"({_shown(runs[worst].parameters)}): " + "; ".join(v.feedback)
                                           + " (it passed with the notebook's own values)"])
        out[gid] = v
    return out


def _shown(params: dict) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in params.items())[:200]


def unanswered(norm_nb) -> tuple[list[str], list[str]]:
    """``(manual grade ids left as released, solution ids left as released)``: nbgrader gives
    the first 0 points without review and comments "No response." on both."""
    from nbgrader.utils import compute_checksum

    zero, silent = [], []
    for cell in norm_nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution") or "checksum" not in meta:  # nbgrader: tasks get no comment
            continue
        try:
            same = compute_checksum(cell) == meta["checksum"]
        except Exception:  # noqa: BLE001 - an odd cell is an answer to look at
            same = False
        if same:
            silent.append(meta["grade_id"])
            if meta.get("grade") and meta.get("solution"):
                zero.append(meta["grade_id"])
    return zero, silent


def _job(norm, notebooks: list, tests: list, call_seconds: float, files) -> dict:
    from grader import preimport
    from grader.extract import extraction_cell
    from grader.pipeline.parameterize import imports_in

    local = {Path(rel).parts[0].removesuffix(".py") for rel, _ in files}
    nonce = secrets.token_hex(16)
    return {"notebooks": notebooks, "nonce": nonce, "expected": norm.expected, "tests": tests,
            # a module among the assignment's own files is imported from the run's folder
            "preimport": [m for m in imports_in(norm.notebook) if m.split(".")[0] not in local],
            "prereach": preimport.plan(c.source for c in norm.notebook.cells if c.cell_type == "code"),
            "extraction": extraction_cell((), {}, nonce, call_seconds)}


def grade(task, uid: int | None = None) -> dict:
    """Grade one student's submission of a keyless assignment (``task.nbgrader``, a
    :class:`Plan`); return its result record, with ``"notebooks"``: name -> autograded notebook.

    Never raises for a bad submission: a notebook that cannot be read costs its own tests, with
    the reason (the record's status is then ``error``); a missing notebook gets 0 on all its
    cells, as nbgrader gives. Raises :class:`grader.sandbox.SandboxUnavailable` and
    :class:`grader.sandbox.InfrastructureError` as :func:`grader.autograde.grade_submission`.
    """
    import nbformat

    from grader.pipeline import execute, read
    from grader.pipeline.normalize import SubmissionError, normalize, read_notebook
    from grader.pipeline.record import autograded_notebook, error_record
    from grader.runner import RunnerError
    from grader.sandbox import SandboxUnavailable, sandbox_problem

    started = time.monotonic()
    if task.sandbox and sandbox_problem() is not None:
        raise SandboxUnavailable(sandbox_problem())
    plan: Plan = task.nbgrader
    trusted = {name: nbformat.reads(text, as_version=4) for name, text in plan.notebooks}
    points = max_points(trusted)
    if task.problem:
        return error_record(task.student_id, task.problem, points)
    limits: Limits = task.limits
    questions, cells, graded, errors, zero, silent, deleted = {}, {}, {}, [], [], [], []
    for name, ref in trusted.items():
        tests = test_cells(ref)
        path = Path(plan.folder) / f"{name}.ipynb"
        try:
            if not (path.exists() or path.is_symlink()):
                zero += [g for g, (_, manual) in _grade_cells(ref).items() if manual]
                raise SubmissionError(f"no {name}.ipynb was submitted")
            norm = normalize(read_notebook(path), ref)
        except SubmissionError as exc:
            if path.exists() or path.is_symlink():
                errors.append(f"{name}.ipynb: {exc}")
            questions.update({g: Verdict(0.0, p, [str(exc)]) for g, p in tests.items()})
            continue
        params, notebooks = _runs(norm, plan.fresh, task.seed)
        job = _job(norm, notebooks, list(tests), limits.call_seconds, plan.files)
        try:
            raw = execute.execute(job, limits, sandbox=task.sandbox, uid=uid, files=dict(plan.files))
            runs, outputs = read.read(raw, limits.output_kb * 1024, params, {}, (), norm.expected,
                                      norm.deleted, tests=list(tests))
        except (RunnerError, read.MalformedResult) as exc:
            errors.append(f"{name}.ipynb: {exc}")
            runs, outputs = read.failed_runs(str(exc), params, {}, (), norm.expected, norm.deleted), None
        if runs[0].error and f"{name}.ipynb: {runs[0].error}" not in errors:
            errors.append(f"{name}.ipynb: {runs[0].error}")
        verdicts = judge(tests, runs, norm.deleted)
        questions.update(verdicts)
        cells.update(runs[0].cells)
        deleted += norm.deleted
        z, s = unanswered(norm.notebook)
        zero, silent = zero + z, silent + s
        shown = {g: {"points": v.points, "max_points": v.max_points, "feedback": v.feedback}
                 for g, v in verdicts.items()}
        graded[name] = autograded_notebook(norm.notebook, outputs, shown)
    record = {"student_id": task.student_id,
              "score": round(sum(v.points for v in questions.values()), 6),
              "max_score": sum(points.values()),
              "status": "error" if errors else "graded", "error": "; ".join(errors)[:1000] or None,
              "questions": {g: {"points": questions[g].points, "max_points": questions[g].max_points,
                                "feedback": list(questions[g].feedback)} for g in points},
              "seconds": round(time.monotonic() - started, 3), "cells": cells,
              "unanswered": zero, "no_response": silent}
    if deleted:
        record["deleted_cells"] = deleted
    record["notebooks"] = graded
    return record


def _runs(norm, fresh: dict | None, seed: int) -> tuple[list[dict], list]:
    """``(parameter sets, notebooks)``: the notebook as submitted (its own values, ``{}``), then
    one copy per fresh draw when it has a ``parameters`` cell and the assignment declares ranges."""
    import copy

    from grader import fresh_parameters

    tagged = any("parameters" in c.metadata.get("tags", []) for c in norm.notebook.cells)
    if not fresh or not tagged:
        return [{}], [norm.notebook]
    from papermill.parameterize import parameterize_notebook

    sets = fresh_parameters.draw(fresh, seed)
    return [{}, *sets], [norm.notebook, *(parameterize_notebook(
        copy.deepcopy(norm.notebook), p, kernel_name="python3", language="python") for p in sets)]


def tag_parameters(trusted: dict, source_folder: Path) -> None:
    """Tag each trusted notebook's parameters cell as its source notebook tags it. The cell must
    be locked (nbgrader saved it, the student cannot change it); else
    :class:`grader.fresh_parameters.ParameterSpecError`."""
    import nbformat

    from grader.fresh_parameters import ParameterSpecError

    for name, nb in trusted.items():
        path = source_folder / f"{name}.ipynb"
        if not path.is_file():
            continue
        source = nbformat.read(path, as_version=4)
        cell = next((c for c in source.cells if "parameters" in c.metadata.get("tags", [])), None)
        if cell is None:
            continue
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        target = next((c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == gid), None)
        if gid is None or target is None or not target.metadata["nbgrader"].get("locked"):
            raise ParameterSpecError(f"{name}.ipynb: make its parameters cell read-only (nbgrader "
                                     "'Read-only') and run generate_assignment, so that fresh values "
                                     "can replace values the student cannot change")
        target.metadata["tags"] = ["parameters"]


def _grade_cells(nb) -> dict[str, tuple[float, bool]]:
    from grader.contract import graded_cells

    return graded_cells(nb)


def plan_notebooks(trusted: dict) -> tuple[tuple[str, str], ...]:
    """The trusted notebooks as plain data for :class:`Plan`."""
    import nbformat

    return tuple((name, nbformat.writes(nb)) for name, nb in trusted.items())


__all__ = ["Plan", "TAMPERED", "grade", "judge", "judge_test", "max_points", "plan_notebooks",
           "test_cells", "unanswered"]


def course_limits(config) -> Limits:
    """Our default limits, with nbgrader's per-cell timeout (``Execute.timeout``) when the course
    sets one (the whole notebook then gets at least four such cells' time)."""
    timeout = config.get("Execute", {}).get("timeout")
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return Limits(cell_seconds=float(timeout), wall_seconds=max(Limits.wall_seconds, 4.0 * timeout))
    return Limits()


def discover(submissions: Path, assignment_id: str, names) -> list[tuple[str, Path | None, str | None]]:
    """``(student, folder or None, problem or None)`` for each ``<student>/<assignment>/`` in
    nbgrader's submitted folder (students who handed in other assignments only are left out)."""
    from grader.autograde import valid_student_id
    from grader.student_text import printable_name

    if not submissions.is_dir():
        raise FileNotFoundError(f"submissions directory {submissions} does not exist")
    found = []
    for entry in sorted(submissions.iterdir()):
        folder = entry / assignment_id
        if entry.name.startswith(".") or not entry.is_dir() or not (folder.exists() or folder.is_symlink()):
            continue
        sid = entry.name
        if not valid_student_id(sid):
            shown = printable_name(sid)
            found.append((shown, None, f"invalid student id '{shown}': name the folder with "
                          "letters, digits and ._@+- only"))
        elif entry.is_symlink() or folder.is_symlink() or not folder.is_dir():
            found.append((sid, None, "the submission folder is a symbolic link or not a folder"))
        elif not any((folder / f"{n}.ipynb").exists() for n in names):
            found.append((sid, None, "no notebook of the assignment in the submission (expected "
                          + ", ".join(f"{n}.ipynb" for n in names) + ")"))
        else:
            found.append((sid, folder, None))
    return found


def autograde(assignment_id: str, course_dir=None, submissions=None, workers: int | None = None,
              force: bool = False, db_url: str | None = None, json_path=None,
              limits: Limits | None = None, progress: bool = True,
              unsafe_no_sandbox: bool = False, retry_errors: bool = False) -> dict:
    """Grade every submission of an nbgrader assignment without an answer key; return student ->
    record (as :func:`grader.autograde.autograde`).

    The course is the nbgrader course in ``course_dir`` (default: here; :func:`grader.
    nbgrader_course.load_course`); submissions default to its ``submitted/`` folder, the gradebook
    to its ``db_url``; autograded notebooks go to its ``autograded/`` folder. The assignment must be
    in the gradebook (``nbgrader generate_assignment``), as for ``nbgrader autograde``.
    """
    import secrets

    from grader import autograde as engine
    from grader import fresh_parameters
    from grader.gradebook import Gradebook, late_penalties
    from grader.nbgrader_course import extra_files, load_course, trusted_notebooks

    engine.check_sandbox(unsafe_no_sandbox)
    context = engine._pool_context()
    course = load_course(course_dir)
    url = db_url or course.db_url
    with Gradebook(url) as gb:
        trusted = trusted_notebooks(gb, assignment_id)
    fresh = fresh_parameters.load(course.source_dir(assignment_id))
    if fresh is not None:
        tag_parameters(trusted, course.source_dir(assignment_id))
    points = max_points(trusted)
    notebooks = plan_notebooks(trusted)
    limits = limits if limits is not None else course_limits(course.config)
    submissions = Path(submissions) if submissions is not None else course.submitted

    def make_task(sid, folder, problem):
        files, path = (), None
        if folder is not None:
            path = next((folder / f"{n}.ipynb" for n in trusted if (folder / f"{n}.ipynb").exists()), None)
            try:
                files = tuple((rel, str(p)) for rel, p in extra_files(course, assignment_id, folder).items())
            except (OSError, ValueError) as exc:
                problem = f"the files beside the notebooks could not be copied: {exc}"
        plan = Plan(notebooks, str(folder or ""), files, fresh)
        return engine.Task(assignment_id, sid, str(path) if path else None, "", problem, limits,
                           secrets.randbits(63), sandbox=not unsafe_no_sandbox, nbgrader=plan)

    return engine.run_batch(assignment_id, discover(submissions, assignment_id, list(trusted)),
                            make_task, points, course.root, submissions, course.autograded, url,
                            context, workers=workers, force=force, retry_errors=retry_errors,
                            json_path=json_path, progress=progress,
                            late=late_penalties(course.config))
