"""``course quiz-server``: the quiz service, run by the instructor (see :mod:`grader.quiz.server`)."""
from __future__ import annotations

import signal
import sys


def register(sub):
    p = sub.add_parser("quiz-server", help="run the quiz service that scores and saves learners' attempts")
    p.add_argument("--store", required=True,
                   help="the service's progress store: a new file, or one this service created "
                        "(kept mode 0600, in a folder only you can write)")
    p.add_argument("--socket", required=True,
                   help="Unix socket to listen on, in a folder only you can write and learners can "
                        "enter; learners set IMBALANCE_LAB_QUIZ_SOCKET to it")
    p.add_argument("--bank", default=None, help="question bank folder (default lessons/quick_tests)")
    p.add_argument("--graded", nargs="+", default=[], metavar="QUIZ",
                   help="graded quizzes (ids, or all): rate-limited, answers shown only when an attempt is over")
    p.add_argument("--rate-limit", default="5/600", metavar="N/SECONDS",
                   help="graded quizzes: at most N submissions per question per SECONDS (default 5/600)")
    p.set_defaults(func=run)


def _stop(signum, frame):
    raise KeyboardInterrupt


def run(args) -> int:
    from grader.quiz.bank import BankError
    from grader.quiz.progress import ProgressStoreError
    from grader.quiz.server import ServiceSetupError, make_server
    from grader.quiz.session import RateLimit

    try:
        server = make_server(args.store, args.socket, args.bank, args.graded, RateLimit.parse(args.rate_limit))
    except (ServiceSetupError, ProgressStoreError, BankError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    limit, graded = server.service.rate_limit, sorted(server.service.graded)
    rules = (f"{', '.join(graded)} (at most {limit.max_submissions} submissions per question per "
             f"{limit.window:g} s)") if graded else "none"
    print(f"Quiz service listening on {args.socket}; store {args.store} (mode 0600); graded quizzes: "
          f"{rules}. Stop with Ctrl-C or SIGTERM.", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("Quiz service stopped.", flush=True)
    return 0
