"""One machine, two Labs: the learner's (``course lab --learner``'s config) has no instructor tools
(no Formgrader or Course List in the Nbgrader menu, no Create Assignment, no Validate button, no
formgrader pages), the instructor's (``course lab --instructor``'s) has every one of them."""
import urllib.error
import urllib.request

import pytest

from grader.lab import lab_env

pytestmark = pytest.mark.browser

EXERCISE = "exercises/ex01_class_weights/ex01_class_weights.ipynb"
INSTRUCTOR_ITEMS = {"Formgrader", "Course List", "Create assignment"}


def _as(role):
    return lambda env: env.update(lab_env(role, {}))


def nbgrader_menu(nb) -> set:
    """The labels the Nbgrader menu shows (an item whose plugin is off has no command: hidden)."""
    nb.page.locator(".lm-MenuBar-item", has_text="Nbgrader").first.click()
    labels = nb.page.locator(".lm-Menu-content .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    labels.first.wait_for()
    shown = {t.strip() for t in labels.all_inner_texts()}
    nb.page.keyboard.press("Escape")
    return shown


def status(lab, path) -> int:
    req = urllib.request.Request(f"{lab.base}/{path}", headers={"Authorization": f"token {lab.token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def validate_buttons(nb):
    return nb.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar .validate-button")


def test_learners_lab_has_no_instructor_tools(lab_factory, notebook, snap):
    lab = lab_factory("learner", before=_as("learner"))
    nb = notebook(lab, EXERCISE)
    shown = nbgrader_menu(nb)
    assert "Assignment List" in shown  # fetching and submitting stay
    assert not shown & INSTRUCTOR_ITEMS, shown
    assert validate_buttons(nb).count() == 0
    assert status(lab, "formgrader") == 404
    assert status(lab, "formgrader/api/assignments") == 404
    snap("lab_learner")


def test_instructors_lab_keeps_every_tool(lab_factory, notebook, snap):
    lab = lab_factory("instructor", before=_as("instructor"))
    nb = notebook(lab, EXERCISE)
    assert INSTRUCTOR_ITEMS | {"Assignment List"} <= nbgrader_menu(nb)
    validate_buttons(nb).first.wait_for()
    assert status(lab, "formgrader") != 404
    snap("lab_instructor")
