"""Every lesson runs top to bottom (papermill, on a temporary copy), keeps the common shape, and
the rendered course (``course site``) has every page and every image."""
import base64
import html
import io
import re
from pathlib import Path

import nbformat
import pytest

from grader.site import lesson_paths
from imbalance_kit.notebook import SETUP_CELL

ROOT = Path(__file__).resolve().parents[2]
LESSONS = lesson_paths(ROOT / "lessons")


def test_lessons_exist_in_learning_path_order():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers and numbers == list(range(1, len(numbers) + 1)), f"lessons must be numbered 01..NN: {numbers}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_the_common_shape(path):
    nb = nbformat.read(path, as_version=4)
    md = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert md and re.match(rf"# {path.name[:2]}\b", md[0]), "first cell: '# NN · Title'"
    assert "**Goal" in md[0] or "## Goal" in md[0], "first cell states the goal"
    assert code and code[0].strip() == SETUP_CELL, "first code cell is the shared setup cell"
    headings = [line for m in md for line in m.splitlines() if line.startswith("## ")]
    assert any(h.startswith("## Summary") for h in headings), "a '## Summary' section"
    assert headings[-1].startswith("## Self-check"), "the lesson ends with '## Self-check'"
    assert len([h for h in headings if re.match(r"## \d", h)]) >= 2, "numbered sections '## 1. ...'"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_executes_without_errors_or_unexplained_warnings(path, site, require_extras):
    _, pages = site
    require_extras(path)
    nb = nbformat.read(pages[path.stem].executed, as_version=4)
    images = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"cell {i} did not run"
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", f"cell {i} raised"
            images += "image/png" in output.get("data", {})
            if output.get("name") == "stderr" and "Warning" in output.get("text", ""):
                assert "warning-explained" in cell.metadata.get("tags", []), (
                    f"cell {i} warns without an explanation (tag it 'warning-explained' and say why "
                    f"in the lesson): {output['text'][:300]}")
    assert images >= 1, "every lesson shows at least one plot"


@pytest.mark.slow
def test_rendered_course_has_every_page_and_every_image_loads(site):
    from PIL import Image

    out, pages = site
    index = (out / "index.html").read_text()
    for stem, page in pages.items():
        assert f'href="{stem}.html"' in index, f"index does not link {stem}"
        body = page.html.read_text()
        sources = re.findall(r'<img[^>]+src="([^"]+)"', body)
        assert sources, f"{stem}.html has no images"
        for src in sources:
            assert src.startswith("data:image/png;base64,"), f"{stem}.html: external image {src[:60]}"
            Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).verify()
        # the quiz widget cannot run in a static page: its questions are shown as text instead
        assert 'class="quick-test-static"' in body and f"course quiz {page.number}" in body, stem


def test_static_quiz_shows_questions_but_no_order_or_answers():
    from grader.quiz.bank import load_quiz
    from grader.site import static_quiz_html

    for quiz_id in ("01", "09", "final"):
        quiz, text = load_quiz(quiz_id), static_quiz_html(quiz_id)
        assert text.count("<li><p>") == len(quiz)
        assert "{" not in text, "every parameterized prompt is filled in"
        for q in quiz.questions:
            if q.type == "ordering":  # the steps appear, but not in their correct order
                shown = [html.unescape(s) for s in re.findall(r"<li>([^<]+)</li>", text)]
                steps = [s.text for s in q.steps]
                assert set(steps) <= set(shown)
                assert [s for s in shown if s in steps] != steps


def test_a_lesson_whose_optional_extra_is_missing_is_left_out_and_the_index_says_why(tmp_path):
    from grader.site import build_site, missing_extras

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Extra\n\n**Goal:** none")])
    nb.metadata["imbalance_lab"] = {"requires": ["no_such_module_here"], "install": "pip install it"}
    path = tmp_path / "01_extra.ipynb"
    nbformat.write(nb, path)
    assert missing_extras(path) == (["no_such_module_here"], "pip install it")
    assert build_site(tmp_path / "site", [path]) == []  # not executed, so no error either
    index = (tmp_path / "site" / "index.html").read_text()
    assert "01 (not built here: needs no_such_module_here: pip install it)" in index


def test_only_lesson_10_needs_an_extra_and_it_says_how_to_install_it():
    declared = {p.name[:2]: nbformat.read(p, as_version=4).metadata.get("imbalance_lab", {}) for p in LESSONS}
    assert {n: m["requires"] for n, m in declared.items() if m} == {"10": ["torch"]}
    assert 'pip install -e ".[deep]"' in declared["10"]["install"]


def test_a_missing_extra_skips_with_the_install_hint_except_in_ci(tmp_path, monkeypatch, require_extras):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Extra")])
    nb.metadata["imbalance_lab"] = {"requires": ["no_such_module_here"], "install": "pip install it"}
    path = tmp_path / "01_extra.ipynb"
    nbformat.write(nb, path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs no_such_module_here, which is not installed: pip install it"):
        require_extras(path)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run it"):
        require_extras(path)
