"""``course quiz LESSON``: take a quick test in the terminal (answers from stdin)."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("quiz", help="take a lesson's quick test (01..09 or final)")
    p.add_argument("lesson", help="quiz id: 01..09 or final")
    p.add_argument("--seed", type=int, default=None, help="seed for this attempt's numbers and order")
    p.add_argument("--store", default=None, help="progress store (default $IMBALANCE_LAB_PROGRESS)")
    p.add_argument("--bank", default=None, help="question bank folder (default lessons/quick_tests)")
    p.add_argument("--graded", action="store_true",
                   help="graded version: rate-limited submissions per question")
    p.add_argument("--rate-limit", default=None, metavar="N/SECONDS",
                   help="with --graded: at most N submissions per question per SECONDS "
                        "(default $IMBALANCE_LAB_RATE_LIMIT or 5/600)")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.quiz.bank import BankError, load_quiz
    from grader.quiz.cli import graded_rate_limit, run_session
    from grader.quiz.session import QuizSession

    try:
        quiz = load_quiz(args.lesson, args.bank)
        limit = graded_rate_limit(args.rate_limit) if args.graded else None
    except (BankError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    session = QuizSession(quiz, store=args.store, seed=args.seed, rate_limit=limit, graded=args.graded)
    return run_session(session, sys.stdin, sys.stdout)
