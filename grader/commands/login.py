"""``course login NAME`` / ``course logout``: a name for your private practice progress.

The name is a label on this learner's own practice file only. The quiz service, which saves
progress for the course, never reads it: it knows learners by their OS account."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("login", help="save your quick-test practice progress in your private file, as NAME")
    p.add_argument("name")
    p.add_argument("--home", default=None, help="config folder (default $IMBALANCE_LAB_HOME or ~/.imbalance_lab)")
    p.set_defaults(func=run_login)
    q = sub.add_parser("logout", help="stop saving quick-test practice progress")
    q.add_argument("--home", default=None, help="config folder (default $IMBALANCE_LAB_HOME or ~/.imbalance_lab)")
    q.set_defaults(func=run_logout)


def run_login(args) -> int:
    from grader.quiz.identity import login

    try:
        path = login(args.name, args.home)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Logged in as {args.name} (stored in {path}): quick-test practice progress is saved in your "
          "private file. The course's quiz service, when set up, saves your attempts under your OS "
          "account, whatever name you log in with here.")
    return 0


def run_logout(args) -> int:
    from grader.quiz.identity import current_user, logout

    removed = logout(args.home)
    print("Logged out; practice progress is not saved; log in to save it." if removed else "Not logged in.")
    hub = current_user(args.home)
    if hub:
        print(f"Note: JUPYTERHUB_USER={hub} is set, so you are still identified as {hub}.")
    return 0
