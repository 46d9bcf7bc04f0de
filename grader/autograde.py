"""Autograding a class: one worker process per core, one sandboxed child per submission.

Per student (:func:`grade_submission`, in a worker), the stages of :mod:`grader.pipeline`:
normalize the notebook on the released copy, parameterize it with each parameter set the key
draws, execute them all in one sandboxed child (as the uid the worker leased, :mod:`grader.uids`),
read the answers back as plain data, judge them outside the student's kernel against the
assignment's declaration (:mod:`grader.contract`), and build the record.

Failures of our own machinery are not the student's: a sandbox that failed before the student's
code ran is started once more on another uid, and if that fails too the student is reported as
``grader_error`` and nothing is stored, so the next run grades them again. A worker that dies
takes every submission in flight with it; those are graded again one at a time, and only a
submission that takes down a second worker while graded alone becomes that student's error.

The main process (:func:`autograde`) alone writes, in this order per student: the autograded
notebook (for formgrader/feedback), then the result file ``grader_results/<assignment>/<student>.json``
(atomic rename: THE record that a student is graded), then the gradebook (one transaction). The
gradebook is derived: a run that starts after an interruption re-records any stored result the
gradebook lacks or disagrees with, so a kill at any point neither loses a result nor grades a
student twice. A failure while writing one student's result becomes that student's error record
(:func:`grader.pipeline.record.commit`), never the batch's; folders that are not valid student ids are reported only.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import secrets
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from grader.contract import GradingConfigError, load_assignment, load_key, notebook_problems
from grader.limits import Limits
from grader.messages import describe, warn
from grader.pipeline.record import atomic_write, commit, error_record, grader_failure, stored
from grader.runner import RunnerError
from grader.sandbox import InfrastructureError, SandboxUnavailable, sandbox_problem
from grader.student_text import printable, printable_name
from grader.submission_times import exchange_inbound

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}")


def valid_student_id(sid: str) -> bool:
    """Whether ``sid`` is a whole student id (``fullmatch``: ``$`` would let "bob\\n" through)."""
    return STUDENT_ID.fullmatch(sid) is not None


@dataclass(frozen=True)
class Task:
    """One student's submission to grade (plain data, sent to a worker)."""

    assignment_id: str
    student_id: str
    path: str | None
    released_path: str
    problem: str | None = None
    limits: Limits = field(default_factory=Limits)
    seed: int = 0
    defaults_only: bool = False
    sandbox: bool = True
    artifacts_dir: str | None = None
    #: set for an assignment without an answer key (:class:`grader.keyless.Plan`)
    nbgrader: object = None


def notebook_id(assignment) -> str:
    """nbgrader's notebook id (file name without ``.ipynb``) of the assignment's one notebook."""
    return assignment.notebook.name


def released_path(course_dir, assignment) -> Path:
    name = f"{notebook_id(assignment)}.ipynb"
    return Path(course_dir) / "exercises" / assignment.assignment_id / name


def _auto_points(released, assignment) -> dict:
    """grade_id -> declared points of the autograded questions, once the released notebook is
    known to match the declaration (else :class:`GradingConfigError`: re-run `course release`)."""
    problems = notebook_problems(assignment, notebook_id(assignment), released)
    if problems:
        raise GradingConfigError("the released notebook does not match the assignment's "
                                 "declaration (run `course release`): " + "; ".join(problems))
    return assignment.auto_points


def grade_submission(task: Task, uid: int | None = None) -> dict:
    """Grade one submission; return its result record (and ``"notebook"``, the autograded copy).

    The student's code runs sandboxed as ``uid`` (default: the uid this process leased,
    :func:`grader.uids.process_uid`) unless ``task.sandbox`` is False. Never raises for a bad
    submission (the record has ``status: "error"``); raises :class:`GradingConfigError` when the
    declaration, the key and the released notebook disagree,
    :class:`grader.sandbox.SandboxUnavailable` when the sandbox cannot run, and
    :class:`grader.sandbox.InfrastructureError` when the sandbox failed before the student's code
    ran, on two uids.

    Every stage runs here, in the pool worker: judging in the main process instead would put a
    slow key (ex03's simulations: ~1.6 s a submission against ~7 s of execution) on the one
    process that also commits. A remote worker would run ``execute`` alone (issue 12 decisions).
    """
    if task.nbgrader is not None:
        from grader import keyless

        return keyless.grade(task, uid)
    from grader.pipeline import execute, parameterize, read, record
    from grader.pipeline.judge import judge
    from grader.pipeline.normalize import SubmissionError, normalize, read_notebook, read_released

    started = time.monotonic()
    if task.sandbox and sandbox_problem() is not None:
        raise SandboxUnavailable(sandbox_problem())
    assignment, key = load_assignment(task.assignment_id), load_key(task.assignment_id)
    released = read_released(task.released_path)
    max_points = _auto_points(released, assignment)
    if task.problem:
        return record.error_record(task.student_id, task.problem, max_points)
    try:
        norm = normalize(read_notebook(task.path), released)
    except SubmissionError as exc:
        return record.error_record(task.student_id, str(exc), max_points)

    params, probes = parameterize.draw(key, task.seed, task.defaults_only)
    notebooks = parameterize.notebooks(norm, params)
    job = parameterize.job(norm, notebooks, key.answers, probes, task.limits.call_seconds,
                           task.released_path)
    # the one service a run can have today is the labeling oracle (grader.contract.SERVICES)
    service = (execute.KeyService(key.services[assignment.services[0]], task.limits)
               if assignment.services else None)
    fatal, outputs = None, []
    wanted = (params, probes, key.answers, norm.expected, norm.deleted)
    try:
        raw = execute.execute(job, task.limits, sandbox=task.sandbox, uid=uid, service=service)
        runs, outputs = read.read(raw, task.limits.output_kb * 1024, *wanted)
    except (RunnerError, read.MalformedResult) as exc:
        fatal = str(exc)
        runs = read.failed_runs(fatal, *wanted)
    for run in runs:
        # Trusted, grader-side facts only: the service's own log and where the key may draw.
        run.oracle = service.report if service else None
        run.artifacts_dir = task.artifacts_dir

    try:
        verdicts = judge(assignment, key, runs, norm.deleted)
    except GradingConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a key bug or an answer it did not foresee
        return record.error_record(task.student_id, record.grader_failure(exc), max_points)
    result = record.result(task.student_id, verdicts, runs, fatal, max_points,
                           round(time.monotonic() - started, 3), norm.deleted,
                           service.notes if service else ())
    result["notebook"] = record.autograded_notebook(notebooks[0], outputs, result["questions"])
    return result


def _warm(assignment_id: str, environ: dict):
    """Worker initializer: take the batch's environment, import what every submission needs once.

    ``environ`` is the starting process's environment when it made the pool: a forkserver started
    earlier (Python 3.14's default) would hand workers its own, older one (sandbox uids, the
    assignments package, the held-out secret are read from it). Never raises: a failing
    initializer breaks the pool, which would read as workers dying on the students' submissions;
    :func:`grade_submission` then reports the true cause.
    """
    os.environ.clear()
    os.environ.update(environ)
    # jsonschema (via nbformat) imports rfc3987_syntax, which builds a grammar for ~2 s; we never
    # validate IRIs.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat  # noqa: F401
    import numpy  # noqa: F401
    from papermill.parameterize import parameterize_notebook  # noqa: F401

    from grader.pipeline import execute, judge, normalize, parameterize, read  # noqa: F401

    with contextlib.suppress(Exception):
        load_key(assignment_id)


def discover(submissions, assignment_id: str, nb_name: str) -> list[tuple[str, Path | None, str | None]]:
    """``(student_id, notebook path or None, problem or None)`` for each student directory.

    Accepts ``DIR/<student>/<nb>.ipynb`` and nbgrader's ``DIR/<student>/<assignment>/<nb>.ipynb``.
    """
    root = Path(submissions)
    if not root.is_dir():
        raise FileNotFoundError(f"submissions directory {root} does not exist")
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        sid = entry.name
        if not valid_student_id(sid):
            shown = printable_name(sid)  # never a valid id: the escapes add a backslash
            found.append((shown, None, f"invalid student id '{shown}': name the folder with "
                          "letters, digits and ._@+- only (at most 100, starting with a letter or digit)"))
            continue
        if entry.is_symlink() or (entry / assignment_id).is_symlink():
            found.append((sid, None, "the submission folder is a symbolic link, not a folder"))
            continue
        candidates = [entry / f"{nb_name}.ipynb", entry / assignment_id / f"{nb_name}.ipynb"]
        path = next((c for c in candidates if c.exists() or c.is_symlink()), None)
        if path is not None:
            found.append((sid, path, None))
        elif not _submitted_here(entry, assignment_id):
            continue  # nbgrader layout: this student handed in other assignments, not this one
        else:
            names = sorted(printable_name(p.name) for p in entry.rglob("*.ipynb"))[:5]
            found.append((sid, None, f"no {nb_name}.ipynb in the submission"
                          + (f" (found {', '.join(names)}; rename the file)" if names else "")))
    return found


def _submitted_here(entry: Path, assignment_id: str) -> bool:
    """Whether a student folder holds a (possibly misnamed) submission of this assignment.

    It does when it has an ``<assignment>/`` folder, notebooks at its top level, or no folders at
    all (an empty hand-in). Only folders of other assignments means: not handed in.
    """
    if (entry / assignment_id).exists():
        return True
    children = [c for c in entry.iterdir() if not c.name.startswith(".")]
    return any(c.suffix == ".ipynb" for c in children) or not any(c.is_dir() for c in children)


def results_dir(course_dir, assignment_id: str) -> Path:
    """Where per-student result records live (``grader_results/<assignment>/<student>.json``)."""
    return Path(course_dir) / "grader_results" / assignment_id


WORKER_DIED_TWICE = ("the grader's worker process died twice while grading this submission, the "
                     "second time with no other submission running; it was not graded (re-grade "
                     "it with `course autograde --retry-errors`)")


def _infrastructure_failure(exc: BaseException) -> str:
    """The message of a submission our own machinery could not run (twice)."""
    return (f"not graded: the grader could not run this submission ({str(exc)[:300]}), on a "
            "second try either. This is a problem on the grader's side, not in the submission; "
            "nothing was stored, and the next `course autograde` grades it again.")


#: Start method of the grading workers: ``fork``, ``forkserver`` or ``spawn`` when set, else
#: Python's default (fork on Linux up to 3.13, forkserver from 3.14). The engine works under each
#: (workers get tasks and keys by pickling and importing, never by inheriting the parent's state);
#: the test suite runs its grading tests under forkserver too.
START_METHOD_ENV = "IMBALANCE_LAB_MP_START"


def _pool_context():
    """The multiprocessing context of the grading workers (``$IMBALANCE_LAB_MP_START``)."""
    method = os.environ.get(START_METHOD_ENV) or None
    if method not in (None, *multiprocessing.get_all_start_methods()):
        raise ValueError(f"${START_METHOD_ENV}={method!r} is not a start method here; use one of "
                         f"{', '.join(multiprocessing.get_all_start_methods())}")
    return multiprocessing.get_context(method)


def _outcomes(tasks: list[Task], workers: int, assignment_id: str, context):
    """Grade ``tasks`` in ``workers`` processes started by the multiprocessing ``context``; yield
    ``(task, record or exception)`` as each ends.

    A worker that dies fails every submission in flight (at most ``workers + 1``). Each of those
    is graded again alone, in a fresh pool: a second death there can only be its own, and it is
    yielded with the :class:`BrokenProcessPool`; the others are graded as usual.
    """
    todo, suspects, running, ended = deque(tasks), deque(), {}, []
    pool, broken, alone = None, False, None

    def start(queue: deque) -> Task | None:
        nonlocal broken
        task = queue.popleft()
        try:
            running[pool.submit(grade_submission, task)] = task
            return task
        except BrokenProcessPool:
            queue.appendleft(task)
            broken = True
            return None

    try:
        while todo or suspects or running or ended:
            if broken and not running:
                pool.shutdown(wait=True)
                pool, broken = None, False
            if pool is None:
                pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm,
                                           initargs=(assignment_id, dict(os.environ)))
            if suspects and not running and not broken:
                alone = start(suspects)
            while not suspects and todo and len(running) <= workers and not broken:
                start(todo)
            # handed out new work first: workers do not wait while these records are written
            yield from ended
            ended = []
            if running:
                for fut in wait(running, return_when=FIRST_COMPLETED).done:
                    task = running.pop(fut)
                    was_alone, alone = task is alone, None if task is alone else alone
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                        if not was_alone:
                            suspects.append(task)
                            continue
                    ended.append((task, exc if exc is not None else fut.result()))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def check_sandbox(unsafe_no_sandbox: bool) -> None:
    """Refuse to grade when bubblewrap cannot run, unless the instructor opted out explicitly."""
    if not unsafe_no_sandbox and sandbox_problem() is not None:
        raise SandboxUnavailable(
            f"refusing to grade: the sandbox cannot run here ({sandbox_problem()}). Student code "
            "would run with your rights, able to read solutions and hidden tests and write the "
            "gradebook. Install bubblewrap, or pass --unsafe-no-sandbox if you trust every submission.")


def autograde(assignment_id: str, submissions, course_dir=".", workers: int | None = None,
              force: bool = False, db_url: str | None = None, json_path=None,
              limits: Limits | None = None, progress: bool = True,
              unsafe_no_sandbox: bool = False, retry_errors: bool = False,
              released_dir=None, autograded_dir=None) -> dict:
    """Grade every submission of ``assignment_id`` in ``submissions``; return student -> record.

    The released notebook is ``<released_dir>/<assignment>/<notebook>.ipynb`` (default
    ``<course_dir>/exercises``), autograded notebooks go to ``autograded_dir`` (default
    ``<course_dir>/autograded``).

    Student code runs in the sandbox (:mod:`grader.sandbox`); when it cannot run, raises
    :class:`grader.sandbox.SandboxUnavailable` unless ``unsafe_no_sandbox``. Already graded
    students are skipped unless ``force``; so are submissions whose stored result is an error (a
    crash, a limit, a broken file: grading them again would only spend the limits again) unless
    ``retry_errors``.
    """
    from grader import gradebook
    from grader.pipeline.normalize import read_released

    check_sandbox(unsafe_no_sandbox)
    context = _pool_context()
    course_dir = Path(course_dir)
    assignment = load_assignment(assignment_id)
    load_key(assignment_id)  # a key that disagrees with the declaration stops here, before any work
    limits = limits if limits is not None else Limits(**assignment.limits)
    nb_id = notebook_id(assignment)
    rel = (Path(released_dir) / assignment_id / f"{nb_id}.ipynb" if released_dir is not None
           else released_path(course_dir, assignment))
    if not rel.is_file():
        raise FileNotFoundError(f"released notebook {rel} not found; run `course release` first")
    # the released notebook matches the declaration (else GradingConfigError, before any work)
    max_points = _auto_points(read_released(str(rel)), assignment)

    def make_task(sid, path, problem):
        return Task(assignment_id, sid, str(path) if path else None, str(rel), problem,
                    limits, secrets.randbits(63), sandbox=not unsafe_no_sandbox,
                    artifacts_dir=str(course_dir / "feedback_artifacts" / assignment_id / sid))

    return run_batch(assignment_id, discover(submissions, assignment_id, nb_id), make_task,
                     max_points, course_dir, Path(submissions),
                     Path(autograded_dir) if autograded_dir is not None else course_dir / "autograded",
                     gradebook.db_url_for(course_dir, db_url), context, workers=workers,
                     force=force, retry_errors=retry_errors, json_path=json_path,
                     progress=progress,
                     prepare=lambda gb: gradebook.ensure_assignment(
                         gb, assignment, {nb_id: read_released(str(rel))}),
                     notebook_name=nb_id)


def run_batch(assignment_id: str, found, make_task, max_points: dict, course_dir: Path,
              submissions: Path, autograded: Path, url: str, context, *, workers=None,
              force=False, retry_errors=False, json_path=None, progress=True, prepare=None,
              notebook_name: str | None = None, late=None) -> dict:
    """Grade the ``found`` submissions (``(student, path, problem)``) in parallel and commit each
    (the batch part of :func:`autograde`, shared by keyless assignments).

    ``make_task(student, path, problem)`` builds a :class:`Task`; ``prepare(gb)`` readies the
    gradebook's assignment; autograded notebooks go to ``autograded/<student>/<assignment>/``;
    ``late``: the late-penalty function of :func:`grader.gradebook.record_result`.
    """
    from tqdm import tqdm

    from grader import gradebook

    store = results_dir(course_dir, assignment_id)
    records, tasks = {}, []
    for sid, path, problem in found:
        if not valid_student_id(sid):  # reported, never stored: no file or gradebook row for it
            records[sid] = error_record(sid, problem, max_points)
            continue
        previous = None if force else stored(store / f"{sid}.json")
        if previous is not None and (previous["status"] == "graded" or not retry_errors):
            records[sid] = previous
            continue
        tasks.append(make_task(sid, path, problem))
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    inbound = exchange_inbound(course_dir) if tasks else None
    with gradebook.Gradebook(url) as gb:
        if prepare is not None:
            prepare(gb)
        # results stored by an interrupted run whose gradebook write did not happen
        recorded = gradebook.auto_scores(gb, assignment_id)
        for sid, record in records.items():
            wanted = {g: float(q["points"]) for g, q in record["questions"].items()}
            wanted.update({g: 0.0 for g in record.get("unanswered", ())})
            if valid_student_id(sid) and recorded.get(sid) != wanted:
                try:
                    gradebook.record_result(gb, assignment_id, sid, record, late=late)
                except Exception as exc:  # noqa: BLE001 - the stored result stays the record
                    warn(f"{sid}: the stored result could not be written to the gradebook "
                          f"({describe(exc)}); the next run tries again")
        if not tasks:
            return _finish(records, json_path)
        bar = tqdm(total=len(tasks), desc=f"grading {assignment_id}", unit="nb",
                   disable=not progress, file=sys.stderr)
        with contextlib.closing(_outcomes(tasks, workers, assignment_id, context)) as outcomes:
            try:
                for task, outcome in outcomes:
                    if isinstance(outcome, (GradingConfigError, SandboxUnavailable)):
                        raise outcome  # the whole assignment is misconfigured: no student can be graded
                    if isinstance(outcome, InfrastructureError):
                        # not the student's doing: nothing is stored, the next run grades them again
                        records[task.student_id] = {**error_record(task.student_id, _infrastructure_failure(
                            outcome), max_points), "status": "grader_error"}
                        bar.update()
                        continue
                    if isinstance(outcome, BrokenProcessPool):  # it took down two workers
                        record = error_record(task.student_id, WORKER_DIED_TWICE, max_points)
                    elif isinstance(outcome, Exception):  # one submission never stops the batch
                        record = error_record(task.student_id, grader_failure(outcome), max_points)
                    elif isinstance(outcome, BaseException):
                        raise outcome  # Ctrl-C in a worker
                    else:
                        record = outcome
                    del outcome
                    notebook = autograded / task.student_id / assignment_id / f"{notebook_name or 'notebook'}.ipynb"
                    records[task.student_id] = commit(gb, task, record, submissions, notebook,
                                                       store, max_points, inbound, late)
                    bar.update()
            finally:
                bar.close()
    return _finish(records, json_path)


def _finish(records: dict, json_path) -> dict:
    records = dict(sorted(records.items()))
    if json_path:
        atomic_write(Path(json_path), json.dumps(
            {sid: {k: r.get(k) for k in ("score", "max_score", "status", "error", "questions")}
             for sid, r in records.items()}, indent=1))
    return records


def grade_table(records: dict) -> str:
    """A plain-text table: student, score, status and the first problem, one line each.

    Student-derived text (error messages quote the student's exceptions) is shown escaped: no
    control character, ANSI escape or line break reaches the terminal raw.
    """
    rows = [("student", "score", "status", "note")]
    for sid, r in records.items():
        note = r.get("error") or next((f"{g}: {q['feedback'][0]}" for g, q in r["questions"].items()
                                       if q["points"] < q["max_points"] and q["feedback"]), "")
        rows.append((printable(sid), f"{r['score']:g}/{r['max_score']:g}", printable(r["status"]),
                     printable(note[:70])))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
                     for a, b, c, d in rows)
