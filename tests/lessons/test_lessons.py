"""Every lesson runs top to bottom (papermill, on a temporary copy) and keeps the common shape."""
import re
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from imbalance_kit.notebook import SETUP_CELL

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))


def test_lessons_exist_in_learning_path_order():
    numbers = [int(p.name[:2]) for p in LESSONS]
    assert numbers == list(range(1, len(numbers) + 1)), f"lessons must be numbered 01..NN: {numbers}"


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
def test_lesson_executes_without_errors_or_unexplained_warnings(path, tmp_path, request):
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())  # never execute the stored source (papermill #731)
    out = tmp_path / f"executed_{path.name}"
    start = time.perf_counter()
    papermill.execute_notebook(str(copy), str(out), cwd=str(tmp_path), kernel_name="python3",
                               progress_bar=False, execution_timeout=300)
    request.config.lesson_times[path.stem] = time.perf_counter() - start
    nb = nbformat.read(out, as_version=4)
    images = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            images += "image/png" in output.get("data", {})
            if output.get("name") == "stderr" and "Warning" in output.get("text", ""):
                assert "warning-explained" in cell.metadata.get("tags", []), (
                    f"cell {i} warns without an explanation (tag it 'warning-explained' and say why "
                    f"in the lesson): {output['text'][:300]}")
    assert images >= 1, "every lesson shows at least one plot"

