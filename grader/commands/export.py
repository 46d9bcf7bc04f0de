"""``course export``: grades from the gradebook as CSV (one row per assignment and student)."""
from __future__ import annotations

import csv
import sys


def register(sub):
    p = sub.add_parser("export", help="export grades from the gradebook as CSV")
    p.add_argument("--course-dir", default=".", metavar="DIR")
    p.add_argument("--db", default=None, metavar="URL", help="gradebook database URL")
    p.add_argument("--output", "-o", default="grades.csv", metavar="PATH", help="'-' for stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.gradebook import Gradebook, db_url_for, export_rows

    with Gradebook(db_url_for(args.course_dir, args.db)) as gb:
        rows = export_rows(gb)
    fields = ["assignment", "student_id", "score", "max_score", "needs_manual_grade", "status"]
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    try:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output != "-":
        print(f"wrote {len(rows)} rows to {args.output}")
    return 0
