"""``course check NOTEBOOK``: a learner's self-check, graded exactly as ``course autograde`` grades.

The check runs the saved notebook through the same engine as grading (:func:`grader.autograde.
grade_submission`: the same key, in the same sandbox), including the key's re-runs with fresh
parameters; it draws its own fresh values, never the grade's (keys give the same verdict whatever
the draw, so the check's points per question are the grade's). Questions graded by hand are named
with their points, as pending. For a test (``check_shows_scores=False``) it says only whether the
answers can be judged: the score comes at grading; nor does it show the points of a project's
questions judged on its hidden test set (``Question.hidden_test``): for those it shows the same
measure on the learner's own validation data (the key's ``on_validation``) and says that the
points come at grading.

Exit codes, for scripts and editors: 0 every autograded point the check can show earned (the others
could run), 1 points missing, 2 the notebook could not be checked. ``--json`` prints one object
shaped like one student's entry in ``course autograde --json``, plus ``pending`` (manual points).
"""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

FULL, MISSING, CANNOT = 0, 1, 2


def register(sub):
    p = sub.add_parser("check", help="self-check a notebook: the points grading would give, before you submit")
    p.add_argument("notebook", help="path to your saved exercise notebook (any file name)")
    p.add_argument("--assignment", default=None,
                   help="assignment id (default: found from the notebook's nbgrader metadata)")
    p.add_argument("--course-dir", default=None, metavar="DIR",
                   help="course directory with exercises/ (default: found from the notebook's path)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


class CheckError(Exception):
    """The notebook could not be checked (exit 2); the message says why and what to do."""


def assignment_of(nb, name: str = "") -> str:
    """The assignment a notebook belongs to, from its nbgrader grade ids (not its file name, so
    renamed copies such as "Copy of ex01_class_weights.ipynb" are recognised); an assignment not
    listed in ``ASSIGNMENTS`` is found by the file name ``name`` (without .ipynb)."""
    from grader.assignments import ASSIGNMENTS
    from grader.contract import load_assignment

    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}
    best, overlap = None, 0
    for aid in ASSIGNMENTS:
        declared = {q.grade_id for q in load_assignment(aid).questions}
        if len(declared & ids) > overlap:
            best, overlap = aid, len(declared & ids)
    if best is None and name:
        try:
            declared = {q.grade_id for q in load_assignment(name).questions}
        except ValueError:
            declared = set()
        best = name if declared & ids else None
    if best is None:
        raise CheckError("this notebook has none of the graded cells of any exercise: was it made "
                         "from a released exercise? (pass --assignment)")
    return best


def _course_dir(nb_path: Path, assignment) -> Path | None:
    from grader.autograde import released_path

    repo = Path(__file__).resolve().parents[2]  # the course this grader was installed from
    for cand in [Path.cwd(), *nb_path.resolve().parents, repo]:
        if released_path(cand, assignment).is_file():
            return cand
    return None


def check_notebook(path, assignment_id: str | None = None, course_dir=None,
                   seed: int | None = None) -> dict:
    """The check's record: ``score``, ``max_score``, ``status``, ``error``, ``questions`` (as in
    ``course autograde --json``), ``pending`` (grade id -> points of questions graded by hand),
    ``shows_scores`` and ``sandboxed``. For a test, ``questions`` carry no points (None).
    Raises :class:`CheckError` when the notebook cannot be checked."""
    from grader.autograde import Task, grade_submission, released_path
    from grader.contract import GradingConfigError, load_assignment
    from grader.limits import Limits
    from grader.pipeline.normalize import SubmissionError, read_notebook
    from grader.sandbox import InfrastructureError, sandbox_problem

    nb_path = Path(path)
    try:
        aid = assignment_id or assignment_of(read_notebook(nb_path), nb_path.stem)
        assignment = load_assignment(aid)
    except (SubmissionError, ValueError) as exc:
        raise CheckError(str(exc)) from None
    course_dir = Path(course_dir) if course_dir else _course_dir(nb_path, assignment)
    if course_dir is None or not released_path(course_dir, assignment).is_file():
        raise CheckError(f"cannot find exercises/{aid}/ (pass --course-dir)")
    # A learner checking their own notebook needs no protection from it: without bubblewrap
    # (e.g. on a laptop) the check runs unsandboxed instead of refusing.
    isolated = sandbox_problem() is None
    try:
        record = grade_submission(Task(
            aid, "self-check", str(nb_path), str(released_path(course_dir, assignment)),
            seed=secrets.randbits(63) if seed is None else seed,  # its own draw, never the grade's
            sandbox=isolated, limits=Limits(**assignment.limits), on_validation=True))
    except InfrastructureError as exc:
        raise CheckError(f"the check could not run ({exc}); this is not a problem with your "
                         "notebook: try again in a moment") from None
    except GradingConfigError as exc:
        raise CheckError(f"this exercise cannot be graded yet ({exc}); tell your instructor") from None
    out = {k: record.get(k) for k in ("score", "max_score", "status", "error", "questions")}
    out["pending"] = {q.grade_id: q.points for q in assignment.questions if q.manual}
    out["assignment"], out["shows_scores"], out["sandboxed"] = aid, assignment.check_shows_scores, isolated
    # What the rules let a learner see before grading (decisions.md, 18): no points for a test
    # (an answer oracle), none for a project's hidden test set; only whether the answer could run.
    hidden = {q.grade_id for q in assignment.auto_questions
              if q.hidden_test or not assignment.check_shows_scores}
    cells = record.get("cells", {})
    for gid in hidden & set(out["questions"]):
        q, cell = out["questions"][gid], cells.get(gid, {})
        ran = cell.get("executed") and not cell.get("error") and record["status"] == "graded"
        later = ("the points come at grading, on the hidden test set (a score on your validation "
                 "data is a guide, not the grade)" if assignment.check_shows_scores
                 else "scored when your instructor grades it (this is a test)")
        form = (READABLE if ran else "the grader could not judge this answer: "
                + (cell.get("error") or record.get("error") or "its cell did not run"))
        # a project's hidden test: the same measure on the learner's validation data, if it ran
        seen = record.get("on_validation", {}).get(gid) if ran else None
        out["questions"][gid] = {"points": None, "max_points": q["max_points"], "feedback": [
            form, *([seen] if seen else []), later]}
    # the notebook's own test cells that raised: quoted under a question that lost points
    out["test_errors"] = {gid: cells[gid]["error"] for gid in out["questions"]
                          if cells.get(gid, {}).get("error")}
    shown = [q["points"] for q in out["questions"].values() if q["points"] is not None]
    out["score"] = round(sum(shown), 6) if assignment.check_shows_scores else None
    return out


READABLE = "your answer ran and can be judged"


def exit_code(result: dict) -> int:
    """0 when every autograded point the check can show is earned (and every answer it cannot
    score could run), else 1."""
    ok = all(q["feedback"][:1] == [READABLE] if q["points"] is None
             else q["points"] >= q["max_points"] - 1e-9 for q in result["questions"].values())
    return FULL if ok else MISSING


def report_lines(result: dict) -> list[str]:
    """The terminal report: one line per question (then its feedback), the pending manual
    questions, the total. Student-derived text is escaped."""
    from grader.student_text import printable

    lines = []
    if result["status"] == "error" and result.get("error"):
        lines.append(f"problem: {printable(result['error'])}")
    for gid, q in result["questions"].items():
        worth = f"worth {q['max_points']:g} point{'' if q['max_points'] == 1 else 's'}"
        pts = (f"{worth}, scored at grading" if q["points"] is None
               else f"{q['points']:g} / {q['max_points']:g}")
        lines.append(f"{gid}: {pts}")
        seen = set()
        lost = q["points"] is not None and q["points"] < q["max_points"]
        tested = result.get("test_errors", {}).get(gid) if lost or q["points"] is None else None
        for f in q["feedback"] + ([f"its test cell failed: {tested}"] if tested else []):
            if f not in seen:
                seen.add(f)
                lines.append(f"  - {printable(f)}")
    for gid, pts in result["pending"].items():
        lines.append(f"{gid}: {pts:g} points, graded by hand after you submit (pending)")
    auto_max = sum(q["max_points"] for q in result["questions"].values())
    pending = sum(result["pending"].values())
    unseen = sum(q["max_points"] for q in result["questions"].values() if q["points"] is None)
    if result["score"] is None:
        lines.append(f"This is a test: the check shows whether your answers can be judged, not "
                     f"whether they are right; your score (out of {auto_max:g}) comes when your "
                     "instructor grades it.")
    else:
        tail = f" (+ {pending:g} graded by hand)" if pending else ""
        later = f", {unseen:g} more scored at grading on the hidden test set" if unseen else ""
        lines.append(f"total: {result['score']:g} / {auto_max:g} autograded points{later}{tail}; "
                     "checked like grading, with re-runs on other values")
    if not result.get("sandboxed", True):
        lines.append("note: ran without the sandbox (bubblewrap is not available here)")
    return lines


def run(args) -> int:
    from grader.student_text import printable

    try:
        result = check_notebook(args.notebook, args.assignment, args.course_dir)
    except CheckError as exc:
        if args.json:
            print(json.dumps({"status": "could_not_check", "error": str(exc)}))
        else:
            print(f"error: {printable(str(exc))}", file=sys.stderr)
        return CANNOT
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print("\n".join(report_lines(result)))
    return exit_code(result)
