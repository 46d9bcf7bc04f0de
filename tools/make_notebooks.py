"""Write each assignment's source notebooks (solutions/<id>/<notebook>.ipynb) from its folder.

Usage: ``python tools/make_notebooks.py`` (write) or ``python tools/make_notebooks.py --check``
(exit 1 when a committed notebook differs). Then ``course release`` generates exercises/.

Every assignment registered in grader/assignments is built from its folder: the text and cell
order in ``notebook.py``, the code cells in ``solution.py``, the points in the declaration
(:mod:`grader.authoring`). Notebooks are stored without outputs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.assignments import ASSIGNMENTS
from grader.authoring import build, render

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a notebook differs")
    args = parser.parse_args(argv)
    drift = []
    for aid in ASSIGNMENTS:
        for name, nb in build(aid).items():
            path = ROOT / "solutions" / aid / f"{name}.ipynb"
            text = render(nb)
            if args.check:
                if not path.exists() or path.read_text() != text:
                    drift.append(str(path.relative_to(ROOT)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
    if drift:
        print("out of date (run python tools/make_notebooks.py):", *drift, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
