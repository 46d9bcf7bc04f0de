"""``course progress``: your own quick-test progress; with ``--store``, the instructor reads the
quiz service's store (any learner, or everyone as CSV)."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("progress", help="show your quick-test progress, or (instructor) export everyone's")
    p.add_argument("--service", default=None, metavar="SOCKET",
                   help="the course's quiz service (default $IMBALANCE_LAB_QUIZ_SOCKET; without one: "
                        "your private practice file)")
    p.add_argument("--store", default=None,
                   help="instructor: read the quiz service's store file directly (private to you)")
    p.add_argument("--user", default=None, help="with --store: one learner's progress")
    p.add_argument("--export", default=None, metavar="CSV", help="with --store: every learner's progress as CSV")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.quiz.progress import ProgressStoreError

    try:
        if args.store:
            return _instructor(args)
        if args.user or args.export:
            print("error: --user and --export read the quiz service's store: pass --store FILE "
                  "(only its owner can read it).", file=sys.stderr)
            return 2
        return _own(args)
    except ProgressStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _instructor(args) -> int:
    from grader.quiz.cli import format_progress
    from grader.quiz.progress import ProgressStore

    store = ProgressStore(args.store, kind="service")
    store.check_service_store()
    if args.export:
        n = store.export_csv(args.export)
        print(f"Wrote {n} rows to {args.export}.")
        return 0
    print(f"Progress in the quiz service's store {store.path}:")
    print(format_progress(store.progress(args.user)))
    return 0


def _own(args) -> int:
    from grader.quiz.cli import format_progress
    from learner.quiz.client import ServiceError, call, service_socket
    from grader.quiz.identity import current_user
    from grader.quiz.progress import ProgressStore

    socket_path = service_socket(args.service)
    if socket_path:
        try:
            reply = call(socket_path, {"op": "progress"})
        except ServiceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"Progress of {reply['user']} saved by the quiz service:")
        print(format_progress(reply["rows"]))
        return 0
    user, store = current_user(), ProgressStore()
    if user is None:
        print("Not logged in, so no practice progress is saved (course login NAME saves it in your "
              "private file); no quiz service is configured ($IMBALANCE_LAB_QUIZ_SOCKET).", file=sys.stderr)
        return 2
    rows = store.progress(user) if store.path.exists() else []
    print(f"Practice progress of {user} (your private file {store.path}; unofficial, the course does not see it):")
    print(format_progress(rows))
    return 0
