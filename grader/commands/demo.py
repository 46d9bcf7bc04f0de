"""``course demo``: build a throw-away course, grade a sample class per exercise, print grades, write reports."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("demo", help="build a demo course, autograde sample submissions, show grades")
    p.add_argument("--dir", default="demo_course", metavar="DIR",
                   help="course directory to create (default: ./demo_course, recreated each time)")
    p.add_argument("--workers", type=int, default=None, metavar="N")
    from grader.commands.autograde import add_sandbox_flag

    add_sandbox_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from grader import demo
    from grader.autograde import autograde, check_sandbox, grade_table, notebook_id
    from grader.contract import load_assignment
    from grader.report import write_report
    from grader.sandbox import SandboxUnavailable

    try:
        check_sandbox(args.unsafe_no_sandbox)
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        course = demo.prepare_course(args.dir, list(demo.SAMPLES))
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"demo course in {course} (gradebook: {course / 'gradebook.db'})")
    for aid in demo.SAMPLES:
        submitted = demo.write_submissions(course, aid, notebook_id(load_assignment(aid)))
        print(f"\n{aid}: {len(demo.SAMPLES[aid])} sample submissions in {submitted}")
        records = autograde(aid, submitted, course_dir=course, workers=args.workers, force=True,
                            json_path=course / f"{aid}.results.json",
                            unsafe_no_sandbox=args.unsafe_no_sandbox)
        print(grade_table(records))
        print(f"class report: {write_report(aid, course_dir=course)}")
    print(f"\nnext: course feedback ASSIGNMENT --course-dir {course}; "
          f"course export --course-dir {course}")
    return 0
