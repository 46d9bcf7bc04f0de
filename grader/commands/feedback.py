"""``course feedback ASSIGNMENT``: per-student HTML feedback (public tests and verdicts only).

The page is the student's autograded notebook (rebuilt from the released copy, so it holds only
public tests; hidden checks live in the grader-side key and never enter a notebook) with a summary
of points and feedback lines on top, and under each question the pictures the key drew for it
(``feedback_artifacts/<assignment>/<student>/``), embedded so the page is a single file.
Nothing the student wrote is active in the page (:mod:`grader.sanitize`). Written to
``feedback/<student>/<assignment>/<nb>.html``.
"""
from __future__ import annotations

import base64
import html
import json
import sys
from pathlib import Path

from grader.sanitize import clean_notebook, html_block, lines_html, text_html


def register(sub):
    p = sub.add_parser("feedback", help="write per-student HTML feedback for an autograded assignment")
    p.add_argument("assignment")
    p.add_argument("--course-dir", default=".", metavar="DIR")
    p.set_defaults(func=run)


def summary_html(record: dict, artifacts=None) -> str:
    """The feedback summary of one result record, as HTML (every recorded string escaped: error
    messages and feedback lines may quote the student's own text).

    ``artifacts``: the student's artifacts directory; each question's ``figures`` found there
    are embedded as PNG data URIs (a missing file is skipped).
    """
    parts = [f"<h1>Feedback: {record['score']:g} / {record['max_score']:g} points</h1>"]
    if record["status"] == "error":
        parts.append("<p><strong>Your notebook could not be graded completely:</strong> "
                     f"{text_html(record['error'])}</p>")
    for gid, q in record["questions"].items():
        parts.append(f"<p><strong>{html.escape(gid)}</strong>: {q['points']:g} / {q['max_points']:g}</p>")
        parts.append(lines_html(q["feedback"]))
        for name in q.get("figures", []) if artifacts is not None else []:
            path = Path(artifacts) / Path(str(name)).name
            if path.suffix == ".png" and path.is_file():
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                parts.append(f'<p><img alt="{html.escape(path.stem, quote=True)}" '
                             f'src="data:image/png;base64,{data}" style="max-width:100%"></p>')
    return "".join(parts)


def write_feedback(assignment_id: str, course_dir) -> list[Path]:
    import nbformat
    from nbconvert import HTMLExporter

    from grader.autograde import notebook_id, results_dir
    from grader.contract import load_assignment

    course_dir = Path(course_dir)
    try:
        names = [notebook_id(load_assignment(assignment_id))]
    except ValueError:  # no key: an nbgrader assignment, every notebook that was autograded
        names = None
    store = results_dir(course_dir, assignment_id)
    if not store.is_dir():
        raise FileNotFoundError(f"no autograde results in {store}; run `course autograde` first")
    exporter = HTMLExporter()
    written = []
    for path in sorted(store.glob("*.json")):
        record = json.loads(path.read_text())
        sid = path.stem
        folder = course_dir / "autograded" / sid / assignment_id
        found = names or sorted(p.stem for p in folder.glob("*.ipynb")) or [assignment_id]
        for i, nb_id in enumerate(found):
            graded = folder / f"{nb_id}.ipynb"
            nb = nbformat.read(graded, as_version=4) if graded.is_file() else nbformat.v4.new_notebook()
            clean_notebook(nb)  # autograde cleaned it already, unless an older version wrote it
            if i == 0:  # the summary of the whole assignment, on its first notebook
                artifacts = course_dir / "feedback_artifacts" / assignment_id / sid
                nb.cells.insert(0, nbformat.v4.new_markdown_cell(html_block(summary_html(record, artifacts))))
            html, _ = exporter.from_notebook_node(nb)
            out = course_dir / "feedback" / sid / assignment_id / f"{nb_id}.html"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html)
            written.append(out)
    return written


def run(args) -> int:
    try:
        paths = write_feedback(args.assignment, args.course_dir)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths)} feedback files under {Path(args.course_dir) / 'feedback'}")
    return 0
