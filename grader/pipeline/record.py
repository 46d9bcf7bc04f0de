"""Stage 6: verdicts -> the result record and the autograded notebook; committing them.

:func:`result` and :func:`autograded_notebook` run where the submission was judged.
:func:`commit` runs in the batch's main process alone, in this order per student: the autograded
notebook (for formgrader/feedback), the result file ``grader_results/<assignment>/<student>.json``
(atomic rename: THE record that a student is graded), then the gradebook (one transaction).
"""
from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from grader.messages import describe, warn
from grader.student_text import valid_unicode
from grader.submission_times import TIME_FIELDS, submission_times

if TYPE_CHECKING:
    from grader.autograde import Task


def error_record(student_id: str, message: str, max_points: dict) -> dict:
    """A submission that could not be graded: zero on every question, with ``message``."""
    questions = {gid: {"points": 0.0, "max_points": pts, "feedback": [message]}
                 for gid, pts in max_points.items()}
    return {"student_id": student_id, "score": 0.0, "max_score": sum(max_points.values()),
            "status": "error", "error": message, "questions": questions}


def grader_failure(exc: BaseException) -> str:
    """The message of a submission the grader itself failed on (never the student's fault)."""
    return (f"the grader failed on this submission ({describe(exc)}); "
            "your instructor will look at it (re-grade with `course autograde --retry-errors`)")


def result(student_id: str, verdicts: dict, runs: list, fatal: str | None, max_points: dict,
           seconds: float, deleted=(), notes=()) -> dict:
    """The result record of a judged submission. ``notes`` (the service's: cut off, requests
    delayed) join the feedback of every question that lost points."""
    questions = {}
    for gid, v in verdicts.items():
        feedback = list(v.feedback)
        if v.points < v.max_points:
            feedback += [n for n in notes if n not in feedback]
        questions[gid] = {"points": v.points, "max_points": v.max_points, "feedback": feedback}
        if v.figures:
            # names inside the student's artifacts_dir: the record stays valid if the course moves
            questions[gid]["figures"] = [Path(f).name for f in v.figures]
    errors = [fatal] if fatal else [
        (r.error if i == 0 else f"{r.error} (re-run {i} with parameters {r.parameters})")
        for i, r in enumerate(runs) if r.error]
    record = {"student_id": student_id,
              "score": round(sum(q["points"] for q in questions.values()), 6),
              "max_score": sum(max_points.values()),
              "status": "error" if errors else "graded", "error": errors[0] if errors else None,
              "questions": questions, "seconds": seconds}
    if deleted:
        record["deleted_cells"] = list(deleted)
    record["cells"] = runs[0].cells
    return record


def autograded_notebook(nb, outputs, verdicts: dict):
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


def stored(path: Path) -> dict | None:
    """A stored result record, or None when there is none or it is unreadable (then regrade)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    ok = (type(record) is dict and record.get("status") in ("graded", "error")
          and type(record.get("questions")) is dict)
    return record if ok else None


def commit(gb, task: Task, record: dict, submissions: Path, notebook_path: Path, store: Path,
           max_points: dict, inbound: Path | None, late=None) -> dict:
    """Store one student's record: autograded notebook, result file (the commit point: from then
    on the student counts as graded), gradebook. Whatever fails here (a byte no file takes, a full
    disk, the gradebook) becomes this student's error record, naming them; the batch goes on.
    ``late``: nbgrader's late-penalty function (:func:`grader.gradebook.late_penalties`), or None."""
    import nbformat

    from grader import gradebook

    sid = task.student_id
    notebook = record.pop("notebook", None)
    notebooks = record.pop("notebooks", None) or {}  # name -> notebook (assignments without a key)
    try:
        if task.path is not None:
            record.update(submission_times(sid, task.assignment_id, Path(task.path), submissions, inbound))
        if notebook is not None:
            atomic_write(notebook_path, nbformat.writes(valid_unicode(notebook)))
        for name, nb in notebooks.items():
            atomic_write(notebook_path.with_name(f"{name}.ipynb"), nbformat.writes(valid_unicode(nb)))
        del notebook, notebooks  # the main process keeps no executed notebook
        record = valid_unicode(record)
        atomic_write(store / f"{sid}.json", json.dumps(record, indent=1))
        gradebook.record_result(gb, task.assignment_id, sid, record, late=late)
        return record
    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
        failure = (f"the grader could not store the result of {sid} ({describe(exc)}); "
                   "your instructor will look at it (re-grade with `course autograde --retry-errors`)")
    error = {**error_record(sid, failure, max_points),
             **{k: record[k] for k in TIME_FIELDS if k in record}}
    try:
        atomic_write(store / f"{sid}.json", json.dumps(error, indent=1))
        gradebook.record_result(gb, task.assignment_id, sid, error)
    except Exception as exc:  # noqa: BLE001
        warn(f"{sid}: {failure}; storing that error failed too ({describe(exc)}), so {sid} is "
             "graded again on the next run")
    return error


def atomic_write(path: Path, text: str):
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
