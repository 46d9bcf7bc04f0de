"""Autograding a class: one worker process per core, one sandboxed child per submission.

Per student (:func:`grade_submission`, in a worker): read the notebook strictly, rebuild it on the
released copy (:mod:`grader.normalize`), inject each parameter set the key draws (papermill), run
them all in one sandboxed child (:func:`grader.runner.launch`, as the worker's own uid), read the
answers back as plain data and call ``KEY.grade`` here, outside the student's kernel.

The main process (:func:`autograde`) alone writes, in this order per student: the autograded
notebook (for formgrader/feedback), then the result file ``grader_results/<assignment>/<student>.json``
(atomic rename: THE record that a student is graded), then the gradebook (one transaction). The
gradebook is derived: a run that starts after an interruption re-records any stored result the
gradebook lacks or disagrees with, so a kill at any point neither loses a result nor grades a
student twice.
"""
from __future__ import annotations

import copy
import functools
import importlib
import json
import os
import re
import secrets
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from grader import preimport
from grader.feedback_diagnose import execution_problem
from grader.limits import Limits
from grader.runner import DEFAULT_UID, RunnerError, launch
from grader.sandbox import SandboxUnavailable, sandbox_problem
from grader.spec import CallError, Missing, Run, load_key

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


class GradingConfigError(RuntimeError):
    """The answer key and the released notebook disagree (an instructor bug: stop the batch)."""


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
    """Adapter from an answer key's ``oracle_session`` hook to :func:`grader.runner.launch`."""

    def __init__(self, factory):
        self.factory, self.session, self.report = factory, None, None

    def start(self, directory: Path, inside: str | None) -> dict:
        self.session = self.factory(directory, inside)
        return dict(self.session.env)

    def stop(self):
        self.report = self.session.close() if self.session is not None else None


def notebook_id(key) -> str:
    """nbgrader's notebook id (file name without ``.ipynb``) of the key's notebook."""
    return key.notebook[:-6] if key.notebook.endswith(".ipynb") else key.notebook


def released_path(course_dir, key) -> Path:
    return Path(course_dir) / "exercises" / key.assignment_id / f"{notebook_id(key)}.ipynb"


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


def _grade_cells(released) -> dict:
    """grade_id -> points of the released notebook's autograded (test) cells."""
    out = {}
    for cell in released.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code" and not meta.get("solution"):
            out[meta["grade_id"]] = float(meta.get("points", 0))
    return out


def _auto_points(released, key) -> dict:
    """grade_id -> points of the questions the key grades (manually graded cells left out)."""
    return {gid: pts for gid, pts in _grade_cells(released).items() if gid not in set(key.manual)}


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
    """The executed first run for formgrader: trusted cells, child outputs, verdict notes."""
    import nbformat

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
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in verdicts:
            v = verdicts[gid]
            lines = [f"**Autograder, {gid}: {v['points']:g} / {v['max_points']:g} points.**"]
            lines += [f"- {line}" for line in v["feedback"]]
            cells.append(nbformat.v4.new_markdown_cell("\n".join(lines)))
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

    The student's code runs sandboxed as ``uid`` (default: this worker's uid) unless
    ``task.sandbox`` is False. Never raises for a bad submission (the record has ``status:
    "error"``); raises :class:`GradingConfigError` when the key and the released notebook
    disagree, and :class:`grader.sandbox.SandboxUnavailable` when the sandbox cannot run.
    """
    from papermill.parameterize import parameterize_notebook

    from grader.extract import MalformedResult, extraction_cell
    from grader.normalize import SubmissionError, normalize, read_notebook

    started = time.monotonic()
    if task.sandbox and sandbox_problem() is not None:
        raise SandboxUnavailable(sandbox_problem())
    key = load_key(task.assignment_id)
    released = _released(task.released_path)
    max_points = _auto_points(released, key)
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
    hook = getattr(importlib.import_module(f"grader.assignments.{task.assignment_id}"),
                   "oracle_session", None)
    service = _KeyService(hook) if hook else None
    try:
        result = launch(job, task.limits, sandbox=task.sandbox,
                        uid=uid if uid is not None else _WORKER_UID[0], service=service)
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
        verdicts = key.grade(runs)
    except Exception as exc:  # noqa: BLE001 - a key bug or an answer it did not foresee
        return _error_record(task, _grader_failure(exc), max_points)
    if set(verdicts) != set(max_points):
        raise GradingConfigError(
            f"{task.assignment_id}: the key grades {sorted(verdicts)} but the released notebook's "
            f"autograded cells are {sorted(max_points)}")
    questions = {}
    for gid, v in verdicts.items():
        if abs(v.max_points - max_points[gid]) > 1e-9:
            raise GradingConfigError(f"{task.assignment_id}: {gid} is worth {max_points[gid]:g} "
                                     f"points in the notebook but {v.max_points:g} in the key")
        points, feedback = min(max(float(v.points), 0.0), v.max_points), [str(f) for f in v.feedback]
        if gid in norm.deleted:
            points, feedback = 0.0, ["The test cell of this question was deleted from your "
                                     "notebook; copy your answers into a fresh copy of the exercise."]
        elif problem := execution_problem(runs[:1], gid):
            # whatever the key says: the test cell did not run, stopped at a limit, or no answers
            # were read (a key names the problem itself when it also looks at its answer cells)
            points = 0.0
            if problem not in feedback:
                feedback.append(problem)
        questions[gid] = {"points": points, "max_points": float(v.max_points), "feedback": feedback}
        if v.figures and gid not in norm.deleted:
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
    stamp = Path(task.path).with_name("timestamp.txt")  # nbgrader's collect writes one
    if stamp.is_file() and stamp.stat().st_size < 200:
        record["timestamp"] = stamp.read_text(errors="replace").strip()
    if norm.deleted:
        record["deleted_cells"] = norm.deleted
    record["cells"] = runs[0].cells
    record["notebook"] = _autograded_notebook(notebooks[0], outputs, questions)
    return record


#: The uid this worker's sandboxes run as (distinct per worker, so per-uid process limits and
#: file ownership never mix two workers' students).
_WORKER_UID = [DEFAULT_UID]


def _warm(assignment_id: str, counter):
    """Worker initializer: take a distinct uid; import what every submission needs once."""
    with counter.get_lock():
        _WORKER_UID[0] = DEFAULT_UID + counter.value
        counter.value += 1
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
        if not STUDENT_ID.match(sid):
            found.append((sid, None, f"invalid student id {sid!r} (use letters, digits, ._@+-)"))
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
            names = sorted(p.name for p in entry.rglob("*.ipynb"))[:5]
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
    import multiprocessing

    import nbformat
    from tqdm import tqdm

    from grader import gradebook

    check_sandbox(unsafe_no_sandbox)
    course_dir = Path(course_dir)
    key = load_key(assignment_id)
    limits = limits if limits is not None else Limits(**key.limits)
    nb_id = notebook_id(key)
    rel = released_path(course_dir, key)
    if not rel.is_file():
        raise FileNotFoundError(f"released notebook {rel} not found; run `course release` first")
    store = results_dir(course_dir, assignment_id)
    url = gradebook.db_url_for(course_dir, db_url)
    records, tasks = {}, []
    for sid, path, problem in discover(submissions, assignment_id, nb_id):
        previous = None if force else _stored(store / f"{sid}.json")
        if previous is not None and (previous["status"] == "graded" or not retry_errors):
            records[sid] = previous
            continue
        tasks.append(Task(assignment_id, sid, str(path) if path else None, str(rel), problem,
                          limits, secrets.randbits(63), sandbox=not unsafe_no_sandbox,
                          artifacts_dir=str(course_dir / "feedback_artifacts" / assignment_id / sid)))
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    with gradebook.Gradebook(url) as gb:
        gradebook.ensure_assignment(gb, assignment_id, nb_id, _released(str(rel)))
        # results stored by an interrupted run whose gradebook write did not happen
        recorded = gradebook.auto_scores(gb, assignment_id)
        for sid, record in records.items():
            wanted = {g: float(q["points"]) for g, q in record["questions"].items()}
            if recorded.get(sid) != wanted:
                gradebook.record_result(gb, assignment_id, sid, record)
        if not tasks:
            return _finish(records, json_path)
        bar = tqdm(total=len(tasks), desc=f"grading {assignment_id}", unit="nb",
                   disable=not progress, file=sys.stderr)
        counter = multiprocessing.Value("i", 0)
        with ProcessPoolExecutor(workers, initializer=_warm, initargs=(assignment_id, counter)) as pool:
            futures = {pool.submit(grade_submission, t): t for t in tasks}
            try:
                for fut in as_completed(futures):
                    task = futures.pop(fut)
                    try:
                        record = fut.result()
                    except (GradingConfigError, SandboxUnavailable):
                        raise  # the whole assignment is misconfigured: no student can be graded
                    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
                        record = _error_record(task, _grader_failure(exc),
                                               _auto_points(_released(str(rel)), key))
                    notebook = record.pop("notebook", None)
                    if notebook is not None:
                        out = course_dir / "autograded" / task.student_id / assignment_id / f"{nb_id}.ipynb"
                        _atomic_write(out, nbformat.writes(notebook))
                    del notebook, fut
                    # the commit point: from here on the student counts as graded
                    _atomic_write(store / f"{task.student_id}.json", json.dumps(record, indent=1))
                    gradebook.record_result(gb, assignment_id, task.student_id, record)
                    records[task.student_id] = record
                    bar.update()
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
            finally:
                bar.close()
    return _finish(records, json_path)


def _finish(records: dict, json_path) -> dict:
    records = dict(sorted(records.items()))
    if json_path:
        _atomic_write(Path(json_path), json.dumps(
            {sid: {k: r.get(k) for k in ("score", "max_score", "status", "error", "questions")}
             for sid, r in records.items()}, indent=1))
    return records


def grade_table(records: dict) -> str:
    """A plain-text table: student, score, status and the first problem, one line each."""
    rows = [("student", "score", "status", "note")]
    for sid, r in records.items():
        note = r.get("error") or next((f"{g}: {q['feedback'][0]}" for g, q in r["questions"].items()
                                       if q["points"] < q["max_points"] and q["feedback"]), "")
        rows.append((sid, f"{r['score']:g}/{r['max_score']:g}", r["status"], note[:70]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:<{widths[2]}}  {d}".rstrip()
                     for a, b, c, d in rows)
