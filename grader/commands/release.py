"""``course release [--check]``: generate exercises/ from solutions/ with nbgrader."""
from __future__ import annotations

import sys


def register(sub):
    p = sub.add_parser("release", help="generate the student copies in exercises/ from solutions/")
    p.add_argument("--check", action="store_true",
                   help="regenerate into a temporary directory and fail if exercises/ differs")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..release import ROOT, ReleaseError, check, release

    try:
        if args.check:
            drift = check()
            if drift:
                print("exercises/ is out of date with solutions/ (run `course release`):",
                      *drift.lines(), sep="\n  ", file=sys.stderr)
                return 1
            print("exercises/ is in sync with solutions/")
            return 0
        for path in release():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    except ReleaseError as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 1
