"""What the autograded notebook keeps of a student's work: text, images and plain HTML (pandas
tables included), nothing that can run or load in the page that shows it (grader.sanitize).

The real-browser proof is tests/browser/test_student_pages.py; these check the notebook itself.
"""
import base64
import re
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from grader.pipeline.record import autograded_notebook as _autograded_notebook
from grader.commands.feedback import summary_html
from grader.sanitize import clean_html, clean_notebook, html_block, markdown_html

# A 1x1 PNG.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5"
       "ErkJggg==")
JS = "window.__pwned=1"
# Student HTML of each shape that runs a script or loads something when a page shows it.
HOSTILE_HTML = {
    "script tag": f"<script>{JS}</script>",
    "img onerror": f'<img src=x onerror="{JS}">',
    "svg onload": f'<svg onload="{JS}"><circle r=5 /></svg>',
    "javascript link": f'<a href="javascript:{JS}">pwn-link</a>',
    "iframe srcdoc": f'<iframe srcdoc="<script>{JS}</script>"></iframe>',
    "details ontoggle": f'<details open ontoggle="{JS}"><summary>s</summary></details>',
    "remote image": '<img src="http://127.0.0.1:9/pwned.png">',
    "css url": '<div style="background-image:url(http://127.0.0.1:9/pwned)">x</div>',
    "style sheet": '<style>@import url("http://127.0.0.1:9/pwned.css");</style>',
    "form": '<form action="http://127.0.0.1:9/pwned"><button>go</button></form>',
    "svg data image": f'<img src="data:image/svg+xml;base64,{base64.b64encode(b"<svg/>").decode()}">',
}


def active(fragment: str) -> list[str]:
    """What in ``fragment`` could run a script or load something when a page shows it."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in {"script", "svg", "math", "iframe", "frame", "style", "form", "object",
                       "embed", "link", "base", "meta", "input", "button"}:
                found.append(f"<{tag}>")
            for name, value in attrs:
                value = (value or "").strip().lower()
                if name.startswith("on"):
                    found.append(f"{tag} {name}")
                elif name == "href" and not re.match(r"(https?:|mailto:|#)", value):
                    found.append(f"{tag} href={value}")
                elif name in ("src", "srcset", "srcdoc", "data", "action", "poster", "background") \
                        and not (name == "src" and re.match(r"data:image/(png|jpeg);base64,", value)):
                    found.append(f"{tag} {name}={value[:30]}")
                elif name == "style" and "url(" in value.replace(" ", ""):
                    found.append(f"{tag} style={value}")

    Parser().feed(fragment)
    return found


def _display(data: dict, metadata=None):
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})


def _graded(outputs, markdown=(), verdicts=None):
    """The autograded notebook of a submission with one code cell printing ``outputs`` and
    student markdown cells ``markdown``."""
    cells = [nbformat.v4.new_code_cell("show()")]
    cells += [nbformat.v4.new_markdown_cell(m) for m in markdown]
    cells[0].metadata["nbgrader"] = {"grade_id": "q1", "grade": True, "solution": False}
    nb = nbformat.v4.new_notebook(cells=cells)
    return _autograded_notebook(nb, [{"execution_count": 1, "outputs": outputs}], verdicts or {})


def _html_parts(nb) -> list[str]:
    """Every piece of the notebook that nbconvert inserts into a page as HTML."""
    parts = [c.source for c in nb.cells if c.cell_type in ("markdown", "raw")]
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts += [v for k, v in out.get("data", {}).items() if k != "text/plain"]
    return parts


def test_pandas_table_survives_and_its_script_neighbour_does_not():
    df = pd.DataFrame({"label": ["rare", "common"], "count": [3, 97]})
    nb = _graded([_display({"text/html": df._repr_html_() + f"<script>{JS}</script>",
                            "text/plain": repr(df)})])
    shown = nb.cells[0].outputs[0]["data"]["text/html"]
    assert "<script" not in shown
    assert '<table border="1" class="dataframe">' in shown
    cells = re.findall(r"<t[hd]>([^<]*)</t[hd]>", shown)
    assert cells == ["", "label", "count", "0", "rare", "3", "1", "common", "97"]
    assert '<tr style="text-align:right">' in shown


@pytest.mark.parametrize("name", HOSTILE_HTML)
def test_hostile_html_output_is_cut_down(name):
    payload = HOSTILE_HTML[name]
    nb = _graded([_display({"text/html": f"<p>kept text</p>{payload}"}),
                  _display({"text/markdown": f"kept *markdown* {payload}"})])
    html, markdown = (o["data"]["text/html"] for o in nb.cells[0].outputs)
    assert "<p>kept text</p>" in html and "kept <em>markdown</em>" in markdown
    for shown in (html, markdown):
        assert not active(shown), shown


@pytest.mark.parametrize("name", HOSTILE_HTML)
def test_raw_html_in_student_markdown_is_cut_down(name):
    nb = _graded([], markdown=[f"My **answer**: $x_1 < y$\n\n{HOSTILE_HTML[name]}\n\nmore text"])
    source = nb.cells[1].source
    assert not active(source), source
    rendered = markdown2html_mistune(source)  # as formgrader and feedback render a Markdown cell
    assert rendered.strip() == source  # one raw-HTML line: shown exactly as cleaned
    assert "My <strong>answer</strong>: $x_1 &lt; y$" in source and "more text" in source


def test_markdown_links_images_and_raw_cells():
    nb = _graded([], markdown=["[pwn](javascript:alert(1)) [site](https://example.org) "
                               "![diagram](attachment:diagram.png) ![remote](http://127.0.0.1:9/x.png)"])
    nb.cells.append(nbformat.v4.new_raw_cell(f"<script>{JS}</script> a < b"))
    clean_notebook(nb)
    shown = nb.cells[1].source
    assert not active(shown), shown
    assert 'href="https://example.org"' in shown and "diagram" in shown
    assert nb.cells[-1].cell_type == "markdown"  # a raw cell is shown as the text it holds
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt; a &lt; b" in nb.cells[-1].source
    assert not active(nb.cells[-1].source)


def test_only_text_and_png_jpeg_outputs_are_kept():
    outputs = [
        _display({"image/png": PNG, "text/plain": "<Figure>"},
                 {"image/png": {"width": 120, "height": "1 onload=x()"},
                  "filenames": {"image/png": "x"}}),
        _display({"image/png": f'{PNG}" onerror="{JS}', "text/plain": "<Figure>"}),
        _display({"application/javascript": JS, "text/plain": "<Javascript object>"}),
        _display({"image/svg+xml": f"<svg><script>{JS}</script></svg>"}),
        _display({"text/latex": r"\href{javascript:x}{y}", "application/vnd.jupyter.widget-view+json":
                  {"model_id": "m", "version_major": 2, "version_minor": 0}}),
        _display({"text/html": f"<script>{JS}</script>", "text/plain": "<HTML object>"}),
        nbformat.v4.new_output("stream", name="stdout", text="<script>printed</script>"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="<img src=x onerror=f()>",
                               traceback=["ValueError: <img src=x onerror=f()>"]),
    ]
    png, bad_png, js, svg, latex, script, stream, error = nb_outputs = _graded(outputs).cells[0].outputs
    assert png == {"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"},
                   "metadata": {"image/png": {"width": 120}}}
    assert bad_png["data"] == {"text/plain": "[output of type image/png not shown: pages of graded "
                                             "work show only text, valid PNG/JPEG images and plain "
                                             "HTML]\n<Figure>"}
    assert js["data"]["text/plain"].startswith("[output of type application/javascript not shown")
    assert svg["data"]["text/plain"].startswith("[output of type image/svg+xml not shown")
    assert set(latex["data"]) == {"text/plain"} and "text/latex" in latex["data"]["text/plain"]
    assert script["data"] == {"text/plain": "[output of type text/html not shown: pages of graded work "
                              "show only text, valid PNG/JPEG images and plain HTML]\n"
                              "<HTML object>"}  # nothing of it was left
    # text is escaped by every renderer: kept as the student printed it
    assert stream["text"] == "<script>printed</script>" and error["evalue"] == "<img src=x onerror=f()>"
    assert not [a for p in _html_parts(_graded(outputs)) for a in active(p)]
    nbformat.validate(_graded(outputs))
    assert len(nb_outputs) == len(outputs)


def test_verdict_notes_escape_the_student_text_they_quote():
    verdicts = {"q1": {"points": 0.0, "max_points": 2.0,
                       "feedback": ["calling `f` failed: ValueError: <img src=x onerror=f()> **bold**"]}}
    nb = _graded([], verdicts=verdicts)
    note = nb.cells[1].source
    assert "Autograder, q1: 0 / 2 points." in note
    assert "<code>f</code> failed: ValueError: &lt;img src=x onerror=f()&gt; **bold**" in note
    assert not active(note)
    assert markdown2html_mistune(note).strip() == note  # Markdown leaves it as it is


def test_feedback_summary_escapes_errors_and_feedback_lines():
    record = {"score": 0.0, "max_score": 2.0, "status": "error",
              "error": "x.ipynb is not a valid notebook: '<svg onload=f()>' does not match",
              "questions": {"q1": {"points": 0.0, "max_points": 2.0,
                                   "feedback": ["<script>f()</script>"]}}}
    page = html_block(summary_html(record))
    assert not active(page)
    assert "&lt;svg onload=f()&gt;" in page and "&lt;script&gt;f()&lt;/script&gt;" in page


def test_nothing_is_marked_trusted():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1", metadata={"trusted": True}),
                                         nbformat.v4.new_markdown_cell("x", metadata={"trusted": True})],
                                  metadata={"widgets": {"state": {}}})
    clean_notebook(nb)
    assert all("trusted" not in c.metadata for c in nb.cells) and "widgets" not in nb.metadata


def test_cleaning_twice_shows_the_same():
    once = markdown_html("# Title\n\n<b>bold</b> $a<b$\n\n```\n<i>code</i>\n\n\n```")
    assert clean_html(once) == once
    assert markdown_html(html_block(once)).strip() == f"<div>{once}</div>"
