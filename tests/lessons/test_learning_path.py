"""One learning path: the lessons' order, the stage each lesson names in its first cell, the site
index (grader.site.LEARNING_PATH), lesson 09's table and the README agree with the syllabus's
Start -> Then -> Next -> Finally (then the lessons that put the stages together)."""
import os
import re
from pathlib import Path

import nbformat
import pytest

from grader.site import LEARNING_PATH, index_html, lesson_paths

ROOT = Path(__file__).resolve().parents[2]
LESSONS = lesson_paths(ROOT / "lessons")
STAGES = ["Start", "Then", "Next", "Finally", "Together"]
SYLLABUS = Path(os.environ.get("IMBALANCE_LAB_SYLLABUS", ROOT.parent / "shared" / "seed" / "syllabus.txt"))


def _stage_in_notebook(path):
    first = next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    labels = re.findall(r"\*\*Learning path:\*\*\s*\*(\w+)\b", first)
    assert len(labels) == 1, f"{path.name}: the first cell names its stage once as '**Learning path:** *Stage*'"
    return labels[0]


def _site_path():
    return {stage: numbers for stage, _, numbers in LEARNING_PATH}


def test_each_lesson_names_one_stage_and_the_stages_follow_the_lesson_order():
    stages = [_stage_in_notebook(p) for p in LESSONS]
    assert set(stages) <= set(STAGES), stages
    order = [STAGES.index(s) for s in stages]
    assert order == sorted(order), f"stages out of order: {list(zip((p.name[:2] for p in LESSONS), stages))}"
    assert set(stages) == set(STAGES), "every stage of the path has a lesson"


def test_site_index_lists_each_lesson_once_under_the_stage_it_names():
    site = _site_path()
    assert list(site) == STAGES
    listed = [n for numbers in site.values() for n in numbers]
    assert listed == [p.name[:2] for p in LESSONS], "each lesson once, in lesson order"
    for path in LESSONS:
        assert path.name[:2] in site[_stage_in_notebook(path)], path.name


def test_lesson_09_table_and_readme_show_the_same_path():
    site = _site_path()
    nb = nbformat.read(ROOT / "lessons" / "09_playbook_and_mistakes.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    rows = dict(re.findall(r"^\| \*\*(\w+)\*\* \|[^|]*\|([^|]*)\|$", text, re.M))
    assert {stage: re.findall(r"(?:^|·)\s*(\d\d) ", cell) for stage, cell in rows.items()} == site

    readme = (ROOT / "README.md").read_text()
    line = re.search(r"\*\*Learning path\*\*[^:]*:(.*?)\.\s", readme, re.S).group(1)
    parts = re.findall(r"\*(\w+)\*\s*([\d,\s]+)", line)
    assert {stage: re.findall(r"\d\d", numbers) for stage, numbers in parts} == site


@pytest.mark.skipif(not SYLLABUS.exists(), reason="syllabus not beside this checkout")
def test_the_four_stages_are_the_syllabus_stages_in_its_order():
    path = re.findall(r"^- (Start|Then|Next|Finally): (.+?)\.?$", SYLLABUS.read_text(), re.M)
    assert path == [(stage, what) for stage, what, _ in LEARNING_PATH[:4]]


def test_rendered_index_shows_every_stage_with_its_lessons():
    class Page:  # the fields index_html reads
        def __init__(self, path):
            self.number, self.title, self.goal = path.name[:2], path.stem, "goal"
            self.html = Path(f"{path.stem}.html")

    html = index_html([Page(p) for p in LESSONS])
    for stage, _, numbers in LEARNING_PATH:
        row = re.search(rf"<tr><th>{stage}</th>.*?</tr>", html).group(0)
        assert re.findall(r'href="(\d\d)_', row) == numbers, stage
