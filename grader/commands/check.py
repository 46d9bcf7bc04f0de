"""``course check NOTEBOOK``: a learner's self-check, graded exactly as ``course autograde`` grades.

The check runs the saved notebook through the same engine as grading (:func:`grader.autograde.
grade_submission`: the same key, in the same sandbox), including the key's re-runs with fresh
parameters; it draws its own fresh values, never the grade's (keys give the same verdict whatever
the draw, so the check's points per question are the grade's). Questions graded by hand are named
with their points, as pending. For a test (``check_shows_scores=False``) it says only whether the
answers are in a form the grader can read: the score comes at grading.

Exit codes, for scripts and editors: 0 every autograded point earned (for a test: every answer
readable), 1 points missing, 2 the notebook could not be checked. ``--json`` prints one object
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


def assignment_of(nb) -> str:
    """The assignment a notebook belongs to, from its nbgrader grade ids (not its file name, so
    renamed copies such as "Copy of ex01_class_weights.ipynb" are recognised)."""
    from grader.assignments import ASSIGNMENTS
    from grader.contract import load_assignment

    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}
    best, overlap = None, 0
    for aid in ASSIGNMENTS:
        declared = {q.grade_id for q in load_assignment(aid).questions}
        if len(declared & ids) > overlap:
            best, overlap = aid, len(declared & ids)
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
    from grader.normalize import SubmissionError, read_notebook
    from grader.sandbox import InfrastructureError, sandbox_problem

    nb_path = Path(path)
    try:
        aid = assignment_id or assignment_of(read_notebook(nb_path))
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
            sandbox=isolated, limits=Limits(**assignment.limits)))
    except InfrastructureError as exc:
        raise CheckError(f"the check could not run ({exc}); this is not a problem with your "
                         "notebook: try again in a moment") from None
    except GradingConfigError as exc:
        raise CheckError(f"this exercise cannot be graded yet ({exc}); tell your instructor") from None
    out = {k: record.get(k) for k in ("score", "max_score", "status", "error", "questions")}
    out["pending"] = {q.grade_id: q.points for q in assignment.questions if q.manual}
    out["assignment"], out["shows_scores"], out["sandboxed"] = aid, assignment.check_shows_scores, isolated
    if not assignment.check_shows_scores:
        # a test: telling which answers are right would be an answer oracle (decisions.md, 18)
        cells = record.get("cells", {})
        for gid, q in out["questions"].items():
            cell = cells.get(gid, {})
            form = ("the grader could not read this answer: " + (cell.get("error") or "it did not run")
                    if not cell.get("executed") or cell.get("error") else "answer in a readable form")
            out["questions"][gid] = {"points": None, "max_points": q["max_points"], "feedback": [form]}
        out["score"] = None
    return out


def exit_code(result: dict) -> int:
    if result["score"] is None:  # a test: every answer readable
        return FULL if all(q["feedback"] == ["answer in a readable form"]
                           for q in result["questions"].values()) else MISSING
    return FULL if result["score"] >= result["max_score"] - 1e-9 else MISSING


def report_lines(result: dict) -> list[str]:
    """The terminal report: one line per question (then its feedback), the pending manual
    questions, the total. Student-derived text is escaped."""
    from grader.student_text import printable

    lines = []
    if result["status"] == "error" and result.get("error"):
        lines.append(f"problem: {printable(result['error'])}")
    for gid, q in result["questions"].items():
        pts = "graded at grading" if q["points"] is None else f"{q['points']:g} / {q['max_points']:g}"
        lines.append(f"{gid}: {pts}")
        seen = set()
        for f in q["feedback"]:
            if f not in seen:
                seen.add(f)
                lines.append(f"  - {printable(f)}")
    for gid, pts in result["pending"].items():
        lines.append(f"{gid}: {pts:g} points, graded by hand after you submit (pending)")
    auto_max = sum(q["max_points"] for q in result["questions"].values())
    pending = sum(result["pending"].values())
    if result["score"] is None:
        lines.append(f"This is a test: the check shows whether your answers are in a form the "
                     f"grader can read, not whether they are right; your score (out of "
                     f"{auto_max:g}) comes when your instructor grades it.")
    else:
        tail = f" (+ {pending:g} graded by hand)" if pending else ""
        lines.append(f"total: {result['score']:g} / {auto_max:g} autograded points{tail}; "
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
