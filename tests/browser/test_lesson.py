"""A learner opens lesson 01 in JupyterLab, runs every cell and sees its plots without errors."""
import re

import pytest

pytestmark = pytest.mark.browser

LESSON = "lessons/01_what_is_imbalance.ipynb"


def test_lesson_01_runs_all_cells_with_plots_and_no_errors(lab, notebook, snap):
    nb = notebook(lab, LESSON)
    assert all(p == "[ ]:" for p in nb.prompts()), "the course copy ships without outputs"
    nb.run_all()

    prompts = nb.prompts()
    assert prompts and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts), f"cells left unrun: {prompts}"
    assert nb.error_outputs() == []
    assert lab.api("kernels")[0]["execution_state"] == "idle"
    images = nb.page.locator(f"{nb.CELLS} .jp-OutputArea-output img")
    assert images.count() >= 1, "no plot in the outputs"
    first = images.first
    first.scroll_into_view_if_needed()
    assert first.evaluate("img => img.complete && img.naturalWidth > 100"), "the plot did not load"
    snap("lesson01_after_run_all")
