"""``course autograde ASSIGNMENT --submissions DIR``: grade a class into nbgrader's gradebook."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("autograde", help="autograde every submission of an assignment")
    p.add_argument("assignment", help="assignment id, e.g. ex01_class_weights")
    p.add_argument("--submissions", required=True, metavar="DIR",
                   help="DIR/<student_id>/<notebook>.ipynb (nbgrader's submitted/ layout works too)")
    p.add_argument("--course-dir", default=".", metavar="DIR",
                   help="course directory holding exercises/ (default: current directory)")
    p.add_argument("--db", default=None, metavar="URL",
                   help="gradebook database URL (default: sqlite in COURSE_DIR/gradebook.db)")
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


def run(args) -> int:
    from grader.autograde import autograde, grade_table
    from grader.sandbox import InfrastructureError, SandboxUnavailable

    if args.workers is not None and args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    try:
        records = autograde(args.assignment, args.submissions, course_dir=args.course_dir,
                            workers=args.workers, force=args.force, db_url=args.db,
                            json_path=args.json, unsafe_no_sandbox=args.unsafe_no_sandbox,
                            retry_errors=args.retry_errors)
    except (ValueError, FileNotFoundError, SandboxUnavailable, InfrastructureError) as exc:
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
