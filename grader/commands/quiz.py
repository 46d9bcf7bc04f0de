"""``course quiz LESSON``: take a quick test in the terminal (answers from stdin)."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("quiz", help="take a lesson's quick test (01..10 or final)")
    p.add_argument("lesson", help="quiz id: 01..10 or final")
    p.add_argument("--service", default=None, metavar="SOCKET",
                   help="the course's quiz service, which saves your attempts under your account "
                        "(default $IMBALANCE_LAB_QUIZ_SOCKET; without one the quiz is practice)")
    p.add_argument("--seed", type=int, default=None,
                   help="practice only: seed for this attempt's numbers and order")
    p.add_argument("--store", default=None,
                   help="practice only: your private progress file (default $IMBALANCE_LAB_PROGRESS)")
    p.add_argument("--bank", default=None, help="practice only: question bank folder (default lessons/quick_tests)")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.quiz.bank import BankError
    from grader.quiz.cli import run_session
    from learner.quiz.client import ServiceError, open_session

    try:
        session = open_session(args.lesson, service=args.service, seed=args.seed, store=args.store,
                               bank=args.bank)
    except (BankError, ValueError, OSError, ServiceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return run_session(session, sys.stdin, sys.stdout)
