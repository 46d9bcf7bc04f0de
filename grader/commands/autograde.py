"""``course autograde ASSIGNMENT [--submissions DIR]``: grade a class into nbgrader's gradebook.

An assignment with an answer key (this course's, ``grader/assignments/<id>/``, or the package
``$IMBALANCE_LAB_ASSIGNMENTS`` names) is graded by its key. Any other is an nbgrader assignment
graded the nbgrader way (:mod:`grader.keyless`) in the nbgrader course directory found as
nbgrader finds it (here, or ``--course-dir``; its ``nbgrader_config.py``): submissions from its
``submitted/``, the gradebook at its ``db_url``, autograded notebooks into its ``autograded/``.
"""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub):
    p = sub.add_parser("autograde", help="autograde every submission of an assignment")
    p.add_argument("assignment", help="assignment id, e.g. ex01_class_weights")
    p.add_argument("--submissions", default=None, metavar="DIR",
                   help="DIR/<student_id>/<notebook>.ipynb or nbgrader's DIR/<student_id>/"
                        "<assignment>/ (default: the course's submitted/)")
    p.add_argument("--course-dir", default=None, metavar="DIR",
                   help="course directory (default: the current directory; for an nbgrader "
                        "course, as nbgrader_config.py there says)")
    p.add_argument("--db", default=None, metavar="URL",
                   help="gradebook database URL (default: an assignment with a key: sqlite in "
                        "COURSE_DIR/gradebook.db; any other: the nbgrader course's db_url)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="parallel worker processes (default: number of cores)")
    p.add_argument("--force", action="store_true", help="regrade students already graded")
    p.add_argument("--retry-errors", action="store_true",
                   help="grade again the submissions whose stored result is an error")
    p.add_argument("--json", default=None, metavar="PATH", help="also write per-student results as JSON")
    add_sandbox_flag(p)
    p.set_defaults(func=run)


def add_sandbox_flag(p):
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="run student code WITHOUT the bubblewrap sandbox (only where bwrap cannot "
                        "run and you trust every submission: their code could read solutions and "
                        "hidden tests and write the gradebook)")


def has_key(assignment_id: str) -> bool:
    """Whether ``assignment_id`` has an answer key (else it is graded the nbgrader way)."""
    from grader.contract import load_assignment

    try:
        load_assignment(assignment_id)
    except ValueError:
        return False
    return True


def _nbgrader_course(args, options) -> dict:
    """Grade in the nbgrader course here (or ``--course-dir``): with the course's own key when
    it has one (``grader_keys/<assignment>/``), else the nbgrader way."""
    import os

    from grader import keyless
    from grader.autograde import autograde
    from grader.contract import COURSE_KEYS_DIR, COURSE_KEYS_ENV
    from grader.nbgrader_course import load_course

    course = load_course(args.course_dir)
    keys = course.root / COURSE_KEYS_DIR
    if (keys / args.assignment / "__init__.py").is_file():
        os.environ[COURSE_KEYS_ENV] = str(keys)  # workers inherit the batch's environment
        options["db_url"] = options["db_url"] or course.db_url
        return autograde(args.assignment, args.submissions or course.submitted,
                         course_dir=course.root, released_dir=course.release,
                         autograded_dir=course.autograded, **options)
    return keyless.autograde(args.assignment, course_dir=args.course_dir,
                             submissions=args.submissions, **options)


def run(args) -> int:
    from grader.autograde import autograde, grade_table
    from grader.contract import GradingConfigError
    from grader.sandbox import InfrastructureError, SandboxUnavailable

    if args.workers is not None and args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    options = dict(workers=args.workers, force=args.force, db_url=args.db, json_path=args.json,
                   unsafe_no_sandbox=args.unsafe_no_sandbox, retry_errors=args.retry_errors)
    try:
        if has_key(args.assignment):
            course_dir = args.course_dir or "."
            submissions = args.submissions or str(Path(course_dir) / "submitted")
            records = autograde(args.assignment, submissions, course_dir=course_dir, **options)
        else:
            records = _nbgrader_course(args, options)
    except (ValueError, FileNotFoundError, SandboxUnavailable, InfrastructureError,
            GradingConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: students graded so far are stored; run the same command again to "
              "grade the rest", file=sys.stderr)
        return 130
    print(grade_table(records))
    errors = sum(r["status"] == "error" for r in records.values())
    if errors and not args.retry_errors:
        print(f"{errors} submission(s) ended in an error; they are kept as they are on a re-run "
              "(add --retry-errors to grade them again, --force to regrade everyone)")
    ours = sum(r["status"] == "grader_error" for r in records.values())
    if ours:
        print(f"{ours} submission(s) could not be graded because of a problem on the grader's side "
              "(not the students'); nothing was stored for them: run the same command again")
    return 1 if ours else 0
