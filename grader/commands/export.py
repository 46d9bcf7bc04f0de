"""``course export``: grades from the gradebook as CSV (one row per assignment and student)."""
from __future__ import annotations

import csv
import json
import sys

from grader.student_text import spreadsheet_safe

FIELDS = ["assignment", "student_id", "score", "max_score", "needs_manual_grade", "status",
          "submitted_at", "submitted_at_source", "seconds_late", "timestamp_note"]


def register(sub):
    p = sub.add_parser("export", help="export grades from the gradebook as CSV")
    p.add_argument("--course-dir", default=".", metavar="DIR")
    p.add_argument("--db", default=None, metavar="URL", help="gradebook database URL")
    p.add_argument("--output", "-o", default="grades.csv", metavar="PATH", help="'-' for stdout")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.gradebook import Gradebook, db_url_for, export_rows

    with Gradebook(db_url_for(args.course_dir, args.db)) as gb:
        rows = export_rows(gb, lambda aid, sid: _stored_times(args.course_dir, aid, sid))
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="", encoding="utf-8")
    try:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output != "-":
        print(f"wrote {len(rows)} rows to {args.output}")
    return 0


def _stored_times(course_dir, assignment_id: str, student_id: str) -> dict | None:
    """The submission time fields of the grader's result record for this student, if any.
    Ids come from the gradebook, which nbgrader's own tools also fill: only whole student ids
    name a file."""
    from grader.autograde import results_dir, valid_student_id

    if not valid_student_id(student_id):
        return None
    try:
        record = json.loads((results_dir(course_dir, assignment_id) / f"{student_id}.json").read_text())
    except (OSError, ValueError):
        return None
    if type(record) is not dict:
        return None
    return {k: v for k, v in record.items() if k.startswith(("submitted_at", "timestamp_note"))
            and isinstance(v, str)}
