"""``course report ASSIGNMENT``: the instructor's class report (one HTML page plus PNG figures)."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("report", help="write an HTML class report (scores, pass rates, common "
                                      "mistakes, errors, grading time) for an assignment")
    p.add_argument("assignment", help="assignment id, e.g. ex01_class_weights")
    p.add_argument("--course-dir", default=".", metavar="DIR",
                   help="course directory holding gradebook.db and grader_results/ (default: .)")
    p.add_argument("--db", default=None, metavar="URL",
                   help="gradebook database URL (default: sqlite in COURSE_DIR/gradebook.db)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: COURSE_DIR/reports/ASSIGNMENT)")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.report import write_report

    try:
        page = write_report(args.assignment, course_dir=args.course_dir, db_url=args.db,
                            out_dir=args.out)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {page} (figures beside it; open it in a browser)")
    return 0
