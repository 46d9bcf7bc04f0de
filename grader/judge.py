"""Judging one submission: the declared questions, its runs (plain data) and the key -> verdicts.

Runs in the grader's own process, never in the student's. For each autograded question of the
declaration, in order: a deleted test cell, or cells that did not run (a limit hit in the
question's own or answer cells, a run that stopped, a test cell that never ran) give zero points
with the reason, *instead of* the key; otherwise the key's grade function for that question
decides, with the declared points. The judge needs no notebook and no sandbox: only the runs.
"""
from __future__ import annotations

from .contract import Assignment, AssignmentKey, GradingConfigError
from .feedback_diagnose import execution_problem
from .spec import Verdict

DELETED = ("The test cell of this question was deleted from your notebook; copy your answers "
           "into a fresh copy of the exercise.")


def judge(assignment: Assignment, key: AssignmentKey, runs: list, deleted=()) -> dict[str, Verdict]:
    """{grade id: Verdict} for every autograded question of ``assignment``.

    ``runs``: the submission's :class:`grader.spec.Run` records, the notebook's own parameters
    first. ``deleted``: grade ids of released cells missing from the submission. Points are kept
    within [0, declared points]. Raises :class:`GradingConfigError` when a grade function returns
    something other than a Verdict for the declared points; any other exception of a grade
    function propagates (a key bug, or an answer it did not foresee).
    """
    out = {}
    for q in assignment.auto_questions:
        if q.grade_id in deleted:
            out[q.grade_id] = Verdict(0.0, q.points, [DELETED])
            continue
        problem = execution_problem(runs if q.every_run else runs[:1], q.grade_id, q.reads)
        if problem:
            out[q.grade_id] = Verdict(0.0, q.points, [problem])
            continue
        v = key.grade[q.grade_id](runs, q.points)
        if not isinstance(v, Verdict) or abs(float(v.max_points) - q.points) > 1e-9:
            got = f"{v.max_points:g} points" if isinstance(v, Verdict) else type(v).__name__
            raise GradingConfigError(f"{assignment.assignment_id}: the grade function of "
                                     f"{q.grade_id} returned {got}, not a Verdict for its "
                                     f"declared {q.points:g} points")
        out[q.grade_id] = Verdict(min(max(float(v.points), 0.0), q.points), q.points,
                                  [str(f) for f in v.feedback], list(v.figures))
    return out
