"""nbgrader's gradebook as our store of record: assignment structure, autograde scores, CSV rows.

Only the main ``course`` process writes here (never the workers), one transaction per student,
so SQLite never sees concurrent writers and an interrupted batch leaves whole students or none.
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.utils import parse_utc
from nbgrader.api import (Comment, Grade, Gradebook, MissingEntry, Student, SubmittedAssignment,
                          SubmittedNotebook)

__all__ = ["Gradebook", "db_url_for", "ensure_assignment", "record_result", "auto_scores",
           "export_rows"]


def db_url_for(course_dir, db: str | None = None) -> str:
    """The database URL: ``db`` if given, else SQLite at ``<course_dir>/gradebook.db``."""
    if db:
        return db
    return f"sqlite:///{(Path(course_dir) / 'gradebook.db').resolve()}"


def ensure_assignment(gb: Gradebook, assignment, released: dict) -> None:
    """Create or refresh the assignment's notebooks and cells from its released notebooks.

    ``assignment``: the declaration (:class:`grader.contract.Assignment`); ``released``: notebook
    name -> released notebook, one for each declared notebook, which must match the declaration
    (else :class:`grader.contract.GradingConfigError`). Uses nbgrader's own ``SaveCells`` (what
    ``generate_assignment`` runs), so points, grade cells and locked-cell sources match what
    formgrader expects. Like nbgrader, refuses to add or remove cells once submissions exist.
    """
    from nbgrader.preprocessors import SaveCells

    from grader.contract import GradingConfigError, notebook_problems

    names = [n.name for n in assignment.notebooks]
    problems = [f"no released notebook {n}.ipynb" for n in names if n not in released]
    problems += [p for n in names if n in released
                 for p in notebook_problems(assignment, n, released[n])]
    if problems:
        raise GradingConfigError("; ".join(problems))
    gb.update_or_create_assignment(assignment.assignment_id)
    for name in names:
        resources = {"nbgrader": {"notebook": name, "assignment": assignment.assignment_id,
                                  "db_url": str(gb.engine.url.render_as_string(hide_password=False))}}
        SaveCells().preprocess(released[name], resources)


def _timestamp(text):
    """A timestamp.txt text as a datetime; None when absent or unreadable."""
    try:
        return parse_utc(text) if text else None
    except (ValueError, TypeError, OverflowError):
        return None


def late_penalties(config):
    """``penalty(student, score, seconds_late)`` of the late-submission plugin nbgrader's config
    names (``AssignLatePenalties.plugin_class``, ``LateSubmissionPlugin.penalty_method``)."""
    from nbgrader.preprocessors import AssignLatePenalties

    pre = AssignLatePenalties(config=config)
    pre.init_plugin()
    return pre.plugin_inst.late_submission_penalty


def _assign_late_penalties(db, submission, student_id: str, late) -> None:
    """nbgrader's ``AssignLatePenalties`` per notebook, from the gradebook's (trusted) timestamp."""
    db.flush()
    db.expire(submission)
    seconds = submission.total_seconds_late
    for snb in submission.notebooks:
        db.expire(snb)
        snb.late_submission_penalty = None
        if seconds > 0:
            penalty = late(student_id, snb.score, seconds)
            if penalty is not None:  # nbgrader keeps it within [0, the notebook's score]
                snb.late_submission_penalty = min(max(float(penalty), 0.0), float(snb.score))


def record_result(gb: Gradebook, assignment_id: str, student_id: str, record: dict,
                  late=None) -> None:
    """Write one student's autograde scores in a single transaction.

    Questions in ``record["questions"]`` get ``auto_score``; every other grade cell (written
    answers, manual questions) is left for manual grading. Manual scores already given are kept, and such
    cells are flagged for review, as nbgrader does. ``late`` (:func:`late_penalties`), when given,
    sets each notebook's late-submission penalty as nbgrader's ``AssignLatePenalties`` does.
    """
    db = gb.db
    try:
        student = db.get(Student, student_id)
        if student is None:
            student = Student(id=student_id)
            db.add(student)
        try:
            submission = gb.find_submission(assignment_id, student_id)
        except MissingEntry:
            assignment = gb.find_assignment(assignment_id)
            with db.no_autoflush:  # mirror the assignment's structure, as nbgrader's add_submission
                submission = SubmittedAssignment(assignment=assignment, student=student)
                db.add(submission)
                for notebook in assignment.notebooks:
                    snb = SubmittedNotebook(notebook=notebook, assignment=submission)
                    db.add(snb)
                    db.add_all([Grade(cell=cell, notebook=snb) for cell in notebook.grade_cells])
                    db.add_all([Comment(cell=cell, notebook=snb) for cell in notebook.solution_cells])
                    for cell in notebook.task_cells:  # graded and commented by hand
                        db.add_all([Grade(cell=cell, notebook=snb), Comment(cell=cell, notebook=snb)])
        # What the submitted folder's timestamp.txt holds (the trusted submission time, see
        # grader.submission_times; None when there is none): nbgrader counts lateness from it, and
        # formgrader counts a submission as autograded only when the two are equal.
        submission.timestamp = _timestamp(record.get("timestamp"))
        db.flush()
        questions = record["questions"]
        # nbgrader's rule for answers left as released: 0 points, no review, "No response."
        unanswered = set(record.get("unanswered", ()))
        for snb in submission.notebooks:
            if "no_response" in record:
                for comment in snb.comments:
                    comment.auto_comment = ("No response." if comment.cell.name in record["no_response"]
                                            else None)
            for grade in snb.grades:
                q = questions.get(grade.cell.name)
                if q is None and grade.cell.name in unanswered:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = grade.manual_score is not None
                elif q is None:
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                else:
                    grade.auto_score = float(q["points"])
                    grade.needs_manual_grade = grade.manual_score is not None
        if late is not None:
            _assign_late_penalties(db, submission, student_id, late)
        db.commit()
    except BaseException:
        db.rollback()
        raise


def auto_scores(gb: Gradebook, assignment_id: str) -> dict:
    """student id -> {grade cell name: auto_score} for the cells that have an autograde score.

    Used on resume to find results stored by the grader that never reached the gradebook.
    """
    out = {}
    for sub in gb.assignment_submissions(assignment_id):
        out[sub.student.id] = {g.name: float(g.auto_score) for nb in sub.notebooks
                               for g in nb.grades if g.auto_score is not None}
    return out


def export_rows(gb: Gradebook, times=None) -> list[dict]:
    """One row per (assignment, student): score, max score, whether manual grading is pending and
    when the work was submitted.

    ``times(assignment, student)`` gives the submission time fields of our result record (see
    :mod:`grader.submission_times`) or None; ``seconds_late`` counts from that time to the due
    date (with any extension), as nbgrader counts from the gradebook's timestamp.
    """
    rows = []
    for assignment in gb.assignments:
        for student in gb.students:
            row = {"assignment": assignment.name, "student_id": student.id,
                   "max_score": float(assignment.max_score), "submitted_at": "",
                   "submitted_at_source": "", "seconds_late": "", "timestamp_note": ""}
            try:
                sub = gb.find_submission(assignment.name, student.id)
            except MissingEntry:
                rows.append({**row, "score": 0.0, "needs_manual_grade": False, "status": "missing"})
                continue
            row.update(score=round(float(sub.score), 4), needs_manual_grade=bool(sub.needs_manual_grade),
                       status="submitted")
            found = (times(assignment.name, student.id) if times else None) or {}
            at = _timestamp(found.get("submitted_at"))
            if at is not None:
                row.update({k: found.get(k) or "" for k in ("submitted_at", "submitted_at_source",
                                                            "timestamp_note")})
                row["seconds_late"] = (0.0 if sub.duedate is None else
                                       round(max(0.0, (at - sub.duedate).total_seconds()), 3))
            rows.append(row)
    return rows
