"""``course check NOTEBOOK``: a learner's self-check, graded like the real thing on the defaults.

Runs the notebook the way the autograder does (isolated, restored test cells), on the notebook's
own parameters only, and prints the public tests' results and the key's feedback. The real grading
also re-runs the notebook with other parameters, so typed-in numbers pass here but not there.
"""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub):
    p = sub.add_parser("check", help="self-check a notebook: public tests and feedback on the defaults")
    p.add_argument("notebook", help="path to your exercise notebook")
    p.add_argument("--assignment", default=None, help="assignment id (default: from the file name)")
    p.add_argument("--course-dir", default=None, metavar="DIR",
                   help="course directory with exercises/ (default: found from the notebook's path)")
    p.set_defaults(func=run)


def _course_dir(nb_path: Path, assignment) -> Path | None:
    from grader.autograde import released_path

    for cand in [Path.cwd(), *nb_path.resolve().parents]:
        if released_path(cand, assignment).is_file():
            return cand
    return None


def run(args) -> int:
    from grader.autograde import Task, grade_submission, released_path
    from grader.contract import load_assignment
    from grader.limits import Limits
    from grader.student_text import printable

    nb_path = Path(args.notebook)
    assignment_id = args.assignment or nb_path.stem
    try:
        assignment = load_assignment(assignment_id)
    except ValueError as exc:
        print(f"error: {exc} (pass --assignment)", file=sys.stderr)
        return 2
    course_dir = Path(args.course_dir) if args.course_dir else _course_dir(nb_path, assignment)
    if course_dir is None or not released_path(course_dir, assignment).is_file():
        print(f"error: cannot find exercises/{assignment_id}/ (pass --course-dir)", file=sys.stderr)
        return 2
    from grader.sandbox import InfrastructureError, sandbox_problem

    try:
        # A learner checking their own notebook needs no protection from it: without bubblewrap
        # (e.g. on a laptop) the check runs unsandboxed instead of refusing.
        isolated = sandbox_problem() is None
        if not isolated:
            print("note: running without the sandbox (bubblewrap is not available here)")
        record = grade_submission(Task(assignment_id, "self-check", str(nb_path),
                                       str(released_path(course_dir, assignment)), defaults_only=True,
                                       sandbox=isolated, limits=Limits(**assignment.limits)))
    except InfrastructureError as exc:
        print(f"error: the check could not run ({exc}); this is not a problem with your notebook: "
              "try again in a moment", file=sys.stderr)
        return 2
    if record["status"] == "error":
        print(f"problem: {printable(record['error'])}")  # quotes the notebook's own errors
    for gid, cell in record.get("cells", {}).items():
        if gid in record["questions"]:
            state = ("did not run" if not cell["executed"]
                     else f"failed: {printable(cell['error'])}" if cell["error"] else "passed")
            print(f"public test {gid}: {state}")
    if not assignment.check_shows_scores:
        print("This is a test: the check shows whether your answers are in the right form, not "
              "whether they are right; your score is decided when your instructor grades it.")
        return 0 if record["status"] == "graded" else 1
    for gid, q in record["questions"].items():
        print(f"{gid}: {q['points']:g} / {q['max_points']:g}")
        for line in q["feedback"]:
            print(f"  - {printable(line)}")
    print(f"total on the notebook's own parameters: {record['score']:g} / {record['max_score']:g} "
          "(grading also re-runs it with other values)")
    return 0 if record["status"] == "graded" else 1
