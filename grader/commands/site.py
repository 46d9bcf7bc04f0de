"""``course site``: build the static HTML copy of the course (lessons executed, plus an index)."""
from __future__ import annotations

from pathlib import Path


def register(sub):
    p = sub.add_parser("site", help="build a static HTML copy of the course (lessons executed)")
    p.add_argument("--out", default="_build/site", help="output folder (default: _build/site)")
    p.add_argument("--workers", type=int, default=2, help="lessons executed in parallel")
    p.set_defaults(func=run)


def run(args) -> int:
    from grader.site import build_site, lesson_paths, missing_extras

    pages = build_site(Path(args.out), workers=args.workers)
    for page in pages:
        print(f"{page.number}  {page.seconds:5.1f} s  {page.html}")
    for path in lesson_paths():
        missing, how = missing_extras(path)
        if missing:
            print(f"{path.name[:2]}  left out: it needs {', '.join(missing)} ({how})")
    print(f"open {Path(args.out) / 'index.html'}")
    return 0
