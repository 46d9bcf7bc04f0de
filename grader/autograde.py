"""Autograding a class: one worker process per core, one sandboxed child per submission.

Per student (:func:`grade_submission`, in a worker): read the notebook strictly, rebuild it on the
released copy (:mod:`grader.normalize`), inject each parameter set the key draws (papermill), run
them all in one sandboxed child (:func:`grader.runner.launch`, as the uid the worker leased,
:mod:`grader.uids`), read the answers back as plain data and judge them here, outside the
student's kernel, against the assignment's declaration (:mod:`grader.contract`, :mod:`grader.judge`).

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
(:func:`_commit`), never the batch's; folders that are not valid student ids are reported only.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import json
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

from grader import preimport
from grader.contract import GradingConfigError, load_assignment, load_key, notebook_problems
from grader.judge import judge
from grader.limits import Limits
from grader.runner import RunnerError, launch
from grader.sandbox import InfrastructureError, SandboxUnavailable, sandbox_problem
from grader.spec import CallError, Missing, Run
from grader.student_text import printable, printable_name, valid_unicode
from grader.submission_times import TIME_FIELDS, exchange_inbound, submission_times

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


class _KeyService:
    """Adapter from a key's service session factory (``KEY.services``) to
    :func:`grader.runner.launch`.

    The service is bounded by the submission's ``limits`` (:mod:`grader.services`); its report's
    ``notes`` (cut off, or requests delayed) go into the feedback of every question that lost
    points.
    """

    def __init__(self, factory, limits: Limits):
        self.factory, self.limits, self.session, self.report = factory, limits, None, None

    def start(self, directory: Path, inside: str | None) -> dict:
        self.session = self.factory(directory, inside, limits=self.limits)
        return dict(self.session.env)

    def stop(self):
        self.report = self.session.close() if self.session is not None else None

    @property
    def notes(self) -> list[str]:
        return list((self.report or {}).get("service", {}).get("notes", []))


def notebook_id(assignment) -> str:
    """nbgrader's notebook id (file name without ``.ipynb``) of the assignment's one notebook."""
    return assignment.notebook.name


def released_path(course_dir, assignment) -> Path:
    name = f"{notebook_id(assignment)}.ipynb"
    return Path(course_dir) / "exercises" / assignment.assignment_id / name


@functools.lru_cache(maxsize=8)
def _released(path: str):
    import nbformat

    return nbformat.read(path, as_version=4)


@functools.lru_cache(maxsize=8)
def _preimports(path: str) -> tuple[str, ...]:
    """Modules the released notebook imports: the template imports them once per submission
    instead of once per parameter set (trusted source: the released copy; the submission's own
    imports are :func:`grader.preimport.plan`'s)."""
    import ast

    names = []
    for cell in _released(path).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return tuple(dict.fromkeys(names))


def _auto_points(released, assignment) -> dict:
    """grade_id -> declared points of the autograded questions, once the released notebook is
    known to match the declaration (else :class:`GradingConfigError`: re-run `course release`)."""
    problems = notebook_problems(assignment, notebook_id(assignment), released)
    if problems:
        raise GradingConfigError("the released notebook does not match the assignment's "
                                 "declaration (run `course release`): " + "; ".join(problems))
    return assignment.auto_points


def _read_runs(result: dict, params: list, probes: dict, answers, expected) -> list[Run]:
    """Turn the child's untrusted result into :class:`Run` objects, strictly."""
    from grader.extract import MalformedResult, read_answers, read_probes

    runs = result.get("runs")
    if type(runs) is not list or len(runs) != len(params):
        raise MalformedResult("wrong number of runs in the result")
    counts = {name: len(args) for name, args in probes.items()}
    out = []
    for rec, p in zip(runs, params):
        if type(rec) is not dict or set(rec) != {"error", "cells", "payload", "payload_error"}:
            raise MalformedResult("malformed run record")
        for k in ("error", "payload_error"):
            if rec[k] is not None and type(rec[k]) is not str:
                raise MalformedResult(f"malformed {k}")
        cells = {gid: {"executed": False, "error": "the cell is missing"} for gid in expected}
        if type(rec["cells"]) is not dict:
            raise MalformedResult("malformed cell records")
        for gid, c in rec["cells"].items():
            if (gid not in cells or type(c) is not dict or set(c) != {"executed", "error"}
                    or type(c["executed"]) is not bool
                    or not (c["error"] is None or type(c["error"]) is str)):
                raise MalformedResult(f"malformed record for cell {gid!r}")
            cells[gid] = {"executed": c["executed"], "error": c["error"] and c["error"][:500]}
        error = (rec["error"] or rec["payload_error"] or None)
        if type(rec["payload"]) is dict:
            got_answers = read_answers(rec["payload"], answers)
            got_probes = read_probes(rec["payload"], counts)
        elif rec["payload"] is None:
            got_answers = {n: Missing(n) for n in answers}
            reason = error or "the answers could not be read"
            got_probes = {n: [CallError(reason[:300])] * k for n, k in counts.items()}
        else:
            raise MalformedResult("malformed payload")
        out.append(Run(parameters=p, answers=got_answers, probes=got_probes, cells=cells,
                       error=error and error[:500], probe_args=probes))
    return out


def _autograded_notebook(nb, outputs, verdicts: dict):
    """The executed first run for formgrader: trusted cells, child outputs, verdict notes.

    Pages render this notebook as it is, so what the student wrote or printed is cleaned here
    (:mod:`grader.sanitize`) and the notes escape the student text they quote."""
    import html

    import nbformat

    from grader.sanitize import clean_notebook, html_block, lines_html

    nb = copy.deepcopy(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if type(outputs) is list and len(outputs) == len(code):
        for cell, out in zip(code, outputs):
            if type(out) is dict:
                count = out.get("execution_count")
                cell.execution_count = count if type(count) is int else None
                got = out.get("outputs")
                cell.outputs = nbformat.from_dict(got) if type(got) is list else []
        try:
            nbformat.validate(nb)
        except nbformat.ValidationError:
            for cell in code:
                cell.outputs = []
    clean_notebook(nb)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in verdicts:
            v = verdicts[gid]
            note = (f"<p><strong>Autograder, {html.escape(gid)}: {v['points']:g} / "
                    f"{v['max_points']:g} points.</strong></p>{lines_html(v['feedback'])}")
            cells.append(nbformat.v4.new_markdown_cell(html_block(note)))
    nb.cells = cells
    return nbformat.v4.upgrade(nb)


def _error_record(task: Task, message: str, max_points: dict) -> dict:
    questions = {gid: {"points": 0.0, "max_points": pts, "feedback": [message]}
                 for gid, pts in max_points.items()}
    return {"student_id": task.student_id, "score": 0.0, "max_score": sum(max_points.values()),
            "status": "error", "error": message, "questions": questions}


def _grader_failure(exc: BaseException) -> str:
    """The message of a submission the grader itself failed on (never the student's fault)."""
    return (f"the grader failed on this submission ({type(exc).__name__}: {str(exc)[:200]}); "
            "your instructor will look at it (re-grade with `course autograde --retry-errors`)")


def grade_submission(task: Task, uid: int | None = None) -> dict:
    """Grade one submission; return its result record (and ``"notebook"``, the autograded copy).

    The student's code runs sandboxed as ``uid`` (default: the uid this process leased,
    :func:`grader.uids.process_uid`) unless ``task.sandbox`` is False. Never raises for a bad
    submission (the record has ``status: "error"``); raises :class:`GradingConfigError` when the
    declaration, the key and the released notebook disagree,
    :class:`grader.sandbox.SandboxUnavailable` when the sandbox cannot run, and
    :class:`grader.sandbox.InfrastructureError` when the sandbox failed before the student's code
    ran, on two uids.
    """
    from papermill.parameterize import parameterize_notebook

    from grader.extract import MalformedResult, extraction_cell
    from grader.normalize import SubmissionError, normalize, read_notebook

    started = time.monotonic()
    if task.sandbox and sandbox_problem() is not None:
        raise SandboxUnavailable(sandbox_problem())
    assignment, key = load_assignment(task.assignment_id), load_key(task.assignment_id)
    released = _released(task.released_path)
    max_points = _auto_points(released, assignment)
    if task.problem:
        return _error_record(task, task.problem, max_points)
    try:
        norm = normalize(read_notebook(task.path), released)
    except SubmissionError as exc:
        return _error_record(task, str(exc), max_points)

    import numpy as np

    rng = np.random.default_rng(task.seed)
    params = key.parameter_sets(rng)[:1] if task.defaults_only else key.parameter_sets(rng)
    probes = {name: [tuple(a) for a in args] for name, args in key.probes(rng).items()}
    nonce = secrets.token_hex(16)
    notebooks = [parameterize_notebook(copy.deepcopy(norm.notebook), p, kernel_name="python3",
                                       language="python") for p in params]
    job = {"notebooks": notebooks, "nonce": nonce, "expected": norm.expected,
           "preimport": list(_preimports(task.released_path)),
           "prereach": preimport.plan(c.source for c in norm.notebook.cells if c.cell_type == "code"),
           "extraction": extraction_cell(key.answers, probes, nonce, task.limits.call_seconds)}
    fatal, outputs = None, []
    # the one service a run can have today is the labeling oracle (grader.contract.SERVICES)
    service = (_KeyService(key.services[assignment.services[0]], task.limits)
               if assignment.services else None)
    try:
        result = _launch(job, task, uid, service)
        runs = _read_runs(result, params, probes, key.answers, norm.expected)
        outputs = result.get("outputs")
    except (RunnerError, MalformedResult) as exc:
        fatal = str(exc)
        runs = [Run(parameters=p, answers={n: Missing(n) for n in key.answers},
                    probes={n: [CallError(fatal[:300])] * len(a) for n, a in probes.items()},
                    cells={gid: {"executed": False, "error": None} for gid in norm.expected},
                    error=fatal, probe_args=probes) for p in params]
    for run in runs:
        for gid in norm.deleted:
            run.cells[gid] = {"executed": False, "error": "the cell was deleted"}
        # Trusted, grader-side facts only: the service's own log and where the key may draw.
        run.oracle = service.report if service else None
        run.artifacts_dir = task.artifacts_dir

    try:
        verdicts = judge(assignment, key, runs, norm.deleted)
    except GradingConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a key bug or an answer it did not foresee
        return _error_record(task, _grader_failure(exc), max_points)
    questions = {}
    for gid, v in verdicts.items():
        feedback = list(v.feedback)
        if service and v.points < v.max_points:
            feedback += [n for n in service.notes if n not in feedback]
        questions[gid] = {"points": v.points, "max_points": v.max_points, "feedback": feedback}
        if v.figures:
            # names inside the student's artifacts_dir: the record stays valid if the course moves
            questions[gid]["figures"] = [Path(f).name for f in v.figures]

    errors = [fatal] if fatal else [
        (r.error if i == 0 else f"{r.error} (re-run {i} with parameters {r.parameters})")
        for i, r in enumerate(runs) if r.error]
    record = {"student_id": task.student_id,
              "score": round(sum(q["points"] for q in questions.values()), 6),
              "max_score": sum(max_points.values()),
              "status": "error" if errors else "graded", "error": errors[0] if errors else None,
              "questions": questions, "seconds": round(time.monotonic() - started, 3)}
    if norm.deleted:
        record["deleted_cells"] = norm.deleted
    record["cells"] = runs[0].cells
    record["notebook"] = _autograded_notebook(notebooks[0], outputs, questions)
    return record


def _launch(job: dict, task: Task, uid: int | None, service) -> dict:
    """:func:`launch`, started once more on another uid when it failed before the student's code
    ran (that uid may be the trouble: processes left on it, or a clash outside the grader)."""
    try:
        return launch(job, task.limits, sandbox=task.sandbox, uid=uid, service=service)
    except InfrastructureError:
        from grader import uids

        with uids.lease() as other:
            return launch(job, task.limits, sandbox=task.sandbox, uid=other.uid, service=service)


def _warm(assignment_id: str):
    """Worker initializer: import what every submission needs once."""
    # jsonschema (via nbformat) imports rfc3987_syntax, which builds a grammar for ~2 s; we never
    # validate IRIs.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat  # noqa: F401
    import numpy  # noqa: F401
    from papermill.parameterize import parameterize_notebook  # noqa: F401

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


def _atomic_write(path: Path, text: str):
    """Write UTF-8 ``text`` to ``path`` all at once (rename); a failure leaves no temporary file."""
    data = valid_unicode(text).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def results_dir(course_dir, assignment_id: str) -> Path:
    """Where per-student result records live (``grader_results/<assignment>/<student>.json``)."""
    return Path(course_dir) / "grader_results" / assignment_id


def _stored(path: Path) -> dict | None:
    """A stored result record, or None when there is none or it is unreadable (then regrade)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    ok = (type(record) is dict and record.get("status") in ("graded", "error")
          and type(record.get("questions")) is dict)
    return record if ok else None


WORKER_DIED_TWICE = ("the grader's worker process died twice while grading this submission, the "
                     "second time with no other submission running; it was not graded (re-grade "
                     "it with `course autograde --retry-errors`)")


def _infrastructure_failure(exc: BaseException) -> str:
    """The message of a submission our own machinery could not run (twice)."""
    return (f"not graded: the grader could not run this submission ({str(exc)[:300]}), on a "
            "second try either. This is a problem on the grader's side, not in the submission; "
            "nothing was stored, and the next `course autograde` grades it again.")


def _outcomes(tasks: list[Task], workers: int, assignment_id: str):
    """Grade ``tasks`` in ``workers`` processes; yield ``(task, record or exception)`` as each ends.

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
                pool = ProcessPoolExecutor(workers, initializer=_warm, initargs=(assignment_id,))
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
              unsafe_no_sandbox: bool = False, retry_errors: bool = False) -> dict:
    """Grade every submission of ``assignment_id`` in ``submissions``; return student -> record.

    Student code runs in the sandbox (:mod:`grader.sandbox`); when it cannot run, raises
    :class:`grader.sandbox.SandboxUnavailable` unless ``unsafe_no_sandbox``. Already graded
    students are skipped unless ``force``; so are submissions whose stored result is an error (a
    crash, a limit, a broken file: grading them again would only spend the limits again) unless
    ``retry_errors``.
    """
    from tqdm import tqdm

    from grader import gradebook

    check_sandbox(unsafe_no_sandbox)
    course_dir = Path(course_dir)
    assignment = load_assignment(assignment_id)
    load_key(assignment_id)  # a key that disagrees with the declaration stops here, before any work
    limits = limits if limits is not None else Limits(**assignment.limits)
    nb_id = notebook_id(assignment)
    rel = released_path(course_dir, assignment)
    if not rel.is_file():
        raise FileNotFoundError(f"released notebook {rel} not found; run `course release` first")
    # the released notebook matches the declaration (else GradingConfigError, before any work)
    max_points = _auto_points(_released(str(rel)), assignment)
    store = results_dir(course_dir, assignment_id)
    url = gradebook.db_url_for(course_dir, db_url)
    records, tasks = {}, []
    for sid, path, problem in discover(submissions, assignment_id, nb_id):
        if not valid_student_id(sid):  # reported, never stored: no file or gradebook row for it
            records[sid] = _error_record(Task(assignment_id, sid, None, str(rel)), problem, max_points)
            continue
        previous = None if force else _stored(store / f"{sid}.json")
        if previous is not None and (previous["status"] == "graded" or not retry_errors):
            records[sid] = previous
            continue
        tasks.append(Task(assignment_id, sid, str(path) if path else None, str(rel), problem,
                          limits, secrets.randbits(63), sandbox=not unsafe_no_sandbox,
                          artifacts_dir=str(course_dir / "feedback_artifacts" / assignment_id / sid)))
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    inbound = exchange_inbound(course_dir) if tasks else None
    with gradebook.Gradebook(url) as gb:
        gradebook.ensure_assignment(gb, assignment, {nb_id: _released(str(rel))})
        # results stored by an interrupted run whose gradebook write did not happen
        recorded = gradebook.auto_scores(gb, assignment_id)
        for sid, record in records.items():
            wanted = {g: float(q["points"]) for g, q in record["questions"].items()}
            if valid_student_id(sid) and recorded.get(sid) != wanted:
                try:
                    gradebook.record_result(gb, assignment_id, sid, record)
                except Exception as exc:  # noqa: BLE001 - the stored result stays the record
                    _warn(f"{sid}: the stored result could not be written to the gradebook "
                          f"({_describe(exc)}); the next run tries again")
        if not tasks:
            return _finish(records, json_path)
        bar = tqdm(total=len(tasks), desc=f"grading {assignment_id}", unit="nb",
                   disable=not progress, file=sys.stderr)
        with contextlib.closing(_outcomes(tasks, workers, assignment_id)) as outcomes:
            try:
                for task, outcome in outcomes:
                    if isinstance(outcome, (GradingConfigError, SandboxUnavailable)):
                        raise outcome  # the whole assignment is misconfigured: no student can be graded
                    if isinstance(outcome, InfrastructureError):
                        # not the student's doing: nothing is stored, the next run grades them again
                        records[task.student_id] = {**_error_record(task, _infrastructure_failure(
                            outcome), max_points), "status": "grader_error"}
                        bar.update()
                        continue
                    if isinstance(outcome, BrokenProcessPool):  # it took down two workers
                        record = _error_record(task, WORKER_DIED_TWICE, max_points)
                    elif isinstance(outcome, Exception):  # one submission never stops the batch
                        record = _error_record(task, _grader_failure(outcome), max_points)
                    elif isinstance(outcome, BaseException):
                        raise outcome  # Ctrl-C in a worker
                    else:
                        record = outcome
                    del outcome
                    notebook = course_dir / "autograded" / task.student_id / assignment_id / f"{nb_id}.ipynb"
                    records[task.student_id] = _commit(gb, task, record, Path(submissions), notebook,
                                                       store, max_points, inbound)
                    bar.update()
            finally:
                bar.close()
    return _finish(records, json_path)


def _commit(gb, task: Task, record: dict, submissions: Path, notebook_path: Path, store: Path,
            max_points: dict, inbound: Path | None) -> dict:
    """Store one student's record: autograded notebook, result file (the commit point: from then
    on the student counts as graded), gradebook. Whatever fails here (a byte no file takes, a full
    disk, the gradebook) becomes this student's error record, naming them; the batch goes on."""
    import nbformat

    from grader import gradebook

    sid = task.student_id
    notebook = record.pop("notebook", None)
    try:
        if task.path is not None:
            record.update(submission_times(sid, task.assignment_id, Path(task.path), submissions, inbound))
        if notebook is not None:
            _atomic_write(notebook_path, nbformat.writes(valid_unicode(notebook)))
        del notebook  # the main process keeps no executed notebook
        record = valid_unicode(record)
        _atomic_write(store / f"{sid}.json", json.dumps(record, indent=1))
        gradebook.record_result(gb, task.assignment_id, sid, record)
        return record
    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
        failure = (f"the grader could not store the result of {sid} ({_describe(exc)}); "
                   "your instructor will look at it (re-grade with `course autograde --retry-errors`)")
    error = {**_error_record(task, failure, max_points),
             **{k: record[k] for k in TIME_FIELDS if k in record}}
    try:
        _atomic_write(store / f"{sid}.json", json.dumps(error, indent=1))
        gradebook.record_result(gb, task.assignment_id, sid, error)
    except Exception as exc:  # noqa: BLE001
        _warn(f"{sid}: {failure}; storing that error failed too ({_describe(exc)}), so {sid} is "
              "graded again on the next run")
    return error


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)


def _finish(records: dict, json_path) -> dict:
    records = dict(sorted(records.items()))
    if json_path:
        _atomic_write(Path(json_path), json.dumps(
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
