"""Build a static HTML copy of the course: every lesson executed (outputs and plots inline) plus an
index page that follows the learning path. Opens in any browser, no Jupyter needed.

Lessons are executed with papermill on temporary copies (never in place), in parallel.
"""
from __future__ import annotations

import html
import importlib.util
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]

# The syllabus's learning path, Start -> Then -> Next -> Finally, then the lessons that put the
# stages together. Lessons are numbered in this order and each names its stage in its first cell;
# tests/lessons/test_learning_path.py checks that the notebooks, this table, lesson 09's table and
# the README agree.
LEARNING_PATH = [
    ("Start", "Dataset exploration and deduplication", ["01", "02", "03"]),
    ("Then", "Stratified sampling and labeling guidelines for minority classes", ["04"]),
    ("Next", "Active learning loops and augmentation for text", ["05", "06"]),
    ("Finally", "Threshold tuning, calibration, and cost-sensitive evaluation", ["07"]),
    ("Together", "Worked examples and the playbook: the four stages end to end; deep learning as an optional extra",
     ["08", "09", "10"]),
]


@dataclass
class LessonPage:
    number: str
    title: str
    goal: str
    source: Path
    executed: Path
    html: Path
    seconds: float


def lesson_paths(lessons_dir: Path = REPO / "lessons") -> list[Path]:
    return sorted(Path(lessons_dir).glob("[0-9][0-9]_*.ipynb"))


def missing_extras(path: Path) -> tuple[list[str], str]:
    """The modules a lesson needs beyond the core install that are not importable here, and how to
    install them: its notebook metadata ``imbalance_lab: {requires: [...], install: "..."}``
    (lesson 10 needs PyTorch, an optional extra)."""
    meta = nbformat.read(path, as_version=4).metadata.get("imbalance_lab", {})
    missing = [m for m in meta.get("requires", []) if importlib.util.find_spec(m) is None]
    return missing, meta.get("install", "")


def _title_and_goal(nb) -> tuple[str, str]:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    title = next((line.lstrip("# ").strip() for line in first.splitlines() if line.startswith("# ")), "")
    # The goal is a whole paragraph: up to a blank line or the next bold lead-in ("**Where ...").
    goal = re.search(r"\*\*Goal:?\*\*:?\s*(.+?)(?=\n\s*\n|\n\*\*|\Z)", first, re.S)
    return title, " ".join(goal.group(1).split()) if goal else ""


def _inline_markdown(text: str) -> str:
    """Escaped ``text`` with the markdown the goals use (`code`, *emphasis*) as HTML."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)


def execute_lesson(source: Path, out_dir: Path, timeout: int = 300) -> tuple[Path, float]:
    """Execute a copy of ``source`` with papermill; return the executed notebook and seconds taken."""
    import papermill

    work = out_dir / "_work"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / source.name
    copy.write_bytes(source.read_bytes())
    executed = out_dir / "executed" / source.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    papermill.execute_notebook(str(copy), str(executed), cwd=str(work), kernel_name="python3",
                               progress_bar=False, execution_timeout=timeout)
    return executed, time.perf_counter() - start


QUIZ_CALL = re.compile(r"""quick_test\(\s*["']?(\w+)["']?\s*\)""")


def static_quiz_html(quiz_id: str) -> str:
    """The quick test as plain text for the static site, where its widget cannot run.

    Questions and options only (no answers); ordering steps appear sorted, not in the right order,
    and parameterized numbers are one fixed draw.
    """
    from grader.quiz.bank import load_quiz
    from grader.quiz.params import draw

    quiz = load_quiz(quiz_id)
    items = []
    for q in quiz.questions:
        prompt = q.prompt.format(**draw(q.generator, 0).values) if q.generator else q.prompt
        choices = [o.text for o in q.options]
        if q.type == "ordering":
            right = [o.text for o in q.steps]
            choices = sorted(right) if sorted(right) != right else right[::-1]
        kind = {"multiple_select": " (select all that apply)", "ordering": " (put in order)"}.get(q.type, "")
        listed = "".join(f"<li>{html.escape(str(c))}</li>" for c in choices)
        items.append(f"<li><p>{html.escape(prompt)}{kind}</p>"
                     + (f'<ol type="A">{listed}</ol>' if listed else "") + "</li>")
    return (f'<div class="quick-test-static"><p><strong>Quick test: {html.escape(quiz.title)}</strong> '
            f"({len(quiz)} questions). In Jupyter this cell shows the quiz with instant feedback; in "
            f"a terminal run <code>course quiz {html.escape(quiz_id)}</code>. Progress is saved only "
            f"by the course's quiz service, when your instructor runs one.</p><ol>{''.join(items)}</ol></div>")


def _with_static_quizzes(nb):
    """Replace each ``quick_test(...)`` cell's widget output (blank outside Jupyter) with text."""
    for cell in nb.cells:
        match = QUIZ_CALL.search(cell.source) if cell.cell_type == "code" else None
        if match:
            cell.outputs = [nbformat.v4.new_output("display_data",
                                                   data={"text/html": static_quiz_html(match.group(1))})]
    return nb


def render_html(executed: Path, out: Path) -> Path:
    """Convert an executed notebook to one self-contained HTML file (plots inline as data URIs)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    nb = _with_static_quizzes(nbformat.read(executed, as_version=4))
    body, _ = exporter.from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")
    return out


def build_site(out_dir: Path, lessons: list[Path] | None = None, workers: int = 2,
               timeout: int = 300) -> list[LessonPage]:
    """Execute and render every lesson into ``out_dir`` and write ``out_dir/index.html``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lessons = lesson_paths() if lessons is None else list(lessons)
    if not lessons:
        raise FileNotFoundError("no lessons found (expected lessons/NN_topic.ipynb)")
    # A lesson that needs an optional extra which is not installed is left out (and listed as such).
    skipped = {p.name[:2]: missing_extras(p) for p in lessons}
    skipped = {n: f"needs {', '.join(m)}: {how}" for n, (m, how) in skipped.items() if m}
    lessons = [p for p in lessons if p.name[:2] not in skipped]

    def one(source: Path) -> LessonPage:
        executed, seconds = execute_lesson(source, out_dir, timeout)
        title, goal = _title_and_goal(nbformat.read(source, as_version=4))
        page = render_html(executed, out_dir / f"{source.stem}.html")
        return LessonPage(source.name[:2], title, goal, source, executed, page, seconds)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pages = list(pool.map(one, lessons))
    (out_dir / "index.html").write_text(index_html(pages, skipped), encoding="utf-8")
    return pages


def index_html(pages: list[LessonPage], skipped: dict[str, str] | None = None) -> str:
    """The index page; ``skipped`` maps lessons left out of this build to the reason."""
    by_number = {p.number: p for p in pages}
    skipped = skipped or {}

    def entry(n: str) -> str:
        if n in by_number:
            return link(by_number[n])
        return f"{n} (not built here: {html.escape(skipped[n])})" if n in skipped else ""

    def link(p: LessonPage) -> str:
        return f'<a href="{html.escape(p.html.name)}">{html.escape(p.title)}</a>'

    path_rows = "".join(
        f"<tr><th>{stage}</th><td>{html.escape(what)}</td>"
        f"<td>{', '.join(e for e in map(entry, numbers) if e)}</td></tr>"
        for stage, what, numbers in LEARNING_PATH)
    lessons = "".join(f'<li>{link(p)}<br><span class="goal">{_inline_markdown(p.goal)}</span></li>'
                      for p in sorted(pages, key=lambda p: p.number))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Imbalance Lab</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
h2 {{ margin-top: 1.8rem; font-size: 1.15rem; color: #1f4e79; }}
table {{ border-collapse: collapse; }} th, td {{ text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
.lessons {{ list-style: none; padding-left: 0; }} li {{ margin: .55rem 0; }} .goal {{ color: #555; font-size: .92rem; }} a {{ font-weight: 600; }}
</style></head><body>
<h1>Imbalance Lab</h1>
<p>Handling class imbalance in NLP datasets: every lesson executed, with its outputs and plots.
Exercises and quick tests need Jupyter; see the README.</p>
<h2>Learning path</h2><table>{path_rows}</table>
<h2>Lessons</h2><ul class="lessons">{lessons}</ul>
</body></html>
"""
