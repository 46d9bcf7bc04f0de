"""The instructor's report: one HTML page (and PNG figures) on how a class did on an assignment.

Scores come from nbgrader's gradebook (the store of record, so manual grades count); feedback
lines, errors and grading times come from the per-student result files the autograder writes
(``grader_results/<assignment>/<student>.json``). A student whose result file exists but whose
gradebook write has not happened yet (an interrupted run) is reported from the file.

The page references its figures by relative path (``scores.png`` next to ``report.html``), so
the output folder can be moved or zipped as a whole; it needs nothing else (inline CSS, no
scripts, no network).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from grader.sanitize import text_html

# A number standing alone (not part of a name such as ``w0`` or ``q2_x``): the values the key
# draws at grade time ("with 3 classes", "got 0.54") would otherwise split one mistake in many.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w)")

#: Colours (Okabe-Ito, safe for colour-blind readers): full, partial, zero, not graded yet.
COLOURS = {"full": "#0072B2", "partial": "#56B4E9", "zero": "#D55E00", "ungraded": "#BBBBBB"}
LABELS = {"full": "full marks", "partial": "partial", "zero": "zero", "ungraded": "not graded yet"}
FIGURE_FONT = {"font.size": 16, "axes.titlesize": 19, "axes.titleweight": "bold",
               "axes.labelsize": 16, "xtick.labelsize": 15, "ytick.labelsize": 15,
               "legend.fontsize": 14}


def normalise_feedback(line: str) -> str:
    """A feedback line with stand-alone numbers replaced by ``#`` and spaces collapsed.

    Parameters
    ----------
    line : str
        One feedback line as the grader wrote it.

    Examples
    --------
    >>> normalise_feedback("with 3 classes: the weights are 3 times too large (w0 = 0.54)")
    'with # classes: the weights are # times too large (w0 = #)'
    """
    if not isinstance(line, str):
        raise TypeError(f"line must be a str, got {type(line).__name__}")
    return " ".join(_NUMBER.sub("#", line).split())


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


@dataclass
class ClassResults:
    """One assignment's results: ``questions`` maps grade id -> max points (in notebook order);
    ``students`` maps student id -> record (``score``, ``max_score``, ``status``, ``error``,
    ``seconds`` or None, ``questions``: grade id -> ``points`` (None: not graded yet),
    ``max_points``, ``feedback``); ``notes`` are caveats to show on the page."""

    assignment_id: str
    max_score: float
    questions: dict
    students: dict
    source: str
    notes: list = field(default_factory=list)


def _read_results(store: Path, notes: list) -> dict:
    records = {}
    for path in sorted(store.glob("*.json")) if store.is_dir() else []:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = None
        questions = record.get("questions") if type(record) is dict else None
        if type(questions) is not dict or not all(
                type(q) is dict and isinstance(q.get("points"), (int, float))
                and isinstance(q.get("max_points"), (int, float))
                and type(q.get("feedback", [])) is list for q in questions.values()):
            notes.append(f"{path.name} is not a readable result file and was left out.")
            continue
        records[path.stem] = record
    return records


def load_class(assignment_id: str, course_dir=".", db_url: str | None = None) -> ClassResults:
    """Read one assignment's results from the gradebook and the autograder's result files.

    Raises FileNotFoundError when the default gradebook does not exist, and ValueError naming
    the known assignments when ``assignment_id`` is not in the gradebook.
    """
    from grader.autograde import results_dir
    from nbgrader.api import MissingEntry

    from grader.gradebook import Gradebook, db_url_for

    if not isinstance(assignment_id, str) or not assignment_id:
        raise ValueError("assignment_id must be a non-empty string")
    course_dir = Path(course_dir)
    if db_url is None and not (course_dir / "gradebook.db").is_file():
        raise FileNotFoundError(f"no gradebook at {course_dir / 'gradebook.db'}; run "
                                f"`course autograde {assignment_id} --submissions DIR` first "
                                "(or pass --db URL)")
    url = db_url_for(course_dir, db_url)
    notes: list = []
    files = _read_results(results_dir(course_dir, assignment_id), notes)
    students = {}
    with Gradebook(url) as gb:
        try:
            assignment = gb.find_assignment(assignment_id)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
            raise ValueError(f"unknown assignment {assignment_id!r}: it is not in the gradebook "
                             f"(assignments there: {known})") from None
        questions = {c.name: float(c.max_score) for nb in assignment.notebooks
                     for c in nb.grade_cells}
        max_score = float(assignment.max_score)
        for sub in gb.assignment_submissions(assignment_id):
            sid = sub.student.id
            stored = files.get(sid, {})
            qs = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    graded = g.auto_score is not None or g.manual_score is not None
                    feedback = (stored["questions"].get(g.name) or {}).get("feedback", []) \
                        if stored else []
                    qs[g.name] = {"points": float(g.score) if graded else None,
                                  "max_points": float(g.max_score),
                                  "feedback": [str(f) for f in feedback]}
            students[sid] = {"score": float(sub.score), "max_score": max_score,
                             "status": stored.get("status", "graded"),
                             "error": stored.get("error"), "seconds": stored.get("seconds"),
                             "questions": qs}
    pending = sorted(set(files) - set(students))
    for sid in pending:
        r = files[sid]
        students[sid] = {"score": float(r.get("score", 0)), "max_score": max_score,
                         "status": r.get("status", "graded"), "error": r.get("error"),
                         "seconds": r.get("seconds"),
                         "questions": {g: {"points": float(q["points"]),
                                           "max_points": float(q["max_points"]),
                                           "feedback": [str(f) for f in q.get("feedback", [])]}
                                       for g, q in r["questions"].items()}}
    if pending:
        notes.append(f"{len(pending)} result file(s) are not in the gradebook yet "
                     f"({', '.join(pending)}): run `course autograde` again to record them.")
    order = sorted(questions, key=_natural)
    return ClassResults(assignment_id, max_score, {g: questions[g] for g in order},
                        dict(sorted(students.items())), _display(url), notes)


def _display(url: str) -> str:
    """The gradebook for people: a SQLite file's path (relative when under the current folder),
    else the URL without its password."""
    import os

    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database:
        rel = os.path.relpath(u.database)
        return u.database if rel.startswith("..") else rel
    return u.render_as_string(hide_password=True)


def question_outcomes(results: ClassResults) -> dict:
    """grade id -> counts of students with ``full``, ``partial``, ``zero`` points or
    ``ungraded`` (a manual cell nobody has scored yet, or a question missing from a record)."""
    out = {}
    for gid, top in results.questions.items():
        counts = dict.fromkeys(COLOURS, 0)
        for record in results.students.values():
            points = (record["questions"].get(gid) or {}).get("points")
            kind = ("ungraded" if points is None else "full" if points >= top - 1e-9
                    else "zero" if points <= 1e-9 else "partial")
            counts[kind] += 1
        out[gid] = counts
    return out


def common_mistakes(results: ClassResults) -> list[dict]:
    """Feedback on questions without full marks, grouped by question and normalised line.

    Returns rows ``{"question", "line", "students", "example"}``, most frequent first:
    ``students`` counts each student once; ``line`` is the wording as given when every student
    got the same one, else the normalised line, and then ``example`` is one of the wordings. Lines that repeat the
    submission's error are left out: the errors table shows those.
    """
    groups: dict = {}
    for sid, record in results.students.items():
        error = normalise_feedback(record["error"]) if record.get("error") else None
        for gid, q in record["questions"].items():
            if q["points"] is None or q["points"] >= q["max_points"] - 1e-9:
                continue
            for line in q["feedback"]:
                norm = normalise_feedback(line)
                if not norm or (error and error in norm):
                    continue
                group = groups.setdefault((gid, norm), {"students": set(), "lines": set()})
                group["students"].add(sid)
                group["lines"].add(line)
    rows = [{"question": gid, "students": len(g["students"]),
             "line": norm if len(g["lines"]) > 1 else next(iter(g["lines"])),
             "example": min(g["lines"]) if len(g["lines"]) > 1 else None}
            for (gid, norm), g in groups.items()]
    return sorted(rows, key=lambda r: (-r["students"], _natural(r["question"]), r["line"]))


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _figure(size):
    """A figure outside pyplot (no global state, no GUI backend); call inside the rc context."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _save(fig, path: Path):
    fig.savefig(path, dpi=100, facecolor="white")


def score_figure(results: ClassResults, path: Path) -> str:
    """Histogram of total scores (could-not-grade submissions stacked in a second colour) with
    the maximum and the median marked; returns the title (the finding)."""
    import matplotlib
    import numpy as np

    top = results.max_score
    records = list(results.students.values())
    scores = np.array([r["score"] for r in records])
    errors = np.array([r["status"] == "error" for r in records])
    width = max(top / 20, 0.5) if top > 0 else 1.0
    edges = np.arange(-width / 2, max(top, scores.max()) + width, width)  # bins centred on scores
    median = float(np.median(scores))
    full = int(np.sum(scores >= top - 1e-9)) if top > 0 else 0
    title = (f"Median {_fmt(median)} of {_fmt(top)} points; "
             f"{full} of {len(scores)} at full marks")
    with matplotlib.rc_context(FIGURE_FONT):
        fig, ax = _figure((10, 4.8))
        series = [(scores[~errors], COLOURS["full"], "graded")]
        if errors.any():
            series.append((scores[errors], COLOURS["zero"], "could not be graded"))
        data, colours, names = zip(*series)
        ax.hist(list(data), bins=edges, stacked=True, rwidth=0.85, color=list(colours),
                label=list(names))
        ax.axvline(top, color="black", linestyle="--", linewidth=2.5, label=f"max {_fmt(top)}")
        ax.axvline(median, color="#444444", linestyle=":", linewidth=2.5,
                   label=f"median {_fmt(median)}")
        ax.set(title=title, xlabel="total score (points)", ylabel="students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlim(edges[0], edges[-1] + width / 2)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        _save(fig, path)
    return title


def question_figure(results: ClassResults, outcomes: dict, path: Path) -> str:
    """Stacked horizontal bars: share of students with full / partial / zero points per grade
    id; returns the title, naming the question with the fewest full marks."""
    import matplotlib
    import numpy as np
    from matplotlib.ticker import PercentFormatter

    n = len(results.students)
    gids = list(outcomes)
    share = {k: np.array([outcomes[g][k] / n for g in gids]) for k in COLOURS}
    # the hardest question among those graded so far (a manual one nobody scored yet is not hard)
    graded = [g for g in gids if outcomes[g]["ungraded"] < n] or gids
    hardest = min(graded, key=lambda g: outcomes[g]["full"])
    pct = round(100 * outcomes[hardest]["full"] / n)
    title = (f"Every question: {pct}% full marks" if all(
        outcomes[g]["full"] == outcomes[hardest]["full"] for g in graded)
        else f"Hardest: {hardest}, {pct}% full marks")
    with matplotlib.rc_context(FIGURE_FONT):
        fig, ax = _figure((10, 2.2 + 0.9 * len(gids)))
        labels = [f"{g}\n({_fmt(results.questions[g])} pt{'' if results.questions[g] == 1 else 's'})"
                  for g in gids]
        left = np.zeros(len(gids))
        for kind, colour in COLOURS.items():
            if not share[kind].any():
                continue
            ax.barh(labels, share[kind], left=left, color=colour, label=LABELS[kind], height=0.7)
            for y, (x0, w) in enumerate(zip(left, share[kind])):
                if w >= 0.09:
                    ax.text(x0 + w / 2, y, f"{round(100 * w)}%", ha="center", va="center",
                            color="white" if kind in ("full", "zero") else "black",
                            fontweight="bold")
            left += share[kind]
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set(title=title, xlabel=f"share of the class (n = {n})")
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(loc="outside lower center", ncols=4, frameon=False)
        _save(fig, path)
    return title


def time_figure(seconds: dict, path: Path) -> str:
    """Histogram of grading seconds per submission; returns the title."""
    import matplotlib
    import numpy as np

    values = np.array(list(seconds.values()))
    slowest = max(seconds, key=seconds.get)
    title = (f"Median {np.median(values):.1f} s per submission; "
             f"slowest {seconds[slowest]:.1f} s")
    with matplotlib.rc_context(FIGURE_FONT):
        fig, ax = _figure((10, 4.2))
        ax.hist(values, bins=min(20, max(5, len(values))), color=COLOURS["full"], rwidth=0.85)
        ax.set(title=title, xlabel="seconds to grade one submission", ylabel="submissions")
        ax.set_xlim(left=0)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        _save(fig, path)
    return title


_CSS = """
body{font:17px/1.5 system-ui,sans-serif;max-width:1040px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.9em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:2px solid #ddd}
.meta{color:#666;font-size:.9em} img{max-width:100%;height:auto}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}
.card{flex:1 1 0;border:1px solid #ccc;border-radius:8px;padding:.4em .8em;min-width:6.5em}
.card b{display:block;font-size:1.7em} .card.bad b{color:#D55E00}
table{border-collapse:collapse;width:100%;margin:.6em 0} th,td{text-align:left;padding:.35em .6em;
border-bottom:1px solid #ddd;vertical-align:top} th{background:#f3f3f3} td.n{text-align:right}
.ex{color:#666;font-size:.88em} .note{background:#fff6e0;border-left:4px solid #E69F00;padding:.4em .8em}
code{background:#f3f3f3;padding:0 .2em}
"""


def _table(header, rows, numeric=()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f"<td{' class=n' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(results: ClassResults, titles: dict, outcomes: dict, mistakes: list,
                top_mistakes: int = 15) -> str:
    """The report page; ``titles`` maps figure file name -> its title (the alt text)."""
    esc = html.escape
    records = results.students
    n = len(records)
    scores = [r["score"] for r in records.values()]
    errors = {s: r for s, r in records.items() if r["status"] == "error"}
    top = results.max_score
    full = sum(s >= top - 1e-9 for s in scores)
    cards = [("students", n, False), ("graded", n - len(errors), False),
             ("could not be graded", len(errors), bool(errors)),
             ("mean score", f"{_fmt(statistics.fmean(scores))} / {_fmt(top)}", False),
             ("median score", f"{_fmt(statistics.median(scores))} / {_fmt(top)}", False),
             ("full marks", full, False)]
    parts = [f"<h1>{esc(results.assignment_id)}: class report</h1>",
             f"<p class=meta>Generated {dt.datetime.now():%Y-%m-%d %H:%M} from the gradebook "
             f"<code>{esc(results.source)}</code> and the autograder's result files.</p>"]
    parts += [f"<p class=note>{esc(note)}</p>" for note in results.notes]
    parts.append("<section id=summary><h2>Summary</h2><div class=cards>" + "".join(
        f"<div class='card{' bad' if bad else ''}'><b>{esc(str(v))}</b>{esc(k)}</div>"
        for k, v, bad in cards) + "</div></section>")

    def figure(name):
        return f"<img src='{name}' alt='{esc(titles[name])}'>"

    parts.append("<section id=scores><h2>Score distribution</h2>" + figure("scores.png")
                 + "</section>")
    qrows = []
    for gid, c in outcomes.items():
        pts = [(records[s]["questions"].get(gid) or {}).get("points") for s in records]
        got = [p for p in pts if p is not None]
        qrows.append([f"<code>{esc(gid)}</code>", _fmt(results.questions[gid]),
                      _fmt(statistics.fmean(got)) if got else "n/a",
                      c["full"], c["partial"], c["zero"]]
                     + ([c["ungraded"]] if any(o["ungraded"] for o in outcomes.values()) else []))
    qhead = ["question", "points", "mean", "full marks", "partial", "zero"]
    qhead += ["not graded yet"] if len(qrows[0]) > len(qhead) else []
    parts.append("<section id=questions><h2>Per-question pass rates</h2>" + figure("questions.png")
                 + _table(qhead, qrows, numeric=range(1, len(qhead))) + "</section>")

    mrows = [[r["students"], f"<code>{esc(r['question'])}</code>", text_html(r["line"])
              + (f"<div class=ex>e.g. {text_html(r['example'])}</div>"
                 if r["example"] else "")]
             for r in mistakes[:top_mistakes]]
    more = len(mistakes) - len(mrows)
    parts.append(
        "<section id=mistakes><h2>Most common mistakes</h2><p>Feedback lines on questions "
        "without full marks, counted once per student. Where the wording differs only in "
        "numbers (values drawn at grade time), the numbers are shown as <code>#</code>.</p>"
        + (_table(["students", "question", "feedback"], mrows, numeric=(0,)) if mrows
           else "<p>No feedback on lost points: every graded question got full marks.</p>")
        + (f"<p class=meta>{more} less frequent line(s) not shown.</p>" if more > 0 else "")
        + "</section>")

    erows = [[f"<code>{esc(s)}</code>", f"{_fmt(r['score'])} / {_fmt(top)}",
              esc(r["error"] or "no reason recorded")] for s, r in errors.items()]
    parts.append("<section id=errors><h2>Submissions with errors</h2>"
                 + (_table(["student", "score", "why"], erows) if erows
                    else "<p>No submission had errors.</p>") + "</section>")

    seconds = {s: float(r["seconds"]) for s, r in records.items()
               if isinstance(r.get("seconds"), (int, float))}
    if seconds:
        slowest = max(seconds, key=seconds.get)
        missing = sorted(set(records) - set(seconds))
        text = (f"<p>Grading took <b>{sum(seconds.values()):.1f} s</b> in total over "
                f"{len(seconds)} submission(s) (the sum of per-submission times; parallel workers "
                f"make the wall-clock time shorter): median <b>{statistics.median(seconds.values()):.1f}"
                f" s</b> per submission, slowest {seconds[slowest]:.1f} s "
                f"(<code>{esc(slowest)}</code>).</p>")
        if missing:
            text += (f"<p class=meta>Not recorded for {len(missing)} submission(s): "
                     f"{esc(', '.join(missing))}.</p>")
        body = text + figure("time.png")
    else:
        body = "<p>Time to grade: <b>not recorded</b> (the result files have no timings).</p>"
    parts.append(f"<section id=time><h2>Time to grade</h2>{body}</section>")
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>{esc(results.assignment_id)}: class report</title><style>{_CSS}</style>"
            "</head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write_report(assignment_id: str, course_dir=".", db_url: str | None = None,
                 out_dir=None) -> Path:
    """Write ``report.html`` and its PNG figures; return the page's path.

    ``out_dir`` defaults to ``<course_dir>/reports/<assignment_id>``. Raises ValueError when no
    submission of the assignment has been graded yet (or it is unknown), FileNotFoundError when
    there is no gradebook.
    """
    results = load_class(assignment_id, course_dir, db_url)
    if not results.students:
        raise ValueError(f"no submissions of {assignment_id!r} have been graded yet, so there is "
                         f"nothing to report; run `course autograde {assignment_id} "
                         "--submissions DIR` first")
    if not results.questions:
        raise ValueError(f"{assignment_id!r} has no graded cells in the gradebook")
    out = Path(out_dir) if out_dir is not None else Path(course_dir) / "reports" / assignment_id
    out.mkdir(parents=True, exist_ok=True)
    outcomes = question_outcomes(results)
    waiting = [g for g, c in outcomes.items() if c["ungraded"]]
    if waiting:
        pts = sum(results.questions[g] for g in waiting)
        results.notes.append(f"Not graded yet for some students: {', '.join(waiting)} (manual "
                             f"grading in formgrader). Scores are out of {_fmt(results.max_score)} "
                             f"and count those {_fmt(pts)} point(s) as 0 until they are graded.")
    titles = {"scores.png": score_figure(results, out / "scores.png"),
              "questions.png": question_figure(results, outcomes, out / "questions.png")}
    seconds = {s: float(r["seconds"]) for s, r in results.students.items()
               if isinstance(r.get("seconds"), (int, float))}
    if seconds:
        titles["time.png"] = time_figure(seconds, out / "time.png")
    page = out / "report.html"
    page.write_text(render_html(results, titles, outcomes, common_mistakes(results)))
    return page
