"""``course progress``: a learner's quick-test progress, or everyone's as CSV (the store's owner)."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("progress", help="show quick-test progress, or export everyone's as CSV")
    p.add_argument("--user", default=None, help="learner (default: the logged-in user)")
    p.add_argument("--store", default=None, help="progress store (default $IMBALANCE_LAB_PROGRESS)")
    p.add_argument("--export", default=None, metavar="CSV", help="write every learner's progress to CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.quiz.cli import format_progress
    from grader.quiz.identity import current_user
    from grader.quiz.progress import ProgressStore, ProgressStoreError

    store = ProgressStore(args.store)
    me = current_user()
    try:
        if args.export or (args.user and args.user != me):
            refused = store.readable_by_everyone_check()
            if refused:
                print(f"error: {refused}.", file=sys.stderr)
                return 2
        if args.export:
            n = store.export_csv(args.export)
            print(f"Wrote {n} rows to {args.export}.")
            return 0
        user = args.user or me
        if user is None:
            print("Not logged in: progress is not saved; log in to save it (course login NAME), "
                  "or pass --user NAME.", file=sys.stderr)
            return 2
        print(f"Progress of {user} ({store.path}):")
        print(format_progress(store.progress(user)))
    except ProgressStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
